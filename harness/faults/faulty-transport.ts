import { performance } from 'node:perf_hooks';
import { DeviceUnreachableError, LinkClosedError } from '../errors';
import { TransportListeners } from '../transports/listeners';
import type { DataListener, DisconnectListener, LineRate, Transport } from '../transports/transport';
import type { FaultController, RunningFault } from './controller';
import { FaultInjectedError } from './fault-injected-error';
import { formatMs, formatSeconds } from './fault-spec';
import { geometricGap } from './random';

export interface FaultyTransportOptions {
  /** Bytes a direction may hold back (bandwidth backlog, stall, latency); beyond it bytes are dropped and counted. Default 1 MiB. */
  maxQueueBytes?: number;
}

export const DEFAULT_MAX_QUEUE_BYTES = 1024 * 1024;

/** Bandwidth pacing delivers pieces of this much line time. */
const PACING_PIECE_MS = 10;

/**
 * Fault injection between a transport and its framer. It wraps any Transport and keeps the
 * Transport contract, so the framer, link and session above cannot tell; the faults and their
 * timing come from a FaultController.
 *
 * Per chunk and direction (out = our writes, in = the inner transport's data), the faults in
 * effect act in schedule order: first what changes the bytes (drop, byteDrop, bitFlip), then
 * what delays them (latency, slice, bandwidth) into a per-direction queue delivered in order;
 * a stall holds the queue. Without any fault in effect and nothing queued, chunks pass through
 * untouched in the same call. disconnect and reset close the inner transport and report a
 * disconnect caused by a FaultInjectedError.
 *
 * Queued bytes are discarded when the link goes down (a cut loses what was on the wire) and on
 * close(), which also clears every timer of this transport. The controller's own timer is
 * unref'd and cleared by controller.stop(); close() does not stop the schedule, since the
 * layers above may reopen the link (after a disconnect) within the same test.
 */
export class FaultyTransport implements Transport {
  readonly type: string;
  readonly endpoint: string;
  readonly lineRate?: LineRate;
  private open_ = false;
  private readonly listeners = new TransportListeners();
  private readonly out: DirectionQueue;
  private readonly in: DirectionQueue;
  private closing: Promise<void> | undefined;
  /** Why the link is down, when a fault took it down: the cause writes reject with. */
  private cutCause: FaultInjectedError | undefined;

  constructor(
    readonly inner: Transport,
    readonly controller: FaultController,
    options: FaultyTransportOptions = {},
  ) {
    this.type = inner.type;
    this.endpoint = inner.endpoint;
    this.lineRate = inner.lineRate;
    const maxQueueBytes = options.maxQueueBytes ?? DEFAULT_MAX_QUEUE_BYTES;
    this.out = new DirectionQueue('out', controller, maxQueueBytes, (piece) => {
      // A failed delayed write surfaces as the inner link's disconnect, like a failed socket write.
      if (this.inner.isOpen) this.inner.write(piece).catch(() => undefined);
    });
    this.in = new DirectionQueue('in', controller, maxQueueBytes, (piece) => {
      if (this.open_) this.listeners.emitData(piece);
    });
    inner.onData((chunk) => {
      this.controller.sync(); // a disconnect due now takes the link down before this chunk
      if (!this.open_) return;
      this.in.push(chunk);
    });
    inner.onDisconnect((cause) => {
      if (!this.open_) return;
      this.goDown();
      this.listeners.emitDisconnect(cause);
    });
    controller.subscribe({
      begin: (fault) => {
        if (fault.spec.type === 'disconnect' || fault.spec.type === 'reset') this.cut(fault);
      },
      end: () => {
        this.out.pump();
        this.in.pump();
      },
    });
  }

  get isOpen(): boolean {
    return this.open_ && this.inner.isOpen;
  }

