/**
 * How every writer shows numbers, limits, thresholds and durations. One module, so that
 * report.json, junit.xml, summary.md and the console never disagree about "62.40 ms".
 *
 * Precision is a property of the unit, not of the writer:
 * - `ms`: 2 decimals ("62.40 ms")
 * - `transactions/s` (shown as `tps`): 1 decimal ("412.3 tps")
 * - `%`: 2 decimals ("0.10%")
 * - counts (`transactions`, `count`): integers shown bare ("3"); fractions keep 3 decimals
 * - anything else: up to 3 decimals, trailing zeros trimmed
 *
 * Limits are shown as the suite wrote them ("max 50 ms"), never padded with decimals.
 */
import type { Limit, Measurement, TestResult, ThresholdResult } from './model';

/** What a missing value (a metric that produced nothing) reads as. */
export const NO_VALUE = 'n/a';

/** Units shown under a shorter label, or bare (empty label) for plain counts. */
const UNIT_LABELS: Readonly<Record<string, string>> = {
  'transactions/s': 'tps',
  'tx/s': 'tps',
  transactions: '',
  count: '',
};

/** Fixed decimals per unit label; units not listed trim to at most 3 decimals. */
const UNIT_DECIMALS: Readonly<Record<string, number>> = {
  ms: 2,
  tps: 1,
  '%': 2,
};

/** Units written straight after the number, without a space ("0.10%", "3.2×"). */
const UNSPACED_UNITS = new Set(['%', '×']);

/** The label a unit is shown with: "transactions/s" → "tps", "transactions" → "". */
export function unitLabel(unit: string): string {
  return Object.hasOwn(UNIT_LABELS, unit) ? UNIT_LABELS[unit] : unit;
}

function withUnit(number: string, unit: string): string {
  const label = unitLabel(unit);
  if (label === '') return number;
  return UNSPACED_UNITS.has(label) ? `${number}${label}` : `${number} ${label}`;
}

/** "-0.00" reads like a sign error; a value that rounds to zero is "0.00". */
function dropNegativeZero(text: string): string {
  return /^-0(\.0+)?$/.test(text) ? text.slice(1) : text;
}

function trimmed(value: number, maxDecimals: number): string {
  if (Number.isInteger(value)) return String(value);
  return dropNegativeZero(String(Number(value.toFixed(maxDecimals))));
}

function nonFinite(value: number): string | undefined {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '∞';
  if (value === -Infinity) return '-∞';
  return undefined;
}

/** The number alone, at the unit's precision: (62.4, "ms") → "62.40". */
export function formatNumber(value: number | null, unit: string): string {
  if (value === null) return NO_VALUE;
  const special = nonFinite(value);
  if (special !== undefined) return special;
  const decimals = UNIT_DECIMALS[unitLabel(unit)];
  return decimals === undefined ? trimmed(value, 3) : dropNegativeZero(value.toFixed(decimals));
}

/** A measured value with its unit: (62.4, "ms") → "62.40 ms"; (null, …) → "n/a". */
export function formatValue(value: number | null, unit: string): string {
  if (value === null) return NO_VALUE;
  return withUnit(formatNumber(value, unit), unit);
}

/** A limit number as the suite wrote it, with its unit: (50, "ms") → "50 ms". */
export function formatLimitValue(value: number, unit: string): string {
  return withUnit(nonFinite(value) ?? trimmed(value, 6), unit);
}

/** A limit in words: "max 50 ms", "min 100 tps", "min 10 ms, max 50 ms". */
export function formatLimit(limit: Limit, unit: string): string {
  const parts: string[] = [];
  if (limit.min !== undefined) parts.push(`min ${formatLimitValue(limit.min, unit)}`);
  if (limit.max !== undefined) parts.push(`max ${formatLimitValue(limit.max, unit)}`);
  return parts.length === 0 ? 'no limit' : parts.join(', ');
}

/** A limit with comparison signs: "≤ 50 ms", "≥ 100 tps", "10–50 ms". */
export function formatLimitSymbol(limit: Limit, unit: string): string {
  const { min, max } = limit;
  if (min !== undefined && max !== undefined) {
    return withUnit(`${nonFinite(min) ?? trimmed(min, 6)}–${nonFinite(max) ?? trimmed(max, 6)}`, unit);
  }
  if (max !== undefined) return `≤ ${formatLimitValue(max, unit)}`;
  if (min !== undefined) return `≥ ${formatLimitValue(min, unit)}`;
  return 'no limit';
}

/** Which side of its limit a threshold broke, or why it failed without a value. */
function breach(t: ThresholdResult): { words: string; sign: string; bound?: number } {
  if (t.measured === null) return { words: 'produced no value', sign: '' };
  if (t.limit.max !== undefined && t.measured > t.limit.max) return { words: 'exceeds', sign: '>', bound: t.limit.max };
  if (t.limit.min !== undefined && t.measured < t.limit.min) return { words: 'is below', sign: '<', bound: t.limit.min };
  // Failed but inside the numbers (e.g. NaN, or a runner rule we do not know): say so plainly.
  return { words: 'does not meet', sign: '✗' };
}

/**
 * One sentence for a threshold, naming the metric, the measured value and the limit:
 * "p99_ms = 62.40 ms exceeds max 50 ms", "tps = 80.0 tps is below min 100 tps",
 * "p99_ms produced no value (limit max 50 ms)", "p99_ms = 3.10 ms within max 50 ms".
 */
