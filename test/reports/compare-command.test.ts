import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { main, type CliIo } from '../../harness/cli/main';
import { appendStepSummary, parseTolerance } from '../../harness/cli/compare-command';
import { latencyTest, runReport, samplesMs } from './compare-fixture';

/** `poshil compare` through main(), in process: exit codes and output without an emulator. */
function io(): CliIo & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: { write: (s: string) => ((out += s), true) } as unknown as CliIo['stdout'],
    stderr: { write: (s: string) => ((err += s), true) } as unknown as CliIo['stderr'],
    out: () => out,
    err: () => err,
  };
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'poshil-compare-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(name: string, data: unknown): string {
  const file = path.join(dir, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, typeof data === 'string' ? data : JSON.stringify(data));
  return file;
}

const base = write('base/report.json', runReport('base', [latencyTest('sale', samplesMs(1000, 1))]));
const same = write('same.json', runReport('same', [latencyTest('sale', samplesMs(1000, 2))]));
const slower = write('slower.json', runReport('slower', [latencyTest('sale', samplesMs(1000, 2, 10, 1.25))]));

describe('poshil compare (in process)', () => {
  const saved = process.env.GITHUB_STEP_SUMMARY;
  beforeEach(() => delete process.env.GITHUB_STEP_SUMMARY);
  afterAll(() => {
    if (saved === undefined) delete process.env.GITHUB_STEP_SUMMARY;
    else process.env.GITHUB_STEP_SUMMARY = saved;
  });

  it('takes a run directory or a report.json; no change is exit 0 with a table', async () => {
    const o = io();
    expect(await main(['compare', path.dirname(base), same, '--fail-on-regression'], o)).toBe(0);
    expect(o.out()).toMatch(/^test +metric +baseline +current +delta +p +verdict$/m);
    expect(o.out()).toMatch(/^sale +p99_ms .* no change$/m);
    expect(o.out()).toContain('comparison: no change');
  });

  it('a regression is exit 1 only with --fail-on-regression', async () => {
    const o = io();
    expect(await main(['compare', base, slower, '--fail-on-regression'], o)).toBe(1);
    expect(o.out()).toMatch(/comparison: REGRESSION: 2 metrics worse/);
    expect(o.out()).toMatch(/sale p99_ms: .* beyond ±10% and significant/);
    expect(await main(['compare', base, slower], io())).toBe(0);
    // A generous tolerance absorbs the 25 %.
    expect(await main(['compare', base, slower, '--tolerance', '30%', '--fail-on-regression'], io())).toBe(0);
  });

  it('--markdown prints the Markdown; $GITHUB_STEP_SUMMARY gets it appended', async () => {
    const summary = write('step-summary.md', '# earlier step\n');
    process.env.GITHUB_STEP_SUMMARY = summary;
    const o = io();
    expect(await main(['compare', base, slower, '--markdown'], o)).toBe(0);
    expect(o.out()).toMatch(/^## poshil comparison — REGRESSION/);
    const written = fs.readFileSync(summary, 'utf8');
    expect(written.startsWith('# earlier step\n')).toBe(true);
    expect(written).toContain('## poshil comparison — REGRESSION');
    expect(written).toContain('| `sale` | `p99_ms` |');
  });

  it.each([
    ['a missing file', () => [path.join(dir, 'nope.json'), same], /no such file or run directory/],
    ['a directory without report.json', () => [dir + '/empty-run', same], /cannot read it/],
    ['a file that is not JSON', () => [write('broken.json', '{"schemaVersion": 1,'), same], /not JSON/],
    ['JSON that is not a report', () => [write('other.json', { hello: 'world' }), same], /not a poshil run report/],
    ['another schema version', () => [write('v2.json', { ...runReport('v2', []), schemaVersion: 2 }), same], /schemaVersion 2/],
    ['runs with no test in common', () => [write('other-tests.json', runReport('o', [latencyTest('refund', samplesMs(100, 1))])), same], /no test in common/],
    ['a histogram that does not decode', () => [write('bad-histogram.json', runReport('b', [{ ...latencyTest('sale', samplesMs(100, 1)), details: { histogram: { unit: 'ns', value: 'not base64 at all' } } }])), same], /histogram does not decode/],
    ['a bad tolerance', () => [base, same, '--tolerance', 'ten'], /--tolerance expects a percentage/],
    ['one file only', () => [base], /needs a baseline and a current run/],
  ])('exit 2 on %s', async (_name, args, message) => {
    fs.mkdirSync(path.join(dir, 'empty-run'), { recursive: true });
    const o = io();
    expect(await main(['compare', ...(args() as string[])], o)).toBe(2);
    expect(o.err()).toMatch(message);
    expect(o.out()).toBe('');
  });

  it('poshil run refuses --tolerance or --fail-on-regression without --baseline, and an unreadable baseline, before running', async () => {
    let o = io();
    expect(await main(['run', 'suites/smoke.json', '--fail-on-regression'], o)).toBe(2);
    expect(o.err()).toMatch(/need --baseline/);
    o = io();
    expect(await main(['run', 'suites/smoke.json', '--baseline', path.join(dir, 'nope')], o)).toBe(2);
    expect(o.err()).toMatch(/no such file or run directory/);
  });

  it('parses tolerances', () => {
    expect(parseTolerance('10')).toBe(10);
    expect(parseTolerance('2.5%')).toBe(2.5);
    expect(parseTolerance(undefined)).toBeUndefined();
    expect(() => parseTolerance('-1')).toThrow(/percentage ≥ 0/);
  });

  it('a step summary that cannot be written is a warning, not a failure', () => {
    const o = io();
    appendStepSummary('# x\n', o, { GITHUB_STEP_SUMMARY: path.join(dir, 'no-such-dir', 'summary.md') });
    expect(o.err()).toMatch(/warning: could not append the comparison/);
  });
});
