/**
 * ZVT over TCP/IP: bare APDUs back to back, with no DLE/STX, no CRC and no ACK/NAK bytes (TCP
 * already delivers bytes intact and in order). An APDU delimits itself:
 *
 *     control field (2 bytes: CLASS INSTR, or CCRC APRC for an answer)  LEN  data
 *
 * where LEN is one byte 00..FE, or FF followed by the length in two bytes, low byte first
 * (so FF 2C 01 = 300 data bytes). The length rule is the ZVT APDU rule; Wireshark's ZVT
 * dissector (epan/dissectors/packet-zvt.c, get_zvt_message_len) reads it the same way.
 *
 * Like a length-prefixed stream, a bare APDU stream has no resynchronisation marker: a length
 * the framer refuses (above maxLength) throws FramingStreamError and drops what is buffered.
 * The frame payload is the whole APDU, exactly as received.
 */
import { FramingError } from '../errors';
import type { FramingConfig } from '../suite/types';
import { ChunkQueue } from './chunk-queue';
import type { Frame, Framer } from './framer';
import { FramingStreamError } from './framing-stream-error';
import { checkOptionNames, hexBytes, integerOption } from './option-checks';
import { ZVT_MAX_APDU_LENGTH } from './zvt-serial';

const TYPE = 'zvt-tcp';

export interface ZvtTcpOptions {
  type?: 'zvt-tcp';
  /** Longest accepted APDU in bytes, header included. Default and maximum 65540. */
  maxLength?: number;
}

export interface ResolvedZvtTcpOptions {
  readonly maxLength: number;
}

export function resolveZvtTcpOptions(raw: Readonly<Record<string, unknown>>): ResolvedZvtTcpOptions {
  const block = checkOptionNames(TYPE, raw, ['maxLength']);
  return { maxLength: integerOption(TYPE, 'maxLength', block.maxLength, ZVT_MAX_APDU_LENGTH, 3, ZVT_MAX_APDU_LENGTH, 'bytes') };
}

/**
 * Total APDU size announced by its first bytes, or undefined while too few bytes are there to
 * tell (3 for a short length, 5 for FF + 2-byte length).
 */
export function zvtApduLength(head: Uint8Array): number | undefined {
  if (head.length < 3) return undefined;
  if (head[2] !== 0xff) return 3 + head[2];
  if (head.length < 5) return undefined;
  return 5 + (head[3] | (head[4] << 8));
}

export class ZvtTcpFramer implements Framer {
  readonly type = TYPE;
  readonly options: ResolvedZvtTcpOptions;

  private readonly queue = new ChunkQueue();

  constructor(options: ZvtTcpOptions | FramingConfig = {}) {
    this.options = resolveZvtTcpOptions(options as Readonly<Record<string, unknown>>);
  }

  get pending(): number {
    return this.queue.buffered;
  }

  reset(): void {
    this.queue.clear();
  }

  /** The APDU unchanged, after checking that its length field matches its size. */
  encode(frame: Frame): Buffer {
    const { payload, header } = frame;
    if (!Buffer.isBuffer(payload)) throw new FramingError('cannot send the APDU: its payload is not a byte buffer');
    if (header !== undefined && header.length > 0) {
      throw new FramingError(`the frame has a ${header.length}-byte header but ZVT over TCP has none; it would be lost`);
    }
    const announced = zvtApduLength(payload);
    if (announced === undefined) {
      throw new FramingError(`cannot send a ${payload.length}-byte APDU: it is too short to hold a control field and a length`);
    }
    if (announced !== payload.length) {
      throw new FramingError(
        `cannot send the APDU: its length field (${hexBytes(payload.subarray(2, payload[2] === 0xff ? 5 : 3))}) announces ${announced} bytes in all but it has ${payload.length}; ` +
          'the receiver would split the stream in the wrong place',
      );
    }
    if (payload.length > this.options.maxLength) {
      throw new FramingError(`cannot send a ${payload.length}-byte APDU: the link's maxLength is ${this.options.maxLength} bytes`);
    }
    return Buffer.from(payload);
  }

  push(chunk: Buffer): Frame[] {
    if (!Buffer.isBuffer(chunk)) throw new TypeError('ZvtTcpFramer.push expects a Buffer');
    const frames: Frame[] = [];
    if (chunk.length === 0) return frames;
    this.queue.push(chunk);
    for (;;) {
      const first = this.queue.peek(Math.min(5, this.queue.buffered));
      const total = zvtApduLength(first);
      if (total === undefined) break;
      if (total > this.options.maxLength) {
        const streamOffset = this.queue.position;
        const head = first.subarray(0, first[2] === 0xff ? 5 : 3);
        const discardedBytes = this.queue.buffered;
        this.reset();
        throw new FramingStreamError(
          `APDU header ${hexBytes(head)} announces ${total} bytes, more than maxLength ${this.options.maxLength}: ` +
            `the stream is out of step or maxLength is too small (APDU starting at stream byte ${streamOffset}; discarded ${discardedBytes} buffered bytes; framing restarts with the next bytes received)`,
          { framesBefore: frames, discardedBytes, streamOffset },
        );
      }
      if (this.queue.buffered < total) break;
      frames.push({ payload: this.queue.take(total) });
    }
    this.queue.retain(chunk);
    return frames;
  }
}
