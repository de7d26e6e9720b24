import type { Channel } from '../channel/channel';
import type { PoshilError } from '../errors';
import { LatencyHistogram } from '../metrics/latency-histogram';
import type { OpenLoopSchedule } from '../metrics/open-loop-schedule';
import type { TransactionRequest } from '../protocols/protocol';

/**
 * Drives an open-loop schedule through a set of channels. Each arrival is sent at its intended
 * time if its channel has a free in-flight slot; otherwise it waits in that channel's backlog
 * and its latency still counts from the intended time, so a stalled device shows as a stall
 * (coordinated omission corrected, as wrk2 measures). An arrival that waited longer than
 * `dropAfterMs` is not sent at all and is counted as dropped: the harness could not offer it.
 *
 * Memory is flat: HDR histograms for latencies, counters, and one row per time window.
 */
export interface DriveOptions {
  schedule: OpenLoopSchedule;
  channels: Channel[];
  request: TransactionRequest;
  maxInFlight: number;
  timeoutMs: number;
  dropAfterMs: number;
  windowMs: number;
  signal: AbortSignal;
  /** A send later than this after its intended time counts as late. */
  lateAfterMs?: number;
  onWindow?: (row: WindowRow, totals: { arrivals: number; completed: number; errors: number; dropped: number }) => void;
}

export interface WindowRow {
  /** End of the window, seconds since the start. */
  t_s: number;
  offered: number;
  sent: number;
  completed: number;
  errors: number;
  dropped: number;
  achieved_tps: number;
  p50_ms: number | null;
  p99_ms: number | null;
  max_ms: number | null;
  in_flight: number;
  backlog: number;
}

export interface DriveResult {
  arrivals: number;
  sent: number;
  /** Successful responses (approved or declined: the device answered). */
  completed: number;
  declined: number;
  errors: number;
  timeouts: number;
  dropped: number;
  lateSends: number;
  latency: LatencyHistogram;
  sendLag: LatencyHistogram;
  windows: WindowRow[];
  offeredTps: number | null;
  achievedTps: number | null;
  elapsedSeconds: number;
  lastError?: string;
  responseCodes: Record<string, number>;
}

