import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RunReport } from '../../harness/reports/model';

/**
 * SIGTERM mid-run (a CI job's timeout, systemd stopping a nightly): poshil stops sending,
 * drains, marks the run interrupted and still writes every report; the stability windows that
 * closed before it are already in the journal.
 */
const ROOT = path.resolve(__dirname, '../..');

it('a SIGTERM during a stability run leaves a complete, interrupted report and the windows in the journal', async () => {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'poshil-sigterm-')), 'run');
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/poshil.js'), 'run', 'test/fixtures/suites/stability-short.json', '--out', out], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  // Wait for three closed windows in the journal, then terminate.
  const journal = path.join(out, 'journal.ndjson');
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const text = fs.existsSync(journal) ? fs.readFileSync(journal, 'utf8') : '';
    if ((text.match(/"type":"checkpoint"/g) ?? []).length >= 3) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGTERM');
  expect(await exited).toBe(1);
  expect(stderr).toMatch(/terminated — finishing the current measurement/);
  const report = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8')) as RunReport;
  expect(report.run.interrupted).toBeDefined();
  const steady = report.tests.find((t) => t.id === 'steady')!;
  expect(steady.state).not.toBe('errored');
  expect(steady.measurements.find((m) => m.name === 'lost')?.value).toBe(0);
  expect(report.tests.find((t) => t.id === 'after')?.state).toBe('skipped');
  for (const f of ['junit.xml', 'summary.md']) expect(fs.existsSync(path.join(out, f))).toBe(true);
  const checkpoints = fs.readFileSync(journal, 'utf8').split('\n').filter((l) => l.includes('"type":"checkpoint"'));
  expect(checkpoints.length).toBeGreaterThanOrEqual(3);
  expect(JSON.parse(checkpoints[0]!).data.window.transactions).toBeGreaterThan(0);
}, 60_000);
