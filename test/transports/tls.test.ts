import path from 'node:path';
import tls from 'node:tls';
import { createTestPki, type CertFiles, type TestPki } from '../../harness/tls/cert-factory';
import { createTransport } from '../../harness/transports/registry';

/**
 * The `tls` transport as an ECR client: it trusts only the CA the profile names and the name it
 * expects, and a certificate it refuses is explained in words a technician can act on.
 * Certificates are made for the test by openssl and thrown away afterwards.
 */
let pki: TestPki;
beforeAll(() => {
  pki = createTestPki();
});
afterAll(() => pki.dispose());

async function echoServer(cert: CertFiles): Promise<{ port: number; close(): Promise<void> }> {
  const server = tls.createServer({ cert: cert.certPem, key: cert.keyPem }, (socket) => {
    socket.on('error', () => undefined);
    socket.pipe(socket);
  });
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return { port: (server.address() as { port: number }).port, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

const client = (port: number) => createTransport({ type: 'tls', host: '127.0.0.1', port, servername: 'localhost', ca: path.basename(pki.ca.certFile), baseDir: pki.dir });

describe('tls transport', () => {
  it('connects to a device whose certificate the named CA signed for the expected name, and carries bytes', async () => {
    const server = await echoServer(pki.issue({ commonName: 'localhost', altNames: ['DNS:localhost', 'IP:127.0.0.1'] }));
    const t = client(server.port);
    expect(t.type).toBe('tls');
    await t.open();
    const got = new Promise<Buffer>((resolve) => t.onData(resolve));
    await t.write(Buffer.from('0800'));
    expect((await got).toString()).toBe('0800');
    await t.close();
    await server.close();
  });

  it.each([
    ['expired', () => pki.issue({ commonName: 'localhost', altNames: ['DNS:localhost'], validity: 'expired' }), /the device certificate has expired/],
    ['self-signed', () => pki.selfSigned({ commonName: 'localhost', altNames: ['DNS:localhost'] }), /self-signed and not trusted/],
    ['for another name', () => pki.issue({ commonName: 'other.example', altNames: ['DNS:other.example'] }), /not for this name/],
  ])('refuses a device certificate that is %s, and says so', async (_what, make, message) => {
    const server = await echoServer(make());
    await expect(client(server.port).open()).rejects.toMatchObject({ code: 'DEVICE_UNREACHABLE', message });
    await server.close();
  });

  it('a CA file that is not there is a profile problem (exit 2)', () => {
    expect(() => createTransport({ type: 'tls', port: 1, ca: 'no-such-ca.pem', baseDir: pki.dir })).toThrow(expect.objectContaining({ code: 'TLS_CA', exitCode: 2 }));
  });
});

describe('poshil tls-probe', () => {
  it('reports a TLS 1.2+ device as compliant (exit 0) and one that accepts TLS 1.0 as a violation (exit 1)', async () => {
    const { main } = await import('../../harness/cli/main');
    const cert = pki.issue({ commonName: 'localhost', altNames: ['DNS:localhost', 'IP:127.0.0.1'] });
    const run = async (serverOptions: tls.TlsOptions) => {
      const server = tls.createServer({ cert: cert.certPem, key: cert.keyPem, ...serverOptions }, (s) => s.on('error', () => undefined).end());
      server.on('tlsClientError', () => undefined);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
      let out = '';
      const io = { stdout: { write: (t: string) => ((out += t), true) } as unknown as NodeJS.WritableStream, stderr: process.stderr };
      const code = await main(['tls-probe', `127.0.0.1:${(server.address() as { port: number }).port}`, '--servername', 'localhost', '--ca', pki.ca.certFile], io);
      await new Promise<void>((resolve) => server.close(() => resolve()));
      return { code, out };
    };
    const good = await run({ minVersion: 'TLSv1.2' });
    expect(good.code).toBe(0);
    expect(good.out).toMatch(/TLSv1\.2 +accepted/);
    expect(good.out).toMatch(/certificate verifies/);
    const weak = await run({ minVersion: 'TLSv1', ciphers: 'DEFAULT:@SECLEVEL=0' });
    expect(weak.code).toBe(1);
    expect(weak.out).toMatch(/TLSv1 +accepted/);
  }, 30_000);
});
