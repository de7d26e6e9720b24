import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findRunDirectory, serveRunDirectory } from '../../harness/cli/show-report-command';
import { runReport } from '../helpers/report-fixture';

/**
 * `poshil show-report`: the latest run's HTML report served on loopback, read-only, nothing
 * outside the run directory reachable; a run from before HTML reports gets its page made first.
 */
const ROOT = path.resolve(__dirname, '../..');

function reportsDirWithRuns(): { reports: string; older: string; newer: string } {
  const reports = fs.mkdtempSync(path.join(os.tmpdir(), 'poshil-show-'));
  const older = path.join(reports, '20261101T000000-a-0001');
  const newer = path.join(reports, '20261102T000000-b-0002');
  for (const [dir, name, age] of [[older, 'older run', 60_000], [newer, 'newer run', 0]] as const) {
    fs.mkdirSync(dir);
    const report = runReport([]);
    report.run.suite.name = name;
    const file = path.join(dir, 'report.json');
    fs.writeFileSync(file, JSON.stringify(report));
    const t = new Date(Date.now() - age);
    fs.utimesSync(file, t, t);
  }
  fs.writeFileSync(path.join(reports, 'secret.txt'), 'outside the run directory');
  return { reports, older, newer };
}

describe('poshil show-report', () => {
  it('picks the newest run in a reports directory, or the run directory given', () => {
    const { reports, older, newer } = reportsDirWithRuns();
    expect(findRunDirectory(reports)).toBe(newer);
    expect(findRunDirectory(older)).toBe(older);
    expect(() => findRunDirectory(path.join(reports, 'nope'))).toThrow(/is not a directory/);
    expect(() => findRunDirectory(fs.mkdtempSync(path.join(os.tmpdir(), 'poshil-empty-')))).toThrow(/no run with a report.json .* run a suite first/);
  });

  it('serves the run directory on 127.0.0.1 and nothing outside it', async () => {
    const { reports, newer } = reportsDirWithRuns();
    fs.writeFileSync(path.join(newer, 'report.html'), '<!DOCTYPE html><title>x</title>');
    fs.symlinkSync(path.join(reports, 'secret.txt'), path.join(newer, 'link.txt'));
    const { server, url } = await serveRunDirectory(newer);
    try {
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const page = await fetch(url);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(await page.text()).toContain('<title>x</title>');
      expect((await fetch(`${url}report.json`)).headers.get('content-type')).toMatch(/^application\/json/);
      for (const escape of ['../secret.txt', '%2e%2e/secret.txt', 'link.txt', 'missing.html']) {
        expect({ escape, status: (await fetch(`${url}${escape}`)).status }).toEqual({ escape, status: 404 });
      }
      expect((await fetch(url, { method: 'POST' })).status).toBe(405);
    } finally {
      server.close();
      server.closeAllConnections();
    }
  });

  it('from the command line: makes the page of an older run, prints the URL, serves it, stops on SIGTERM', async () => {
    const { reports, newer } = reportsDirWithRuns();
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/poshil.js'), 'show-report', reports], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const deadline = Date.now() + 20_000;
    while (!/http:\/\/127\.0\.0\.1:\d+\//.test(stdout) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const url = /http:\/\/127\.0\.0\.1:\d+\//.exec(stdout)?.[0];
    expect(url).toBeDefined();
    expect(stdout).toContain('made report.html from report.json');
    expect(stdout).toContain(`serving ${newer}`);
    const html = await (await fetch(url!)).text();
    expect(html).toContain('newer run');
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 30_000);
});
