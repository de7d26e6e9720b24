import type * as Hdr from 'hdr-histogram-js';

/**
 * Only the parts of hdr-histogram-js used here, loaded on first use: its index also loads the
 * log writer, which builds an Intl number formatter when it loads (~20 ms at a cold start, on
 * the way to a run's first transaction), and commands that never measure need none of it.
 */
type HdrLib = Pick<typeof Hdr, 'build' | 'encodeIntoCompressedBase64' | 'decodeFromCompressedBase64'>;
let loaded: HdrLib | undefined;
function hdrLib(): HdrLib {
  if (!loaded) {
    /* eslint-disable @typescript-eslint/no-require-imports -- deferred load, see above */
    const { build } = require('hdr-histogram-js/dist/HistogramBuilder') as Pick<typeof Hdr, 'build'>;
    const { encodeIntoCompressedBase64, decodeFromCompressedBase64 } = require('hdr-histogram-js/dist/encoding') as Pick<typeof Hdr, 'encodeIntoCompressedBase64' | 'decodeFromCompressedBase64'>;
    /* eslint-enable @typescript-eslint/no-require-imports */
    loaded = { build, encodeIntoCompressedBase64, decodeFromCompressedBase64 };
  }
  return loaded;
}

/**
 * Latency distribution in an HDR histogram (3 significant digits, 1 µs resolution, up to one
 * hour). Memory is fixed whatever the sample count, so a million-transaction soak costs the
 * same as a smoke test; the encoded form lets two runs be compared as distributions later.
 */
const NS_PER_MS = 1e6;

export interface LatencySummary {
  count: number;
  min_ms: number | null;
  mean_ms: number | null;
  stddev_ms: number | null;
  p50_ms: number | null;
  p90_ms: number | null;
  p99_ms: number | null;
  p999_ms: number | null;
  max_ms: number | null;
}

export class LatencyHistogram {
  /** Loads the histogram library ahead of the first measurement (e.g. while a device starts). */
  static preload(): void {
    hdrLib();
  }

  private histogram = LatencyHistogram.create();

  private static create(): Hdr.Histogram {
    return hdrLib().build({
      bitBucketSize: 64,
      autoResize: true,
      lowestDiscernibleValue: 1000,
      highestTrackableValue: 3_600_000_000_000,
      numberOfSignificantValueDigits: 3,
      useWebAssembly: false,
    });
  }

  recordNs(ns: bigint | number): void {
    // Values under the 1 µs resolution are recorded as 1 µs rather than lost as zero.
    this.histogram.recordValue(Math.max(1000, Number(ns)));
  }

  get count(): number {
    return this.histogram.totalCount;
  }

  reset(): void {
    this.histogram = LatencyHistogram.create();
  }

  percentileMs(p: number): number | null {
    return this.count === 0 ? null : this.histogram.getValueAtPercentile(p) / NS_PER_MS;
  }

  summary(): LatencySummary {
    const h = this.histogram;
    const empty = h.totalCount === 0;
    const ms = (ns: number) => (empty ? null : round(ns / NS_PER_MS));
    // A percentile is reported as the top of its bucket; never let it pass the exact extremes
    // (a p99 above the max reads as a bug to anyone checking the report).
    const pct = (p: number) => ms(Math.min(h.maxValue, Math.max(h.minNonZeroValue, h.getValueAtPercentile(p))));
    return {
      count: h.totalCount,
      min_ms: ms(h.minNonZeroValue),
      mean_ms: ms(h.mean),
      stddev_ms: ms(h.stdDeviation),
      p50_ms: pct(50),
      p90_ms: pct(90),
      p99_ms: pct(99),
      p999_ms: pct(99.9),
      max_ms: ms(h.maxValue),
    };
  }

  /**
   * The recorded values, one entry per non-empty bucket in ascending order: the bucket's
   * highest equivalent value in ns (what percentiles report) and how many samples it holds.
   * What a comparison needs to resample a run from its histogram alone.
   */
  buckets(): { valueNs: number; count: number }[] {
    const h = this.histogram as unknown as Hdr.JsHistogram;
    const it = h.recordedValuesIterator;
    it.reset();
    const out: { valueNs: number; count: number }[] = [];
    while (it.hasNext()) {
      const v = it.next();
      out.push({ valueNs: v.valueIteratedTo, count: v.countAtValueIteratedTo });
    }
    return out;
  }

  /** Smallest and largest recorded value in ns (0 and 0 when empty). */
  extremesNs(): { min: number; max: number } {
    return this.count === 0 ? { min: 0, max: 0 } : { min: this.histogram.minNonZeroValue, max: this.histogram.maxValue };
  }

  /** HdrHistogram's compressed base64 form (V2 encoding), readable by any HdrHistogram port. */
  encode(): string {
    return hdrLib().encodeIntoCompressedBase64(this.histogram);
  }

  static decode(encoded: string): LatencyHistogram {
    const result = new LatencyHistogram();
    result.histogram = hdrLib().decodeFromCompressedBase64(encoded, 64, false);
    return result;
  }
}

/** Round to µs precision: ms values with 3 decimals. */
function round(v: number): number {
  return Math.round(v * 1000) / 1000;
}
