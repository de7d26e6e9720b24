/**
 * ISO 8583 message codec: MTI, bitmap(s), then the data elements the bitmap announces in
 * ascending order, as ISO 8583:1987 lays out every message. Everything dialect-specific comes from the
 * packager, so one codec serves every device.
 */
import { Iso8583Error } from '../../errors';
import { decodeBitmap, encodeBitmap, encodeBitmapHex } from './bitmap';
import { digitsToBcd, unpackNibbles } from './bcd';
import { fieldLabel, packField, packFieldText, resolveFieldSpec, unpackField } from './field-codec';
import type { FieldSpec } from './field-codec';
import { validatePackager } from './packager';
import type { Iso8583Message, PackagerDef } from './types';

const MTI_DIGITS = 4;

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
  }

  /**
   * Message to wire bytes. Field 1 (secondary bitmap) is set automatically when any field
   * 65-128 is present and must not be given. Fields whose value is undefined are left out.
   * Throws Iso8583Error naming the field for a value the packager cannot carry.
   */
  pack(msg: Iso8583Message): Buffer {
    if (typeof msg !== 'object' || msg === null || typeof msg.fields !== 'object' || msg.fields === null) {
      throw new Iso8583Error('cannot pack: the message must be an object { mti, fields }');
    }
    const fields = msg.fields as Record<string, unknown>;
    const specs: FieldSpec[] = [];
    const values: unknown[] = [];
    let ascending = true;
    // Integer keys come out of Object.keys in ascending order, so the sort is rarely needed.
    for (const key of Object.keys(fields)) {
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
    // Everyday dialects (ASCII MTI, hex bitmap, ASCII fields) are built as one latin1 string and
    // written once; anything binary goes field by field.
    if (this.packager.mtiEncoding !== 'bcd' && this.packager.bitmapEncoding === 'hex' && typeof msg.mti === 'string' && /^[0-9]{4}$/.test(msg.mti)) {
      let text = msg.mti + encodeBitmapHex(numbers);
      let i = 0;
      for (; i < specs.length; i++) {
        const n = specs[i]!.number;
        const value = values[i];
        if (this.lastValue[n] === value) {
          text += this.lastText[n];
          continue;
        }
        const part = packFieldText(specs[i]!, value);
        if (part === undefined) break;
        this.lastValue[n] = value;
        this.lastText[n] = part;
        text += part;
      }
      if (i === specs.length) return Buffer.from(text, 'latin1');
    }
    const parts = [this.packMti(msg.mti), encodeBitmap(numbers, this.packager.bitmapEncoding)];
    for (let i = 0; i < specs.length; i++) parts.push(packField(specs[i]!, values[i]));
    return Buffer.concat(parts);
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
    for (let i = 0; i < size; i++) {
      if (data[i]! < 0x30 || data[i]! > 0x39) {
        throw new Iso8583Error(
          `MTI: byte 0x${data[i].toString(16).toUpperCase().padStart(2, '0')} at offset ${i} is not an ASCII digit; this packager expects a 4-character ASCII MTI (mtiEncoding "ascii")`,
          { field: 'mti', offset: i },
        );
      }
    }
    return data.toString('latin1', 0, size);
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
