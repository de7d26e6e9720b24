import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { escapeMarkdown, markdownCode, MarkdownWriter, renderMarkdownSummary } from '../../harness/reports/markdown-writer';
import { hostileReport, makeReport, passedTest } from './fixture';

/** Splits a GFM table row into cells the way GitHub does: on pipes not escaped by a backslash. */
function cells(row: string): string[] {
  expect(row.startsWith('| ') && row.endsWith(' |')).toBe(true);
  return row
    .slice(2, -2)
    .split(/(?<!\\) \| /)
    .map((c) => c.trim());
}

/** The table that starts at the line equal to `header`. */
function tableAt(lines: string[], header: string): string[][] {
  const start = lines.indexOf(header);
  expect(start).toBeGreaterThanOrEqual(0);
  const rows: string[] = [];
  for (let i = start; i < lines.length && lines[i].startsWith('|'); i++) rows.push(lines[i]);
  return rows.map(cells);
}

describe('Markdown summary (summary.md)', () => {
  const text = renderMarkdownSummary(makeReport());
  const lines = text.split('\n');

  it('has a title with the verdict in words', () => {
    expect(lines[0]).toBe('## poshil: smoke — FAILED');
    expect(renderMarkdownSummary(makeReport([passedTest])).split('\n')[0]).toBe('## poshil: smoke — PASSED');
    expect(text).not.toMatch(/\p{Extended_Pictographic}/u);
  });

  it('states the counts and has a run metadata table', () => {
    expect(text).toContain('**4 tests: 1 passed, 1 failed, 1 errored, 1 skipped** in 6.1s');
    const meta = tableAt(lines, '| Run |  |');
    const byField = Object.fromEntries(meta.slice(2).map(([k, v]) => [k, v]));
    expect(byField).toMatchObject({ Seed: '42', poshil: '0.1.0', Node: 'v20.19.0', 'Run id': '`20250301T100000Z-ab12`' });
    expect(byField.Device).toBe('emulated-terminal (emulated, terminalId T0000001, model EMU-1)');
  });

  it('has a results table with one row per test and the same number of cells in every row', () => {
    const results = tableAt(lines, '| Test | Kind | Requirement | State | Key measurements |');
    expect(results).toHaveLength(2 + 4);
    for (const row of results) expect(row).toHaveLength(5);
    expect(results[1]).toEqual(['---', '---', '---', '---', '---']);
    expect(results[3]).toEqual([
      '`slow-refund`',
      'latency',
      'REQ-LAT-002',
      '**FAILED**',
      '`p99_ms` 62.40 ms, `error_rate` 2.00%, `tps` 80.0 tps, `p50_ms` 20.50 ms',
    ]);
    expect(results[4][4]).toBe('error `LINK_CLOSED`');
    expect(results[5][4]).toBe('skipped: no PIN pad attached');
  });

  it('gives every failed or errored test a section; a failed one with its thresholds table', () => {
    expect(lines.filter((l) => l.startsWith('### `'))).toEqual(['### `slow-refund` — failed', '### `burst` — errored']);
    const thresholds = tableAt(lines, '| Metric | Measured | Limit | Verdict |');
    expect(thresholds.slice(2)).toEqual([
      ['`p99_ms`', '62.40 ms', '≤ 50 ms', '**FAIL**'],
      ['`error_rate`', '2.00%', '≤ 1%', '**FAIL**'],
      ['`tps`', '80.0 tps', '≥ 50 tps', 'pass'],
    ]);
    expect(text).toContain('**Error** `LINK_CLOSED`: link dropped after 17 transactions');
  });

  it('writes summary.md into the report directory', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'poshil-md-'));
    try {
      await new MarkdownWriter().onRunEnd(makeReport(), dir);
      expect(await readFile(join(dir, 'summary.md'), 'utf8')).toBe(text);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('Markdown escaping', () => {
  it('escapes pipes so a cell cannot split a table row', () => {
    expect(escapeMarkdown('a|b')).toBe('a\\|b');
    expect(markdownCode('a|b', { inTable: true })).toBe('`a\\|b`');
    expect(markdownCode('a|b')).toBe('`a|b`');
  });

  it('escapes emphasis, code, link and HTML characters, and turns line breaks into <br>', () => {
    expect(escapeMarkdown('*b* _i_ `c` [l](x) <b> & \\')).toBe('\\*b\\* \\_i\\_ \\`c\\` \\[l\\](x) &lt;b&gt; &amp; \\\\');
    expect(escapeMarkdown('one\r\ntwo\nthree')).toBe('one<br>two<br>three');
  });

  it('fences code spans that contain backticks with a longer run', () => {
    expect(markdownCode('a`b')).toBe('``a`b``');
    expect(markdownCode('`x`')).toBe('`` `x` ``');
  });

  it('keeps every table row whole when every text field is hostile', () => {
    const hostile = renderMarkdownSummary(hostileReport()).split('\n');
    const results = tableAt(hostile, '| Test | Kind | Requirement | State | Key measurements |');
    for (const row of results) expect(row).toHaveLength(5);
    expect(results[2][0]).toBe('`weird\\|id<&>"\'`');
    expect(results[2][2]).toBe('REQ\\|&lt;&amp;&gt;');
    for (const row of tableAt(hostile, '| Run |  |')) expect(row).toHaveLength(2);
    // eslint-disable-next-line no-control-regex -- looking for raw control characters is the point
    expect(hostile.join('\n')).not.toMatch(/[\u0000-\u0008\u000b-\u001f]/);
  });
});
