import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isBenchResult, type ResultsFile } from '../../bench/results';

/**
 * Benchmarks are not tests: nothing here judges a figure. This only runs every benchmark once
 * at tiny sizes (BENCH_SCALE=tiny), through `bench/run.ts` exactly as `npm run bench` does, so
 * they keep working as the harness changes — and checks the results file has the expected shape.
 */
const ROOT = path.resolve(__dirname, '../..');
const GROUPS = [
  ['codec', 'startup', 'closed-loop'],
  ['added-latency', 'open-loop', 'soak-memory'],
];

function runBench(names: string[], out: string): Promise<{ code: number | null; output: string }> {
  return runScript('bench/run.ts', names, { BENCH_SCALE: 'tiny', BENCH_OUT: out });
}

function runScript(script: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, script), ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env, NODE_OPTIONS: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 40_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('benchmarks (tiny smoke run)', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'poshil-bench-smoke-'));
  });
  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('every benchmark runs and writes rows of the expected shape', async () => {
    // Two groups side by side keep the whole thing well under 15 s; at tiny sizes the figures
    // mean nothing anyway.
    const runs = await Promise.all(GROUPS.map((names, i) => runBench(names, path.join(dir, `results-${i}.json`))));
    const rows = runs.flatMap((r, i) => {
      if (r.code !== 0) throw new Error(`bench/run.ts ${GROUPS[i].join(' ')} exited ${r.code}:\n${r.output}`);
      const file = JSON.parse(fs.readFileSync(path.join(dir, `results-${i}.json`), 'utf8')) as ResultsFile;
      expect(file.scale).toBe('tiny');
      expect(typeof file.node).toBe('string');
      expect(file.cpus.count).toBeGreaterThan(0);
      expect(r.output).toContain('benchmark');
      return file.results;
    });
    for (const row of rows) {
      if (!isBenchResult(row)) throw new Error(`not a benchmark row: ${JSON.stringify(row)}`);
      expect(row.notes.some((n) => n.startsWith('benchmark threw'))).toBe(false);
    }
    expect(new Set(rows.map((r) => r.benchmark))).toEqual(new Set(GROUPS.flat()));
    // The benchmarks that need no unreleased kind always measure something.
    for (const row of rows.filter((r) => !['open-loop', 'soak-memory'].includes(r.benchmark))) {
      expect(row.status).toBe('measured');
      expect(typeof row.poshil.value).toBe('number');
      expect(typeof row.baseline.value).toBe('number');
    }
  }, 60_000);

  it('compares two builds in one process (here this checkout with itself)', async () => {
    const r = await runScript('bench/compare-builds.ts', [ROOT, '1']);
    expect(r.code).toBe(0);
    for (const task of ['raw', 'this', 'other']) expect(r.output).toMatch(new RegExp(`^${task} +[0-9.]+ µs wall +[0-9.]+ µs CPU +[0-9.]+× raw$`, 'm'));
    expect((await runScript('bench/compare-builds.ts', [])).code).toBe(2);
    const notACheckout = await runScript('bench/compare-builds.ts', [dir]);
    expect(notACheckout.code).toBe(2);
    expect(notACheckout.output).toContain('is not a poshil checkout');
  }, 60_000);

  it('refuses an unknown benchmark name', async () => {
    const r = await runBench(['no-such-bench'], path.join(dir, 'unused.json'));
    expect(r.code).toBe(2);
    expect(r.output).toMatch(/unknown benchmark: no-such-bench \(known: .*closed-loop/);
    expect(fs.existsSync(path.join(dir, 'unused.json'))).toBe(false);
  });
});
