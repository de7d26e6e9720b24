import path from 'node:path';
import { DeviceChannel } from '../../harness/channel/device-channel';
import { WireRecorder } from '../../harness/channel/wire-recorder';
import { EmulatedTerminal } from '../../devices/emulators/terminal/emulated-terminal';
import { ResponseTimeoutError } from '../../harness/errors';
import type { DeviceProfile, EmulatorConfig, FramingConfig } from '../../harness/suite/types';

/**
 * A ZVT dialogue end to end: the ECR session on one side, the emulated terminal's ZVT face on
 * the other, over an in-memory link — with the serial DLE framing and its ACK/NAK link layer,
 * and with bare APDUs as on TCP.
 */
const ROOT = path.resolve(__dirname, '../..');
let n = 0;

function profile(framing: FramingConfig, emulator: EmulatorConfig = {}): DeviceProfile {
  const name = `zvt-spec-${++n}`;
  return {
    name,
    file: path.join(ROOT, 'devices/emulated-terminal-zvt.json'),
    sha256: '',
    interfaces: { ecr: { transport: { type: 'virtual', name }, framing, protocol: { type: 'zvt', password: '000000', currency: 978 } } },
    emulator: { processingMs: { distribution: 'fixed', mean: 1 }, ...emulator },
  };
}

async function connect(p: DeviceProfile, recorder = new WireRecorder()) {
  const terminal = new EmulatedTerminal(p);
  await terminal.start();
  const channel = new DeviceChannel({ role: 'ecr', iface: p.interfaces.ecr!, baseDir: ROOT, recorder, defaultTimeoutMs: 1000 });
  await channel.open();
  return { channel, terminal, recorder };
}

describe.each([
  ['serial DLE framing with ACK/NAK', { type: 'zvt-serial' }],
  ['bare APDUs (TCP)', { type: 'zvt-tcp' }],
])('ZVT dialogue, %s', (_name, framing) => {
  it('authorises 12.34: 06 01 → 80 00 00, 04 0F (result 00, trace, receipt), 06 0F', async () => {
    const { channel, terminal } = await connect(profile(framing));
    const o = await channel.transact({ type: 'sale', amountMinor: 1234, currency: '978' });
    expect(o).toMatchObject({ type: 'sale', approved: true, responseCode: '00', amountMinor: 1234, stan: '000001' });
    expect(o.rrn).toBe('0001');
    await channel.close();
    await terminal.stop();
  });

  it('declines 10.05 with Abort 06 1E carrying result code 05', async () => {
    const { channel, terminal } = await connect(profile(framing));
    const o = await channel.transact({ type: 'sale', amountMinor: 1005, currency: '978' });
    expect(o).toMatchObject({ approved: false, responseCode: '05' });
    await channel.close();
    await terminal.stop();
  });

  it('answers a status enquiry (05 01) and an end-of-day (06 50) with the day’s total', async () => {
    const { channel, terminal } = await connect(profile(framing));
    expect((await channel.transact({ type: 'echo' })).approved).toBe(true);
    await channel.transact({ type: 'sale', amountMinor: 1000, currency: '978' });
    await channel.transact({ type: 'sale', amountMinor: 250, currency: '978' });
    const eod = await channel.transact({ type: 'settlement' });
    expect(eod.totals).toEqual({ count: 2, amountMinor: 1250 });
    await channel.close();
    await terminal.stop();
  });
});

describe('ZVT dialogue', () => {
  it('times out when the terminal never completes (dropEveryN), naming what it waited for', async () => {
    const { channel, terminal } = await connect(profile({ type: 'zvt-tcp' }, { defects: { dropEveryN: 1 } }));
    const err = await channel.transact({ type: 'sale', amountMinor: 100, currency: '978' }, { timeoutMs: 200 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ResponseTimeoutError);
    expect((err as Error).message).toMatch(/ZVT sale: no completion \(06 0F\)/);
    await channel.close();
    await terminal.stop();
  });

  it('puts link-layer ACKs (06) on the serial wire after every frame', async () => {
    const recorder = new WireRecorder();
    const { channel, terminal } = await connect(profile({ type: 'zvt-serial' }), recorder);
    await channel.transact({ type: 'sale', amountMinor: 1234, currency: '978' });
    const inbound = recorder.entries().filter((e) => e.dir === 'in').map((e) => e.hex).join('');
    const outbound = recorder.entries().filter((e) => e.dir === 'out').map((e) => e.hex).join('');
    // DLE STX, 06 01 with 10 bytes: BMP 04 amount 000000001234, BMP 49 currency 0978, DLE ETX, CRC
    expect(outbound.startsWith('100206010A04000000001234490978100 3'.replace(' ', ''))).toBe(true);
    expect(inbound.startsWith('06')).toBe(true); // the terminal's link ACK of our command frame
    // …and ours of each of its frames: every terminal frame (DLE STX … DLE ETX CRC) is followed by 06.
    const terminalFrames = inbound.match(/1002.*?1003..../g) ?? [];
    expect(terminalFrames.length).toBeGreaterThanOrEqual(3); // 80 00 00, 04 0F, 06 0F
    expect(outbound.split('06').length - 1).toBeGreaterThanOrEqual(terminalFrames.length);
    await channel.close();
    await terminal.stop();
  });
});
