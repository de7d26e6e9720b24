/**
 * ISO 8583 message codec: MTI, bitmap(s), then the data elements the bitmap announces in
 * ascending order, as ISO 8583:1987 lays out every message. Everything dialect-specific comes from the
 * packager, so one codec serves every device.
 */
import { Iso8583Error } from '../../errors';
import { decodeBitmap, encodeBitmap } from './bitmap';
import { digitsToBcd, unpackNibbles } from './bcd';
import { fieldLabel, packField, packFieldText, resolveFieldSpec, unpackField } from './field-codec';
import type { FieldSpec } from './field-codec';
import { validatePackager } from './packager';
import type { Iso8583Message, PackagerDef } from './types';

const MTI_DIGITS = 4;
/** ASCII MTIs by their value (0–9999), made on first sight (unpackMti). */
const MTI_TEXT: (string | undefined)[] = new Array<string | undefined>(10_000);

/** Where a field's text lies in packed bytes (`at` is -1 until found). */
export interface FieldPlace {
  number: number;
  at: number;
  length: number;
}
const HEX_DIGITS = Buffer.from('0123456789ABCDEF', 'latin1');

function isFourDigits(s: string): boolean {
  if (s.length !== 4) return false;
  for (let i = 0; i < 4; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

export class Iso8583Codec {
  /** The packager as validated (defaults not filled in). */
  readonly packager: PackagerDef;
  private readonly specs = new Map<number, FieldSpec>();
  /**
   * The last value packed per field and its wire text: terminal id, merchant, currency, card
   * and the like repeat in every request of a run.
   */
  private readonly lastValue: unknown[] = [];
  private readonly lastText: string[] = [];
  /** The same specs by the keys messages use ("2", "11"): no parsing per field. */
  private readonly specsByKey = new Map<string, FieldSpec>();
  /** ASCII MTI and hex bitmap: messages can be packed as text (packText). */
  private readonly textDialect: boolean;
  /** packText's scratch: the fields' texts in order, and the bitmap as four 32-bit words. */
  private readonly texts: string[] = [];
  private readonly words = new Uint32Array(4);

  /**
   * Validates the packager against the packager schema (a code-built packager gets the same
   * checks as a file) and throws PoshilError PACKAGER_INVALID if it is malformed.
   */
  constructor(packager: PackagerDef) {
    const name = typeof packager === 'object' && packager !== null && typeof packager.name === 'string' ? packager.name : '(unnamed)';
    this.packager = validatePackager(packager, `packager "${name}"`);
    for (const [key, def] of Object.entries(this.packager.fields)) {
      const number = Number(key);
      const spec = resolveFieldSpec(number, def);
      this.specs.set(number, spec);
      if (number >= 2) this.specsByKey.set(String(number), spec);
    }
    this.textDialect = this.packager.mtiEncoding !== 'bcd' && this.packager.bitmapEncoding === 'hex';
  }

  /**
   * Message to wire bytes. Field 1 (secondary bitmap) is set automatically when any field
   * 65-128 is present and must not be given. Fields whose value is undefined are left out.
   * Throws Iso8583Error naming the field for a value the packager cannot carry.
   */
  pack(msg: Iso8583Message): Buffer {
    return this.packFinding(msg);
  }

  /**
   * pack(), also saying where field `field`'s text lies in the bytes: when the message took the
   * text path and the field is fixed-length, so the field can be rewritten in place in a copy
   * (a request sent again under a new STAN: prepared-request.ts). Otherwise no `field`.
   */
  packLocating(msg: Iso8583Message, field: number): { bytes: Buffer; field?: FieldPlace } {
    const place: FieldPlace = { number: field, at: -1, length: 0 };
    const bytes = this.packFinding(msg, place);
    return place.at >= 0 ? { bytes, field: place } : { bytes };
  }

  /** pack(), filling in `place` when the text path writes its field. */
  private packFinding(msg: Iso8583Message, place?: FieldPlace): Buffer {
    if (typeof msg !== 'object' || msg === null || typeof msg.fields !== 'object' || msg.fields === null) {
      throw new Iso8583Error('cannot pack: the message must be an object { mti, fields }');
    }
    const fields = msg.fields as Record<string, unknown>;
    const keys = Object.keys(fields);
    // Everyday dialects (ASCII MTI, hex bitmap, ASCII fields) are written straight into the
    // message's bytes; anything binary, or anything packFieldText turns down, goes field by field.
    if (this.textDialect && typeof msg.mti === 'string' && isFourDigits(msg.mti)) {
      const bytes = this.packText(msg.mti, fields, keys, place);
      if (bytes) return bytes;
    }
    const specs: FieldSpec[] = [];
    const values: unknown[] = [];
    let ascending = true;
    // Integer keys come out of Object.keys in ascending order, so the sort is rarely needed.
    for (const key of keys) {
      const value = fields[key];
      if (value === undefined) continue;
      const spec = this.specsByKey.get(key) ?? this.specForKey(key);
      if (specs.length > 0 && spec.number < specs[specs.length - 1]!.number) ascending = false;
      specs.push(spec);
      values.push(value);
    }
    if (!ascending) {
      const order = specs.map((_, i) => i).sort((a, b) => specs[a]!.number - specs[b]!.number);
      const [s, v] = [order.map((i) => specs[i]!), order.map((i) => values[i])];
      specs.splice(0, specs.length, ...s);
      values.splice(0, values.length, ...v);
    }
    const numbers = specs.map((spec) => spec.number);
    const parts = [this.packMti(msg.mti), encodeBitmap(numbers, this.packager.bitmapEncoding)];
    for (let i = 0; i < specs.length; i++) parts.push(packField(specs[i]!, values[i]));
    return Buffer.concat(parts);
  }

  /**
   * The text dialect's message as bytes, written in place: MTI, hex bitmap, then each field's
   * text (the last text per field is kept: most fields repeat from one request to the next).
   * No string is joined and no array made per message: this runs for every request a load
   * test sends. Undefined when a field is not plain text, or the keys are not in ascending
   * order: the general path handles (or rejects) those.
   */
  private packText(mti: string, fields: Record<string, unknown>, keys: string[], place: FieldPlace | undefined): Buffer | undefined {
    const texts = this.texts;
    let count = 0;
    let locateIndex = -1;
    let size = MTI_DIGITS + 16;
    let previous = 0;
    const words = this.words;
    words.fill(0);
    for (const key of keys) {
      const value = fields[key];
      if (value === undefined) continue;
      const spec = this.specsByKey.get(key) ?? this.specForKey(key);
      const n = spec.number;
      if (n < previous) return undefined;
      previous = n;
      let text = this.lastValue[n] === value ? this.lastText[n] : undefined;
      if (text === undefined) {
        text = packFieldText(spec, value);
        if (text === undefined) return undefined;
        this.lastValue[n] = value;
        this.lastText[n] = text;
      }
      if (n === place?.number && spec.lengthType === 'fixed') locateIndex = count;
      texts[count++] = text;
      size += text.length;
      words[(n - 1) >> 5] |= 0x80000000 >>> ((n - 1) & 31);
    }
    const secondary = previous > 64;
    if (secondary) {
      words[0] |= 0x80000000;
      size += 16;
    }
    const out = Buffer.allocUnsafe(size);
    for (let i = 0; i < MTI_DIGITS; i++) out[i] = mti.charCodeAt(i);
    let p = MTI_DIGITS;
    for (let w = 0; w < (secondary ? 4 : 2); w++) {
      const word = words[w]!;
      for (let shift = 28; shift >= 0; shift -= 4) out[p++] = HEX_DIGITS[(word >>> shift) & 15]!;
    }
    for (let i = 0; i < count; i++) {
      const text = texts[i]!;
      if (i === locateIndex) {
        place!.at = p;
        place!.length = text.length;
      }
      // packFieldText admits only characters below 256: each is its latin1 byte.
      for (let j = 0; j < text.length; j++) out[p++] = text.charCodeAt(j);
    }
    return out;
  }

  /**
   * Wire bytes to message. The whole buffer must be one message: a short buffer, a field the
   * packager does not define, or bytes left over after the last field all throw Iso8583Error
   * with the byte offset, because each means the packager does not match the device.
   */
  unpack(data: Buffer): Iso8583Message {
    if (!Buffer.isBuffer(data)) throw new Iso8583Error('cannot unpack: the data must be a Buffer');
    const mti = this.unpackMti(data);
    const bitmap = decodeBitmap(data, this.mtiSize(), this.packager.bitmapEncoding);
    const fields: Record<number, string> = {};
    // The highest field first: its slot sizes the object's element store once, instead of the
    // store growing (and being copied) as ascending fields arrive. Overwritten below.
    const highest = bitmap.fields[bitmap.fields.length - 1];
    if (highest !== undefined) fields[highest] = '';
    let offset = bitmap.end;
    const latin1 = data.toString('latin1');
    let last: FieldSpec | undefined;
    for (const number of bitmap.fields) {
      const spec = this.specs.get(number);
      if (spec === undefined) {
        throw new Iso8583Error(
          `the bitmap announces field ${number}, which packager "${this.packager.name}" does not define, so the message cannot be read ` +
            `from offset ${offset} on: add field ${number} to the packager or check that it is the right one for this device`,
          { field: number, offset },
        );
      }
      const { value, end } = unpackField(spec, data, offset, latin1);
      fields[number] = value;
      offset = end;
      last = spec;
    }
    if (offset < data.length) {
      const extra = data.length - offset;
      const after = last === undefined ? 'the bitmap' : `the last field, ${fieldLabel(last)}`;
      throw new Iso8583Error(
        `${extra} unexpected byte${extra === 1 ? '' : 's'} at offset ${offset}, after ${after}: the bitmap does not account for them, ` +
          'so a field is longer on the device than in the packager or the packager is not the right one',
        { offset },
      );
    }
    return { mti, fields };
  }

  private mtiSize(): number {
    return this.packager.mtiEncoding === 'bcd' ? MTI_DIGITS / 2 : MTI_DIGITS;
  }

  private packMti(mti: unknown): Buffer {
    if (typeof mti !== 'string' || !/^[0-9]{4}$/.test(mti)) {
      const found = typeof mti === 'string' ? `${mti.length} characters` : typeof mti;
      throw new Iso8583Error(`MTI must be 4 digits such as "0200" (ISO 8583:1987: version, class, function, origin), found ${found}${typeof mti === 'string' ? ` "${mti}"` : ''}`, { field: 'mti' });
    }
    return this.packager.mtiEncoding === 'bcd' ? digitsToBcd(mti, 'left') : Buffer.from(mti, 'latin1');
  }

  private unpackMti(data: Buffer): string {
    const size = this.mtiSize();
    if (data.length < size) {
      throw new Iso8583Error(`MTI: expected ${size} bytes at offset 0, found ${data.length}: the message is truncated`, { field: 'mti', offset: 0 });
    }
    if (this.packager.mtiEncoding === 'bcd') {
      const { nibbles, byteIndex } = unpackNibbles(data.subarray(0, size), MTI_DIGITS, 'left');
      const bad = nibbles.findIndex((v) => v > 9);
      if (bad >= 0) {
        const at = byteIndex[bad];
        throw new Iso8583Error(
          `MTI: byte 0x${data[at].toString(16).toUpperCase().padStart(2, '0')} at offset ${at} is not packed BCD; this packager expects a 2-byte BCD MTI (mtiEncoding "bcd")`,
          { field: 'mti', offset: at },
        );
      }
      return nibbles.join('');
    }
    let key = 0;
    for (let i = 0; i < size; i++) {
      key = key * 10 + data[i]! - 0x30;
      if (data[i]! < 0x30 || data[i]! > 0x39) {
        throw new Iso8583Error(
          `MTI: byte 0x${data[i].toString(16).toUpperCase().padStart(2, '0')} at offset ${i} is not an ASCII digit; this packager expects a 4-character ASCII MTI (mtiEncoding "ascii")`,
          { field: 'mti', offset: i },
        );
      }
    }
    // A device answers with a handful of MTIs: each string made once, not decoded per message.
    return (MTI_TEXT[key] ??= data.toString('latin1', 0, size));
  }

  private specForKey(key: string): FieldSpec {
    const number = /^[0-9]{1,3}$/.test(key) ? Number(key) : NaN;
    if (number === 1) {
      throw new Iso8583Error('field 1 is the secondary bitmap: leave it out, it is set when any field 65-128 is present', { field: 1 });
    }
    if (!(number >= 2 && number <= 128)) {
      throw new Iso8583Error(`"${key}" is not a data element number: fields are numbered 2 to 128`);
    }
    const spec = this.specs.get(number);
    if (spec === undefined) {
      throw new Iso8583Error(`field ${number} is not defined in packager "${this.packager.name}", so it cannot be sent`, { field: number });
    }
    return spec;
  }
}
