import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PoshilError } from '../errors';
import { formatDelta } from '../reports/compare';
import { formatTextTable, formatValue } from '../reports/format';
import { renderTrendHtml } from '../reports/html/trend-page';
import type { RunReport } from '../reports/model';
import { writeReportFile } from '../reports/report-file';
import { trendReports, type TrendResult } from '../reports/trend';
import { parseTolerance, readRunReport } from './compare-command';
import type { CliIo } from './main';

const USAGE = `usage: poshil trend <report.json | run-dir | reports-dir>… [--last N] [--out FILE] [--tolerance PCT] [--fail-on-drift] [--json]
  follows each measurement across runs (oldest first) and flags a drift: a steady trend one way
  (Mann–Kendall, p < 0.05) that moved it by more than the tolerance (default 10 %) over the runs.
  A reports directory stands for every run in it. Writes trend.html (default: in the current directory).`;

function usage(message: string): PoshilError {
  return new PoshilError('USAGE', `${message}\n\n${USAGE}`, { exitCode: 2 });
}

/** Every report the arguments name: files, run directories, or directories of runs. */
export function collectReports(args: readonly string[]): { report: RunReport; file: string }[] {
  const out: { report: RunReport; file: string }[] = [];
  for (const given of args) {
    const dir = path.resolve(given);
    const isDir = fs.existsSync(dir) && fs.statSync(dir).isDirectory();
    if (isDir && !fs.existsSync(path.join(dir, 'report.json'))) {
      const runs = fs
        .readdirSync(dir, { withFileTypes: true })
        .filter((e) => e.isDirectory() && fs.existsSync(path.join(dir, e.name, 'report.json')))
        .map((e) => path.join(dir, e.name));
      if (runs.length === 0) throw new PoshilError('TREND_INPUT', `${given}: no run directory with a report.json in it`, { exitCode: 2 });
      for (const run of runs) out.push(readRunReport(run));
    } else out.push(readRunReport(given));
  }
  return out;
}

export function renderTrendText(trend: TrendResult): string {
  const rows = [['test', 'metric', 'runs', 'first', 'last', 'change', 'p', 'verdict']];
  for (const s of trend.series) {
    const present = s.values.filter((v): v is number => v !== null);
    rows.push([s.test, s.metric, String(s.n), formatValue(present[0] ?? null, s.unit), formatValue(present.at(-1) ?? null, s.unit), formatDelta(s.changePct), s.pValue === null ? '—' : s.pValue < 0.001 ? 'p<0.001' : `p=${s.pValue.toFixed(3)}`, s.verdict === 'drift' ? 'DRIFT' : s.verdict]);
  }
  const lines = [`trend of suite '${trend.suite}' over ${trend.runs.length} runs (${trend.runs[0]?.startedAt ?? '?'} … ${trend.runs.at(-1)?.startedAt ?? '?'})`];
  for (const w of trend.warnings) lines.push(`  warning: ${w}`);
  lines.push('', ...formatTextTable(rows), '');
  const drifts = trend.series.filter((s) => s.verdict === 'drift');
  lines.push(drifts.length === 0 ? 'trend: no drift' : `trend: DRIFT in ${drifts.length} measurement(s)`);
  for (const d of drifts) lines.push(`  ${d.test} ${d.metric}: ${d.reason}`);
  return lines.join('\n') + '\n';
}

export async function trendCommand(args: string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, options: { last: { type: 'string' }, out: { type: 'string' }, tolerance: { type: 'string' }, 'fail-on-drift': { type: 'boolean' }, json: { type: 'boolean' } } });
  } catch (err) {
    throw usage((err as Error).message);
  }
  const { values, positionals } = parsed;
  if (positionals.length === 0) throw usage('trend needs the runs to follow');
  const last = values.last === undefined ? undefined : Number(values.last);
  if (last !== undefined && (!Number.isInteger(last) || last < 2)) throw usage(`--last expects a number of runs ≥ 2, got '${values.last}'`);
  const tolerancePct = parseTolerance(values.tolerance);
  const trend = trendReports(collectReports(positionals), { ...(last !== undefined ? { last } : {}), ...(tolerancePct !== undefined ? { tolerancePct } : {}) });
  const out = path.resolve(values.out ?? 'trend.html');
  await writeReportFile(path.dirname(out), path.basename(out), renderTrendHtml(trend));
  if (values.json) io.stdout.write(`${JSON.stringify(trend, null, 2)}\n`);
  else io.stdout.write(`${renderTrendText(trend)}wrote ${out}\n`);
  return values['fail-on-drift'] && trend.summary.drifts > 0 ? 1 : 0;
}
