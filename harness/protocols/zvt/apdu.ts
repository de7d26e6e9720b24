/**
 * ZVT APDU (Application Protocol Data Unit) layout:
 *
 *     CLASS INSTR  LEN  data          (a command, e.g. 06 01 = Authorisation)
 *     CCRC  APRC   LEN  data          (an answer, e.g. 80 00 00 = positive acknowledgement)
 *
 * LEN is one byte 00..FE, or FF followed by the data length in two bytes, low byte first
 * (FF 2C 01 = 300). A length of 255 or more must use the FF form, since FF itself is the
 * escape.
 */
import { ZvtError, hex2 } from './errors';

export interface ZvtApdu {
  /** CLASS byte of a command, or CCRC of an answer (0x80 positive, 0x84 negative). */
  cls: number;
  /** INSTR byte of a command, or APRC of an answer. */
  instr: number;
  data: Buffer;
}

export interface DecodedApdu extends ZvtApdu {
  /** Bytes before the data: 3, or 5 with the FF extended length. */
  headerLength: number;
}

/** Largest data length an APDU can carry (2-byte extended length). */
export const MAX_APDU_DATA = 0xffff;

/** "06 01" */
export function controlField(cls: number, instr: number): string {
  return `${hex2(cls).slice(2)} ${hex2(instr).slice(2)}`;
}

export function encodeApdu(apdu: ZvtApdu): Buffer {
  const { cls, instr, data } = apdu;
  for (const [name, v] of [
    ['class', cls],
    ['instruction', instr],
  ] as const) {
    if (!Number.isInteger(v) || v < 0 || v > 0xff) throw new ZvtError(`APDU ${name} byte ${v} is not a byte value 0..255`);
  }
  if (data.length > MAX_APDU_DATA) {
    throw new ZvtError(`APDU ${controlField(cls, instr)} has ${data.length} data bytes; the longest a ZVT length field can announce is ${MAX_APDU_DATA}`);
  }
  const header = data.length < 0xff ? Buffer.from([cls, instr, data.length]) : Buffer.from([cls, instr, 0xff, data.length & 0xff, data.length >> 8]);
  return Buffer.concat([header, data]);
}

/** Splits an APDU and checks that its length field matches its size exactly. */
export function decodeApdu(bytes: Uint8Array): DecodedApdu {
  if (bytes.length < 3) {
    throw new ZvtError(`an APDU needs at least 3 bytes (control field and length); got ${bytes.length}`, { offset: bytes.length });
  }
  const cls = bytes[0];
  const instr = bytes[1];
  let headerLength = 3;
  let length = bytes[2];
  if (length === 0xff) {
    if (bytes.length < 5) {
      throw new ZvtError(`APDU ${controlField(cls, instr)}: length byte FF announces a 2-byte length but the APDU ends at offset ${bytes.length}`, { offset: bytes.length });
    }
    length = bytes[3] | (bytes[4] << 8);
    headerLength = 5;
  }
  const actual = bytes.length - headerLength;
  if (actual !== length) {
    throw new ZvtError(
      `APDU ${controlField(cls, instr)}: the length field announces ${length} data bytes but ${actual} follow${actual < length ? ' (the APDU is cut short)' : ' (extra bytes after the APDU)'}`,
      { offset: headerLength + Math.min(actual, length) },
    );
  }
  return { cls, instr, data: Buffer.from(bytes.subarray(headerLength)), headerLength };
}
