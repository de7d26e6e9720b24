import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import type net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { createTestPki, opensslAvailable, TlsSetupError } from '../../harness/tls';
import type { CertFiles, TestPki } from '../../harness/tls';

/**
 * The certificates are judged the way a device's TLS peer would judge them: by a real Node TLS
 * handshake against a server presenting them, with the test CA as the only trust anchor.
 */

type Outcome = { ok: true } | { ok: false; code: string };

const servers: tls.Server[] = [];

async function serve(cert: CertFiles): Promise<number> {
  const server = tls.createServer({ key: cert.keyPem, cert: cert.certPem }, (s) => {
    s.on('error', () => {});
    s.end();
  });
  // The client hangs up on certificates it rejects; that is the expected case, not a failure.
  server.on('tlsClientError', () => {});
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
}

function connect(port: number, ca: string, servername?: string): Promise<Outcome> {
  return new Promise((resolve) => {
    const s = tls.connect({ host: '127.0.0.1', port, ca, servername }, () => {
      s.destroy();
      resolve({ ok: true });
    });
    s.on('error', (e: NodeJS.ErrnoException) => resolve({ ok: false, code: e.code ?? e.message }));
  });
}

describe('test PKI (cert-factory)', () => {
  let pki: TestPki;

  beforeAll(() => {
    pki = createTestPki();
  });

  afterAll(async () => {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    pki.dispose();
  });

  it('finds openssl and reports its version', () => {
    const r = opensslAvailable();
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.version).toMatch(/^OpenSSL \d+\.\d+/);
  });

  it('makes a self-signed CA certificate', () => {
    const ca = new X509Certificate(pki.ca.certPem);
    expect(ca.ca).toBe(true);
    expect(ca.subject).toBe(ca.issuer);
    expect(ca.verify(ca.publicKey)).toBe(true);
  });

  describe('a valid certificate for localhost and 127.0.0.1', () => {
    let port: number;
    beforeAll(async () => {
      port = await serve(pki.issue({ commonName: 'localhost', altNames: ['DNS:localhost', 'IP:127.0.0.1'] }));
    });

    it('verifies against the CA when the client asks for localhost', async () => {
      expect(await connect(port, pki.ca.certPem, 'localhost')).toEqual({ ok: true });
    });

    it('verifies against the CA when the client connects by IP address', async () => {
      expect(await connect(port, pki.ca.certPem)).toEqual({ ok: true });
    });
  });

  it('defaults the subjectAltName to the common name, so modern clients match it', () => {
    const cert = new X509Certificate(pki.issue({ commonName: 'terminal.lab' }).certPem);
    expect(cert.subjectAltName).toBe('DNS:terminal.lab');
    expect(cert.checkIssued(new X509Certificate(pki.ca.certPem))).toBe(true);
  });

  it('makes an expired certificate that clients refuse with CERT_HAS_EXPIRED', async () => {
    const cert = pki.issue({ commonName: 'localhost', validity: 'expired' });
    expect(new Date(new X509Certificate(cert.certPem).validTo).getTime()).toBeLessThan(Date.now());
    expect(await connect(await serve(cert), pki.ca.certPem, 'localhost')).toEqual({ ok: false, code: 'CERT_HAS_EXPIRED' });
  });

  it('makes a not-yet-valid certificate that clients refuse with CERT_NOT_YET_VALID', async () => {
    const cert = pki.issue({ commonName: 'localhost', validity: 'not-yet-valid' });
    expect(new Date(new X509Certificate(cert.certPem).validFrom).getTime()).toBeGreaterThan(Date.now());
    expect(await connect(await serve(cert), pki.ca.certPem, 'localhost')).toEqual({ ok: false, code: 'CERT_NOT_YET_VALID' });
  });

  it('makes a self-signed certificate that the CA does not vouch for', async () => {
    const cert = pki.selfSigned({ commonName: 'localhost' });
    expect(await connect(await serve(cert), pki.ca.certPem, 'localhost')).toEqual({ ok: false, code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
  });

  it('makes a certificate for another name that clients refuse with ERR_TLS_CERT_ALTNAME_INVALID', async () => {
    const cert = pki.issue({ commonName: 'other.example' });
    expect(await connect(await serve(cert), pki.ca.certPem, 'localhost')).toEqual({ ok: false, code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
  });

  it('writes every private key readable by its owner only (mode 0600)', () => {
    const leaf = pki.issue({ commonName: 'localhost' });
    for (const keyFile of [pki.ca.keyFile, leaf.keyFile]) {
      expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);
      expect(fs.readFileSync(keyFile, 'utf8')).toBe(keyFile === leaf.keyFile ? leaf.keyPem : pki.ca.keyPem);
    }
  });

  it('never hands out the same key twice', () => {
    const a = pki.issue({ commonName: 'localhost' });
    const b = pki.issue({ commonName: 'localhost' });
    expect(a.keyFile).not.toBe(b.keyFile);
    expect(a.keyPem).not.toBe(b.keyPem);
  });
});

describe('test PKI lifetime', () => {
  it('keeps everything in one fresh directory that dispose removes', () => {
    const parentDir = fs.mkdtempSync(path.join(os.tmpdir(), 'poshil-pki-parent-'));
    try {
      const pki = createTestPki({ parentDir });
      const leaf = pki.issue({ commonName: 'localhost' });
      expect(path.dirname(pki.dir)).toBe(parentDir);
      expect(path.dirname(leaf.certFile)).toBe(pki.dir);
      pki.dispose();
      expect(fs.existsSync(pki.dir)).toBe(false);
      expect(() => pki.dispose()).not.toThrow();
      expect(catchError(() => pki.issue({ commonName: 'localhost' }))).toMatchObject({ code: 'PKI_DISPOSED' });
    } finally {
      fs.rmSync(parentDir, { recursive: true, force: true });
    }
  });
});

describe('test PKI errors', () => {
  it('says OPENSSL_MISSING, and creates no directory, when openssl cannot be started', () => {
    const parentDir = fs.mkdtempSync(path.join(os.tmpdir(), 'poshil-pki-parent-'));
    try {
      const missing = path.join(parentDir, 'no-such-openssl');
      expect(opensslAvailable(missing)).toEqual({ ok: false, reason: expect.stringMatching(/cannot run .*no-such-openssl.*install it/) });
      const err = catchError(() => createTestPki({ parentDir, openssl: missing }));
      expect(err).toBeInstanceOf(TlsSetupError);
      expect(err).toMatchObject({ code: 'OPENSSL_MISSING', exitCode: 2 });
      expect(fs.readdirSync(parentDir)).toEqual([]);
    } finally {
      fs.rmSync(parentDir, { recursive: true, force: true });
    }
  });

  describe('with a working PKI', () => {
    let pki: TestPki;
    beforeAll(() => {
      pki = createTestPki();
    });
    afterAll(() => pki.dispose());

    it("says OPENSSL_FAILED with openssl's own words when openssl refuses an input", () => {
      const err = catchError(() => pki.issue({ commonName: 'localhost', altNames: ['IP:not-an-address'] }));
      expect(err).toBeInstanceOf(TlsSetupError);
      expect(err).toMatchObject({ code: 'OPENSSL_FAILED' });
      expect((err as Error).message).toMatch(/^'openssl \w+' failed with exit code \d+: .*\S/s);
      expect((err as Error).message).toMatch(/IP/i);
    });

    it('says CERT_OPTIONS_INVALID for a subjectAltName entry openssl would misread', () => {
      expect(catchError(() => pki.issue({ commonName: 'x', altNames: ['localhost'] }))).toMatchObject({ code: 'CERT_OPTIONS_INVALID' });
      expect(catchError(() => pki.issue({ commonName: 'x', altNames: ['DNS:a, DNS:b'] }))).toMatchObject({ code: 'CERT_OPTIONS_INVALID' });
      expect(catchError(() => pki.selfSigned({ commonName: '' }))).toMatchObject({ code: 'CERT_OPTIONS_INVALID' });
    });
  });
});

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error, none was thrown');
}
