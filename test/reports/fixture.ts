/**
 * A run report built by hand: one test in each state. `slow-refund` fails two thresholds
 * (p99_ms over its max, error_rate over its max) and passes a third (tps over its min).
 */
import { summarise } from '../../harness/reports/model';
import type { RunReport, TestResult } from '../../harness/reports/model';

export const passedTest: TestResult = {
  id: 'smoke-sale',
  kind: 'latency',
  requirement: 'REQ-LAT-001',
  description: 'Sale of 12.34 answers quickly',
  interface: 'ecr',
  state: 'passed',
  startedAt: '2025-03-01T10:00:01.000Z',
  endedAt: '2025-03-01T10:00:02.234Z',
  durationMs: 1234,
  measurements: [
    { name: 'count', unit: 'transactions', value: 200 },
    { name: 'errors', unit: 'transactions', value: 0 },
    { name: 'error_rate', unit: '%', value: 0 },
    { name: 'p50_ms', unit: 'ms', value: 1.2 },
    { name: 'p99_ms', unit: 'ms', value: 3.1 },
    { name: 'tps', unit: 'transactions/s', value: 412.34 },
  ],
  thresholds: [{ metric: 'p99_ms', unit: 'ms', limit: { max: 50 }, measured: 3.1, passed: true, message: 'p99_ms = 3.1 ms, limit max 50 ms' }],
  wireTrace: 'traces/smoke-sale.ndjson',
};

export const failedTest: TestResult = {
  id: 'slow-refund',
  kind: 'latency',
  requirement: 'REQ-LAT-002',
  interface: 'ecr',
  state: 'failed',
  startedAt: '2025-03-01T10:00:02.300Z',
  endedAt: '2025-03-01T10:00:05.300Z',
  durationMs: 3000,
  measurements: [
    { name: 'count', unit: 'transactions', value: 100 },
    { name: 'errors', unit: 'transactions', value: 2 },
    { name: 'error_rate', unit: '%', value: 2 },
    { name: 'p50_ms', unit: 'ms', value: 20.5 },
    { name: 'p99_ms', unit: 'ms', value: 62.4 },
    { name: 'tps', unit: 'transactions/s', value: 80 },
  ],
  thresholds: [
    { metric: 'p99_ms', unit: 'ms', limit: { max: 50 }, measured: 62.4, passed: false, message: 'p99_ms = 62.4 ms, limit max 50 ms' },
    { metric: 'error_rate', unit: '%', limit: { max: 1 }, measured: 2, passed: false, message: 'error_rate = 2 %, limit max 1 %' },
    { metric: 'tps', unit: 'transactions/s', limit: { min: 50 }, measured: 80, passed: true, message: 'tps = 80 transactions/s, limit min 50 transactions/s' },
  ],
  notes: ['2 responses timed out'],
};

export const erroredTest: TestResult = {
  id: 'burst',
  kind: 'stress',
  requirement: 'REQ-STR-001',
  interface: 'ecr',
  state: 'errored',
  startedAt: '2025-03-01T10:00:05.400Z',
  endedAt: '2025-03-01T10:00:05.900Z',
  durationMs: 500,
  measurements: [],
  thresholds: [],
  error: { code: 'LINK_CLOSED', message: 'link dropped after 17 transactions' },
};

export const skippedTest: TestResult = {
  id: 'pin-block',
  kind: 'encryption',
  interface: 'peripheral',
  state: 'skipped',
  startedAt: '2025-03-01T10:00:06.000Z',
  endedAt: '2025-03-01T10:00:06.000Z',
  durationMs: 0,
  measurements: [],
  thresholds: [],
  skipReason: 'no PIN pad attached',
};

export function makeReport(tests: TestResult[] = [passedTest, failedTest, erroredTest, skippedTest]): RunReport {
  return {
    schemaVersion: 1,
    run: {
      id: '20250301T100000Z-ab12',
      poshilVersion: '0.1.0',
      node: 'v20.19.0',
      host: 'lab-bench-3',
      platform: 'linux-x64',
      suite: { name: 'smoke', file: 'suites/smoke.json', sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' },
      devices: [
        {
          name: 'emulated-terminal',
          file: 'devices/emulated-terminal.json',
          sha256: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
          emulated: true,
          identity: { terminalId: 'T0000001', model: 'EMU-1' },
        },
      ],
      seed: 42,
      startedAt: '2025-03-01T10:00:00.000Z',
      endedAt: '2025-03-01T10:00:06.100Z',
      durationMs: 6100,
    },
    summary: summarise(tests),
    tests,
  };
}

/** Text with XML and Markdown specials, ANSI escapes, NUL, BEL, CRLF and a lone surrogate. */
export const NASTY = `a<b & c>"d" 'e' |f| \u0007bell \u001b[31mred\u001b[0m \u0000nul\r\nline2 \ud800lone`;

/** A run whose every free-text field (ids, names, messages, notes, reasons) is NASTY. */
export function hostileReport(): RunReport {
  const report = makeReport([
    { ...failedTest, id: `weird|id<&>"'`, requirement: 'REQ|<&>', description: NASTY, notes: [NASTY] },
    { ...erroredTest, error: { code: 'LINK_CLOSED', message: NASTY } },
    { ...skippedTest, skipReason: NASTY },
  ]);
  report.run.suite.name = `smoke <&> "quoted" 'single'`;
  report.run.interrupted = NASTY;
  return report;
}
