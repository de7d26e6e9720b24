/**
 * Packed BCD (binary-coded decimal): two 4-bit values per byte, high nibble first, as ISO 8583
 * binary dialects write numeric fields, MTIs and length prefixes. An odd count leaves one
 * nibble spare; it is the "filler" and goes left (value right-aligned, the usual choice for
 * amounts and codes) or right (value left-aligned, as for PANs and track 2).
 */

export type PadSide = 'left' | 'right';

/** Bytes needed for `count` nibbles. */
export function bcdByteLength(count: number): number {
  return Math.ceil(count / 2);
}

/** Packs nibble values (0..15) two per byte, adding `filler` on `side` when the count is odd. */
export function packNibbles(nibbles: readonly number[], side: PadSide, filler: number): Buffer {
  const all = nibbles.length % 2 === 0 ? nibbles : side === 'left' ? [filler, ...nibbles] : [...nibbles, filler];
  const out = Buffer.alloc(all.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = (all[2 * i] << 4) | all[2 * i + 1];
  return out;
}

export interface UnpackedNibbles {
  /** The `count` value nibbles, in order. */
  nibbles: number[];
  /** The filler nibble when `count` is odd. */
  filler?: number;
  /** For each value nibble, the index of its byte in the input (for error offsets). */
  byteIndex: number[];
}

/** Reads `count` nibbles from `bytes` (which holds exactly bcdByteLength(count) bytes). */
export function unpackNibbles(bytes: Buffer, count: number, side: PadSide): UnpackedNibbles {
  const all: number[] = [];
  for (const b of bytes) all.push(b >> 4, b & 0x0f);
  const skip = count % 2 === 1 && side === 'left' ? 1 : 0;
  const nibbles = all.slice(skip, skip + count);
  const byteIndex = nibbles.map((_, i) => (i + skip) >> 1);
  const result: UnpackedNibbles = { nibbles, byteIndex };
  if (count % 2 === 1) result.filler = side === 'left' ? all[0] : all[all.length - 1];
  return result;
}

/** "0123" -> 0x01 0x23. `digits` must hold decimal digits only. */
export function digitsToBcd(digits: string, side: PadSide): Buffer {
  return packNibbles([...digits].map((d) => d.charCodeAt(0) - 0x30), side, 0);
}
