import { SerialPortStream } from '@serialport/stream';
import { createPortPair, PairedBinding } from '../../harness/transports/paired-binding';
import { SerialTransport } from '../../harness/transports/serial';
import { measured, runOneTest } from '../helpers/run-one-test';
import path from 'node:path';
import type { DeviceProfile } from '../../harness/suite/types';

/**
 * Without socat, emulated serial lines run on in-process paired ports that keep the
 * serialport binding contract. These tests need nothing installed.
 */
describe('paired serialport binding', () => {
  it('carries bytes both ways through SerialPortStream', async () => {
    const pair = createPortPair('spec-a');
    const a = new SerialTransport({ path: pair.harnessPath, baudRate: 9600 });
    const b = new SerialTransport({ path: pair.devicePath, baudRate: 9600 });
    await a.open();
    await b.open();
    const atB = new Promise<string>((r) => b.onData((d) => r(d.toString())));
    await a.write(Buffer.from('\x02PING\x03'));
    expect(await atB).toBe('\x02PING\x03');
    await a.close();
    await b.close();
    pair.remove();
  });

  it('refuses a second open of the same end, like a locked port', async () => {
    const pair = createPortPair('spec-b');
    const first = new SerialPortStream({ binding: PairedBinding, path: pair.harnessPath, baudRate: 9600, autoOpen: false });
    await new Promise<void>((r, j) => first.open((e) => (e ? j(e) : r())));
    const err = await new SerialTransport({ path: pair.harnessPath }).open().catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/busy: another program holds it/);
    await new Promise<void>((r) => first.close(() => r()));
    pair.remove();
  });

  it('reports a disconnect when the other end closes', async () => {
    const pair = createPortPair('spec-c');
    const a = new SerialTransport({ path: pair.harnessPath });
    const b = new SerialTransport({ path: pair.devicePath });
    await a.open();
    await b.open();
    const dropped = new Promise<Error | undefined>((r) => a.onDisconnect(r));
    await b.close();
    expect(await dropped).toBeInstanceOf(Error);
    pair.remove();
  });

  it('runs the emulated RS232 latency test with its wire floor, and the report names the link used', async () => {
    const previous = process.env.POSHIL_SERIAL_LINK;
    process.env.POSHIL_SERIAL_LINK = 'in-process';
    try {
      const dev: DeviceProfile = {
        name: 'rs232 paired',
        file: path.resolve(__dirname, '../../devices/emulated-terminal-rs232.json'),
        sha256: '',
        interfaces: { ecr: { transport: { type: 'serial', baudRate: 19200 }, framing: { type: 'length-prefix', lengthBytes: 2 }, protocol: { type: 'iso8583', packager: 'iso87binary' } } },
        emulator: { processingMs: { distribution: 'fixed', mean: 1 } },
      };
      const r = await runOneTest(dev, 'latency', { transaction: { type: 'echo' }, iterations: 5, warmup: { iterations: 1 } }, { floor_ratio: { max: 3 } }, 2000);
      expect(r.state).toBe('passed');
      expect(measured(r, 'wire_floor_ms')!).toBeGreaterThan(10);
    } finally {
      if (previous === undefined) delete process.env.POSHIL_SERIAL_LINK;
      else process.env.POSHIL_SERIAL_LINK = previous;
    }
  });
});
