import { performance } from 'node:perf_hooks';
import { checkFaultSpec, describeFault, faultDirection, faultTimes, formatMs, formatSeconds, type FaultDirection, type FaultSpec, type FaultTimes, type FaultType } from './fault-spec';
import { mulberry32, type Random } from './random';

/** What one fault window did. Every count is kept for every type; most stay 0. */
export interface FaultCounts {
  /** Chunks that passed in the fault's direction(s) while it was in effect. */
  chunks: number;
  /** Bytes in those chunks. */
  bytes: number;
  /** Chunks held back (latency, bandwidth, slice gaps, stall). */
  chunksDelayed: number;
  /** Whole chunks dropped (drop). */
  chunksDropped: number;
  /** Bytes dropped by drop and byteDrop. */
  bytesDropped: number;
  /** Bits inverted (bitFlip). */
  bitsFlipped: number;
  /** Pieces delivered by slice and bandwidth for the chunks they split. */
  pieces: number;
  /** Bytes dropped because the delay queue was full (bandwidth, stall, latency backlogs). */
  bytesOverflowed: number;
  /** Open links closed (disconnect, reset). */
  linksCut: number;
  /** open() calls refused while a disconnect lasted. */
  opensRefused: number;
}

/** One fault window that actually began: when, which way and what it did. JSON-able. */
export interface FaultRecord {
  /** Position of the fault in the schedule. */
  index: number;
  type: FaultType;
  direction: FaultDirection;
  /** "bitFlip rate 0.0001 out". */
  description: string;
  /** ms after the schedule started. */
  startMs: number;
  /** ms after the schedule started; null while still in effect. */
  endMs: number | null;
  counts: FaultCounts;
}

/** A fault in its window, as schedule data (see FaultController.active). */
export interface ActiveFault {
  index: number;
  spec: FaultSpec;
  direction: FaultDirection;
  startMs: number;
  /** Undefined: lasts until the schedule stops. */
  endMs: number | undefined;
}

/** A window in effect, with its live record: what FaultyTransport works from. */
export interface RunningFault extends ActiveFault {
  readonly record: FaultRecord;
  /** bitFlip / byteDrop: bits or bytes still to pass before the next one is hit (carried across chunks). */
  gap?: number;
}

export interface FaultListener {
  begin?(fault: RunningFault): void;
  end?(fault: RunningFault): void;
}

export interface FaultControllerOptions {
  /** PRNG seed: the same seed and the same traffic give the same faults. Default: random (see `seed`). */
  seed?: number;
  /** Each fault start and end in words, for the wire trace ("fault start: bitFlip rate 0.0001 out"). */
  onEvent?: (note: string) => void;
}

type State = 'pending' | 'running' | 'done';

function zeroCounts(): FaultCounts {
  return { chunks: 0, bytes: 0, chunksDelayed: 0, chunksDropped: 0, bytesDropped: 0, bitsFlipped: 0, pieces: 0, bytesOverflowed: 0, linksCut: 0, opensRefused: 0 };
}

const COUNT_WORDS: [keyof FaultCounts, string][] = [
  ['linksCut', 'link cut'],
  ['opensRefused', 'reopen refused'],
  ['chunksDropped', 'chunks dropped'],
  ['bytesDropped', 'bytes dropped'],
  ['bitsFlipped', 'bits flipped'],
  ['chunksDelayed', 'chunks delayed'],
  ['pieces', 'pieces'],
  ['bytesOverflowed', 'bytes over the queue limit dropped'],
];

/**
 * Owns a fault schedule's clock. `start()` begins the timeline (FaultyTransport starts it at
 * its first open() if nobody did); windows begin and end on time (one unref'd timer for the
 * next boundary, and every chunk re-checks the clock, so a window is exact to the chunk even
 * when the timer is late); `stop()` ends every window and clears the timer. One controller can
 * serve several transports (every connection of an interface): they share clock, PRNG and records.
 */
export class FaultController {
  readonly schedule: readonly FaultSpec[];
  readonly seed: number;
  readonly random: Random;
  private readonly times: FaultTimes[];
  private readonly states: State[];
  private readonly running_: RunningFault[] = [];
  private readonly records: FaultRecord[] = [];
  private readonly listeners = new Set<FaultListener>();
  private readonly onEvent: ((note: string) => void) | undefined;
  private startedAt: number | undefined;
  private stoppedAtMs: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private syncing = false;

  constructor(schedule: readonly FaultSpec[], options: FaultControllerOptions = {}) {
    schedule.forEach((spec, i) => checkFaultSpec(spec, i));
    this.schedule = schedule.map((s) => ({ ...s }));
    this.times = this.schedule.map(faultTimes);
    this.states = this.schedule.map(() => 'pending');
    this.seed = (options.seed ?? Math.floor(Math.random() * 2 ** 32)) >>> 0;
    this.random = mulberry32(this.seed);
    this.onEvent = options.onEvent;
  }

  get started(): boolean {
    return this.startedAt !== undefined;
  }

  get stopped(): boolean {
    return this.stoppedAtMs !== undefined;
  }

  /** Begins the timeline (idempotent; a stopped schedule stays stopped). */
  start(): void {
    if (this.startedAt !== undefined) return;
    this.startedAt = performance.now();
    this.sync();
  }

  /** Ends every window in effect now, and clears the timer. Idempotent. */
  stop(): void {
    if (this.startedAt === undefined || this.stoppedAtMs !== undefined) return;
    this.sync();
    const now = this.elapsedMs();
    this.stoppedAtMs = now;
    this.clearTimer();
    for (const fault of [...this.running_]) this.end(fault, now);
  }

