/**
 * Length-prefixed framing, the usual way POS terminals and acquirer hosts delimit ISO 8583
 * messages on TCP (and on serial links that carry the same stream):
 *
 *     [length prefix][TPDU (optional, 5 bytes)][message]
 *
 * - 2-byte binary big-endian length ("network byte order"): by far the most common for
 *   ISO 8583 over TCP/IP. A 4-byte big-endian variant exists on some switches.
 * - 4 ASCII decimal digits, e.g. "0123": used by hosts that keep the whole stream printable.
 * - The length normally counts the bytes after the prefix (TPDU + message); some hosts count
 *   the prefix too (`includesPrefix`).
 * - TPDU: the 5-byte Transport Protocol Data Unit of dial-up/NAC networks, still sent by many
 *   terminals over IP: 1 byte TPDU id (0x60 = transaction), 2 bytes destination address,
 *   2 bytes originator address. When present it sits between the length and the message and
 *   is counted by the length. It is returned as `frame.header` and must be given as
 *   `frame.header` to encode, because the response has to echo it with the addresses swapped.
 *
 * ISO 8583 itself does not define message delimiting (it leaves it to the transport), so
 * these layouts are industry conventions; the options describe which one a device uses.
 *
 * A length-prefixed stream has no resynchronisation marker: after a bad prefix there is no
 * way to know where the next message starts. So every malformed prefix throws a FramingError
 * at once (never waits for bytes that may not come), drops everything buffered and starts
 * afresh with the next bytes received.
 */
import { FramingError, PoshilError } from '../errors';
import type { FramingConfig } from '../suite/types';
import { ChunkQueue } from './chunk-queue';
import type { Frame, Framer } from './framer';
import { FramingStreamError } from './framing-stream-error';

/** Options of a `length-prefix` framing block (see framing/config-schemas.ts for the JSON form). */
export interface LengthPrefixOptions {
  type?: 'length-prefix';
  /** 2 (default) or 4. */
  lengthBytes?: 2 | 4;
  /** 'binary' (default): unsigned big-endian. 'ascii': decimal digits, only with lengthBytes 4. */
  lengthEncoding?: 'binary' | 'ascii';
  /** The length counts the prefix bytes themselves. Default false. */
  includesPrefix?: boolean;
  /** A 5-byte TPDU follows the length. Default false. */
  tpdu?: boolean;
  /** Longest accepted frame: TPDU + message, prefix not counted. 1..99999, default 8192. */
  maxLength?: number;
}

/** Options after defaults and checks. */
export interface ResolvedLengthPrefixOptions {
  readonly lengthBytes: 2 | 4;
  readonly lengthEncoding: 'binary' | 'ascii';
  readonly includesPrefix: boolean;
  readonly tpdu: boolean;
  readonly maxLength: number;
}

/** Size of the TPDU header (id + destination address + originator address). */
export const TPDU_LENGTH = 5;

const DEFAULT_MAX_LENGTH = 8192;
/** Same bound as the JSON schema, so code-built options and profile files agree. */
const MAX_MAX_LENGTH = 99999;
const OPTION_NAMES: readonly string[] = ['type', 'lengthBytes', 'lengthEncoding', 'includesPrefix', 'tpdu', 'maxLength'];

function configError(problem: string): PoshilError {
  return new PoshilError('FRAMING_CONFIG', `length-prefix framing: ${problem}`);
}

/** Largest number the prefix can carry. */
function prefixCapacity(lengthBytes: 2 | 4, encoding: 'binary' | 'ascii'): number {
  if (encoding === 'ascii') return 10 ** lengthBytes - 1;
  return lengthBytes === 2 ? 0xffff : 0xffffffff;
}

/**
 * Applies defaults and checks a framing block. The device-profile schema already checks
 * shapes, but framers are also built from code and from profiles of older versions, and a
 * wrong framing setting shows up only as mysterious timeouts on the bench, so the combinations
 * the schema cannot express are checked here too.
 */
