import path from 'node:path';
import { DeviceChannel } from '../../harness/channel/device-channel';
import { WireRecorder } from '../../harness/channel/wire-recorder';
import { createPortPair } from '../../harness/transports/paired-binding';
import { EmulatedTerminal } from '../../devices/emulators/terminal/emulated-terminal';
import { hasSocat } from '../../harness/transports/pty-pair';
import { measured, runOneTest, testSale } from '../helpers/run-one-test';
import type { DeviceProfile, EmulatorConfig, InterfaceConfig } from '../../harness/suite/types';

/**
 * RS485 end to end: several emulated terminals on one bus behind one serial line, the harness
 * on the other end through the serialport library — over a kernel pseudo-terminal pair when
 * socat is there, and over the in-process binding otherwise. The emulated bus plays the wires,
 * so a terminal that ignores the turnaround or answers every address fails the run as it
 * would on hardware.
 */
const ROOT = path.resolve(__dirname, '../..');

function lane(address: number, extra: Record<string, unknown> = {}): InterfaceConfig {
  return {
    transport: { type: 'rs485', bus: 'spec', address, baudRate: 38400, turnaroundMs: 5, ...extra },
    framing: { type: 'length-prefix', lengthBytes: 2, lengthEncoding: 'binary' },
    protocol: { type: 'iso8583', packager: 'iso87binary', terminalId: `LANE000${address}` },
  };
}

function bus(emulator: EmulatorConfig = {}, extra: Record<string, unknown> = {}): DeviceProfile {
  return {
    name: 'rs485 spec bus',
    file: path.join(ROOT, 'devices/emulated-terminal-rs485.json'),
    sha256: '',
    interfaces: { ecr: lane(1, extra), 'ecr-lane2': lane(2, extra), 'ecr-lane3': lane(3, extra) },
    emulator: { processingMs: { distribution: 'fixed', mean: 1 }, ...emulator },
  };
}

const sales = { transaction: testSale, iterations: 5 };

describe.each([
  ['a kernel pseudo-terminal pair', 'pty'],
  ['the in-process serialport binding', 'in-process'],
])('RS485 bus over %s', (_name, link) => {
  const run = link === 'pty' && !hasSocat() ? it.skip : it;
  const saved = process.env.POSHIL_SERIAL_LINK;
  beforeAll(() => {
    if (link === 'in-process') process.env.POSHIL_SERIAL_LINK = 'in-process';
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.POSHIL_SERIAL_LINK;
    else process.env.POSHIL_SERIAL_LINK = saved;
  });

  run('a terminal answers at its own address, with the wire floor of the shared line', async () => {
    const r = await runOneTest(bus(), 'latency', sales, { errors: { max: 0 } }, 1000);
    expect(r.state).toBe('passed');
    expect(measured(r, 'errors')).toBe(0);
    expect(measured(r, 'floor_ratio')).toBeGreaterThan(1);
  });

  run('a terminal that answers without waiting the turnaround loses its first bytes under the master’s driver (rs485NoTurnaround)', async () => {
    const r = await runOneTest(bus({ defects: { rs485NoTurnaround: 1 } }), 'latency', { ...sales, iterations: 3 }, { errors: { max: 0 } }, 300);
    expect(r.state).not.toBe('passed');
  });

  run('terminals that answer every address garble each other on the wires (rs485AnswersAll)', async () => {
    const r = await runOneTest(bus({ defects: { rs485AnswersAll: 1 } }), 'latency', { ...sales, iterations: 3 }, { errors: { max: 0 } }, 300);
    expect(r.state).not.toBe('passed');
  });

  run('an adapter that hears its own transmissions (echo) is handled: the echo never reaches the protocol', async () => {
    const r = await runOneTest(bus({}, { echo: true }), 'latency', sales, { errors: { max: 0 } }, 1000);
    expect(r.state).toBe('passed');
  });
});

describe('RS485 bus: several terminals', () => {
  it('each address is a terminal of its own: its own journal and totals', async () => {
    const profile = bus();
    const pair = createPortPair(`rs485-spec-${process.pid}`);
    const terminal = new EmulatedTerminal(profile, { serialPaths: { 'rs485:spec': pair.devicePath } });
    await terminal.start();
    const open = async (role: string) => {
      const c = new DeviceChannel({ role, iface: profile.interfaces[role]!, baseDir: ROOT, recorder: new WireRecorder(), defaultTimeoutMs: 2000, transportOverrides: { path: pair.harnessPath } });
      await c.open();
      return c;
    };
    const lane1 = await open('ecr');
    const lane2 = await open('ecr-lane2');
    const card = { pan: '4761739001010119', expiry: '3012' };
    expect((await lane1.transact({ type: 'sale', amountMinor: 1000, currency: '978', card })).approved).toBe(true);
    expect((await lane2.transact({ type: 'sale', amountMinor: 250, currency: '978', card })).approved).toBe(true);
    expect((await lane2.transact({ type: 'sale', amountMinor: 250, currency: '978', card })).approved).toBe(true);
    expect(terminal.busModels.get('ecr')!.totals().sales).toEqual({ count: 1, amountMinor: 1000 });
    expect(terminal.busModels.get('ecr-lane2')!.totals().sales).toEqual({ count: 2, amountMinor: 500 });
    expect(terminal.busModels.get('ecr-lane3')!.totals().sales).toEqual({ count: 0, amountMinor: 0 });
    await lane1.close();
    await lane2.close();
    await terminal.stop();
    pair.remove();
  });
});