  /** ms since start() (0 before; frozen at stop()). */
  elapsedMs(): number {
    if (this.startedAt === undefined) return 0;
    if (this.stoppedAtMs !== undefined) return this.stoppedAtMs;
    return performance.now() - this.startedAt;
  }

  /** performance.now() of a moment on the schedule clock. */
  toClock(scheduleMs: number): number {
    return (this.startedAt ?? performance.now()) + scheduleMs;
  }

  /**
   * The faults whose window contains `now` (ms on the schedule clock; default the present), as
   * the schedule says: a reset counts only at its very instant.
   */
  active(now: number = this.elapsedMs()): ActiveFault[] {
    if (this.startedAt === undefined) return [];
    if (this.stoppedAtMs !== undefined && now >= this.stoppedAtMs) return [];
    const out: ActiveFault[] = [];
    this.schedule.forEach((spec, index) => {
      const { startMs, endMs } = this.times[index];
      const inside = spec.type === 'reset' ? now === startMs : now >= startMs && (endMs === undefined || now < endMs);
      if (inside) out.push({ index, spec, direction: faultDirection(spec), startMs, endMs });
    });
    return out;
  }

  /** Windows in effect now that act on bytes going `dir`, in schedule order. */
  runningFor(dir: 'in' | 'out'): RunningFault[] {
    this.sync();
    return this.running_.filter((f) => f.spec.type !== 'disconnect' && f.spec.type !== 'reset' && (f.direction === 'both' || f.direction === dir));
  }

  /** The disconnect window in effect now, if any (reopening is refused during it). */
  runningDisconnect(): RunningFault | undefined {
    this.sync();
    return this.running_.find((f) => f.spec.type === 'disconnect');
  }

  /** Every fault window that began, with what it did (copies). */
  injected(): FaultRecord[] {
    return this.records.map((r) => ({ ...r, counts: { ...r.counts } }));
  }

  subscribe(listener: FaultListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A note for the wire trace. */
  note(text: string): void {
    this.onEvent?.(text);
  }

  /** Begins and ends every window whose boundary has passed, in time order. */
  sync(): void {
    if (this.startedAt === undefined || this.stoppedAtMs !== undefined || this.syncing) return;
    this.syncing = true;
    try {
      const now = this.elapsedMs();
      const due: { at: number; index: number; begin: boolean }[] = [];
      this.states.forEach((state, index) => {
        const { startMs, endMs } = this.times[index];
        if (state === 'pending' && startMs <= now) due.push({ at: startMs, index, begin: true });
        if (state !== 'done' && endMs !== undefined && endMs <= now) due.push({ at: endMs, index, begin: false });
      });
      due.sort((a, b) => a.at - b.at); // stable: a reset's begin stays before its end
      for (const d of due) {
        if (d.begin) this.begin(d.index);
        else {
          const fault = this.running_.find((f) => f.index === d.index);
          if (fault) this.end(fault, d.at);
        }
      }
    } finally {
      this.syncing = false;
    }
    this.arm();
  }

  private begin(index: number): void {
    const spec = this.schedule[index];
    const { startMs, endMs } = this.times[index];
    const direction = faultDirection(spec);
    const description = describeFault(spec);
    const record: FaultRecord = { index, type: spec.type, direction, description, startMs, endMs: null, counts: zeroCounts() };
    const fault: RunningFault = { index, spec, direction, startMs, endMs, record };
    this.states[index] = 'running';
    this.records.push(record);
    this.running_.push(fault);
    this.running_.sort((a, b) => a.index - b.index);
    this.note(`fault start: ${description} at ${formatSeconds(startMs)}`);
    for (const l of [...this.listeners]) l.begin?.(fault);
  }

  private end(fault: RunningFault, atMs: number): void {
    const i = this.running_.indexOf(fault);
    if (i < 0) return;
    this.running_.splice(i, 1);
    this.states[fault.index] = 'done';
    fault.record.endMs = atMs;
    const c = fault.record.counts;
    const did = COUNT_WORDS.filter(([k]) => c[k] > 0).map(([k, words]) => `${c[k]} ${words}`);
    if (did.length > 0 && c.chunks > 0) did.push(`of ${c.chunks} chunks`);
    const dir = fault.spec.type === 'disconnect' || fault.spec.type === 'reset' ? '' : ` ${fault.direction}`;
    const span = fault.spec.type === 'reset' ? '' : ` (${formatMs(atMs - fault.startMs)} ms${did.length ? `; ${did.join(', ')}` : ''})`;
    const resetDid = fault.spec.type === 'reset' && did.length ? ` (${did.join(', ')})` : '';
    this.note(`fault end: ${fault.spec.type}${dir}${span}${resetDid}`);
    for (const l of [...this.listeners]) l.end?.(fault);
  }

  private arm(): void {
    this.clearTimer();
    if (this.startedAt === undefined || this.stoppedAtMs !== undefined) return;
    const now = this.elapsedMs();
    let next = Number.POSITIVE_INFINITY;
    this.states.forEach((state, index) => {
      const { startMs, endMs } = this.times[index];
      if (state === 'pending') next = Math.min(next, startMs);
      else if (state === 'running' && endMs !== undefined) next = Math.min(next, endMs);
    });
    if (next === Number.POSITIVE_INFINITY) return;
    // Timers may fire a fraction of a ms early on the performance clock: sync() then finds
    // nothing due and arms again.
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.sync();
    }, Math.max(1, Math.ceil(next - now)));
    this.timer.unref();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
