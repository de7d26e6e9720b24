import fs from 'node:fs';
import os from 'node:os';

/**
 * The one shape every benchmark reports, the table printed at the end of `npm run bench` and
 * bench/results.json. Every poshil figure sits next to a baseline measured in the same run, on
 * the same machine, against the same device, so the ratio means something on any host.
 */
export type Scale = 'tiny' | 'full';

export interface Figure {
  /** null when it could not be measured (see the notes). */
  value: number | null;
  unit: string;
}

export interface BenchResult {
  /** Row name, e.g. "closed-loop tps" (a benchmark may report several rows). */
  name: string;
  /** The benchmark (file) that produced the row, e.g. "closed-loop". */
  benchmark: string;
  poshil: Figure;
  baseline: Figure;
  /** poshil ÷ baseline; the target says which direction is good. */
  ratio: number | null;
  target: string;
  met: boolean;
  /** 'not-run' when the benchmark could not run at all (e.g. a kind that is not there yet). */
  status: 'measured' | 'not-run';
  notes: string[];
  /** Supporting figures (percentiles, counts, breakdowns). */
  details?: Record<string, number | string | boolean | null>;
  measuredAt: string;
}

export interface BenchContext {
  scale: Scale;
  log(message: string): void;
}

export interface Benchmark {
  name: string;
  title: string;
  run(ctx: BenchContext): Promise<BenchResult[]>;
}

export interface ResultsFile {
  generatedAt: string;
  node: string;
  platform: string;
  cpus: { count: number; model: string };
  scale: Scale;
  results: BenchResult[];
}

export function result(fields: Omit<BenchResult, 'measuredAt' | 'ratio' | 'status'> & { ratio?: number | null; status?: BenchResult['status'] }): BenchResult {
  return {
    ...fields,
    ratio: fields.ratio !== undefined ? fields.ratio : ratioOf(fields.poshil.value, fields.baseline.value),
    status: fields.status ?? 'measured',
    measuredAt: new Date().toISOString(),
  };
}

export function ratioOf(poshil: number | null, baseline: number | null, digits = 3): number | null {
  if (poshil === null || baseline === null || baseline === 0) return null;
  return round(poshil / baseline, digits);
}

export function round(v: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

/** The row to report when a benchmark threw: visible in the table, never silently missing. */
export function failedResult(benchmark: string, err: unknown): BenchResult {
  const message = err instanceof Error ? err.message : String(err);
  return result({
    name: benchmark,
    benchmark,
    poshil: { value: null, unit: '' },
    baseline: { value: null, unit: '' },
    target: '(benchmark failed)',
    met: false,
    status: 'not-run',
    notes: [`benchmark threw: ${message}`],
  });
}

function formatFigure(f: Figure): string {
  if (f.value === null) return '—';
  const abs = Math.abs(f.value);
  const text = abs >= 1000 ? f.value.toFixed(0) : abs >= 100 ? f.value.toFixed(1) : abs >= 1 ? f.value.toFixed(2) : f.value.toFixed(4);
  return `${text} ${f.unit}`.trim();
}

/** Plain-text table with numbered notes under it. */
export function formatTable(results: readonly BenchResult[]): string {
  const header = ['benchmark', 'poshil', 'baseline', 'ratio', 'target', 'met'];
  const rows = results.map((r) => [
    r.name,
    formatFigure(r.poshil),
    formatFigure(r.baseline),
    r.ratio === null ? '—' : `${r.ratio}×`,
    r.target,
    r.status === 'not-run' ? 'NOT RUN' : r.met ? 'yes' : 'NO',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  const out = [line(header), widths.map((w) => '-'.repeat(w)).join('  ')];
  for (const row of rows) out.push(line(row));
  const notes = results.filter((r) => r.notes.length > 0);
  if (notes.length > 0) {
    out.push('');
    for (const r of notes) {
      out.push(`${r.name}:`);
      for (const n of r.notes) out.push(`  - ${n}`);
    }
  }
  return out.join('\n');
}

/**
 * Writes the results file. Rows of benchmarks that were not run this time are kept from the
 * previous file (each row has its own measuredAt), so `npm run bench -- codec` does not wipe
 * the other figures.
 */
export function writeResults(file: string, results: readonly BenchResult[], scale: Scale): ResultsFile {
  const ran = new Set(results.map((r) => r.benchmark));
  let kept: BenchResult[] = [];
  try {
    const previous = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<ResultsFile>;
    if (previous.scale === scale && Array.isArray(previous.results)) {
      kept = previous.results.filter((r) => isBenchResult(r) && !ran.has(r.benchmark));
    }
  } catch {
    // no previous file, or not ours: start afresh
  }
  const cpus = os.cpus();
  const content: ResultsFile = {
    generatedAt: new Date().toISOString(),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpus: { count: cpus.length, model: cpus[0]?.model ?? 'unknown' },
    scale,
    results: [...kept, ...results],
  };
  fs.writeFileSync(file, JSON.stringify(content, null, 2) + '\n');
  return content;
}

function isFigure(v: unknown): v is Figure {
  if (typeof v !== 'object' || v === null) return false;
  const f = v as Record<string, unknown>;
  return (f.value === null || typeof f.value === 'number') && typeof f.unit === 'string';
}

/** Shape check for a row (used when merging files and by the smoke test). */
export function isBenchResult(v: unknown): v is BenchResult {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Record<string, unknown>;
  return (
    typeof r.name === 'string' &&
    typeof r.benchmark === 'string' &&
    isFigure(r.poshil) &&
    isFigure(r.baseline) &&
    (r.ratio === null || typeof r.ratio === 'number') &&
    typeof r.target === 'string' &&
    typeof r.met === 'boolean' &&
    (r.status === 'measured' || r.status === 'not-run') &&
    Array.isArray(r.notes) &&
    r.notes.every((n) => typeof n === 'string') &&
    typeof r.measuredAt === 'string'
  );
}
