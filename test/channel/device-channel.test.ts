import path from 'node:path';
import { DeviceChannel } from '../../harness/channel/device-channel';
import { WireRecorder } from '../../harness/channel/wire-recorder';
import { EmulatedTerminal } from '../../devices/emulators/terminal/emulated-terminal';
import { LinkClosedError, ResponseTimeoutError } from '../../harness/errors';
import type { DeviceProfile, EmulatorConfig, InterfaceConfig } from '../../harness/suite/types';

/**
 * A channel is transport → framing → ISO 8583 session, with a masked wire trace. Here it runs
 * over an in-memory link to the emulated terminal in this process, so every byte is seen.
 */
const ROOT = path.resolve(__dirname, '../..');
const PAN = '4761739001010119';
let linkNo = 0;

function profile(iface: Omit<InterfaceConfig, 'transport'>, emulator: EmulatorConfig = {}): DeviceProfile {
  const name = `channel-spec-${++linkNo}`;
  return {
    name,
    file: path.join(ROOT, 'devices/emulated-terminal.json'),
    sha256: '',
    interfaces: { ecr: { transport: { type: 'virtual', name }, ...iface } },
    emulator: { processingMs: { distribution: 'fixed', mean: 0.2 }, ...emulator },
  };
}

const asciiIso = { framing: { type: 'length-prefix', lengthBytes: 2 }, protocol: { type: 'iso8583', packager: 'iso87ascii', terminalId: 'POSHIL01' } };
const binaryIso = { framing: { type: 'length-prefix', lengthBytes: 2, tpdu: true }, protocol: { type: 'iso8583', packager: 'iso87binary', terminalId: 'POSHIL02' } };

async function connect(p: DeviceProfile, recorder = new WireRecorder()): Promise<{ channel: DeviceChannel; terminal: EmulatedTerminal }> {
  const terminal = new EmulatedTerminal(p);
  await terminal.start();
  const channel = new DeviceChannel({ role: 'ecr', iface: p.interfaces.ecr!, baseDir: path.dirname(p.file), recorder, defaultTimeoutMs: 300 });
  await channel.open();
  return { channel, terminal };
}

const sale = (amount: number) => ({ type: 'sale' as const, amountMinor: amount, currency: '978', card: { pan: PAN, expiry: '3012' } });

describe.each([
  ['ASCII ISO 8583 (iso87ascii), 2-byte length', asciiIso],
  ['binary ISO 8583 (iso87binary) with a TPDU', binaryIso],
])('device channel: %s', (_name, iface) => {
  it('authorises a sale and declines an amount ending in .05', async () => {
    const { channel, terminal } = await connect(profile(iface));
    const ok = await channel.transact(sale(1234));
    expect(ok).toMatchObject({ type: 'sale', approved: true, responseCode: '00', amountMinor: 1234 });
    expect(ok.approvalCode).toMatch(/^[0-9]{6}$/);
    expect(ok.rrn).toHaveLength(12);
    const no = await channel.transact(sale(1005));
    expect(no).toMatchObject({ approved: false, responseCode: '05' });
    await channel.close();
    await terminal.stop();
  });

  it('settles: the totals count approved sales less reversals', async () => {
    const { channel, terminal } = await connect(profile(iface));
    const first = await channel.transact(sale(1000));
    await channel.transact(sale(2500));
    const reversal = await channel.transact({ type: 'reversal', amountMinor: 1000, currency: '978', card: { pan: PAN }, originalStan: first.stan });
    expect(reversal.approved).toBe(true);
    const totals = await channel.transact({ type: 'settlement' });
    expect(totals.totals).toEqual({ count: 1, amountMinor: 2500 });
    await channel.close();
    await terminal.stop();
  });
});

