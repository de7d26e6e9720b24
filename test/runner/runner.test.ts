import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runSuite } from '../../harness/runner/runner';
import { RunJournal } from '../../harness/runner/run-journal';
import { loadDevice } from '../../harness/suite/load';
import { latencyKind } from '../../harness/kinds/latency';
import { ReporterMultiplexer } from '../../harness/reports/multiplexer';
import type { TestKind } from '../../harness/kinds/kind';
import type { Reporter, RunReport, TestResult } from '../../harness/reports/model';
import type { Suite, SuiteTest } from '../../harness/suite/types';
import type { RunningEmulator } from '../../harness/runner/emulator-process';

/**
 * The runner's promises: a test that throws is `errored` and the run goes on; a reporter that
 * throws never stops the run; a device that dies mid-run marks the tests and the report is
 * still written; every result is in the journal as it happens.
 */
const ROOT = path.resolve(__dirname, '../..');
const device = loadDevice(path.join(ROOT, 'devices/emulated-terminal.json'));

function suiteOf(tests: Partial<SuiteTest>[]): Suite {
  return {
    name: 'runner spec',
    file: path.join(ROOT, 'suites/smoke.json'),
    sha256: '0'.repeat(64),
    deviceFile: device.file,
    seed: 1,
    defaults: { timeoutMs: 500 },
    tests: tests.map((t, i) => ({ id: `t${i}`, kind: 'latency', interface: 'ecr', params: {}, thresholds: {}, ...t })),
  };
}

const echo = { transaction: { type: 'echo' }, iterations: 5, warmup: { iterations: 0 } };

const throwingKind: TestKind<unknown> = {
  name: 'throws',
  description: 'always throws',
  paramsSchema: {},
  metrics: [],
  run: async () => {
    throw new Error('kind exploded');
  },
};

function collecting(): Reporter & { results: TestResult[]; report?: RunReport } {
  const r: Reporter & { results: TestResult[]; report?: RunReport } = {
    name: 'collect',
    results: [],
    onTestResult: (t) => void r.results.push(t),
    onRunEnd: (report) => {
      r.report = report;
    },
  };
  return r;
}

const outDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'poshil-runner-'));

describe('runner', () => {
  it('records a throwing test as errored with its cause, and runs the next test', async () => {
    const collect = collecting();
    const report = await runSuite({
      suite: suiteOf([{ kind: 'throws' }, { params: echo }]),
      device,
      outDir: outDir(),
      reporter: collect,
      kinds: { throws: throwingKind, latency: latencyKind as TestKind<unknown> },
    });
    expect(report.tests.map((t) => t.state)).toEqual(['errored', 'passed']);
    expect(report.tests[0]?.error?.message).toBe('kind exploded');
    expect(report.summary.verdict).toBe('failed');
  });

  it('keeps running when a reporter throws in every hook', async () => {
    const broken: Reporter = {
      name: 'broken',
      onRunStart: () => {
        throw new Error('x');
      },
      onTestResult: () => {
        throw new Error('x');
      },
      onRunEnd: () => {
        throw new Error('x');
      },
    };
    const collect = collecting();
    const stderr = { write: () => true };
    const report = await runSuite({
      suite: suiteOf([{ params: echo }]),
      device,
      outDir: outDir(),
      reporter: new ReporterMultiplexer([broken, collect], { stderr }),
    });
    expect(report.summary.passed).toBe(1);
    expect(collect.report?.summary.passed).toBe(1);
  });

  it('marks tests when the device dies mid-run, goes on, and still writes the report and journal', async () => {
    let emulator: RunningEmulator | undefined;
    const killer: TestKind<unknown> = {
      name: 'pull-the-plug',
      description: 'kills the emulated terminal',
      paramsSchema: {},
      metrics: [],
      run: async () => {
        process.kill(emulator!.pid, 'SIGKILL');
        await new Promise((r) => setTimeout(r, 200));
        return { measurements: {} };
      },
    };
    const dir = outDir();
    const collect = collecting();
    const report = await runSuite({
      suite: suiteOf([{ params: echo }, { kind: 'pull-the-plug' }, { params: echo }, { params: echo }]),
      device,
      outDir: dir,
      reporter: collect,
      kinds: { 'pull-the-plug': killer, latency: latencyKind as TestKind<unknown> },
      onEmulatorStarted: (e) => {
        emulator = e;
      },
    });
    expect(report.tests.map((t) => t.state)).toEqual(['passed', 'passed', 'errored', 'errored']);
    expect(report.tests[2]?.error?.message).toMatch(/could not connect|link dropped|failed/);
    const journal = RunJournal.read(path.join(dir, 'journal.ndjson'));
    expect(journal.filter((r) => r.type === 'test-result')).toHaveLength(4);
    expect(journal.at(-1)?.type).toBe('run-end');
  });

  it('stops measuring when the run is cancelled and marks the rest skipped', async () => {
    const controller = new AbortController();
    const collect = collecting();
    const report = await runSuite({
      suite: suiteOf([{ params: { transaction: { type: 'echo' }, duration: '10s' } }, { params: echo }]),
      device,
      outDir: outDir(),
      reporter: { ...collect, onProgress: (_id, p) => (p.done >= 20 ? controller.abort() : undefined) },
      signal: controller.signal,
    });
    expect(report.run.interrupted).toBeDefined();
    expect(report.tests[0]?.measurements.find((m) => m.name === 'errors')?.value).toBe(0);
    expect(report.tests[0]?.notes?.join(' ')).toMatch(/interrupted after \d+ measured transactions/);
    expect(report.tests[1]?.state).toBe('skipped');
    expect(report.run.durationMs).toBeLessThan(8000);
  });
});