export function resolveLengthPrefixOptions(raw: Readonly<Record<string, unknown>>): ResolvedLengthPrefixOptions {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw configError('the framing block must be an object such as { "type": "length-prefix", "lengthBytes": 2 }');
  }
  for (const key of Object.keys(raw)) {
    if (!OPTION_NAMES.includes(key)) {
      throw configError(`unknown option "${key}"; the options are ${OPTION_NAMES.filter((n) => n !== 'type').join(', ')}`);
    }
  }
  if (raw.type !== undefined && raw.type !== 'length-prefix') {
    throw configError(`type is ${JSON.stringify(raw.type)}, expected "length-prefix"`);
  }

  const lengthBytes = raw.lengthBytes ?? 2;
  if (lengthBytes !== 2 && lengthBytes !== 4) {
    throw configError(`lengthBytes is ${JSON.stringify(raw.lengthBytes)}; it must be 2 or 4`);
  }
  const lengthEncoding = raw.lengthEncoding ?? 'binary';
  if (lengthEncoding !== 'binary' && lengthEncoding !== 'ascii') {
    throw configError(`lengthEncoding is ${JSON.stringify(raw.lengthEncoding)}; it must be "binary" or "ascii"`);
  }
  if (lengthBytes === 2 && lengthEncoding === 'ascii') {
    // Two ASCII digits cap every frame at 99 bytes, too short for an ordinary ISO 8583
    // request; no terminal we know frames that way, so it is almost certainly a typo for
    // 4 ASCII digits (or for a 2-byte binary length) and is refused rather than guessed.
    throw configError(
      'lengthBytes 2 with lengthEncoding "ascii" would limit frames to 99 bytes; ' +
        'use lengthBytes 4 for a 4-digit ASCII length ("0123") or lengthEncoding "binary" for a 2-byte binary length',
    );
  }
  const includesPrefix = raw.includesPrefix ?? false;
  if (typeof includesPrefix !== 'boolean') {
    throw configError(`includesPrefix is ${JSON.stringify(raw.includesPrefix)}; it must be true or false`);
  }
  const tpdu = raw.tpdu ?? false;
  if (typeof tpdu !== 'boolean') {
    throw configError(`tpdu is ${JSON.stringify(raw.tpdu)}; it must be true or false`);
  }
  const maxLength = raw.maxLength ?? DEFAULT_MAX_LENGTH;
  if (typeof maxLength !== 'number' || !Number.isInteger(maxLength) || maxLength < 1 || maxLength > MAX_MAX_LENGTH) {
    throw configError(`maxLength is ${JSON.stringify(raw.maxLength)}; it must be a whole number of bytes from 1 to ${MAX_MAX_LENGTH}`);
  }
  if (tpdu && maxLength <= TPDU_LENGTH) {
    throw configError(`maxLength ${maxLength} leaves no room for a message after the ${TPDU_LENGTH}-byte TPDU; it must be at least ${TPDU_LENGTH + 1}`);
  }
  const capacity = prefixCapacity(lengthBytes, lengthEncoding);
  const largestPrefixValue = maxLength + (includesPrefix ? lengthBytes : 0);
  if (largestPrefixValue > capacity) {
    throw configError(
      `maxLength ${maxLength}${includesPrefix ? ` plus the ${lengthBytes}-byte prefix` : ''} cannot be written in ` +
        `a ${lengthBytes}-byte ${lengthEncoding} length (at most ${capacity}); lower maxLength to ${capacity - (includesPrefix ? lengthBytes : 0)} or less`,
    );
  }
  return { lengthBytes, lengthEncoding, includesPrefix, tpdu, maxLength };
}

function announces(prefix: Buffer, value: number): string {
  return `length prefix ${describeBytes(prefix)} announces ${value}`;
}

/** "30 30 41 31 ("00A1")": hex for the log, plus the printable form for ASCII-minded readers. */
function describeBytes(bytes: Buffer): string {
  const hex = [...bytes].map((b) => b.toString(16).toUpperCase().padStart(2, '0')).join(' ');
  const text = [...bytes].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
  return `${hex} ("${text}")`;
}

function isAsciiDigit(b: number): boolean {
  return b >= 0x30 && b <= 0x39;
}

type PrefixResult = { ok: true; frameLength: number } | { ok: false; reason: string };

export class LengthPrefixFramer implements Framer {
  readonly type = 'length-prefix';
  readonly options: ResolvedLengthPrefixOptions;

  private readonly queue = new ChunkQueue();
  /** Set once a frame's prefix has been read: the bytes still to come (TPDU + message). */
  private frameLength: number | undefined;
  /** Stream position where the frame now being assembled started. */
  private frameStart = 0;