/** FIFO of intended times with O(1) push and shift and no per-item allocation beyond a number. */
class Backlog {
  private items: number[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(v: number): void {
    this.items.push(v);
  }

  shift(): number | undefined {
    if (this.head >= this.items.length) return undefined;
    const v = this.items[this.head++];
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return v;
  }

  clear(): number {
    const n = this.length;
    this.items = [];
    this.head = 0;
    return n;
  }
}

export function driveOpenLoop(o: DriveOptions): Promise<DriveResult> {
  const lateAfterNs = (o.lateAfterMs ?? 1) * 1e6;
  const dropAfterNs = o.dropAfterMs * 1e6;
  const start = Number(process.hrtime.bigint());
  const now = () => Number(process.hrtime.bigint()) - start; // ns since start
  const latency = new LatencyHistogram();
  const sendLag = new LatencyHistogram();
  const windowLatency = new LatencyHistogram();
  const lanes = o.channels.map((channel) => ({ channel, inFlight: 0, backlog: new Backlog() }));
  const r: DriveResult = {
    arrivals: 0,
    sent: 0,
    completed: 0,
    declined: 0,
    errors: 0,
    timeouts: 0,
    dropped: 0,
    lateSends: 0,
    latency,
    sendLag,
    windows: [],
    offeredTps: null,
    achievedTps: null,
    elapsedSeconds: 0,
    responseCodes: {},
  };
  let win = { offered: 0, sent: 0, completed: 0, errors: 0, dropped: 0 };
  let firstIntended: number | undefined;
  let lastIntended = 0;
  let lastCompletion = 0;
  let next = o.schedule.next();
  let rr = 0;
  let timer: NodeJS.Timeout | undefined;
  let finished = false;

  return new Promise<DriveResult>((resolve) => {
    const closeWindow = () => {
      const t = now();
      const s = windowLatency.summary();
      const row: WindowRow = {
        t_s: Math.round(t / 1e6) / 1e3,
        ...win,
        achieved_tps: Math.round((win.completed / (o.windowMs / 1000)) * 10) / 10,
        p50_ms: s.p50_ms,
        p99_ms: s.p99_ms,
        max_ms: s.max_ms,
        in_flight: lanes.reduce((n, l) => n + l.inFlight, 0),
        backlog: lanes.reduce((n, l) => n + l.backlog.length, 0),
      };
      r.windows.push(row);
      o.onWindow?.(row, { arrivals: r.arrivals, completed: r.completed, errors: r.errors, dropped: r.dropped });
      win = { offered: 0, sent: 0, completed: 0, errors: 0, dropped: 0 };
      windowLatency.reset();
    };
    const windowTimer = setInterval(closeWindow, o.windowMs);

    const finishIfDone = () => {
      if (finished) return;
      const idle = lanes.every((l) => l.inFlight === 0 && l.backlog.length === 0);
      if (next !== undefined || !idle) return;
      finished = true;
      clearInterval(windowTimer);
      if (timer) clearTimeout(timer);
      if (win.offered + win.sent + win.completed + win.errors + win.dropped > 0) closeWindow();
      const end = lastCompletion || now();
      r.elapsedSeconds = end / 1e9;
      if (r.arrivals > 1 && firstIntended !== undefined && lastIntended > firstIntended) {
        r.offeredTps = ((r.arrivals - 1) / (lastIntended - firstIntended)) * 1e9;
      }
      r.achievedTps = end > 0 ? r.completed / (end / 1e9) : null;
      o.signal.removeEventListener('abort', onAbort);
      resolve(r);
    };

    const send = (lane: (typeof lanes)[number], intended: number) => {
      const lag = now() - intended;
      sendLag.recordNs(Math.max(lag, 0));
      if (lag > lateAfterNs) r.lateSends++;
      lane.inFlight++;
      r.sent++;
      win.sent++;
      lane.channel.transact(o.request, { timeoutMs: o.timeoutMs, signal: o.signal }).then(
        (outcome) => {
          const t = now();
          lastCompletion = t;
          latency.recordNs(t - intended);
          windowLatency.recordNs(t - intended);
          r.completed++;
          win.completed++;
          r.responseCodes[outcome.responseCode] = (r.responseCodes[outcome.responseCode] ?? 0) + 1;
          if (!outcome.approved && o.request.type !== 'echo') r.declined++;
        },
        (err: PoshilError) => {
          if (o.signal.aborted) return;
          r.errors++;
          win.errors++;
          if (err.code === 'RESPONSE_TIMEOUT') r.timeouts++;
          r.lastError = err.message;
        },
      ).finally(() => {
        lane.inFlight--;
        drain(lane);
        finishIfDone();
      });
    };

    const drain = (lane: (typeof lanes)[number]) => {
      while (lane.inFlight < o.maxInFlight && lane.backlog.length > 0) {
        const intended = lane.backlog.shift() as number;
        if (now() - intended > dropAfterNs) {
          r.dropped++;
          win.dropped++;
          continue;
        }
        send(lane, intended);
      }
    };

    const pump = () => {
      timer = undefined;
      if (finished) return;
      const t = now();
      while (next !== undefined && next <= t) {
        const intended = next;
        firstIntended ??= intended;
        lastIntended = intended;
        r.arrivals++;
        win.offered++;
        const lane = lanes[rr++ % lanes.length] as (typeof lanes)[number];
        if (lane.inFlight < o.maxInFlight && lane.backlog.length === 0) send(lane, intended);
        else lane.backlog.push(intended);
        next = o.schedule.next();
      }
      if (next === undefined) {
        finishIfDone();
        return;
      }
      const waitMs = (next - now()) / 1e6;
      // Timers have ~1 ms granularity; under a millisecond, yield to I/O and check again.
      if (waitMs >= 1) timer = setTimeout(pump, Math.floor(waitMs));
      else setImmediate(pump);
    };

    const onAbort = () => {
      next = undefined;
      for (const lane of lanes) {
        const n = lane.backlog.clear();
        r.dropped += n;
        win.dropped += n;
      }
      finishIfDone();
    };
    o.signal.addEventListener('abort', onAbort, { once: true });
    pump();
  });
}
