import type * as JStat from 'jstat';
import { PoshilError } from '../errors';
import { mulberry32 } from '../faults/random';
import { LatencyHistogram } from '../metrics/latency-histogram';
import type { RunReport, TestResult, TestState } from './model';

/**
 * Baselines: two runs compared test by test (matched on test id), metric by metric, with a
 * verdict per metric — regression, improvement or no change.
 *
 * Latency percentiles are compared as distributions, from the HDR histograms report.json keeps
 * (no raw samples needed): a bootstrap of the percentile's difference. Resampling n values with
 * replacement from a run and taking the r-th smallest is the same as drawing U₍ᵣ₎, the r-th
 * smallest of n uniforms, which is Beta(r, n − r + 1) distributed, and reading the run's
 * empirical quantile function at it; so each resample costs one beta quantile (jStat) and one
 * binary search, whatever the sample count — a million-transaction soak as cheap as a smoke test.
 * The two-sided p-value is twice the share of resampled differences on the far side of zero.
 *
 * A percentile counts as changed only when it moved by more than the tolerance (default 10 %)
 * AND the bootstrap finds the move significant (alpha 0.01): with thousands of samples any tiny
 * shift is "significant", and with a few hundred a noisy tail moves by more than 10 % by chance.
 * Metrics without a histogram (throughput, error rate, …) are judged by the tolerance alone.
 */

export type Verdict = 'regression' | 'improvement' | 'no change';
export type MetricVerdict = Verdict | 'not compared';

export interface MetricRule {
  /** Which way is better: latencies and errors lower, throughput higher. */
  better: 'lower' | 'higher';
  /** Set for latency percentiles: compared from the test's histogram when both runs have one. */
  percentile?: number;
}

/**
 * The metrics a comparison looks at and which way is better for each: the one place that knows.
 * Metrics not listed (counts that follow the suite's configuration, derived ratios, extremes
 * that are one sample, drift ratios that swing by more than any tolerance between healthy runs)
 * are not compared; `poshil trend` follows those across nights instead.
 */
export const COMPARED_METRICS: Readonly<Record<string, MetricRule>> = {
  p50_ms: { better: 'lower', percentile: 50 },
  p99_ms: { better: 'lower', percentile: 99 },
  tps: { better: 'higher' },
  achieved_tps: { better: 'higher' },
  capacity_tps: { better: 'higher' },
  error_rate: { better: 'lower' },
  dropped: { better: 'lower' },
  lost: { better: 'lower' },
  duplicated: { better: 'lower' },
};

export interface CompareOptions {
  /** A metric moved by at most this many percent is no change; default 10. */
  tolerancePct?: number;
  /** Significance level of the bootstrap; default 0.01. */
  alpha?: number;
  /** Bootstrap resamples per percentile; default 10 000. */
  resamples?: number;
  /** Seed of the resampling, so the same two reports always give the same verdicts; default 1. */
  seed?: number;
}

export const DEFAULT_TOLERANCE_PCT = 10;
export const DEFAULT_ALPHA = 0.01;
export const DEFAULT_RESAMPLES = 10_000;

export interface MetricComparison {
  test: string;
  metric: string;
  unit: string;
  better: 'lower' | 'higher';
  baseline: number | null;
  current: number | null;
  /** (current − baseline) ÷ baseline × 100; ±Infinity from a zero baseline (null in comparison.json, the reason says +∞%); null without both values. */
  deltaPct: number | null;
  /** `bootstrap`: percentile from both histograms; `tolerance`: the values alone. */
  method: 'bootstrap' | 'tolerance';
  /** Bootstrap only: two-sided p-value of "the percentile did not move". */
  pValue?: number;
  /** Bootstrap only: the (1 − alpha) interval of current − baseline, in the metric's unit. */
  interval?: [number, number];
  verdict: MetricVerdict;
  /** Why, in words: "+23.1 % > 10 % and p < 0.001", "within ±10 %", "not significant (p = 0.21)". */
  reason: string;
}

