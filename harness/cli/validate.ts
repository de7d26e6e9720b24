/**
 * `poshil validate <files…>`: checks suites and device profiles (and, for completeness, run
 * reports) without running anything. A suite is checked together with the device profile it
 * names. Each file gets "✓ file" or its problems, one per line as `file:line:column: path:
 * message`, the form editors and CI problem matchers pick up.
 */
import { formatIssue, type ConfigIssue } from '../errors';
import { displayPath } from '../suite/json-document';
import { checkDeviceDocument, checkSuiteDocument, detectFileKind, readDocument } from '../suite/load';
import { describeSchemaErrors, sortIssues } from '../suite/schema-errors';
import { reportValidator } from '../suite/validators';
import { checkPackagerDocument } from '../suite/packager-check';
import type { JsonDocument } from '../suite/json-document';

export interface ValidateOutput {
  /** 0: every file is valid; 2: at least one is not (the exit code of a suite that cannot load). */
  exitCode: 0 | 2;
  output: string;
}

export function validateFiles(files: string[]): ValidateOutput {
  const lines: string[] = [];
  let failed = 0;
  for (const file of files) {
    const name = displayPath(file);
    const { summary, issues } = validateOne(file);
    if (issues.length === 0) {
      lines.push(`✓ ${name}${summary ? ` — ${summary}` : ''}`);
    } else {
      failed++;
      lines.push(`✗ ${name} — ${issues.length === 1 ? '1 problem' : `${issues.length} problems`}`);
      lines.push(...issues.map(formatIssue));
    }
  }
  if (files.length > 1) {
    lines.push(failed === 0 ? `${files.length} files valid` : `${failed} of ${files.length} files have problems`);
  }
  return { exitCode: failed === 0 ? 0 : 2, output: lines.join('\n') + '\n' };
}

function validateOne(file: string): { summary?: string; issues: ConfigIssue[] } {
  const read = readDocument(file);
  const doc = read.value;
  if (!doc) return { issues: read.issues };
  switch (detectFileKind(doc.value)) {
    case 'suite': {
      const result = checkSuiteDocument(doc);
      if (!result.value) return { issues: result.issues };
      const { suite, device } = result.value;
      const tests = suite.tests.length === 1 ? '1 test' : `${suite.tests.length} tests`;
      return { summary: `suite '${suite.name}', ${tests}, device '${device.name}' (${displayPath(device.file)})`, issues: [] };
    }
    case 'device': {
      const result = checkDeviceDocument(doc);
      if (!result.value) return { issues: result.issues };
      const device = result.value;
      const emulated = device.emulator ? ' (emulated)' : '';
      return { summary: `device '${device.name}', interfaces ${Object.keys(device.interfaces).join(', ')}${emulated}`, issues: [] };
    }
    case 'packager':
      return validatePackager(doc);
    case 'report': {
      const validate = reportValidator();
      if (validate(doc.value)) return { summary: 'run report', issues: [] };
      return { issues: sortIssues(describeSchemaErrors(validate.errors ?? [], doc)) };
    }
    default:
      return {
        issues: [
          doc.issue(
            '',
            'a suite or a device profile',
            'cannot tell what this file is: add "$schema" naming schemas/suite.schema.json (a suite, with "tests") or schemas/device.schema.json (a device profile, with "interfaces")',
          ),
        ],
      };
  }
}

function validatePackager(doc: JsonDocument): { summary?: string; issues: ConfigIssue[] } {
  const { packager, issues } = checkPackagerDocument(doc);
  return packager ? { summary: `ISO 8583 packager '${packager.name}', ${Object.keys(packager.fields).length} fields`, issues: [] } : { issues };
}
