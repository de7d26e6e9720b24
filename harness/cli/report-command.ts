import path from 'node:path';
import { parseArgs } from 'node:util';
import { PoshilError } from '../errors';
import { ReporterMultiplexer } from '../reports/multiplexer';
import { createReporters, defaultReporterNames, type ReporterName } from '../reports/registry';
import { JOURNAL_FILE, readRunJournal, rebuildReport } from '../runner/journal-recovery';
import type { CliIo } from './main';

const USAGE = `usage: poshil report <run-dir> [--reporter a,b]
  rebuilds the run's report files from <run-dir>/${JOURNAL_FILE} alone (a run that was killed,
  crashed or lost power included); reporters: ${defaultReporterNames.join(', ')} (default: all)`;

/** The file each built-in file writer writes (with its default options, as the CLI creates them). */
const REPORT_FILES: Partial<Record<ReporterName, string>> = { json: 'report.json', junit: 'junit.xml', markdown: 'summary.md', html: 'report.html' };

/**
 * `poshil report <run-dir>`: rebuilds report.json, junit.xml, summary.md and report.html from the run's
 * journal with the same writers `poshil run` uses. Exit codes as for run: 0 the rebuilt verdict
 * is passed and the run was not interrupted, 1 otherwise, 2 no readable journal (or a report
 * file could not be written).
 */
export async function reportCommand(args: string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, options: { reporter: { type: 'string' } } });
  } catch (err) {
    throw new PoshilError('USAGE', `${(err as Error).message}\n\n${USAGE}`, { exitCode: 2 });
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1) throw new PoshilError('USAGE', `report needs exactly one run directory\n\n${USAGE}`, { exitCode: 2 });
  const runDir = path.resolve(positionals[0] as string);
  const names = values.reporter ? values.reporter.split(',').map((s) => s.trim()).filter(Boolean) : [...defaultReporterNames];
  const reporters = createReporters(names, { console: { stream: io.stdout } });

  const journal = readRunJournal(runDir);
  const { report, warnings } = rebuildReport(journal);
  for (const w of warnings) io.stderr.write(`poshil: warning: ${w}\n`);
  const recorded = report.tests.filter((t) => !t.skipReason?.startsWith('not run:')).length;
  io.stdout.write(
    `rebuilt from ${journal.file}: run ${report.run.id} of suite '${report.run.suite.name}', ${recorded} of ${report.tests.length} test result(s) recorded` +
      `${report.run.interrupted ? `; interrupted: ${report.run.interrupted}` : ''}\n`,
  );

  const multiplexer = new ReporterMultiplexer(reporters, { stderr: io.stderr });
  await multiplexer.onRunEnd(report, runDir);
  const failed = new Set(multiplexer.errors.map((e) => e.reporter));
  const written = reporters.filter((r) => !failed.has(r.name)).flatMap((r) => REPORT_FILES[r.name as ReporterName] ?? []);
  io.stdout.write(written.length > 0 ? `wrote ${written.join(', ')} to ${runDir}\n` : `no report files written (reporters: ${reporters.map((r) => r.name).join(', ') || 'none'})\n`);
  if (failed.size > 0) return 2;
  return report.summary.verdict === 'passed' && !report.run.interrupted ? 0 : 1;
}
