import type { Reporter, RunReport, RunStart, TestResult } from './model';

export type ReporterHook = 'onRunStart' | 'onTestStart' | 'onProgress' | 'onTestResult' | 'onRunEnd';

/** One reporter failing in one hook; repeats of the same failure are counted, not stored. */
export interface ReporterFailure {
  reporter: string;
  hook: ReporterHook;
  /** The first error thrown (or the rejection reason). */
  error: unknown;
  /** "reporter 'junit' failed in onRunEnd: EACCES: permission denied, open …" */
  message: string;
  /** How many times this reporter failed in this hook. */
  count: number;
}

export interface ReporterMultiplexerOptions {
  /** Where each failure is printed, once; default process.stderr. */
  stderr?: { write(chunk: string): unknown };
  /**
   * An async hook still pending after this long counts as failed and the run goes on without
   * waiting for it; default 60 000 ms. `Infinity` waits forever.
   */
  hookTimeoutMs?: number;
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return value !== null && typeof value === 'object' && typeof (value as { then?: unknown }).then === 'function';
}

class HookTimeout extends Error {
  constructor(ms: number) {
    super(`did not finish within ${ms} ms`);
  }
}

/**
 * Calls every reporter's hooks in order, awaiting async ones, and never lets a reporter's
 * throw, rejection or hang reach the runner: a broken reporter cannot stop a run. Failures
 * are collected in `errors` and printed to stderr once per reporter and hook, as
 * "reporter 'x' failed in onRunEnd: …".
 */
export class ReporterMultiplexer implements Reporter {
  readonly name = 'multiplexer';
  readonly reporters: readonly Reporter[];
  private readonly stderr: { write(chunk: string): unknown };
  private readonly hookTimeoutMs: number;
  private readonly failures = new Map<string, ReporterFailure>();

  constructor(reporters: readonly Reporter[], options: ReporterMultiplexerOptions = {}) {
    this.reporters = [...reporters];
    this.stderr = options.stderr ?? process.stderr;
    const timeout = options.hookTimeoutMs ?? 60_000;
    if (typeof timeout !== 'number' || Number.isNaN(timeout) || timeout <= 0) {
      throw new TypeError(`reporter multiplexer: "hookTimeoutMs" must be a number of milliseconds > 0 (or Infinity), got ${String(timeout)}`);
    }
    this.hookTimeoutMs = timeout;
  }

  /** Every reporter failure so far, in the order they first happened. */
  get errors(): readonly ReporterFailure[] {
    return [...this.failures.values()];
  }

  async onRunStart(start: RunStart): Promise<void> {
    await this.callAll('onRunStart', (r) => r.onRunStart?.(start));
  }

  async onTestStart(test: { id: string; kind: string; index: number; total: number }): Promise<void> {
    await this.callAll('onTestStart', (r) => r.onTestStart?.(test));
  }

  /** Synchronous, like the hook: progress is frequent and must not wait on anyone. */
  onProgress(testId: string, progress: { done: number; total?: number; message?: string }): void {
    for (const reporter of this.reporters) {
      if (reporter.onProgress === undefined) continue;
      try {
        const returned: unknown = reporter.onProgress(testId, progress);
        // The contract says void, but a JavaScript reporter may still return a promise.
        if (isPromiseLike(returned)) returned.then(undefined, (error: unknown) => this.record(reporter, 'onProgress', error));
      } catch (error) {
        this.record(reporter, 'onProgress', error);
      }
    }
  }

  async onTestResult(result: TestResult): Promise<void> {
    await this.callAll('onTestResult', (r) => r.onTestResult?.(result));
  }

  async onRunEnd(report: RunReport, outDir: string): Promise<void> {
    await this.callAll('onRunEnd', (r) => r.onRunEnd?.(report, outDir));
  }

  private async callAll(hook: ReporterHook, call: (reporter: Reporter) => unknown): Promise<void> {
    for (const reporter of this.reporters) {
      if (reporter[hook] === undefined) continue;
      try {
        const returned = call(reporter);
        if (isPromiseLike(returned)) await this.withTimeout(returned);
      } catch (error) {
        this.record(reporter, hook, error);
      }
    }
  }

  private async withTimeout(pending: PromiseLike<unknown>): Promise<void> {
    if (this.hookTimeoutMs === Infinity) {
      await pending;
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new HookTimeout(this.hookTimeoutMs)), this.hookTimeoutMs);
      // A hung reporter must not keep the process alive either.
      timer.unref();
    });
    const settled = Promise.resolve(pending);
    // If the timeout wins, a later rejection of the hook must not become an unhandled rejection.
    settled.catch(() => undefined);
    try {
      await Promise.race([settled, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private record(reporter: Reporter, hook: ReporterHook, error: unknown): void {
    let name: string;
    try {
      name = String(reporter.name);
    } catch {
      name = '(unnamed)';
    }
    const key = `${name}\u0000${hook}`;
    const known = this.failures.get(key);
    if (known !== undefined) {
      known.count += 1;
      return;
    }
    const message = `reporter '${name}' failed in ${hook}: ${describe(error)}`;
    this.failures.set(key, { reporter: name, hook, error, message, count: 1 });
    try {
      this.stderr.write(`${message}\n`);
    } catch {
      // Nowhere left to say it; the failure is still in `errors`.
    }
  }
}
