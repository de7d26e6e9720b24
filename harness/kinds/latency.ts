import { Bench } from 'tinybench';
import { PoshilError } from '../errors';
import { parseDurationMs } from '../metrics/duration';
import { LatencyHistogram } from '../metrics/latency-histogram';
import { wireTimeSeconds } from '../transports/transport';
import type { KindOutcome, TestKind } from './kind';
import { latencyMetrics, latencyParamsSchema, type LatencyParams } from './latency-schema';
import type { TransactTiming } from '../protocols/protocol';
import { toTransactionRequest } from './transaction-spec';

/**
 * Closed-loop latency: one transaction in flight at a time, send to response. tinybench drives
 * warm-up, iteration count and duration; every sample goes into an HDR histogram in ns, which
 * gives the percentiles. Errors are counted, not thrown: a device that times out once must
 * still get its percentiles reported, and its error rate judged by thresholds.
 */
const DEFAULT_ITERATIONS = 100;
const DEFAULT_WARMUP_ITERATIONS = 5;
/** Consecutive failures that mean the device is gone rather than slow. */
const GIVE_UP_AFTER = 20;

export const latencyKind: TestKind<LatencyParams> = {
  name: 'latency',
  description: 'Closed-loop response time of one transaction type (tinybench), with percentiles and the wire-time floor.',
  paramsSchema: latencyParamsSchema,
  metrics: latencyMetrics,

  async run(ctx): Promise<KindOutcome> {
    const p = ctx.params;
    const channel = await ctx.channel();
    const request = toTransactionRequest(p.transaction);
    const histogram = new LatencyHistogram();
    const durationMs = p.duration ? parseDurationMs(p.duration) : 0;
    const iterations = p.iterations ?? (durationMs > 0 ? 1 : DEFAULT_ITERATIONS);
    const warmupIterations = p.warmup?.iterations ?? DEFAULT_WARMUP_ITERATIONS;
    const warmupMs = p.warmup?.duration ? parseDurationMs(p.warmup.duration) : 0;

    let measuring = false;
    let count = 0;
    let errors = 0;
    let timeouts = 0;
    let declined = 0;
    let consecutiveFailures = 0;
    let lastError: Error | undefined;
    const responseCodes: Record<string, number> = {};

    const timing: TransactTiming = {};
    const once = async () => {
      const t0 = process.hrtime.bigint();
      timing.wireMs = undefined;
      try {
        const outcome = await channel.transact(request, { timeoutMs: ctx.timeoutMs, signal: ctx.signal, timing });
        const elapsed = process.hrtime.bigint() - t0;
        consecutiveFailures = 0;
        if (!measuring) return;
        count++;
        // The device's time on the wire where the protocol measures it (ISO 8583), else the
        // whole call: the harness's own encoding is not the device's latency.
        histogram.recordNs(timing.wireMs !== undefined ? Math.round(timing.wireMs * 1e6) : elapsed);
        responseCodes[outcome.responseCode] = (responseCodes[outcome.responseCode] ?? 0) + 1;
        if (!outcome.approved && request.type !== 'echo') declined++;
      } catch (err) {
        // A cancelled run is not the device's error.
        if (ctx.signal.aborted) return;
        lastError = err as Error;
        consecutiveFailures++;
        if (measuring) {
          count++;
          errors++;
          if ((err as PoshilError).code === 'RESPONSE_TIMEOUT') timeouts++;
        }
        if (consecutiveFailures >= GIVE_UP_AFTER || (err as PoshilError).code === 'DEVICE_UNREACHABLE') {
          throw new PoshilError('DEVICE_GONE', `${channel.endpoint}: ${consecutiveFailures} transactions in a row failed; last error: ${lastError.message}`, { cause: err, exitCode: 1 });
        }
      }
      if (measuring) ctx.progress({ done: count, total: durationMs > 0 ? undefined : iterations });
    };

    const bench = new Bench({
      time: durationMs,
      iterations,
      warmupTime: warmupMs,
      warmupIterations,
      signal: ctx.signal,
      throws: true,
    });
    bench.add(`${request.type} on ${channel.role}`, once);

    await bench.warmup();
    const before = { ...channel.counters };
    measuring = true;
    const started = process.hrtime.bigint();
    await bench.run();
    const elapsedS = Number(process.hrtime.bigint() - started) / 1e9;
    measuring = false;

    const summary = histogram.summary();
    const ok = count - errors;
    const measurements: Record<string, number | null> = {
      ...summary,
      count,
      errors,
      timeouts,
      error_rate: count === 0 ? null : round((errors / count) * 100, 3),
      tps: elapsedS > 0 ? round(ok / elapsedS, 1) : null,
      wire_floor_ms: null,
      floor_ratio: null,
    };

    const notes: string[] = [];
    const rate = channel.lineRate;
    const bytesPerTx = ok > 0 ? (channel.counters.bytesOut - before.bytesOut + channel.counters.bytesIn - before.bytesIn) / count : 0;
    if (rate && bytesPerTx > 0) {
      const floorMs = wireTimeSeconds(bytesPerTx, rate) * 1000;
      measurements.wire_floor_ms = round(floorMs, 3);
      measurements.floor_ratio = summary.p50_ms === null ? null : round(summary.p50_ms / floorMs, 2);
      notes.push(`wire floor ${floorMs.toFixed(3)} ms for ${bytesPerTx.toFixed(0)} bytes at ${rate.bitsPerSecond} bit/s (${rate.bitsPerCharacter} bits per character)`);
    } else {
      notes.push(`no wire-time floor: ${channel.endpoint} has no fixed line rate`);
    }
    if (errors > 0 && lastError) notes.push(`last error: ${lastError.message}`);
    if (ctx.signal.aborted) notes.push(`interrupted after ${count} measured transactions`);

    const task = bench.tasks[0];
    return {
      measurements,
      notes,
      details: {
        transaction: request.type,
        declined,
        responseCodes,
        bytesPerTransaction: Math.round(bytesPerTx),
        elapsedSeconds: round(elapsedS, 3),
        histogram: { unit: 'ns', encoding: 'HdrHistogram V2 compressed base64', value: histogram.encode() },
        tinybench: task?.result ? { samples: task.result.samples.length, hz: round(task.result.hz, 2), rme: round(task.result.rme, 2) } : undefined,
      },
    };
  },
};

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
