import crypto from 'node:crypto';
import { ecbDecrypt, ecbEncrypt } from './block';
import { CryptoError } from './errors';
import { xor } from './hex';

/**
 * ISO 9564-1:2017 PIN block formats:
 * - format 0 (= ANSI X9.8): 0 ‖ N ‖ PIN ‖ F-fill, XOR the account number field;
 * - format 1: 1 ‖ N ‖ PIN ‖ random 0–F fill, no account number;
 * - format 3: as format 0 with random A–F fill;
 * - format 4 (AES): a 16-byte PIN field (4 ‖ N ‖ PIN ‖ A-fill to 16 nibbles ‖ 8 random
 *   bytes) and a 16-byte PAN field (M ‖ PAN ‖ 0-fill, M = PAN length − 12), enciphered as
 *   E(E(PIN field) ⊕ PAN field) — encipher, XOR, encipher.
 * Formats 0, 1 and 3 are 8-byte blocks for TDEA; `encodeClearPinBlock` gives the clear block and
 * the caller (or `encryptPinBlock`) enciphers it.
 *
 * Randomness comes from a `RandomSource` so tests can be deterministic; the default is
 * crypto.randomBytes. Errors never contain the PIN.
 */

export type PinBlockFormat = 0 | 1 | 3 | 4;
export const PIN_BLOCK_FORMATS: readonly PinBlockFormat[] = [0, 1, 3, 4];

/** Returns `n` random bytes. */
export type RandomSource = (n: number) => Uint8Array;
export const systemRandom: RandomSource = (n) => crypto.randomBytes(n);

export function checkPin(pin: string): void {
  if (!/^[0-9]+$/.test(pin)) throw new CryptoError('PIN_INVALID', 'the PIN must be digits only');
  if (pin.length < 4 || pin.length > 12) throw new CryptoError('PIN_INVALID', `the PIN must be 4 to 12 digits (ISO 9564-1), got ${pin.length}`);
}

export function checkPan(pan: string): void {
  if (!/^[0-9]+$/.test(pan)) throw new CryptoError('PAN_INVALID', 'the PAN must be digits only');
  if (pan.length < 8 || pan.length > 19) throw new CryptoError('PAN_INVALID', `the PAN must be 8 to 19 digits (ISO/IEC 7812-1), got ${pan.length}`);
}

