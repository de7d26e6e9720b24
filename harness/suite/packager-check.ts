/**
 * Checks the ISO 8583 packager a device profile names, with the same file:line:column issues
 * as suites and profiles. loadPackager (protocols/iso8583/packager.ts) is what a run uses; it
 * reports problems by JSON path only, so a packager *file* is first read here with positions
 * and checked against the same packager schema, and loadPackager then has the last word.
 */
import { existsSync } from 'node:fs';
import { ConfigError, type ConfigIssue } from '../errors';
import { builtInPackagers } from '../protocols/iso8583/packager-schema';
import { isBuiltInPackager, loadPackager, packagerPath } from '../protocols/iso8583/packager';
import type { PackagerDef } from '../protocols/iso8583/types';
import { readJsonDocument, type JsonDocument } from './json-document';
import { didYouMean, describeSchemaErrors, sortIssues } from './schema-errors';
import { packagerValidator } from './validators';

export interface PackagerCheck {
  packager?: PackagerDef;
  issues: ConfigIssue[];
}

/** Checks a packager file; every issue carries its own line and column. */
export function checkPackagerFile(file: string): PackagerCheck {
  let doc: JsonDocument;
  try {
    doc = readJsonDocument(file);
  } catch (err) {
    if (err instanceof ConfigError) return { issues: err.issues };
    throw err;
  }
  return checkPackagerDocument(doc);
}

export function checkPackagerDocument(doc: JsonDocument): PackagerCheck {
  const validate = packagerValidator();
  const issues = [...doc.duplicateKeyIssues];
  if (!validate(doc.value)) issues.push(...describeSchemaErrors(validate.errors ?? [], doc));
  if (issues.length > 0) return { issues: sortIssues(issues) };
  try {
    return { packager: loadPackager(doc.file, '/'), issues: [] };
  } catch (err) {
    return { issues: [doc.issue('', 'a valid packager', err instanceof Error ? err.message : String(err))] };
  }
}

/**
 * Checks the packager reference at `pointer` in a device profile: a built-in name, or a file
 * relative to the profile that exists and is valid. Issues in the packager file come after the
 * one pointing at the reference.
 */
export function checkPackagerReference(doc: JsonDocument, pointer: string, ref: string, baseDir: string): ConfigIssue[] {
  if (isBuiltInPackager(ref)) {
    try {
      loadPackager(ref, baseDir);
      return [];
    } catch (err) {
      // A broken built-in is poshil's fault, but the run still cannot start.
      return [doc.issue(pointer, 'a loadable packager', `built-in packager '${ref}' could not be loaded: ${err instanceof Error ? err.message : String(err)}`)];
    }
  }
  const file = packagerPath(ref, baseDir);
  if (!existsSync(file)) {
    const builtIns = builtInPackagers.join(', ');
    const looksLikePath = /[\\/]|\.json$/i.test(ref);
    const message = looksLikePath
      ? `packager file not found: '${ref}' (looked for ${file}; the path is relative to the device profile)`
      : `unknown packager '${ref}'${didYouMean(ref, builtInPackagers)} (built-in packagers: ${builtIns}; a packager file is named by its path, e.g. "./packagers/acme.json")`;
    return [doc.issue(pointer, `a built-in packager (${builtIns}) or a packager file`, message)];
  }
  const result = checkPackagerFile(file);
  if (result.issues.length === 0) return [];
  return [doc.issue(pointer, 'a valid packager file', `packager file '${ref}' has ${result.issues.length === 1 ? 'a problem' : `${result.issues.length} problems`} (reported under its own file name)`), ...result.issues];
}
