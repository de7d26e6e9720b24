import type * as JStat from 'jstat';
import { COMPARED_METRICS, formatDelta } from './compare';
import type { RunReport } from './model';

/**
 * Trends across nightly runs: each measurement of each test followed run by run, and a drift
 * flagged when it moves steadily one way. A single bad night is `poshil compare`'s business;
 * a trend asks whether the nights, taken together, are going somewhere.
 *
 * The test is Mann–Kendall (a rank test for a monotonic trend: no assumption about the shape or
 * the noise, robust to one wild night), with the tie-corrected variance and a continuity
 * correction; its size is Sen's slope (the median of the slopes between every pair of nights).
 * A measurement drifts when the trend is significant (two-sided p < alpha, default 0.05) AND
 * Sen's slope across the window moves it by more than the tolerance (default 10 % of its
 * median) — significance alone would flag a 0.1 % creep over 30 nights. Fewer than 5 runs can
 * never reach p < 0.05 (n = 4 gives at best p ≈ 0.09), so they are reported as too few.
 */
export interface TrendRule {
  better: 'lower' | 'higher';
}

/** What a trend follows, and which way is better: latency and losses lower, throughput higher. */
export const TREND_METRICS: Readonly<Record<string, TrendRule>> = {
  ...Object.fromEntries(Object.entries(COMPARED_METRICS).map(([name, rule]) => [name, { better: rule.better }])),
  // What a single comparison leaves out as too noisy night to night, a trend can follow.
  p90_ms: { better: 'lower' },
  p999_ms: { better: 'lower' },
  max_ms: { better: 'lower' },
  drift_p99_ratio: { better: 'lower' },
  max_recovery_ms: { better: 'lower' },
};

export const MIN_TREND_RUNS = 5;
export const DEFAULT_TREND_ALPHA = 0.05;
export const DEFAULT_TREND_TOLERANCE_PCT = 10;

export type TrendVerdict = 'drift' | 'improving' | 'stable' | 'too few runs';

export interface TrendSeries {
  test: string;
  metric: string;
  unit: string;
  better: 'lower' | 'higher';
  /** One value per run, oldest first (null: the run had no value). */
  values: (number | null)[];
  /** Runs with a value. */
  n: number;
  /** Sen's slope per run, in the metric's unit; null with fewer than two values. */
  slopePerRun: number | null;
  /** Sen's slope × (runs − 1) as a percentage of the median value. */
  changePct: number | null;
  /** Mann–Kendall two-sided p-value; null with too few runs. */
  pValue: number | null;
  verdict: TrendVerdict;
  reason: string;
}

export interface TrendRun {
  id: string;
  startedAt: string;
  file?: string;
}

export interface TrendResult {
  suite: string;
  runs: TrendRun[];
  series: TrendSeries[];
  warnings: string[];
  options: { alpha: number; tolerancePct: number };
  summary: { drifts: number; improving: number; followed: number };
}

let jstatLoaded: typeof JStat | undefined;
function normalCdf(z: number): number {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- deferred load: only trend and compare need jStat
  return (jstatLoaded ??= require('jstat') as typeof JStat).jStat.normal.cdf(z, 0, 1);
}

/** Mann–Kendall S, its tie-corrected variance and the two-sided p-value (normal approximation). */
export function mannKendall(values: readonly number[]): { s: number; variance: number; pValue: number } {
  const n = values.length;
  let s = 0;
  for (let i = 0; i < n - 1; i++) {
    for (let j = i + 1; j < n; j++) s += Math.sign((values[j] as number) - (values[i] as number));
  }
  const ties = new Map<number, number>();
  for (const v of values) ties.set(v, (ties.get(v) ?? 0) + 1);
  let tieTerm = 0;
  for (const t of ties.values()) if (t > 1) tieTerm += t * (t - 1) * (2 * t + 5);
  const variance = (n * (n - 1) * (2 * n + 5) - tieTerm) / 18;
  if (variance <= 0) return { s, variance, pValue: 1 };
  const z = s > 0 ? (s - 1) / Math.sqrt(variance) : s < 0 ? (s + 1) / Math.sqrt(variance) : 0;
  return { s, variance, pValue: Math.min(1, 2 * (1 - normalCdf(Math.abs(z)))) };
}

