import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { PoshilError } from '../../../harness/errors';
import { BUILT_IN_PACKAGER_DIR, loadPackager, packagerPath, validatePackager } from '../../../harness/protocols/iso8583/packager';
import { builtInPackagers, packagerSchema } from '../../../harness/protocols/iso8583/packager-schema';
import type { FieldDef, PackagerDef } from '../../../harness/protocols/iso8583/types';
import { FIXTURE_DIR } from './message-arbitrary';

const REPO_ROOT = path.join(__dirname, '..', '..', '..');

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'poshil-packager-'));
});
afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

function writePackager(name: string, content: unknown): string {
  fs.writeFileSync(path.join(tmp, name), typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return name;
}

function errorOf(fn: () => unknown): PoshilError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(PoshilError);
    return err as PoshilError;
  }
  throw new Error('expected a PoshilError');
}

const validField: FieldDef = { name: 'PROCESSING CODE', type: 'n', length: 6, lengthType: 'fixed' };
const withField = (field: object, number = '3'): Record<string, unknown> => ({
  name: 'test',
  mtiEncoding: 'ascii',
  bitmapEncoding: 'hex',
  fields: { [number]: field },
});

describe('built-in packagers', () => {
  const ascii = loadPackager('iso87ascii', tmp);
  const binary = loadPackager('iso87binary', tmp);

  it.each(builtInPackagers)('%s defines every ISO 8583:1987 data element from 2 to 128', (name) => {
    const def = loadPackager(name, tmp);
    expect(Object.keys(def.fields).map(Number).sort((a, b) => a - b)).toEqual(Array.from({ length: 127 }, (_, i) => i + 2));
    expect(def.name).toBe(name);
  });

  it('give each data element the same name, type, length and length type in ASCII and binary form', () => {
    for (const n of Object.keys(ascii.fields)) {
      const { name, type, length, lengthType } = ascii.fields[n];
      expect({ n, name, type, length, lengthType }).toEqual({ n, name: binary.fields[n].name, type: binary.fields[n].type, length: binary.fields[n].length, lengthType: binary.fields[n].lengthType });
    }
  });

  it.each<[string, Partial<FieldDef>]>([
    ['2', { name: 'PRIMARY ACCOUNT NUMBER', type: 'n', length: 19, lengthType: 'llvar' }],
    ['4', { name: 'AMOUNT, TRANSACTION', type: 'n', length: 12, lengthType: 'fixed' }],
    ['35', { name: 'TRACK 2 DATA', type: 'z', length: 37, lengthType: 'llvar' }],
    ['41', { type: 'ans', length: 8, lengthType: 'fixed' }],
    ['48', { type: 'ans', length: 999, lengthType: 'lllvar' }],
    ['52', { type: 'b', length: 8, lengthType: 'fixed' }],
    ['65', { name: 'BITMAP, EXTENDED', type: 'b', length: 1 }],
    ['70', { type: 'n', length: 3, lengthType: 'fixed' }],
    ['90', { type: 'n', length: 42 }],
    ['128', { name: 'MESSAGE AUTHENTICATION CODE', type: 'b', length: 8 }],
  ])('lay out field %s as ISO 8583:1987 and jPOS do', (n, expected) => {
    expect(ascii.fields[n]).toMatchObject(expected);
  });

  it('iso87ascii writes MTI, bitmap, prefixes and numerics as ASCII and binary fields as hex (jPOS ISO87APackager)', () => {
    expect(ascii).toMatchObject({ mtiEncoding: 'ascii', bitmapEncoding: 'hex' });
    for (const def of Object.values(ascii.fields)) {
      expect(def.dataEncoding).toBe(def.type === 'b' ? 'hex' : 'ascii');
      if (def.lengthType !== 'fixed') expect(def.lengthEncoding).toBe('ascii');
    }
  });

  it('iso87binary packs MTI, numerics and prefixes as BCD, bitmaps and b fields as raw bytes (jPOS ISO87BPackager)', () => {
    expect(binary).toMatchObject({ mtiEncoding: 'bcd', bitmapEncoding: 'binary' });
    for (const def of Object.values(binary.fields)) {
      if (def.type === 'n') expect(def.dataEncoding).toBe('bcd');
      if (def.type === 'b') expect(def.dataEncoding).toBe('binary');
      if (def.type === 'an' || def.type === 'ans') expect(def.dataEncoding).toBe('ascii');
      if (def.lengthType !== 'fixed') expect(def.lengthEncoding).toBe('bcd');
    }
    expect(binary.fields['35']).toMatchObject({ dataEncoding: 'bcd', padding: 'right' });
  });

  it.each(builtInPackagers)('%s points editors at schemas/packager.schema.json', (name) => {
    const raw = JSON.parse(fs.readFileSync(packagerPath(name, tmp), 'utf8')) as { $schema: string };
    expect(raw.$schema).toBe('../../../../schemas/packager.schema.json');
    expect(path.resolve(BUILT_IN_PACKAGER_DIR, raw.$schema)).toBe(path.join(REPO_ROOT, 'schemas', 'packager.schema.json'));
  });

  it('returns a PackagerDef without the editor-only "$schema" key', () => {
    expect(Object.keys(ascii)).not.toContain('$schema');
  });
});

