import { LatencyHistogram } from '../../metrics/latency-histogram';
import type { TestResult } from '../model';

/**
 * What the HTML report draws, as plain data: one ChartSpec per chart, turned into a uPlot chart
 * by the page's renderer (chart-renderer.ts). Built here from report.json alone, so a report
 * rebuilt from a journal, an old run and a trend over many runs all draw the same way.
 */
export interface ChartSeries {
  label: string;
  /** One value per x; null leaves a gap. */
  values: (number | null)[];
  /** Which y axis: the first (left) or the second (right, for a second unit). */
  axis?: 0 | 1;
  /** Drawn as bars instead of a line. */
  bars?: boolean;
}

export interface ChartBand {
  from: number;
  to: number;
  label: string;
}

export interface ChartSpec {
  id: string;
  title: string;
  /** Axis labels: x, then the left y axis and optionally the right one. */
  xLabel: string;
  yLabels: [string] | [string, string];
  /** x is drawn on a log scale; `percentile` labels its ticks as percentiles (x = 1 / (1 − p)). */
  xScale?: 'linear' | 'log' | 'percentile';
  xs: number[];
  series: ChartSeries[];
  /** Shaded x ranges with a label (injected faults on a time axis). */
  bands?: ChartBand[];
}

/** Percentiles of the spectrum, as HdrHistogram's plots show them: ever closer to 100 %. */
const SPECTRUM = [0, 10, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99, 99.995, 99.999, 99.9995, 99.9999];
const HISTOGRAM_BINS = 48;

