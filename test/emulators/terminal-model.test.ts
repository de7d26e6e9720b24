import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TerminalModel } from '../../devices/emulators/terminal/terminal-model';
import { respondIso8583 } from '../../devices/emulators/terminal/iso8583-responder';

const PAN = '4761739001010119';
const clock = () => new Date('2026-11-24T10:00:00Z');
const sale = (stan: string, amountMinor: number, extra: Partial<{ pan: string; expiry: string; type: 'sale' | 'refund' }> = {}) => ({
  type: extra.type ?? ('sale' as const),
  terminalId: 'POSHIL01',
  stan,
  amountMinor,
  currency: '978',
  pan: extra.pan ?? PAN,
  expiry: extra.expiry ?? '3012',
});

describe('emulated terminal model', () => {
  it('approves a good sale with an approval code and a 12-character RRN', () => {
    const m = new TerminalModel({}, clock);
    const d = m.authorise(sale('000001', 1234));
    expect(d.responseCode).toBe('00');
    expect(d.approvalCode).toMatch(/^[0-9]{6}$/);
    expect(d.rrn).toHaveLength(12);
  });

  it('declines amounts ending in .05 with "05", bad card numbers with "14", expired cards with "54", zero amounts with "13"', () => {
    const m = new TerminalModel({}, clock);
    expect(m.authorise(sale('000001', 1005)).responseCode).toBe('05');
    expect(m.authorise(sale('000002', 1000, { pan: '4761739001010118' })).responseCode).toBe('14');
    expect(m.authorise(sale('000003', 1000, { expiry: '2510' })).responseCode).toBe('54');
    expect(m.authorise(sale('000004', 0)).responseCode).toBe('13');
  });

  it('answers a repeated STAN with the first answer and books nothing twice', () => {
    const m = new TerminalModel({}, clock);
    const first = m.authorise(sale('000007', 500));
    const again = m.authorise(sale('000007', 500));
    expect(again).toEqual({ ...first, duplicate: true });
    expect(m.totals().sales).toEqual({ count: 1, amountMinor: 500 });
  });

  it('reverses an approved sale once, removing it from the totals; a second reversal finds no original ("25")', () => {
    const m = new TerminalModel({}, clock);
    m.authorise(sale('000001', 1000));
    m.authorise(sale('000002', 2000));
    expect(m.reverse({ terminalId: 'POSHIL01', stan: '000003', originalStan: '000001', amountMinor: 1000, currency: '978' }).responseCode).toBe('00');
    expect(m.reverse({ terminalId: 'POSHIL01', stan: '000004', originalStan: '000001', amountMinor: 1000, currency: '978' }).responseCode).toBe('25');
    const t = m.totals();
    expect(t.sales).toEqual({ count: 1, amountMinor: 2000 });
    expect(t.reversals).toEqual({ count: 1, amountMinor: 1000 });
  });

  it('keeps only masked PANs in its journal, which survives a restart when it has a file', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'poshil-journal-')), 'journal.ndjson');
    const m = new TerminalModel({ journal: file }, clock);
    m.authorise(sale('000001', 1000));
    m.authorise(sale('000002', 300, { type: 'refund' }));
    expect(fs.readFileSync(file, 'utf8')).not.toContain(PAN);
    const restarted = new TerminalModel({ journal: file }, clock);
    expect(restarted.totals().sales.count).toBe(1);
    expect(restarted.totals().refunds).toEqual({ count: 1, amountMinor: 300 });
  });

  describe('defect switches', () => {
    it('slowMs adds to every service time', () => {
      const fast = new TerminalModel({ processingMs: { distribution: 'fixed', mean: 1 } });
      const slow = new TerminalModel({ processingMs: { distribution: 'fixed', mean: 1 }, defects: { slowMs: 40 } });
      expect(fast.admit().delayMs).toBe(1);
      expect(slow.admit().delayMs).toBe(41);
    });

    it('dropEveryN swallows exactly every Nth response', () => {
      const m = new TerminalModel({ defects: { dropEveryN: 3 } });
      const drops = Array.from({ length: 9 }, () => m.admit().drop);
      expect(drops).toEqual([false, false, true, false, false, true, false, false, true]);
    });

    it('latencyCreep grows the service time with every transaction processed', () => {
      const m = new TerminalModel({ processingMs: { distribution: 'fixed', mean: 1 }, defects: { latencyCreep: 0.5 } }, clock);
      const first = m.admit().delayMs;
      for (let i = 1; i <= 10; i++) m.authorise(sale(String(i).padStart(6, '0'), 100));
      expect(m.admit().delayMs).toBeCloseTo(first + 5, 6);
    });
  });

  it('service times follow the configured distribution, repeatably from the seed', () => {
    const sample = (seed: number) => {
      const m = new TerminalModel({ seed, processingMs: { distribution: 'lognormal', mean: 10, stddev: 2 } });
      return Array.from({ length: 4000 }, () => m.admit().delayMs);
    };
    const a = sample(5);
    expect(sample(5)).toEqual(a);
    const mean = a.reduce((x, y) => x + y, 0) / a.length;
    const sd = Math.sqrt(a.reduce((x, y) => x + (y - mean) ** 2, 0) / a.length);
    expect(mean).toBeGreaterThan(9.6);
    expect(mean).toBeLessThan(10.4);
    expect(sd).toBeGreaterThan(1.7);
    expect(sd).toBeLessThan(2.3);
  });
});

