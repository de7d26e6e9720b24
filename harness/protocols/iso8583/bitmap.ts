/**
 * ISO 8583:1987 bitmaps: 64 bits, bit 1 the most significant bit of the
 * first byte, bit n set when data element n is present. Bit 1 of the primary bitmap announces
 * the secondary bitmap (elements 65-128), which follows the primary immediately. Written either
 * as 8 raw bytes or as 16 hexadecimal characters.
 */
import { Iso8583Error } from '../../errors';

export type BitmapEncoding = 'binary' | 'hex';

const BITS = 64;

function bytesPerBitmap(encoding: BitmapEncoding): number {
  return encoding === 'binary' ? 8 : 16;
}

/** Bitmap(s) for the given data element numbers (2..128); the secondary only when needed. */
export function encodeBitmap(fieldNumbers: readonly number[], encoding: BitmapEncoding): Buffer {
  const secondary = fieldNumbers.some((n) => n > BITS);
  const bits = Buffer.alloc(secondary ? 16 : 8);
  if (secondary) bits[0] |= 0x80;
  for (const n of fieldNumbers) bits[(n - 1) >> 3] |= 0x80 >> ((n - 1) & 7);
  return encoding === 'binary' ? bits : Buffer.from(bits.toString('hex').toUpperCase(), 'latin1');
}

/**
 * The bitmap(s) as 16 (or 32) uppercase hex characters, for packagers that write it in hex;
 * `fieldNumbers` ascending. Same bits as encodeBitmap, without the intermediate buffers.
 */
export function encodeBitmapHex(fieldNumbers: readonly number[]): string {
  const secondary = fieldNumbers.length > 0 && fieldNumbers[fieldNumbers.length - 1]! > BITS;
  // Four 32-bit words: bits 1-32, 33-64, 65-96, 97-128.
  const words = [secondary ? 0x80000000 : 0, 0, 0, 0];
  for (const n of fieldNumbers) words[(n - 1) >> 5] = (words[(n - 1) >> 5]! | (0x80000000 >>> ((n - 1) & 31))) >>> 0;
  let hex = '';
  for (let w = 0; w < (secondary ? 4 : 2); w++) hex += words[w]!.toString(16).padStart(8, '0');
  return hex.toUpperCase();
}

export interface DecodedBitmap {
  /** Data element numbers present, ascending, without 1 (the secondary bitmap itself). */
  fields: number[];
  /** Offset just after the last bitmap. */
  end: number;
}

/** Reads the primary bitmap at `offset`, and the secondary when bit 1 says it follows. */
export function decodeBitmap(data: Buffer, offset: number, encoding: BitmapEncoding): DecodedBitmap {
  if (encoding === 'hex') {
    const fast = decodeHexBitmapFast(data, offset);
    if (fast) return fast;
  }
  const primary = readOne(data, offset, encoding, 'primary');
  let end = offset + bytesPerBitmap(encoding);
  let bits = primary;
  if (primary[0] & 0x80) {
    bits = Buffer.concat([primary, readOne(data, end, encoding, 'secondary')]);
    end += bytesPerBitmap(encoding);
  }
  const fields: number[] = [];
  for (let n = 2; n <= bits.length * 8; n++) {
    if (bits[(n - 1) >> 3] & (0x80 >> ((n - 1) & 7))) fields.push(n);
  }
  return { fields, end };
}

/** Hex value of an ASCII hex digit, or -1. */
function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/** The hex bitmap(s) read in place; undefined when anything is wrong (decodeBitmap then says what). */
function decodeHexBitmapFast(data: Buffer, offset: number): DecodedBitmap | undefined {
  const fields: number[] = [];
  let end = offset + 16;
  for (let at = offset, base = 0; at < end; at++, base += 4) {
    if (at >= data.length) return undefined;
    const v = hexValue(data[at]!);
    if (v < 0) return undefined;
    if (at === offset && v & 8 && end === offset + 16) end += 16; // bit 1: a secondary bitmap follows
    for (let bit = 0; bit < 4; bit++) if (v & (8 >> bit) && base + bit > 0) fields.push(base + bit + 1);
  }
  return { fields, end };
}

function readOne(data: Buffer, offset: number, encoding: BitmapEncoding, which: 'primary' | 'secondary'): Buffer {
  const size = bytesPerBitmap(encoding);
  const available = Math.max(0, data.length - offset);
  if (available < size) {
    const announced = which === 'secondary' ? ' (bit 1 of the primary bitmap announces it)' : '';
    throw new Iso8583Error(
      `${which} bitmap${announced}: expected ${size} ${encoding === 'binary' ? 'bytes' : 'hex characters'} at offset ${offset}, found ${available} bytes: the message is truncated`,
      { field: 'bitmap', offset },
    );
  }
  const raw = data.subarray(offset, offset + size);
  if (encoding === 'binary') return raw;
  for (let i = 0; i < size; i++) {
    const c = raw[i];
    const isHex = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
    if (!isHex) {
      throw new Iso8583Error(
        `${which} bitmap: byte 0x${c.toString(16).toUpperCase().padStart(2, '0')} at offset ${offset + i} is not a hex character; ` +
          'this packager expects the bitmap as 16 hex characters (bitmapEncoding "hex") - is the device sending a binary bitmap?',
        { field: 'bitmap', offset: offset + i },
      );
    }
  }
  return Buffer.from(raw.toString('latin1'), 'hex');
}
