import fs from 'node:fs';
import path from 'node:path';
import type { ValidateFunction } from 'ajv/dist/2020';
import { standaloneValidatorSource } from '../../harness/suite/precompiled-validators';
import { deviceValidator, plainPackagerValidator, suiteValidator } from '../../harness/suite/validators';

/**
 * The bundled CLI validates with generated code (Ajv standalone, written by bin/build.js); the
 * sources compile the same schemas at first use. Both must say exactly the same thing about
 * every file — here, every bad fixture and every shipped suite and profile.
 */
const ROOT = path.resolve(__dirname, '../..');
// Inside the checkout (ignored by git), so the generated code finds ajv's runtime helpers.
fs.mkdirSync(path.join(ROOT, '.scratch'), { recursive: true });
const dir = fs.mkdtempSync(path.join(ROOT, '.scratch', 'validators-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function generated(name: 'suite' | 'device' | 'packager-plain'): ValidateFunction {
  const file = path.join(dir, `${name}.cjs`);
  fs.writeFileSync(file, standaloneValidatorSource(name));
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loading the generated module is the point
  return require(file) as ValidateFunction;
}

const jsonFiles = (d: string) =>
  fs
    .readdirSync(path.join(ROOT, d))
    .filter((f) => f.endsWith('.json') && f !== 'expected.json')
    .map((f) => path.join(ROOT, d, f));

function parse(file: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
  } catch {
    return undefined; // syntax fixtures: nothing for a schema to say
  }
}

function errorsOf(validate: ValidateFunction, data: unknown): unknown {
  validate(data);
  return (validate.errors ?? []).map((e) => ({ instancePath: e.instancePath, schemaPath: e.schemaPath, keyword: e.keyword, params: e.params, message: e.message, schema: e.schema, data: e.data }));
}

describe('precompiled schema validators', () => {
  const cases: [string, () => ValidateFunction, () => ValidateFunction, string[]][] = [
    ['suite', () => generated('suite'), suiteValidator, [...jsonFiles('test/fixtures/suites/bad'), ...jsonFiles('suites')]],
    ['device', () => generated('device'), deviceValidator, [...jsonFiles('test/fixtures/devices/bad'), ...jsonFiles('devices')]],
  ];

  it.each(cases)('the generated %s validator reports exactly what the compiled one does', (_name, makeGenerated, compiled, files) => {
    const fromCode = makeGenerated();
    let checked = 0;
    for (const file of files) {
      const data = parse(file);
      if (data === undefined) continue;
      expect([path.basename(file), errorsOf(fromCode, data)]).toEqual([path.basename(file), errorsOf(compiled(), data)]);
      checked++;
    }
    expect(checked).toBeGreaterThan(10);
  });

  it('the generated packager validator accepts the built-in packagers and refuses a broken one alike', () => {
    const fromCode = generated('packager-plain');
    const builtIn = parse(path.join(ROOT, 'harness/protocols/iso8583/packagers/iso87ascii.json'));
    expect(fromCode(builtIn)).toBe(true);
    const broken = { name: 'x', fields: { '2': { type: 'LLVAR' } } };
    expect(errorsOf(fromCode, broken)).toEqual(errorsOf(plainPackagerValidator(), broken));
    expect(fromCode(broken)).toBe(false);
  });
});