export interface TestComparison {
  id: string;
  kind: string;
  baselineState: TestState;
  currentState: TestState;
  verdict: MetricVerdict;
  metrics: MetricComparison[];
  /** Why a test was not compared, or what to keep in mind (no histogram on one side, …). */
  notes: string[];
}

export interface RunRef {
  id: string;
  suite: string;
  startedAt: string;
  /** The report file read, when it came from one. */
  file?: string;
}

export interface RunComparison {
  baseline: RunRef;
  current: RunRef;
  options: { tolerancePct: number; alpha: number; resamples: number; seed: number; method: string };
  tests: TestComparison[];
  onlyInBaseline: string[];
  onlyInCurrent: string[];
  /** Differences between the runs that make the comparison less meaningful (other suite, device, seed). */
  warnings: string[];
  summary: { verdict: Verdict; regressions: number; improvements: number; comparedMetrics: number; comparedTests: number };
}

export const BOOTSTRAP_METHOD = 'percentile difference by bootstrap from the HDR histograms (exact order-statistic resampling); other metrics by tolerance alone';

/** jStat is loaded on first use, so commands that never compare do not pay for it. */
let jstatLoaded: typeof JStat | undefined;
function jStat(): typeof JStat.jStat {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- deferred load, see above
  return (jstatLoaded ??= require('jstat') as typeof JStat).jStat;
}

/**
 * A run's latency distribution as its histogram's buckets, for percentiles and resampling.
 * Percentiles follow HdrHistogram's definition (the ⌈p·n⌉-th smallest sample, reported as its
 * bucket's highest equivalent value, kept within the recorded min and max), so they are the
 * report's own p50_ms / p99_ms.
 */
export class Distribution {
  readonly count: number;
  private readonly values: Float64Array;
  private readonly cumulative: Float64Array;
  private readonly minNs: number;
  private readonly maxNs: number;

  constructor(histogram: LatencyHistogram) {
    const buckets = histogram.buckets();
    this.values = new Float64Array(buckets.length);
    this.cumulative = new Float64Array(buckets.length);
    let total = 0;
    buckets.forEach((b, i) => {
      total += b.count;
      this.values[i] = b.valueNs;
      this.cumulative[i] = total;
    });
    this.count = total;
    const { min, max } = histogram.extremesNs();
    this.minNs = min;
    this.maxNs = max;
  }

  /** Rank (1-based) of the p-th percentile among n samples. */
  rank(percentile: number): number {
    const exact = (percentile / 100) * this.count;
    return Math.min(this.count, Math.max(1, Math.ceil(exact - exact * Number.EPSILON)));
  }

  /** The k-th smallest sample in ns (1-based). */
  orderStatistic(k: number): number {
    let lo = 0;
    let hi = this.cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.cumulative[mid] as number) >= k) hi = mid;
      else lo = mid + 1;
    }
    return Math.min(this.maxNs, Math.max(this.minNs, this.values[lo] as number));
  }

  /** The p-th percentile in ns. */
  percentileNs(percentile: number): number {
    return this.orderStatistic(this.rank(percentile));
  }

  /**
   * One bootstrap replicate of the p-th percentile from a uniform number in [0, 1): the
   * rank-th smallest of n draws with replacement, drawn as F⁻¹(U₍ᵣ₎), U₍ᵣ₎ ~ Beta(r, n − r + 1).
   */
  resampledPercentileNs(percentile: number, uniform: number): number {
    const r = this.rank(percentile);
    const u = jStat().beta.inv(uniform, r, this.count - r + 1);
    const k = Math.min(this.count, Math.max(1, Math.ceil(u * this.count)));
    return this.orderStatistic(k);
  }
}

export interface BootstrapResult {
  baselineNs: number;
  currentNs: number;
  pValue: number;
  /** (1 − alpha) percentile interval of current − baseline, ns. */
  intervalNs: [number, number];
}

