import { getKind } from '../harness/kinds/registry';
import { toTransactionRequest } from '../harness/kinds/transaction-spec';
import { SALE, attachedProfile, benchProfile, measurement, runOneTest, unusable, withEmulator } from './device';
import { encodeRequestFrames, runRawOpenLoop, type RawOpenLoopResult } from './raw-client';
import { result, round, type BenchContext, type BenchResult, type Benchmark } from './results';

/**
 * Open loop: 5,000 sales/s offered for 20 s to the emulated terminal answering at once.
 *   poshil:   the `stress` kind through runSuite — { transaction, load: { phases: [{ rate,
 *             duration }] }, concurrency, maxInFlight } — reporting offered_tps, achieved_tps,
 *             dropped, p50_ms, p99_ms (latency from the intended send time).
 *   baseline: runRawOpenLoop, the same schedule and the same rules (connections, in-flight
 *             slots per connection, backlog, dropAfter = the transaction timeout) with raw
 *             clients and pre-encoded frames.
 * Both against one emulator process, raw first. Target: poshil achieves ≥ 99 % of offered.
 */
const SIZES = {
  full: { rate: 5000, durationS: 20 },
  tiny: { rate: 500, durationS: 0.4 },
} as const;

export const CONCURRENCY = 4;
export const MAX_IN_FLIGHT = 32;
export const MIN_ACHIEVED = 0.99;
const TIMEOUT_MS = 2000;

const ms = (v: number | null) => (v === null ? null : round(v, 3));

export const openLoop: Benchmark = {
  name: 'open-loop',
  title: 'Open loop: 5,000 tps offered for 20 s (stress kind) vs raw clients',
  async run(ctx: BenchContext): Promise<BenchResult[]> {
    const size = SIZES[ctx.scale];
    const name = `open-loop ${size.rate} tps × ${size.durationS} s`;
    const target = `achieved ≥ ${MIN_ACHIEVED * 100} % of offered`;
    const profile = benchProfile(0);
    return withEmulator(profile, async (endpoint) => {
      const frames = encodeRequestFrames(profile, toTransactionRequest(SALE), Math.min(Math.ceil(size.rate * size.durationS), 200_000), { terminalId: 'BENCHRAW' });
      const raw: RawOpenLoopResult = await runRawOpenLoop({
        endpoint,
        frames,
        rate: size.rate,
        durationMs: size.durationS * 1000,
        connections: CONCURRENCY,
        maxInFlight: MAX_IN_FLIGHT,
        dropAfterMs: TIMEOUT_MS,
      });
      ctx.log(`open-loop raw: achieved ${raw.achieved_tps.toFixed(0)} of ${raw.offered_tps.toFixed(0)} tps, ${raw.dropped} dropped, p50 ${ms(raw.p50_ms)} ms, p99 ${ms(raw.p99_ms)} ms`);
      const rawNote = `raw: achieved ${round(raw.achieved_tps, 1)} of ${round(raw.offered_tps, 1)} tps offered, sent ${raw.sent}, completed ${raw.completed}, dropped ${raw.dropped}, failed ${raw.failed}, p50 ${ms(raw.p50_ms)} ms, p99 ${ms(raw.p99_ms)} ms`;
      const baseline = { value: round(raw.achieved_tps, 1), unit: 'tps' };

      if (!getKind('stress')) {
        return [
          result({
            name,
            benchmark: 'open-loop',
            poshil: { value: null, unit: 'tps' },
            baseline,
            target,
            met: false,
            status: 'not-run',
            notes: ["not run: the 'stress' kind is not in harness/kinds/registry.ts yet", rawNote],
          }),
        ];
      }
      const params = {
        transaction: SALE,
        load: { phases: [{ rate: size.rate, duration: `${size.durationS * 1000}ms` }] },
        concurrency: CONCURRENCY,
        maxInFlight: MAX_IN_FLIGHT,
      };
      const t = await runOneTest(attachedProfile(profile, endpoint), { id: 'open-loop', kind: 'stress', params }, TIMEOUT_MS);
      const why = unusable(t);
      const achieved = measurement(t, 'achieved_tps');
      const offered = measurement(t, 'offered_tps');
      if (why || achieved === null || offered === null) {
        return [
          result({
            name,
            benchmark: 'open-loop',
            poshil: { value: achieved, unit: 'tps' },
            baseline,
            target,
            met: false,
            status: why ? 'not-run' : 'measured',
            notes: [why ?? 'the stress kind reported no achieved_tps / offered_tps', rawNote],
          }),
        ];
      }
      const fraction = achieved / offered;
      const dropped = measurement(t, 'dropped');
      const notes = [
        `poshil: achieved ${achieved} of ${offered} tps offered (${round(fraction * 100, 2)} %), count ${measurement(t, 'count')}, sent ${measurement(t, 'sent')}, completed ${measurement(t, 'completed')}, dropped ${dropped}, errors ${measurement(t, 'errors')}, late sends ${measurement(t, 'late_sends')}, send lag p99 ${measurement(t, 'send_lag_p99_ms')} ms, p50 ${measurement(t, 'p50_ms')} ms, p99 ${measurement(t, 'p99_ms')} ms`,
        rawNote,
        `concurrency ${CONCURRENCY} connections × maxInFlight ${MAX_IN_FLIGHT}; emulator processing time 0 ms; ratio = poshil achieved ÷ raw achieved`,
        ...(t.notes ?? []).map((n) => `stress kind: ${n}`),
      ];
      if (fraction < MIN_ACHIEVED) notes.push(`MISSED by ${round((MIN_ACHIEVED - fraction) * 100, 2)} percentage points`);
      return [
        result({
          name,
          benchmark: 'open-loop',
          poshil: { value: achieved, unit: 'tps' },
          baseline,
          target,
          met: fraction >= MIN_ACHIEVED,
          notes,
          details: {
            offered_tps: offered,
            achieved_fraction: round(fraction, 4),
            dropped,
            p50_ms: measurement(t, 'p50_ms'),
            p99_ms: measurement(t, 'p99_ms'),
            raw_dropped: raw.dropped,
            raw_p50_ms: ms(raw.p50_ms),
            raw_p99_ms: ms(raw.p99_ms),
          },
        }),
      ];
    });
  },
};