  async open(): Promise<void> {
    if (this.isOpen) return;
    this.controller.start();
    this.refuseDuringDisconnect();
    if (this.closing) await this.closing;
    await this.inner.open();
    // A disconnect may have begun while the inner link was connecting.
    try {
      this.refuseDuringDisconnect();
    } catch (err) {
      await this.inner.close().catch(() => undefined);
      throw err;
    }
    this.cutCause = undefined;
    this.open_ = true;
    this.listeners.rearm();
  }

  async write(data: Buffer): Promise<void> {
    this.controller.sync(); // a disconnect due now takes the link down before this write
    if (!this.isOpen) {
      throw new LinkClosedError(`cannot send to ${this.endpoint}: ${this.cutCause ? this.cutCause.message : 'the link is closed'}`, { cause: this.cutCause });
    }
    if (this.out.passesThrough()) return this.inner.write(data);
    this.out.push(Buffer.from(data));
  }

  async close(): Promise<void> {
    this.goDown();
    const closing = this.inner.close().catch(() => undefined);
    this.closing = closing;
    await closing;
    if (this.closing === closing) this.closing = undefined;
  }

  onData(listener: DataListener): () => void {
    return this.listeners.onData(listener);
  }

  onDisconnect(listener: DisconnectListener): () => void {
    return this.listeners.onDisconnect(listener);
  }

  /** Bytes held back per direction now (for tests and diagnostics). */
  get queuedBytes(): { in: number; out: number } {
    return { in: this.in.bytes, out: this.out.bytes };
  }

  /** Bytes dropped per direction because the delay queue was full (also counted on the fault records). */
  get overflowedBytes(): { in: number; out: number } {
    return { in: this.in.overflowed, out: this.out.overflowed };
  }

  private refuseDuringDisconnect(): void {
    const fault = this.controller.runningDisconnect();
    if (!fault) return;
    fault.record.counts.opensRefused++;
    const cause = new FaultInjectedError(cutMessage(fault));
    const left = fault.endMs === undefined ? 'until the end of the fault schedule' : `for another ${formatMs(Math.max(0, Math.ceil(fault.endMs - this.controller.elapsedMs())))} ms`;
    throw new DeviceUnreachableError(`could not connect to ${this.endpoint}: ${cause.message}; reconnecting is refused ${left}`, { cause });
  }

  private cut(fault: RunningFault): void {
    if (!this.open_) return;
    const cause = new FaultInjectedError(cutMessage(fault));
    fault.record.counts.linksCut++;
    this.goDown();
    this.cutCause = cause;
    const closing = this.inner.close().catch(() => undefined);
    this.closing = closing;
    void closing.then(() => {
      if (this.closing === closing) this.closing = undefined;
    });
    this.listeners.emitDisconnect(cause);
  }

  private goDown(): void {
    this.open_ = false;
    this.out.clear();
    this.in.clear();
  }
}

function cutMessage(fault: RunningFault): string {
  const at = `at ${formatSeconds(fault.startMs)}`;
  if (fault.spec.type === 'reset') return `link reset by an injected fault (reset ${at})`;
  const span = fault.endMs === undefined ? 'until the end of the fault schedule' : `for ${formatMs(fault.endMs - fault.startMs)} ms`;
  return `link cut by an injected fault (disconnect ${span} ${at})`;
}

interface Piece {
  data: Buffer;
  /** performance.now() from which it may be delivered. */
  releaseAt: number;
}

/**
 * One direction's faults: transforms a chunk, then delivers its pieces in order at their
 * release times. The queue is bounded in bytes; one timer at a time, cleared by clear().
 */
class DirectionQueue {
  private queue: Piece[] = [];
  private head = 0;
  bytes = 0;
  /** Bytes dropped because the queue was full, ever. */
  overflowed = 0;
  private lastReleaseAt = 0;
  /** Bandwidth pacing: when the line is free for the next byte. */
  private lineFreeAt = 0;
  private timer: NodeJS.Timeout | undefined;
  /** Bumped by clear(), so a delivery loop notices the queue it walks was discarded. */
  private generation = 0;

  constructor(
    private readonly dir: 'in' | 'out',
    private readonly controller: FaultController,
    private readonly maxBytes: number,
    private readonly deliver: (piece: Buffer) => void,
  ) {}

