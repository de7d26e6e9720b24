import { toTransactionRequest } from '../harness/kinds/transaction-spec';
import { LatencyHistogram } from '../harness/metrics/latency-histogram';
import type { DeviceProfile } from '../harness/suite/types';
import { SALE, attachedProfile, benchProfile, measurement, runOneTest, unusable, withEmulator, type TcpEndpoint } from './device';
import { RawClient, encodeRequestFrames } from './raw-client';
import { result, round, type BenchContext, type BenchResult, type Benchmark } from './results';
import { median, nowNs, pairedMedian, divide } from './stats';

/**
 * Latency poshil adds on top of the device, closed loop, one sale at a time.
 *   poshil:   the p50_ms the `latency` kind reports, run through runSuite (tinybench-driven,
 *             HDR histogram, wire trace to a file) — the figure a user reads in a report.
 *   baseline: the raw client, timed send → response with hrtime into the same HDR histogram.
 * Both against one emulator process (the suite's device profile has no emulator block and
 * points at it), in rounds of one pass each, back to back, order alternating; figures are
 * medians over the rounds of the paired difference (0 ms device) or ratio (5 ms device).
 * Two devices: processing time 0 ms (what poshil adds, target ≤ 50 µs) and a fixed 5 ms
 * (poshil's p50 within 2 % of raw's).
 */
/**
 * The 5 ms device's rounds are many and short: its p50 is a timer's wake-up in the emulator,
 * which drifts by ±3 % from one second to the next on the development VM (for either client),
 * so each raw pass is paired with the poshil pass right beside it, and the figure is the
 * median of those pairs' ratios.
 */
const SIZES = {
  full: { fast: { rounds: 5, warmup: 300, iterations: 3000 }, slow: { rounds: 15, warmup: 10, iterations: 100 } },
  tiny: { fast: { rounds: 1, warmup: 5, iterations: 30 }, slow: { rounds: 1, warmup: 2, iterations: 10 } },
} as const;

export const MAX_ADDED_US = 50;
export const MAX_SLOW_DEVIATION = 0.02;
/** No single raw pass may run longer than this, whatever the iteration count. */
const RAW_PASS_LIMIT_MS = 60_000;

interface Medians {
  poshilP50Ms: number;
  rawP50Ms: number;
  /** Median over the rounds of poshil's p50 minus raw's in the same round. */
  pairedDiffMs: number;
  /** Median over the rounds of poshil's p50 ÷ raw's in the same round. */
  pairedRatio: number;
  poshilP99Ms: number | null;
  rawP99Ms: number | null;
  rounds: number;
}

function withTerminalId(profile: DeviceProfile, terminalId: string): DeviceProfile {
  const ecr = profile.interfaces.ecr;
  return { ...profile, interfaces: { ...profile.interfaces, ecr: { ...ecr, protocol: { ...ecr.protocol, terminalId } } } };
}

async function rawP50(endpoint: TcpEndpoint, frames: readonly Buffer[], firstFrame: number, warmup: number, iterations: number): Promise<{ p50: number | null; p99: number | null }> {
  const client = await RawClient.connect(endpoint);
  try {
    const histogram = new LatencyHistogram();
    const deadline = Date.now() + RAW_PASS_LIMIT_MS;
    let f = firstFrame;
    for (let i = 0; i < warmup + iterations && Date.now() < deadline; i++) {
      const t0 = nowNs();
      await client.transact(frames[f++ % frames.length]);
      if (i >= warmup) histogram.recordNs(nowNs() - t0);
    }
    const s = histogram.summary();
    return { p50: s.p50_ms, p99: s.p99_ms };
  } finally {
    await client.close();
  }
}

