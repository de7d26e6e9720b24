/**
 * Packing and unpacking one data element as its packager entry describes.
 *
 * Attributes (ISO 8583:1987 data element notation): n digits; an letters, digits, space; ans printable
 * ASCII 0x20-0x7E; b binary, given in messages as hex; z the track 2/3 code set of ISO/IEC 7813
 * (digits and the field separator, written "=" in character form and as nibble D in packed
 * BCD, where it is the low nibble of ASCII "=" 0x3D).
 *
 * Values are never repeated in error messages: fields 2, 35, 45 and 52 carry card numbers,
 * track data and PIN blocks, and errors end up in logs and reports. Errors give the offending
 * character and its position instead.
 */
import { Iso8583Error } from '../../errors';
import { bcdByteLength, digitsToBcd, packNibbles, unpackNibbles } from './bcd';
import type { PadSide } from './bcd';
import type { FieldDef, FieldType, LengthType } from './types';

export type LengthEncoding = 'ascii' | 'bcd' | 'binary';
export type DataEncoding = 'ascii' | 'bcd' | 'binary' | 'hex';

/** A packager entry with every default applied. */
export interface FieldSpec {
  readonly number: number;
  readonly name: string;
  readonly type: FieldType;
  readonly length: number;
  readonly lengthType: LengthType;
  readonly lengthEncoding: LengthEncoding;
  readonly dataEncoding: DataEncoding;
  readonly padding: PadSide;
}

/**
 * Defaults match the schema's descriptions: ASCII prefixes and data, b as hex-ASCII, packed
 * n right-aligned (filler left) so "000123" and "123" mean the same amount, packed z
 * left-aligned (filler right) as track 2 is read from its start.
 */
export function resolveFieldSpec(number: number, def: FieldDef): FieldSpec {
  return {
    number,
    name: def.name,
    type: def.type,
    length: def.length,
    lengthType: def.lengthType,
    lengthEncoding: def.lengthEncoding ?? 'ascii',
    dataEncoding: def.dataEncoding ?? (def.type === 'b' ? 'hex' : 'ascii'),
    padding: def.padding ?? (def.type === 'z' ? 'right' : 'left'),
  };
}

export function fieldLabel(spec: FieldSpec): string {
  return `field ${spec.number} (${spec.name})`;
}

function fieldError(spec: FieldSpec, problem: string, offset?: number): Iso8583Error {
  return new Iso8583Error(`${fieldLabel(spec)}: ${problem}`, offset === undefined ? { field: spec.number } : { field: spec.number, offset });
}

