import fs from 'node:fs';
import { maskedViews } from '../masking/pan';
import { TraceLines } from './trace-lines';
import type { SecretSink } from '../protocols/protocol';

/**
 * Records every byte crossing a channel with an ns timestamp and direction, masked before it
 * is written anywhere.
 *
 * Off the hot path: recording only stamps and copies the chunk. Masking, formatting and
 * writing happen in batches (16 chunks, or what there is after 5 ms) run with setImmediate,
 * which Node runs after the current I/O callbacks and their promise continuations — so after a
 * closed loop has already sent its next request, not between an answer and the next send.
 * Work before the send lengthens every transaction by its full cost; after it, much less
 * (bench/README.md: on two cores the device's process often shares the harness's core, so it
 * is not free either).
 *
 * Masking waits until the protocol layer has seen the bytes: a chunk that ends inside a frame
 * is held while the link is mid-frame (settled(true)), because the PAN in that frame is only
 * registered when the rest arrives and the frame is decoded; the frame's chunks are then
 * masked as one piece, so a PAN split between them is found whole.
 *
 * Memory stays bounded: with a file, entries are appended as NDJSON and dropped, and excerpts
 * (since a mark, the latest entries) are read back from the file; without one only the most
 * recent `keep` entries are held. A file-backed recorder holds no window of chunks: in a long
 * run every chunk it kept for a thousand more would outlive the young generation and be
 * promoted, making work for the old generation's collector on every transaction.
 */
export type WireDirection = 'out' | 'in' | 'event';

export interface WireEntry {
  /** ns since the recorder started */
  t_ns: number;
  dir: WireDirection;
  hex?: string;
  ascii?: string;
  bytes?: number;
  note?: string;
}

export interface WireRecorderOptions {
  file?: string;
  keep?: number;
  /**
   * Byte chunks written to the file at most; past it only a count is kept, so a
   * million-transaction soak does not fill the disk. Events are always written.
   */
  maxChunks?: number;
}

const DEFAULT_MAX_CHUNKS = 200_000;
/**
 * Entries are masked in batches of this many (a few transactions' worth): the masking code and
 * its data are cold after the device's process had the CPU, and one warm-up per batch costs
 * far less than one per chunk.
 */
const STEP_BATCH = 16;
/** At most this many per step, so one step stays short. */
const STEP_ENTRIES = 64;
/** A batch that does not fill (a slow run) is masked after this long. */
const BATCH_WAIT_MS = 5;
/**
 * Formatted lines are written in batches of about this many bytes… Large, because handing a
 * write to libuv's thread pool costs the main thread far more than the call: on the development
 * VM about 24 µs for 32 KB and 47 µs for 256 KB (the woken worker shares the vCPU at first). For
 * a closed loop's ≈ 900 bytes of trace per transaction that is 0.65 µs against 0.16 µs.
 */
const WRITE_BATCH_BYTES = 256 * 1024;
/** …or after this long, so a trace is never far behind a slow run. */
const WRITE_AFTER_MS = 50;
/** At most this much of the file is read back for an excerpt (since a mark, the latest entries). */
const READ_BACK_BYTES = 8 * 1024 * 1024;
/** A chunk held for an unfinished frame is masked anyway after this long (the frame is not coming). */
const MAX_HOLD_MS = 1000;

interface Recent {
  t_ns: number;
  dir: WireDirection;
  data?: Buffer;
  note?: string;
  /** An incoming chunk that continues a frame begun in an earlier chunk. */
  cont?: boolean;
  /** Masked views, once worked out (for a frame in several chunks, all its chunks at once). */
  views?: { hex: string; ascii: string };
}

type Views = { hex: string; ascii: string };