describe('loadPackager', () => {
  it('loads a packager file relative to the device profile directory', () => {
    const def = loadPackager('packagers/ascii-fields-binary-bitmap.json', path.dirname(FIXTURE_DIR));
    expect(def).toMatchObject({ name: 'ascii-fields-binary-bitmap', mtiEncoding: 'ascii', bitmapEncoding: 'binary' });
  });

  it('prefers a built-in name over a file of the same name', () => {
    writePackager('iso87ascii', withField(validField));
    expect(loadPackager('iso87ascii', tmp).name).toBe('iso87ascii');
  });

  it('says which file it looked for, and lists the built-ins, when a packager does not exist', () => {
    const err = errorOf(() => loadPackager('iso87asci', tmp));
    expect(err.code).toBe('PACKAGER_NOT_FOUND');
    expect(err.message).toBe(`packager "iso87asci" is not a built-in (iso87ascii, iso87binary) and cannot be read as ${path.join(tmp, 'iso87asci')}: there is no such file`);
  });

  it('names the file when it is not valid JSON', () => {
    const file = writePackager('broken.json', '{ "name": "x", }');
    const err = errorOf(() => loadPackager(file, tmp));
    expect(err.code).toBe('PACKAGER_INVALID');
    expect(err.message).toMatch(new RegExp(`^packager file ${path.join(tmp, 'broken.json').replace(/[.\\/]/g, '\\$&')} is not valid JSON: `));
  });

  it.each<[string, unknown, string]>([
    ['a field 1 entry', withField(validField, '1'), '/fields: "1" is not a field number: fields are "2" to "128" (field 1, the secondary bitmap, is implied)'],
    ['a field number above 128', withField(validField, '129'), '/fields: "129" is not a field number'],
    ['a missing field name', withField({ type: 'n', length: 6, lengthType: 'fixed' }), '/fields/3: missing required property "name"'],
    ['a misspelt property', withField({ ...validField, lenght: 6 }), '/fields/3: unknown property "lenght"'],
    ['an unknown type', withField({ ...validField, type: 'x+n' }), '/fields/3/type: must be one of "n", "an", "ans", "b", "z", found "x+n"'],
    ['a length prefix on a fixed field', withField({ ...validField, lengthEncoding: 'bcd' }), '/fields/3/lengthEncoding: "lengthEncoding" is not allowed here: a fixed field has no length prefix'],
    ['an LLVAR longer than two digits allow', withField({ ...validField, lengthType: 'llvar', length: 120 }), '/fields/3/length: must be at most 99 (an llvar length prefix has two digits), found 120'],
    ['a length of zero', withField({ ...validField, length: 0 }), '/fields/3/length: must be at least 1, found 0'],
    ['a fractional length', withField({ ...validField, length: 6.5 }), '/fields/3/length: must be an integer, found 6.5'],
    ['packed BCD on an ans field', withField({ ...validField, type: 'ans', dataEncoding: 'bcd' }), '/fields/3/dataEncoding: must be "ascii", found "bcd" (for a field of type "ans")'],
    ['hex encoding on a numeric field', withField({ ...validField, dataEncoding: 'hex' }), '/fields/3/dataEncoding: must be one of "ascii", "bcd", found "hex" (for a field of type "n")'],
    ['ASCII encoding on a b field', withField({ ...validField, type: 'b', dataEncoding: 'ascii' }), '/fields/3/dataEncoding: must be one of "hex", "binary", found "ascii" (for a field of type "b")'],
    ['padding on a b field', withField({ ...validField, type: 'b', padding: 'left' }), '/fields/3/padding: "padding" is not allowed here: padding applies only to packed-BCD n and z fields'],
    ['a missing bitmap encoding', { name: 'x', mtiEncoding: 'ascii', fields: { '3': validField } }, '/: missing required property "bitmapEncoding"'],
    ['an unknown MTI encoding', { ...withField(validField), mtiEncoding: 'ebcdic' }, '/mtiEncoding: must be one of "ascii", "bcd", found "ebcdic"'],
    ['an unknown top-level property', { ...withField(validField), version: 2 }, '/: unknown property "version"'],
    ['no fields at all', { ...withField(validField), fields: {} }, '/fields: must define at least one field'],
    ['an empty name', { ...withField(validField), name: '' }, '/name: must not be empty'],
    ['an array instead of an object', [], '/: must be an object, found []'],
  ])('names the file and the JSON path of %s', (_what, content, problem) => {
    const file = writePackager('bad.json', content);
    const err = errorOf(() => loadPackager(file, tmp));
    expect(err.code).toBe('PACKAGER_INVALID');
    expect(err.message).toContain(`packager file ${path.join(tmp, 'bad.json')} is invalid:\n`);
    expect(err.message).toContain(`  ${problem}`);
  });

  it('lists every problem in a file, not just the first', () => {
    const file = writePackager('many.json', { name: 'x', mtiEncoding: 'ebcdic', bitmapEncoding: 'hex', fields: { '3': { ...validField, type: 'q' }, '4': { ...validField, length: -1 } } });
    const lines = errorOf(() => loadPackager(file, tmp)).message.split('\n').slice(1);
    expect(lines).toEqual(['  /mtiEncoding: must be one of "ascii", "bcd", found "ebcdic"', '  /fields/3/type: must be one of "n", "an", "ans", "b", "z", found "q"', '  /fields/4/length: must be at least 1, found -1']);
  });
});