function nibblesToBuffer(nibbles: number[]): Buffer {
  const out = Buffer.alloc(nibbles.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = ((nibbles[2 * i] as number) << 4) | (nibbles[2 * i + 1] as number);
  return out;
}

function bufferToNibbles(buf: Uint8Array): number[] {
  const out: number[] = [];
  for (const b of buf) out.push(b >> 4, b & 0x0f);
  return out;
}

/** `count` random nibbles in [lo, hi], by rejection sampling (no modulo bias). */
function randomNibbles(count: number, lo: number, hi: number, random: RandomSource): number[] {
  const span = hi - lo + 1;
  const limit = 256 - (256 % span);
  const out: number[] = [];
  for (let round = 0; out.length < count; round++) {
    // A broken (e.g. constant 0xFF) source must not hang the calculator.
    if (round === 64) throw new RangeError('the random source keeps returning unusable bytes');
    for (const b of random(count - out.length + 4)) {
      if (b < limit && out.length < count) out.push(lo + (b % span));
    }
  }
  return out;
}

/**
 * The account number field of formats 0 and 3: 0000 ‖ the 12 rightmost PAN digits
 * excluding the check digit, left-padded with zeros when there are fewer.
 */
export function panField8(pan: string): Buffer {
  checkPan(pan);
  const digits = pan.slice(0, -1).slice(-12).padStart(12, '0');
  return Buffer.from('0000' + digits, 'hex');
}

function pinField8(format: 0 | 1 | 3, pin: string, random: RandomSource): Buffer {
  checkPin(pin);
  const fillCount = 14 - pin.length;
  const fill =
    format === 0 ? new Array<number>(fillCount).fill(0xf) : format === 1 ? randomNibbles(fillCount, 0x0, 0xf, random) : randomNibbles(fillCount, 0xa, 0xf, random);
  return nibblesToBuffer([format, pin.length, ...Array.from(pin, Number), ...fill]);
}

/** The clear 8-byte PIN block of format 0, 1 or 3. Formats 0 and 3 need the PAN. */
export function encodeClearPinBlock(format: 0 | 1 | 3, pin: string, pan?: string, random: RandomSource = systemRandom): Buffer {
  const field = pinField8(format, pin, random);
  if (format === 1) return field;
  if (pan === undefined) throw new CryptoError('PAN_INVALID', `PIN block format ${format} needs the PAN`);
  return xor(field, panField8(pan));
}

/** The PIN from a clear 8-byte PIN block of format 0, 1 or 3 (formats 0 and 3 need the PAN). */
export function decodeClearPinBlock(format: 0 | 1 | 3, block: Uint8Array, pan?: string): string {
  if (block.length !== 8) throw new CryptoError('PIN_BLOCK_INVALID', `a format ${format} PIN block is 8 bytes (16 hex digits), got ${block.length * 2} hex digits`);
  let field: Buffer = Buffer.from(block);
  if (format !== 1) {
    if (pan === undefined) throw new CryptoError('PAN_INVALID', `PIN block format ${format} needs the PAN to decode`);
    field = xor(field, panField8(pan));
  }
  const n = bufferToNibbles(field);
  const hint = format === 1 ? '' : ' (is the PAN right?)';
  if (n[0] !== format) throw new CryptoError('PIN_BLOCK_INVALID', `not a format ${format} PIN block: the control field is ${(n[0] as number).toString(16).toUpperCase()}${hint}`);
  const len = n[1] as number;
  if (len < 4 || len > 12) throw new CryptoError('PIN_BLOCK_INVALID', `the PIN block's length field says ${len} digits; ISO 9564-1 allows 4 to 12${hint}`);
  const digits = n.slice(2, 2 + len);
  if (digits.some((d) => d > 9)) throw new CryptoError('PIN_BLOCK_INVALID', `the PIN block's PIN field holds a non-digit${hint}`);
  const fill = n.slice(2 + len);
  if (format === 0 && fill.some((d) => d !== 0xf)) throw new CryptoError('PIN_BLOCK_INVALID', `format 0 fill must be all F${hint}`);
  if (format === 3 && fill.some((d) => d < 0xa)) throw new CryptoError('PIN_BLOCK_INVALID', `format 3 fill must be A–F${hint}`);
  return digits.join('');
}

/** Format 4 plain text PIN field: 4 ‖ N ‖ PIN ‖ A-fill (to 16 nibbles) ‖ 8 random bytes. */
export function format4PinField(pin: string, random: RandomSource = systemRandom): Buffer {
  checkPin(pin);
  const head = nibblesToBuffer([4, pin.length, ...Array.from(pin, Number), ...new Array<number>(14 - pin.length).fill(0xa)]);
  const tail = Buffer.from(random(8)).subarray(0, 8);
  if (tail.length !== 8) throw new RangeError('the random source returned fewer than 8 bytes');
  return Buffer.concat([head, tail]);
}

/**
 * Format 4 plain text PAN field: M ‖ PAN ‖ 0-fill to 32 nibbles, M = PAN length − 12
 * (0–7); a PAN shorter than 12 digits is left-padded with zeros to 12 and M = 0.
 */
export function format4PanField(pan: string): Buffer {
  checkPan(pan);
  const digits = pan.length < 12 ? pan.padStart(12, '0') : pan;
  return Buffer.from((String(digits.length - 12) + digits).padEnd(32, '0'), 'hex');
}

function checkAesKey(key: Uint8Array): void {
  if (key.length !== 16 && key.length !== 24 && key.length !== 32) {
    throw new CryptoError('KEY_LENGTH', `a format 4 PIN block key is AES: 16, 24 or 32 bytes, got ${key.length} bytes`);
  }
}

/** ISO 9564-1:2017 format 4 encipherment: A = E(K, PIN field); B = A ⊕ PAN field; block = E(K, B). */
export function encipherFormat4(pin: string, pan: string, key: Uint8Array, random: RandomSource = systemRandom): Buffer {
  checkAesKey(key);
  const a = ecbEncrypt('aes', key, format4PinField(pin, random));
  return ecbEncrypt('aes', key, xor(a, format4PanField(pan)));
}

/** ISO 9564-1:2017 format 4 decipherment: B = D(K, block); A = B ⊕ PAN field; PIN field = D(K, A). */
export function decipherFormat4(block: Uint8Array, pan: string, key: Uint8Array): string {
  checkAesKey(key);
  if (block.length !== 16) throw new CryptoError('PIN_BLOCK_INVALID', `a format 4 PIN block is 16 bytes (32 hex digits), got ${block.length * 2} hex digits`);
  const b = ecbDecrypt('aes', key, block);
  const field = ecbDecrypt('aes', key, xor(b, format4PanField(pan)));
  const n = bufferToNibbles(field.subarray(0, 8));
  const hint = ' (is the key or the PAN right?)';
  if (n[0] !== 4) throw new CryptoError('PIN_BLOCK_INVALID', `not a format 4 PIN block: the control field is ${(n[0] as number).toString(16).toUpperCase()}${hint}`);
  const len = n[1] as number;
  if (len < 4 || len > 12) throw new CryptoError('PIN_BLOCK_INVALID', `the PIN block's length field says ${len} digits; ISO 9564-1 allows 4 to 12${hint}`);
  const digits = n.slice(2, 2 + len);
  if (digits.some((d) => d > 9)) throw new CryptoError('PIN_BLOCK_INVALID', `the PIN block's PIN field holds a non-digit${hint}`);
  if (n.slice(2 + len).some((d) => d !== 0xa)) throw new CryptoError('PIN_BLOCK_INVALID', `format 4 fill must be all A${hint}`);
  return digits.join('');
}

export interface EncodePinBlockOptions {
  format: PinBlockFormat;
  pin: string;
  pan?: string;
  /** Formats 0/1/3: optional TDEA key (8, 16 or 24 bytes) to encipher the block; format 4: the AES key (required). */
  key?: Uint8Array;
  random?: RandomSource;
}

export interface EncodedPinBlock {
  format: PinBlockFormat;
  /** The clear 8-byte block (formats 0/1/3) or the plain text PIN field (format 4). */
  clear: Buffer;
  /** The enciphered block, when a key was given (always for format 4). */
  encrypted?: Buffer;
}

/** Encode (and, with a key, encipher) a PIN block of any supported format. */
export function encodePinBlock(o: EncodePinBlockOptions): EncodedPinBlock {
  const random = o.random ?? systemRandom;
  if (o.format === 4) {
    if (o.pan === undefined) throw new CryptoError('PAN_INVALID', 'PIN block format 4 needs the PAN');
    if (!o.key) throw new CryptoError('KEY_SOURCE', 'PIN block format 4 is enciphered with an AES key: give the key');
    // Draw the random bytes once so the reported PIN field is the one that was enciphered.
    const randomBytes = Buffer.from(random(8));
    const fixed: RandomSource = () => randomBytes;
    return { format: 4, clear: format4PinField(o.pin, fixed), encrypted: encipherFormat4(o.pin, o.pan, o.key, fixed) };
  }
  if (o.format !== 0 && o.format !== 1 && o.format !== 3) throw new CryptoError('PIN_BLOCK_INVALID', `unsupported PIN block format ${String(o.format)} (supported: ${PIN_BLOCK_FORMATS.join(', ')})`);
  const clear = encodeClearPinBlock(o.format, o.pin, o.pan, random);
  return { format: o.format, clear, encrypted: o.key ? ecbEncrypt('tdes', o.key, clear) : undefined };
}

export interface DecodePinBlockOptions {
  format: PinBlockFormat;
  block: Uint8Array;
  pan?: string;
  /** Formats 0/1/3: when given, the block is enciphered under this TDEA key; format 4: the AES key (required). */
  key?: Uint8Array;
}

/** The PIN from a PIN block of any supported format. */
export function decodePinBlock(o: DecodePinBlockOptions): string {
  if (o.format === 4) {
    if (o.pan === undefined) throw new CryptoError('PAN_INVALID', 'PIN block format 4 needs the PAN to decode');
    if (!o.key) throw new CryptoError('KEY_SOURCE', 'PIN block format 4 can only be decoded with its AES key: give the key');
    return decipherFormat4(o.block, o.pan, o.key);
  }
  if (o.format !== 0 && o.format !== 1 && o.format !== 3) throw new CryptoError('PIN_BLOCK_INVALID', `unsupported PIN block format ${String(o.format)} (supported: ${PIN_BLOCK_FORMATS.join(', ')})`);
  if (o.block.length !== 8) throw new CryptoError('PIN_BLOCK_INVALID', `a format ${o.format} PIN block is 8 bytes (16 hex digits), got ${o.block.length * 2} hex digits`);
  const clear = o.key ? ecbDecrypt('tdes', o.key, o.block) : Buffer.from(o.block);
  return decodeClearPinBlock(o.format, clear, o.pan);
}