const ALLOWED: Record<FieldType, { test: (c: number) => boolean; words: string }> = {
  n: { test: (c) => c >= 0x30 && c <= 0x39, words: 'digits 0-9 only' },
  an: {
    test: (c) => (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x20,
    words: 'letters, digits and space only',
  },
  ans: { test: (c) => c >= 0x20 && c <= 0x7e, words: 'printable ASCII characters only (0x20-0x7E)' },
  // "D" is accepted as the separator too: many terminals write track 2 as its BCD nibbles in hex.
  z: { test: (c) => (c >= 0x30 && c <= 0x39) || c === 0x3d || c === 0x44, words: 'digits and the separator "=" (or "D") only' },
  b: {
    test: (c) => (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66),
    words: 'hex digits only (the value of a b field is its bytes in hex)',
  },
};

/**
 * The same rules as 256-entry tables, for the per-character loops of every message packed and
 * unpacked (a table read is several times cheaper than a call per character).
 */
const ALLOWED_TABLE: Record<FieldType, Uint8Array> = {
  n: allowedTable('n'),
  an: allowedTable('an'),
  ans: allowedTable('ans'),
  z: allowedTable('z'),
  b: allowedTable('b'),
};

function allowedTable(type: FieldType): Uint8Array {
  const table = new Uint8Array(256);
  for (let c = 0; c < 256; c++) table[c] = ALLOWED[type].test(c) ? 1 : 0;
  return table;
}

/** How a count of this field's units reads: "12 digits", "8 bytes". */
function units(spec: FieldSpec, count: number): string {
  const word = spec.type === 'n' ? 'digit' : spec.type === 'z' ? 'track-2 character' : spec.type === 'b' ? 'byte' : 'character';
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/** The number of wire bytes that `count` units take, and how to say it when it differs from the count. */
function dataSize(spec: FieldSpec, count: number): { bytes: number; note: string } {
  if (spec.dataEncoding === 'bcd') {
    const bytes = bcdByteLength(count);
    return { bytes, note: ` (${bytes} byte${bytes === 1 ? '' : 's'} of packed BCD)` };
  }
  if (spec.dataEncoding === 'hex') return { bytes: count * 2, note: ` (${count * 2} hex characters)` };
  return { bytes: count, note: '' };
}

function prefixDigits(spec: FieldSpec): number {
  return spec.lengthType === 'llvar' ? 2 : 3;
}

function prefixSize(spec: FieldSpec): number {
  const digits = prefixDigits(spec);
  if (spec.lengthEncoding === 'ascii') return digits;
  if (spec.lengthEncoding === 'bcd') return bcdByteLength(digits);
  return spec.lengthType === 'llvar' ? 1 : 2;
}

/** "an n field", "a b field": the type letters read as spoken ("en", "bee", "zed"). */
function typeWithArticle(type: FieldType): string {
  return `${type === 'b' || type === 'z' ? 'a' : 'an'} ${type} field`;
}

function hexByte(c: number): string {
  return `0x${c.toString(16).toUpperCase().padStart(2, '0')}`;
}

function describeByte(c: number): string {
  return c >= 0x20 && c <= 0x7e ? `${hexByte(c)} ("${String.fromCharCode(c)}")` : hexByte(c);
}

// ---------------------------------------------------------------------------------------------
// Packing

/**
 * The wire bytes of one data element: length prefix (llvar/lllvar) then the value.
 * Fixed n values may be shorter than the field and are zero-filled on the left (an amount of
 * "1000" is "000000001000"), because that is the value they mean; every other fixed value must
 * have exactly the field's length, as there is no filler the codec could guess safely.
 */
export function packField(spec: FieldSpec, value: unknown): Buffer {
  if (typeof value !== 'string') {
    throw fieldError(spec, `the value must be a string (b fields as hex), found ${value === null ? 'null' : typeof value}`);
  }
  const allowed = ALLOWED[spec.type];
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (!allowed.test(c)) {
      const shown = c >= 0x20 && c <= 0x7e ? `"${value[i]}"` : `U+${c.toString(16).toUpperCase().padStart(4, '0')}`;
      throw fieldError(spec, `character ${shown} at position ${i + 1} is not allowed: ${typeWithArticle(spec.type)} takes ${allowed.words}`);
    }
  }
  if (spec.type === 'b' && value.length % 2 === 1) {
    throw fieldError(spec, `the hex value has ${value.length} characters, an odd number: each byte takes two hex characters`);
  }

  let text = value;
  const count = spec.type === 'b' ? value.length / 2 : value.length;
  if (spec.lengthType === 'fixed') {
    if (spec.type === 'n' && count >= 1 && count < spec.length) {
      text = value.padStart(spec.length, '0');
    } else if (count !== spec.length) {
      const howTo = spec.type === 'n' ? `give 1 to ${spec.length} digits (shorter values are zero-filled on the left)` : 'pad or trim it to that length';
      throw fieldError(spec, `the value has ${units(spec, count)} but this fixed field takes exactly ${spec.length}: ${howTo}`);
    }
  } else if (count > spec.length) {
    throw fieldError(spec, `the value has ${units(spec, count)} but this ${spec.lengthType} field takes at most ${spec.length}`);
  }

  const data = encodeData(spec, text);
  if (spec.lengthType === 'fixed') return data;
  return Buffer.concat([encodePrefix(spec, count), data]);
}

/**
 * The wire form of a field as latin1 text when the packager writes it as text (ASCII or hex
 * data, no prefix or an ASCII one) and the value is valid; otherwise undefined, and packField
 * (which explains what is wrong) is the way. Same rules as packField: the fast path for the
 * fields of an everyday message.
 */
export function packFieldText(spec: FieldSpec, value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  if (spec.dataEncoding !== 'ascii' && spec.dataEncoding !== 'hex') return undefined;
  const fixed = spec.lengthType === 'fixed';
  if (!fixed && spec.lengthEncoding !== 'ascii') return undefined;
  const table = ALLOWED_TABLE[spec.type];
  const length = value.length;
  for (let i = 0; i < length; i++) if (table[value.charCodeAt(i)] !== 1) return undefined;
  const isB = spec.type === 'b';
  if (isB && length % 2 === 1) return undefined;
  const count = isB ? length / 2 : length;
  let text = value;
  if (fixed) {
    if (count !== spec.length) {
      if (spec.type === 'n' && count >= 1 && count < spec.length) text = value.padStart(spec.length, '0');
      else return undefined;
    }
  } else if (count > spec.length) return undefined;
  if (spec.dataEncoding === 'hex') text = text.toUpperCase();
  if (fixed) return text;
  return (spec.lengthType === 'llvar' ? (count < 10 ? '0' : '') : count < 10 ? '00' : count < 100 ? '0' : '') + count + text;
}

function encodeData(spec: FieldSpec, text: string): Buffer {
  switch (spec.dataEncoding) {
    case 'bcd':
      if (spec.type === 'z') {
        const nibbles = [...text].map((ch) => (ch === '=' || ch === 'D' ? 0x0d : ch.charCodeAt(0) - 0x30));
        return packNibbles(nibbles, spec.padding, 0x0f);
      }
      return digitsToBcd(text, spec.padding);
    case 'binary':
      return Buffer.from(text, 'hex');
    case 'hex':
      return Buffer.from(text.toUpperCase(), 'latin1');
    case 'ascii':
      return Buffer.from(text, 'latin1');
  }
}

function encodePrefix(spec: FieldSpec, count: number): Buffer {
  const digits = String(count).padStart(prefixDigits(spec), '0');
  switch (spec.lengthEncoding) {
    case 'ascii':
      return Buffer.from(digits, 'latin1');
    case 'bcd':
      return digitsToBcd(digits, 'left');
    case 'binary': {
      const out = Buffer.alloc(prefixSize(spec));
      if (out.length === 1) out[0] = count;
      else out.writeUInt16BE(count);
      return out;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Unpacking

export interface UnpackedField {
  /** The value as a message holds it: digits, characters, or uppercase hex for b. */
  value: string;
  /** Offset of the first byte after the field. */
  end: number;
}

/**
 * Reads one data element starting at `offset`; errors name the field and the byte offset.
 * `latin1`, when given, is `data` decoded as latin1 (the codec decodes a message once).
 */
export function unpackField(spec: FieldSpec, data: Buffer, offset: number, latin1?: string): UnpackedField {
  let at = offset;
  let count = spec.length;
  if (spec.lengthType !== 'fixed') {
    count = decodePrefix(spec, data, at);
    at += prefixSize(spec);
  }
  const encoding = spec.dataEncoding;
  // ASCII and hex data, the everyday case: checked and read in place.
  if (encoding === 'ascii' || encoding === 'hex') {
    const end = at + count * (encoding === 'hex' ? 2 : 1);
    if (end <= data.length) {
      const table = ALLOWED_TABLE[spec.type];
      let i = at;
      while (i < end && table[data[i]!] === 1) i++;
      if (i === end) {
        // `latin1`: the whole message as text, decoded once by the caller; slices of it are cheap.
        const text = latin1 !== undefined ? latin1.slice(at, end) : data.toString('latin1', at, end);
        return { value: encoding === 'hex' ? text.toUpperCase() : text, end };
      }
    }
  }
  const { bytes, note } = dataSize(spec, count);
  const available = data.length - at;
  if (available < bytes) {
    throw fieldError(spec, `expected ${units(spec, count)}${note} at offset ${at}, found ${available} byte${available === 1 ? '' : 's'}: the message is truncated`, at);
  }
  const raw = data.subarray(at, at + bytes);
  return { value: decodeData(spec, raw, count, at), end: at + bytes };
}

function decodePrefix(spec: FieldSpec, data: Buffer, offset: number): number {
  const size = prefixSize(spec);
  const available = data.length - offset;
  const what = `${spec.lengthType === 'llvar' ? 'LL' : 'LLL'} length prefix`;
  if (available < size) {
    throw fieldError(spec, `expected a ${size}-byte ${what} at offset ${offset}, found ${Math.max(0, available)} byte${available === 1 ? '' : 's'}: the message is truncated`, offset);
  }
  if (spec.lengthEncoding === 'ascii') {
    let value = 0;
    let i = 0;
    for (; i < size; i++) {
      const d = data[offset + i]! - 0x30;
      if (d < 0 || d > 9) break;
      value = value * 10 + d;
    }
    if (i === size && value <= spec.length) return value;
  }
  const raw = data.subarray(offset, offset + size);
  let count: number;
  switch (spec.lengthEncoding) {
    case 'ascii':
      for (let i = 0; i < size; i++) {
        if (raw[i] < 0x30 || raw[i] > 0x39) {
          throw fieldError(spec, `${what} byte ${describeByte(raw[i])} at offset ${offset + i} is not an ASCII digit`, offset + i);
        }
      }
      count = Number(raw.toString('latin1'));
      break;
    case 'bcd': {
      const { nibbles, byteIndex } = unpackNibbles(raw, size * 2, 'left');
      const bad = nibbles.findIndex((v) => v > 9);
      if (bad >= 0) {
        throw fieldError(spec, `${what} byte ${hexByte(raw[byteIndex[bad]])} at offset ${offset + byteIndex[bad]} is not packed BCD (a nibble above 9)`, offset + byteIndex[bad]);
      }
      count = nibbles.reduce((n, v) => n * 10 + v, 0);
      break;
    }
    case 'binary':
      count = size === 1 ? raw[0] : raw.readUInt16BE(0);
      break;
  }
  if (count > spec.length) {
    throw fieldError(spec, `${what} at offset ${offset} says ${units(spec, count)}, more than the ${spec.length} this field allows`, offset);
  }
  return count;
}

function decodeData(spec: FieldSpec, raw: Buffer, count: number, offset: number): string {
  switch (spec.dataEncoding) {
    case 'bcd':
      return decodeBcd(spec, raw, count, offset);
    case 'binary':
      return raw.toString('hex').toUpperCase();
    case 'hex':
    case 'ascii': {
      const allowed = ALLOWED[spec.type];
      for (let i = 0; i < raw.length; i++) {
        if (!allowed.test(raw[i])) {
          throw fieldError(spec, `byte ${describeByte(raw[i])} at offset ${offset + i} is not allowed: ${typeWithArticle(spec.type)} takes ${allowed.words}`, offset + i);
        }
      }
      const text = raw.toString('latin1');
      return spec.dataEncoding === 'hex' ? text.toUpperCase() : text;
    }
  }
}

/**
 * Packed n or z. The filler nibble is 0 for n and F for z when packing, but either is accepted
 * when unpacking: jPOS's ISO87BPackager fills track 2 with 0 and some terminals fill PANs with F.
 * Track-2 separators (nibble D) come back as "=".
 */
function decodeBcd(spec: FieldSpec, raw: Buffer, count: number, offset: number): string {
  const { nibbles, filler, byteIndex } = unpackNibbles(raw, count, spec.padding);
  if (filler !== undefined && filler !== 0x0 && filler !== 0xf) {
    const fillerByte = spec.padding === 'left' ? 0 : raw.length - 1;
    throw fieldError(
      spec,
      `filler nibble ${filler.toString(16).toUpperCase()} in byte ${hexByte(raw[fillerByte])} at offset ${offset + fillerByte} should be 0 or F ` +
        `(an odd ${units(spec, count)} leaves one nibble spare on the ${spec.padding})`,
      offset + fillerByte,
    );
  }
  let text = '';
  for (let i = 0; i < nibbles.length; i++) {
    const v = nibbles[i];
    if (v <= 9) text += String.fromCharCode(0x30 + v);
    else if (spec.type === 'z' && v === 0x0d) text += '=';
    else {
      const expected = spec.type === 'z' ? 'digits and the separator nibble D' : 'digits 0-9';
      throw fieldError(
        spec,
        `byte ${hexByte(raw[byteIndex[i]])} at offset ${offset + byteIndex[i]} holds nibble ${v.toString(16).toUpperCase()}, which is not packed BCD (expected ${expected})`,
        offset + byteIndex[i],
      );
    }
  }
  return text;
}
