import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { reportSchema } from '../../harness/suite/report-schema';
import type { RunReport } from '../../harness/reports/model';

/**
 * End to end: the real CLI (bin/poshil.js through tsx), the real emulator child process, TCP
 * on loopback, and the files a user finds afterwards.
 */
const ROOT = path.resolve(__dirname, '../..');
const PAN = '4761739001010119';

function poshil(args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin/poshil.js'), ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000, env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function tmpOut(): string {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'poshil-e2e-')), 'run');
}

function readAll(dir: string): string {
  let text = '';
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) text += fs.readFileSync(path.join(entry.parentPath, entry.name), 'utf8');
  }
  return text;
}

/** The report with what changes from run to run (times, host, measured values) removed. */
function stable(report: RunReport): unknown {
  return {
    run: { suite: { ...report.run.suite, sha256: hashShape(report.run.suite.sha256) }, devices: report.run.devices.map((d: { sha256: string }) => ({ ...d, sha256: hashShape(d.sha256) })), seed: report.run.seed, poshilVersion: report.run.poshilVersion },
    summary: report.summary,
    tests: report.tests.map((t) => ({
      id: t.id,
      kind: t.kind,
      requirement: t.requirement,
      interface: t.interface,
      state: t.state,
      skipReason: t.skipReason,
      measured: t.measurements.map((m) => `${m.name}:${m.unit}:${m.value === null ? 'null' : typeof m.value}`),
      thresholds: t.thresholds.map((h) => ({ metric: h.metric, limit: h.limit, passed: h.passed })),
    })),
  };
}

describe('poshil run (end to end, emulated terminal over TCP)', () => {
  it('runs the smoke suite green and writes report.json, junit.xml and summary.md', () => {
    const out = tmpOut();
    const r = poshil(['run', 'suites/smoke.json', '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    for (const f of ['report.json', 'junit.xml', 'summary.md', 'journal.ndjson', 'wire/ecr.ndjson']) {
      expect(fs.existsSync(path.join(out, f))).toBe(true);
    }
    const report = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8')) as RunReport;
    expect(report.summary).toMatchObject({ total: 3, passed: 3, verdict: 'passed' });
    const validate = new Ajv2020({ allErrors: true, strict: false }).compile(reportSchema);
    expect(validate.errors ?? []).toEqual([]);
    expect(validate(report)).toBe(true);
    expect(r.stdout).toContain('sale');
  });

  it('produces the expected report for a fixture suite, timings aside, and never writes the full PAN', () => {
    const out = tmpOut();
    const r = poshil(['run', 'test/fixtures/e2e/quick.json', '--out', out]);
    expect(r.code).toBe(0);
    const report = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8')) as RunReport;
    const expected = JSON.parse(fs.readFileSync(path.join(ROOT, 'test/fixtures/e2e/quick.expected.json'), 'utf8'));
    expect(stable(report)).toEqual(expected);
    const everything = readAll(out) + r.stdout;
    expect(everything).not.toContain(PAN);
    expect(everything).not.toContain(Buffer.from(PAN).toString('hex'));
    expect(fs.readFileSync(path.join(out, 'wire/ecr.ndjson'), 'utf8')).toContain('476173******0119');
  });

  it("fails the latency threshold with the emulator's slowMs defect: exit 1, JUnit failure naming p99_ms and the limit", () => {
    const out = tmpOut();
    const r = poshil(['run', 'test/fixtures/e2e/quick.json', '--out', out, '--defect', 'slowMs=150', '--only', 'sale-p99']);
    expect(r.code).toBe(1);
    const junit = fs.readFileSync(path.join(out, 'junit.xml'), 'utf8');
    expect(junit).toMatch(/<failure[^>]*p99_ms/);
    expect(junit).toMatch(/max 100 ms/);
    const report = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8')) as RunReport;
    const p99 = report.tests[0]!.measurements.find((m) => m.name === 'p99_ms')!.value!;
    expect(p99).toBeGreaterThan(150);
    expect(report.run.devices[0]!.identity['defect.slowMs']).toBe('150');
  });

  it('exits 2 with "could not connect to 127.0.0.1:PORT" when nothing listens', () => {
    const out = tmpOut();
    const r = poshil(['run', 'test/fixtures/e2e/unreachable.json', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('could not connect to 127.0.0.1:1');
  });

  it('exits 2 on a bad suite, naming file:line:column and the JSON path, and runs nothing', () => {
    const out = tmpOut();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'poshil-bad-'));
    const suite = path.join(dir, 'bad.json');
    fs.writeFileSync(suite, JSON.stringify({ name: 'bad', device: path.join(ROOT, 'devices/emulated-terminal.json'), tests: [{ id: 'x', kind: 'latency', params: { transaction: { type: 'sale' }, iterations: 'many' } }] }, null, 2));
    const r = poshil(['run', suite, '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad\.json:\d+:\d+/);
    expect(r.stderr).toContain('/tests/0/params/iterations');
    expect(fs.existsSync(out)).toBe(false);
  });

  it('on Ctrl-C finishes the current measurement, marks the rest skipped and still writes the report', async () => {
    const out = tmpOut();
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/poshil.js'), 'run', 'test/fixtures/e2e/long.json', '--out', out], { cwd: ROOT });
    const guard = setTimeout(() => child.kill('SIGKILL'), 25_000);
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (stdout.includes('long-echo')) {
          clearInterval(poll);
          resolve();
        }
      }, 50);
    });
    await new Promise((r) => setTimeout(r, 700));
    const code = await new Promise<number | null>((resolve) => {
      child.once('exit', resolve);
      child.kill('SIGINT');
    });
    clearTimeout(guard);
    expect(code).toBe(1);
    const report = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8')) as RunReport;
    expect(report.run.interrupted).toBeDefined();
    expect(report.tests.map((t) => t.state)).toEqual(['passed', 'skipped']);
    expect(report.tests[0]!.measurements.find((m) => m.name === 'count')!.value).toBeGreaterThan(10);
    expect(report.run.durationMs).toBeLessThan(15_000);
  });

  it('validate checks files without running anything', () => {
    expect(poshil(['validate', 'suites/smoke.json', 'suites/latency.json', 'devices/emulated-terminal.json']).code).toBe(0);
    expect(poshil(['validate', 'test/fixtures/e2e/unreachable.json']).code).toBe(0);
  });
});

function hashShape(h: string): string {
  return /^[0-9a-f]{64}$/.test(h) ? '<sha256>' : h;
}
