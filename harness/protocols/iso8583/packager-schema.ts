/**
 * JSON Schema (draft 2020-12) for ISO 8583 packager files: the one definition of what a
 * packager may contain. It is written to schemas/packager.schema.json for editors, and
 * packager.ts validates every packager (files and code-built ones) against it, so a dialect
 * that passes the schema is one the codec can run.
 *
 * The rules that tie properties together (an an/ans field is ASCII only, a fixed field has no
 * length prefix, an LLVAR holds at most 99) are written as if/then blocks here rather than
 * checked in code, so an editor or the file:line:column validator reports them too.
 */

import type { JsonSchema } from '../../json-schema';

/** Packagers shipped in packagers/ and selectable by name from a device profile. */
export const builtInPackagers = ['iso87ascii', 'iso87binary'] as const;
export type BuiltInPackagerName = (typeof builtInPackagers)[number];

/** Field numbers 2..128 as JSON object keys; field 1 (the secondary bitmap) is implied. */
export const FIELD_NUMBER_PATTERN = '^([2-9]|[1-9][0-9]|1[01][0-9]|12[0-8])$';

const fieldSchema: JsonSchema = {
  type: 'object',
  description: 'Layout of one data element (ISO 8583:1987 section 4.3 and annex A).',
  properties: {
    name: {
      type: 'string',
      minLength: 1,
      description: 'Data element name, used in every error message, e.g. "AMOUNT, TRANSACTION".',
    },
    type: {
      enum: ['n', 'an', 'ans', 'b', 'z'],
      description:
        'ISO 8583 attribute: n numeric digits; an alphabetic, numeric and space; ans printable ASCII (letters, digits, space, special characters); ' +
        'b binary (given as hex in messages); z track 2/3 code set (digits and the "=" separator, ISO/IEC 7813).',
    },
    length: {
      type: 'integer',
      minimum: 1,
      maximum: 999,
      description: 'Fixed length, or the maximum for llvar/lllvar: digits for n and z, characters for an and ans, bytes for b.',
    },
    lengthType: {
      enum: ['fixed', 'llvar', 'lllvar'],
      description: 'fixed; llvar: a 2-digit length prefix (at most 99); lllvar: a 3-digit length prefix (at most 999).',
    },
    lengthEncoding: {
      enum: ['ascii', 'bcd', 'binary'],
      description:
        'How the llvar/lllvar prefix is written. ascii (default): 2 or 3 digit characters; bcd: 1 or 2 bytes of packed BCD; binary: 1 or 2 bytes, unsigned big-endian. ' +
        'The prefix counts digits (n, z), characters (an, ans) or bytes (b). Not allowed on fixed fields.',
    },
    dataEncoding: {
      enum: ['ascii', 'bcd', 'binary', 'hex'],
      description:
        'How the value is written. n and z: ascii (default) or bcd (packed, two digits per byte); an and ans: ascii only; ' +
        'b: hex (default; two ASCII hex characters per byte) or binary (raw bytes).',
    },
    padding: {
      enum: ['left', 'right'],
      description:
        'Packed BCD with an odd digit count: which side gets the filler nibble (0 for n, F for z). Default left for n (the value stays right-aligned), right for z. Only for n and z.',
    },
  },
  required: ['name', 'type', 'length', 'lengthType'],
  additionalProperties: false,
  allOf: [
    {
      if: { properties: { lengthType: { const: 'fixed' } }, required: ['lengthType'] },
      then: { properties: { lengthEncoding: false } },
    },
    {
      if: { properties: { lengthType: { const: 'llvar' } }, required: ['lengthType'] },
      then: { properties: { length: { type: 'integer', maximum: 99 } } },
    },
    {
      if: { properties: { type: { enum: ['an', 'ans'] } }, required: ['type'] },
      then: { properties: { dataEncoding: { const: 'ascii' }, padding: false } },
    },
    {
      if: { properties: { type: { const: 'b' } }, required: ['type'] },
      then: { properties: { dataEncoding: { enum: ['hex', 'binary'] }, padding: false } },
    },
    {
      if: { properties: { type: { enum: ['n', 'z'] } }, required: ['type'] },
      then: { properties: { dataEncoding: { enum: ['ascii', 'bcd'] } } },
    },
  ],
};

export const packagerSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  title: 'poshil ISO 8583 packager',
  description:
    "Layout of a device's ISO 8583 dialect: how the MTI, the bitmaps and each data element are written on the wire. " +
    'A new dialect is a new packager file, never code.',
  type: 'object',
  properties: {
    $schema: { type: 'string', description: 'Path or URL of this schema, for editors.' },
    name: { type: 'string', minLength: 1, description: 'Packager name, shown in errors and reports.' },
    description: { type: 'string', description: 'What device or host dialect this packager describes.' },
    mtiEncoding: {
      enum: ['ascii', 'bcd'],
      description: 'Message type indicator: ascii, 4 digit characters; bcd, 2 bytes of packed BCD.',
    },
    bitmapEncoding: {
      enum: ['binary', 'hex'],
      description: 'Primary and secondary bitmaps: binary, 8 bytes each; hex, 16 ASCII hex characters each.',
    },
    fields: {
      type: 'object',
      description: 'Data elements by number, "2" to "128". Field 1, the secondary bitmap, is implied and must not be listed.',
      minProperties: 1,
      patternProperties: { [FIELD_NUMBER_PATTERN]: { $ref: '#/$defs/field' } },
      additionalProperties: false,
    },
  },
  required: ['name', 'mtiEncoding', 'bitmapEncoding', 'fields'],
  additionalProperties: false,
  $defs: { field: fieldSchema },
} satisfies JsonSchema;
