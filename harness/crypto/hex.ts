import { CryptoError } from './errors';

/**
 * Hex helpers. `parseHex` ignores whitespace (keys are often written in groups of four or
 * eight) and reports problems by position and length only — never by echoing the text, which
 * may be a key.
 */
export function parseHex(text: string, what: string): Buffer {
  const compact = text.replace(/\s+/g, '');
  const bad = compact.search(/[^0-9a-fA-F]/);
  if (bad !== -1) throw new CryptoError('HEX_INVALID', `${what} must be hex digits (0-9, A-F); found another character at position ${bad + 1}`);
  if (compact.length % 2 !== 0) throw new CryptoError('HEX_INVALID', `${what} must have an even number of hex digits, got ${compact.length}`);
  return Buffer.from(compact, 'hex');
}

/** Upper-case hex, the way payment tools and the standards print values. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex').toUpperCase();
}

export function xor(a: Uint8Array, b: Uint8Array): Buffer {
  if (a.length !== b.length) throw new RangeError(`xor of ${a.length} and ${b.length} bytes`);
  const out = Buffer.alloc(a.length);
  for (let i = 0; i < a.length; i++) out[i] = (a[i] as number) ^ (b[i] as number);
  return out;
}