  /** Nothing in effect and nothing queued: a chunk may go straight through. */
  passesThrough(): boolean {
    return this.head >= this.queue.length && this.controller.runningFor(this.dir).length === 0;
  }

  push(chunk: Buffer): void {
    const generation = this.generation;
    const faults = this.controller.runningFor(this.dir);
    if (this.generation !== generation) return; // a fault that began just now took the link down
    if (faults.length === 0 && this.head >= this.queue.length) {
      this.deliver(chunk);
      return;
    }
    const random = this.controller.random;
    const now = performance.now();
    let data = chunk;
    let copied = false;
    const writable = (): Buffer => {
      if (!copied) {
        data = Buffer.from(data);
        copied = true;
      }
      return data;
    };
    let delayMs = 0;
    let pieceBytes = Number.POSITIVE_INFINITY;
    let gapMs = 0;
    let bytesPerSecond = Number.POSITIVE_INFINITY;
    let holdUntil = now;
    const delaying: RunningFault[] = [];

    for (const fault of faults) {
      const spec = fault.spec;
      const counts = fault.record.counts;
      counts.chunks++;
      counts.bytes += data.length;
      if (data.length === 0) continue;
      const picked = (): boolean => {
        const p = 'probability' in spec ? spec.probability : undefined;
        return p === undefined || p >= 1 || random() < p;
      };
      switch (spec.type) {
        case 'drop':
          if (picked()) {
            counts.chunksDropped++;
            counts.bytesDropped += data.length;
            data = data.subarray(0, 0);
          }
          break;
        case 'byteDrop':
          if (picked()) {
            const kept = dropBytes(data, fault, spec.rate, random);
            if (kept !== data) copied = true; // a new buffer: later faults may write to it
            counts.bytesDropped += data.length - kept.length;
            data = kept;
          }
          break;
        case 'bitFlip':
          if (picked()) counts.bitsFlipped += flipBits(writable, data.length * 8, fault, spec.rate, random);
          break;
        case 'latency':
          if (picked()) {
            const jitter = spec.jitterMs ? (random() * 2 - 1) * spec.jitterMs : 0;
            delayMs += Math.max(0, spec.ms + jitter);
            delaying.push(fault);
          }
          break;
        case 'slice':
          if (picked() && data.length > spec.maxBytes) {
            pieceBytes = Math.min(pieceBytes, spec.maxBytes);
            gapMs = Math.max(gapMs, spec.gapMs ?? 0);
            delaying.push(fault);
          }
          break;
        case 'bandwidth':
          bytesPerSecond = Math.min(bytesPerSecond, spec.bytesPerSecond);
          delaying.push(fault);
          break;
        case 'stall':
          // Held until the stall ends; pump() will not deliver while one is in effect.
          if (fault.endMs !== undefined) holdUntil = Math.max(holdUntil, this.controller.toClock(fault.endMs));
          delaying.push(fault);
          break;
        case 'disconnect':
        case 'reset':
          break;
      }
    }
    if (data.length === 0) return;

    if (bytesPerSecond !== Number.POSITIVE_INFINITY) {
      pieceBytes = Math.min(pieceBytes, Math.max(1, Math.floor((bytesPerSecond * PACING_PIECE_MS) / 1000)));
    }
    let t = now + delayMs;
    // Paced bytes wait for the stall to end before they start to cross the line; otherwise a
    // stall only holds the queue (pump), so stop() releases held bytes at once.
    if (bytesPerSecond !== Number.POSITIVE_INFINITY) t = Math.max(t, holdUntil);
    let pieces = 0;
    let overflowed = 0;
    for (let offset = 0; offset < data.length; offset += pieceBytes) {
      const piece = data.subarray(offset, Math.min(data.length, offset + pieceBytes));
      if (this.bytes + piece.length > this.maxBytes) {
        overflowed = data.length - offset; // the queue is full: the rest of the chunk is lost
        break;
      }
      if (pieces > 0) t += gapMs;
      if (bytesPerSecond !== Number.POSITIVE_INFINITY) {
        // The piece is delivered once its last byte has crossed the paced line.
        this.lineFreeAt = Math.max(t, this.lineFreeAt) + (piece.length * 1000) / bytesPerSecond;
        t = this.lineFreeAt;
      }
      const releaseAt = Math.max(t, this.lastReleaseAt);
      this.lastReleaseAt = releaseAt;
      this.queue.push({ data: piece, releaseAt });
      this.bytes += piece.length;
      pieces++;
    }
    for (const fault of delaying) {
      const counts = fault.record.counts;
      if (pieces > 0) counts.chunksDelayed++;
      if (fault.spec.type === 'slice' || fault.spec.type === 'bandwidth') counts.pieces += pieces;
    }
    if (overflowed > 0) {
      // Charged to the fault that holds bytes back the longest: bandwidth, then stall, then the rest.
      const rank = (f: RunningFault) => ['bandwidth', 'stall', 'latency', 'slice'].indexOf(f.spec.type);
      // With no fault in effect (a window ended and its backlog still drains) only the total counts.
      const blamed = [...faults].filter((f) => rank(f) >= 0).sort((a, b) => rank(a) - rank(b))[0] ?? faults[0];
      if (blamed) blamed.record.counts.bytesOverflowed += overflowed;
      this.overflowed += overflowed;
    }
    this.pump();
  }

