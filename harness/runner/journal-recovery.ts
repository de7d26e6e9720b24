import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { PoshilError } from '../errors';
import { summarise, type DeviceInfo, type RunReport, type TestResult } from '../reports/model';
import type { DeviceProfile, EmulatorConfig, Suite } from '../suite/types';
import { RunJournal, type JournalRecord, type JournalRunInfo } from './run-journal';

/**
 * Recovery from a run's journal alone (journal.ndjson, see run-journal.ts): the report of a run
 * that was killed, crashed or lost power (`poshil report <run-dir>`), and what a resumed run
 * needs to carry on (`poshil run --resume <run-dir>`).
 */

export const JOURNAL_FILE = 'journal.ndjson';

/** `run.interrupted` of a report rebuilt from a journal that has no run-end record. */
export const NO_RUN_END = 'the run ended without a run-end record (killed or crashed); rebuilt from the journal by poshil report';

export interface JournalRead {
  file: string;
  records: JournalRecord[];
  /** Lines that were not a journal record (a torn last line after a kill), with why they were ignored. */
  ignored: { line: number; message: string }[];
  /** false when the file ends inside a line: a writer killed mid-append. */
  endsWithNewline: boolean;
}

/**
 * Reads a run directory's journal, tolerating what a kill leaves behind: a line that is not a
 * complete JSON record (normally the last, torn mid-write) is ignored and reported, never fatal.
 * A missing or unreadable journal is PoshilError JOURNAL_UNREADABLE (exit 2).
 */
export function readRunJournal(runDir: string): JournalRead {
  const file = path.join(runDir, JOURNAL_FILE);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? 'it does not exist (is this a poshil run directory?)' : e.code === 'EISDIR' ? 'it is a directory' : e.code === 'EACCES' ? 'permission denied' : e.message;
    throw new PoshilError('JOURNAL_UNREADABLE', `cannot read the run journal ${file}: ${why}`, { exitCode: 2 });
  }
  const lines = text.split('\n');
  const records: JournalRecord[] = [];
  const ignored: JournalRead['ignored'] = [];
  const last = text.endsWith('\n') ? lines.length - 2 : lines.length - 1;
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    const where = i === last && !text.endsWith('\n') ? 'the last line is incomplete (torn when the run was killed)' : 'not a journal record';
    try {
      const record = JSON.parse(line) as unknown;
      if (isRecord(record)) records.push(record);
      else ignored.push({ line: i + 1, message: `${JOURNAL_FILE} line ${i + 1}: ${where}; ignored` });
    } catch {
      ignored.push({ line: i + 1, message: `${JOURNAL_FILE} line ${i + 1}: ${where}; ignored` });
    }
  });
  return { file, records, ignored, endsWithNewline: text === '' || text.endsWith('\n') };
}

function isRecord(value: unknown): value is JournalRecord {
  if (value === null || typeof value !== 'object') return false;
  const r = value as Record<string, unknown>;
  if (typeof r.at !== 'string') return false;
  switch (r.type) {
    case 'run-start':
      return typeof r.start === 'object' && r.start !== null && Array.isArray((r.start as { tests?: unknown }).tests) && typeof r.seed === 'number';
    case 'devices':
      return Array.isArray(r.devices);
    case 'test-result':
      return typeof r.result === 'object' && r.result !== null && typeof (r.result as { id?: unknown }).id === 'string';
    case 'note':
      return typeof r.message === 'string';
    case 'checkpoint':
      return typeof r.test === 'string' && typeof r.data === 'object' && r.data !== null;
    case 'run-end':
      return typeof r.verdict === 'string';
    default:
      return false;
  }
}

type RunStartRecord = Extract<JournalRecord, { type: 'run-start' }>;
type RunEndRecord = Extract<JournalRecord, { type: 'run-end' }>;

function runStartOf(journal: JournalRead): RunStartRecord {
  const start = journal.records.find((r): r is RunStartRecord => r.type === 'run-start');
  if (!start) {
    const stopped = journal.records.find((r) => r.type === 'note' && r.message.startsWith('run stopped'));
    throw new PoshilError(
      'JOURNAL_NO_RUN_START',
      `${journal.file} has no run-start record${stopped && stopped.type === 'note' ? ` (${stopped.message})` : ''}: the run never started, there is nothing to report or resume`,
      { exitCode: 2 },
    );
  }
  return start;
}

function runEndOf(journal: JournalRead): RunEndRecord | undefined {
  return journal.records.findLast((r): r is RunEndRecord => r.type === 'run-end');
}

