import { connectVirtual, createVirtualPair, serveVirtual } from '../../harness/transports/virtual';
import { DeviceUnreachableError, LinkClosedError } from '../../harness/errors';
import { wireTimeSeconds } from '../../harness/transports/transport';

describe('virtual transport', () => {
  it('delivers what one end writes to the other, asynchronously, and records it', async () => {
    const [a, b] = createVirtualPair();
    await a.open();
    await b.open();
    const received: string[] = [];
    b.onData((d) => received.push(d.toString()));
    await a.write(Buffer.from('hello'));
    expect(received).toEqual([]); // never in the writer's call stack
    await new Promise((r) => setImmediate(r));
    expect(received).toEqual(['hello']);
    expect(a.lastWrite?.toString()).toBe('hello');
  });

  it('lets a test inject bytes and pull the cable; both ends see one disconnect', async () => {
    const [a, b] = createVirtualPair();
    await a.open();
    await b.open();
    const got: string[] = [];
    a.onData((d) => got.push(d.toString()));
    a.emitData('abc');
    expect(got).toEqual(['abc']);
    const da = jest.fn();
    const db = jest.fn();
    a.onDisconnect(da);
    b.onDisconnect(db);
    a.disconnect();
    a.disconnect();
    expect(da).toHaveBeenCalledTimes(1);
    expect(db).toHaveBeenCalledTimes(1);
    await expect(a.write(Buffer.from('x'))).rejects.toBeInstanceOf(LinkClosedError);
  });

  it('refuses to open a named endpoint nobody serves, and connects to one that is served', async () => {
    await expect(connectVirtual('nobody-home').open()).rejects.toBeInstanceOf(DeviceUnreachableError);
    const stop = serveVirtual('echo', (far) => far.onData((d) => void far.write(d)));
    const near = connectVirtual('echo');
    await near.open();
    const echoed = new Promise<string>((r) => near.onData((d) => r(d.toString())));
    await near.write(Buffer.from('ping'));
    expect(await echoed).toBe('ping');
    stop();
  });

  it('knows a pretend line rate so wire-time floors can be computed', () => {
    const [a] = createVirtualPair({ bitsPerSecond: 9600 });
    expect(a.lineRate).toEqual({ bitsPerSecond: 9600, bitsPerCharacter: 10 });
    // 96 bytes × 10 bits at 9600 bit/s = 0.1 s
    expect(wireTimeSeconds(96, a.lineRate!)).toBeCloseTo(0.1, 10);
  });
});
