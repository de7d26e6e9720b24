import { measured, runOneTest, testSale as sale, virtualTerminal } from '../helpers/run-one-test';
import type { StabilityWindow } from '../../harness/kinds/stability';

/**
 * The stability kind against the emulated terminal on an in-memory link: steady load with faults
 * injected between transport and framing, windows, drift, recovery and reconciliation against the
 * terminal's settlement totals — and each defect it exists for caught.
 */
/** ISO 8583 (ASCII) in STX…ETX frames with an LRC and no ACK/NAK: a damaged frame is dropped. */
const LRC_NO_ACK = { type: 'stx-etx-lrc', ackNak: false };

describe('stability kind', () => {
  it('a healthy run reconciles: every approval on both sides, nothing lost or duplicated', async () => {
    const r = await runOneTest(virtualTerminal({}), 'stability', { transaction: sale, rate: 400, count: 200, window: '100ms' }, {}, 1000);
    expect(r.state).toBe('passed');
    expect(measured(r, 'transactions')).toBe(200);
    expect(measured(r, 'approved')).toBe(200);
    expect(measured(r, 'lost')).toBe(0);
    expect(measured(r, 'duplicated')).toBe(0);
    expect(measured(r, 'unresolved')).toBe(0);
    const windows = r.details?.windows as StabilityWindow[];
    expect(windows.reduce((n, w) => n + w.transactions, 0)).toBe(200);
  });

  it('survives disconnects and bit flips: reconnects, retransmits or reverses, and still reconciles to 0 lost, 0 duplicated', async () => {
    const faults = [
      { type: 'disconnect', at: '100ms', duration: '100ms' },
      { type: 'disconnect', at: '400ms', duration: '50ms' },
      { type: 'bitFlip', rate: 0.001, direction: 'in', at: '600ms', duration: '100ms' },
    ];
    const r = await runOneTest(virtualTerminal({}), 'stability', { transaction: sale, rate: 200, count: 200, window: '250ms', faults }, {}, 300);
    expect(r.state).toBe('passed');
    expect(measured(r, 'faults')).toBe(3);
    expect(measured(r, 'reconnects')!).toBeGreaterThanOrEqual(2);
    expect(measured(r, 'lost')).toBe(0);
    expect(measured(r, 'duplicated')).toBe(0);
    expect(measured(r, 'max_recovery_ms')).not.toBeNull();
  });

  it('duplicated catches a terminal that books a retransmission again (duplicateOnRetry)', async () => {
    // Answers held back 30 ms, so each cut catches a sale the terminal has already booked.
    const faults = [
      { type: 'latency', ms: 30, direction: 'in' },
      { type: 'disconnect', at: '100ms', duration: '20ms' },
      { type: 'disconnect', at: '300ms', duration: '20ms' },
      { type: 'disconnect', at: '500ms', duration: '20ms' },
    ];
    const healthy = await runOneTest(virtualTerminal({}), 'stability', { transaction: sale, rate: 50, count: 40, window: '250ms', faults }, {}, 500);
    expect(measured(healthy, 'duplicated')).toBe(0);
    expect(healthy.state).toBe('passed');
    const r = await runOneTest(virtualTerminal({ defects: { duplicateOnRetry: 1 } }), 'stability', { transaction: sale, rate: 50, count: 40, window: '250ms', faults }, {}, 500);
    expect(measured(r, 'duplicated')!).toBeGreaterThan(0);
    expect(r.state).toBe('failed');
  });

  it('a device reboot mid-run: the terminal comes back with its journal, the run reconnects and reconciles', async () => {
    const r = await runOneTest(virtualTerminal({}), 'stability', { transaction: sale, rate: 200, count: 150, window: '250ms', faults: [{ type: 'reboot', at: '300ms' }] }, {}, 500);
    expect(r.state).toBe('passed');
    expect(measured(r, 'faults')).toBe(1);
    expect(measured(r, 'reconnects')!).toBeGreaterThanOrEqual(1);
    expect(measured(r, 'lost')).toBe(0);
    expect(measured(r, 'max_recovery_ms')).not.toBeNull();
  });

  it('lost catches a terminal that forgets its journal when it reboots (forgetOnReboot)', async () => {
    const r = await runOneTest(virtualTerminal({ defects: { forgetOnReboot: 1 } }), 'stability', { transaction: sale, rate: 200, count: 150, window: '250ms', faults: [{ type: 'reboot', at: '300ms' }] }, {}, 500);
    expect(r.state).toBe('failed');
    expect(measured(r, 'lost')!).toBeGreaterThan(20);
  });

  it('10,000 transactions through 11 faults — bit flips, drops both ways, 5 disconnects, a reboot — reconcile to 0 lost, 0 duplicated', async () => {
    // Bit flips are line noise, and a line carries a checksum: here STX…ETX with an LRC, so a
    // flipped answer is discarded, times out and is reversed. (On a link with no integrity
    // check a flip can turn a response code 00 into 01 unnoticed; the reconciliation then
    // rightly counts a booking the ECR does not hold.)
    const faults = [
      { type: 'bitFlip', rate: 1e-4, direction: 'in', at: '200ms', duration: '400ms' },
      { type: 'bitFlip', rate: 1e-4, direction: 'in', at: '1500ms', duration: '400ms' },
      { type: 'drop', probability: 0.01, direction: 'in', at: '700ms', duration: '300ms' },
      { type: 'drop', probability: 0.01, direction: 'out', at: '1100ms', duration: '300ms' },
      ...[300, 900, 1300, 1800, 2200].map((ms) => ({ type: 'disconnect', at: `${ms}ms`, duration: '30ms' })),
      { type: 'latency', ms: 5, jitterMs: 4, at: '2400ms', duration: '300ms' },
      { type: 'reboot', at: '1000ms' },
    ];
    const r = await runOneTest(virtualTerminal({}, { framing: LRC_NO_ACK }), 'stability', { transaction: sale, rate: 4000, count: 10_000, window: '500ms', faults }, {}, 200);
    expect(measured(r, 'transactions')).toBe(10_000);
    expect(measured(r, 'faults')).toBe(11);
    expect(measured(r, 'reconnects')!).toBeGreaterThanOrEqual(6);
    expect(measured(r, 'lost')).toBe(0);
    expect(measured(r, 'duplicated')).toBe(0);
    expect(measured(r, 'unresolved')).toBe(0);
    expect(r.state).toBe('passed');
  }, 60_000);

  it('drift_p99_ratio catches latency creeping up (latencyCreep)', async () => {
    // 1 ms more per request: from ≈ 20 ms in the first window to ≈ 80 ms in the last, a margin
    // no stall of a loaded CI machine in the first window (tens of ms) can hide.
    const creep = await runOneTest(virtualTerminal({ defects: { latencyCreep: 1 } }), 'stability', { transaction: sale, rate: 200, count: 80, window: '300ms' }, { drift_p99_ratio: { max: 1.5 } }, 2000);
    expect(creep.state).toBe('failed');
    expect(measured(creep, 'drift_p99_ratio')!).toBeGreaterThan(1.5);
  });

  it('p99_ms catches a terminal that hangs every 50 requests (hangEvery)', async () => {
    const hang = await runOneTest(virtualTerminal({ defects: { hangEvery: 50, stallMs: 200 } }), 'stability', { transaction: sale, rate: 200, count: 200, window: '250ms' }, { p99_ms: { max: 100 } }, 2000);
    expect(hang.state).toBe('failed');
    expect(measured(hang, 'p99_ms')!).toBeGreaterThan(150);
  });
});

