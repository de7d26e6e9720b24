import { PoshilError } from '../errors';
import type { Reporter, RunReport } from './model';
import { checkReportFileName, writeReportFile } from './report-file';

export interface JsonWriterOptions {
  /** File name inside the report directory; default "report.json". */
  fileName?: string;
  /**
   * Written as the report's `$schema`, as given (normally a path relative to the report
   * directory, e.g. "../schemas/report.schema.json"). When omitted, the report's own
   * `$schema` is kept if it has one, and otherwise there is none.
   */
  schema?: string;
}

/**
 * Key order of the report model, as model.ts declares it. report.json is diffed against
 * baselines and committed as evidence, so the same report must always print the same bytes:
 * known keys come in this order, keys the model does not know (and every key inside the
 * open-ended `details` and `identity` objects) follow sorted by code unit.
 */
interface Shape {
  readonly [key: string]: Shape | null;
}

const LIMIT: Shape = { min: null, max: null };
const REPORT_SHAPE: Shape = {
  $schema: null,
  schemaVersion: null,
  run: {
    id: null,
    poshilVersion: null,
    node: null,
    host: null,
    platform: null,
    suite: { name: null, file: null, sha256: null },
    devices: { name: null, file: null, sha256: null, emulated: null, identity: null },
    seed: null,
    startedAt: null,
    endedAt: null,
    durationMs: null,
    interrupted: null,
    signer: { algorithm: null, fingerprint: null },
  },
  summary: { total: null, passed: null, failed: null, errored: null, skipped: null, verdict: null },
  tests: {
    id: null,
    kind: null,
    requirement: null,
    description: null,
    interface: null,
    state: null,
    startedAt: null,
    endedAt: null,
    durationMs: null,
    measurements: { name: null, unit: null, value: null },
    thresholds: { metric: null, unit: null, limit: LIMIT, measured: null, passed: null, message: null },
    error: { code: null, message: null },
    skipReason: null,
    notes: null,
    details: null,
    wireTrace: null,
  },
};

const INDENT = '  ';

function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function pointer(path: readonly string[]): string {
  return path.length === 0 ? '/' : `/${path.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/')}`;
}

/** What JSON.stringify would make of a value before printing it (toJSON, non-JSON types). */
function toJsonValue(value: unknown, key: string): unknown {
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    return (value as { toJSON(key: string): unknown }).toJSON(key);
  }
  // Nanosecond timestamps are bigint in poshil; JSON has no bigint, and a number would lose digits.
  if (typeof value === 'bigint') return value.toString();
  return value;
}

function serialise(value: unknown, shape: Shape | null, path: string[], depth: number, stack: Set<object>): string | undefined {
  const v = toJsonValue(value, path[path.length - 1] ?? '');
  if (v === undefined || typeof v === 'function' || typeof v === 'symbol') return undefined;
  if (v === null) return 'null';
  if (typeof v === 'number') return Number.isFinite(v) ? JSON.stringify(v) : 'null';
  if (typeof v === 'string' || typeof v === 'boolean') return JSON.stringify(v);
  if (typeof v !== 'object') return undefined;

  if (stack.has(v)) {
    throw new PoshilError('REPORT_NOT_SERIALISABLE', `the report cannot be written as JSON: circular reference at ${pointer(path)}; details must be plain data`);
  }
  stack.add(v);
  try {
    const inner = INDENT.repeat(depth + 1);
    const outer = INDENT.repeat(depth);
    if (Array.isArray(v)) {
      if (v.length === 0) return '[]';
      // Like JSON.stringify: holes and non-JSON values inside arrays become null.
      const items = v.map((item, i) => serialise(item, shape, [...path, String(i)], depth + 1, stack) ?? 'null');
      return `[\n${items.map((item) => inner + item).join(',\n')}\n${outer}]`;
    }
    const record = v as Record<string, unknown>;
    const known = shape === null ? [] : Object.keys(shape).filter((k) => Object.hasOwn(record, k));
    const rest = Object.keys(record)
      .filter((k) => shape === null || !Object.hasOwn(shape, k))
      .sort(byCodeUnit);
    const members: string[] = [];
    for (const key of [...known, ...rest]) {
      const childShape = shape !== null && Object.hasOwn(shape, key) ? shape[key] : null;
      const text = serialise(record[key], childShape, [...path, key], depth + 1, stack);
      if (text !== undefined) members.push(`${inner}${JSON.stringify(key)}: ${text}`);
    }
    return members.length === 0 ? '{}' : `{\n${members.join(',\n')}\n${outer}}`;
  } finally {
    stack.delete(v);
  }
}

/**
 * report.json as text: pretty-printed (two spaces), keys in a stable order, ending with a
 * newline. Pure, so tests and `poshil report` can render without touching the disk.
 */
export function renderJsonReport(report: RunReport, options: Pick<JsonWriterOptions, 'schema'> = {}): string {
  const withSchema: RunReport = options.schema === undefined ? report : { ...report, $schema: options.schema };
  return `${serialise(withSchema, REPORT_SHAPE, [], 0, new Set()) ?? 'null'}\n`;
}

/** Writes report.json into the report directory at the end of the run. */
export class JsonWriter implements Reporter {
  readonly name = 'json';
  private readonly fileName: string;
  private readonly schema: string | undefined;

  constructor(options: JsonWriterOptions = {}) {
    this.fileName = options.fileName ?? 'report.json';
    checkReportFileName(this.fileName);
    if (options.schema !== undefined && (typeof options.schema !== 'string' || options.schema === '')) {
      throw new PoshilError('REPORTER_OPTIONS', 'json reporter: "schema" must be a non-empty string (a path or URL of the report schema), or left out');
    }
    this.schema = options.schema;
  }

  async onRunEnd(report: RunReport, outDir: string): Promise<void> {
    await writeReportFile(outDir, this.fileName, renderJsonReport(report, { schema: this.schema }));
  }
}
