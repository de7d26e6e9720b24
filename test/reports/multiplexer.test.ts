import type { Reporter } from '../../harness/reports/model';
import { ReporterMultiplexer } from '../../harness/reports/multiplexer';
import { makeReport, passedTest } from './fixture';

const start = { runId: 'r1', suiteName: 'smoke', suiteFile: 'suites/smoke.json', tests: [{ id: 'smoke-sale', kind: 'latency' }], outDir: 'out' };

function stderrSpy(): { lines: string[]; write(chunk: string): void } {
  return {
    lines: [],
    write(chunk: string) {
      this.lines.push(chunk);
    },
  };
}

/** A reporter that records every call it receives. */
function recorder(name: string, log: string[]): Reporter {
  return {
    name,
    onRunStart: () => void log.push(`${name}:onRunStart`),
    onTestStart: async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      log.push(`${name}:onTestStart`);
    },
    onProgress: () => void log.push(`${name}:onProgress`),
    onTestResult: () => void log.push(`${name}:onTestResult`),
    onRunEnd: async () => void log.push(`${name}:onRunEnd`),
  };
}

const throwsEverywhere: Reporter = {
  name: 'broken',
  onRunStart() {
    throw new Error('cannot start');
  },
  onTestStart: async () => {
    throw new Error('cannot start test');
  },
  onProgress() {
    throw new Error('cannot show progress');
  },
  onTestResult: () => Promise.reject(new Error('cannot take result')),
  onRunEnd() {
    throw new Error('disk full');
  },
};

async function runThrough(mux: ReporterMultiplexer): Promise<void> {
  await mux.onRunStart(start);
  await mux.onTestStart({ id: 'smoke-sale', kind: 'latency', index: 0, total: 1 });
  mux.onProgress('smoke-sale', { done: 1, total: 2 });
  mux.onProgress('smoke-sale', { done: 2, total: 2 });
  await mux.onTestResult(passedTest);
  await mux.onRunEnd(makeReport(), 'out');
}

describe('reporter multiplexer', () => {
  it('calls every hook of every reporter in order, awaiting async hooks before the next reporter', async () => {
    const log: string[] = [];
    await runThrough(new ReporterMultiplexer([recorder('a', log), recorder('b', log)], { stderr: stderrSpy() }));
    expect(log).toEqual([
      'a:onRunStart', 'b:onRunStart',
      'a:onTestStart', 'b:onTestStart',
      'a:onProgress', 'b:onProgress', 'a:onProgress', 'b:onProgress',
      'a:onTestResult', 'b:onTestResult',
      'a:onRunEnd', 'b:onRunEnd',
    ]);
  });

  it('survives a reporter that throws or rejects in every hook, and still calls the others', async () => {
    const log: string[] = [];
    const mux = new ReporterMultiplexer([throwsEverywhere, recorder('ok', log)], { stderr: stderrSpy() });
    await expect(runThrough(mux)).resolves.toBeUndefined();
    expect(log).toEqual(['ok:onRunStart', 'ok:onTestStart', 'ok:onProgress', 'ok:onProgress', 'ok:onTestResult', 'ok:onRunEnd']);
  });

  it('collects each failure in errors, counting repeats of the same hook', async () => {
    const mux = new ReporterMultiplexer([throwsEverywhere], { stderr: stderrSpy() });
    await runThrough(mux);
    expect(mux.errors.map((e) => [e.reporter, e.hook, e.count])).toEqual([
      ['broken', 'onRunStart', 1],
      ['broken', 'onTestStart', 1],
      ['broken', 'onProgress', 2],
      ['broken', 'onTestResult', 1],
      ['broken', 'onRunEnd', 1],
    ]);
    expect(mux.errors[4].error).toEqual(new Error('disk full'));
  });

  it('prints each failure to stderr once, naming the reporter and the hook', async () => {
    const stderr = stderrSpy();
    await runThrough(new ReporterMultiplexer([throwsEverywhere], { stderr }));
    expect(stderr.lines).toEqual([
      "reporter 'broken' failed in onRunStart: cannot start\n",
      "reporter 'broken' failed in onTestStart: cannot start test\n",
      "reporter 'broken' failed in onProgress: cannot show progress\n",
      "reporter 'broken' failed in onTestResult: cannot take result\n",
      "reporter 'broken' failed in onRunEnd: disk full\n",
    ]);
  });

  it('does not wait forever for a hook that never settles', async () => {
    const hangs: Reporter = { name: 'hangs', onRunEnd: () => new Promise<void>(() => undefined) };
    const log: string[] = [];
    const mux = new ReporterMultiplexer([hangs, recorder('after', log)], { stderr: stderrSpy(), hookTimeoutMs: 20 });
    await mux.onRunEnd(makeReport(), 'out');
    expect(log).toEqual(['after:onRunEnd']);
    expect(mux.errors[0].message).toBe("reporter 'hangs' failed in onRunEnd: did not finish within 20 ms");
  });

  it('records a rejected promise returned from onProgress, although the hook is meant to be synchronous', async () => {
    const asyncProgress = { name: 'async', onProgress: () => Promise.reject('nope') } as unknown as Reporter;
    const mux = new ReporterMultiplexer([asyncProgress], { stderr: stderrSpy() });
    mux.onProgress('t', { done: 1 });
    await new Promise((resolve) => setImmediate(resolve));
    expect(mux.errors.map((e) => e.message)).toEqual(["reporter 'async' failed in onProgress: nope"]);
  });

  it('skips hooks a reporter does not have', async () => {
    const mux = new ReporterMultiplexer([{ name: 'empty' }], { stderr: stderrSpy() });
    await runThrough(mux);
    expect(mux.errors).toEqual([]);
  });
});
