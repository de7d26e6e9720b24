import fs from 'node:fs';
import path from 'node:path';
import type { ValidateFunction } from 'ajv/dist/2020';
import { standaloneValidatorSource } from '../../harness/suite/precompiled-validators';
import { deviceIsValid, deviceValidator, plainPackagerValidator, suiteIsValid, suiteValidator, type ValidatorName } from '../../harness/suite/validators';
import { kindNames } from '../../harness/kinds/registry';

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

function generated(name: ValidatorName): ValidateFunction {
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

  /**
   * The quick checks (validators.ts: suiteIsValid, deviceIsValid) decide whether a file is valid
   * without the full validator; it only runs for files they refuse. They must give its verdict
   * on every file: the shipped ones, the bad fixtures, and variants of every shipped suite with
   * one test broken in each of the ways the per-kind split could get wrong.
   */
  const suiteFiles = [...jsonFiles('test/fixtures/suites/bad'), ...jsonFiles('suites')];
  const deviceFiles = [...jsonFiles('test/fixtures/devices/bad'), ...jsonFiles('devices')];

  function brokenVariants(suite: unknown): unknown[] {
    if (!suite || typeof suite !== 'object' || !Array.isArray((suite as { tests?: unknown }).tests)) return [];
    const tests = (suite as { tests: Record<string, unknown>[] }).tests;
    const out: unknown[] = [];
    const variant = (index: number, change: (t: Record<string, unknown>) => unknown) => {
      const copy = structuredClone(suite) as { tests: unknown[] };
      copy.tests[index] = change(structuredClone(tests[index]));
      out.push(copy);
    };
    tests.forEach((test, i) => {
      if (!test || typeof test !== 'object') return;
      for (const kind of kindNames()) variant(i, (t) => ({ ...t, kind })); // another kind's params
      variant(i, (t) => ({ ...t, params: {} }));
      variant(i, (t) => ({ ...t, params: 'x' }));
      variant(i, (t) => ({ ...t, thresholds: { no_such_metric: { max: 1 } } }));
      variant(i, (t) => ({ ...t, thresholds: { errors: {} } }));
      variant(i, (t) => ({ ...t, kind: 'constructor' }));
      variant(i, (t) => ({ ...t, kind: undefined }));
      variant(i, () => null);
      variant(i, () => []);
    });
    return out;
  }

  it('the quick suite check gives the full validator\'s verdict, compiled and generated', () => {
    const shape = generated('suite-quick');
    const byKind = Object.fromEntries(kindNames().map((k) => [k, generated(`suite-quick-${k}`)]));
    const generatedIsValid = (data: unknown) => shape(data) && (data as { tests: { kind: string }[] }).tests.every((t) => byKind[t.kind](t));
    let valid = 0;
    let invalid = 0;
    for (const file of suiteFiles) {
      const data = parse(file);
      if (data === undefined) continue;
      for (const value of [data, ...brokenVariants(data)]) {
        const verdict = suiteValidator()(value);
        expect([path.basename(file), suiteIsValid(value)]).toEqual([path.basename(file), verdict]);
        expect([path.basename(file), generatedIsValid(value)]).toEqual([path.basename(file), verdict]);
        if (verdict) valid++;
        else invalid++;
      }
    }
    expect(valid).toBeGreaterThan(5);
    expect(invalid).toBeGreaterThan(100);
  });

  it('the quick device check gives the full validator\'s verdict, compiled and generated', () => {
    const quick = generated('device-quick');
    let checked = 0;
    for (const file of deviceFiles) {
      const data = parse(file);
      if (data === undefined) continue;
      const verdict = deviceValidator()(data);
      expect([path.basename(file), deviceIsValid(data)]).toEqual([path.basename(file), verdict]);
      expect([path.basename(file), quick(data)]).toEqual([path.basename(file), verdict]);
      checked++;
    }
    expect(checked).toBeGreaterThan(10);
  });
});
