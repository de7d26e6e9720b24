import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { reportSchema } from '../../harness/suite/report-schema';
import type { RunReport } from '../../harness/reports/model';
import { RunJournal } from '../../harness/runner/run-journal';
import { planResume } from '../../harness/runner/journal-recovery';
import { loadSuiteAndDevice } from '../../harness/suite/load';

/**
 * Results that survive a crash, end to end: a real `poshil run` SIGKILLed between two test
 * results, `poshil report` rebuilding its report files from the journal alone, and
 * `poshil run --resume` finishing the run in the same directory. All on 127.0.0.1.
 */
const ROOT = path.resolve(__dirname, '../..');
const SUITE = 'test/fixtures/suites/recovery.json';
const IDS = ['echo-first', 'echo-long', 'echo-longer'];

function poshil(args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin/poshil.js'), ...args], { cwd: ROOT, encoding: 'utf8', timeout: 30_000, env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const validate = new Ajv2020({ allErrors: true, strict: false }).compile(reportSchema);

function readReport(dir: string): RunReport {
  const report = JSON.parse(fs.readFileSync(path.join(dir, 'report.json'), 'utf8')) as RunReport;
  const ok = validate(report);
  expect(validate.errors ?? []).toEqual([]);
  expect(ok).toBe(true);
  return report;
}

/** Alive and not a zombie (an orphan's reaper may be slow, or absent in a container). */
function alive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    if (process.platform === 'linux') return false;
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  }
}

/** The emulated terminal's process among a pid's children (found by its entry file). */
function emulatorChildOf(pid: number): number | undefined {
  let children: number[] = [];
  try {
    children = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    const r = spawnSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' });
    children = r.stdout.trim().split(/\s+/).filter(Boolean).map(Number);
  }
  return children.find((c) => {
    try {
      const cmd = fs.readFileSync(`/proc/${c}/cmdline`, 'utf8');
      return /emulators[\\/]terminal[\\/]main\.ts|emulator\.cjs/.test(cmd);
    } catch {
      return false;
    }
  });
}

async function waitFor(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function journalLines(dir: string): string[] {
  try {
    return fs.readFileSync(path.join(dir, 'journal.ndjson'), 'utf8').split('\n');
  } catch {
    return [];
  }
}

/** A copy of a run directory holding its journal only, for the tests that need an unfinished run. */
function copyJournal(from: string, edit: (text: string) => string = (t) => t): string {
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'poshil-recovery-')), 'run');
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'journal.ndjson'), edit(fs.readFileSync(path.join(from, 'journal.ndjson'), 'utf8')));
  return dir;
}

