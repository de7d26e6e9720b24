import fs from 'node:fs';
import { editKeepsRanges, panRanges } from '../masking/pan';

/**
 * The NDJSON lines of a wire trace file, built as bytes in reused buffers; each full batch is
 * written by libuv's thread pool (a positioned write), so the copy into the page cache — a
 * couple of µs per transaction on a slow disk — is off the thread that sends the next request.
 * flush() makes the file complete at once: it writes, synchronously and at the same positions,
 * every batch still on its way (the same bytes twice, whichever lands last), so a reader
 * after a flush never finds a gap. The descriptor is closed only after the last background
 * write is back, so no write can land in a file that later reuses the number.
 *
 * A chunk's line is the same text as JSON.stringify of its masked entry (t_ns, dir, bytes, hex,
 * ascii), but made without the strings: no hex string to upper-case, no latin1 decode, no
 * JSON escaping pass, no joining. A closed loop writes two lines per transaction; as strings
 * they cost more than the rest of the trace put together (allocation, and the garbage
 * collection after it). And when a chunk is the one before it in its direction with a few
 * digits changed (the next STAN), its views are the previous line's, edited (see edited()).
 */
export class TraceLines {
  private buf: Buffer = Buffer.allocUnsafe(INITIAL_BYTES);
  /** The same bytes, for 16-bit writes at any offset. */
  private view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.length);
  private used = 0;
  /** File offset of the buffer's first byte. */
  private written: number;
  /** Batches handed to the thread pool whose bytes may not be in the file yet. */
  private readonly inFlight = new Set<Batch>();
  /** Background writes not back yet (the descriptor stays open until they are). */
  private outstanding = 0;
  /** Buffers back from the thread pool, for the next batches. */
  private readonly spare: Buffer[] = [];
  private closing = false;
  /** A background write that failed (a full disk): thrown by the next flush. */
  private failure: Error | undefined;
  /** The latest line of each direction whose views can be edited into the next one's (TraceLines.edited). */
  private lastOut: LastLine | undefined;
  private lastIn: LastLine | undefined;

  /** The open file (read and write; never O_APPEND, whose writes ignore their offsets). */
  readonly fd: number;
  /** Where this writer's lines begin: the file's size when opened (lines are appended after it). */
  readonly start: number;

  constructor(file: string) {
    this.fd = fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o666);
    this.start = fs.fstatSync(this.fd).size;
    this.written = this.start;
  }

  /** File offset at which the next line will start. */
  get position(): number {
    return this.written + this.used;
  }

  /** Bytes waiting for the next write. */
  get pending(): number {
    return this.used;
  }

  /**
   * The line of one chunk, masked by itself (its PANs are all inside it). The chunk is kept
   * until the next one in its direction, to compare with (edited()).
   */
  chunk(t_ns: number, dir: 'out' | 'in', data: Buffer, pans: Set<string>): void {
    const n = data.length;
    // Worst case: every ASCII character escaped.
    this.room(LONGEST_HEAD + 2 * n + 2 * n + 4);
    const out = this.buf;
    let p = this.used;
    out.set(T_NS, p);
    p = putUint(out, p + T_NS.length, t_ns);
    const dirBytes = dir === 'out' ? DIR_OUT : DIR_IN;
    out.set(dirBytes, p);
    p = putUint(out, p + dirBytes.length, n);
    out.set(HEX_KEY, p);
    p += HEX_KEY.length;
    const last = dir === 'out' ? this.lastOut : this.lastIn;
    const line = last !== undefined && last.buf === out ? this.edited(last, p, data, pans) : undefined;
    if (line) {
      p = line.asciiAt + n;
      this.remember(dir, line);
    } else {
      const fresh = this.fresh(p, data, pans);
      p = fresh.end;
      // A line with escapes has its characters moved: not edited into the next one.
      this.remember(dir, fresh.asciiAt + n === p ? { buf: out, data, hexAt: fresh.hexAt, asciiAt: fresh.asciiAt, ranges: fresh.ranges, pans, pansSize: pans.size } : undefined);
    }
    out.set(LINE_END, p);
    p += LINE_END.length;
    this.used = p;
  }

  /**
   * A closed loop sends the same request again and again under the next STAN, and the device
   * answers alike: most of a chunk is the chunk before it in the same direction. When only
   * digits changed, and masking.editKeepsRanges says the PAN ranges cannot have moved, the
   * previous line's views (still in this buffer) are copied and the changed digits written over
   * them — instead of the hex, ASCII and PAN passes over every byte, which are most of a trace
   * line's cost (a 103-byte request in a tight loop on the development VM: 1.45 µs afresh,
   * 0.54 edited; in the closed loop about 2 µs of CPU less per transaction, both lines edited).
   * undefined: nothing written, format it afresh.
   */
  private edited(last: LastLine, hexAt: number, data: Buffer, pans: Set<string>): LastLine | undefined {
    const n = data.length;
    const before = last.data;
    // The same buffer again may have been changed in place since: nothing to compare it with.
    if (before === data || before.length !== n || last.pans !== pans || last.pansSize !== pans.size) return undefined;
    let from = 0;
    while (from < n && data[from] === before[from]) from++;
    let to = n;
    while (to > from && data[to - 1] === before[to - 1]) to--;
    if (from < to && !editKeepsRanges(before, data, from, to, last.ranges, pans)) return undefined;
    const out = this.buf;
    out.copyWithin(hexAt, last.hexAt, last.hexAt + 2 * n);
    const asciiAt = hexAt + 2 * n + ASCII_KEY.length;
    out.set(ASCII_KEY, hexAt + 2 * n);
    out.copyWithin(asciiAt, last.asciiAt, last.asciiAt + n);
    // Changed bytes are digits, never starred (editKeepsRanges): two hex digits and the character.
    const view = this.view;
    for (let i = from; i < to; i++) {
      const b = data[i]!;
      if (b === before[i]) continue;
      view.setUint16(hexAt + 2 * i, HEX_PAIRS[b]!, true);
      out[asciiAt + i] = b;
    }
    return { buf: out, data, hexAt, asciiAt, ranges: last.ranges, pans, pansSize: last.pansSize };
  }

  /** Hex view, PAN ranges starred, then the ASCII view, from `p` on. */
  private fresh(p: number, data: Buffer, pans: Set<string>): { hexAt: number; asciiAt: number; end: number; ranges: { chars: number[]; nibbles: number[] } } {
    const n = data.length;
    const out = this.buf;
    const hexAt = p;
    // Two hex digits per byte, stored as one 16-bit write.
    const view = this.view;
    for (let i = 0; i < n; i++) {
      view.setUint16(p, HEX_PAIRS[data[i]!]!, true);
      p += 2;
    }
    const ranges = panRanges(data, pans);
    const { chars, nibbles } = ranges;
    for (let r = 0; r < nibbles.length; r += 2) out.fill(STAR, hexAt + nibbles[r]!, hexAt + nibbles[r + 1]!);
    for (let r = 0; r < chars.length; r += 2) out.fill(STAR, hexAt + 2 * chars[r]!, hexAt + 2 * chars[r + 1]!);
    out.set(ASCII_KEY, p);
    p += ASCII_KEY.length;
    // One pass: printable bytes as they are (quotes and backslashes escaped), the rest as '.'.
    const asciiAt = p;
    for (let i = 0; i < n; i++) {
      const b = data[i]!;
      if (b < 0x20 || b > 0x7e) out[p++] = DOT;
      else {
        if (b === QUOTE || b === BACKSLASH) out[p++] = BACKSLASH;
        out[p++] = b;
      }
    }
    if (chars.length > 0) {
      if (p - asciiAt === n) {
        // Nothing escaped: character i is at asciiAt + i, and PAN digits are starred in place.
        for (let r = 0; r < chars.length; r += 2) out.fill(STAR, asciiAt + chars[r]!, asciiAt + chars[r + 1]!);
      } else {
        // Escapes moved the characters: written again, starring as it goes.
        p = asciiAt;
        for (let i = 0; i < n; i++) {
          const b = data[i]!;
          if (isStarredChar(chars, i)) out[p++] = STAR;
          else if (b < 0x20 || b > 0x7e) out[p++] = DOT;
          else {
            if (b === QUOTE || b === BACKSLASH) out[p++] = BACKSLASH;
            out[p++] = b;
          }
        }
      }
    }
    return { hexAt, asciiAt, end: p, ranges };
  }

  /** The buffer is starting over (written, or flushed and reused): no line in it can be edited any more. */
  private forgetLines(): void {
    this.lastOut = undefined;
    this.lastIn = undefined;
  }

  private remember(dir: 'out' | 'in', line: LastLine | undefined): void {
    if (dir === 'out') this.lastOut = line;
    else this.lastIn = line;
  }

  /** A line already formatted (events; a frame that came in several chunks). */
  text(line: string): void {
    const bytes = Buffer.byteLength(line) + 1;
    this.room(bytes);
    this.used += this.buf.write(line, this.used, 'utf8');
    this.buf[this.used++] = NEWLINE;
  }

  /** Hands what is waiting to the thread pool to write, and goes on in another buffer. */
  write(): void {
    if (this.used === 0) return;
    const batch: Batch = { buf: this.buf, length: this.used, at: this.written };
    this.inFlight.add(batch);
    this.outstanding++;
    fs.write(this.fd, batch.buf, 0, batch.length, batch.at, (err) => this.back(batch, err));
    this.written += this.used;
    this.used = 0;
    this.setBuffer(this.spare.pop() ?? Buffer.allocUnsafe(INITIAL_BYTES));
    this.forgetLines();
  }

  /** Makes the file complete now: batches still on their way, then what is waiting. */
  flush(): void {
    for (const batch of this.inFlight) writeAllSync(this.fd, batch.buf, batch.length, batch.at);
    // In the file now, whenever their background writes come back: not written again.
    this.inFlight.clear();
    writeAllSync(this.fd, this.buf, this.used, this.written);
    this.written += this.used;
    this.used = 0;
    // The next lines go where these were.
    this.forgetLines();
    if (this.failure) {
      const failure = this.failure;
      this.failure = undefined;
      throw failure;
    }
  }

  /** Flushes, and closes the file once no background write is left. */
  close(): void {
    try {
      this.flush();
    } finally {
      this.closing = true;
      if (this.outstanding === 0) fs.closeSync(this.fd);
    }
  }

  private back(batch: Batch, err: Error | null): void {
    this.inFlight.delete(batch);
    this.outstanding--;
    if (err && !this.closing) this.failure ??= err;
    if (this.closing) {
      if (this.outstanding === 0) fs.close(this.fd, () => undefined);
      return;
    }
    if (batch.buf.length === INITIAL_BYTES && this.spare.length < 2) this.spare.push(batch.buf);
  }

  /** Makes room for `bytes` more: sends what is waiting if need be, grows for a huge chunk. */
  private room(bytes: number): void {
    if (this.used + bytes <= this.buf.length) return;
    this.write();
    if (bytes > this.buf.length) this.setBuffer(Buffer.allocUnsafe(bytes));
  }

  private setBuffer(buf: Buffer): void {
    this.buf = buf;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.length);
  }
}

