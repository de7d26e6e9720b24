/**
 * Writes schemas/*.schema.json from their one source, the TypeScript schema builders, so that
 * editors can check and complete suites and device profiles.
 *
 *   npx tsx harness/suite/write-schemas.ts          write the files
 *   npx tsx harness/suite/write-schemas.ts --check  exit 1 when a file is out of date
 *
 * test/suite/schema-files.test.ts fails when a committed file differs from what this writes.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { JsonSchema } from '../kinds/kind';
import { packagerSchema } from '../protocols/iso8583/packager-schema';
import { buildDeviceSchema } from './device-schema';
import { reportSchema } from './report-schema';
import { buildSuiteSchema } from './suite-schema';

export const SCHEMA_DIR = resolve(__dirname, '..', '..', 'schemas');

export const REGENERATE_COMMAND = 'npx tsx harness/suite/write-schemas.ts';

/** File name in schemas/ → schema. */
export function generatedSchemas(): Record<string, JsonSchema> {
  return {
    'suite.schema.json': buildSuiteSchema(),
    'device.schema.json': buildDeviceSchema(),
    'report.schema.json': reportSchema,
    'packager.schema.json': packagerSchema,
  };
}

/** The exact text written for a schema: 2-space JSON with a final newline. */
export function schemaFileText(schema: JsonSchema): string {
  return JSON.stringify(schema, null, 2) + '\n';
}

/** Names of the files in `dir` whose content differs from the generated text (or are missing). */
export function outdatedSchemaFiles(dir = SCHEMA_DIR): string[] {
  return Object.entries(generatedSchemas())
    .filter(([name, schema]) => {
      try {
        return readFileSync(join(dir, name), 'utf8') !== schemaFileText(schema);
      } catch {
        return true;
      }
    })
    .map(([name]) => name);
}

export function writeSchemaFiles(dir = SCHEMA_DIR): string[] {
  const written: string[] = [];
  for (const [name, schema] of Object.entries(generatedSchemas())) {
    writeFileSync(join(dir, name), schemaFileText(schema));
    written.push(join(dir, name));
  }
  return written;
}

if (require.main === module) {
  if (process.argv.includes('--check')) {
    const outdated = outdatedSchemaFiles();
    if (outdated.length > 0) {
      console.error(`out of date: ${outdated.map((n) => `schemas/${n}`).join(', ')} — run ${REGENERATE_COMMAND}`);
      process.exit(1);
    }
    console.log('schemas/ is up to date');
  } else {
    for (const file of writeSchemaFiles()) console.log(`wrote ${file}`);
  }
}
