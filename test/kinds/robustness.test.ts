import { measured, runOneTest, testSale, virtualTerminal } from '../helpers/run-one-test';
import type { DeviceProfile, EmulatorConfig } from '../../harness/suite/types';

/**
 * The robustness kind against the in-process emulated terminal: the healthy terminal refuses or
 * ignores every malformed input and stays up; each robustness defect switch turns it red with
 * the right failure, shrunk to a small input.
 */
jest.setTimeout(60_000);

function binaryIsoTerminal(defects: EmulatorConfig['defects'] = {}): DeviceProfile {
  const device = virtualTerminal({ defects });
  const ecr = device.interfaces.ecr!;
  ecr.protocol = { ...ecr.protocol, packager: 'iso87binary' };
  return device;
}

function zvtTerminal(defects: EmulatorConfig['defects'] = {}): DeviceProfile {
  const device = virtualTerminal({ defects }, { framing: { type: 'zvt-tcp' } });
  const ecr = device.interfaces.ecr!;
  ecr.protocol = { type: 'zvt', password: '000000', currency: 978 };
  return device;
}

const campaign = (cases: number, extra: Record<string, unknown> = {}) => ({ transaction: testSale, cases, answerMs: 60, healthTimeoutMs: 300, ...extra });

describe('robustness kind', () => {
  it('passes the healthy terminal: every case refused, ignored or served, none hung, none died', async () => {
    const r = await runOneTest(virtualTerminal({}), 'robustness', campaign(80));
    expect(r.state).toBe('passed');
    expect(measured(r, 'cases')).toBe(80);
    expect(measured(r, 'wrong_answers')).toBe(0);
    expect(measured(r, 'hangs')).toBe(0);
    expect(measured(r, 'deaths')).toBe(0);
    // A format error (30) or invalid transaction (12) for what it could not read.
    expect(measured(r, 'rejected')).toBeGreaterThan(0);
    expect(measured(r, 'correct_rate')).toBe(100);
  });

  it('replays the same campaign for the same seed', async () => {
    const a = await runOneTest(virtualTerminal({}), 'robustness', campaign(30));
    const b = await runOneTest(virtualTerminal({}), 'robustness', campaign(30));
    expect(a.details?.byCategory).toEqual(b.details?.byCategory);
  });

  it('finds crashOnOversize: the terminal dies on an oversize length, shrunk to the length prefix alone', async () => {
    const r = await runOneTest(virtualTerminal({ defects: { crashOnOversize: 1 } }), 'robustness', campaign(16, { categories: ['oversize-length', 'truncated'] }));
    expect(r.state).toBe('failed');
    expect(measured(r, 'deaths')).toBeGreaterThan(0);
    expect(r.thresholds.find((t) => t.metric === 'deaths')?.passed).toBe(false);
    const failures = r.details?.failures as { verdict: string; category: string; minimalBytes: number; input: string }[];
    const death = failures.find((f) => f.verdict === 'death');
    expect(death?.category).toBe('oversize-length');
    // Two bytes of length are all it takes.
    expect(death?.minimalBytes).toBe(2);
  });

  it('passes the healthy terminal with a binary (BCD) packager', async () => {
    const r = await runOneTest(binaryIsoTerminal(), 'robustness', campaign(24, { categories: ['invalid-bcd', 'unknown-command'] }));
    expect(r.state).toBe('passed');
    expect(measured(r, 'hangs')).toBe(0);
    expect(measured(r, 'rejected')).toBeGreaterThan(0);
  });

  it('finds hangOnBadBcd: the terminal stops answering after invalid BCD', async () => {
    const r = await runOneTest(binaryIsoTerminal({ hangOnBadBcd: 1 }), 'robustness', campaign(8, { categories: ['invalid-bcd'], shrink: { maxTries: 12 } }));
    expect(r.state).toBe('failed');
    expect(measured(r, 'hangs')).toBeGreaterThan(0);
    expect(measured(r, 'deaths')).toBe(0);
    const failures = r.details?.failures as { verdict: string; minimalBytes: number; input: string; minimal: string }[];
    const hang = failures.find((f) => f.verdict === 'hang');
    expect(hang).toBeDefined();
    expect(hang!.minimal.length / 2).toBe(hang!.minimalBytes);
  });

  it('passes the healthy ZVT terminal, which refuses what it cannot read with 84 xx', async () => {
    const r = await runOneTest(zvtTerminal(), 'robustness', { transaction: { type: 'sale', amount: '12.34' }, cases: 40, answerMs: 200, healthTimeoutMs: 2000 }, {}, 1000);
    expect([r.state, r.notes, r.error]).toEqual(['passed', undefined, undefined]);
    expect(measured(r, 'hangs')).toBe(0);
    const byCategory = r.details?.byCategory as Record<string, Record<string, number>>;
    expect(byCategory['invalid-bcd']?.rejected).toBeGreaterThan(0);
    expect(byCategory['unknown-command']?.rejected).toBeGreaterThan(0);
  });

  it('finds hangOnBadBcd on ZVT', async () => {
    const r = await runOneTest(zvtTerminal({ hangOnBadBcd: 1 }), 'robustness', { transaction: { type: 'sale', amount: '12.34' }, cases: 4, categories: ['invalid-bcd'], answerMs: 60, healthTimeoutMs: 300, shrink: { enabled: false } }, {}, 1000);
    expect(r.state).toBe('failed');
    expect(measured(r, 'hangs')).toBe(4);
  });
});
