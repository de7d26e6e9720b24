/**
 * The schema validators, compiled: as generated JavaScript (Ajv "standalone" code) for the
 * bundle, or in memory when poshil runs from the sources. Compiling the suite and device
 * schemas costs a few hundred milliseconds at every start; bin/build.js writes the generated
 * code to dist/validators/ (one self-contained module per validator, loaded on first use by
 * validators.ts), so the bundled CLI starts without compiling — and without ajv. Run from the
 * sources (tsx, jest), validators.ts compiles through this module at first use instead. Both
 * come from the same schemas and options — test/suite/precompiled-validators.test.ts checks
 * they report the same errors.
 *
 * Two sets: the full validators (every error, with the schema and data that schema-errors.ts
 * puts into words) and the quick ones (valid or not, stopping at the first error), which check
 * a file that is valid — nearly every file — at a fraction of the cost; a file they refuse is
 * validated again with the full validator for its errors. The quick suite check is split by
 * test kind (suiteSchemaParts), so each test is checked by its own kind's small validator only.
 */
import fs from 'node:fs';
import path from 'node:path';
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import standaloneCode from 'ajv/dist/standalone';
import type { JsonSchema } from '../kinds/kind';
import { packagerSchema } from '../protocols/iso8583/packager-schema';
import { buildDeviceSchema } from './device-schema';
import { reportSchema } from './report-schema';
import { buildSuiteSchema, suiteSchemaParts } from './suite-schema';
import { AJV_OPTIONS, PLAIN_AJV_OPTIONS, QUICK_AJV_OPTIONS, type ValidatorName } from './validators';

export type { ValidatorName } from './validators';

type Options = typeof AJV_OPTIONS | typeof PLAIN_AJV_OPTIONS | typeof QUICK_AJV_OPTIONS;

function source(name: ValidatorName): { schema: JsonSchema; options: Options } {
  switch (name) {
    case 'suite':
      return { schema: buildSuiteSchema(), options: AJV_OPTIONS };
    case 'device':
      return { schema: buildDeviceSchema(), options: AJV_OPTIONS };
    case 'report':
      return { schema: reportSchema, options: AJV_OPTIONS };
    case 'packager':
      return { schema: packagerSchema, options: AJV_OPTIONS };
    case 'packager-plain':
      return { schema: packagerSchema, options: PLAIN_AJV_OPTIONS };
    case 'device-quick':
      return { schema: buildDeviceSchema(), options: QUICK_AJV_OPTIONS };
    case 'suite-quick':
      return { schema: suiteSchemaParts().shape, options: QUICK_AJV_OPTIONS };
  }
  const kind = /^suite-quick-(.+)$/.exec(name)?.[1];
  const test = kind === undefined ? undefined : suiteSchemaParts().kinds[kind];
  if (!test) throw new Error(`no validator named '${name}'`);
  return { schema: test, options: QUICK_AJV_OPTIONS };
}

/** Every validator bin/build.js generates. */
export function validatorNames(): ValidatorName[] {
  const fixed: ValidatorName[] = ['suite', 'device', 'report', 'packager', 'packager-plain', 'device-quick', 'suite-quick'];
  return [...fixed, ...Object.keys(suiteSchemaParts().kinds).map((k): ValidatorName => `suite-quick-${k}`)];
}

/** The validator compiled in memory (running from the sources). */
export function compileValidator(name: ValidatorName): ValidateFunction {
  const { schema, options } = source(name);
  return new Ajv2020(options).compile(schema);
}

/** A schema compiled with the options of the full validators. */
export function compileSchema(schema: JsonSchema): ValidateFunction {
  return new Ajv2020(AJV_OPTIONS).compile(schema);
}

export function createAjv(): Ajv2020 {
  return new Ajv2020(AJV_OPTIONS);
}

/**
 * The CommonJS source of one validator module (`module.exports` is the validate function). It
 * requires ajv's small runtime helpers; bin/build.js bundles them in.
 */
export function standaloneValidatorSource(name: ValidatorName): string {
  const { schema, options } = source(name);
  const ajv = new Ajv2020({ ...options, code: { source: true } });
  return standaloneCode(ajv, ajv.compile(schema));
}

/** Writes every validator module into `dir`; returns the files. */
export function writeStandaloneValidators(dir: string): string[] {
  fs.mkdirSync(dir, { recursive: true });
  return validatorNames().map((name) => {
    const file = path.join(dir, `${name}.cjs`);
    fs.writeFileSync(file, standaloneValidatorSource(name));
    return file;
  });
}
