/**
 * Loading and checking packagers. Built-ins are JSON files in packagers/ beside this module and
 * go through exactly the same checks as a device's own packager file, so the schema is proven
 * against them on every load.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020';
import { PoshilError } from '../../errors';
import { PROJECT_ROOT } from '../../project-root';
import { builtInPackagers } from './packager-schema';
import { plainPackagerValidator } from '../../suite/validators';
import type { BuiltInPackagerName } from './packager-schema';
import type { PackagerDef } from './types';

/** Directory of the built-in packager files. */
export const BUILT_IN_PACKAGER_DIR = path.join(PROJECT_ROOT, 'harness', 'protocols', 'iso8583', 'packagers');

export function isBuiltInPackager(ref: string): ref is BuiltInPackagerName {
  return (builtInPackagers as readonly string[]).includes(ref);
}

/** Absolute path of the file a packager reference names (built-in name or path relative to baseDir). */
export function packagerPath(ref: string, baseDir: string): string {
  return isBuiltInPackager(ref) ? path.join(BUILT_IN_PACKAGER_DIR, `${ref}.json`) : path.resolve(baseDir, ref);
}

/**
 * Loads a packager: `ref` is a built-in name (iso87ascii, iso87binary), which wins over a file of
 * the same name, or a path relative to `baseDir` (the device profile's directory).
 * Throws PoshilError PACKAGER_NOT_FOUND when there is no such file and PACKAGER_INVALID, naming
 * the file and the JSON path of each problem, when it is not valid JSON or breaks the schema.
 */
export function loadPackager(ref: string, baseDir: string): PackagerDef {
  const file = packagerPath(ref, baseDir);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'there is no such file' : code === 'EISDIR' ? 'it is a directory' : (err as Error).message;
    throw new PoshilError(
      'PACKAGER_NOT_FOUND',
      `packager "${ref}" is not a built-in (${builtInPackagers.join(', ')}) and cannot be read as ${file}: ${why}`,
      { cause: err },
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new PoshilError('PACKAGER_INVALID', `packager file ${file} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  return validatePackager(json, `packager file ${file}`);
}

/** Made once: compiling an Ajv validator costs milliseconds, validating microseconds. */
function schemaValidator(): ValidateFunction {
  return plainPackagerValidator();
}

/**
 * Checks a parsed packager against the packager schema and returns it as a PackagerDef (without
 * the editor-only "$schema" key). `source` starts the error message, e.g. "packager file /x.json".
 * Throws PoshilError PACKAGER_INVALID listing every problem with its JSON path.
 */
export function validatePackager(value: unknown, source: string): PackagerDef {
  const validate = schemaValidator();
  if (!validate(value)) {
    const problems = explainErrors(validate.errors ?? [], value);
    throw new PoshilError('PACKAGER_INVALID', `${source} is invalid:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  }
  const def = value as PackagerDef & { $schema?: string };
  const result: PackagerDef = { name: def.name, mtiEncoding: def.mtiEncoding, bitmapEncoding: def.bitmapEncoding, fields: def.fields };
  if (def.description !== undefined) result.description = def.description;
  return result;
}

/** Why a property is refused where a `false` subschema forbids it (see the schema's if/then rules). */
const FORBIDDEN_BECAUSE: Record<string, string> = {
  lengthEncoding: 'a fixed field has no length prefix, so lengthEncoding does not apply',
  padding: 'padding applies only to packed-BCD n and z fields',
};

/** Turns Ajv's errors into one line each, "<JSON path>: <what is wrong>", dropping duplicates. */
function explainErrors(errors: ErrorObject[], root: unknown): string[] {
  const lines: string[] = [];
  for (const e of errors) {
    // "must match then schema" and allOf wrappers only restate the specific error Ajv also gives.
    if (e.keyword === 'if' || e.keyword === 'allOf') continue;
    const where = e.instancePath || '/';
    const line = `${where}: ${explainError(e, valueAt(root, e.instancePath))}${dataEncodingContext(e, root)}`;
    if (!lines.includes(line)) lines.push(line);
  }
  return lines.length > 0 ? lines : ['/: does not match the packager schema'];
}

/** The value a JSON Pointer (Ajv's instancePath) points at, to show what was found. */
function valueAt(root: unknown, pointer: string): unknown {
  let node = root;
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

function explainError(e: ErrorObject, found: unknown): string {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return `missing required property "${String(p.missingProperty)}"`;
    case 'additionalProperties':
      if (e.instancePath === '/fields') {
        return `"${String(p.additionalProperty)}" is not a field number: fields are "2" to "128" (field 1, the secondary bitmap, is implied)`;
      }
      return `unknown property "${String(p.additionalProperty)}"`;
    case 'enum':
      return `must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}, found ${JSON.stringify(found)}`;
    case 'const':
      return `must be ${JSON.stringify(p.allowedValue)}, found ${JSON.stringify(found)}`;
    case 'type':
      return `must be ${article(String(p.type))}, found ${JSON.stringify(found)}`;
    case 'minimum':
    case 'maximum': {
      const bound = `${e.keyword === 'minimum' ? 'at least' : 'at most'} ${String(p.limit)}`;
      const llvar = e.keyword === 'maximum' && p.limit === 99 ? ' (an llvar length prefix has two digits)' : '';
      return `must be ${bound}${llvar}, found ${JSON.stringify(found)}`;
    }
    case 'minLength':
      return 'must not be empty';
    case 'minProperties':
      return 'must define at least one field';
    case 'false schema': {
      const property = e.instancePath.split('/').pop() ?? '';
      return `"${property}" is not allowed here: ${FORBIDDEN_BECAUSE[property] ?? 'the schema forbids it'}`;
    }
    default:
      return e.message ?? 'does not match the packager schema';
  }
}

/** For a refused dataEncoding, the field type that rules it out (the schema ties the two). */
function dataEncodingContext(e: ErrorObject, root: unknown): string {
  const segments = e.instancePath.split('/');
  if (segments.length !== 4 || segments[1] !== 'fields' || segments[3] !== 'dataEncoding') return '';
  const fields = (root as { fields?: Record<string, { type?: unknown }> }).fields;
  const type = fields?.[segments[2]]?.type;
  return typeof type === 'string' ? ` (for a field of type "${type}")` : '';
}

function article(type: string): string {
  return type === 'object' || type === 'integer' || type === 'array' ? `an ${type}` : `a ${type}`;
}
