import path from 'node:path';
import { getKind } from '../harness/kinds/registry';
import { result, round, type BenchContext, type BenchResult, type Benchmark } from './results';
import type { SoakProbeOutput } from './soak-probe';
import { probeOutput, spawnNode } from './spawn';
import { slope } from './stats';

/**
 * Memory over a 1,000,000-transaction stress run: the `stress` kind in fixed-count mode through
 * runSuite (which starts the emulated terminal itself, processing time 0 ms), in a fresh
 * process (bench/soak-probe.ts) so no other benchmark's garbage counts. That process samples
 * its own RSS every second; reported: peak RSS and the least-squares slope of the second half
 * of the samples (after start-up and JIT, where a leak shows as a steady climb).
 *   poshil:   peak RSS during the run.
 *   baseline: RSS of the same process just before the run (modules loaded, idle); the ratio is
 *             what a million transactions cost on top of that.
 */
const SIZES = {
  full: { count: 1_000_000, rate: 5000, sampleMs: 1000 },
  tiny: { count: 1000, rate: 2000, sampleMs: 100 },
} as const;

export const MAX_PEAK_MB = 150;
/** "No upward trend": the second half's slope projects less than this growth per minute. */
export const MAX_SLOPE_MB_PER_MIN = 1;
export const CONCURRENCY = 4;
export const MAX_IN_FLIGHT = 32;

const MB = 1024 * 1024;

export const soakMemory: Benchmark = {
  name: 'soak-memory',
  title: 'Harness RSS over a 1,000,000-transaction stress run',
  async run(ctx: BenchContext): Promise<BenchResult[]> {
    const size = SIZES[ctx.scale];
    const name = `soak ${size.count} transactions RSS`;
    const target = `peak ≤ ${MAX_PEAK_MB} MB, last-half slope ≤ ${MAX_SLOPE_MB_PER_MIN} MB/min`;
    if (!getKind('stress')) {
      return [
        result({
          name,
          benchmark: 'soak-memory',
          poshil: { value: null, unit: 'MB' },
          baseline: { value: null, unit: 'MB' },
          target,
          met: false,
          status: 'not-run',
          notes: ["not run: the 'stress' kind is not in harness/kinds/registry.ts yet"],
        }),
      ];
    }
    // Bounded: three times the schedule's span plus start-up, then the probe is killed.
    const limitMs = (size.count / size.rate) * 3000 + 60_000;
    // TypeScript loaded the way bin/poshil.js loads it (tsx's CommonJS hook), so the process
    // weighs what a `poshil run` process weighs; `--import tsx` would add a loader thread
    // with its own V8 heap (≈ 35 MB RSS) that no user's run carries.
    const probe = await spawnNode(
      ['--require', 'tsx/cjs', path.join(__dirname, 'soak-probe.ts'), String(size.count), String(size.rate), String(size.sampleMs), String(CONCURRENCY), String(MAX_IN_FLIGHT)],
      { timeoutMs: limitMs, onStderrLine: (line) => line.startsWith('[bench] ') && ctx.log(line.slice(8)) },
    );
    const { idleRss, samples, test } = probeOutput<SoakProbeOutput>(probe, 'the soak probe');
    const measurement = (metric: string) => test.measurements.find((m) => m.name === metric)?.value ?? null;
    const peak = Math.max(...samples.map((s) => s.rss));
    const secondHalf = samples.slice(Math.floor(samples.length / 2));
    const perSecond = slope(secondHalf.map((s) => ({ x: s.t, y: s.rss / MB })));
    const perMinute = perSecond === null ? null : perSecond * 60;
    const heapPerMinute = slope(secondHalf.map((s) => ({ x: s.t, y: s.heap / MB })));
    const why = test.state === 'errored' ? `test errored: ${test.error?.code ?? ''} ${test.error?.message ?? ''}` : undefined;
    const completed = measurement('completed');
    const peakMb = peak / MB;
    const flat = perMinute !== null && perMinute <= MAX_SLOPE_MB_PER_MIN;
    const notes = [
      `${samples.length} RSS samples every ${size.sampleMs} ms over ${samples[samples.length - 1].t.toFixed(1)} s; last-half slope ${perMinute === null ? '—' : round(perMinute, 3)} MB/min (heap ${heapPerMinute === null ? '—' : round(heapPerMinute * 60, 3)} MB/min)`,
      `stress run: ${measurement('count')} arrivals at ${size.rate} tps offered, completed ${completed}, achieved ${measurement('achieved_tps')} tps, dropped ${measurement('dropped')}, errors ${measurement('errors')}, p99 ${measurement('p99_ms')} ms`,
      `concurrency ${CONCURRENCY} × maxInFlight ${MAX_IN_FLIGHT}; RSS of the harness process only (the emulator is a child process), the harness run from its TypeScript sources through tsx (bin/poshil.js runs the bundle, which needs less); peak heap ${round(Math.max(...samples.map((s) => s.heap)) / MB, 1)} MB, peak external ${round(Math.max(...samples.map((s) => s.external)) / MB, 1)} MB`,
      ...(test.notes ?? []).map((n) => `stress kind: ${n}`),
    ];
    if (why) notes.unshift(why);
    if (peakMb > MAX_PEAK_MB) notes.push(`MISSED: peak ${round(peakMb, 1)} MB is ${round(peakMb - MAX_PEAK_MB, 1)} MB over ${MAX_PEAK_MB} MB`);
    if (!flat && perMinute !== null) notes.push(`MISSED: RSS still climbing at ${round(perMinute, 2)} MB/min in the second half`);
    return [
      result({
        name,
        benchmark: 'soak-memory',
        poshil: { value: round(peakMb, 1), unit: 'MB' },
        baseline: { value: round(idleRss / MB, 1), unit: 'MB' },
        target,
        met: !why && peakMb <= MAX_PEAK_MB && flat,
        status: why ? 'not-run' : 'measured',
        notes,
        details: {
          peak_rss_mb: round(peakMb, 1),
          idle_rss_mb: round(idleRss / MB, 1),
          last_half_slope_mb_per_min: perMinute === null ? null : round(perMinute, 3),
          last_half_heap_slope_mb_per_min: heapPerMinute === null ? null : round(heapPerMinute * 60, 3),
          peak_heap_mb: round(Math.max(...samples.map((s) => s.heap)) / MB, 1),
          peak_external_mb: round(Math.max(...samples.map((s) => s.external)) / MB, 1),
          samples: samples.length,
          completed,
        },
      }),
    ];
  },
};