/** Every test result in the journal, the last one per test id, in the order first recorded. */
function resultsOf(journal: JournalRead): TestResult[] {
  const byId = new Map<string, TestResult>();
  for (const r of journal.records) if (r.type === 'test-result') byId.set(r.result.id, r.result);
  return [...byId.values()];
}

export interface RebuiltReport {
  report: RunReport;
  /** Things the reader should know (torn lines, an old journal without run metadata). */
  warnings: string[];
}

/**
 * The report of a run from its journal alone. With a run-end record it is the report the run
 * wrote; without one (killed, crashed, power lost) `run.interrupted` says so, the tests are
 * those with a result, and every other test the run meant to run is `skipped`.
 */
export function rebuildReport(journal: JournalRead): RebuiltReport {
  const start = runStartOf(journal);
  const end = runEndOf(journal);
  const warnings = journal.ignored.map((i) => i.message);
  const run = start.run ?? legacyRunInfo(start, warnings);
  const devices = journal.records.findLast((r): r is Extract<JournalRecord, { type: 'devices' }> => r.type === 'devices')?.devices ?? ([] as DeviceInfo[]);

  const endedAt = end?.at ?? lastTime(journal) ?? start.at;
  const results = resultsOf(journal);
  const tests: TestResult[] = [];
  const seen = new Set<string>();
  const planned = plannedTests(journal);
  // In the order the run meant to run them; anything else recorded follows.
  for (const t of planned) {
    const result = results.find((r) => r.id === t.id);
    if (result) tests.push(result);
    else if (!end) tests.push(notRun(t, endedAt));
    seen.add(t.id);
  }
  for (const r of results) if (!seen.has(r.id)) tests.push(r);

  const interrupted = end ? end.interrupted : NO_RUN_END + (journal.ignored.length > 0 ? `; ${journal.ignored.length} incomplete journal line(s) ignored` : '');
  const report: RunReport = {
    schemaVersion: 1,
    run: {
      ...run,
      devices,
      endedAt,
      durationMs: Math.max(0, Date.parse(endedAt) - Date.parse(run.startedAt)),
      ...(interrupted ? { interrupted } : {}),
    },
    summary: summarise(tests),
    tests,
  };
  return { report, warnings };
}

type PlannedTest = RunStartRecord['start']['tests'][number];

/** The tests of the run-start record, plus those a resumed run added (its tests are the same ones). */
function plannedTests(journal: JournalRead): PlannedTest[] {
  const planned = new Map<string, PlannedTest>();
  for (const r of journal.records) if (r.type === 'run-start') for (const t of r.start.tests) if (!planned.has(t.id)) planned.set(t.id, t);
  return [...planned.values()];
}

function notRun(t: PlannedTest, at: string): TestResult {
  return {
    id: t.id,
    kind: t.kind,
    interface: t.interface ?? '',
    ...(t.requirement ? { requirement: t.requirement } : {}),
    state: 'skipped',
    skipReason: 'not run: the run ended before this test (killed or crashed; see run.interrupted)',
    startedAt: at,
    endedAt: at,
    durationMs: 0,
    measurements: [],
    thresholds: [],
  };
}

function lastTime(journal: JournalRead): string | undefined {
  const times = journal.records.map((r) => r.at).filter((t) => !Number.isNaN(Date.parse(t)));
  return times.at(-1);
}

/** A journal written before run-start carried the run metadata: what can still be said. */
function legacyRunInfo(start: RunStartRecord, warnings: string[]): JournalRunInfo {
  const unknown = 'unknown (the journal predates run metadata)';
  let sha256 = '0'.repeat(64);
  try {
    sha256 = crypto.createHash('sha256').update(fs.readFileSync(start.start.suiteFile)).digest('hex');
    warnings.push(`the journal has no run metadata (written by an older poshil): version, node and host are unknown, and the suite sha256 is of ${start.start.suiteFile} as it is now`);
  } catch {
    warnings.push(`the journal has no run metadata (written by an older poshil) and ${start.start.suiteFile} cannot be read: its sha256 in the report is all zeros`);
  }
  return {
    id: start.start.runId,
    poshilVersion: unknown,
    node: unknown,
    host: unknown,
    platform: unknown,
    suite: { name: start.start.suiteName, file: start.start.suiteFile, sha256 },
    seed: start.seed,
    startedAt: start.at,
  };
}