describe('device channel', () => {
  it('matches responses to requests by STAN when several are in flight', async () => {
    const { channel, terminal } = await connect(profile(asciiIso, { processingMs: { distribution: 'uniform', mean: 3, stddev: 1 } }));
    const outcomes = await Promise.all([1001, 1002, 1003, 1004, 1005].map((a) => channel.transact(sale(a))));
    expect(outcomes.map((o) => o.amountMinor)).toEqual([1001, 1002, 1003, 1004, 1005]);
    expect(outcomes.map((o) => o.responseCode)).toEqual(['00', '00', '00', '00', '05']);
    expect(new Set(outcomes.map((o) => o.stan)).size).toBe(5);
    await channel.close();
    await terminal.stop();
  });

  it('times out a request whose response the device drops, naming MTI, STAN and the endpoint', async () => {
    const { channel, terminal } = await connect(profile(asciiIso, { defects: { dropEveryN: 2 } }));
    await channel.transact(sale(100));
    const err = await channel.transact(sale(100), { timeoutMs: 100 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ResponseTimeoutError);
    expect((err as Error).message).toMatch(/no 0210 response to 0200 \(STAN 000002\) from virtual .* within 100 ms/);
    await channel.close();
    await terminal.stop();
  });

  it('rejects what is in flight when the link drops, and reopens on the next transaction', async () => {
    const { channel, terminal } = await connect(profile(asciiIso, { processingMs: { distribution: 'fixed', mean: 50 } }));
    const pending = channel.transact(sale(100));
    await new Promise((r) => setTimeout(r, 10));
    await terminal.stop(); // pulls the virtual cable
    await expect(pending).rejects.toBeInstanceOf(LinkClosedError);
    expect(channel.isOpen).toBe(false);
    await terminal.start();
    await expect(channel.transact(sale(100))).resolves.toMatchObject({ approved: true });
    await channel.close();
    await terminal.stop();
  });

  it('records every byte with direction and time, with the PAN masked in both views', async () => {
    const recorder = new WireRecorder();
    const { channel, terminal } = await connect(profile(binaryIso), recorder);
    await channel.transact(sale(4200));
    const entries = recorder.entries();
    const out = entries.find((e) => e.dir === 'out')!;
    const inn = entries.find((e) => e.dir === 'in')!;
    expect(out.bytes).toBe(channel.counters.bytesOut);
    expect(inn.bytes).toBe(channel.counters.bytesIn);
    expect(inn.t_ns).toBeGreaterThan(out.t_ns);
    const text = JSON.stringify(entries);
    expect(text).not.toContain(PAN); // BCD digits would show in the hex view
    expect(out.hex).toContain('476173******0119');
    await channel.close();
    await terminal.stop();
  });
});

describe('frame link', () => {
  it('delivers the good frames of a chunk before reporting the garbage after them, and keeps the link up', async () => {
    const { createVirtualPair } = await import('../../harness/transports/virtual');
    const { TransportFrameLink } = await import('../../harness/framing/frame-link');
    const { createFramer } = await import('../../harness/framing/registry');
    const [near] = createVirtualPair();
    await near.open();
    const link = new TransportFrameLink(near, createFramer({ type: 'length-prefix', lengthBytes: 2, maxLength: 100 }));
    const events: string[] = [];
    link.onFrame((f) => events.push(`frame ${f.payload.toString()}`));
    link.onFramingError((e) => events.push(`error ${e.constructor.name}`));
    near.emitData(Buffer.concat([Buffer.from([0, 2]), Buffer.from('ok'), Buffer.from([0xff, 0xff]), Buffer.from('junk')]));
    near.emitData(Buffer.concat([Buffer.from([0, 3]), Buffer.from('yes')]));
    expect(events).toEqual(['frame ok', 'error FramingStreamError', 'frame yes']);
  });

  it('taps a frame sent at once after the transport took it, and never one the transport refused', async () => {
    const { TransportFrameLink } = await import('../../harness/framing/frame-link');
    const { createFramer } = await import('../../harness/framing/registry');
    const events: string[] = [];
    let refuse = false;
    const transport = {
      type: 'tcp',
      endpoint: 'fake',
      isOpen: true,
      open: async () => undefined,
      close: async () => undefined,
      onData: () => () => undefined,
      onDisconnect: () => () => undefined,
      write: async () => undefined,
      writeNow: (data: Buffer) => {
        if (refuse) throw new LinkClosedError('cannot send to fake: the connection is closed');
        events.push(`written ${data.subarray(2).toString()}`);
      },
    };
    const link = new TransportFrameLink(transport as never, createFramer({ type: 'length-prefix', lengthBytes: 2 }), {
      out: (bytes) => events.push(`traced ${bytes.subarray(2).toString()}`),
      in: () => undefined,
    });
    link.sendNow!({ payload: Buffer.from('first') });
    refuse = true;
    expect(() => link.sendNow!({ payload: Buffer.from('refused') })).toThrow(LinkClosedError);
    expect(events).toEqual(['written first', 'traced first']);
  });
});
