import { performance } from 'node:perf_hooks';
import type { Reporter, RunReport, RunStart, TestResult } from './model';
import {
  formatCounts,
  formatDuration,
  formatMeasurement,
  formatTextTable,
  formatThresholdShort,
  keyMeasurements,
  visibleControlChars,
} from './format';

/** The part of a writable stream the console reporter uses (process.stdout fits). */
export interface ConsoleStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  /** Terminal width; progress lines are cut to fit so that `\r` can rewrite them. */
  columns?: number;
}

export interface ConsoleReporterOptions {
  /** Where to write; default process.stdout. */
  stream?: ConsoleStream;
  /** Treat the stream as a terminal (live progress line) or not; default `stream.isTTY`. */
  tty?: boolean;
  /**
   * ANSI colours; default on for a terminal unless NO_COLOR is set (https://no-color.org)
   * or TERM is "dumb".
   */
  color?: boolean;
  /** Environment read for NO_COLOR and TERM; default process.env. */
  env?: Readonly<Record<string, string | undefined>>;
  /** On a terminal, redraw the progress line at most this often; default 100 ms (≈10/s). */
  progressIntervalMs?: number;
  /**
   * Not on a terminal, print a plain progress line at most this often, so a CI job running a
   * long soak still shows signs of life; default 30 000 ms. `Infinity` turns these lines off.
   */
  plainProgressIntervalMs?: number;
  /** Monotonic clock in ms; default performance.now (tests pass a fake). */
  now?: () => number;
}

/** NO_COLOR counts when it is present and not empty (https://no-color.org). */
export function noColorRequested(env: Readonly<Record<string, string | undefined>>): boolean {
  const value = env.NO_COLOR;
  return value !== undefined && value !== '';
}

const ANSI = {
  green: ['\u001b[32m', '\u001b[39m'],
  red: ['\u001b[31m', '\u001b[39m'],
  yellow: ['\u001b[33m', '\u001b[39m'],
  bold: ['\u001b[1m', '\u001b[22m'],
  dim: ['\u001b[2m', '\u001b[22m'],
} as const;

type Style = keyof typeof ANSI;

/** Device text shown on one console line: no newline, no escape sequence, no carriage return. */
function oneLine(text: string): string {
  return visibleControlChars(text, false);
}

function truncate(text: string, width: number): string {
  const chars = [...text];
  return chars.length <= width ? text : `${chars.slice(0, Math.max(0, width - 1)).join('')}…`;
}

function checkInterval(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0) {
    throw new TypeError(`console reporter: "${name}" must be a number of milliseconds ≥ 0 (or Infinity), got ${String(value)}`);
  }
  return value;
}

interface CurrentTest {
  id: string;
  kind: string;
  index: number;
  total: number;
  startedAt: number;
  lastProgressAt: number;
}

/**
 * Console output. On a terminal: a live progress line during a test ("latency smoke-sale
 * 120/200"), rewritten with `\r` at most ~10 times a second. Anywhere else (CI logs, pipes):
 * plain lines only, never a `\r` or an ANSI sequence. Then one line per test result, and at
 * the end a summary table, the totals and where the reports are.
 */
export class ConsoleReporter implements Reporter {
  readonly name = 'console';
  private readonly stream: ConsoleStream;
  private readonly tty: boolean;
  private readonly color: boolean;
  private readonly progressIntervalMs: number;
  private readonly plainProgressIntervalMs: number;
  private readonly now: () => number;
  private readonly kinds = new Map<string, string>();
  private current: CurrentTest | undefined;
  /** Width of the progress line on screen; 0 when none is shown. */
  private progressWidth = 0;

  constructor(options: ConsoleReporterOptions = {}) {
    this.stream = options.stream ?? process.stdout;
    this.tty = options.tty ?? this.stream.isTTY === true;
    const env = options.env ?? process.env;
    this.color = options.color ?? (this.tty && !noColorRequested(env) && env.TERM !== 'dumb');
    this.progressIntervalMs = checkInterval('progressIntervalMs', options.progressIntervalMs, 100);
    this.plainProgressIntervalMs = checkInterval('plainProgressIntervalMs', options.plainProgressIntervalMs, 30_000);
    this.now = options.now ?? (() => performance.now());
  }

  onRunStart(start: RunStart): void {
    for (const t of start.tests) this.kinds.set(t.id, t.kind);
    const count = `${start.tests.length} test${start.tests.length === 1 ? '' : 's'}`;
    this.line(`${this.paint('bold', `poshil ${oneLine(start.suiteName)}`)} ${this.paint('dim', `(${oneLine(start.suiteFile)}), ${count}, run ${oneLine(start.runId)}`)}`);
    for (const w of start.warnings ?? []) this.line(this.paint('yellow', `warning: ${oneLine(w)}`));
  }

  onTestStart(test: { id: string; kind: string; index: number; total: number }): void {
    this.kinds.set(test.id, test.kind);
    const at = this.now();
    this.current = { ...test, startedAt: at, lastProgressAt: at };
    if (this.tty) {
      this.drawProgress(`${oneLine(test.kind)} ${oneLine(test.id)} …`);
    } else {
      this.line(`[${test.index + 1}/${test.total}] ${oneLine(test.id)} (${oneLine(test.kind)}) started`);
    }
  }