export interface ResumePlan {
  outDir: string;
  /** Results already in the journal: carried into the final report, not run again. */
  done: TestResult[];
  /** The ids the interrupted run meant to run (its --only selection included). */
  planned: Set<string>;
  startedAt: string;
  seed: number;
  defects: EmulatorConfig['defects'];
  /** Lines of the journal that were ignored (a torn last line). */
  warnings: string[];
}

/**
 * What `poshil run <suite> --resume <run-dir>` continues: refuses (PoshilError, exit 2) a run
 * that finished, a journal of another suite or of a changed suite file, and options that would
 * make the resumed half a different run than the first. A torn last line is cut off so that
 * the records appended next start on a line of their own.
 */
export function planResume(runDir: string, suite: Suite, device: DeviceProfile, given: { seed?: number; defects?: EmulatorConfig['defects']; only?: boolean }): ResumePlan {
  const outDir = path.resolve(runDir);
  const journal = readRunJournal(outDir);
  const start = runStartOf(journal);
  const refuse = (code: string, message: string) => new PoshilError(code, `cannot resume ${outDir}: ${message}`, { exitCode: 2 });
  if (runEndOf(journal)) {
    throw new PoshilError('NOTHING_TO_RESUME', `nothing to resume: the run in ${outDir} finished; see its report (poshil report ${runDir} rebuilds it)`, { exitCode: 2 });
  }
  if (start.start.suiteName !== suite.name || path.resolve(start.start.suiteFile) !== suite.file) {
    throw refuse('RESUME_SUITE_MISMATCH', `it is a run of suite '${start.start.suiteName}' (${start.start.suiteFile}), not '${suite.name}' (${suite.file})`);
  }
  if (start.run && start.run.suite.sha256 !== suite.sha256) {
    throw refuse('RESUME_SUITE_CHANGED', `${suite.file} changed since the run started (sha256 ${start.run.suite.sha256.slice(0, 12)}… then, ${suite.sha256.slice(0, 12)}… now); results of two versions of a suite do not make one report`);
  }
  const devices = journal.records.findLast((r): r is Extract<JournalRecord, { type: 'devices' }> => r.type === 'devices')?.devices;
  const before = devices?.find((d) => d.name === device.name);
  if (before && before.sha256 !== device.sha256) {
    throw refuse('RESUME_DEVICE_CHANGED', `the device profile ${device.file} changed since the run started`);
  }
  if (given.only) throw refuse('USAGE', '--only cannot be combined with --resume: the run goes on with the tests it was started with');
  if (given.seed !== undefined && given.seed !== start.seed) {
    throw refuse('USAGE', `the run used seed ${start.seed}; --seed ${given.seed} would make the rest a different run (leave --seed out)`);
  }
  const defects = start.defects ?? {};
  if (given.defects && Object.keys(given.defects).length > 0 && !sameDefects(given.defects, defects)) {
    throw refuse('USAGE', `the run used ${describeDefects(defects)}; --defect would make the rest a different run (leave --defect out: the run's own are used)`);
  }
  if (!journal.endsWithNewline) cutTornTail(journal.file);
  return {
    outDir,
    done: resultsOf(journal),
    planned: new Set(plannedTests(journal).map((t) => t.id)),
    startedAt: start.run?.startedAt ?? start.at,
    seed: start.seed,
    defects,
    warnings: journal.ignored.map((i) => i.message),
  };
}

function sameDefects(a: NonNullable<EmulatorConfig['defects']>, b: NonNullable<EmulatorConfig['defects']>): boolean {
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && (a as Record<string, unknown>)[k] === (b as Record<string, unknown>)[k]);
}

function describeDefects(defects: NonNullable<EmulatorConfig['defects']>): string {
  const list = Object.entries(defects).map(([k, v]) => `${k}=${String(v)}`);
  return list.length === 0 ? 'no --defect' : `--defect ${list.join(' --defect ')}`;
}

/**
 * Drops the partial line a kill left at the end of the journal (it held no complete record),
 * so the next record starts on a line of its own, and notes that it did.
 */
function cutTornTail(file: string): void {
  const bytes = fs.readFileSync(file);
  const cut = bytes.lastIndexOf(0x0a) + 1;
  fs.truncateSync(file, cut);
  const journal = new RunJournal(file);
  try {
    journal.append({ type: 'note', at: new Date().toISOString(), message: `resume: cut an incomplete last line (${bytes.length - cut} bytes) left when the run was killed` });
  } finally {
    journal.close();
  }
}
