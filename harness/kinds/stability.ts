import type { Channel } from '../channel/channel';
import { PoshilError } from '../errors';
import type { FaultSpec } from '../faults';
import { parseDurationMs } from '../metrics/duration';
import { LatencyHistogram } from '../metrics/latency-histogram';
import type { TransactionOutcome } from '../protocols/protocol';
import { resolveUnanswered, withReconnect } from '../channel/resilience';
import type { KindOutcome, TestKind } from './kind';
import { stabilityMetrics, stabilityParamsSchema, type RebootFault, type StabilityParams } from './stability-schema';
import { toTransactionRequest } from './transaction-spec';

/**
 * Stability: a steady stream of transactions for a duration or a count, with faults injected on
 * the link, judged the way a nightly run needs it judged:
 * - per window: throughput, p50/p99, errors, reconnects — and drift, the last window against
 *   the first (a device whose service time creeps up, or that hangs periodically, shows here);
 * - recovery time after each fault: from the fault's end to the next successful transaction;
 * - no transaction forgotten: an answer lost with the link is retransmitted once under the same
 *   STAN after reconnecting (the device must recognise the repeat), a timed-out one is reversed
 *   (ISO 8583 0400), and the outcome of each is recorded;
 * - reconciliation: the device's settlement totals (0500) before and after, against the
 *   harness's ledger: `lost` (approvals the ECR holds that the device does not), `duplicated`
 *   (sales the device booked twice), `unresolved` (outcome unknown).
 * Memory stays flat: counters, HDR histograms and one row per window.
 */
export interface StabilityWindow {
  /** End of the window, seconds since the start. */
  t_s: number;
  transactions: number;
  approved: number;
  errors: number;
  reconnects: number;
  tps: number;
  p50_ms: number | null;
  p99_ms: number | null;
  faults_active: number;
}


