/**
 * The schema validators as generated JavaScript (Ajv "standalone" code). Compiling the suite
 * and device schemas costs a few hundred milliseconds at every start; bin/build.js writes the
 * generated code to dist/validators/ and bundles it, so the bundled CLI starts without
 * compiling. Run from the sources (tsx, jest), validators.ts compiles at first use instead.
 * Both come from the same schemas and options — test/suite/precompiled-validators.test.ts
 * checks they report the same errors.
 */
import fs from 'node:fs';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import standaloneCode from 'ajv/dist/standalone';
import type { JsonSchema } from '../kinds/kind';
import { packagerSchema } from '../protocols/iso8583/packager-schema';
import { buildDeviceSchema } from './device-schema';
import { reportSchema } from './report-schema';
import { buildSuiteSchema } from './suite-schema';
import { AJV_OPTIONS, PLAIN_AJV_OPTIONS } from './validators';

export type ValidatorName = 'suite' | 'device' | 'report' | 'packager' | 'packager-plain';

const SOURCES: Record<ValidatorName, { schema: () => JsonSchema; options: typeof AJV_OPTIONS | typeof PLAIN_AJV_OPTIONS }> = {
  suite: { schema: buildSuiteSchema, options: AJV_OPTIONS },
  device: { schema: buildDeviceSchema, options: AJV_OPTIONS },
  report: { schema: () => reportSchema, options: AJV_OPTIONS },
  packager: { schema: () => packagerSchema, options: AJV_OPTIONS },
  'packager-plain': { schema: () => packagerSchema, options: PLAIN_AJV_OPTIONS },
};

/** The CommonJS source of one validator module (`module.exports` is the validate function). */
export function standaloneValidatorSource(name: ValidatorName): string {
  const { schema, options } = SOURCES[name];
  const ajv = new Ajv2020({ ...options, code: { source: true } });
  return standaloneCode(ajv, ajv.compile(schema()));
}

/** Writes every validator module into `dir` (dist/validators). */
export function writeStandaloneValidators(dir: string): string[] {
  fs.mkdirSync(dir, { recursive: true });
  return (Object.keys(SOURCES) as ValidatorName[]).map((name) => {
    const file = path.join(dir, `${name}.cjs`);
    fs.writeFileSync(file, standaloneValidatorSource(name));
    return file;
  });
}