export function describeThreshold(t: ThresholdResult): string {
  const limit = formatLimit(t.limit, t.unit);
  if (t.passed) return `${t.metric} = ${formatValue(t.measured, t.unit)} within ${limit}`;
  const b = breach(t);
  if (t.measured === null) return `${t.metric} ${b.words} (limit ${limit})`;
  if (b.bound !== undefined) {
    const side = b.sign === '>' ? 'max' : 'min';
    return `${t.metric} = ${formatValue(t.measured, t.unit)} ${b.words} ${side} ${formatLimitValue(b.bound, t.unit)}`;
  }
  return `${t.metric} = ${formatValue(t.measured, t.unit)} ${b.words} ${limit}`;
}

/**
 * A threshold in a few characters, for one-line output: "p99_ms=3.10 ms ≤ 50 ms" when it
 * held, "p99_ms=62.40 ms > 50 ms" when it broke, "p99_ms=n/a (limit ≤ 50 ms)" without a value.
 */
export function formatThresholdShort(t: ThresholdResult): string {
  const value = `${t.metric}=${formatValue(t.measured, t.unit)}`;
  if (t.passed) return `${value} ${formatLimitSymbol(t.limit, t.unit)}`;
  const b = breach(t);
  if (b.bound !== undefined) return `${value} ${b.sign} ${formatLimitValue(b.bound, t.unit)}`;
  return `${value} (limit ${formatLimitSymbol(t.limit, t.unit)})`;
}

/** "pass" / "FAIL", the verdict column of threshold tables. */
export function thresholdVerdict(t: ThresholdResult): string {
  return t.passed ? 'pass' : 'FAIL';
}

/** Human duration: "850ms", "1.2s", "2m 03s", "1h 02m". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return NO_VALUE;
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const totalSeconds = Math.round(ms / 1000);
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  if (hours > 0) return `${hours}h ${String(minutes).padStart(2, '0')}m`;
  return `${minutes}m ${String(seconds).padStart(2, '0')}s`;
}

/** Seconds with millisecond precision, as JUnit `time` attributes want: 1234.5 → "1.235". */
export function formatSeconds(ms: number): string {
  return Number.isFinite(ms) && ms > 0 ? (ms / 1000).toFixed(3) : '0.000';
}

/** A fraction as a percentage: (3, 200) → "1.50%". */
export function formatPercent(part: number, whole: number): string {
  if (whole === 0) return NO_VALUE;
  return formatValue((part / whole) * 100, '%');
}

/** "4 tests: 1 passed, 1 failed, 1 errored, 1 skipped" */
export function formatCounts(summary: { total: number; passed: number; failed: number; errored: number; skipped: number }): string {
  const tests = summary.total === 1 ? 'test' : 'tests';
  return `${summary.total} ${tests}: ${summary.passed} passed, ${summary.failed} failed, ${summary.errored} errored, ${summary.skipped} skipped`;
}

/** Preferred key measurements after the thresholded ones, in this order. */
export const PREFERRED_KEY_METRICS: readonly string[] = ['p50_ms', 'p99_ms', 'tps', 'errors'];

/**
 * The few measurements worth a column in a summary: metrics with thresholds first (in
 * threshold order), then p50/p99/tps/errors, then the rest in the order the kind reported
 * them — so kinds without latency metrics still show something. At most `max` (default 4).
 * A thresholded metric the kind never reported still appears, with a null value: a missing
 * metric is exactly what a reader must see.
 */
export function keyMeasurements(test: Pick<TestResult, 'measurements' | 'thresholds'>, max = 4): Measurement[] {
  const chosen: Measurement[] = [];
  const seen = new Set<string>();
  const byName = new Map(test.measurements.map((m) => [m.name, m] as const));
  const add = (m: Measurement | undefined): void => {
    if (m === undefined || seen.has(m.name) || chosen.length >= max) return;
    seen.add(m.name);
    chosen.push(m);
  };
  for (const t of test.thresholds) add(byName.get(t.metric) ?? { name: t.metric, unit: t.unit, value: t.measured });
  for (const name of PREFERRED_KEY_METRICS) add(byName.get(name));
  // Measured values before the ones this test did not produce (a check it did not run).
  for (const m of test.measurements) if (m.value !== null) add(m);
  for (const m of test.measurements) add(m);
  return chosen;
}

/** "p99_ms=3.10 ms" */
export function formatMeasurement(m: Measurement): string {
  return `${m.name}=${formatValue(m.value, m.unit)}`;
}

/**
 * Makes control characters visible as `\uXXXX`: a device's garbage bytes or ANSI escapes in
 * an error message must neither break a file format nor drive the reader's terminal. Tab and
 * newline are kept unless `keepWhitespace` is false.
 */
export function visibleControlChars(text: string, keepWhitespace = true): string {
  // C0 controls, DEL and C1 controls (0x80–0x9F: CSI 0x9B starts ANSI sequences too).
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => {
    if (keepWhitespace && (c === '\n' || c === '\t')) return c;
    return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}

/** Width of text as a terminal counts it, near enough: code points, not UTF-16 units. */
function displayWidth(text: string): number {
  return [...text].length;
}

/**
 * Rows as aligned plain-text columns (two spaces between columns, no trailing spaces), for
 * the console summary and JUnit system-out. The first row is usually the header.
 */
export function formatTextTable(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, displayWidth(cell));
    });
  }
  return rows.map((row) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell + ' '.repeat(widths[i] - displayWidth(cell))))
      .join('  ')
      .trimEnd(),
  );
}
