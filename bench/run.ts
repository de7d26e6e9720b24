/**
 * `npm run bench [-- name…]`: runs the benchmarks (all, or the ones named), prints the table
 * and writes bench/results.json. Every figure is a ratio against a baseline measured in the
 * same run. Benchmarks are not tests: `npm test` only runs them once at tiny sizes to keep them
 * working (test/bench/bench-smoke.test.ts).
 *
 * Environment:
 *   BENCH_SCALE=tiny|full   sizes (default full; tiny finishes in seconds and measures nothing useful)
 *   BENCH_OUT=file          results file (default bench/results.json)
 */
import os from 'node:os';
import path from 'node:path';
import { addedLatency } from './added-latency';
import { closedLoop } from './closed-loop';
import { codec } from './codec';
import { openLoop } from './open-loop';
import { failedResult, formatTable, round, writeResults, type BenchResult, type Benchmark, type Scale } from './results';
import { soakMemory } from './soak-memory';
import { startup } from './startup';

/** In the order they run: the stress-kind benchmarks last. */
export const benchmarks: readonly Benchmark[] = [codec, startup, closedLoop, addedLatency, openLoop, soakMemory];

function scaleFromEnv(): Scale {
  const v = process.env.BENCH_SCALE ?? 'full';
  if (v !== 'tiny' && v !== 'full') throw new Error(`BENCH_SCALE must be 'tiny' or 'full', not '${v}'`);
  return v;
}

async function main(argv: string[]): Promise<number> {
  const known = benchmarks.map((b) => b.name);
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(`usage: npm run bench [-- name…]   (names: ${known.join(', ')}; BENCH_SCALE=tiny for a quick check)`);
    return 0;
  }
  const unknown = argv.filter((a) => !known.includes(a));
  if (unknown.length > 0) {
    console.error(`unknown benchmark${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')} (known: ${known.join(', ')})`);
    return 2;
  }
  const scale = scaleFromEnv();
  const out = path.resolve(process.env.BENCH_OUT ?? path.join(__dirname, 'results.json'));
  const selected = argv.length > 0 ? benchmarks.filter((b) => argv.includes(b.name)) : benchmarks;
  const results: BenchResult[] = [];
  let crashed = 0;
  const log = (message: string) => console.error(`[bench] ${message}`);
  for (const b of selected) {
    log(`${b.name}: ${b.title} (${scale})`);
    const started = Date.now();
    // The machine's load goes with every row: on a shared host it moves the figures more
    // than anything poshil does, and the ratio only cancels it if it was steady.
    const loadBefore = round(os.loadavg()[0], 2);
    let rows: BenchResult[];
    try {
      rows = await b.run({ scale, log });
    } catch (err) {
      crashed++;
      log(`${b.name} failed: ${(err as Error).stack ?? String(err)}`);
      rows = [failedResult(b.name, err)];
    }
    const loadAfter = round(os.loadavg()[0], 2);
    for (const r of rows) r.details = { ...r.details, loadavg_1m_before: loadBefore, loadavg_1m_after: loadAfter };
    results.push(...rows);
    log(`${b.name}: done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  console.log(formatTable(results));
  console.log(`\nCPUs: ${os.cpus().length}; 1-minute load average before → after each benchmark: ${results
    .filter((r, i, all) => all.findIndex((x) => x.benchmark === r.benchmark) === i)
    .map((r) => `${r.benchmark} ${r.details?.loadavg_1m_before} → ${r.details?.loadavg_1m_after}`)
    .join(', ')}`);
  writeResults(out, results, scale);
  console.log(`\nresults written to ${path.relative(process.cwd(), out) || out}`);
  return crashed > 0 ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err);
    process.exitCode = 2;
  },
);
