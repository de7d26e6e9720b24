import { TransportListeners } from '../../harness/transports/listeners';
import { BusCollisionError, Rs485Bus, type BusClock, type BusLine, type BusSettings } from '../../harness/transports/rs485-bus';
import { Rs485Transport } from '../../harness/transports/rs485';

/**
 * The RS485 bus, master side, on a scripted line and a manual clock: addressing, transmission
 * boundaries by silence, turnaround, RTS direction control, echo suppression and collision
 * detection — each shown doing its job and each shown catching what it exists for.
 */
class ManualClock implements BusClock {
  t = 1000;
  readonly sleeps: number[] = [];
  now(): number {
    return this.t;
  }
  async sleep(ms: number): Promise<void> {
    this.sleeps.push(Math.round(ms * 1000) / 1000);
    this.t += ms;
  }
}

/** A line that records what happens to it, in order; `onWrite` lets a test make the bus talk back. */
class ScriptedLine implements BusLine {
  readonly endpoint = '/dev/ttyRS485';
  readonly lineRate = { bitsPerSecond: 9600, bitsPerCharacter: 10 };
  isOpen = false;
  readonly ops: string[] = [];
  onWrite: ((bytes: Buffer) => void) | undefined;
  private readonly listeners = new TransportListeners();
  constructor(withRts = true) {
    if (!withRts) this.setRts = undefined;
  }
  async open() {
    this.isOpen = true;
    this.ops.push('open');
  }
  async close() {
    this.isOpen = false;
    this.ops.push('close');
  }
  async write(bytes: Buffer) {
    this.ops.push(`write ${bytes.toString('hex')}`);
    this.onWrite?.(bytes);
  }
  async drain() {
    this.ops.push('drain');
  }
  setRts: ((active: boolean) => Promise<void>) | undefined = async (active: boolean) => {
    this.ops.push(`rts ${active ? 'on' : 'off'}`);
  };
  onData(l: (c: Buffer) => void) {
    return this.listeners.onData(l);
  }
  onDisconnect(l: (e: Error | undefined) => void) {
    return this.listeners.onDisconnect(l);
  }
  hear(hex: string) {
    this.listeners.emitData(Buffer.from(hex, 'hex'));
  }
  unplug() {
    this.listeners.emitDisconnect(new Error('the serial adapter was unplugged'));
  }
}

function setup(settings: BusSettings = {}, withRts = true) {
  const line = new ScriptedLine(withRts);
  const clock = new ManualClock();
  const bus = new Rs485Bus(line, settings, clock);
  return { line, clock, bus };
}

function collect(t: { onData(l: (c: Buffer) => void): unknown }): string[] {
  const got: string[] = [];
  t.onData((c) => got.push(c.toString('hex')));
  return got;
}

describe('RS485 bus: addressing', () => {
  it('starts every transmission with the address of the device it talks to', async () => {
    const { line, bus } = setup();
    const lane2 = bus.station(2);
    await lane2.open();
    await lane2.write(Buffer.from('0200', 'hex'));
    expect(line.ops).toContain('write 020200');
  });

  it('hands a transmission to the station whose address starts it, and to no other', async () => {
    const { line, bus, clock } = setup();
    const one = bus.station(1);
    const two = bus.station(2);
    await one.open();
    await two.open();
    const got1 = collect(one);
    const got2 = collect(two);
    line.hear('02aabb');
    clock.t += 50; // silence: the next byte starts a new transmission
    line.hear('01cc');
    expect(got1).toEqual(['cc']);
    expect(got2).toEqual(['aabb']);
    expect(bus.stats.received).toBe(2);
  });

  it('keeps bytes that follow within the idle gap in the same transmission (they are data, not an address)', async () => {
    const { line, bus, clock } = setup();
    const one = bus.station(1);
    await one.open();
    const got = collect(one);
    line.hear('01aa');
    clock.t += 1; // less than 3.5 characters at 9600 baud (3.6 ms)
    line.hear('02bb');
    expect(got).toEqual(['aa', '02bb']);
    expect(bus.idleGapMs).toBeCloseTo(3.65, 2);
  });

  it('counts transmissions from addresses nobody here listens to', async () => {
    const { line, bus } = setup();
    await bus.station(1).open();
    line.hear('07ffff');
    expect(bus.stats.foreignTransmissions).toBe(1);
  });

  it('refuses addresses outside 1-247', () => {
    const { bus } = setup();
    expect(() => bus.station(0)).toThrow(/RS485 address 0 is not a device address: use 1 to 247/);
    expect(() => bus.station(248)).toThrow(/use 1 to 247/);
  });
});