export class WireRecorder implements SecretSink {
  /** performance.now() at creation: a double, so stamping a chunk allocates nothing (unlike hrtime.bigint). */
  private readonly start = performance.now();
  private readonly pans = new Set<string>();
  /** Recorded, not yet masked: ring of entries from `head`. */
  private pending: Recent[] = [];
  private head = 0;
  /** Index in `pending` of the first chunk of a frame still arriving, if any. */
  private heldFrom: number | undefined;
  /** The link's state after the latest incoming chunk: inside a frame. */
  private midFrame = false;
  private stepQueued = false;
  private holdTimer: NodeJS.Timeout | undefined;
  private batchTimer: NodeJS.Timeout | undefined;
  /** Without a file: the latest entries, unmasked until since()/entries() asks. */
  private readonly recent: Recent[] = [];
  /** With a file: where in it this recorder's lines begin, and where marked entries' lines begin. */
  private fileStart = 0;
  private readonly markedAt = new Map<number, number>();
  /** Marks whose entry is not written yet, in order. */
  private marksDue: number[] = [];
  /** Entries moved out of `pending` so far (numbering for mark/since). */
  private sequence = 0;
  private readonly keep: number;
  private fd: number | undefined;
  /** Masked lines waiting for one write. */
  private lines: TraceLines | undefined;
  private writeTimer: NodeJS.Timeout | undefined;
  private readonly maxChunks: number;
  private chunks = 0;
  /** Chunks seen past the limit and not recorded. */
  omitted = 0;
  private readonly taps = new Set<(dir: 'out' | 'in', data: Buffer) => void>();

  constructor(options: WireRecorderOptions = {}) {
    this.keep = options.keep ?? 1000;
    this.maxChunks = options.maxChunks ?? DEFAULT_MAX_CHUNKS;
    if (options.file) {
      this.lines = new TraceLines(options.file);
      this.fd = this.lines.fd;
      this.fileStart = this.lines.start;
    }
  }

  addPan(pan: string): void {
    this.pans.add(pan);
  }

  /**
   * Every chunk as it crosses the wire, before masking and whatever the trace limit: for checks
   * that must see the clear bytes (the PAN-leak scan). Returns the unsubscribe function.
   */
  tap(listener: (dir: 'out' | 'in', data: Buffer) => void): () => void {
    this.taps.add(listener);
    return () => this.taps.delete(listener);
  }

  /**
   * `owned`: the caller hands over a buffer nobody will change or reuse (a frame the link just
   * encoded), so it is kept as it is instead of copied.
   */
  record(dir: 'out' | 'in', data: Buffer, owned = false): void {
    for (const t of this.taps) t(dir, data);
    if (this.chunks >= this.maxChunks) {
      if (this.omitted++ === 0) this.event(`trace limit of ${this.maxChunks} chunks reached: further bytes are counted, not recorded`);
      return;
    }
    this.chunks++;
    // Otherwise a copy: transports may reuse their buffers, and callers of sendRaw theirs.
    const entry: Recent = { t_ns: this.now(), dir, data: owned ? data : Buffer.from(data) };
    if (dir === 'in' && this.midFrame) entry.cont = true;
    this.push(entry);
  }

  event(note: string): void {
    this.push({ t_ns: this.now(), dir: 'event', note });
  }

  /**
   * The link's framing state after the latest incoming chunk: true while a frame is only partly
   * received. Chunks from the start of that frame are not masked until it is complete.
   */
  settled(midFrame: boolean): void {
    this.midFrame = midFrame;
    if (!midFrame) {
      if (this.heldFrom === undefined) return;
      this.heldFrom = undefined;
      this.queueStep();
      return;
    }
    if (this.heldFrom !== undefined) return;
    // The frame began in the latest incoming chunk (or earlier, if it was held before).
    for (let i = this.pending.length - 1; i >= this.head; i--) {
      if (this.pending[i]!.dir === 'in') {
        this.heldFrom = i;
        return;
      }
    }
  }

  /** A position in the trace, for since(). */
  mark(): number {
    const mark = this.sequence + this.pending.length - this.head;
    if (this.lines && this.marksDue.at(-1) !== mark) this.marksDue.push(mark);
    return mark;
  }

  /**
   * Masked entries recorded since a mark: up to `keep` of them from the file, or as far as the
   * in-memory window reaches.
   */
  since(mark: number): WireEntry[] {
    this.flush();
    if (this.lines) return this.readBack(mark >= this.sequence ? this.lines.position : (this.markedAt.get(mark) ?? this.fileStart)).slice(0, this.keep);
    this.trimRecent(this.keep);
    const first = this.sequence - this.recent.length;
    const from = Math.max(0, mark - first);
    return this.recent.slice(from).map((r, i) => this.masked(r, this.recent, from + i));
  }

