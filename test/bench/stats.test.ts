import { divide, median, pairedMedian } from '../../bench/stats';

describe('benchmark statistics', () => {
  it('pairs rounds by index: the median of the rounds\' ratios, not the ratio of the medians', () => {
    // A machine whose speed drifts: both tasks slow down together in the later rounds.
    const poshil = [100, 200, 300, 400, 500];
    const raw = [98, 196, 294, 392, 490];
    expect(pairedMedian(poshil, raw, divide)).toBeCloseTo(100 / 98, 12);
    expect(pairedMedian(poshil, raw, (p, r) => p - r)).toBe(6);
    // A slow first round for both: paired 1.00, 1.01, 1.02 → 1.01, where the medians give 102 ÷ 100.
    expect(pairedMedian([200, 101, 102], [200, 100, 100], divide)).toBeCloseTo(1.01, 12);
    expect(median([200, 101, 102])! / median([200, 100, 100])!).toBeCloseTo(1.02, 12);
  });

  it('refuses rounds that do not line up, instead of pairing the wrong ones', () => {
    expect(() => pairedMedian([1, 2, 3], [1, 2], divide)).toThrow('cannot pair 3 round(s) with 2: every round must measure both tasks');
    expect(pairedMedian([], [], divide)).toBeNull();
  });
});
