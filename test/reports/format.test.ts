import {
  describeThreshold,
  formatDuration,
  formatLimit,
  formatLimitSymbol,
  formatPercent,
  formatSeconds,
  formatTextTable,
  formatThresholdShort,
  formatValue,
  keyMeasurements,
  visibleControlChars,
} from '../../harness/reports/format';
import type { ThresholdResult } from '../../harness/reports/model';
import { failedTest, passedTest } from './fixture';

const p99Broken: ThresholdResult = { metric: 'p99_ms', unit: 'ms', limit: { max: 50 }, measured: 62.4, passed: false, message: '' };

describe('number formatting shared by every writer', () => {
  it('shows milliseconds with 2 decimals, tps with 1 and percentages with 2', () => {
    expect(formatValue(62.4, 'ms')).toBe('62.40 ms');
    expect(formatValue(412.34, 'transactions/s')).toBe('412.3 tps');
    expect(formatValue(0.1, '%')).toBe('0.10%');
  });

  it('shows counts bare and as integers, and other units trimmed to 3 decimals', () => {
    expect(formatValue(200, 'transactions')).toBe('200');
    expect(formatValue(3.14159, 'V')).toBe('3.142 V');
    expect(formatValue(2, '×')).toBe('2×');
  });

  it('shows a missing value as n/a, and non-finite values without pretending precision', () => {
    expect(formatValue(null, 'ms')).toBe('n/a');
    expect(formatValue(NaN, 'ms')).toBe('NaN ms');
    expect(formatValue(Infinity, 'ms')).toBe('∞ ms');
  });

  it('never shows a negative zero', () => {
    expect(formatValue(-0.001, 'ms')).toBe('0.00 ms');
  });

  it('shows limits as the suite wrote them, in words or with signs', () => {
    expect(formatLimit({ max: 50 }, 'ms')).toBe('max 50 ms');
    expect(formatLimit({ min: 10, max: 50 }, 'ms')).toBe('min 10 ms, max 50 ms');
    expect(formatLimitSymbol({ max: 50 }, 'ms')).toBe('≤ 50 ms');
    expect(formatLimitSymbol({ min: 100 }, 'transactions/s')).toBe('≥ 100 tps');
    expect(formatLimitSymbol({ min: 10, max: 50 }, 'ms')).toBe('10–50 ms');
  });

  it('shows durations for people and seconds for JUnit', () => {
    expect(formatDuration(850)).toBe('850ms');
    expect(formatDuration(1234)).toBe('1.2s');
    expect(formatDuration(123_000)).toBe('2m 03s');
    expect(formatDuration(3_720_000)).toBe('1h 02m');
    expect(formatSeconds(1234.6)).toBe('1.235');
    expect(formatPercent(3, 200)).toBe('1.50%');
  });
});

describe('threshold sentences', () => {
  it('name the metric, the measured value and the broken limit', () => {
    expect(describeThreshold(p99Broken)).toBe('p99_ms = 62.40 ms exceeds max 50 ms');
    expect(describeThreshold({ ...p99Broken, metric: 'tps', unit: 'transactions/s', limit: { min: 100 }, measured: 80 })).toBe(
      'tps = 80.0 tps is below min 100 tps',
    );
    expect(formatThresholdShort(p99Broken)).toBe('p99_ms=62.40 ms > 50 ms');
  });

  it('say so when the metric produced no value', () => {
    expect(describeThreshold({ ...p99Broken, measured: null })).toBe('p99_ms produced no value (limit max 50 ms)');
    expect(formatThresholdShort({ ...p99Broken, measured: null })).toBe('p99_ms=n/a (limit ≤ 50 ms)');
  });

  it('show a threshold that held with its limit', () => {
    expect(formatThresholdShort({ ...p99Broken, measured: 3.1, passed: true })).toBe('p99_ms=3.10 ms ≤ 50 ms');
  });
});

describe('key measurements', () => {
  it('put thresholded metrics first, then p50, p99, tps and errors, at most 4', () => {
    expect(keyMeasurements(failedTest).map((m) => m.name)).toEqual(['p99_ms', 'error_rate', 'tps', 'p50_ms']);
    expect(keyMeasurements(passedTest).map((m) => m.name)).toEqual(['p99_ms', 'p50_ms', 'tps', 'errors']);
  });

  it('fall back to what the kind reported when it has no latency metrics', () => {
    const measurements = [{ name: 'rounds', unit: 'count', value: 3 }];
    expect(keyMeasurements({ measurements, thresholds: [] })).toEqual(measurements);
  });

  it('include a thresholded metric the kind never reported, with no value', () => {
    expect(keyMeasurements({ measurements: [], thresholds: [{ ...p99Broken, measured: null }] })).toEqual([
      { name: 'p99_ms', unit: 'ms', value: null },
    ]);
  });
});

describe('text helpers', () => {
  it('make control characters visible, keeping tab and newline only when asked', () => {
    expect(visibleControlChars('a\u001b[31m\u0007\tb\nc')).toBe('a\\u001b[31m\\u0007\tb\nc');
    expect(visibleControlChars('a\tb\r\n', false)).toBe('a\\u0009b\\u000d\\u000a');
  });

  it('align plain-text columns without trailing spaces', () => {
    expect(formatTextTable([['test', 'state'], ['smoke-sale', 'passed'], ['x', '']])).toEqual([
      'test        state',
      'smoke-sale  passed',
      'x',
    ]);
  });
});