  onProgress(testId: string, progress: { done: number; total?: number; message?: string }): void {
    const at = this.now();
    const current = this.current?.id === testId ? this.current : undefined;
    const finished = progress.total !== undefined && progress.done >= progress.total;
    const last = current?.lastProgressAt ?? -Infinity;
    const interval = this.tty ? this.progressIntervalMs : this.plainProgressIntervalMs;
    // Counted from the test start: its line is the first draw on a terminal, and a plain log
    // stays quiet for a test shorter than the interval. The final count is always drawn.
    if (!(at - last >= interval || (this.tty && finished))) return;
    if (current !== undefined) current.lastProgressAt = at;

    const kind = this.kinds.get(testId) ?? current?.kind ?? '';
    const count = progress.total === undefined ? `${progress.done}` : `${progress.done}/${progress.total}`;
    const message = progress.message === undefined || progress.message === '' ? '' : ` ${oneLine(progress.message)}`;
    const text = `${oneLine(kind)} ${oneLine(testId)} ${count}${message}`.trimStart();
    if (this.tty) this.drawProgress(text);
    else this.line(`  ${text}`);
  }

  onTestResult(result: TestResult): void {
    if (this.current?.id === result.id) this.current = undefined;
    this.line(this.resultLine(result));
  }

  onRunEnd(report: RunReport, outDir: string): void {
    this.current = undefined;
    const { summary, run } = report;
    const rows = report.tests.map((t) => [oneLine(t.id), t.state, this.summaryCell(t)]);
    const lines = ['', ...(rows.length > 0 ? [...formatTextTable([['test', 'state', 'key measurements'], ...rows]), ''] : [])];
    const verdict = summary.verdict === 'passed' ? this.paint('green', 'PASSED') : this.paint('red', 'FAILED');
    lines.push(`${formatCounts(summary)} in ${formatDuration(run.durationMs)}: ${this.paint('bold', verdict)}`);
    if (run.interrupted !== undefined) lines.push(this.paint('yellow', `interrupted: ${oneLine(run.interrupted)} (results are partial)`));
    lines.push(`reports: ${oneLine(outDir)}`);
    for (const l of lines) this.line(l);
  }

  /** Key measurements; the reason for a skipped test; the error code when nothing was measured. */
  private summaryCell(t: TestResult): string {
    if (t.state === 'skipped') return oneLine(t.skipReason ?? '');
    const key = keyMeasurements(t);
    if (key.length === 0 && t.error !== undefined) return oneLine(t.error.code);
    return key.map((m) => oneLine(formatMeasurement(m))).join('  ');
  }

  private resultLine(t: TestResult): string {
    const head = (mark: string, word: string, style: Style): string =>
      `${this.paint(style, `${mark} ${word}`)} ${oneLine(t.id)} (${oneLine(t.kind)})`;
    const time = formatDuration(t.durationMs);
    switch (t.state) {
      case 'passed': {
        const facts = t.thresholds.length > 0 ? t.thresholds.map(formatThresholdShort) : keyMeasurements(t).map(formatMeasurement);
        return `${head('✔', 'PASS', 'green')} ${time}${this.details(facts.join(', '))}`;
      }
      case 'failed': {
        const broken = t.thresholds.filter((th) => !th.passed).map(formatThresholdShort);
        const facts = broken.length > 0 ? broken.join(', ') : (t.error?.message ?? 'failed');
        return `${head('✘', 'FAIL', 'red')} ${time}${this.details(facts, 'red')}`;
      }
      case 'errored': {
        const cause = t.error === undefined ? 'no cause recorded' : `${t.error.code}: ${t.error.message}`;
        return `${head('✘', 'ERROR', 'red')} ${time}${this.details(cause, 'red')}`;
      }
      case 'skipped':
        return `${head('-', 'SKIP', 'yellow')}${this.details(t.skipReason ?? '', 'dim')}`;
    }
  }

  private details(text: string, style?: Style): string {
    if (text === '') return '';
    const clean = oneLine(text);
    return `  ${style === undefined ? clean : this.paint(style, clean)}`;
  }

  private paint(style: Style, text: string): string {
    if (!this.color) return text;
    const [open, close] = ANSI[style];
    return `${open}${text}${close}`;
  }

  /** Rewrites the progress line in place (terminal only), cut to the terminal width. */
  private drawProgress(text: string): void {
    const width = this.stream.columns !== undefined && this.stream.columns > 1 ? this.stream.columns - 1 : Infinity;
    const shown = truncate(text, width);
    const length = [...shown].length;
    const pad = ' '.repeat(Math.max(0, this.progressWidth - length));
    this.stream.write(`\r${shown}${pad}`);
    this.progressWidth = length;
  }

  /** Writes a whole line, first wiping a progress line if one is on screen. */
  private line(text: string): void {
    if (this.progressWidth > 0) {
      this.stream.write(`\r${' '.repeat(this.progressWidth)}\r`);
      this.progressWidth = 0;
    }
    this.stream.write(`${text}\n`);
  }
}
