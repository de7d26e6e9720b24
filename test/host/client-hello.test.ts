import net from 'node:net';
import tls from 'node:tls';
import { clientHelloBytesMissing, clientHelloViolations, parseClientHello } from '../../harness/tls/client-hello';

/**
 * What a TLS client offers, read from its real first flight: Node's own TLS client is made to
 * connect to a plain TCP server that only records the bytes, then hangs up.
 */
async function captureClientHello(options: tls.ConnectionOptions): Promise<Buffer> {
  let head = Buffer.alloc(0);
  const server = net.createServer((socket) => {
    socket.on('data', (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      if (clientHelloBytesMissing(head) === 0) socket.destroy();
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => {
    const client = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', rejectUnauthorized: false, ...options });
    client.on('error', () => resolve());
    client.on('close', () => resolve());
  });
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return head;
}

describe('ClientHello reading', () => {
  it('sees the versions, suites and server name a default Node client offers: TLS 1.3 and 1.2, no policy violation', async () => {
    const hello = parseClientHello(await captureClientHello({}));
    expect(hello).toBeDefined();
    expect(hello!.versions).toEqual(['TLSv1.3', 'TLSv1.2']);
    expect(hello!.serverName).toBe('localhost');
    expect(hello!.cipherSuites).toContain(0x1301); // TLS_AES_128_GCM_SHA256
    expect(clientHelloViolations(hello!)).toEqual([]);
  });

  it('reports a client that also offers TLS 1.0 and 1.1', async () => {
    const hello = parseClientHello(await captureClientHello({ minVersion: 'TLSv1', ciphers: 'DEFAULT:@SECLEVEL=0' }));
    expect(hello!.versions).toEqual(['TLSv1.3', 'TLSv1.2', 'TLSv1.1', 'TLSv1']);
    expect(clientHelloViolations(hello!)).toEqual(['offers TLSv1.1, TLSv1 (policy: TLS 1.2 or later only)']);
  });

  it('reports weak cipher suites by name', async () => {
    const hello = parseClientHello(await captureClientHello({ maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-NULL-SHA:@SECLEVEL=0' }));
    expect(clientHelloViolations(hello!)).toEqual(['offers weak cipher suites: TLS_ECDHE_ECDSA_WITH_NULL_SHA']);
  });

  it('knows when the record is incomplete, and what is not TLS at all', () => {
    expect(clientHelloBytesMissing(Buffer.from([0x16, 0x03, 0x01]))).toBe(2);
    expect(clientHelloBytesMissing(Buffer.from([0x16, 0x03, 0x01, 0x00, 0x10, 0x01]))).toBe(15);
    expect(clientHelloBytesMissing(Buffer.from('0200', 'latin1'))).toBe(-1);
    expect(parseClientHello(Buffer.from('GET / HTTP/1.1\r\n', 'latin1'))).toBeUndefined();
  });
});
