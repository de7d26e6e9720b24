import { evaluateThresholds } from '../../harness/metrics/thresholds';
import { LatencyHistogram } from '../../harness/metrics/latency-histogram';
import { parseDurationMs } from '../../harness/metrics/duration';

const metrics = [
  { name: 'p99_ms', unit: 'ms', description: '' },
  { name: 'tps', unit: 'transactions/s', description: '' },
];

describe('thresholds', () => {
  it('passes within the limit and fails above a max, naming measured value and limit', () => {
    const [ok] = evaluateThresholds({ p99_ms: { max: 50 } }, { p99_ms: 12.5 }, metrics);
    expect(ok?.passed).toBe(true);
    const [bad] = evaluateThresholds({ p99_ms: { max: 50 } }, { p99_ms: 62.4 }, metrics);
    expect(bad?.passed).toBe(false);
    expect(bad?.message).toBe('p99_ms = 62.4 ms exceeds limit max 50 ms');
  });

  it('fails below a min', () => {
    const [r] = evaluateThresholds({ tps: { min: 100 } }, { tps: 80 }, metrics);
    expect(r?.passed).toBe(false);
    expect(r?.message).toContain('is below limit min 100');
  });

  it('fails a threshold whose metric produced no value, instead of passing silently', () => {
    const [r] = evaluateThresholds({ p99_ms: { max: 50 } }, { p99_ms: null }, metrics);
    expect(r?.passed).toBe(false);
    expect(r?.measured).toBeNull();
    expect(r?.message).toContain('no value was measured');
  });
});

describe('latency histogram', () => {
  it('gives percentiles within 0.1 % (3 significant digits) of the exact ones', () => {
    const h = new LatencyHistogram();
    for (let i = 1; i <= 10_000; i++) h.recordNs(i * 1000); // 1 µs … 10 ms
    const s = h.summary();
    expect(s.count).toBe(10_000);
    expect(s.p50_ms).toBeCloseTo(5, 1);
    expect(Math.abs(s.p99_ms! - 9.9) / 9.9).toBeLessThan(0.001);
    expect(s.max_ms).toBeCloseTo(10, 1);
  });

  it('round-trips through its encoded form, so runs can be compared later', () => {
    const h = new LatencyHistogram();
    for (let i = 0; i < 1000; i++) h.recordNs(2_000_000 + i * 1000);
    const back = LatencyHistogram.decode(h.encode()).summary();
    const orig = h.summary();
    expect(back.count).toBe(orig.count);
    expect(back.p50_ms).toBe(orig.p50_ms);
    expect(back.p99_ms).toBe(orig.p99_ms);
    // The encoding keeps buckets, not the exact maximum: equal within the 3-digit resolution.
    expect(Math.abs(back.max_ms! - orig.max_ms!) / orig.max_ms!).toBeLessThan(0.001);
  });

  it('reports nulls, not zeros, when nothing was measured', () => {
    expect(new LatencyHistogram().summary().p99_ms).toBeNull();
  });

  it('parses suite durations', () => {
    expect(parseDurationMs('500ms')).toBe(500);
    expect(parseDurationMs('1.5s')).toBe(1500);
    expect(parseDurationMs('2m')).toBe(120_000);
    expect(() => parseDurationMs('5 s')).toThrow(/write it like/);
  });
});
