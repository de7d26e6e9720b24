/**
 * ZVT number encodings:
 * - packed BCD, two decimal digits per byte, high nibble first, right-aligned with leading
 *   zeros in fixed-size fields (amount 12 digits in 6 bytes: 12.34 → 00 00 00 00 12 34);
 * - card numbers (BMP 22) and track data as BCD nibbles left-aligned, an odd count padded
 *   with an F nibble at the end; terminals may put E in place of masked digits;
 * - LLVAR / LLLVAR lengths: 2 or 3 bytes F0..F9, the low nibbles giving the decimal length
 *   (F1 F6 = 16).
 */
import { ZvtError } from './errors';

/** Packs `value` (decimal digits) right-aligned into `bytes` bytes. */
export function encodeBcdDigits(value: string, bytes: number, what: string): Buffer {
  if (!/^[0-9]*$/.test(value)) throw new ZvtError(`${what} "${value}" must be decimal digits only`);
  if (value.length > bytes * 2) throw new ZvtError(`${what} "${value}" has ${value.length} digits; it fits in at most ${bytes * 2}`);
  return Buffer.from(value.padStart(bytes * 2, '0'), 'hex');
}

/** Packs a non-negative whole number right-aligned into `bytes` bytes of BCD. */
export function encodeBcdNumber(value: number, bytes: number, what: string): Buffer {
  if (!Number.isSafeInteger(value) || value < 0) throw new ZvtError(`${what} ${value} must be a whole number of 0 or more`);
  return encodeBcdDigits(String(value), bytes, what);
}

/** The nibbles of `bytes` as uppercase hex characters ("4761F" …). */
export function nibbles(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex').toUpperCase();
}

/** Reads fixed BCD digits; a nibble above 9 is an error naming the field and offset. */
export function decodeBcdDigits(bytes: Uint8Array, what: string, offset: number, bmp?: number): string {
  const digits = nibbles(bytes);
  const bad = digits.search(/[^0-9]/);
  if (bad !== -1) {
    throw new ZvtError(`${what}: byte ${Buffer.from(bytes.subarray(bad >> 1, (bad >> 1) + 1)).toString('hex').toUpperCase()} at offset ${offset + (bad >> 1)} is not packed BCD (nibble ${digits[bad]})`, {
      offset: offset + (bad >> 1),
      bmp,
    });
  }
  return digits;
}

/** BCD nibbles left-aligned, an odd count padded with F ("4761739001010119" → 47 61 … 19). */
export function encodeBcdLeft(value: string, what: string): Buffer {
  if (!/^[0-9A-E]*$/i.test(value)) throw new ZvtError(`${what} "${value}" may contain only digits (and D/E separators or mask digits)`);
  return Buffer.from(value.length % 2 === 1 ? `${value}F` : value, 'hex');
}

/** Reverses encodeBcdLeft: all nibbles, trailing F padding removed. */
export function decodeBcdLeft(bytes: Uint8Array): string {
  return nibbles(bytes).replace(/F+$/, '');
}

/** F0..F9 bytes for an LLVAR (2) or LLLVAR (3) length. */
export function encodeVarLength(length: number, digits: 2 | 3, what: string): Buffer {
  const max = digits === 2 ? 99 : 999;
  if (length > max) throw new ZvtError(`${what} is ${length} bytes; an ${digits === 2 ? 'LL' : 'LLL'}VAR field holds at most ${max}`);
  return Buffer.from(
    String(length)
      .padStart(digits, '0')
      .split('')
      .map((d) => 0xf0 | Number(d)),
  );
}

/** Reads an LLVAR/LLLVAR length at `at`; every byte must be F0..F9. */
export function decodeVarLength(apdu: Uint8Array, at: number, digits: 2 | 3, what: string, bmp?: number): number {
  if (at + digits > apdu.length) {
    throw new ZvtError(`${what}: the APDU ends at offset ${apdu.length} inside the ${digits}-byte length at offset ${at}`, { offset: at, bmp });
  }
  let value = 0;
  for (let i = 0; i < digits; i++) {
    const b = apdu[at + i];
    if (b >> 4 !== 0xf || (b & 0x0f) > 9) {
      throw new ZvtError(
        `${what}: length byte ${b.toString(16).toUpperCase().padStart(2, '0')} at offset ${at + i} is not F0..F9 (an ${digits === 2 ? 'LL' : 'LLL'}VAR length is written as Fx digits)`,
        { offset: at + i, bmp },
      );
    }
    value = value * 10 + (b & 0x0f);
  }
  return value;
}
