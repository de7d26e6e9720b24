import { driveOpenLoop, type DriveResult } from '../load/open-loop-driver';
import { parseDurationMs } from '../metrics/duration';
import { OpenLoopSchedule } from '../metrics/open-loop-schedule';
import type { Channel } from '../channel/channel';
import type { KindContext, KindOutcome, TestKind } from './kind';
import { stressMetrics, stressParamsSchema, type StressParams } from './stress-schema';
import { toTransactionRequest } from './transaction-spec';

/**
 * Open-loop stress: how many transactions per second the device sustains, and what latency
 * does as load rises. Latency counts from each arrival's intended send time; arrivals the
 * harness could not send in time are reported as dropped, never silently skipped.
 */
const DEFAULT_MAX_IN_FLIGHT = 8;

export const stressKind: TestKind<StressParams> = {
  name: 'stress',
  description: 'Open-loop load (constant, ramps, fixed count) with coordinated-omission-corrected percentiles, dropped arrivals, a per-second time series, and an optional capacity search.',
  paramsSchema: stressParamsSchema,
  metrics: stressMetrics,

  async run(ctx): Promise<KindOutcome> {
    const p = ctx.params;
    const channels = await ctx.channels(p.concurrency ?? 1);
    if (p.capacity) return capacitySearch(ctx, channels);
    const load = p.load as NonNullable<StressParams['load']>;
    const schedule = new OpenLoopSchedule(
      load.phases.map((ph) => ({ rate: ph.rate, to: ph.to, durationMs: parseDurationMs(ph.duration) })),
      load.count,
    );
    const result = await drive(ctx, channels, schedule);
    return {
      measurements: { ...figures(result), capacity_tps: null, broke_at_tps: null },
      notes: notes(result, ctx),
      details: details(result),
    };
  },
};

function drive(ctx: KindContext<StressParams>, channels: Channel[], schedule: OpenLoopSchedule, label = ''): Promise<DriveResult> {
  const p = ctx.params;
  const expected = schedule.expectedArrivals();
  return driveOpenLoop({
    schedule,
    channels,
    request: toTransactionRequest(p.transaction),
    maxInFlight: p.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT,
    timeoutMs: ctx.timeoutMs,
    dropAfterMs: p.dropAfter ? parseDurationMs(p.dropAfter) : ctx.timeoutMs,
    windowMs: p.window ? parseDurationMs(p.window) : 1000,
    signal: ctx.signal,
    onWindow: (row, totals) =>
      ctx.progress({ done: totals.arrivals, total: expected, message: `${label}${row.achieved_tps} tps, p99 ${row.p99_ms ?? '-'} ms, ${totals.errors} errors, ${totals.dropped} dropped` }),
  });
}

function figures(r: DriveResult): Record<string, number | null> {
  const s = r.latency.summary();
  const round = (v: number | null, d = 1) => (v === null ? null : Math.round(v * 10 ** d) / 10 ** d);
  return {
    count: r.arrivals,
    sent: r.sent,
    completed: r.completed,
    errors: r.errors,
    timeouts: r.timeouts,
    error_rate: r.sent === 0 ? null : round((r.errors / r.sent) * 100, 3),
    dropped: r.dropped,
    late_sends: r.lateSends,
    send_lag_p99_ms: r.sendLag.summary().p99_ms,
    offered_tps: round(r.offeredTps),
    achieved_tps: round(r.achievedTps),
    achieved_ratio: r.offeredTps && r.achievedTps !== null ? round((r.achievedTps / r.offeredTps) * 100, 2) : null,
    min_ms: s.min_ms,
    mean_ms: s.mean_ms,
    p50_ms: s.p50_ms,
    p90_ms: s.p90_ms,
    p99_ms: s.p99_ms,
    p999_ms: s.p999_ms,
    max_ms: s.max_ms,
  };
}

function notes(r: DriveResult, ctx: KindContext<StressParams>): string[] {
  const n: string[] = [];
  if (r.dropped > 0) n.push(`${r.dropped} arrivals were dropped: no free in-flight slot within ${ctx.params.dropAfter ?? `${ctx.timeoutMs}ms`} (raise maxInFlight or concurrency if the device can take more)`);
  if (r.lateSends > 0) n.push(`${r.lateSends} sends left more than 1 ms after their intended time (latency still counts from the intended time)`);
  if (r.lastError) n.push(`last error: ${r.lastError}`);
  if (ctx.signal.aborted) n.push(`interrupted after ${r.arrivals} arrivals`);
  return n;
}

function details(r: DriveResult): Record<string, unknown> {
  return {
    declined: r.declined,
    responseCodes: r.responseCodes,
    elapsedSeconds: Math.round(r.elapsedSeconds * 1000) / 1000,
    histogram: { unit: 'ns', encoding: 'HdrHistogram V2 compressed base64', value: r.latency.encode(), measuredFrom: 'intended send time' },
    timeSeries: r.windows,
  };
}

async function capacitySearch(ctx: KindContext<StressParams>, channels: Channel[]): Promise<KindOutcome> {
  const c = ctx.params.capacity as NonNullable<StressParams['capacity']>;
  const objective = { p99_ms: c.objective?.p99_ms, error_rate: c.objective?.error_rate ?? 1, min_achieved_ratio: c.objective?.min_achieved_ratio ?? 0.95 };
  const stepMs = parseDurationMs(c.stepDuration);
  const steps: { rate: number; figures: Record<string, number | null>; sustainable: boolean; broke?: string[] }[] = [];
  let best: { rate: number; result: DriveResult } | undefined;
  let brokeAt: number | null = null;
  let last: DriveResult | undefined;
  for (let rate = c.start; rate <= c.max && !ctx.signal.aborted; rate = c.factor ? rate * c.factor : rate + (c.step ?? c.start)) {
    const result = await drive(ctx, channels, new OpenLoopSchedule([{ rate, durationMs: stepMs }]), `step ${rate} tps: `);
    last = result;
    const f = figures(result);
    const broke: string[] = [];
    if (objective.p99_ms !== undefined && (f.p99_ms === null || f.p99_ms > objective.p99_ms)) broke.push(`p99_ms ${f.p99_ms} > ${objective.p99_ms}`);
    if ((f.error_rate ?? 100) > objective.error_rate) broke.push(`error_rate ${f.error_rate}% > ${objective.error_rate}%`);
    if (result.dropped > 0) broke.push(`${result.dropped} dropped`);
    const ratio = (f.achieved_ratio ?? 0) / 100;
    if (ratio < objective.min_achieved_ratio) broke.push(`achieved ${f.achieved_ratio}% of offered < ${objective.min_achieved_ratio * 100}%`);
    steps.push({ rate, figures: f, sustainable: broke.length === 0, ...(broke.length ? { broke } : {}) });
    if (broke.length) {
      brokeAt = rate;
      break;
    }
    best = { rate, result };
  }
  const shown = best?.result ?? last;
  const measurements = shown ? figures(shown) : {};
  return {
    measurements: { ...measurements, capacity_tps: best?.rate ?? null, broke_at_tps: brokeAt },
    notes: [
      best ? `highest sustainable rate ${best.rate} tps` : `no step met the objective (first step ${c.start} tps)`,
      brokeAt !== null ? `broke at ${brokeAt} tps: ${steps[steps.length - 1]?.broke?.join(', ')}` : `did not break up to ${c.max} tps`,
      'percentiles and rates shown are from the highest sustainable step',
    ],
    details: { objective, steps, ...(shown ? details(shown) : {}) },
  };
}
