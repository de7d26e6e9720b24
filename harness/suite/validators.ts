/**
 * Compiled validators for the suite, device-profile, report and packager schemas, each compiled once on
 * first use. `verbose` keeps the schema and data on every error, which the translation into
 * plain words (schema-errors.ts) needs: allowed property names, enum values, descriptions.
 */
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import type { JsonSchema } from '../kinds/kind';
import { packagerSchema } from '../protocols/iso8583/packager-schema';
import { buildDeviceSchema } from './device-schema';
import { reportSchema } from './report-schema';
import { buildSuiteSchema } from './suite-schema';

export function createAjv(): Ajv2020 {
  return new Ajv2020({
    allErrors: true,
    verbose: true,
    strict: true,
    // `skip: true | "reason"` and nullable measurements are written as type unions.
    allowUnionTypes: true,
  });
}

export function compileSchema(schema: JsonSchema): ValidateFunction {
  return createAjv().compile(schema);
}

function once(build: () => JsonSchema): () => ValidateFunction {
  let compiled: ValidateFunction | undefined;
  return () => (compiled ??= compileSchema(build()));
}

export const suiteValidator = once(buildSuiteSchema);
export const deviceValidator = once(buildDeviceSchema);
export const reportValidator = once(() => reportSchema);
export const packagerValidator = once(() => packagerSchema);
