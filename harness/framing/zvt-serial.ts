/**
 * ZVT serial transport framing (the German ECR ↔ payment-terminal protocol, "Kassenschnittstelle",
 * transport protocol for RS232):
 *
 *     DLE STX  APDU-with-DLE-doubled  DLE ETX  CRC-low CRC-high
 *     10  02   …                      10  03   xx      xx
 *
 * - Every 0x10 (DLE) inside the APDU is sent twice (10 10); the receiver drops the second.
 * - The CRC is 16 bits over the APDU as it is before doubling, plus the ETX byte; it is sent
 *   low byte first. ZVT calls it CCITT CRC-16 (polynomial x^16 + x^12 + x^5 + 1 = 0x1021,
 *   start value 0x0000). The bits are processed least-significant first — the "reflected"
 *   form, i.e. the catalogued CRC-16/KERMIT (a.k.a. CRC-16/CCITT-TRUE; check value 0x2189
 *   for "123456789"), not CRC-16/XMODEM (the same polynomial MSB first). This was verified
 *   against published ZVT serial traces: e.g. the registration frame
 *   10 02 06 00 06 12 34 56 BA 09 78 10 03 24 C3 (ecrterm, ecrterm/tests/test_data_encoding.py)
 *   carries CRC 0xC324 = KERMIT(06 00 06 12 34 56 BA 09 78 03); XMODEM would give 0xE30E.
 *   See test/framing/zvt-serial.test.ts for every trace checked.
 *
 * The frame's payload is the whole APDU (control field, length, data) without stuffing; the
 * ZVT codec (harness/protocols/zvt) reads it. A bad CRC throws FramingStreamError (code
 * FRAMING_ERROR) so the link layer can answer NAK; bytes before DLE STX are skipped and
 * counted (`skippedBytes`).
 */
import { FramingError } from '../errors';
import type { FramingConfig } from '../suite/types';
import { DelimitedFramer } from './delimited-framer';
import type { Frame, Framer } from './framer';
import { checkOptionNames, hexByte, integerOption } from './option-checks';

export const DLE = 0x10;
const STX = 0x02;
const ETX = 0x03;

const TYPE = 'zvt-serial';
/** Largest APDU ZVT can express: 2-byte control field + FF + 2-byte length + 65535 data bytes. */
export const ZVT_MAX_APDU_LENGTH = 65540;

export interface ZvtSerialOptions {
  type?: 'zvt-serial';
  /** Longest accepted APDU in bytes (after removing DLE doubling). Default and maximum 65540. */
  maxLength?: number;
}

export interface ResolvedZvtSerialOptions {
  readonly maxLength: number;
}

export function resolveZvtSerialOptions(raw: Readonly<Record<string, unknown>>): ResolvedZvtSerialOptions {
  // t1Ms, retries, t2Ms belong to the ACK/NAK link layer (harness/link/open-frame-link.ts).
  const block = checkOptionNames(TYPE, raw, ['maxLength', 't1Ms', 'retries', 't2Ms']);
  return { maxLength: integerOption(TYPE, 'maxLength', block.maxLength, ZVT_MAX_APDU_LENGTH, 3, ZVT_MAX_APDU_LENGTH, 'bytes') };
}

/** CRC table for the reflected 0x1021 polynomial (0x8408), built once. */
const CRC_TABLE: Uint16Array = (() => {
  const table = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let crc = i;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0x8408 : crc >>> 1;
    table[i] = crc;
  }
  return table;
})();

/** Continues a ZVT CRC (CRC-16/KERMIT: poly 0x1021 reflected, init 0) over `bytes`. */
export function crc16Update(crc: number, bytes: Uint8Array): number {
  let c = crc;
  for (const b of bytes) c = (c >>> 8) ^ CRC_TABLE[(c ^ b) & 0xff];
  return c;
}

/** The CRC of a ZVT serial frame: over the unstuffed APDU followed by ETX. */
export function zvtFrameCrc(apdu: Uint8Array): number {
  return crc16Update(crc16Update(0, apdu), Uint8Array.of(ETX));
}

