import { summarise } from './model';
import type { Reporter, RunReport, TestResult, ThresholdResult } from './model';
import {
  describeThreshold,
  formatLimitSymbol,
  formatSeconds,
  formatTextTable,
  formatValue,
  thresholdVerdict,
} from './format';
import { checkReportFileName, writeReportFile } from './report-file';

export interface JunitWriterOptions {
  /** File name inside the report directory; default "junit.xml". */
  fileName?: string;
}

/**
 * Characters XML 1.0 does not allow at all, not even as character references (XML 1.0 §2.2
 * Char): C0 controls other than tab/LF/CR, U+FFFE/U+FFFF and unpaired surrogates. A device's
 * garbage bytes in an error message would otherwise make the whole file unreadable to CI.
 */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const ILLEGAL_XML_CHARS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Replaces characters XML 1.0 forbids with a visible `\uXXXX`, so the reader still sees them. */
export function replaceIllegalXmlChars(text: string): string {
  return text.replace(ILLEGAL_XML_CHARS, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Escapes character data (element content). CR is kept as a reference: parsers drop raw CRs. */
export function escapeXmlText(text: string): string {
  return replaceIllegalXmlChars(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\r/g, '&#13;');
}

/**
 * Escapes an attribute value (written between double quotes). Tab, LF and CR become
 * references: attribute-value normalisation (XML 1.0 §3.3.3) would turn raw ones into spaces.
 */
export function escapeXmlAttribute(text: string): string {
  return escapeXmlText(text)
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\t/g, '&#9;')
    .replace(/\n/g, '&#10;');
}

function attributes(attrs: Record<string, string | number | undefined>): string {
  return Object.entries(attrs)
    .filter((entry): entry is [string, string | number] => entry[1] !== undefined)
    .map(([k, v]) => ` ${k}="${escapeXmlAttribute(String(v))}"`)
    .join('');
}

/**
 * JUnit wants `YYYY-MM-DDTHH:MM:SS` without zone or fraction (the Ant schema most CI servers
 * follow). Our times are UTC ISO 8601, so this is UTC.
 */
export function junitTimestamp(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toISOString().slice(0, 19);
}

/** Test case name: the test id, with the requirement it evidences when there is one. */
export function junitTestName(test: Pick<TestResult, 'id' | 'requirement'>): string {
  return test.requirement === undefined || test.requirement === '' ? test.id : `${test.id} [${test.requirement}]`;
}

function broken(test: TestResult): ThresholdResult[] {
  return test.thresholds.filter((t) => !t.passed);
}

/** The failure message: the first broken threshold, and how many more there are. */
export function junitFailureMessage(test: TestResult): string {
  const bad = broken(test);
  if (bad.length === 0) return test.error?.message ?? 'failed without a broken threshold';
  const first = describeThreshold(bad[0]);
  if (bad.length === 1) return first;
  return `${first} (and ${bad.length - 1} more broken threshold${bad.length === 2 ? '' : 's'})`;
}

/** system-out of a test case: the measurements table, notes and where the wire trace is. */
function systemOut(test: TestResult): string {
  const lines: string[] = [];
  if (test.description !== undefined) lines.push(test.description, '');
  lines.push(`interface: ${test.interface}`);
  const thresholdOf = new Map(test.thresholds.map((t) => [t.metric, t] as const));
  const rows: string[][] = test.measurements.map((m) => {
    const t = thresholdOf.get(m.name);
    return [m.name, formatValue(m.value, m.unit), t ? formatLimitSymbol(t.limit, t.unit) : '', t ? thresholdVerdict(t) : ''];
  });
  // A threshold on a metric the kind never reported still belongs in the table: it failed.
  const reported = new Set(test.measurements.map((m) => m.name));
  for (const t of test.thresholds) {
    if (!reported.has(t.metric)) rows.push([t.metric, formatValue(t.measured, t.unit), formatLimitSymbol(t.limit, t.unit), thresholdVerdict(t)]);
  }
  if (rows.length > 0) lines.push('', ...formatTextTable([['metric', 'value', 'limit', 'verdict'], ...rows]));
  if (test.notes !== undefined && test.notes.length > 0) lines.push('', 'notes:', ...test.notes.map((n) => `- ${n}`));
  if (test.wireTrace !== undefined) lines.push('', `wire trace: ${test.wireTrace}`);
  return lines.join('\n');
}

function testCase(test: TestResult, indent: string): string[] {
  const open = `${indent}<testcase${attributes({ name: junitTestName(test), classname: test.kind, time: formatSeconds(test.durationMs) })}>`;
  const inner = `${indent}  `;
  const body: string[] = [];
  switch (test.state) {
    case 'failed': {
      const bad = broken(test);
      const text = bad.length > 0 ? bad.map(describeThreshold).join('\n') : (test.error?.message ?? '');
      const type = bad.length > 0 ? 'threshold' : (test.error?.code ?? 'failed');
      body.push(`${inner}<failure${attributes({ message: junitFailureMessage(test), type })}>${escapeXmlText(text)}</failure>`);
      break;
    }
    case 'errored': {
      const message = test.error?.message ?? 'errored without a recorded cause';
      const code = test.error?.code ?? 'ERROR';
      body.push(`${inner}<error${attributes({ message, type: code })}>${escapeXmlText(`${code}: ${message}`)}</error>`);
      break;
    }
    case 'skipped':
      body.push(`${inner}<skipped${attributes({ message: test.skipReason ?? test.error?.message })}/>`);
      break;
    case 'passed':
      break;
  }
  if (test.state !== 'skipped') body.push(`${inner}<system-out>${escapeXmlText(systemOut(test))}</system-out>`);
  return [open, ...body, `${indent}</testcase>`];
}

function properties(report: RunReport, indent: string): string[] {
  const { run } = report;
  const props: [string, string][] = [
    ['poshil.version', run.poshilVersion],
    ['node', run.node],
    ['platform', run.platform],
    ['seed', String(run.seed)],
    ['run.id', run.id],
    ['suite.file', run.suite.file],
    ['suite.sha256', run.suite.sha256],
  ];
  for (const device of run.devices) {
    const identity = Object.entries(device.identity)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ');
    const facts = [device.emulated ? 'emulated' : 'hardware', ...(identity === '' ? [] : [identity])].join('; ');
    props.push(['device', `${device.name} (${facts})`]);
  }
  if (run.interrupted !== undefined) props.push(['interrupted', run.interrupted]);
  return [
    `${indent}<properties>`,
    ...props.map(([name, value]) => `${indent}  <property${attributes({ name, value })}/>`),
    `${indent}</properties>`,
  ];
}

/**
 * junit.xml as text: one testsuite (the suite) with one testcase per test. A failed test's
 * <failure> names every broken threshold with measured value and limit; an errored test's
 * <error> carries the error code; passed and failed tests carry their measurements table in
 * <system-out>. Pure: tests and `poshil report` render without touching the disk.
 */
export function renderJunitReport(report: RunReport): string {
  const { run } = report;
  // Counted from the test cases written below, so the attributes always agree with the elements.
  const summary = summarise(report.tests);
  const counts = {
    tests: summary.total,
    failures: summary.failed,
    errors: summary.errored,
    skipped: summary.skipped,
    time: formatSeconds(run.durationMs),
  };
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites${attributes({ name: `poshil ${run.suite.name}`, ...counts, timestamp: junitTimestamp(run.startedAt) })}>`,
    `  <testsuite${attributes({ name: run.suite.name, ...counts, timestamp: junitTimestamp(run.startedAt), hostname: run.host, id: 0 })}>`,
    ...properties(report, '    '),
    ...report.tests.flatMap((t) => testCase(t, '    ')),
    '  </testsuite>',
    '</testsuites>',
  ];
  return `${lines.join('\n')}\n`;
}

/** Writes junit.xml into the report directory at the end of the run. */
export class JunitWriter implements Reporter {
  readonly name = 'junit';
  private readonly fileName: string;

  constructor(options: JunitWriterOptions = {}) {
    this.fileName = options.fileName ?? 'junit.xml';
    checkReportFileName(this.fileName);
  }

  async onRunEnd(report: RunReport, outDir: string): Promise<void> {
    await writeReportFile(outDir, this.fileName, renderJunitReport(report));
  }
}