/**
 * Bootstrap of the difference of one percentile between two distributions: two-sided p-value
 * (twice the smaller share of resampled differences ≤ 0 and ≥ 0, with the usual +1 so it is
 * never 0) and the percentile interval of the difference.
 */
export function bootstrapPercentile(baseline: Distribution, current: Distribution, percentile: number, options: { resamples?: number; alpha?: number; seed?: number } = {}): BootstrapResult {
  const resamples = options.resamples ?? DEFAULT_RESAMPLES;
  const alpha = options.alpha ?? DEFAULT_ALPHA;
  const random = mulberry32(options.seed ?? 1);
  const diffs = new Float64Array(resamples);
  let atMostZero = 0;
  let atLeastZero = 0;
  for (let i = 0; i < resamples; i++) {
    const d = current.resampledPercentileNs(percentile, random()) - baseline.resampledPercentileNs(percentile, random());
    diffs[i] = d;
    if (d <= 0) atMostZero++;
    if (d >= 0) atLeastZero++;
  }
  diffs.sort();
  const at = (q: number) => diffs[Math.min(resamples - 1, Math.max(0, Math.floor(q * resamples)))] as number;
  return {
    baselineNs: baseline.percentileNs(percentile),
    currentNs: current.percentileNs(percentile),
    pValue: Math.min(1, (2 * (Math.min(atMostZero, atLeastZero) + 1)) / (resamples + 1)),
    intervalNs: [at(alpha / 2), at(1 - alpha / 2)],
  };
}

/** A test's latency histogram from report.json, or undefined when it has none. */
export function histogramOf(test: TestResult, side: string): LatencyHistogram | undefined {
  const h = test.details?.histogram as { unit?: unknown; value?: unknown } | undefined;
  if (h === undefined || h === null || typeof h !== 'object') return undefined;
  if (h.unit !== 'ns' || typeof h.value !== 'string') {
    throw new PoshilError('COMPARE_INPUT', `${side}: test '${test.id}' has a histogram this poshil cannot read (expected unit "ns" and an HdrHistogram V2 compressed base64 value)`, { exitCode: 2 });
  }
  try {
    return LatencyHistogram.decode(h.value);
  } catch (err) {
    throw new PoshilError('COMPARE_INPUT', `${side}: test '${test.id}': its histogram does not decode: ${(err as Error).message}`, { cause: err, exitCode: 2 });
  }
}

function measurement(test: TestResult, name: string): { value: number | null; unit: string } | undefined {
  const m = test.measurements.find((x) => x.name === name);
  return m === undefined ? undefined : { value: m.value, unit: m.unit };
}

export function deltaPct(baseline: number, current: number): number {
  if (baseline === 0) return current === 0 ? 0 : current > 0 ? Infinity : -Infinity;
  return ((current - baseline) / Math.abs(baseline)) * 100;
}

/** "+23.1%", "-4.0%", "0.0%", "+∞%". */
export function formatDelta(delta: number | null): string {
  if (delta === null || Number.isNaN(delta)) return 'n/a';
  if (!Number.isFinite(delta)) return delta > 0 ? '+∞%' : '-∞%';
  const text = delta.toFixed(1);
  if (text === '0.0' || text === '-0.0') return '0.0%';
  return `${delta > 0 ? '+' : ''}${text}%`;
}

/** "p<0.001", "p=0.042"; "—" for metrics judged by tolerance alone. */
export function formatPValue(p: number | undefined): string {
  if (p === undefined) return '—';
  return p < 0.001 ? 'p<0.001' : `p=${p.toFixed(3)}`;
}

function direction(rule: MetricRule, delta: number): Verdict {
  const worse = rule.better === 'lower' ? delta > 0 : delta < 0;
  return worse ? 'regression' : 'improvement';
}

function roundMs(ns: number): number {
  return Math.round(ns / 1000) / 1000;
}