function hexWord(w: number): string {
  return `0x${w.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** "0xC324 (24 C3 on the wire)" */
function describeCrc(crc: number): string {
  return `${hexWord(crc)} (${hexByte(crc & 0xff).slice(2)} ${hexByte(crc >> 8).slice(2)} on the wire, low byte first)`;
}

type State = 'hunt' | 'huntDle' | 'body' | 'bodyDle' | 'crcLow' | 'crcHigh';

export class ZvtSerialFramer extends DelimitedFramer<State> implements Framer {
  readonly type = TYPE;
  readonly options: ResolvedZvtSerialOptions;

  private crc = 0;
  private crcLow = 0;

  constructor(options: ZvtSerialOptions | FramingConfig = {}) {
    super();
    this.options = resolveZvtSerialOptions(options as Readonly<Record<string, unknown>>);
  }

  encode(frame: Frame): Buffer {
    const { payload, header } = frame;
    if (!Buffer.isBuffer(payload)) throw new FramingError('cannot frame the APDU: its payload is not a byte buffer');
    if (header !== undefined && header.length > 0) {
      throw new FramingError(`the frame has a ${header.length}-byte header but ZVT serial framing has none; it would be lost`);
    }
    if (payload.length < 3) {
      throw new FramingError(`cannot send a ${payload.length}-byte APDU: a ZVT APDU has at least a 2-byte control field and a length byte`);
    }
    if (payload.length > this.options.maxLength) {
      throw new FramingError(`cannot send a ${payload.length}-byte APDU: the link's maxLength is ${this.options.maxLength} bytes`);
    }
    let dles = 0;
    for (const b of payload) if (b === DLE) dles++;
    const out = Buffer.allocUnsafe(payload.length + dles + 6);
    out[0] = DLE;
    out[1] = STX;
    let at = 2;
    for (const b of payload) {
      out[at++] = b;
      if (b === DLE) out[at++] = DLE;
    }
    const crc = zvtFrameCrc(payload);
    out[at++] = DLE;
    out[at++] = ETX;
    out[at++] = crc & 0xff;
    out[at++] = crc >> 8;
    return out;
  }

  push(chunk: Buffer): Frame[] {
    if (!Buffer.isBuffer(chunk)) throw new TypeError('ZvtSerialFramer.push expects a Buffer');
    const frames: Frame[] = [];
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i];
      const offset = this.position++;
      switch (this.state) {
        case 'hunt':
          if (b === DLE) {
            this.state = 'huntDle';
            this.frameBytes = 1;
            this.frameStart = offset;
          } else {
            this.skipped++;
          }
          break;
        case 'huntDle':
          if (b === STX) {
            this.frameBytes = 2;
            this.payload.clear();
            this.crc = 0;
            this.state = 'body';
          } else if (b === DLE) {
            this.skipped++; // the earlier DLE was noise; this one may start a frame
            this.frameStart = offset;
          } else {
            this.skipped += 2;
            this.frameBytes = 0;
            this.state = 'hunt';
          }
          break;
        case 'body':
          this.frameBytes++;
          if (b === DLE) this.state = 'bodyDle';
          else this.addApduByte(b, frames, chunk, i);
          break;
        case 'bodyDle':
          this.frameBytes++;
          if (b === DLE) {
            this.addApduByte(DLE, frames, chunk, i);
            this.state = 'body';
          } else if (b === ETX) {
            this.crc = crc16Update(this.crc, Uint8Array.of(ETX));
            this.state = 'crcLow';
          } else if (b === STX) {
            // DLE STX inside a frame: the sender started over; keep the new frame.
            this.skipped += this.frameBytes - 2;
            this.frameBytes = 2;
            this.frameStart = offset - 1;
            this.payload.clear();
            this.crc = 0;
            this.state = 'body';
          } else {
            this.fail(
              `DLE followed by ${hexByte(b)} inside a frame after ${this.payload.length} APDU bytes: a DLE in the APDU must be doubled (10 10) and only DLE ETX ends a frame`,
              frames,
              chunk,
              i,
            );
          }
          break;
        case 'crcLow':
          this.frameBytes++;
          this.crcLow = b;
          this.state = 'crcHigh';
          break;
        case 'crcHigh': {
          this.frameBytes++;
          const received = this.crcLow | (b << 8);
          if (received !== this.crc) {
            this.fail(
              `CRC mismatch: expected ${describeCrc(this.crc)}, received ${describeCrc(received)} over a ${this.payload.length}-byte APDU: ` +
                'the frame was corrupted on the line (a NAK asks for it again)',
              frames,
              chunk,
              i,
            );
          }
          frames.push({ payload: this.payload.copy() });
          this.reset();
          break;
        }
      }
    }
    return frames;
  }

  private addApduByte(b: number, frames: Frame[], chunk: Buffer, i: number): void {
    if (this.payload.length === this.options.maxLength) {
      this.fail(`no DLE ETX within maxLength ${this.options.maxLength} APDU bytes: the frame is longer than allowed or its end was lost`, frames, chunk, i);
    }
    this.payload.push(b);
    this.crc = (this.crc >>> 8) ^ CRC_TABLE[(this.crc ^ b) & 0xff];
  }
}