/** One stability test on an interface of a shipped device profile, through the real runner. */
async function runOnProfile(profile: string, iface: string, params: Record<string, unknown>, thresholds: Record<string, { max?: number }> = {}, timeoutMs = 500) {
  const { loadDevice } = await import('../../harness/suite/load');
  const { runSuite } = await import('../../harness/runner/runner');
  const fs = await import('node:fs');
  const os = await import('node:os');
  const path = await import('node:path');
  const root = path.resolve(__dirname, '../..');
  const device = loadDevice(path.join(root, profile));
  const report = await runSuite({
    suite: { name: `stability on ${iface}`, file: path.join(root, 'suites/stability.json'), sha256: '', deviceFile: device.file, seed: 1, defaults: { timeoutMs }, tests: [{ id: iface, kind: 'stability', interface: iface, params, thresholds }] },
    device,
    outDir: fs.mkdtempSync(path.join(os.tmpdir(), 'poshil-stability-')),
    reporter: { name: 'none' },
  });
  return report.tests[0]!;
}

describe('stability kind on a serial line', () => {
  // The fault layer sits on any transport: here the real serialport binding on a pty pair
  // (or the in-process binding without socat), ISO 8583 at 115200 baud.
  it('disconnects and bit flips on emulated RS232: the port is closed and reopened, and the run reconciles', async () => {
    const faults = [
      { type: 'disconnect', at: '300ms', duration: '200ms' },
      { type: 'bitFlip', rate: 0.0005, direction: 'in', at: '800ms', duration: '300ms' },
    ];
    const r = await runOnProfile('devices/emulated-terminal-rs232.json', 'ecr-115200', { transaction: sale, rate: 50, count: 80, window: '500ms', faults });
    expect(r.error).toBeUndefined();
    expect(r.state).toBe('passed');
    expect(measured(r, 'faults')).toBe(2);
    expect(measured(r, 'reconnects')!).toBeGreaterThanOrEqual(1);
    expect(measured(r, 'lost')).toBe(0);
    expect(measured(r, 'duplicated')).toBe(0);
  }, 60_000);
});

