/**
 * Run reports built by hand for the comparison tests: latency tests whose histograms hold
 * synthetic samples (seeded, so every run of the tests sees the same numbers), encoded exactly
 * as the latency kind encodes them.
 */
import { mulberry32 } from '../../harness/faults/random';
import { LatencyHistogram } from '../../harness/metrics/latency-histogram';
import { summarise, type RunReport, type TestResult } from '../../harness/reports/model';

/**
 * `count` service times in ms: a lognormal around `medianMs` (sigma 0.15, a realistic
 * terminal) times `scale`, seeded.
 */
export function samplesMs(count: number, seed: number, medianMs = 10, scale = 1): number[] {
  const random = mulberry32(seed);
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const u = Math.max(random(), Number.EPSILON);
    const v = random();
    const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    out.push(medianMs * Math.exp(0.15 * z) * scale);
  }
  return out;
}

export function histogramOfMs(samples: readonly number[]): LatencyHistogram {
  const h = new LatencyHistogram();
  for (const ms of samples) h.recordNs(Math.round(ms * 1e6));
  return h;
}

/** A passed latency test whose measurements and histogram come from the samples. */
export function latencyTest(id: string, samples: readonly number[], extra: Record<string, number | null> = {}): TestResult {
  const h = histogramOfMs(samples);
  const s = h.summary();
  const values: Record<string, number | null> = { count: s.count, errors: 0, error_rate: 0, p50_ms: s.p50_ms, p99_ms: s.p99_ms, tps: 50, ...extra };
  const units: Record<string, string> = { count: 'transactions', errors: 'transactions', error_rate: '%', tps: 'transactions/s' };
  return {
    id,
    kind: 'latency',
    interface: 'ecr',
    state: 'passed',
    startedAt: '2025-03-01T10:00:00.000Z',
    endedAt: '2025-03-01T10:00:10.000Z',
    durationMs: 10_000,
    measurements: Object.entries(values).map(([name, value]) => ({ name, unit: units[name] ?? 'ms', value })),
    thresholds: [],
    details: { histogram: { unit: 'ns', encoding: 'HdrHistogram V2 compressed base64', value: h.encode() } },
  };
}

export function runReport(id: string, tests: TestResult[]): RunReport {
  return {
    schemaVersion: 1,
    run: {
      id,
      poshilVersion: '0.1.0',
      node: 'v20',
      host: 'bench',
      platform: 'linux',
      suite: { name: 'compare', file: 'suites/compare.json', sha256: 'a'.repeat(64) },
      devices: [{ name: 'emulated', file: 'devices/emulated-terminal.json', sha256: 'b'.repeat(64), emulated: true, identity: {} }],
      seed: 1,
      startedAt: '2025-03-01T10:00:00.000Z',
      endedAt: '2025-03-01T10:00:10.000Z',
      durationMs: 10_000,
    },
    summary: summarise(tests),
    tests,
  };
}