  /** The most recent masked entries, up to `keep` (flushes first). */
  entries(): WireEntry[] {
    this.flush();
    if (this.lines) return this.readBack(this.fileStart).slice(-this.keep);
    this.trimRecent(this.keep);
    return this.recent.map((r, i) => this.masked(r, this.recent, i));
  }

  /** This recorder's lines in its file from a byte offset on (at most READ_BACK_BYTES of them). */
  private readBack(from: number): WireEntry[] {
    const end = this.lines!.position;
    if (from >= end) return [];
    const length = Math.min(end - from, READ_BACK_BYTES);
    const bytes = Buffer.allocUnsafe(length);
    let got = 0;
    while (got < length) {
      const n = fs.readSync(this.fd!, bytes, got, length - got, from + got);
      if (n === 0) break;
      got += n;
    }
    const text = bytes.toString('utf8', 0, got);
    // A cut at READ_BACK_BYTES leaves a partial last line: drop it.
    const lines = text.split('\n');
    lines.pop();
    return lines.map((l) => JSON.parse(l) as WireEntry);
  }

  /** Masks and writes everything recorded so far, held chunks included. */
  flush(): void {
    this.heldFrom = undefined;
    this.drain(Number.MAX_SAFE_INTEGER);
    this.writeLines();
  }

  close(): void {
    if (this.omitted > 0 && this.fd !== undefined) this.event(`${this.omitted} chunks were not recorded (trace limit)`);
    this.flush();
    if (this.writeTimer) clearTimeout(this.writeTimer);
    if (this.holdTimer) clearTimeout(this.holdTimer);
    if (this.batchTimer) clearTimeout(this.batchTimer);
    this.batchTimer = undefined;
    this.writeTimer = undefined;
    this.holdTimer = undefined;
    this.lines?.close();
    this.fd = undefined;
    this.lines = undefined;
  }

  private now(): number {
    return Math.round((performance.now() - this.start) * 1e6);
  }

  private push(entry: Recent): void {
    this.pending.push(entry);
    if ((this.heldFrom ?? this.pending.length) - this.head >= STEP_BATCH) this.queueStep();
    else if (!this.batchTimer) {
      this.batchTimer = setTimeout(this.batchDue, BATCH_WAIT_MS);
      this.batchTimer.unref();
    }
  }

  private readonly batchDue = (): void => {
    this.batchTimer = undefined;
    this.queueStep();
  };

  private queueStep(): void {
    if (this.stepQueued) return;
    this.stepQueued = true;
    setImmediate(this.step);
  }

  private readonly step = (): void => {
    this.stepQueued = false;
    // A frame that never completes (the device stopped mid-answer) does not hold the trace forever.
    const held = this.heldFrom === undefined ? undefined : this.pending[this.heldFrom];
    if (held && this.now() - held.t_ns > MAX_HOLD_MS * 1e6) this.heldFrom = undefined;
    this.drain(STEP_ENTRIES);
    const waiting = this.lines?.pending ?? 0;
    if (waiting >= WRITE_BATCH_BYTES) this.lines!.write();
    else if (waiting > 0 && !this.writeTimer) {
      this.writeTimer = setTimeout(() => {
        this.writeTimer = undefined;
        this.lines?.write();
      }, WRITE_AFTER_MS);
      this.writeTimer.unref();
    }
    if ((this.heldFrom ?? this.pending.length) - this.head >= STEP_BATCH) this.queueStep();
    else if ((this.heldFrom ?? this.pending.length) > this.head && !this.batchTimer) {
      this.batchTimer = setTimeout(this.batchDue, BATCH_WAIT_MS);
      this.batchTimer.unref();
    } else if (this.heldFrom !== undefined && !this.holdTimer) {
      // Held for a frame still arriving: look again when the hold would run out.
      this.holdTimer = setTimeout(() => {
        this.holdTimer = undefined;
        this.queueStep();
      }, MAX_HOLD_MS + 10);
      this.holdTimer.unref();
    }
  };