async function compare(ctx: BenchContext, processingMs: number, sizes: { rounds: number; warmup: number; iterations: number }): Promise<Medians> {
  const rounds = sizes.rounds;
  const profile = benchProfile(processingMs);
  return withEmulator(profile, async (endpoint) => {
    const attached = attachedProfile(profile, endpoint);
    const perRound = sizes.warmup + sizes.iterations;
    const frames = encodeRequestFrames(profile, toTransactionRequest(SALE), Math.min(rounds * perRound, 200_000), { terminalId: 'BENCHRAW' });
    // A discarded pass first: the emulator child JITs too, and whichever side ran first
    // would otherwise pay for it.
    const warmFrames = encodeRequestFrames(profile, toTransactionRequest(SALE), sizes.warmup + 1, { terminalId: 'BENCHWRM' });
    await rawP50(endpoint, warmFrames, 0, sizes.warmup, 1);
    const poshil: number[] = [];
    const poshil99: number[] = [];
    const raw: number[] = [];
    const raw99: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const passes = [
        async () => {
          const m = await rawP50(endpoint, frames, r * perRound, sizes.warmup, sizes.iterations);
          if (m.p50 === null) throw new Error('the raw client measured nothing');
          raw.push(m.p50);
          if (m.p99 !== null) raw99.push(m.p99);
        },
        async () => {
          // Each run opens its own connection and its STANs restart at 1: a terminal id per
          // round keeps them new to the emulator's journal, like the raw client's frames.
          const t = await runOneTest(withTerminalId(attached, `BENCHP${String(r).padStart(2, '0')}`), { id: `added-latency-${processingMs}ms`, kind: 'latency', params: { transaction: SALE, warmup: { iterations: sizes.warmup }, iterations: sizes.iterations } });
          const why = unusable(t);
          const p50 = measurement(t, 'p50_ms');
          if (why || p50 === null) throw new Error(why ?? 'the latency kind reported no p50_ms');
          if ((measurement(t, 'errors') ?? 0) > 0) throw new Error(`the latency kind saw ${measurement(t, 'errors')} errors`);
          poshil.push(p50);
          const p99 = measurement(t, 'p99_ms');
          if (p99 !== null) poshil99.push(p99);
        },
      ];
      for (const pass of r % 2 === 0 ? passes : [...passes].reverse()) await pass();
      ctx.log(`added-latency ${processingMs} ms round ${r + 1}/${rounds}: poshil p50 ${poshil[r]} ms, raw p50 ${raw[r]} ms`);
    }
    return {
      poshilP50Ms: median(poshil) ?? 0,
      rawP50Ms: median(raw) ?? 0,
      pairedDiffMs: pairedMedian(poshil, raw, (p, r) => p - r) ?? 0,
      pairedRatio: pairedMedian(poshil, raw, divide) ?? Infinity,
      poshilP99Ms: median(poshil99),
      rawP99Ms: median(raw99),
      rounds,
    };
  });
}

export const addedLatency: Benchmark = {
  name: 'added-latency',
  title: 'Latency poshil adds: p50 vs a raw client, device at 0 ms and at a fixed 5 ms',
  async run(ctx: BenchContext): Promise<BenchResult[]> {
    const size = SIZES[ctx.scale];
    const fast = await compare(ctx, 0, size.fast);
    const slow = await compare(ctx, 5, size.slow);

    const addedUs = fast.pairedDiffMs * 1000;
    const fastNotes = [
      `poshil − raw p50 = ${round(addedUs, 1)} µs (median of ${fast.rounds} round(s)' differences; each round ${size.fast.iterations} sales a side after ${size.fast.warmup} warm-up); p99 poshil ${fast.poshilP99Ms} ms, raw ${fast.rawP99Ms} ms`,
      'both figures from the same HDR histogram class (3 significant digits)',
    ];
    if (addedUs > MAX_ADDED_US) fastNotes.push(`MISSED by ${round(addedUs - MAX_ADDED_US, 1)} µs (${round(addedUs, 1)} µs vs ${MAX_ADDED_US} µs)`);

    const deviation = slow.pairedRatio - 1;
    const slowNotes = [
      `poshil p50 is ${round(deviation * 100, 2)} % ${deviation >= 0 ? 'above' : 'below'} raw's (${round(slow.pairedDiffMs * 1000, 1)} µs): median of ${slow.rounds} round(s)' ratios, each round ${size.slow.iterations} sales a side, the two passes back to back, order alternating; p99 poshil ${slow.poshilP99Ms} ms, raw ${slow.rawP99Ms} ms`,
      `medians of the rounds' p50s: poshil ${round(slow.poshilP50Ms, 4)} ms, raw ${round(slow.rawP50Ms, 4)} ms`,
      'the 5 ms is a setTimeout in the emulator, so both p50s sit a little above 5 ms',
    ];
    if (Math.abs(deviation) > MAX_SLOW_DEVIATION) slowNotes.push(`MISSED by ${round((Math.abs(deviation) - MAX_SLOW_DEVIATION) * 100, 2)} percentage points`);

    return [
      result({
        name: 'added latency p50 (0 ms device)',
        benchmark: 'added-latency',
        poshil: { value: round(fast.poshilP50Ms * 1000, 1), unit: 'µs' },
        baseline: { value: round(fast.rawP50Ms * 1000, 1), unit: 'µs' },
        target: `poshil − raw ≤ ${MAX_ADDED_US} µs`,
        met: addedUs <= MAX_ADDED_US,
        notes: fastNotes,
        details: { added_us: round(addedUs, 1), poshil_p99_ms: fast.poshilP99Ms, raw_p99_ms: fast.rawP99Ms },
      }),
      result({
        name: 'p50 with 5 ms device',
        benchmark: 'added-latency',
        poshil: { value: round(slow.poshilP50Ms, 4), unit: 'ms' },
        baseline: { value: round(slow.rawP50Ms, 4), unit: 'ms' },
        ratio: round(slow.pairedRatio, 4),
        target: `within ${MAX_SLOW_DEVIATION * 100} % of raw`,
        met: Math.abs(deviation) <= MAX_SLOW_DEVIATION,
        notes: slowNotes,
        details: { deviation_pct: round(deviation * 100, 3), poshil_p99_ms: slow.poshilP99Ms, raw_p99_ms: slow.rawP99Ms },
      }),
    ];
  },
};
