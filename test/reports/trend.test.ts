import { collectReports, renderTrendText } from '../../harness/cli/trend-command';
import { main } from '../../harness/cli/main';
import { mannKendall, senSlope, trendOf, trendReports } from '../../harness/reports/trend';
import type { RunReport } from '../../harness/reports/model';
import { runReport } from '../helpers/report-fixture';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Trends over nightly runs: a steady move one way beyond the tolerance is a drift; noise, a
 * single bad night, a tiny creep or too few nights are not.
 */
const o = { alpha: 0.05, tolerancePct: 10 };
const rule = { better: 'lower' as const };

function night(i: number, p99: number, suite = 'nightly'): RunReport {
  const r = runReport([
    {
      id: 'sale',
      kind: 'latency',
      interface: 'ecr',
      state: 'passed',
      startedAt: '',
      endedAt: '',
      durationMs: 1,
      measurements: [
        { name: 'p99_ms', unit: 'ms', value: p99 },
        { name: 'tps', unit: 'tps', value: 100 },
        { name: 'count', unit: 'transactions', value: 1000 },
      ],
      thresholds: [],
    },
  ]);
  r.run.suite.name = suite;
  r.run.id = `run-${i}`;
  r.run.startedAt = new Date(Date.UTC(2026, 10, 1 + i, 2)).toISOString();
  return r;
}

describe('trend statistics', () => {
  it('Mann–Kendall: S, its variance and the two-sided p of a strictly rising series of 5', () => {
    const mk = mannKendall([1, 2, 3, 4, 5]);
    expect(mk.s).toBe(10);
    expect(mk.variance).toBeCloseTo((5 * 4 * 15) / 18, 10);
    // z = (10 − 1) / √16.67 = 2.205 → p = 0.0275
    expect(mk.pValue).toBeCloseTo(0.0275, 3);
    expect(mannKendall([3, 3, 3, 3, 3]).pValue).toBe(1);
  });

  it("Sen's slope is the median pairwise slope, unmoved by one wild night", () => {
    expect(senSlope([0, 1, 2, 3, 4], [10, 11, 12, 13, 14])).toBe(1);
    expect(senSlope([0, 1, 2, 3, 4], [10, 11, 90, 13, 14])).toBe(1);
  });

  it('p99 rising 3 % a night for 8 nights is a drift; the same falling is an improvement', () => {
    const rising = Array.from({ length: 8 }, (_, i) => 10 * 1.03 ** i);
    expect(trendOf('sale', 'p99_ms', 'ms', rule, rising, o)).toMatchObject({ verdict: 'drift', n: 8 });
    expect(trendOf('sale', 'p99_ms', 'ms', rule, [...rising].reverse(), o).verdict).toBe('improving');
    expect(trendOf('sale', 'tps', 'tps', { better: 'higher' }, rising, o).verdict).toBe('improving');
  });

  it('noise, one bad night, a steady but tiny creep, and fewer than 5 nights are not drifts', () => {
    expect(trendOf('s', 'p99_ms', 'ms', rule, [10, 12, 9, 11, 10, 12, 9, 11], o).verdict).toBe('stable');
    expect(trendOf('s', 'p99_ms', 'ms', rule, [10, 10.1, 9.9, 30, 10, 10.1, 9.9, 10], o).verdict).toBe('stable');
    const creep = trendOf('s', 'p99_ms', 'ms', rule, [10, 10.01, 10.02, 10.03, 10.04, 10.05, 10.06, 10.07], o);
    expect(creep.verdict).toBe('stable');
    expect(creep.reason).toMatch(/steady but small/);
    expect(trendOf('s', 'p99_ms', 'ms', rule, [10, 20, 30, 40], o)).toMatchObject({ verdict: 'too few runs', pValue: null });
  });

  it('follows the newest run’s suite, oldest first, the last N runs, and leaves gaps for missing values', () => {
    const runs = [night(3, 13), night(1, 11), night(2, 12), night(4, 14, 'other suite'), night(5, 15)];
    const skipped = night(6, 16);
    skipped.tests[0]!.state = 'skipped';
    const t = trendReports([...runs, skipped].map((report) => ({ report })), { last: 4 });
    expect(t.suite).toBe('nightly');
    expect(t.runs.map((r) => r.id)).toEqual(['run-2', 'run-3', 'run-5', 'run-6']);
    expect(t.warnings).toEqual(['1 run(s) of other suites left out (following suite \'nightly\')']);
    expect(t.series.map((s) => s.metric)).toEqual(['p99_ms', 'tps']);
    expect(t.series[0]!.values).toEqual([12, 13, 15, null]);
  });
});

describe('poshil trend', () => {
  function nights(dir: string, values: number[]): void {
    values.forEach((v, i) => {
      fs.mkdirSync(path.join(dir, `run-${i}`));
      fs.writeFileSync(path.join(dir, `run-${i}`, 'report.json'), JSON.stringify(night(i, v)));
    });
  }
  const io = () => {
    const out = { stdout: '', stderr: '' };
    return { out, io: { stdout: { write: (s: string) => ((out.stdout += s), true) } as unknown as NodeJS.WritableStream, stderr: { write: (s: string) => ((out.stderr += s), true) } as unknown as NodeJS.WritableStream } };
  };

  it('reads a reports directory, prints the table, writes trend.html, and exits 1 on drift only when asked', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'poshil-trend-'));
    nights(dir, [10, 10.4, 10.9, 11.3, 11.8, 12.2, 12.8, 13.3]);
    expect(collectReports([dir])).toHaveLength(8);
    const out = path.join(dir, 'trend.html');
    const a = io();
    expect(await main(['trend', dir, '--out', out], a.io)).toBe(0);
    expect(a.out.stdout).toMatch(/sale +p99_ms +8 +10\.00 ms +13\.30 ms +\+\d+\.\d% +p<0\.001 +DRIFT/);
    expect(a.out.stdout).toContain('trend: DRIFT in 1 measurement(s)');
    expect(fs.readFileSync(out, 'utf8')).toContain('1 DRIFTING');
    const b = io();
    expect(await main(['trend', dir, '--out', out, '--fail-on-drift'], b.io)).toBe(1);
  });

  it('a healthy fortnight: no drift, exit 0 even with --fail-on-drift', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'poshil-trend-'));
    nights(dir, [10, 10.3, 9.8, 10.1, 10.4, 9.9, 10.2, 10, 9.7, 10.3, 10.1, 9.9, 10.2, 10]);
    const a = io();
    expect(await main(['trend', dir, '--out', path.join(dir, 't.html'), '--fail-on-drift'], a.io)).toBe(0);
    expect(a.out.stdout).toContain('trend: no drift');
  });

  it('bad input is exit 2 with what was wrong', async () => {
    const a = io();
    expect(await main(['trend', fs.mkdtempSync(path.join(os.tmpdir(), 'poshil-trend-'))], a.io)).toBe(2);
    expect(a.out.stderr).toMatch(/no run directory with a report.json/);
    const b = io();
    expect(await main(['trend', '/nonexistent/report.json'], b.io)).toBe(2);
    const c = io();
    expect(await main(['trend', 'x', '--last', '1'], c.io)).toBe(2);
    expect(c.out.stderr).toMatch(/--last expects a number of runs ≥ 2/);
  });

  it('renders a readable text table', () => {
    const t = trendReports([1, 2, 3].map((i) => ({ report: night(i, 10 + i) })));
    expect(renderTrendText(t)).toMatch(/sale +p99_ms +3 .* too few runs/);
  });
});
