import fs from 'node:fs';
import { maskedViews } from '../masking/pan';
import type { SecretSink } from '../protocols/protocol';

/**
 * Records every byte crossing a channel with an ns timestamp and direction, masked before it
 * is written anywhere. Entries wait (at least one turn of the event loop) before masking, so a
 * PAN the protocol layer decodes from the very chunk being recorded is known by then.
 *
 * Memory stays bounded: with a file, entries are appended as NDJSON and dropped; without one
 * only the most recent `keep` entries are held (for tests and error evidence).
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
const FLUSH_MS = 50;

interface Recent {
  t_ns: number;
  dir: WireDirection;
  data?: Buffer;
  note?: string;
}

interface Pending {
  t: bigint;
  dir: WireDirection;
  data?: Buffer;
  note?: string;
}

export class WireRecorder implements SecretSink {
  private readonly start = process.hrtime.bigint();
  private readonly pans = new Set<string>();
  private pending: Pending[] = [];
  private scheduled = false;
  /** The latest entries, unmasked until since()/entries() asks (rare: conformance evidence). */
  private readonly recent: Recent[] = [];
  /** Entries flushed so far (numbering for mark/since). */
  private sequence = 0;
  private readonly keep: number;
  private fd: number | undefined;
  private readonly maxChunks: number;
  private chunks = 0;
  /** Chunks seen past the limit and not recorded. */
  omitted = 0;
  private readonly taps = new Set<(dir: 'out' | 'in', data: Buffer) => void>();

  constructor(options: WireRecorderOptions = {}) {
    this.keep = options.keep ?? 2000;
    this.maxChunks = options.maxChunks ?? DEFAULT_MAX_CHUNKS;
    if (options.file) this.fd = fs.openSync(options.file, 'a');
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

  record(dir: 'out' | 'in', data: Buffer): void {
    for (const t of this.taps) t(dir, data);
    if (this.chunks >= this.maxChunks) {
      if (this.omitted++ === 0) this.event(`trace limit of ${this.maxChunks} chunks reached: further bytes are counted, not recorded`);
      return;
    }
    this.chunks++;
    this.push({ t: process.hrtime.bigint(), dir, data: Buffer.from(data) });
  }

  event(note: string): void {
    this.push({ t: process.hrtime.bigint(), dir: 'event', note });
  }

  /** A position in the trace, for since(). */
  mark(): number {
    return this.sequence + this.pending.length;
  }

  /** Masked entries recorded since a mark (as far as the in-memory window reaches). */
  since(mark: number): WireEntry[] {
    this.flush();
    const first = this.sequence - this.recent.length;
    return this.recent.slice(Math.max(0, mark - first)).map((r) => this.masked(r));
  }

  /** The most recent masked entries (flushes first). */
  entries(): WireEntry[] {
    this.flush();
    return this.recent.map((r) => this.masked(r));
  }

  private masked(r: Recent): WireEntry {
    const entry: WireEntry = { t_ns: r.t_ns, dir: r.dir };
    if (r.data) {
      const views = maskedViews(r.data, this.pans);
      entry.bytes = r.data.length;
      entry.hex = views.hex;
      entry.ascii = views.ascii;
    }
    if (r.note !== undefined) entry.note = r.note;
    return entry;
  }

  flush(): void {
    const batch = this.pending;
    this.pending = [];
    this.scheduled = false;
    if (batch.length === 0) return;
    const entries: Recent[] = batch.map((p) => ({ t_ns: Number(p.t - this.start), dir: p.dir, data: p.data, note: p.note }));
    for (const e of entries) this.recent.push(e);
    this.sequence += entries.length;
    if (this.recent.length > this.keep) this.recent.splice(0, this.recent.length - this.keep);
    // Masked and formatted here only for the file; the in-memory window is masked when asked for.
    if (this.fd !== undefined) fs.writeSync(this.fd, entries.map((e) => JSON.stringify(this.masked(e))).join('\n') + '\n');
  }

  close(): void {
    if (this.omitted > 0 && this.fd !== undefined) this.event(`${this.omitted} chunks were not recorded (trace limit)`);
    this.flush();
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }

  private push(p: Pending): void {
    this.pending.push(p);
    if (!this.scheduled) {
      this.scheduled = true;
      // Batched: one masked write every FLUSH_MS rather than one per chunk keeps the recorder
      // off the transaction's hot path. The delay is also what guarantees the protocol layer
      // has registered a PAN decoded from a chunk before that chunk is masked and written.
      setTimeout(() => this.flush(), FLUSH_MS).unref();
    }
  }
}