function comparePercentile(test: string, metric: string, rule: MetricRule, base: Distribution, cur: Distribution, o: Required<CompareOptions>): MetricComparison {
  const percentile = rule.percentile as number;
  const b = bootstrapPercentile(base, cur, percentile, o);
  const baseline = roundMs(b.baselineNs);
  const current = roundMs(b.currentNs);
  const delta = deltaPct(b.baselineNs, b.currentNs);
  const significant = b.pValue < o.alpha;
  const beyond = Math.abs(delta) > o.tolerancePct;
  let verdict: MetricVerdict = 'no change';
  let reason: string;
  if (beyond && significant) {
    verdict = direction(rule, delta);
    reason = `${formatDelta(delta)} beyond ±${o.tolerancePct}% and significant (${formatPValue(b.pValue)}, alpha ${o.alpha})`;
  } else if (beyond) {
    reason = `${formatDelta(delta)} beyond ±${o.tolerancePct}% but not significant (${formatPValue(b.pValue)}, alpha ${o.alpha}): within run-to-run noise`;
  } else {
    reason = `${formatDelta(delta)} within ±${o.tolerancePct}%${significant ? ` (significant, ${formatPValue(b.pValue)}, but too small to count)` : ''}`;
  }
  return {
    test,
    metric,
    unit: 'ms',
    better: rule.better,
    baseline,
    current,
    deltaPct: delta,
    method: 'bootstrap',
    pValue: b.pValue,
    interval: [roundMs(b.intervalNs[0]), roundMs(b.intervalNs[1])],
    verdict,
    reason,
  };
}

function compareScalar(test: string, metric: string, rule: MetricRule, base: TestResult, cur: TestResult, tolerancePct: number): MetricComparison | undefined {
  const b = measurement(base, metric);
  const c = measurement(cur, metric);
  if (b === undefined && c === undefined) return undefined;
  const baseline = b?.value ?? null;
  const current = c?.value ?? null;
  if (baseline === null && current === null) return undefined;
  const unit = c?.unit ?? b?.unit ?? '';
  const row = { test, metric, unit, better: rule.better, baseline, current, method: 'tolerance' as const };
  if (baseline === null || current === null) {
    return { ...row, deltaPct: null, verdict: 'not compared', reason: `no value in the ${baseline === null ? 'baseline' : 'current run'}` };
  }
  const delta = deltaPct(baseline, current);
  if (Math.abs(delta) <= tolerancePct) return { ...row, deltaPct: delta, verdict: 'no change', reason: `${formatDelta(delta)} within ±${tolerancePct}%` };
  return { ...row, deltaPct: delta, verdict: direction(rule, delta), reason: `${formatDelta(delta)} beyond ±${tolerancePct}% (${rule.better} is better; no distribution to test)` };
}

function compareTest(base: TestResult, cur: TestResult, o: Required<CompareOptions>): TestComparison {
  const result: TestComparison = { id: cur.id, kind: cur.kind, baselineState: base.state, currentState: cur.state, verdict: 'not compared', metrics: [], notes: [] };
  if (base.kind !== cur.kind) {
    result.notes.push(`not compared: a ${base.kind} test in the baseline, a ${cur.kind} test now`);
    return result;
  }
  for (const [side, t] of [['baseline', base], ['current run', cur]] as const) {
    if (t.state === 'skipped' || t.state === 'errored') result.notes.push(`not compared: ${t.state} in the ${side}${t.skipReason ? ` (${t.skipReason})` : t.error ? ` (${t.error.message})` : ''}`);
  }
  if (result.notes.length > 0) return result;

  const hb = histogramOf(base, 'baseline');
  const hc = histogramOf(cur, 'current run');
  const db = hb && hb.count > 0 ? new Distribution(hb) : undefined;
  const dc = hc && hc.count > 0 ? new Distribution(hc) : undefined;
  if ((db === undefined) !== (dc === undefined)) result.notes.push(`only the ${db ? 'baseline' : 'current run'} has a latency histogram: percentiles compared by tolerance alone`);
  for (const [metric, rule] of Object.entries(COMPARED_METRICS)) {
    const row = rule.percentile !== undefined && db && dc ? comparePercentile(cur.id, metric, rule, db, dc, o) : compareScalar(cur.id, metric, rule, base, cur, o.tolerancePct);
    if (row) result.metrics.push(row);
  }
  if (result.metrics.length === 0) result.notes.push('nothing to compare: none of its metrics is one a comparison looks at');
  result.verdict = overall(result.metrics.map((m) => m.verdict));
  return result;
}

