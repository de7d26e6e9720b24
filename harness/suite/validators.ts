/**
 * Validators for the suite, device-profile, report and packager schemas, each made once on
 * first use: in the bundle, loaded from the generated code bin/build.js wrote to
 * dist/validators/ (one module per validator, so a command loads only the ones it uses and the
 * emulated terminal's bundle none of the suite's); from the sources, compiled by
 * precompiled-validators.ts. `verbose` keeps the schema and data on every error, which the
 * translation into plain words (schema-errors.ts) needs: allowed property names, enum values,
 * descriptions.
 *
 * This module loads neither ajv nor the schemas: what it needs of them comes through a path
 * esbuild does not follow, so neither bundle carries them.
 */
import { isAscii } from 'node:buffer';
import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import type { ValidateFunction } from 'ajv/dist/2020';
import type Ajv2020 from 'ajv/dist/2020';
import type { JsonSchema } from '../json-schema';
import type * as Precompiled from './precompiled-validators';
import { BUNDLED } from '../project-root';

export const AJV_OPTIONS = {
  allErrors: true,
  verbose: true,
  strict: true,
  // `skip: true | "reason"` and nullable measurements are written as type unions.
  allowUnionTypes: true,
} as const;

/** For packager files read at run time: plain errors, no schema copies. */
export const PLAIN_AJV_OPTIONS = { allErrors: true, strict: true } as const;

/** Valid or not, nothing more: stops at the first error (a refused file is checked again in full). */
export const QUICK_AJV_OPTIONS = { strict: true, allowUnionTypes: true } as const;

/** The validators bin/build.js generates (see precompiled-validators.ts); `suite-quick-<kind>` checks one test of that kind. */
export type ValidatorName = 'suite' | 'device' | 'report' | 'packager' | 'packager-plain' | 'device-quick' | 'suite-quick' | `suite-quick-${string}`;

type Compiler = typeof Precompiled;

/** The compiler, from the sources only (never in the bundle: the path is computed, so esbuild leaves it out). */
function compiler(): Compiler {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- deferred, and hidden from the bundler on purpose
  return require(path.join(__dirname, 'precompiled-validators')) as Compiler;
}

export function createAjv(): Ajv2020 {
  return compiler().createAjv();
}

export function compileSchema(schema: JsonSchema): ValidateFunction {
  return compiler().compileSchema(schema);
}

const made = new Map<ValidatorName, ValidateFunction>();

/** One validator, made on first use. */
export function validator(name: ValidatorName): ValidateFunction {
  let validate = made.get(name);
  if (validate === undefined) {
    // In the bundle, __dirname is dist/, beside dist/validators/.
    validate = BUNDLED ? loadGenerated(path.join(__dirname, 'validators', `${name}.cjs`)) : compiler().compileValidator(name);
    made.set(name, validate);
  }
  return validate;
}

/**
 * A generated validator module (self-contained: it requires nothing), with the V8 code cache
 * bin/build.js wrote beside it when there is one: compiling the device validator's one large
 * function costs ~15 ms at every start, reading it compiled ~1. A cache V8 rejects (another
 * Node version) is ignored and the module simply compiles.
 */
function loadGenerated(file: string): ValidateFunction {
  let cachedData: Buffer | undefined;
  try {
    cachedData = fs.readFileSync(`${file}.v8cache`);
  } catch {
    cachedData = undefined;
  }
  return runGenerated(file, cachedData).validate;
}

function runGenerated(file: string, cachedData?: Buffer): { validate: ValidateFunction; script: vm.Script } {
  const bytes = fs.readFileSync(file);
  // Generated in ASCII: read as Latin-1 it needs no UTF-8 decoding.
  const text = bytes.toString(isAscii(bytes) ? 'latin1' : 'utf8');
  const script = new vm.Script(`(function (exports, module) {${text}\n})`, { filename: file, cachedData });
  const m = { exports: {} as unknown };
  (script.runInThisContext() as (exports: unknown, module: { exports: unknown }) => void)(m.exports, m);
  return { validate: m.exports as ValidateFunction, script };
}

/**
 * Writes `<file>.v8cache` for a generated validator module after one call on `sample`, so that
 * the functions it runs are compiled into the cache (bin/build.js, in a fresh node: a cache
 * only serves the Node version and flags that made it).
 */
export function writeGeneratedCodeCache(file: string, sample: unknown): void {
  const { validate, script } = runGenerated(file);
  validate(sample);
  fs.writeFileSync(`${file}.v8cache`, script.createCachedData());
}

export const suiteValidator = (): ValidateFunction => validator('suite');
export const deviceValidator = (): ValidateFunction => validator('device');
export const reportValidator = (): ValidateFunction => validator('report');
export const packagerValidator = (): ValidateFunction => validator('packager');
/** The packager schema with plain errors (packager files loaded at run time). */
export const plainPackagerValidator = (): ValidateFunction => validator('packager-plain');

/**
 * Whether a parsed suite is valid against the suite schema — the same answer as
 * suiteValidator(), at a fraction of the cost: the shape of the suite first, then each test
 * against its own kind's part only (suiteSchemaParts in suite-schema.ts).
 */
export function suiteIsValid(value: unknown): boolean {
  if (!validator('suite-quick')(value)) return false;
  // The shape guarantees a list of objects, each with one of the known kinds.
  const byKind = new Map<string, ValidateFunction>();
  // One options object for every call, instead of the two a generated validator makes for a
  // call without one (ajv's defaults; nothing in these schemas reads them).
  const options = { instancePath: '', dynamicAnchors: {} } as unknown as Parameters<ValidateFunction>[1];
  for (const test of (value as { tests: { kind: string }[] }).tests) {
    let validate = byKind.get(test.kind);
    if (validate === undefined) byKind.set(test.kind, (validate = validator(`suite-quick-${test.kind}`)));
    if (!validate(test, options)) return false;
  }
  return true;
}

/** Whether a parsed device profile is valid: deviceValidator()'s answer, without its errors. */
export function deviceIsValid(value: unknown): boolean {
  return validator('device-quick')(value) as boolean;
}