/** A test's latency histogram from its report details, if it has one that decodes. */
export function testHistogram(test: TestResult): LatencyHistogram | undefined {
  const h = test.details?.histogram as { unit?: unknown; value?: unknown } | undefined;
  if (!h || typeof h !== 'object' || h.unit !== 'ns' || typeof h.value !== 'string') return undefined;
  try {
    const decoded = LatencyHistogram.decode(h.value);
    return decoded.count > 0 ? decoded : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The latency distribution two ways: a histogram on log-spaced bins (a bimodal device shows
 * two humps) and the percentile spectrum on HdrHistogram's log axis (where the tail lives).
 */
export function latencyCharts(test: TestResult, idPrefix: string): ChartSpec[] {
  const histogram = testHistogram(test);
  if (!histogram) return [];
  const buckets = histogram.buckets();
  const { min, max } = histogram.extremesNs();
  const out: ChartSpec[] = [];

  // Log-spaced bins between the extremes, counted from the HDR buckets (each bucket lands in
  // the bin that holds its value).
  const lo = Math.max(1, min);
  const hi = Math.max(lo * 1.0001, max);
  const step = Math.log(hi / lo) / HISTOGRAM_BINS;
  const counts = new Array<number>(HISTOGRAM_BINS).fill(0);
  for (const b of buckets) {
    const v = Math.min(hi, Math.max(lo, b.valueNs));
    const i = Math.min(HISTOGRAM_BINS - 1, Math.floor(Math.log(v / lo) / step));
    counts[i] = (counts[i] as number) + b.count;
  }
  const centres = counts.map((_, i) => (lo * Math.exp(step * (i + 0.5))) / 1e6);
  out.push({
    id: `${idPrefix}-histogram`,
    title: `Latency histogram (${histogram.count.toLocaleString('en')} samples)`,
    xLabel: 'latency (ms, log scale)',
    yLabels: ['transactions'],
    xScale: 'log',
    xs: centres.map(roundSig),
    series: [{ label: 'transactions', values: counts, bars: true }],
  });

  // The spectrum stops at the percentile the sample count can resolve.
  const resolvable = SPECTRUM.filter((p) => p === 0 || 1 / (1 - p / 100) <= histogram.count * (1 + 1e-9));
  out.push({
    id: `${idPrefix}-spectrum`,
    title: 'Latency by percentile',
    xLabel: 'percentile',
    yLabels: ['latency (ms)'],
    xScale: 'percentile',
    xs: resolvable.map((p) => roundSig(1 / (1 - p / 100))),
    series: [{ label: 'latency', values: resolvable.map((p) => roundSig(Math.min(max, Math.max(min, p === 0 ? min : (histogram.percentileMs(p) as number) * 1e6)) / 1e6)) }],
  });
  return out;
}

function decodeHistogram(h: unknown): LatencyHistogram | undefined {
  const x = h as { unit?: unknown; value?: unknown } | undefined;
  if (!x || typeof x !== 'object' || x.unit !== 'ns' || typeof x.value !== 'string') return undefined;
  try {
    const decoded = LatencyHistogram.decode(x.value);
    return decoded.count > 0 ? decoded : undefined;
  } catch {
    return undefined;
  }
}

/** A compatibility test's two latency distributions (A and B) on one percentile spectrum. */
export function abLatencyCharts(test: TestResult, idPrefix: string): ChartSpec[] {
  const perf = test.details?.performance as { a?: { histogram?: unknown }; b?: { histogram?: unknown } } | undefined;
  const a = decodeHistogram(perf?.a?.histogram);
  const b = decodeHistogram(perf?.b?.histogram);
  if (!a || !b) return [];
  const n = Math.min(a.count, b.count);
  const ps = SPECTRUM.filter((p) => p === 0 || 1 / (1 - p / 100) <= n * (1 + 1e-9));
  const at = (h: LatencyHistogram, p: number) => {
    const { min, max } = h.extremesNs();
    return roundSig(Math.min(max, Math.max(min, p === 0 ? min : (h.percentileMs(p) as number) * 1e6)) / 1e6);
  };
  const a0 = test.details?.a as { interface?: string } | undefined;
  const b0 = test.details?.b as { interface?: string } | undefined;
  return [
    {
      id: `${idPrefix}-ab-spectrum`,
      title: 'Latency by percentile, A and B (interleaved samples)',
      xLabel: 'percentile',
      yLabels: ['latency (ms)'],
      xScale: 'percentile',
      xs: ps.map((p) => roundSig(1 / (1 - p / 100))),
      series: [
        { label: `A ${a0?.interface ?? ''}`.trim(), values: ps.map((p) => at(a, p)) },
        { label: `B ${b0?.interface ?? ''}`.trim(), values: ps.map((p) => at(b, p)) },
      ],
    },
  ];
}

interface StressRow {
  t_s: number;
  offered: number;
  achieved_tps: number;
  errors: number;
  dropped: number;
  p50_ms: number | null;
  p99_ms: number | null;
}

interface StabilityRow {
  t_s: number;
  tps: number;
  errors: number;
  reconnects: number;
  p50_ms: number | null;
  p99_ms: number | null;
}

interface FaultRecord {
  type: string;
  description?: string;
  startMs: number;
  endMs: number | null;
}

/** Time series of stress (per second) and stability (per window) runs, faults shaded. */
export function timeSeriesCharts(test: TestResult, idPrefix: string): ChartSpec[] {
  const stress = test.details?.timeSeries as StressRow[] | undefined;
  const windows = test.details?.windows as StabilityRow[] | undefined;
  const faults = (test.details?.faults as FaultRecord[] | undefined) ?? [];
  const end = (stress ?? windows ?? []).at(-1)?.t_s ?? 0;
  const bands: ChartBand[] = faults.map((f) => ({
    from: f.startMs / 1000,
    // A fault still in effect at the end (or an instant one) is shaded to the end / a sliver.
    to: f.endMs === null ? end : Math.max(f.endMs / 1000, f.startMs / 1000 + end / 400),
    label: f.description ?? f.type,
  }));
  if (Array.isArray(stress) && stress.length > 0) {
    const xs = stress.map((r) => r.t_s);
    return [
      {
        id: `${idPrefix}-throughput`,
        title: 'Throughput: offered vs achieved',
        xLabel: 'time (s)',
        yLabels: ['transactions/s'],
        xs,
        series: [
          { label: 'offered', values: stress.map((r) => r.offered) },
          { label: 'achieved', values: stress.map((r) => r.achieved_tps) },
        ],
        bands,
      },
      {
        id: `${idPrefix}-latency`,
        title: 'Latency per second (from the intended send time)',
        xLabel: 'time (s)',
        yLabels: ['ms'],
        xs,
        series: [
          { label: 'p50', values: stress.map((r) => r.p50_ms) },
          { label: 'p99', values: stress.map((r) => r.p99_ms) },
        ],
        bands,
      },
      {
        id: `${idPrefix}-errors`,
        title: 'Errors and dropped arrivals per second',
        xLabel: 'time (s)',
        yLabels: ['count'],
        xs,
        series: [
          { label: 'errors', values: stress.map((r) => r.errors) },
          { label: 'dropped', values: stress.map((r) => r.dropped) },
        ],
        bands,
      },
    ];
  }
  if (Array.isArray(windows) && windows.length > 0) {
    const xs = windows.map((w) => w.t_s);
    return [
      {
        id: `${idPrefix}-throughput`,
        title: 'Throughput per window (shaded: injected faults)',
        xLabel: 'time (s)',
        yLabels: ['approved/s'],
        xs,
        series: [{ label: 'approved/s', values: windows.map((w) => w.tps) }],
        bands,
      },
      {
        id: `${idPrefix}-latency`,
        title: 'Latency per window (shaded: injected faults)',
        xLabel: 'time (s)',
        yLabels: ['ms'],
        xs,
        series: [
          { label: 'p50', values: windows.map((w) => w.p50_ms) },
          { label: 'p99', values: windows.map((w) => w.p99_ms) },
        ],
        bands,
      },
      {
        id: `${idPrefix}-errors`,
        title: 'Errors and reconnects per window',
        xLabel: 'time (s)',
        yLabels: ['count'],
        xs,
        series: [
          { label: 'errors', values: windows.map((w) => w.errors) },
          { label: 'reconnects', values: windows.map((w) => w.reconnects) },
        ],
        bands,
      },
    ];
  }
  return [];
}

/** Four significant digits: enough for a chart, and it keeps the page small. */
export function roundSig(v: number): number {
  if (v === 0 || !Number.isFinite(v)) return v;
  return Number(v.toPrecision(4));
}
