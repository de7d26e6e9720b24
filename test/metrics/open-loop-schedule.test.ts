import { OpenLoopSchedule } from '../../harness/metrics/open-loop-schedule';

function all(s: OpenLoopSchedule, limit = 1_000_000): number[] {
  const out: number[] = [];
  for (let t = s.next(); t !== undefined && out.length < limit; t = s.next()) out.push(t / 1e9);
  return out;
}

describe('open-loop arrival schedule', () => {
  it('spaces a constant rate evenly from t = 0', () => {
    const t = all(new OpenLoopSchedule([{ rate: 10, durationMs: 1000 }]));
    expect(t).toHaveLength(10);
    expect(t[0]).toBe(0);
    expect(t[1]).toBeCloseTo(0.1, 9);
    expect(t[9]).toBeCloseTo(0.9, 9);
  });

  it('handles rates below one per second (0.2 tps: one arrival every 5 s)', () => {
    const t = all(new OpenLoopSchedule([{ rate: 0.2, durationMs: 20_000 }]));
    expect(t).toEqual([0, 5, 10, 15]);
  });

  it('ramps linearly: arrivals get denser, and the count is the area under the rate', () => {
    const t = all(new OpenLoopSchedule([{ rate: 50, to: 150, durationMs: 2000 }]));
    expect(t.length).toBe(200); // (50 + 150) / 2 × 2 s
    const firstGap = t[1]! - t[0]!;
    const lastGap = t[t.length - 1]! - t[t.length - 2]!;
    expect(firstGap).toBeCloseTo(1 / 50, 3);
    expect(lastGap).toBeCloseTo(1 / 150, 3);
  });

  it('ramps down as well as up', () => {
    const t = all(new OpenLoopSchedule([{ rate: 100, to: 0, durationMs: 1000 }]));
    expect(t.length).toBe(50);
  });

  it('runs phases one after another', () => {
    const t = all(new OpenLoopSchedule([{ rate: 10, durationMs: 1000 }, { rate: 20, durationMs: 500 }]));
    expect(t).toHaveLength(20);
    expect(t[10]).toBeCloseTo(1.0, 9);
    expect(t[11]).toBeCloseTo(1.05, 9);
  });

  it('in fixed-count mode stops at the count, carrying the last rate on past the phases', () => {
    const t = all(new OpenLoopSchedule([{ rate: 100, durationMs: 100 }], 25));
    expect(t).toHaveLength(25);
    expect(t[24]).toBeCloseTo(0.24, 9);
  });

  it('uses no per-arrival memory: a million arrivals are generated lazily', () => {
    const s = new OpenLoopSchedule([{ rate: 1e6, durationMs: 1000 }]);
    let n = 0;
    while (s.next() !== undefined) n++;
    expect(n).toBe(1_000_000);
  });

  it('rejects loads that never send', () => {
    expect(() => new OpenLoopSchedule([{ rate: 0, durationMs: 1000 }])).toThrow(/never sends/);
    expect(() => new OpenLoopSchedule([])).toThrow(/at least one phase/);
  });
});