  /**
   * Accepts typed options from code or a raw `framing` block from a device profile; both are
   * checked the same way. Throws PoshilError code FRAMING_CONFIG when they make no sense.
   */
  constructor(options: LengthPrefixOptions | FramingConfig = {}) {
    this.options = resolveLengthPrefixOptions(options as Readonly<Record<string, unknown>>);
  }

  get pending(): number {
    return this.queue.buffered + (this.frameLength === undefined ? 0 : this.options.lengthBytes);
  }

  reset(): void {
    this.queue.clear();
    this.frameLength = undefined;
  }

  /**
   * Prefix + TPDU + payload. Throws FramingError for a frame this link cannot carry. Encoding
   * does not touch the receive state: an outgoing mistake must not discard incoming bytes.
   */
  encode(frame: Frame): Buffer {
    const { payload, header } = frame;
    if (!Buffer.isBuffer(payload)) throw new FramingError('cannot frame the message: its payload is not a byte buffer');
    if (payload.length === 0) {
      throw new FramingError('cannot frame an empty message: a zero-length frame is not valid on a length-prefixed link');
    }
    const { tpdu, maxLength, lengthBytes, lengthEncoding, includesPrefix } = this.options;
    if (tpdu) {
      if (header === undefined) {
        throw new FramingError(
          `this link is configured with a TPDU (tpdu: true) but the frame to send has none: pass the ${TPDU_LENGTH}-byte TPDU as the frame header`,
        );
      }
      if (header.length !== TPDU_LENGTH) {
        throw new FramingError(`the TPDU must be exactly ${TPDU_LENGTH} bytes (id, destination, originator); the frame header has ${header.length}`);
      }
    } else if (header !== undefined && header.length > 0) {
      throw new FramingError(
        `the frame has a ${header.length}-byte header but this link has no TPDU (tpdu: false), so it would be lost; set tpdu: true in the device profile if the device expects one`,
      );
    }
    const frameLength = (tpdu ? TPDU_LENGTH : 0) + payload.length;
    if (frameLength > maxLength) {
      throw new FramingError(`cannot send a ${frameLength}-byte frame: the link's maxLength is ${maxLength} bytes`);
    }
    const value = frameLength + (includesPrefix ? lengthBytes : 0);
    // One buffer, written in place: every request of a load test passes through here.
    const out = Buffer.allocUnsafe(lengthBytes + frameLength);
    if (lengthEncoding === 'ascii') out.write(String(value).padStart(lengthBytes, '0'), 0, lengthBytes, 'latin1');
    else if (lengthBytes === 2) out.writeUInt16BE(value, 0);
    else out.writeUInt32BE(value, 0);
    let at = lengthBytes;
    if (tpdu && header) {
      out.set(header, at);
      at += header.length;
    }
    out.set(payload, at);
    return out;
  }

  /**
   * Feeds received bytes; returns the frames they complete. The framer keeps its own copy of
   * any incomplete remainder, so the caller may reuse `chunk` afterwards. On malformed input
   * throws FramingStreamError (a FramingError) carrying any frames completed earlier in the
   * same chunk, and resets.
   */
  push(chunk: Buffer): Frame[] {
    if (!Buffer.isBuffer(chunk)) throw new TypeError('LengthPrefixFramer.push expects a Buffer');
    if (chunk.length === 0) return [];
    // The usual case on TCP: nothing buffered and the chunk is exactly one whole frame.
    const whole = this.wholeFrame(chunk);
    if (whole) return [whole];
    const frames: Frame[] = [];
    this.queue.push(chunk);
    const { lengthBytes } = this.options;
    for (;;) {
      if (this.frameLength === undefined) {
        // ASCII digits are checked as they arrive: a device sending binary lengths to an
        // ASCII-configured link is then reported at once, not after more bytes that may never come.
        const early = this.checkPartialAsciiPrefix();
        if (early !== undefined) this.fail(early, frames);
        if (this.queue.buffered < lengthBytes) break;
        this.frameStart = this.queue.position;
        const result = this.parsePrefix(this.queue.take(lengthBytes));
        if (!result.ok) this.fail(result.reason, frames, lengthBytes);
        this.frameLength = result.frameLength;
      }
      if (this.queue.buffered < this.frameLength) break;
      const body = this.queue.take(this.frameLength);
      this.frameLength = undefined;
      frames.push(this.options.tpdu ? { header: body.subarray(0, TPDU_LENGTH), payload: body.subarray(TPDU_LENGTH) } : { payload: body });
    }
    this.queue.retain(chunk);
    return frames;
  }

