import type { RunReport, TestResult } from '../../harness/reports/model';

/** A small, valid run report around the given test results (report writers' tests). */
export function runReport(tests: TestResult[]): RunReport {
  const failed = tests.filter((t) => t.state === 'failed').length;
  return {
    schemaVersion: 1,
    run: {
      id: '20261124T100000-spec-0001',
      poshilVersion: '0.1.0',
      node: 'v20',
      host: 'lab-pc',
      platform: 'linux-x64',
      suite: { name: 'spec <suite>', file: 'suites/spec.json', sha256: 'ab'.repeat(32) },
      devices: [{ name: 'emulated terminal', file: 'devices/emulated-terminal.json', sha256: 'cd'.repeat(32), emulated: true, identity: { model: 'EMU-1' } }],
      seed: 1,
      startedAt: '2026-11-24T10:00:00.000Z',
      endedAt: '2026-11-24T10:00:02.000Z',
      durationMs: 2000,
    },
    summary: { total: tests.length, passed: tests.length - failed, failed, errored: 0, skipped: 0, verdict: failed ? 'failed' : 'passed' },
    tests,
  };
}
