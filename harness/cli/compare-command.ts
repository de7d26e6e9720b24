import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PoshilError } from '../errors';
import { compareReports, type RunComparison } from '../reports/compare';
import { renderComparisonMarkdown, renderComparisonText } from '../reports/comparison-render';
import { DEFAULT_HTML_FILE, writeHtmlReport } from '../reports/html-writer';
import type { RunReport } from '../reports/model';
import { writeReportFile } from '../reports/report-file';
import type { CliIo } from './main';

const USAGE = `usage: poshil compare <baseline> <current> [--tolerance PCT] [--fail-on-regression] [--markdown]
  <baseline>, <current>    a run's report.json or its run directory
  --tolerance PCT          a metric that moved by at most PCT % is no change (default 10)
  --fail-on-regression     exit 1 when a metric regressed
  --markdown               print Markdown (for a PR comment) instead of the table
Latency percentiles (p50, p99) are compared as distributions from the runs' histograms: a change
counts when it exceeds the tolerance and a bootstrap finds it significant at alpha 0.01. Other
metrics (tps, error_rate, …) by the tolerance alone. With $GITHUB_STEP_SUMMARY set the Markdown
is appended there too. Exit codes: 0 compared (1 on a regression with --fail-on-regression),
2 a file could not be read or the runs have no test in common.`;

function usage(message: string): PoshilError {
  return new PoshilError('USAGE', `${message}\n\n${USAGE}`, { exitCode: 2 });
}

function inputError(message: string, cause?: unknown): PoshilError {
  return new PoshilError('COMPARE_INPUT', message, { exitCode: 2, ...(cause === undefined ? {} : { cause }) });
}

/** `--tolerance 10` / `10%` → 10. */
export function parseTolerance(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text.trim().replace(/%$/, ''));
  if (text.trim() === '' || !Number.isFinite(value) || value < 0) throw usage(`--tolerance expects a percentage ≥ 0, e.g. 10, got '${text}'`);
  return value;
}

/**
 * Reads a run's report.json, given the file or its run directory, and checks it is a report
 * this poshil can compare. Anything else is exit 2, before a run starts or a table is printed.
 */
export function readRunReport(given: string): { report: RunReport; file: string } {
  let file = path.resolve(given);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    throw inputError(`${given}: no such file or run directory`);
  }
  if (stat.isDirectory()) file = path.join(file, 'report.json');
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw inputError(`${file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})${stat.isDirectory() ? '; a run directory without report.json can be rebuilt with poshil report <run-dir>' : ''}`, err);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw inputError(`${file}: not JSON (${(err as Error).message})`, err);
  }
  const r = data as Partial<RunReport> | null;
  const looksRight =
    r !== null &&
    typeof r === 'object' &&
    typeof r.run === 'object' &&
    r.run !== null &&
    typeof r.run.id === 'string' &&
    Array.isArray(r.tests) &&
    r.tests.every((t) => t !== null && typeof t === 'object' && typeof t.id === 'string' && Array.isArray(t.measurements));
  if (!looksRight) throw inputError(`${file}: not a poshil run report (report.json with run and tests)`);
  if (r.schemaVersion !== 1) throw inputError(`${file}: report schemaVersion ${String(r.schemaVersion)}; this poshil compares schemaVersion 1`);
  return { report: r as RunReport, file };
}

/** Compares, refusing two runs that share no test (there is nothing to say about them). */
function compareFiles(baseline: { report: RunReport; file: string }, current: { report: RunReport; file: string }, tolerancePct: number | undefined): RunComparison {
  const comparison = compareReports(baseline.report, current.report, { tolerancePct, baselineFile: baseline.file, currentFile: current.file });
  if (comparison.tests.length === 0) {
    throw inputError(`nothing to compare: the runs have no test in common (baseline: ${comparison.onlyInBaseline.join(', ') || 'none'}; current: ${comparison.onlyInCurrent.join(', ') || 'none'})`);
  }
  return comparison;
}

