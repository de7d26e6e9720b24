import net from 'node:net';
import { TcpTransport } from '../../harness/transports/tcp';
import { DeviceUnreachableError, LinkClosedError } from '../../harness/errors';

function listen(onSocket: (s: net.Socket) => void): Promise<{ server: net.Server; port: number }> {
  return new Promise((resolve) => {
    const server = net.createServer(onSocket);
    server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as net.AddressInfo).port }));
  });
}

async function freePort(): Promise<number> {
  const { server, port } = await listen(() => undefined);
  await new Promise((r) => server.close(r));
  return port;
}

describe('tcp transport', () => {
  it('says "could not connect to HOST:PORT" when nothing listens, as DeviceUnreachableError', async () => {
    const port = await freePort();
    const t = new TcpTransport({ port, connectTimeoutMs: 1000 });
    const err = await t.open().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeviceUnreachableError);
    expect((err as Error).message).toContain(`could not connect to 127.0.0.1:${port}`);
    expect((err as Error).message).toContain('connection refused');
  });

  it('moves bytes both ways and reports its endpoint', async () => {
    const { server, port } = await listen((s) => s.on('data', (d) => s.write(Buffer.concat([Buffer.from('>'), d]))));
    const t = new TcpTransport({ port });
    await t.open();
    expect(t.endpoint).toBe(`127.0.0.1:${port}`);
    expect(t.lineRate).toBeUndefined();
    const got = new Promise<Buffer>((resolve) => t.onData(resolve));
    await t.write(Buffer.from('ping'));
    expect((await got).toString()).toBe('>ping');
    await t.close();
    server.close();
  });

  it('hands every chunk over as its own buffer: one kept by a listener is not overwritten by the next reads (two connections)', async () => {
    const { server, port } = await listen((s) => s.on('data', (d) => s.write(d)));
    const a = new TcpTransport({ port });
    const b = new TcpTransport({ port });
    await a.open();
    await b.open();
    const kept: Buffer[] = [];
    const arrived = (t: TcpTransport, n: number) => new Promise<void>((resolve) => t.onData((chunk) => { kept.push(chunk); if (kept.length === n) resolve(); }));
    const allFour = Promise.race([arrived(a, 4), arrived(b, 4)]);
    try {
      for (const [t, text] of [[a, 'first'], [b, 'second'], [a, 'third'], [b, 'fourth']] as const) {
        await t.write(Buffer.from(text));
        // One at a time, so each arrives as a read of its own.
        await new Promise((r) => setTimeout(r, 20));
      }
      await allFour;
      expect(kept.map((c) => c.toString())).toEqual(['first', 'second', 'third', 'fourth']);
    } finally {
      // Closed whatever the verdict, so a failure is reported instead of holding jest open.
      await a.close();
      await b.close();
      server.close();
    }
  });

  it('fires disconnect once when the device closes the link, and then refuses writes', async () => {
    const { server, port } = await listen((s) => setTimeout(() => s.destroy(), 10));
    const t = new TcpTransport({ port });
    const causes: (Error | undefined)[] = [];
    t.onDisconnect((c) => causes.push(c));
    await t.open();
    await new Promise((r) => setTimeout(r, 100));
    expect(causes).toHaveLength(1);
    expect(t.isOpen).toBe(false);
    await expect(t.write(Buffer.from('x'))).rejects.toBeInstanceOf(LinkClosedError);
    server.close();
  });

  it('does not report a disconnect for its own close, and close is idempotent', async () => {
    const { server, port } = await listen(() => undefined);
    const t = new TcpTransport({ port });
    const onDisconnect = jest.fn();
    t.onDisconnect(onDisconnect);
    await t.open();
    await t.close();
    await t.close();
    await new Promise((r) => setTimeout(r, 20));
    expect(onDisconnect).not.toHaveBeenCalled();
    server.close();
  });
});