describe('validatePackager', () => {
  it('accepts a minimal packager and leaves defaults to the codec', () => {
    const def: PackagerDef = { name: 'min', mtiEncoding: 'ascii', bitmapEncoding: 'hex', fields: { '3': validField } };
    expect(validatePackager(def, 'test')).toEqual(def);
  });

  it('keeps the description', () => {
    expect(validatePackager({ ...withField(validField), description: 'd' }, 'test').description).toBe('d');
  });
});

describe('packagerSchema', () => {
  type Node = Record<string, unknown>;
  function objectSchemas(node: unknown, at = '#'): [string, Node][] {
    if (typeof node !== 'object' || node === null) return [];
    const found: [string, Node][] = [];
    const n = node as Node;
    if (n.type === 'object') found.push([at, n]);
    for (const [k, v] of Object.entries(n)) found.push(...objectSchemas(v, `${at}/${k}`));
    return found;
  }

  it('is a JSON Schema draft 2020-12 document that survives JSON serialisation', () => {
    expect(packagerSchema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(JSON.parse(JSON.stringify(packagerSchema))).toEqual(packagerSchema);
  });

  it('forbids unknown properties in every object it describes', () => {
    const objects = objectSchemas(packagerSchema);
    expect(objects.length).toBeGreaterThanOrEqual(3);
    for (const [at, schema] of objects) expect({ at, additionalProperties: schema.additionalProperties }).toEqual({ at, additionalProperties: false });
  });

  it('describes every property a packager author can write', () => {
    const field = packagerSchema.$defs.field.properties as Record<string, Node>;
    for (const [name, prop] of [...Object.entries(packagerSchema.properties as Record<string, Node>), ...Object.entries(field)]) {
      expect({ name, described: typeof prop.description === 'string' && prop.description.length > 0 }).toEqual({ name, described: true });
    }
  });

  it('compiles under Ajv strict mode without warnings', () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      new Ajv2020({ strict: true, allErrors: true }).compile(packagerSchema);
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
  });

  it('accepts the dialect fixture and both built-in files as they are on disk', () => {
    const validate = new Ajv2020({ strict: true }).compile(packagerSchema);
    for (const file of [...builtInPackagers.map((n) => packagerPath(n, tmp)), path.join(FIXTURE_DIR, 'ascii-fields-binary-bitmap.json')]) {
      expect({ file, valid: validate(JSON.parse(fs.readFileSync(file, 'utf8'))) }).toEqual({ file, valid: true });
    }
  });
});