/** Sen's slope: the median of (yj − yi) / (xj − xi) over all pairs. */
export function senSlope(xs: readonly number[], ys: readonly number[]): number {
  const slopes: number[] = [];
  for (let i = 0; i < xs.length - 1; i++) {
    for (let j = i + 1; j < xs.length; j++) slopes.push(((ys[j] as number) - (ys[i] as number)) / ((xs[j] as number) - (xs[i] as number)));
  }
  return median(slopes);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export function trendOf(test: string, metric: string, unit: string, rule: TrendRule, values: (number | null)[], options: { alpha: number; tolerancePct: number }): TrendSeries {
  const xs: number[] = [];
  const ys: number[] = [];
  values.forEach((v, i) => {
    if (v !== null && Number.isFinite(v)) {
      xs.push(i);
      ys.push(v);
    }
  });
  const base = { test, metric, unit, better: rule.better, values, n: ys.length };
  if (ys.length < 2) return { ...base, slopePerRun: null, changePct: null, pValue: null, verdict: 'too few runs', reason: `${ys.length} run(s) with a value` };
  const slope = senSlope(xs, ys);
  const mid = median(ys);
  const span = (xs.at(-1) as number) - (xs[0] as number);
  const changePct = mid === 0 ? (slope === 0 ? 0 : slope > 0 ? Infinity : -Infinity) : ((slope * span) / Math.abs(mid)) * 100;
  if (ys.length < MIN_TREND_RUNS) {
    return { ...base, slopePerRun: slope, changePct, pValue: null, verdict: 'too few runs', reason: `${ys.length} runs; a trend needs at least ${MIN_TREND_RUNS}` };
  }
  const { pValue } = mannKendall(ys);
  const significant = pValue < options.alpha;
  const large = Math.abs(changePct) > options.tolerancePct;
  const p = pValue < 0.001 ? 'p<0.001' : `p=${pValue.toFixed(3)}`;
  if (significant && large) {
    const worse = rule.better === 'lower' ? changePct > 0 : changePct < 0;
    return { ...base, slopePerRun: slope, changePct, pValue, verdict: worse ? 'drift' : 'improving', reason: `${formatDelta(changePct)} over ${ys.length} runs, steady (${p})` };
  }
  const reason = significant ? `steady but small: ${formatDelta(changePct)} within ±${options.tolerancePct}% (${p})` : `no steady trend (${p}); ${formatDelta(changePct)} by Sen's slope`;
  return { ...base, slopePerRun: slope, changePct, pValue, verdict: 'stable', reason };
}

/**
 * Follows every trend metric of every test over the runs (oldest first, by start time). Runs of
 * another suite than the newest run's are left out with a warning: a trend compares like with like.
 */
export function trendReports(reports: readonly { report: RunReport; file?: string }[], options: { alpha?: number; tolerancePct?: number; last?: number } = {}): TrendResult {
  const o = { alpha: options.alpha ?? DEFAULT_TREND_ALPHA, tolerancePct: options.tolerancePct ?? DEFAULT_TREND_TOLERANCE_PCT };
  const warnings: string[] = [];
  const sorted = [...reports].sort((a, b) => a.report.run.startedAt.localeCompare(b.report.run.startedAt));
  const suite = sorted.at(-1)?.report.run.suite.name ?? '';
  let same = sorted.filter((r) => r.report.run.suite.name === suite);
  const others = sorted.length - same.length;
  if (others > 0) warnings.push(`${others} run(s) of other suites left out (following suite '${suite}')`);
  if (options.last !== undefined && same.length > options.last) same = same.slice(-options.last);
  for (const r of same) if (r.report.run.interrupted) warnings.push(`run ${r.report.run.id} was interrupted (${r.report.run.interrupted})`);

  const seen = new Map<string, { test: string; metric: string; unit: string }>();
  for (const { report } of same) {
    for (const t of report.tests) {
      for (const m of t.measurements) {
        if (!Object.hasOwn(TREND_METRICS, m.name)) continue;
        const key = `${t.id}\u0000${m.name}`;
        if (!seen.has(key)) seen.set(key, { test: t.id, metric: m.name, unit: m.unit });
      }
    }
  }
  const series = [...seen.values()].map(({ test, metric, unit }) => {
    const values = same.map(({ report }) => {
      const t = report.tests.find((x) => x.id === test);
      if (!t || t.state === 'skipped' || t.state === 'errored') return null;
      return t.measurements.find((m) => m.name === metric)?.value ?? null;
    });
    return trendOf(test, metric, unit, TREND_METRICS[metric] as TrendRule, values, o);
  });
  return {
    suite,
    runs: same.map(({ report, file }) => ({ id: report.run.id, startedAt: report.run.startedAt, ...(file ? { file } : {}) })),
    series,
    warnings,
    options: o,
    summary: { drifts: series.filter((s) => s.verdict === 'drift').length, improving: series.filter((s) => s.verdict === 'improving').length, followed: series.length },
  };
}