describe('a run killed with SIGKILL: poshil report and poshil run --resume', () => {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'poshil-recovery-')), 'run');
  /** The journal as the kill left it, before the resume appended to it. */
  let killed = '';

  it('kill -9 after the first result: the emulator child goes too, and the journal holds that result', async () => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/poshil.js'), 'run', SUITE, '--out', out], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const guard = setTimeout(() => child.kill('SIGKILL'), 25_000);
    child.stdout.resume();
    child.stderr.resume();
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    try {
      await waitFor('a test-result record in the journal', () => journalLines(out).some((l) => l.includes('"type":"test-result"')), 20_000);
      const emulator = emulatorChildOf(child.pid!);
      expect(emulator).toBeDefined();
      child.kill('SIGKILL');
      expect(await exited).toBe('SIGKILL');
      // The emulator exits when its IPC parent dies.
      await waitFor(`the emulator process ${emulator} to exit`, () => !alive(emulator!), 5_000);
    } finally {
      clearTimeout(guard);
      child.kill('SIGKILL');
    }
    killed = fs.readFileSync(path.join(out, 'journal.ndjson'), 'utf8');
    const records = RunJournal.read(path.join(out, 'journal.ndjson'));
    expect(records.filter((r) => r.type === 'test-result').map((r) => r.type === 'test-result' && r.result.id)).toEqual(['echo-first']);
    expect(records.some((r) => r.type === 'run-end')).toBe(false);
    expect(fs.existsSync(path.join(out, 'report.json'))).toBe(false);
  });

  it('poshil report rebuilds report.json, junit.xml and summary.md: the first result, the rest not run, interrupted', () => {
    expect(killed).not.toBe('');
    const r = poshil(['report', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`wrote report.json, junit.xml, summary.md, report.html to ${out}`);
    const report = readReport(out);
    expect(report.run.interrupted).toMatch(/without a run-end record/);
    expect(report.run.id).toBe('run');
    expect(report.run.suite).toEqual({ name: 'e2e recovery', file: SUITE, sha256: crypto.createHash('sha256').update(fs.readFileSync(path.join(ROOT, SUITE))).digest('hex') });
    expect(report.run.devices).toHaveLength(1);
    expect(report.run.devices[0]).toMatchObject({ name: 'poshil emulated terminal', emulated: true });
    expect(report.run.seed).toBe(5);
    expect(report.tests.map((t) => [t.id, t.state])).toEqual([
      ['echo-first', 'passed'],
      ['echo-long', 'skipped'],
      ['echo-longer', 'skipped'],
    ]);
    expect(report.tests[1]!.skipReason).toMatch(/^not run: the run ended before this test/);
    expect(report.tests[1]).toMatchObject({ interface: 'ecr', requirement: 'REC-002 echo for a while' });
    expect(report.summary).toMatchObject({ total: 3, passed: 1, skipped: 2, verdict: 'passed' });
    const junit = fs.readFileSync(path.join(out, 'junit.xml'), 'utf8');
    expect(junit.match(/<testcase /g)).toHaveLength(3);
    expect(junit).toContain('<skipped');
    expect(fs.readFileSync(path.join(out, 'summary.md'), 'utf8')).toContain('echo-first');
  });

  it('poshil run --resume runs only the remaining tests and writes the report of all three', () => {
    const rebuilt = readReport(out);
    const r = poshil(['run', SUITE, '--resume', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('2 tests');
    expect(r.stdout).not.toMatch(/echo-first \(latency\) started/);
    const report = readReport(out);
    expect(report.run.interrupted).toBeUndefined();
    expect(report.tests.map((t) => [t.id, t.state])).toEqual(IDS.map((id) => [id, 'passed']));
    // Carried over as it was, not measured again; the run keeps its id and start.
    expect(report.tests[0]).toEqual(rebuilt.tests[0]);
    expect(report.run.startedAt).toBe(rebuilt.run.startedAt);
    expect(report.summary).toMatchObject({ total: 3, passed: 3, verdict: 'passed' });

    const records = RunJournal.read(path.join(out, 'journal.ndjson'));
    expect(records.filter((x) => x.type === 'run-start')).toHaveLength(1);
    expect(records.filter((x) => x.type === 'test-result').map((x) => x.type === 'test-result' && x.result.id)).toEqual(IDS);
    expect(records.some((x) => x.type === 'note' && x.message.startsWith('resumed at '))).toBe(true);
    expect(records.at(-1)).toMatchObject({ type: 'run-end', verdict: 'passed' });

    // A finished run rebuilt from its journal is the report it wrote.
    const written = fs.readFileSync(path.join(out, 'report.json'), 'utf8');
    const again = poshil(['report', out, '--reporter', 'json']);
    expect(again.code).toBe(0);
    expect(fs.readFileSync(path.join(out, 'report.json'), 'utf8')).toBe(written);
  });

  it('refuses to resume a finished run', () => {
    const r = poshil(['run', SUITE, '--resume', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('nothing to resume: the run');
    expect(r.stderr).toContain('finished; see its report');
  });

  it('refuses to resume with another suite, or when the suite file changed', () => {
    const other = poshil(['run', 'test/fixtures/e2e/quick.json', '--resume', copyJournal(out, () => killed)]);
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/cannot resume .*: it is a run of suite 'e2e recovery'/);
    const changed = copyJournal(out, () => killed.replace(/"sha256":"[0-9a-f]{64}"/, `"sha256":"${'1'.repeat(64)}"`));
    const r = poshil(['run', SUITE, '--resume', changed]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('changed since the run started');
    // Nothing ran, nothing was appended.
    expect(fs.readdirSync(changed)).toEqual(['journal.ndjson']);
  });

  it('a torn last journal line is ignored with a warning by report, and cut off by resume', () => {
    const dir = copyJournal(out, () => `${killed}{"type":"test-result","at":"2025-01-3`);
    const r = poshil(['report', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/warning: journal\.ndjson line \d+: the last line is incomplete/);
    const report = readReport(dir);
    expect(report.tests.map((t) => t.state)).toEqual(['passed', 'skipped', 'skipped']);
    expect(report.run.interrupted).toContain('incomplete journal line(s) ignored');

    const { suite, device } = loadSuiteAndDevice(path.join(ROOT, SUITE));
    const plan = planResume(dir, suite, device, {});
    expect(plan.done.map((t) => t.id)).toEqual(['echo-first']);
    const text = fs.readFileSync(path.join(dir, 'journal.ndjson'), 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    expect(RunJournal.read(path.join(dir, 'journal.ndjson')).at(-1)).toMatchObject({ type: 'note', message: expect.stringContaining('cut an incomplete last line') });
  });

  it('exits 2 with a clear message when there is no journal', () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'poshil-recovery-'));
    const r = poshil(['report', empty]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`cannot read the run journal ${path.join(empty, 'journal.ndjson')}: it does not exist`);
  });
});