export const stabilityKind: TestKind<StabilityParams> = {
  name: 'stability',
  description: 'Steady load over time with injected faults: windowed throughput and percentiles, drift, recovery time, and reconciliation of every transaction against the device totals.',
  paramsSchema: stabilityParamsSchema,
  metrics: stabilityMetrics,
  defaultThresholds: { lost: { max: 0 }, duplicated: { max: 0 } },

  async run(ctx): Promise<KindOutcome> {
    const p = ctx.params;
    const linkFaults = (p.faults ?? []).filter((f): f is FaultSpec => f.type !== 'reboot');
    const reboots = (p.faults ?? []).filter((f): f is RebootFault => f.type === 'reboot');
    if (reboots.length > 0 && !ctx.rebootDevice) {
      throw new PoshilError('NO_REBOOT', 'a "reboot" fault needs an emulated terminal (poshil restarts its process); a real device has to be power-cycled by hand', { exitCode: 2 });
    }
    const link = linkFaults.length > 0 ? await ctx.channelWithFaults(linkFaults) : undefined;
    const channel = link?.channel ?? (await ctx.channel());
    const request = toTransactionRequest(p.transaction);
    const attempts = p.reconnectAttempts ?? 10;
    const windowMs = parseDurationMs(p.window ?? '10s');
    const durationMs = p.duration ? parseDurationMs(p.duration) : Infinity;
    const count = p.count ?? Infinity;
    const intervalMs = 1000 / p.rate;
    const warmup = p.warmup ?? 10;

    const retrying = <T>(what: () => Promise<T>) => withReconnect(what, { reconnectAttempts: attempts, signal: ctx.signal });
    const before = await settlementCount(channel, retrying, ctx.timeoutMs);

    const all = new LatencyHistogram();
    let win = new LatencyHistogram();
    const windows: StabilityWindow[] = [];
    const ledger = { transactions: 0, approved: 0, declined: 0, errors: 0, retransmitted: 0, reversals: 0, reversed: 0, notBooked: 0, unresolved: 0, notSent: 0 };
    let winStart = 0;
    let winCounts = { transactions: 0, approved: 0, errors: 0, reconnectsAt: channel.counters.reconnects };
    const recoveries = new Map<number, number>();
    /** The first unresolved transactions and why, for the report (bounded). */
    const unresolvedStans: { stan: string; why: string }[] = [];
    let lastSeenStan: string | undefined;
    let lastError: string | undefined;
    const t0 = performance.now();
    link?.start();
    // Reboots: the device restarts at its time; recorded like the link faults (start, end, recovery).
    const rebootRecords: { index: number; type: 'reboot'; description: string; startMs: number; endMs: number | null }[] = [];
    const rebootTimers = reboots.map((r, i) =>
      setTimeout(() => {
        const record = { index: linkFaults.length + i, type: 'reboot' as const, description: `reboot at ${r.at}`, startMs: performance.now() - t0, endMs: null as number | null };
        rebootRecords.push(record);
        ctx.log(`fault start: device reboot`);
        ctx.rebootDevice!().then(
          () => {
            record.endMs = performance.now() - t0;
            ctx.log(`fault end: device reboot (${Math.round(record.endMs - record.startMs)} ms)`);
          },
          (err: Error) => ctx.log(`device reboot failed: ${err.message}`),
        );
      }, parseDurationMs(r.at)),
    );
    const faultRecords = () => [...(link?.injected() ?? []), ...rebootRecords];

    const fullWindows: boolean[] = [];
    const closeWindow = (end: number, full = true) => {
      fullWindows.push(full);
      const s = win.summary();
      const reconnects = (channel.counters.reconnects) - winCounts.reconnectsAt;
      windows.push({
        t_s: round(end / 1000, 3),
        transactions: winCounts.transactions,
        approved: winCounts.approved,
        errors: winCounts.errors,
        reconnects,
        tps: round(winCounts.approved / ((end - winStart) / 1000), 1),
        p50_ms: s.p50_ms,
        p99_ms: s.p99_ms,
        faults_active: faultRecords().filter((f) => f.startMs < end && (f.endMs === null || f.endMs > winStart)).length,
      });
      ctx.checkpoint({ window: windows.at(-1), ledger: { ...ledger } });
      ctx.progress({ done: ledger.transactions, total: Number.isFinite(count) ? count : undefined, message: `${windows.at(-1)!.tps} tps, p99 ${s.p99_ms ?? '-'} ms, ${ledger.errors} errors, ${channel.counters.reconnects} reconnects, ${faultRecords().length} faults` });
      win = new LatencyHistogram();
      winStart = end;
      winCounts = { transactions: 0, approved: 0, errors: 0, reconnectsAt: channel.counters.reconnects };
    };

    for (let i = 0; i < count && !ctx.signal.aborted; i++) {
      const intended = i * intervalMs;
      if (intended >= durationMs) break;
      const wait = intended - (performance.now() - t0);
      if (wait > 0) await sleep(wait);
      while (performance.now() - t0 - winStart >= windowMs) closeWindow(winStart + windowMs);
      ledger.transactions++;
      winCounts.transactions++;
      const sentAt = performance.now();
      try {
        // A link that cannot be reopened yet sent nothing: wait for it (back-off), then send.
        const outcome = await withReconnect(() => channel.transact(request, { timeoutMs: ctx.timeoutMs, signal: ctx.signal }), { reconnectAttempts: attempts, signal: ctx.signal }, ['DEVICE_UNREACHABLE']);
        const ms = performance.now() - sentAt;
        if (i >= warmup) {
          all.recordNs(BigInt(Math.round(ms * 1e6)));
          win.recordNs(BigInt(Math.round(ms * 1e6)));
        }
        book(outcome);
        noteRecovery(performance.now() - t0);
        continue;
      } catch (err) {
        if (ctx.signal.aborted) break;
        ledger.errors++;
        winCounts.errors++;
        lastError = (err as Error).message;
        await resolve(err as PoshilError & { stan?: string });
      }
    }
    const elapsed = performance.now() - t0;
    // The last window counts as whole when it ran (nearly) its full length.
    if (elapsed - winStart > 0 && winCounts.transactions > 0) closeWindow(elapsed, elapsed - winStart >= windowMs * 0.9);
    link?.stop();
    for (const t of rebootTimers) clearTimeout(t);
    // A reboot still under way must finish before the totals are asked for.
    while (rebootRecords.some((r) => r.endMs === null) && performance.now() - t0 < elapsed + 30_000) await sleep(50);
    const after = await settlementCount(channel, retrying, ctx.timeoutMs);

    // Reconciliation against the device's totals (approved sales standing, i.e. not reversed).
    let lost: number | null = null;
    let duplicated: number | null = null;
    const notes: string[] = [];
    if (before !== undefined && after !== undefined) {
      const deviceSales = after - before;
      duplicated = Math.max(0, deviceSales - ledger.approved - ledger.unresolved);
      lost = Math.max(0, ledger.approved - deviceSales);
      notes.push(`reconciliation: device totals +${deviceSales} sales standing; ledger ${ledger.approved} approved (and ${ledger.reversed} reversed, ${ledger.unresolved} unresolved)`);
    } else {
      notes.push('no reconciliation: the device gave no settlement totals (0500/0510 with field 76)');
    }
    if (lastError) notes.push(`last error: ${lastError}`);

    // Drift is the device's own: whole windows (a short last one has too few samples) with no
    // fault in effect (an injected latency is not the device slowing down).
    const full = windows.filter((w, i) => fullWindows[i] && w.faults_active === 0);
    const first = full[0];
    const last = full.at(-1);
    const injected = faultRecords();
    const summary = all.summary();
    return {
      measurements: {
        transactions: ledger.transactions,
        approved: ledger.approved,
        errors: ledger.errors,
        error_rate: ledger.transactions ? round((ledger.errors / ledger.transactions) * 100, 3) : null,
        reconnects: channel.counters.reconnects,
        reversals: ledger.reversals,
        lost,
        duplicated,
        unresolved: ledger.unresolved,
        p50_ms: summary.p50_ms,
        p99_ms: summary.p99_ms,
        first_window_p99_ms: first?.p99_ms ?? null,
        last_window_p99_ms: last?.p99_ms ?? null,
        drift_p99_ratio: first?.p99_ms && last?.p99_ms && full.length > 1 ? round(last.p99_ms / first.p99_ms, 3) : null,
        drift_error_rate: first && last && full.length > 1 ? round(rate(last) - rate(first), 3) : null,
        faults: injected.length,
        max_recovery_ms: recoveries.size > 0 ? round(Math.max(...recoveries.values()), 1) : null,
      },
      notes,
      details: {
        ledger,
        unresolved: unresolvedStans,
        windows,
        faults: injected,
        recoveries: [...recoveries.entries()].map(([fault, ms]) => ({ fault, ms: round(ms, 1) })),
        elapsedSeconds: round(elapsed / 1000, 3),
        histogram: { unit: 'ns', encoding: 'HdrHistogram V2 compressed base64', value: all.encode() },
      },
    };

    function book(outcome: TransactionOutcome): void {
      if (outcome.stan !== undefined) lastSeenStan = outcome.stan;
      if (outcome.approved) {
        ledger.approved++;
        winCounts.approved++;
      } else ledger.declined++;
    }

    /** Fault ends this success is the first after: their recovery time. */
    function noteRecovery(at: number): void {
      for (const f of faultRecords()) {
        if (f.endMs === null || recoveries.has(f.index) || f.endMs > at) continue;
        recoveries.set(f.index, at - f.endMs);
      }
    }

    /** A transaction left without an answer: retransmit after a lost link, else reverse. */
    /** A transaction left without an answer: retransmitted, reversed or, failing both, unresolved. */
    async function resolve(err: PoshilError & { stan?: string }): Promise<void> {
      if (err.code === 'LINK_CLOSED' && err.stan) ledger.retransmitted++;
      if (err.stan && err.code !== 'DEVICE_UNREACHABLE') ledger.reversals++;
      const r = await resolveUnanswered(channel, request, err, { reconnectAttempts: attempts, timeoutMs: ctx.timeoutMs, signal: ctx.signal, lastSeenStan });
      switch (r.kind) {
        case 'answered':
          // The repeat got its answer: no reversal was needed after all.
          if (err.stan) ledger.reversals--;
          book(r.outcome);
          noteRecovery(performance.now() - t0);
          return;
        case 'reversed':
          ledger.reversed++;
          return;
        case 'not-booked':
          ledger.notBooked++;
          return;
        case 'not-sent':
          ledger.notSent++;
          return;
        case 'unresolved':
          ledger.unresolved++;
          if (unresolvedStans.length < 20) unresolvedStans.push({ stan: err.stan ?? '?', why: r.why });
      }
    }
  },
};

/** Approved sales standing on the device (0500 → 0510 field 76), or undefined when it gives none. */
async function settlementCount(channel: Channel, retrying: <T>(what: () => Promise<T>) => Promise<T>, timeoutMs: number): Promise<number | undefined> {
  try {
    const outcome = await retrying(() => channel.transact({ type: 'settlement' }, { timeoutMs }));
    return outcome.totals?.count;
  } catch {
    return undefined;
  }
}

function rate(w: StabilityWindow): number {
  return w.transactions ? (w.errors / w.transactions) * 100 : 0;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