  /** Moves up to `max` entries (not past a held frame) from pending to the window and the file. */
  private drain(max: number): void {
    const stop = Math.min(this.heldFrom ?? this.pending.length, this.head + max);
    for (; this.head < stop; this.head++) {
      const e = this.pending[this.head]!;
      if (!this.lines) this.recent.push(e);
      else if (this.marksDue.length > 0 && this.marksDue[0] === this.sequence) this.markedAt.set(this.marksDue.shift()!, this.lines.position);
      this.sequence++;
      if (this.lines) {
        // Masked and formatted here only for the file; the in-memory window is masked when asked for.
        if (e.data && this.maskedAlone(this.pending, this.head)) this.lines.chunk(e.t_ns, e.dir as 'out' | 'in', e.data, this.pans);
        else this.lines.text(this.line(e, this.pending, this.head));
      }
    }
    if (this.recent.length > this.keep + 256) this.trimRecent(this.keep);
    if (this.head === this.pending.length) {
      this.pending = [];
      this.head = 0;
    } else if (this.head > 1024 && this.heldFrom === undefined) {
      this.pending = this.pending.slice(this.head);
      this.head = 0;
    }
  }

  private trimRecent(keep: number): void {
    if (this.recent.length > keep) this.recent.splice(0, this.recent.length - keep);
  }

  private writeLines(): void {
    this.lines?.flush();
  }

  /** The NDJSON line of an entry: JSON.stringify(this.masked(r)), built directly (one per chunk of a run). */
  private line(r: Recent, list: Recent[], index: number): string {
    if (!r.data) return JSON.stringify(this.masked(r, list, index));
    const views = this.viewsAt(list, index);
    // Hex is [0-9A-F*] only; the ASCII view may hold quotes and backslashes, so it is escaped.
    return `{"t_ns":${r.t_ns},"dir":"${r.dir}","bytes":${r.data.length},"hex":"${views.hex}","ascii":${JSON.stringify(views.ascii)}}`;
  }

  /**
   * The masked views of list[index]. A frame that came in several chunks is masked as one piece
   * and the result cut back into its chunks: a PAN split across two TCP segments or serial
   * reads is found whole, where chunk by chunk each half would show (first 9 digits in one
   * line, the rest in the next).
   */
  private viewsAt(list: Recent[], index: number): Views {
    const e = list[index]!;
    if (e.views) return e.views;
    const data = e.data!;
    if (this.maskedAlone(list, index)) return maskedViews(data, this.pans);
    // The frame's chunks: back to the first, forward to the last still in this list.
    let first = index;
    while (list[first]!.cont) {
      let k = first - 1;
      while (k >= 0 && list[k]!.dir !== 'in') k--;
      if (k < 0) break;
      first = k;
    }
    const members = [first];
    for (let k = nextIn(list, first); k >= 0 && list[k]!.cont; k = nextIn(list, k)) members.push(k);
    const whole = maskedViews(Buffer.concat(members.map((m) => list[m]!.data!)), this.pans);
    let offset = 0;
    for (const m of members) {
      const n = list[m]!.data!.length;
      list[m]!.views = { hex: whole.hex.slice(2 * offset, 2 * (offset + n)), ascii: whole.ascii.slice(offset, offset + n) };
      offset += n;
    }
    return e.views ?? maskedViews(data, this.pans);
  }

  /** list[index] is a whole frame, or outgoing: masked by itself, not as part of a frame in several chunks. */
  private maskedAlone(list: Recent[], index: number): boolean {
    const e = list[index]!;
    if (e.views) return false;
    if (e.dir !== 'in') return true;
    const next = nextIn(list, index);
    return !e.cont && (next < 0 || !list[next]!.cont);
  }

  private masked(r: Recent, list: Recent[], index: number): WireEntry {
    const entry: WireEntry = { t_ns: r.t_ns, dir: r.dir };
    if (r.data) {
      const views = this.viewsAt(list, index);
      entry.bytes = r.data.length;
      entry.hex = views.hex;
      entry.ascii = views.ascii;
    }
    if (r.note !== undefined) entry.note = r.note;
    return entry;
  }
}

/** Index of the next incoming chunk after `from`, or -1. */
function nextIn(list: Recent[], from: number): number {
  for (let k = from + 1; k < list.length; k++) if (list[k]!.dir === 'in') return k;
  return -1;
}
