import { measured as value, runOneTest, testSale as sale, virtualTerminal } from '../helpers/run-one-test';
import type { Limit, TestResult } from '../../harness/reports/model';
import type { DeviceProfile, EmulatorConfig } from '../../harness/suite/types';

/**
 * The latency kind against the emulated terminal over an in-memory link: every threshold it
 * offers can fail, and fails for the defect it exists to catch.
 */
const device = (emulator: EmulatorConfig, bitsPerSecond?: number): DeviceProfile => virtualTerminal(emulator, { bitsPerSecond });
const run = (dev: DeviceProfile, params: Record<string, unknown>, thresholds: Record<string, Limit>, timeoutMs?: number): Promise<TestResult> =>
  runOneTest(dev, 'latency', params, thresholds, timeoutMs);

describe('latency kind', () => {
  it('measures every iteration and reports the full set of figures', async () => {
    const r = await run(device({}), { transaction: sale, iterations: 50, warmup: { iterations: 3 } }, { p99_ms: { max: 100 } });
    expect(r.state).toBe('passed');
    expect(value(r, 'count')).toBe(50);
    for (const m of ['min_ms', 'mean_ms', 'stddev_ms', 'p50_ms', 'p90_ms', 'p99_ms', 'p999_ms', 'max_ms', 'tps']) {
      expect(typeof value(r, m)).toBe('number');
    }
    expect(value(r, 'min_ms')!).toBeLessThanOrEqual(value(r, 'p50_ms')!);
    expect(value(r, 'p50_ms')!).toBeLessThanOrEqual(value(r, 'p99_ms')!);
    expect(value(r, 'p99_ms')!).toBeLessThanOrEqual(value(r, 'max_ms')!);
    expect(value(r, 'wire_floor_ms')).toBeNull(); // an in-memory link without a line rate
    expect((r.details?.histogram as { value: string }).value.length).toBeGreaterThan(10);
  });

  it('p99_ms fails with the slowMs defect and passes without it', async () => {
    // Limits leave room for a loaded CI machine: the healthy device answers in ≈ 1 ms, the
    // defective one can never answer in under 150 ms.
    const ok = await run(device({}), { transaction: sale, iterations: 10 }, { p99_ms: { max: 100 } });
    expect(ok.state).toBe('passed');
    const slow = await run(device({ defects: { slowMs: 150 } }), { transaction: sale, iterations: 10 }, { p99_ms: { max: 100 } }, 1000);
    expect(slow.state).toBe('failed');
    expect(slow.thresholds[0]!.message).toMatch(/^p99_ms = \d+(\.\d+)? ms exceeds limit max 100 ms$/);
    expect(value(slow, 'p50_ms')!).toBeGreaterThanOrEqual(150);
  });

  it('errors, timeouts and error_rate fail with the dropEveryN defect', async () => {
    const r = await run(device({ defects: { dropEveryN: 5 } }), { transaction: sale, iterations: 20, warmup: { iterations: 0 } }, { errors: { max: 0 }, error_rate: { max: 1 } }, 100);
    expect(r.state).toBe('failed');
    expect(value(r, 'timeouts')).toBe(4);
    expect(value(r, 'errors')).toBe(4);
    expect(value(r, 'error_rate')).toBe(20);
    expect(r.thresholds.every((t) => !t.passed)).toBe(true);
    expect(r.notes?.join(' ')).toMatch(/last error: no 0210 response/);
  });

  it('p90_ms and max_ms grow with the latencyCreep defect', async () => {
    const steady = await run(device({}), { transaction: sale, iterations: 100, warmup: { iterations: 0 } }, {});
    const creeping = await run(device({ defects: { latencyCreep: 0.3 } }), { transaction: sale, iterations: 100, warmup: { iterations: 0 } }, { max_ms: { max: 15 } });
    // After 100 transactions the service time has grown by ≈ 30 ms; at the 90th percentile by ≈ 27 ms.
    expect(value(creeping, 'p90_ms')!).toBeGreaterThan(value(steady, 'p90_ms')! + 20);
    expect(value(creeping, 'max_ms')!).toBeGreaterThan(28);
    expect(creeping.state).toBe('failed');
  });

  it('tps fails its minimum when the device is slow', async () => {
    const r = await run(device({ defects: { slowMs: 10 } }), { transaction: sale, iterations: 10 }, { tps: { min: 200 } });
    expect(r.state).toBe('failed');
    expect(value(r, 'tps')!).toBeLessThan(100);
  });

  it('reports the wire-time floor when the link has a line rate: bytes × 10 bits ÷ baud', async () => {
    const r = await run(device({}, 9600), { transaction: { type: 'echo' }, iterations: 10 }, { floor_ratio: { min: 0 } });
    const bytes = r.details?.bytesPerTransaction as number;
    expect(bytes).toBeGreaterThan(100);
    expect(value(r, 'wire_floor_ms')).toBeCloseTo(((bytes * 10) / 9600) * 1000, 0);
    expect(typeof value(r, 'floor_ratio')).toBe('number');
    expect(r.notes?.join(' ')).toContain('at 9600 bit/s');
  });

  it('runs for a duration when one is given', async () => {
    const t0 = Date.now();
    const r = await run(device({}), { transaction: { type: 'echo' }, duration: '300ms', warmup: { iterations: 0 } }, {});
    expect(Date.now() - t0).toBeGreaterThanOrEqual(300);
    expect(value(r, 'count')!).toBeGreaterThan(20);
  });
});