describe('stability kind on ZVT', () => {
  // ZVT errors name no transaction: an unanswered one is settled by asking the terminal for its
  // last transaction (Repeat Receipt, 06 20), and the run reconciles on end-of-day totals.
  it('disconnects and dropped answers on ZVT over TCP: settled by Repeat Receipt, 0 lost, 0 duplicated, 0 unresolved', async () => {
    const faults = [
      { type: 'latency', ms: 20, direction: 'in' },
      { type: 'disconnect', at: '400ms', duration: '100ms' },
      { type: 'drop', probability: 0.05, direction: 'in', at: '800ms', duration: '400ms' },
      { type: 'disconnect', at: '1500ms', duration: '100ms' },
    ];
    const r = await runOnProfile('devices/emulated-terminal-zvt.json', 'ecr-tcp', { transaction: { type: 'sale', amount: '12.34', currency: '978' }, rate: 40, count: 80, window: '1s', faults }, { unresolved: { max: 0 } }, 400);
    expect(r.error).toBeUndefined();
    expect(measured(r, 'errors')!).toBeGreaterThan(0);
    expect(measured(r, 'lost')).toBe(0);
    expect(measured(r, 'duplicated')).toBe(0);
    expect(measured(r, 'unresolved')).toBe(0);
    expect(r.state).toBe('passed');
  }, 60_000);
});

describe('stability kind over USB', () => {
  // The fault layer on the usb transport (the virtual USB device): a disconnect is an unplug,
  // and the device reboots on the same virtual bus; the run reconnects and reconciles.
  it('an unplug, dropped answers and a reboot on the virtual USB terminal: 0 lost, 0 duplicated', async () => {
    const { runOnProfile } = await import('../helpers/run-on-profile');
    const faults = [
      { type: 'disconnect', at: '300ms', duration: '100ms' },
      { type: 'drop', probability: 0.05, direction: 'in', at: '700ms', duration: '200ms' },
      { type: 'reboot', at: '1000ms' },
    ];
    const report = await runOnProfile('devices/emulated-terminal-usb.json', [{ id: 'usb', kind: 'stability', interface: 'ecr', params: { transaction: sale, rate: 100, count: 150, window: '500ms', faults } }], { timeoutMs: 300 });
    const r = report.tests[0]!;
    expect(r.error).toBeUndefined();
    expect(measured(r, 'faults')).toBe(3);
    expect(measured(r, 'reconnects')!).toBeGreaterThanOrEqual(1);
    expect(measured(r, 'lost')).toBe(0);
    expect(measured(r, 'duplicated')).toBe(0);
    expect(measured(r, 'unresolved')).toBe(0);
    expect(r.state).toBe('passed');
  }, 60_000);
});
