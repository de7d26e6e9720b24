import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SerialTransport, bitsPerCharacter, listSerialPaths } from '../../harness/transports/serial';
import { createPtyPair, hasSocat, type PtyPair } from '../../harness/transports/pty-pair';
import { DeviceUnreachableError } from '../../harness/errors';
import { measured, runOneTest } from '../helpers/run-one-test';
import type { DeviceProfile } from '../../harness/suite/types';

/**
 * The serial transport through the real serialport binding, over a kernel pseudo-terminal pair
 * (socat). CI installs socat (.ci/run); without it these tests say how to enable themselves.
 */
const ROOT = path.resolve(__dirname, '../..');
const describePty = hasSocat() ? describe : describe.skip;
if (!hasSocat()) {
  console.warn('serial tests over a pseudo-terminal pair are skipped: install socat (apt-get install socat) to run them');
}

describe('serial line settings', () => {
  it('counts start, data, parity and stop bits per character', () => {
    expect(bitsPerCharacter({})).toBe(10); // 8N1
    expect(bitsPerCharacter({ dataBits: 7, parity: 'even', stopBits: 1 })).toBe(10); // 7E1
    expect(bitsPerCharacter({ dataBits: 8, parity: 'odd', stopBits: 2 })).toBe(12); // 8O2
  });

  it('knows its line rate and names its endpoint the way a technician writes it', () => {
    const t = new SerialTransport({ path: '/dev/ttyUSB0', baudRate: 19200, dataBits: 7, parity: 'even' });
    expect(t.lineRate).toEqual({ bitsPerSecond: 19200, bitsPerCharacter: 10 });
    expect(t.endpoint).toBe('/dev/ttyUSB0 19200 7E1');
  });

  it('says "no such port" and lists the ports that exist', async () => {
    const err = await new SerialTransport({ path: '/dev/ttyNOPE9' }).open().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeviceUnreachableError);
    expect((err as Error).message).toMatch(/could not open serial port \/dev\/ttyNOPE9: no such port/);
    const known = listSerialPaths();
    if (known.length) expect((err as Error).message).toContain(known[0]);
  });
});

describePty('serial transport over a pseudo-terminal pair', () => {
  let pair: PtyPair;
  beforeAll(async () => {
    pair = await createPtyPair(fs.mkdtempSync(path.join(os.tmpdir(), 'poshil-pty-test-')), 'spec');
  });
  afterAll(() => pair.close());

  it('moves bytes both ways through the real binding', async () => {
    const a = new SerialTransport({ path: pair.harnessPath, baudRate: 115200 });
    const b = new SerialTransport({ path: pair.devicePath, baudRate: 115200 });
    await a.open();
    await b.open();
    const atB = new Promise<string>((r) => b.onData((d) => r(d.toString())));
    await a.write(Buffer.from('\x02HELLO\x03'));
    expect(await atB).toBe('\x02HELLO\x03');
    const atA = new Promise<string>((r) => a.onData((d) => r(d.toString())));
    await b.write(Buffer.from('\x06'));
    expect(await atA).toBe('\x06');
    await a.close();
    await b.close();
  });

  it('reports a disconnect when the other end goes away', async () => {
    const other = await createPtyPair(fs.mkdtempSync(path.join(os.tmpdir(), 'poshil-pty-test-')), 'gone');
    const a = new SerialTransport({ path: other.harnessPath });
    await a.open();
    const dropped = new Promise<Error | undefined>((r) => a.onDisconnect(r));
    await other.close();
    const cause = await Promise.race([dropped, new Promise<string>((r) => setTimeout(() => r('no disconnect'), 3000))]);
    // A pty whose peer vanished either reports EIO (disconnect) or goes silent, depending on
    // the kernel; a USB adapter being unplugged always reports. Accept both, but never a crash.
    expect(cause === 'no disconnect' || cause instanceof Error).toBe(true);
    await a.close();
  });
});

describePty('latency over emulated RS232 (pseudo-terminal pair, paced at the baud rate)', () => {
  const device = (baudRate: number): DeviceProfile => ({
    name: `rs232 ${baudRate}`,
    file: path.join(ROOT, 'devices/emulated-terminal-rs232.json'),
    sha256: '',
    interfaces: {
      ecr: {
        transport: { type: 'serial', baudRate },
        framing: { type: 'length-prefix', lengthBytes: 2 },
        protocol: { type: 'iso8583', packager: 'iso87binary', terminalId: 'POSHIL03' },
      },
    },
    emulator: { processingMs: { distribution: 'fixed', mean: 1 } },
  });

  it('reports the wire-time floor and stays just above it at 9600 baud', async () => {
    const r = await runOneTest(device(9600), 'latency', { transaction: { type: 'echo' }, iterations: 5, warmup: { iterations: 1 } }, { floor_ratio: { max: 2 } }, 2000);
    expect(r.state).toBe('passed');
    const floor = measured(r, 'wire_floor_ms')!;
    // Echo request + response in iso87binary with a 2-byte length: a few dozen bytes, 10 bits each.
    expect(floor).toBeGreaterThan(30);
    expect(measured(r, 'p50_ms')!).toBeGreaterThanOrEqual(floor);
    expect(r.notes?.join(' ')).toMatch(/at 9600 bit\/s \(10 bits per character\)/);
  });

  it('is about twelve times faster on the wire at 115200 baud', async () => {
    const slow = await runOneTest(device(9600), 'latency', { transaction: { type: 'echo' }, iterations: 5, warmup: { iterations: 1 } }, {}, 2000);
    const fast = await runOneTest(device(115200), 'latency', { transaction: { type: 'echo' }, iterations: 5, warmup: { iterations: 1 } }, {}, 2000);
    expect(measured(slow, 'wire_floor_ms')! / measured(fast, 'wire_floor_ms')!).toBeCloseTo(12, 0);
    expect(measured(fast, 'p50_ms')!).toBeLessThan(measured(slow, 'p50_ms')!);
  });

  it('fails a floor_ratio threshold when the terminal is slow, not the line', async () => {
    const dev = device(115200);
    dev.emulator = { processingMs: { distribution: 'fixed', mean: 1 }, defects: { slowMs: 30 } };
    const r = await runOneTest(dev, 'latency', { transaction: { type: 'echo' }, iterations: 5, warmup: { iterations: 1 } }, { floor_ratio: { max: 2 } }, 2000);
    expect(r.state).toBe('failed');
  });
});

describePty('ZVT over emulated RS232 (DLE framing and ACK/NAK on a real pseudo-terminal)', () => {
  it('completes authorisations with the latency kind, unchanged', async () => {
    const dev: DeviceProfile = {
      name: 'zvt rs232',
      file: path.join(ROOT, 'devices/emulated-terminal-zvt.json'),
      sha256: '',
      interfaces: { ecr: { transport: { type: 'serial', baudRate: 115200 }, framing: { type: 'zvt-serial' }, protocol: { type: 'zvt', password: '000000', currency: 978 } } },
      emulator: { processingMs: { distribution: 'fixed', mean: 2 } },
    };
    const r = await runOneTest(dev, 'latency', { transaction: { type: 'sale', amount: '12.34' }, iterations: 5, warmup: { iterations: 1 } }, { errors: { max: 0 } }, 2000);
    expect(r.state).toBe('passed');
    expect(measured(r, 'wire_floor_ms')).not.toBeNull();
  });
});