/** Appends the Markdown to the CI job summary when `$GITHUB_STEP_SUMMARY` names a file. */
export function appendStepSummary(markdown: string, io: CliIo, env: NodeJS.ProcessEnv = process.env): void {
  const file = env.GITHUB_STEP_SUMMARY;
  if (!file) return;
  try {
    fs.appendFileSync(file, `${markdown}\n`);
  } catch (err) {
    io.stderr.write(`poshil: warning: could not append the comparison to $GITHUB_STEP_SUMMARY (${file}): ${(err as Error).message}\n`);
  }
}

/** `poshil compare <baseline> <current> [--tolerance PCT] [--fail-on-regression] [--markdown]`. */
export async function compareCommand(args: string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: { tolerance: { type: 'string' }, 'fail-on-regression': { type: 'boolean' }, markdown: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (err) {
    throw usage((err as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (positionals.length !== 2) throw usage('compare needs a baseline and a current run');
  const tolerancePct = parseTolerance(values.tolerance);
  const baseline = readRunReport(positionals[0] as string);
  const current = readRunReport(positionals[1] as string);
  const comparison = compareFiles(baseline, current, tolerancePct);
  const markdown = renderComparisonMarkdown(comparison);
  io.stdout.write(values.markdown ? markdown : renderComparisonText(comparison));
  appendStepSummary(markdown, io);
  return values['fail-on-regression'] && comparison.summary.verdict === 'regression' ? 1 : 0;
}

/** What `poshil run --baseline` asked for, the baseline already read (a bad one fails before the run). */
export interface BaselineRequest {
  baseline: { report: RunReport; file: string };
  tolerancePct: number | undefined;
  failOnRegression: boolean;
}

/** `--baseline`, `--tolerance`, `--fail-on-regression` of `poshil run`; undefined without `--baseline`. */
export function baselineRequest(values: { baseline?: string; tolerance?: string; 'fail-on-regression'?: boolean }): BaselineRequest | undefined {
  if (values.baseline === undefined) {
    if (values.tolerance !== undefined || values['fail-on-regression']) throw usage('--tolerance and --fail-on-regression need --baseline <report.json|run-dir>');
    return undefined;
  }
  const tolerancePct = parseTolerance(values.tolerance);
  return { baseline: readRunReport(values.baseline), tolerancePct, failOnRegression: values['fail-on-regression'] === true };
}

export const COMPARISON_JSON = 'comparison.json';
export const COMPARISON_MD = 'comparison.md';

/**
 * After `poshil run --baseline`: compares the run with its baseline, prints the table, writes
 * comparison.json and comparison.md into the run directory (and the Markdown to
 * `$GITHUB_STEP_SUMMARY`). Returns 1 when the run regressed and --fail-on-regression asked for
 * it, else 0. A comparison that cannot be made (no test in common) is a warning here: the run's
 * own results stand.
 */
export async function compareAfterRun(request: BaselineRequest, report: RunReport, outDir: string, io: CliIo): Promise<number> {
  let comparison: RunComparison;
  try {
    comparison = compareFiles(request.baseline, { report, file: path.join(outDir, 'report.json') }, request.tolerancePct);
  } catch (err) {
    if (!(err instanceof PoshilError)) throw err;
    io.stderr.write(`poshil: warning: no comparison with the baseline: ${err.message}\n`);
    return 0;
  }
  const markdown = renderComparisonMarkdown(comparison);
  io.stdout.write(`\n${renderComparisonText(comparison)}`);
  await writeReportFile(outDir, COMPARISON_JSON, `${JSON.stringify(comparison, null, 2)}\n`);
  await writeReportFile(outDir, COMPARISON_MD, markdown);
  // The run's HTML page (when the html reporter wrote one) gets the comparison too.
  if (fs.existsSync(path.join(outDir, DEFAULT_HTML_FILE))) await writeHtmlReport(report, outDir, { comparison });
  appendStepSummary(markdown, io);
  return request.failOnRegression && comparison.summary.verdict === 'regression' ? 1 : 0;
}