  /** The frame `chunk` holds when it is exactly one valid frame and nothing is buffered. */
  private wholeFrame(chunk: Buffer): Frame | undefined {
    const { lengthBytes } = this.options;
    if (this.queue.buffered !== 0 || this.frameLength !== undefined || chunk.length <= lengthBytes) return undefined;
    const result = this.parsePrefix(chunk.subarray(0, lengthBytes));
    if (!result.ok || chunk.length !== lengthBytes + result.frameLength) return undefined;
    this.frameStart = this.queue.position;
    this.queue.skip(chunk.length);
    // A copy, as from the queue: the caller may reuse its chunk.
    const body = Buffer.from(chunk.subarray(lengthBytes));
    return this.options.tpdu ? { header: body.subarray(0, TPDU_LENGTH), payload: body.subarray(TPDU_LENGTH) } : { payload: body };
  }

  /** Returns a problem if any received byte of a still-incomplete ASCII prefix is not a digit. */
  private checkPartialAsciiPrefix(): string | undefined {
    if (this.options.lengthEncoding !== 'ascii') return undefined;
    const seen = this.queue.peek(Math.min(this.queue.buffered, this.options.lengthBytes));
    if (seen.every(isAsciiDigit)) return undefined;
    this.frameStart = this.queue.position;
    return `length prefix ${describeBytes(seen)} is not ${this.options.lengthBytes} ASCII decimal digits: the device is not sending ASCII lengths, or the stream is out of step.`;
  }

  private parsePrefix(prefix: Buffer): PrefixResult {
    const { lengthBytes, lengthEncoding, includesPrefix, maxLength, tpdu } = this.options;
    let value: number;
    if (lengthEncoding === 'ascii') {
      if (!prefix.every(isAsciiDigit)) {
        return { ok: false, reason: `length prefix ${describeBytes(prefix)} is not ${lengthBytes} ASCII decimal digits: the device is not sending ASCII lengths, or the stream is out of step.` };
      }
      value = Number(prefix.toString('latin1'));
    } else {
      value = lengthBytes === 2 ? prefix.readUInt16BE(0) : prefix.readUInt32BE(0);
    }
    // Described only when something is wrong: this runs for every frame received.
    if (includesPrefix && value < lengthBytes) {
      return { ok: false, reason: `${announces(prefix, value)} bytes, fewer than the ${lengthBytes}-byte prefix it is configured to include (includesPrefix: true): the stream is out of step or includesPrefix is wrong for this device.` };
    }
    const frameLength = value - (includesPrefix ? lengthBytes : 0);
    if (frameLength === 0) {
      return { ok: false, reason: `${announces(prefix, value)}: an empty frame, which carries no message; the stream is out of step${includesPrefix ? '' : ' or the device counts the prefix in the length (includesPrefix: true)'}.` };
    }
    if (frameLength > maxLength) {
      return {
        ok: false,
        reason: `${announces(prefix, value)} bytes, more than maxLength ${maxLength}: the stream is out of step, the device uses another length format, or maxLength is too small for this device.`,
      };
    }
    if (tpdu && frameLength <= TPDU_LENGTH) {
      return { ok: false, reason: `${announces(prefix, value)} bytes, too short for the ${TPDU_LENGTH}-byte TPDU plus a message: the stream is out of step or the device sends no TPDU (tpdu: false).` };
    }
    return { ok: true, frameLength };
  }

  /** Reports a malformed frame: resets, then throws with what was saved and what was lost. */
  private fail(reason: string, framesBefore: Frame[], alreadyTaken = 0): never {
    const discardedBytes = this.queue.buffered + alreadyTaken;
    const streamOffset = this.frameStart;
    this.reset();
    throw new FramingStreamError(
      `${reason} (frame starting at stream byte ${streamOffset}; discarded ${discardedBytes} buffered byte${discardedBytes === 1 ? '' : 's'}; framing restarts with the next bytes received)`,
      { framesBefore, discardedBytes, streamOffset },
    );
  }
}
