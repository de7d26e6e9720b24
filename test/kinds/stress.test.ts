import { measured, runOneTest, testSale as sale, virtualTerminal } from '../helpers/run-one-test';
import type { WindowRow } from '../../harness/load/open-loop-driver';

/**
 * The stress kind against the emulated terminal on an in-memory link: open-loop load with
 * latency from the intended send time, dropped arrivals, a time series, capacity search — and
 * every threshold shown failing for the defect it exists to catch.
 */
const load = (rate: number, duration: string, extra: Record<string, unknown> = {}) => ({ transaction: sale, load: { phases: [{ rate, duration }] }, ...extra });

describe('stress kind', () => {
  it('offers the scheduled rate and achieves it against a healthy terminal', async () => {
    // Limits with room for a loaded CI machine; the counts are what must be exact.
    const r = await runOneTest(virtualTerminal({}), 'stress', load(200, '1s', { maxInFlight: 64 }), { p99_ms: { max: 500 }, achieved_ratio: { min: 80 }, dropped: { max: 0 } }, 2000);
    expect(r.state).toBe('passed');
    expect(measured(r, 'count')).toBe(200);
    expect(measured(r, 'completed')).toBe(200);
    expect(measured(r, 'offered_tps')).toBeCloseTo(200, 0);
    expect(measured(r, 'achieved_tps')!).toBeGreaterThan(160);
    const series = r.details?.timeSeries as WindowRow[];
    expect(series.length).toBeGreaterThanOrEqual(1);
    expect(series.reduce((n, w) => n + w.completed, 0)).toBe(200);
  });

  it('fixed-count mode sends exactly the count', async () => {
    const r = await runOneTest(virtualTerminal({}), 'stress', { transaction: sale, load: { phases: [{ rate: 500, duration: '10ms' }], count: 37 } });
    expect(measured(r, 'count')).toBe(37);
    expect(measured(r, 'completed')).toBe(37);
  });

  it('p99_ms fails with the slowMs defect', async () => {
    const r = await runOneTest(virtualTerminal({ defects: { slowMs: 60 } }), 'stress', load(50, '500ms', { maxInFlight: 64 }), { p99_ms: { max: 40 } }, 2000);
    expect(r.state).toBe('failed');
    expect(measured(r, 'p50_ms')!).toBeGreaterThanOrEqual(60);
  });

  it('error_rate and errors fail with the dropEveryN defect', async () => {
    const r = await runOneTest(virtualTerminal({ defects: { dropEveryN: 10 } }), 'stress', load(100, '500ms', { maxInFlight: 64 }), { error_rate: { max: 0 }, errors: { max: 0 } }, 100);
    expect(r.state).toBe('failed');
    expect(measured(r, 'timeouts')).toBe(5);
    expect(measured(r, 'error_rate')).toBe(10);
  });

  it('achieved_ratio and dropped fail when the terminal cannot keep up: arrivals are dropped, not hidden', async () => {
    // One request at a time, 10 ms each: at most 100 tps, offered 300.
    const r = await runOneTest(
      virtualTerminal({ processingMs: { distribution: 'fixed', mean: 10 } }),
      'stress',
      load(300, '1s', { maxInFlight: 1, dropAfter: '50ms' }),
      { dropped: { max: 0 }, achieved_ratio: { min: 95 } },
      1000,
    );
    expect(r.state).toBe('failed');
    expect(measured(r, 'dropped')!).toBeGreaterThan(100);
    expect(measured(r, 'achieved_ratio')!).toBeLessThan(50);
    expect(r.notes?.join(' ')).toMatch(/arrivals were dropped/);
  });

  it('a 1 s stall mid-run raises p99 by about 1 s (coordinated omission corrected), where a closed loop hides it', async () => {
    const stall = { defects: { stallAfterN: 100, stallMs: 1000 } };
    const open = await runOneTest(virtualTerminal(stall), 'stress', load(100, '3s', { maxInFlight: 256 }), {}, 5000);
    const openP99 = measured(open, 'p99_ms')!;
    expect(openP99).toBeGreaterThan(850);
    expect(openP99).toBeLessThan(1500);
    // ≈ 100 arrivals land in the stall: their latencies fall from 1 s to 0, a tenth of the run.
    expect(measured(open, 'p90_ms')!).toBeGreaterThan(50);

    const closed = await runOneTest(virtualTerminal(stall), 'latency', { transaction: sale, iterations: 300, warmup: { iterations: 0 } }, {}, 5000);
    expect(measured(closed, 'max_ms')!).toBeGreaterThan(900); // the stall happened…
    expect(measured(closed, 'p99_ms')!).toBeLessThan(100); // …and one slow sample hides in the percentiles
  });

  it('capacity search steps the rate up until the objective breaks and reports the highest sustainable rate', async () => {
    // 10 ms per request, one at a time: at most ≈ 100 tps; a loaded machine only lowers it.
    const r = await runOneTest(
      virtualTerminal({ processingMs: { distribution: 'fixed', mean: 10 } }),
      'stress',
      { transaction: sale, capacity: { start: 25, step: 25, max: 400, stepDuration: '500ms', objective: { p99_ms: 100 } }, maxInFlight: 1, dropAfter: '200ms' },
      { capacity_tps: { min: 25 } },
      1000,
    );
    expect(r.state).toBe('passed');
    const capacity = measured(r, 'capacity_tps')!;
    expect(capacity).toBeGreaterThanOrEqual(25);
    expect(capacity).toBeLessThanOrEqual(100);
    expect(measured(r, 'broke_at_tps')).toBe(capacity + 25);
    const steps = r.details?.steps as { rate: number; sustainable: boolean }[];
    expect(steps.at(-1)?.sustainable).toBe(false);
    expect(steps.slice(0, -1).every((s) => s.sustainable)).toBe(true);
  });

  it('capacity_tps fails its minimum against a slow terminal', async () => {
    const r = await runOneTest(
      virtualTerminal({ processingMs: { distribution: 'fixed', mean: 5 }, defects: { slowMs: 20 } }),
      'stress',
      { transaction: sale, capacity: { start: 50, step: 50, max: 400, stepDuration: '300ms', objective: { p99_ms: 15 } }, maxInFlight: 1, dropAfter: '100ms' },
      { capacity_tps: { min: 100 } },
      1000,
    );
    expect(r.state).toBe('failed');
    expect(measured(r, 'capacity_tps')).toBeNull();
    expect(measured(r, 'broke_at_tps')).toBe(50);
  });
});