/** Where a chunk's views lie in the buffer, for editing them into the next chunk's. */
interface LastLine {
  /** The buffer holding them (also forgotten when a write or a flush starts the buffer over). */
  buf: Buffer;
  data: Buffer;
  hexAt: number;
  /** Unescaped: the ASCII view is n bytes from here. */
  asciiAt: number;
  ranges: { chars: number[]; nibbles: number[] };
  pans: Set<string>;
  pansSize: number;
}

interface Batch {
  buf: Buffer;
  length: number;
  /** File offset. */
  at: number;
}

function writeAllSync(fd: number, buf: Buffer, length: number, at: number): void {
  let done = 0;
  while (done < length) done += fs.writeSync(fd, buf, done, length - done, at + done);
}

/** Twice a write batch (wire-recorder.ts): room for the lines a step adds after the batch fills. */
export const INITIAL_BYTES = 512 * 1024;
/** `{"t_ns":` + 16 digits + `,"dir":"out","bytes":` + 10 digits + `,"hex":"` + `","ascii":"` with room to spare. */
const LONGEST_HEAD = 96;
const HEX = Buffer.from('0123456789ABCDEF', 'latin1');
/** Byte → its two upper-case hex digits as a little-endian 16-bit value (first digit in the low byte). */
const HEX_PAIRS = Uint16Array.from({ length: 256 }, (_, b) => HEX[b >> 4]! | (HEX[b & 15]! << 8));
const T_NS = Buffer.from('{"t_ns":', 'latin1');
const DIR_OUT = Buffer.from(',"dir":"out","bytes":', 'latin1');
const DIR_IN = Buffer.from(',"dir":"in","bytes":', 'latin1');
const HEX_KEY = Buffer.from(',"hex":"', 'latin1');
const ASCII_KEY = Buffer.from('","ascii":"', 'latin1');
const LINE_END = Buffer.from('"}\n', 'latin1');
const STAR = 0x2a;
const DOT = 0x2e;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const NEWLINE = 0x0a;

/** A non-negative integer in decimal, as JSON writes it. */
function putUint(out: Buffer, at: number, value: number): number {
  if (value < 10) {
    out[at] = 0x30 + value;
    return at + 1;
  }
  let digits = 0;
  for (let v = value; v >= 1; v = Math.floor(v / 10)) digits++;
  let v = value;
  for (let i = at + digits - 1; i >= at; i--) {
    out[i] = 0x30 + (v % 10);
    v = Math.floor(v / 10);
  }
  return at + digits;
}

/** Byte `i` lies in one of the [from, to) pairs of `ranges`. */
function isStarredChar(ranges: number[], i: number): boolean {
  for (let r = 0; r < ranges.length; r += 2) if (i >= ranges[r]! && i < ranges[r + 1]!) return true;
  return false;
}