  /** Delivers every piece that is due, unless a stall holds this direction; arms the timer for the next. */
  pump(): void {
    this.clearTimer();
    if (this.head >= this.queue.length) return;
    if (this.controller.runningFor(this.dir).some((f) => f.spec.type === 'stall')) return; // the stall's end pumps again
    const generation = this.generation;
    while (this.head < this.queue.length) {
      const next = this.queue[this.head];
      const now = performance.now();
      if (next.releaseAt > now) {
        this.timer = setTimeout(() => {
          this.timer = undefined;
          this.pump();
        }, Math.max(1, Math.ceil(next.releaseAt - now)));
        return;
      }
      this.queue[this.head++] = undefined as unknown as Piece;
      this.bytes -= next.data.length;
      if (this.head > 1024 && this.head * 2 > this.queue.length) {
        this.queue = this.queue.slice(this.head);
        this.head = 0;
      }
      this.deliver(next.data);
      if (this.generation !== generation) return; // the listener closed the link
    }
    this.queue = [];
    this.head = 0;
  }

  /** Discards what is queued and clears the timer. */
  clear(): void {
    this.generation++;
    this.clearTimer();
    this.queue = [];
    this.head = 0;
    this.bytes = 0;
    this.lastReleaseAt = 0;
    this.lineFreeAt = 0;
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/** Drops each byte with probability `rate`; the gap to the next dropped byte carries over chunks. */
function dropBytes(data: Buffer, fault: RunningFault, rate: number, random: () => number): Buffer {
  let next = fault.gap ?? geometricGap(random, rate);
  if (next >= data.length) {
    fault.gap = next - data.length;
    return data;
  }
  const kept = Buffer.allocUnsafe(data.length);
  let n = 0;
  let from = 0;
  while (next < data.length) {
    n += data.copy(kept, n, from, next);
    from = next + 1;
    next = from + geometricGap(random, rate);
  }
  n += data.copy(kept, n, from, data.length);
  fault.gap = next - data.length;
  return kept.subarray(0, n);
}

/** Inverts each bit with probability `rate`, in a copy; returns how many. */
function flipBits(writable: () => Buffer, bits: number, fault: RunningFault, rate: number, random: () => number): number {
  let next = fault.gap ?? geometricGap(random, rate);
  let flipped = 0;
  while (next < bits) {
    const buf = writable();
    buf[next >> 3] ^= 0x80 >> (next & 7);
    flipped++;
    next += 1 + geometricGap(random, rate);
  }
  fault.gap = next - bits;
  return flipped;
}
