import { bootstrapPercentile, compareReports, COMPARED_METRICS, deltaPct, Distribution, formatDelta, type MetricComparison, type RunComparison } from '../../harness/reports/compare';
import { renderComparisonMarkdown, renderComparisonText } from '../../harness/reports/comparison-render';
import { histogramOfMs, latencyTest, runReport, samplesMs } from './compare-fixture';

function metric(c: RunComparison, test: string, name: string): MetricComparison {
  const m = c.tests.find((t) => t.id === test)?.metrics.find((x) => x.metric === name);
  if (!m) throw new Error(`no ${name} row for ${test}`);
  return m;
}

function compareSamples(baseline: number[], current: number[], options = {}, extra: { base?: Record<string, number | null>; cur?: Record<string, number | null> } = {}): RunComparison {
  return compareReports(runReport('base', [latencyTest('sale', baseline, extra.base)]), runReport('cur', [latencyTest('sale', current, extra.cur)]), options);
}

describe('compareReports: latency distributions from the histograms', () => {
  it('two samples of the same distribution: no change, and the percentiles are the report’s own', () => {
    const c = compareSamples(samplesMs(2000, 1), samplesMs(2000, 2));
    expect(c.summary.verdict).toBe('no change');
    for (const name of ['p50_ms', 'p99_ms']) {
      const m = metric(c, 'sale', name);
      expect(m.method).toBe('bootstrap');
      expect(m.verdict).toBe('no change');
      expect(m.pValue).toBeGreaterThan(0.01);
    }
    // The distribution's percentiles are exactly those the run reported.
    const base = latencyTest('sale', samplesMs(2000, 1));
    expect(metric(c, 'sale', 'p99_ms').baseline).toBe(base.measurements.find((x) => x.name === 'p99_ms')?.value);
    expect(metric(c, 'sale', 'p50_ms').baseline).toBe(base.measurements.find((x) => x.name === 'p50_ms')?.value);
  });

  it('+20 % on every sample: p50_ms and p99_ms regress, significantly and beyond the tolerance', () => {
    const c = compareSamples(samplesMs(1000, 1), samplesMs(1000, 2, 10, 1.2));
    expect(c.summary.verdict).toBe('regression');
    for (const name of ['p50_ms', 'p99_ms']) {
      const m = metric(c, 'sale', name);
      expect(m.verdict).toBe('regression');
      expect(m.deltaPct).toBeGreaterThan(10);
      expect(m.pValue).toBeLessThan(0.01);
      expect(m.interval?.[0]).toBeGreaterThan(0); // the whole interval of current − baseline is above zero
    }
    expect(c.tests[0]?.verdict).toBe('regression');
    expect(renderComparisonText(c)).toMatch(/sale +p99_ms .* REGRESSION/);
  });

  it('a slower tail alone (3 % of transactions +60 %): p99_ms regresses, p50_ms does not', () => {
    const tail = samplesMs(3000, 2).map((v, i) => (i % 33 === 0 ? v * 1.6 : v));
    const c = compareSamples(samplesMs(3000, 1), tail);
    expect(metric(c, 'sale', 'p99_ms').verdict).toBe('regression');
    expect(metric(c, 'sale', 'p50_ms').verdict).toBe('no change');
    expect(c.summary.regressions).toBe(1);
  });

  it('−20 %: an improvement, not a regression', () => {
    const c = compareSamples(samplesMs(1000, 1), samplesMs(1000, 2, 10, 0.8));
    expect(metric(c, 'sale', 'p50_ms').verdict).toBe('improvement');
    expect(metric(c, 'sale', 'p99_ms').verdict).toBe('improvement');
    expect(c.summary).toMatchObject({ verdict: 'improvement', regressions: 0, improvements: 2 });
  });

  it('+3 % with 100 000 samples is significant yet no change: the tolerance decides', () => {
    const c = compareSamples(samplesMs(100_000, 1), samplesMs(100_000, 2, 10, 1.03));
    for (const name of ['p50_ms', 'p99_ms']) {
      const m = metric(c, 'sale', name);
      expect(m.pValue).toBeLessThan(0.01); // "significant": with 100k samples anything is
      expect(m.deltaPct).toBeGreaterThan(1);
      expect(m.deltaPct).toBeLessThan(10);
      expect(m.verdict).toBe('no change');
      expect(m.reason).toMatch(/within ±10%.*significant/);
    }
    expect(c.summary.verdict).toBe('no change');
    // …and with a tighter tolerance the same shift counts.
    expect(compareSamples(samplesMs(100_000, 1), samplesMs(100_000, 2, 10, 1.03), { tolerancePct: 2 }).summary.verdict).toBe('regression');
  });

  it('two slow transactions in 100 move p99 by far more than 10 %, but not significantly: no change', () => {
    const base = samplesMs(100, 1);
    const cur = samplesMs(100, 2).map((v, i) => (i < 2 ? v * 2 : v)); // p99 of 100 is the 2nd largest
    const m = metric(compareSamples(base, cur), 'sale', 'p99_ms');
    expect(m.deltaPct).toBeGreaterThan(10);
    expect(m.pValue).toBeGreaterThan(0.01);
    expect(m.verdict).toBe('no change');
    expect(m.reason).toMatch(/not significant/);
  });

  it('gives the same verdicts and p-values every time (seeded resampling)', () => {
    const a = compareSamples(samplesMs(500, 1), samplesMs(500, 2, 10, 1.1));
    const b = compareSamples(samplesMs(500, 1), samplesMs(500, 2, 10, 1.1));
    expect(b.tests).toEqual(a.tests);
  });
});