describe('emulated terminal, ISO 8583 face', () => {
  const m = () => new TerminalModel({}, clock);

  it('answers 0200 with 0210 echoing STAN and terminal id, adding RRN, approval code and response code', () => {
    const r = respondIso8583(m(), { mti: '0200', fields: { 2: PAN, 3: '000000', 4: '000000001234', 11: '000042', 14: '3012', 41: 'POSHIL01', 49: '978' } });
    expect(r.mti).toBe('0210');
    expect(r.fields[11]).toBe('000042');
    expect(r.fields[41]).toBe('POSHIL01');
    expect(r.fields[39]).toBe('00');
    expect(r.fields[38]).toMatch(/^[0-9]{6}$/);
    expect(r.fields[37]).toHaveLength(12);
    expect(r.fields[2]).toBeUndefined(); // a response does not send the PAN back
  });

  it('answers 0800 echo with 0810 "00", 0400 with 0410, 0500 with 0510 totals, and unknown MTIs with "12"', () => {
    const t = m();
    expect(respondIso8583(t, { mti: '0800', fields: { 11: '000001', 70: '301' } })).toMatchObject({ mti: '0810', fields: { 39: '00', 70: '301' } });
    respondIso8583(t, { mti: '0200', fields: { 2: PAN, 3: '000000', 4: '000000002500', 11: '000002', 41: 'POSHIL01' } });
    const rev = respondIso8583(t, { mti: '0400', fields: { 2: PAN, 4: '000000002500', 11: '000003', 41: 'POSHIL01', 90: '0200000002' + '0'.repeat(32) } });
    expect(rev).toMatchObject({ mti: '0410', fields: { 39: '00' } });
    respondIso8583(t, { mti: '0200', fields: { 2: PAN, 3: '000000', 4: '000000001000', 11: '000004', 41: 'POSHIL01' } });
    const settle = respondIso8583(t, { mti: '0500', fields: { 11: '000005', 41: 'POSHIL01' } });
    expect(settle.fields[76]).toBe('0000000001');
    expect(settle.fields[88]).toBe('0000000000001000');
    expect(settle.fields[77]).toBe('0000000001');
    expect(respondIso8583(t, { mti: '0100', fields: { 11: '000006' } })).toMatchObject({ mti: '0110', fields: { 39: '12' } });
  });
});

describe('emulated terminal, stall defect and long runs', () => {
  it('stallAfterN freezes the terminal for stallMs from the Nth request on', () => {
    const m = new TerminalModel({ defects: { stallAfterN: 3, stallMs: 500 } });
    m.admit();
    m.admit();
    expect(m.stallRemainingMs()).toBe(0);
    m.admit();
    expect(m.stallRemainingMs()).toBeGreaterThan(490);
    expect(m.stallRemainingMs(Date.now() + 600)).toBe(0);
  });

  it('keeps running totals exact while remembering only recent entries', () => {
    const m = new TerminalModel({}, clock);
    for (let i = 1; i <= 120_000; i++) m.authorise(sale(String(i % 1_000_000).padStart(6, '0'), 100));
    expect(m.totals().sales).toEqual({ count: 120_000, amountMinor: 12_000_000 });
    expect(m.journal.size).toBe(120_000);
    expect(m.journal.all().length).toBeLessThanOrEqual(100_000);
  });
});
