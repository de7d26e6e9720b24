import type { Reporter, RunReport, TestResult, TestState } from './model';
import {
  formatCounts,
  formatDuration,
  formatLimitSymbol,
  formatValue,
  keyMeasurements,
  thresholdVerdict,
  visibleControlChars,
} from './format';
import { checkReportFileName, writeReportFile } from './report-file';

export interface MarkdownWriterOptions {
  /** File name inside the report directory; default "summary.md". */
  fileName?: string;
}

/**
 * Escapes text for GitHub-flavoured Markdown, inside or outside a table cell: backslash
 * escapes for characters that make tables, emphasis, code or links (`\ | * _ ` [ ]`), HTML
 * for `& < >` so a device message cannot open a tag, `<br>` for line breaks (a raw newline
 * ends a table row), and control characters made visible.
 */
export function escapeMarkdown(text: string): string {
  return visibleControlChars(text.replace(/\r\n?/g, '\n'))
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/[\\|*_`[\]]/g, (c) => `\\${c}`)
    .replace(/\t/g, ' ')
    .replace(/\n/g, '<br>');
}

/**
 * A code span (ids, metric names, paths). Backticks inside get a longer fence. In a table
 * cell a pipe must still be escaped (GFM splits cells before it sees code spans); outside a
 * table the same backslash would show, so it is only added with `inTable`.
 */
export function markdownCode(text: string, options: { inTable?: boolean } = {}): string {
  let content = visibleControlChars(text.replace(/[\r\n\t]+/g, ' '), false);
  if (options.inTable) content = content.replace(/\|/g, '\\|');
  const longestRun = Math.max(0, ...(content.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longestRun + 1);
  const pad = content.startsWith('`') || content.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${content}${pad}${fence}`;
}

function tableRow(cells: readonly string[]): string {
  return `| ${cells.join(' | ')} |`;
}

function table(header: readonly string[], align: readonly ('l' | 'r')[], rows: readonly (readonly string[])[]): string[] {
  const rule = align.map((a) => (a === 'r' ? '---:' : '---'));
  return [tableRow(header), tableRow(rule), ...rows.map(tableRow)];
}

const STATE_TEXT: Record<TestState, string> = {
  passed: 'passed',
  failed: '**FAILED**',
  errored: '**ERRORED**',
  skipped: 'skipped',
};

function shortHash(sha256: string): string {
  return sha256.length > 12 ? `${sha256.slice(0, 12)}…` : sha256;
}

function metadata(report: RunReport): string[] {
  const { run } = report;
  const devices = run.devices.map((d) => {
    const identity = Object.entries(d.identity).map(([k, v]) => `${k} ${v}`);
    const facts = [d.emulated ? 'emulated' : 'hardware', ...identity].join(', ');
    return `${escapeMarkdown(d.name)} (${escapeMarkdown(facts)})`;
  });
  const rows: string[][] = [
    ['Suite', `${escapeMarkdown(run.suite.name)} — ${markdownCode(run.suite.file, { inTable: true })} (sha256 ${markdownCode(shortHash(run.suite.sha256), { inTable: true })})`],
    ['Device', devices.length > 0 ? devices.join('<br>') : 'none'],
    ['Started', escapeMarkdown(run.startedAt)],
    ['Duration', formatDuration(run.durationMs)],
    ['Seed', String(run.seed)],
    ['Run id', markdownCode(run.id, { inTable: true })],
    ['poshil', escapeMarkdown(run.poshilVersion)],
    ['Node', escapeMarkdown(run.node)],
    ['Host', `${escapeMarkdown(run.host)} (${escapeMarkdown(run.platform)})`],
  ];
  if (run.interrupted !== undefined) rows.push(['Interrupted', escapeMarkdown(run.interrupted)]);
  if (run.signer !== undefined) rows.push(['Signed by', `${escapeMarkdown(run.signer.algorithm)} key ${markdownCode(run.signer.fingerprint, { inTable: true })} (manifest.json, manifest.sig; check with ${markdownCode('poshil verify', { inTable: true })})`]);
  return table(['Run', ''], ['l', 'l'], rows);
}

function keyMeasurementsCell(test: TestResult): string {
  if (test.state === 'skipped') return test.skipReason === undefined ? '' : `skipped: ${escapeMarkdown(test.skipReason)}`;
  const key = keyMeasurements(test);
  // An errored test often measured nothing; its error code says more than an empty cell.
  if (key.length === 0 && test.error !== undefined) return `error ${markdownCode(test.error.code, { inTable: true })}`;
  return key
    .map((m) => `${markdownCode(m.name, { inTable: true })} ${escapeMarkdown(formatValue(m.value, m.unit))}`)
    .join(', ');
}

function results(report: RunReport): string[] {
  const rows = report.tests.map((t) => [
    markdownCode(t.id, { inTable: true }),
    escapeMarkdown(t.kind),
    escapeMarkdown(t.requirement ?? ''),
    STATE_TEXT[t.state],
    keyMeasurementsCell(t),
  ]);
  return table(['Test', 'Kind', 'Requirement', 'State', 'Key measurements'], ['l', 'l', 'l', 'l', 'l'], rows);
}

function failureSection(test: TestResult): string[] {
  const lines = [`### ${markdownCode(test.id)} — ${test.state}`, ''];
  const facts = [
    ...(test.requirement === undefined ? [] : [`requirement ${escapeMarkdown(test.requirement)}`]),
    `kind ${escapeMarkdown(test.kind)}`,
    `interface ${escapeMarkdown(test.interface)}`,
    formatDuration(test.durationMs),
  ];
  lines.push(facts.join(' · '), '');
  if (test.error !== undefined) {
    lines.push(`**Error** ${markdownCode(test.error.code)}: ${escapeMarkdown(test.error.message)}`, '');
  }
  if (test.thresholds.length > 0) {
    const rows = test.thresholds.map((t) => [
      markdownCode(t.metric, { inTable: true }),
      escapeMarkdown(formatValue(t.measured, t.unit)),
      escapeMarkdown(formatLimitSymbol(t.limit, t.unit)),
      t.passed ? thresholdVerdict(t) : `**${thresholdVerdict(t)}**`,
    ]);
    lines.push(...table(['Metric', 'Measured', 'Limit', 'Verdict'], ['l', 'r', 'l', 'l'], rows), '');
  }
  if (test.notes !== undefined && test.notes.length > 0) {
    lines.push(...test.notes.map((n) => `- ${escapeMarkdown(n)}`), '');
  }
  if (test.wireTrace !== undefined) lines.push(`Wire trace: ${markdownCode(test.wireTrace)}`, '');
  return lines;
}

/**
 * summary.md as text: a title with the verdict in words (PASSED/FAILED), the run metadata,
 * one results table, then a thresholds table for every failed or errored test. Plain GFM,
 * fit for a PR comment or `$GITHUB_STEP_SUMMARY`. Pure: renders without touching the disk.
 */
export function renderMarkdownSummary(report: RunReport): string {
  const { run, summary } = report;
  const verdict = summary.verdict === 'passed' ? 'PASSED' : 'FAILED';
  const lines = [`## poshil: ${escapeMarkdown(run.suite.name)} — ${verdict}`, ''];
  lines.push(`**${formatCounts(summary)}** in ${formatDuration(run.durationMs)}`, '');
  if (run.interrupted !== undefined) {
    lines.push(`> **Interrupted:** ${escapeMarkdown(run.interrupted)}. Results are partial.`, '');
  }
  lines.push(...metadata(report), '');
  if (report.tests.length > 0) lines.push('### Results', '', ...results(report), '');
  for (const test of report.tests) {
    if (test.state === 'failed' || test.state === 'errored') lines.push(...failureSection(test));
  }
  while (lines[lines.length - 1] === '') lines.pop();
  return `${lines.join('\n')}\n`;
}

/** Writes summary.md into the report directory at the end of the run. */
export class MarkdownWriter implements Reporter {
  readonly name = 'markdown';
  private readonly fileName: string;

  constructor(options: MarkdownWriterOptions = {}) {
    this.fileName = options.fileName ?? 'summary.md';
    checkReportFileName(this.fileName);
  }

  async onRunEnd(report: RunReport, outDir: string): Promise<void> {
    await writeReportFile(outDir, this.fileName, renderMarkdownSummary(report));
  }
}