function overall(verdicts: MetricVerdict[]): MetricVerdict {
  if (verdicts.includes('regression')) return 'regression';
  if (verdicts.includes('improvement')) return 'improvement';
  return verdicts.includes('no change') ? 'no change' : 'not compared';
}

function ref(report: RunReport, file?: string): RunRef {
  return { id: report.run.id, suite: report.run.suite.name, startedAt: report.run.startedAt, ...(file ? { file } : {}) };
}

/** Compares the current run with a baseline, test by test. Pure apart from the CPU it takes. */
export function compareReports(baseline: RunReport, current: RunReport, options: CompareOptions & { baselineFile?: string; currentFile?: string } = {}): RunComparison {
  const o: Required<CompareOptions> = {
    tolerancePct: options.tolerancePct ?? DEFAULT_TOLERANCE_PCT,
    alpha: options.alpha ?? DEFAULT_ALPHA,
    resamples: options.resamples ?? DEFAULT_RESAMPLES,
    seed: options.seed ?? 1,
  };
  const baseById = new Map(baseline.tests.map((t) => [t.id, t]));
  const curIds = new Set(current.tests.map((t) => t.id));
  const tests = current.tests.filter((t) => baseById.has(t.id)).map((t) => compareTest(baseById.get(t.id) as TestResult, t, o));

  const warnings: string[] = [];
  const bs = baseline.run.suite;
  const cs = current.run.suite;
  if (bs.name !== cs.name) warnings.push(`different suites: '${bs.name}' in the baseline, '${cs.name}' now`);
  else if (bs.sha256 && cs.sha256 && bs.sha256 !== cs.sha256) warnings.push(`the suite file changed since the baseline (sha256 ${bs.sha256.slice(0, 12)}… → ${cs.sha256.slice(0, 12)}…)`);
  const devices = (r: RunReport) => r.run.devices.map((d) => `${d.name} ${d.sha256}`).join(', ');
  if (devices(baseline) !== devices(current)) warnings.push('the device profile differs from the baseline’s');
  const defects = (r: RunReport) =>
    r.run.devices
      .flatMap((d) => Object.entries(d.identity).filter(([k]) => k.startsWith('defect.')))
      .map(([k, v]) => `${k.slice(7)}=${v}`)
      .join(', ');
  if (defects(baseline) !== defects(current)) warnings.push(`emulator defects differ: baseline [${defects(baseline) || 'none'}], current [${defects(current) || 'none'}]`);
  if (baseline.run.interrupted) warnings.push(`the baseline run was interrupted (${baseline.run.interrupted})`);
  if (current.run.interrupted) warnings.push(`the current run was interrupted (${current.run.interrupted})`);

  const metrics = tests.flatMap((t) => t.metrics);
  const regressions = metrics.filter((m) => m.verdict === 'regression').length;
  const improvements = metrics.filter((m) => m.verdict === 'improvement').length;
  return {
    baseline: ref(baseline, options.baselineFile),
    current: ref(current, options.currentFile),
    options: { ...o, method: BOOTSTRAP_METHOD },
    tests,
    onlyInBaseline: baseline.tests.filter((t) => !curIds.has(t.id)).map((t) => t.id),
    onlyInCurrent: current.tests.filter((t) => !baseById.has(t.id)).map((t) => t.id),
    warnings,
    summary: {
      verdict: regressions > 0 ? 'regression' : improvements > 0 ? 'improvement' : 'no change',
      regressions,
      improvements,
      comparedMetrics: metrics.filter((m) => m.verdict !== 'not compared').length,
      comparedTests: tests.filter((t) => t.verdict !== 'not compared').length,
    },
  };
}
