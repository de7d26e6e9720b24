/**
 * Validators for the suite, device-profile, report and packager schemas, each made once on
 * first use: from the generated code bundled into dist/ (precompiled-validators.ts) when
 * running the bundle, else compiled here. `verbose` keeps the schema and data on every error,
 * which the translation into plain words (schema-errors.ts) needs: allowed property names,
 * enum values, descriptions.
 */
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import type { JsonSchema } from '../kinds/kind';
import { BUNDLED } from '../project-root';
import { packagerSchema } from '../protocols/iso8583/packager-schema';
import { buildDeviceSchema } from './device-schema';
import { reportSchema } from './report-schema';
import { buildSuiteSchema } from './suite-schema';

export const AJV_OPTIONS = {
  allErrors: true,
  verbose: true,
  strict: true,
  // `skip: true | "reason"` and nullable measurements are written as type unions.
  allowUnionTypes: true,
} as const;

/** For packager files read at run time: plain errors, no schema copies. */
export const PLAIN_AJV_OPTIONS = { allErrors: true, strict: true } as const;

export function createAjv(): Ajv2020 {
  return new Ajv2020(AJV_OPTIONS);
}

export function compileSchema(schema: JsonSchema): ValidateFunction {
  return createAjv().compile(schema);
}

/**
 * The generated validators, when this module is part of the bundle. The paths are literal so
 * that esbuild bundles the files bin/build.js generated just before; from the sources this
 * never runs.
 */
function precompiled(name: 'suite' | 'device' | 'report' | 'packager' | 'packager-plain'): ValidateFunction | undefined {
  if (!BUNDLED) return undefined;
  /* eslint-disable @typescript-eslint/no-require-imports -- static paths for the bundler, see above */
  switch (name) {
    case 'suite':
      return require('../../dist/validators/suite.cjs') as ValidateFunction;
    case 'device':
      return require('../../dist/validators/device.cjs') as ValidateFunction;
    case 'report':
      return require('../../dist/validators/report.cjs') as ValidateFunction;
    case 'packager':
      return require('../../dist/validators/packager.cjs') as ValidateFunction;
    case 'packager-plain':
      return require('../../dist/validators/packager-plain.cjs') as ValidateFunction;
  }
  /* eslint-enable @typescript-eslint/no-require-imports */
}

function once(name: Parameters<typeof precompiled>[0], build: () => ValidateFunction): () => ValidateFunction {
  let made: ValidateFunction | undefined;
  return () => (made ??= precompiled(name) ?? build());
}

export const suiteValidator = once('suite', () => compileSchema(buildSuiteSchema()));
export const deviceValidator = once('device', () => compileSchema(buildDeviceSchema()));
export const reportValidator = once('report', () => compileSchema(reportSchema));
export const packagerValidator = once('packager', () => compileSchema(packagerSchema));
/** The packager schema with plain errors (packager files loaded at run time). */
export const plainPackagerValidator = once('packager-plain', () => new Ajv2020(PLAIN_AJV_OPTIONS).compile(packagerSchema));
