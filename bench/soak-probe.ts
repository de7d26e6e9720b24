/**
 * Child-process probe for bench/soak-memory.ts: a fresh harness process (nothing else loaded,
 * no other benchmark's garbage) that runs one fixed-count `stress` test through runSuite and
 * samples its own process.memoryUsage() every sampleMs. Prints one JSON line on stdout;
 * progress on stderr.
 *
 *   node --require tsx/cjs bench/soak-probe.ts <count> <rate> <sampleMs> <concurrency> <maxInFlight>
 */
import type { TestResult } from '../harness/reports/model';
import { SALE, benchProfile, runOneTest } from './device';

export interface SoakSample {
  t: number;
  rss: number;
  heap: number;
  /** Memory of Buffers and other C++ objects bound to JS (process.memoryUsage().external). */
  external: number;
}

export interface SoakProbeOutput {
  idleRss: number;
  samples: SoakSample[];
  test: Pick<TestResult, 'state' | 'measurements' | 'notes' | 'error'>;
}

async function main(): Promise<void> {
  const [count, rate, sampleMs, concurrency, maxInFlight] = process.argv.slice(2).map(Number);
  if (![count, rate, sampleMs, concurrency, maxInFlight].every((v) => Number.isFinite(v) && v > 0)) {
    throw new Error('usage: soak-probe.ts <count> <rate> <sampleMs> <concurrency> <maxInFlight>');
  }
  const profile = benchProfile(0);
  const idleRss = process.memoryUsage().rss;
  const samples: SoakSample[] = [];
  const t0 = Date.now();
  const sample = () => {
    const m = process.memoryUsage();
    samples.push({ t: (Date.now() - t0) / 1000, rss: m.rss, heap: m.heapUsed, external: m.external });
  };
  sample();
  const sampler = setInterval(sample, sampleMs);
  const progress = setInterval(() => {
    const last = samples[samples.length - 1];
    if (last) process.stderr.write(`[bench] soak: ${last.t.toFixed(0)} s, RSS ${(last.rss / 1048576).toFixed(1)} MB, heap ${(last.heap / 1048576).toFixed(1)} MB, external ${(last.external / 1048576).toFixed(1)} MB\n`);
  }, 10_000);
  let test: TestResult;
  try {
    const params = {
      transaction: SALE,
      // Fixed-count mode: the phase's rate carries on until `count` arrivals.
      load: { phases: [{ rate, duration: '1s' }], count },
      concurrency,
      maxInFlight,
    };
    test = await runOneTest(profile, { id: 'soak', kind: 'stress', params }, 2000);
  } finally {
    clearInterval(sampler);
    clearInterval(progress);
    sample();
  }
  const out: SoakProbeOutput = { idleRss, samples, test: { state: test.state, measurements: test.measurements, notes: test.notes, error: test.error } };
  process.stdout.write(JSON.stringify(out) + '\n');
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack : String(err));
  process.exitCode = 1;
});
