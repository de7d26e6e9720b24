import { ConsoleReporter, type ConsoleReporterOptions } from '../../harness/reports/console-reporter';
import type { RunStart } from '../../harness/reports/model';
import { erroredTest, failedTest, hostileReport, makeReport, NASTY, passedTest, skippedTest } from './fixture';

// eslint-disable-next-line no-control-regex -- looking for escape sequences is the point
const ANSI = /\u001b\[/;

class FakeStream {
  chunks: string[] = [];
  constructor(
    readonly isTTY: boolean,
    readonly columns?: number,
  ) {}
  write(chunk: string): boolean {
    this.chunks.push(chunk);
    return true;
  }
  get text(): string {
    return this.chunks.join('');
  }
}

const start: RunStart = {
  runId: '20250301T100000Z-ab12',
  suiteName: 'smoke',
  suiteFile: 'suites/smoke.json',
  tests: [
    { id: 'smoke-sale', kind: 'latency' },
    { id: 'slow-refund', kind: 'latency' },
    { id: 'burst', kind: 'stress' },
    { id: 'pin-block', kind: 'encryption' },
  ],
  outDir: 'reports/20250301T100000Z-ab12',
};

/** A whole run through the reporter, with `progressCalls` progress updates 10 ms apart. */
function run(options: ConsoleReporterOptions & { stream: FakeStream }, progressCalls = 200): FakeStream {
  let clock = 0;
  const reporter = new ConsoleReporter({ env: {}, now: () => clock, ...options });
  const report = makeReport();
  reporter.onRunStart(start);
  report.tests.forEach((test, index) => {
    reporter.onTestStart({ id: test.id, kind: test.kind, index, total: report.tests.length });
    if (index === 0) {
      for (let done = 1; done <= progressCalls; done++) {
        clock += 10;
        reporter.onProgress(test.id, { done, total: progressCalls });
      }
    }
    reporter.onTestResult(test);
  });
  reporter.onRunEnd(report, 'reports/20250301T100000Z-ab12');
  return options.stream;
}

describe('console reporter, not on a terminal (CI logs, pipes)', () => {
  it('writes plain lines: no carriage return and no ANSI escape, even when asked for colour by nobody', () => {
    const out = run({ stream: new FakeStream(false) }).text;
    expect(out).not.toContain('\r');
    expect(out).not.toMatch(ANSI);
    expect(out.endsWith('\n')).toBe(true);
  });

  it('prints one line per result: PASS with its thresholds, FAIL with the broken ones, ERROR with the cause, SKIP with the reason', () => {
    const lines = run({ stream: new FakeStream(false) }).text.split('\n');
    expect(lines).toContain('✔ PASS smoke-sale (latency) 1.2s  p99_ms=3.10 ms ≤ 50 ms');
    expect(lines).toContain('✘ FAIL slow-refund (latency) 3.0s  p99_ms=62.40 ms > 50 ms, error_rate=2.00% > 1%');
    expect(lines).toContain('✘ ERROR burst (stress) 500ms  LINK_CLOSED: link dropped after 17 transactions');
    expect(lines).toContain('- SKIP pin-block (encryption)  no PIN pad attached');
  });

  it('ends with a summary table, the totals with the verdict, and the report directory', () => {
    const lines = run({ stream: new FakeStream(false) }).text.split('\n');
    const header = lines.indexOf('test         state    key measurements');
    expect(header).toBeGreaterThan(0);
    expect(lines.slice(header + 1, header + 5)).toEqual([
      'smoke-sale   passed   p99_ms=3.10 ms  p50_ms=1.20 ms  tps=412.3 tps  errors=0',
      'slow-refund  failed   p99_ms=62.40 ms  error_rate=2.00%  tps=80.0 tps  p50_ms=20.50 ms',
      'burst        errored  LINK_CLOSED',
      'pin-block    skipped  no PIN pad attached',
    ]);
    expect(lines).toContain('4 tests: 1 passed, 1 failed, 1 errored, 1 skipped in 6.1s: FAILED');
    expect(lines).toContain('reports: reports/20250301T100000Z-ab12');
  });

  it('announces each test on its own line and keeps progress quiet for a short test', () => {
    const lines = run({ stream: new FakeStream(false) }, 200).text.split('\n');
    expect(lines).toContain('[1/4] smoke-sale (latency) started');
    expect(lines.filter((l) => l.includes('/200'))).toEqual([]);
  });

  it('prints a plain progress line now and then during a long test, so CI sees signs of life', () => {
    const out = run({ stream: new FakeStream(false), plainProgressIntervalMs: 500 }, 200).text;
    expect(out.split('\n').filter((l) => l.startsWith('  latency smoke-sale '))).toEqual([
      '  latency smoke-sale 50/200',
      '  latency smoke-sale 100/200',
      '  latency smoke-sale 150/200',
      '  latency smoke-sale 200/200',
    ]);
  });

  it('shows device text with control characters made visible, so a device cannot drive the terminal', () => {
    const stream = new FakeStream(false);
    const reporter = new ConsoleReporter({ stream, env: {} });
    const report = hostileReport();
    for (const t of report.tests) reporter.onTestResult(t);
    reporter.onRunEnd(report, 'out');
    expect(stream.text).not.toMatch(ANSI);
    expect(stream.text).not.toContain('\r');
    expect(stream.text).toContain('\\u001b[31mred');
    expect(NASTY).toContain('\u001b[31m');
  });
});

describe('console reporter on a terminal', () => {
  it('rewrites one progress line with \\r ("latency smoke-sale 120/200")', () => {
    const out = run({ stream: new FakeStream(true) }).text;
    expect(out).toContain('\rlatency smoke-sale 120/200');
    expect(out).toContain('\rlatency smoke-sale 200/200');
  });

  it('redraws at most about ten times a second', () => {
    // 200 updates, 10 ms apart = 2 s of test: about 20 redraws, not 200.
    const stream = run({ stream: new FakeStream(true) });
    const draws = stream.chunks.filter((c) => /^\rlatency smoke-sale \d+\/200/.test(c));
    expect(draws.length).toBeGreaterThanOrEqual(19);
    expect(draws.length).toBeLessThanOrEqual(21);
  });

  it('wipes the progress line before printing a result, so no progress text is left on the result line', () => {
    const out = run({ stream: new FakeStream(true), color: false }).text;
    const resultAt = out.indexOf('✔ PASS smoke-sale');
    const lastReturn = out.lastIndexOf('\r', resultAt);
    expect(out.slice(lastReturn + 1, resultAt).trim()).toBe('');
  });

  it('cuts the progress line to the terminal width so \\r can rewrite it', () => {
    const stream = new FakeStream(true, 20);
    const reporter = new ConsoleReporter({ stream, env: {}, now: () => 1e6 });
    reporter.onProgress('a-very-long-test-identifier', { done: 1, total: 2, message: 'warming up the terminal' });
    expect(stream.chunks[0]).toBe('\ra-very-long-test-i…');
    expect([...stream.chunks[0].slice(1)]).toHaveLength(19);
  });

  it('colours PASS and FAIL on a terminal', () => {
    expect(run({ stream: new FakeStream(true) }).text).toMatch(ANSI);
  });

  it('honours NO_COLOR: no ANSI escape, but still the live progress line', () => {
    const out = run({ stream: new FakeStream(true), env: { NO_COLOR: '1' } }).text;
    expect(out).not.toMatch(ANSI);
    expect(out).toContain('\rlatency smoke-sale');
  });

  it('ignores an empty NO_COLOR, as no-color.org says', () => {
    expect(run({ stream: new FakeStream(true), env: { NO_COLOR: '' } }).text).toMatch(ANSI);
  });
});

describe('console reporter results without a run around them', () => {
  it('prints a result line for each state on its own', () => {
    const stream = new FakeStream(false);
    const reporter = new ConsoleReporter({ stream, env: {} });
    for (const t of [passedTest, failedTest, erroredTest, skippedTest]) reporter.onTestResult(t);
    expect(stream.text.split('\n').filter(Boolean)).toHaveLength(4);
  });
});