describe('RS485 bus: taking turns', () => {
  it('waits out the turnaround after the last byte it heard before driving the bus', async () => {
    const { line, bus, clock } = setup({ turnaroundMs: 5 });
    const one = bus.station(1);
    await one.open();
    line.hear('01aa');
    clock.t += 1;
    await one.write(Buffer.from('06', 'hex'));
    expect(clock.sleeps[0]).toBe(4); // 5 ms turnaround, 1 ms already passed
  });

  it('keeps an idle gap between two of its own transmissions, so the device sees two', async () => {
    const { bus, clock } = setup({ idleGapMs: 10 });
    const one = bus.station(1);
    await one.open();
    await one.write(Buffer.from('aa', 'hex'));
    clock.sleeps.length = 0;
    await one.write(Buffer.from('bb', 'hex'));
    expect(clock.sleeps[0]).toBeCloseTo(10, 5);
  });

  it('sends transmissions one at a time, in call order, even when two devices are written at once', async () => {
    const { line, bus } = setup();
    const one = bus.station(1);
    const two = bus.station(2);
    await one.open();
    await two.open();
    await Promise.all([one.write(Buffer.from('aa', 'hex')), two.write(Buffer.from('bb', 'hex'))]);
    expect(line.ops.filter((o) => o.startsWith('write'))).toEqual(['write 01aa', 'write 02bb']);
  });
});

describe('RS485 bus: RTS direction control', () => {
  it('raises RTS before a transmission and drops it only after the bytes have drained and left the wire', async () => {
    const { line, bus, clock } = setup({ rtsControl: true });
    const one = bus.station(1);
    await one.open();
    clock.sleeps.length = 0;
    await one.write(Buffer.from('0102', 'hex'));
    expect(line.ops.slice(1)).toEqual(['rts on', 'write 010102', 'drain', 'rts off']);
    // 3 bytes at 9600 8N1 = 3.125 ms on the wire: the driver stays on that long.
    expect(clock.sleeps).toContain(3.125);
  });

  it('inverts the line for adapters whose driver is enabled by RTS low', async () => {
    const { line, bus } = setup({ rtsControl: true, rtsActiveLow: true });
    const one = bus.station(1);
    await one.open();
    await one.write(Buffer.from('aa', 'hex'));
    expect(line.ops.slice(1)).toEqual(['rts off', 'write 01aa', 'drain', 'rts on']);
  });

  it('says plainly when the port has no RTS line to switch', async () => {
    const { bus } = setup({ rtsControl: true }, false);
    const one = bus.station(1);
    await one.open();
    await expect(one.write(Buffer.from('aa', 'hex'))).rejects.toThrow(/RTS direction control is on, but this line has no RTS signal/);
  });
});

describe('RS485 bus: echo and collisions', () => {
  it('removes the adapter’s echo of our own transmission from what the devices hear', async () => {
    const { line, bus } = setup({ echo: true });
    line.onWrite = (bytes) => line.hear(bytes.toString('hex'));
    const one = bus.station(1);
    await one.open();
    const got = collect(one);
    await one.write(Buffer.from('0203', 'hex'));
    expect(got).toEqual([]);
    expect(bus.stats.echoBytes).toBe(3);
    expect(bus.stats.collisions).toBe(0);
  });

  it('detects a collision when the echo comes back different, and fails that transmission', async () => {
    const { line, bus } = setup({ echo: true });
    line.onWrite = () => line.hear('01ff03'); // another station garbled our second byte
    const one = bus.station(1);
    await one.open();
    const err = await one.write(Buffer.from('0203', 'hex')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BusCollisionError);
    expect((err as Error).message).toMatch(/collision on \/dev\/ttyRS485 rs485: sent 02 but read back FF/);
    expect(bus.stats.collisions).toBe(1);
  });

  it('fails a transmission whose echo never comes back (echo configured on an adapter that does not echo)', async () => {
    const { bus } = setup({ echo: true });
    const one = bus.station(1);
    await one.open();
    await expect(one.write(Buffer.from('aa', 'hex'))).rejects.toThrow(/never came back from the adapter/);
  });

  it('detects a station talking while we transmit (no echo) and fails that transmission', async () => {
    const { line, bus } = setup();
    line.onWrite = () => line.hear('0299');
    const one = bus.station(1);
    await one.open();
    await expect(one.write(Buffer.from('aa', 'hex'))).rejects.toThrow(/arrived while we were transmitting: a station talked out of turn/);
    expect(bus.stats.collisions).toBe(1);
  });
});

describe('RS485 bus: the line', () => {
  it('opens the port with the first device and closes it with the last', async () => {
    const { line, bus } = setup();
    const one = bus.station(1);
    const two = bus.station(2);
    await one.open();
    await two.open();
    await one.close();
    expect(line.isOpen).toBe(true);
    await two.close();
    expect(line.ops).toEqual(['open', 'close']);
  });

  it('tells every device when the adapter is unplugged', async () => {
    const { line, bus } = setup();
    const one = bus.station(1);
    const two = bus.station(2);
    await one.open();
    await two.open();
    const lost: string[] = [];
    one.onDisconnect((e) => lost.push(`1: ${e?.message}`));
    two.onDisconnect((e) => lost.push(`2: ${e?.message}`));
    line.unplug();
    expect(lost).toEqual(['1: the serial adapter was unplugged', '2: the serial adapter was unplugged']);
    expect(one.isOpen).toBe(false);
  });

  it('refuses two interfaces on one port that disagree on the line settings', async () => {
    const path = `/dev/ttyNOPE-rs485-${process.pid}`;
    const a = new Rs485Transport({ path, address: 1, baudRate: 9600 });
    const b = new Rs485Transport({ path, address: 2, baudRate: 19200 });
    await a.open().catch(() => undefined); // no such port: the bus is still registered
    await expect(b.open()).rejects.toThrow(/two rs485 interfaces on .* disagree on baudRate \(9600 and 19200\)/);
  });
});