describe('compareReports: metrics without a histogram', () => {
  it('a tps drop beyond the tolerance is a regression (higher is better)', () => {
    const same = samplesMs(1000, 1);
    const c = compareSamples(same, same, {}, { base: { tps: 100 }, cur: { tps: 80 } });
    const tps = metric(c, 'sale', 'tps');
    expect(tps).toMatchObject({ method: 'tolerance', verdict: 'regression', baseline: 100, current: 80, unit: 'transactions/s' });
    expect(tps.deltaPct).toBeCloseTo(-20);
    expect(tps.pValue).toBeUndefined();
    expect(c.summary.verdict).toBe('regression');
    expect(metric(compareSamples(same, same, {}, { base: { tps: 100 }, cur: { tps: 95 } }), 'sale', 'tps').verdict).toBe('no change');
    expect(metric(compareSamples(same, same, {}, { base: { tps: 100 }, cur: { tps: 130 } }), 'sale', 'tps').verdict).toBe('improvement');
  });

  it('errors where there were none: an infinite rise, a regression (lower is better)', () => {
    const same = samplesMs(1000, 1);
    const m = metric(compareSamples(same, same, {}, { base: { error_rate: 0 }, cur: { error_rate: 0.5 } }), 'sale', 'error_rate');
    expect(m.deltaPct).toBe(Infinity);
    expect(m.verdict).toBe('regression');
    expect(formatDelta(m.deltaPct)).toBe('+∞%');
  });

  it('falls back to the reported percentiles, by tolerance, when a side has no histogram', () => {
    const base = latencyTest('sale', samplesMs(1000, 1));
    const cur = latencyTest('sale', samplesMs(1000, 2, 10, 1.3));
    delete cur.details;
    const c = compareReports(runReport('b', [base]), runReport('c', [cur]));
    expect(metric(c, 'sale', 'p99_ms')).toMatchObject({ method: 'tolerance', verdict: 'regression' });
    expect(c.tests[0]?.notes.join()).toMatch(/only the baseline has a latency histogram/);
  });

  it('every compared metric says which way is better', () => {
    for (const rule of Object.values(COMPARED_METRICS)) expect(['lower', 'higher']).toContain(rule.better);
    expect(COMPARED_METRICS.p99_ms).toMatchObject({ better: 'lower', percentile: 99 });
    expect(COMPARED_METRICS.tps).toMatchObject({ better: 'higher' });
  });
});

describe('compareReports: matching tests', () => {
  it('lists tests found on one side only and does not compare skipped or errored tests', () => {
    const s = samplesMs(500, 1);
    const skipped = { ...latencyTest('later', s), state: 'skipped' as const, skipReason: 'not today' };
    const c = compareReports(runReport('b', [latencyTest('sale', s), latencyTest('gone', s), latencyTest('later', s)]), runReport('c', [latencyTest('sale', s), latencyTest('new', s), skipped]));
    expect(c.onlyInBaseline).toEqual(['gone']);
    expect(c.onlyInCurrent).toEqual(['new']);
    const later = c.tests.find((t) => t.id === 'later');
    expect(later?.verdict).toBe('not compared');
    expect(later?.notes.join()).toMatch(/skipped in the current run \(not today\)/);
    expect(c.summary.comparedTests).toBe(1);
    const text = renderComparisonText(c);
    expect(text).toContain('only in the baseline: gone');
    expect(text).toContain('only in the current run: new');
  });

  it('warns when the runs differ in suite or emulator defects', () => {
    const s = samplesMs(200, 1);
    const cur = runReport('c', [latencyTest('sale', s)]);
    cur.run.devices[0]!.identity['defect.slowMs'] = '3';
    const c = compareReports(runReport('b', [latencyTest('sale', s)]), cur);
    expect(c.warnings.join()).toMatch(/defects differ: baseline \[none\], current \[slowMs=3\]/);
  });
});

describe('the bootstrap itself', () => {
  it('resamples the p-th percentile around the sample’s own, for a million samples as fast as for a hundred', () => {
    const d = new Distribution(histogramOfMs(samplesMs(1_000_000, 5)));
    expect(d.count).toBe(1_000_000);
    const p99 = d.percentileNs(99);
    const started = Date.now();
    const r = bootstrapPercentile(d, d, 99, { resamples: 2000 });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(r.baselineNs).toBe(p99);
    // Identical runs: the difference straddles zero, narrowly (a million samples pin p99 down).
    expect(r.intervalNs[0]).toBeLessThanOrEqual(0);
    expect(r.intervalNs[1]).toBeGreaterThanOrEqual(0);
    expect(r.intervalNs[1] - r.intervalNs[0]).toBeLessThan(p99 * 0.01);
    expect(r.pValue).toBeGreaterThan(0.5);
  });

  it('computes deltas against the baseline', () => {
    expect(deltaPct(10, 12)).toBeCloseTo(20);
    expect(deltaPct(0, 0)).toBe(0);
    expect(formatDelta(-4.04)).toBe('-4.0%');
    expect(formatDelta(0.01)).toBe('0.0%');
  });
});

describe('renderComparisonMarkdown', () => {
  it('renders a GFM table with the verdict in the title and escapes test ids', () => {
    const c = compareReports(runReport('b', [latencyTest('sale|1', samplesMs(1000, 1))]), runReport('c', [latencyTest('sale|1', samplesMs(1000, 2, 10, 1.2))]));
    const md = renderComparisonMarkdown(c);
    expect(md).toMatch(/^## poshil comparison — REGRESSION/);
    expect(md).toContain('| Test | Metric | Baseline | Current | Δ | p | Verdict |');
    expect(md).toMatch(/\| `sale\\\|1` \| `p99_ms` \| [\d.]+ ms \| [\d.]+ ms \| \+\d+\.\d% \| p&lt;0\.001 \| \*\*REGRESSION\*\* \|/);
  });
});
