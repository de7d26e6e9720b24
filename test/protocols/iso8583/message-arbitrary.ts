/**
 * fast-check generators for ISO 8583 messages that a given packager can carry, in the
 * canonical form unpack() returns: fixed n at full length, b as uppercase hex, packed track 2
 * with "=" as separator. Any such message must survive pack → unpack unchanged.
 */
import * as path from 'node:path';
import fc from 'fast-check';
import { loadPackager } from '../../../harness/protocols/iso8583/packager';
import type { FieldDef, Iso8583Message, PackagerDef } from '../../../harness/protocols/iso8583/types';

export const FIXTURE_DIR = path.join(__dirname, '..', '..', 'fixtures', 'packagers');

/** The packagers every codec property is checked against: both built-ins and a data-only dialect. */
export function packagersUnderTest(): [string, PackagerDef][] {
  return [
    ['iso87ascii', loadPackager('iso87ascii', FIXTURE_DIR)],
    ['iso87binary', loadPackager('iso87binary', FIXTURE_DIR)],
    ['ascii-fields-binary-bitmap (fixture)', loadPackager('ascii-fields-binary-bitmap.json', FIXTURE_DIR)],
  ];
}

const DIGITS = '0123456789';
const ALNUM_SPACE = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 ';
const PRINTABLE = Array.from({ length: 0x7f - 0x20 }, (_, i) => String.fromCharCode(0x20 + i)).join('');

function charsOf(def: FieldDef): string {
  switch (def.type) {
    case 'n':
      return DIGITS;
    case 'an':
      return ALNUM_SPACE;
    case 'ans':
      return PRINTABLE;
    case 'z':
      // In packed BCD both separators become nibble D and come back as "="; in ASCII they stay as sent.
      return def.dataEncoding === 'bcd' ? `${DIGITS}=` : `${DIGITS}=D`;
    case 'b':
      return '';
  }
}

/** A canonical value for one field: exact length when fixed, 0..length when variable. */
export function fieldValue(def: FieldDef): fc.Arbitrary<string> {
  const size = def.lengthType === 'fixed' ? { minLength: def.length, maxLength: def.length } : { minLength: 0, maxLength: def.length };
  if (def.type === 'b') return fc.uint8Array(size).map((bytes) => Buffer.from(bytes).toString('hex').toUpperCase());
  return fc.string({ unit: fc.constantFrom(...charsOf(def)), ...size });
}

export function messageFor(packager: PackagerDef): fc.Arbitrary<Iso8583Message> {
  const model: Record<string, fc.Arbitrary<string>> = {};
  for (const [n, def] of Object.entries(packager.fields)) model[n] = fieldValue(def);
  return fc.record({
    mti: fc.string({ unit: fc.constantFrom(...DIGITS), minLength: 4, maxLength: 4 }),
    // With no required keys fast-check leaves absent fields out (never sets them undefined).
    fields: fc.record(model, { requiredKeys: [] }).map((fields) => fields as Record<number, string>),
  });
}

/** A deterministic value of the field's maximum length, for boundary checks. */
export function longestValue(def: FieldDef): string {
  if (def.type === 'b') return 'A5'.repeat(def.length);
  const chars = def.type === 'z' ? '0123456789=' : charsOf(def);
  return Array.from({ length: def.length }, (_, i) => chars[i % chars.length]).join('');
}
