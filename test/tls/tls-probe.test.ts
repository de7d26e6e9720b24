import net from 'node:net';
import tls from 'node:tls';
import { DeviceUnreachableError } from '../../harness/errors';
import { createTestPki, probeTlsServer, tlsPolicyViolations } from '../../harness/tls';
import type { CertFiles, TestPki, TlsProbeResult } from '../../harness/tls';

/**
 * Every "device" here is a Node server on 127.0.0.1 configured the way a terminal might be:
 * modern only, still speaking TLS 1.0, offering a NULL-encryption suite, silent, or rude.
 * What the probe finds is checked against what the server was told to allow.
 */

const servers: net.Server[] = [];
const connections = new Set<net.Socket>();
let pki: TestPki;
let cert: CertFiles;

async function listen(server: net.Server): Promise<number> {
  servers.push(server);
  server.on('connection', (s: net.Socket) => {
    connections.add(s);
    s.on('close', () => connections.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
}

function tlsDevice(options: tls.TlsOptions, certificate: CertFiles = cert): Promise<number> {
  return listen(
    tls.createServer({ key: certificate.keyPem, cert: certificate.certPem, ...options }, (s) => {
      s.on('error', () => {});
      s.end();
    }),
  );
}

function version(result: TlsProbeResult, name: string): TlsProbeResult['versions'][number] {
  const v = result.versions.find((x) => x.version === name);
  if (!v) throw new Error(`no result for ${name}`);
  return v;
}

beforeAll(() => {
  pki = createTestPki();
  cert = pki.issue({ commonName: 'localhost', altNames: ['DNS:localhost', 'IP:127.0.0.1'] });
});

afterAll(async () => {
  for (const s of connections) s.destroy();
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  pki.dispose();
});

describe('probeTlsServer', () => {
  describe('against a device that allows TLS 1.2 and later only', () => {
    let result: TlsProbeResult;
    beforeAll(async () => {
      const port = await tlsDevice({ minVersion: 'TLSv1.2' });
      result = await probeTlsServer({ host: '127.0.0.1', port, ca: pki.ca.certPem });
    });

    it('finds TLS 1.2 and TLS 1.3 accepted, naming the suite each settled on', () => {
      expect(version(result, 'TLSv1.2')).toMatchObject({ accepted: true, testable: true, cipher: expect.any(String) });
      expect(version(result, 'TLSv1.3')).toMatchObject({ accepted: true, testable: true, cipher: expect.stringMatching(/^TLS_/) });
    });

    it('finds TLS 1.0 and 1.1 not accepted, refused by the server with a protocol-version alert', () => {
      for (const name of ['TLSv1', 'TLSv1.1']) {
        const v = version(result, name);
        expect(v.accepted).toBe(false);
        // On a build whose client cannot offer the version, nothing was asked: no alert to see.
        if (v.testable) expect(v.error).toMatch(/protocol version/);
      }
    });

    it('finds no weak suite accepted', () => {
      expect(result.weakCiphers.filter((w) => w.accepted)).toEqual([]);
      expect(result.weakCiphers.map((w) => w.name)).toEqual(['NULL', 'aNULL', 'EXPORT', 'RC4', 'DES', '3DES']);
    });

    it('reports what an ordinary client negotiates by default', () => {
      expect(result.negotiated).toEqual({ version: 'TLSv1.3', cipher: expect.stringMatching(/^TLS_/) });
    });

    it('reports the certificate, verified against the given CA', () => {
      expect(result.certificate).toEqual({
        subject: 'CN=localhost',
        issuer: 'CN=poshil test CA',
        validFrom: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        validTo: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        fingerprint256: expect.stringMatching(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/),
        verified: true,
      });
    });

    it('is compliant with the policy', () => {
      expect(tlsPolicyViolations(result)).toEqual([]);
    });
  });

  describe('against a device that still allows TLS 1.0', () => {
    let result: TlsProbeResult;
    beforeAll(async () => {
      const port = await tlsDevice({ minVersion: 'TLSv1', ciphers: 'DEFAULT@SECLEVEL=0' });
      result = await probeTlsServer({ host: '127.0.0.1', port });
    });

    it('finds TLS 1.0 accepted and reports it as a policy violation (or says it could not test it)', () => {
      const v1 = version(result, 'TLSv1');
      if (v1.testable) {
        expect(v1).toMatchObject({ accepted: true, cipher: expect.any(String) });
        expect(tlsPolicyViolations(result)).toContainEqual(expect.stringMatching(/accepts TLS 1\.0\b.*policy: TLS 1\.2 or later only/));
      } else {
        // The weak-suite device below proves the violation path on such a build.
        expect(v1.accepted).toBe(false);
        expect(tlsPolicyViolations(result).join('\n')).not.toMatch(/TLS 1\.0/);
      }
    });

    it('still reports the certificate, unverified because no CA was given', () => {
      expect(result.certificate).toMatchObject({ subject: 'CN=localhost', verified: false, verifyError: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
    });
  });

  describe('against a TLS 1.2 device that also offers a NULL-encryption suite', () => {
    let result: TlsProbeResult;
    beforeAll(async () => {
      const port = await tlsDevice({ minVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-NULL-SHA@SECLEVEL=0' });
      result = await probeTlsServer({ host: '127.0.0.1', port });
    });

    it('finds the NULL suite accepted and reports it as a policy violation', () => {
      expect(result.weakCiphers.find((w) => w.name === 'NULL')).toEqual({ name: 'NULL', accepted: true, testable: true, cipher: 'ECDHE-ECDSA-NULL-SHA' });
      expect(tlsPolicyViolations(result)).toEqual([expect.stringMatching(/accepts NULL-encryption suites.*ECDHE-ECDSA-NULL-SHA/)]);
    });

    it('marks suite families this OpenSSL cannot offer as untestable, never as refused', () => {
      for (const w of result.weakCiphers.filter((x) => !x.testable)) expect(w.accepted).toBe(false);
      // Node's OpenSSL 3 is built without RC4 and export suites; nothing can be learned about them.
      expect(result.weakCiphers.find((w) => w.name === 'RC4')?.testable).toBe(false);
      expect(result.weakCiphers.find((w) => w.name === 'EXPORT')?.testable).toBe(false);
    });
  });

  describe('against an expired certificate', () => {
    it('completes the probe and reports the certificate as expired', async () => {
      const port = await tlsDevice({}, pki.issue({ commonName: 'localhost', validity: 'expired' }));
      const result = await probeTlsServer({ host: '127.0.0.1', port, servername: 'localhost', ca: pki.ca.certPem });
      expect(result.negotiated).toBeDefined();
      expect(result.certificate).toMatchObject({ verified: false, verifyError: 'CERT_HAS_EXPIRED' });
      expect(new Date(result.certificate?.validTo ?? '').getTime()).toBeLessThan(Date.now());
    });
  });

  describe('against endpoints that do not behave', () => {
    it('gives up on each handshake after the timeout when the device accepts TCP but never answers', async () => {
      // Reads and drops what the probe sends, so it sees the probe hang up; answers nothing.
      const port = await listen(net.createServer((s) => s.on('error', () => {}).resume()));
      const started = Date.now();
      const result = await probeTlsServer({ host: '127.0.0.1', port, timeoutMs: 50 });
      expect(Date.now() - started).toBeLessThan(1500);
      expect(result.negotiated).toBeUndefined();
      expect(result.certificate).toBeUndefined();
      for (const v of result.versions.filter((x) => x.testable)) expect(v).toMatchObject({ accepted: false, error: 'no TLS answer within 50 ms' });
      expect(tlsPolicyViolations(result)).toEqual([]);
    });

    it('records a refusal when the device hangs up on every connection', async () => {
      const port = await listen(net.createServer((s) => s.destroy()));
      const result = await probeTlsServer({ host: '127.0.0.1', port, timeoutMs: 1000 });
      for (const v of result.versions) expect(v.accepted).toBe(false);
      for (const v of result.versions.filter((x) => x.testable)) expect(v.error).toMatch(/disconnected|closed|ECONNRESET/);
      expect(result.negotiated).toBeUndefined();
      expect(tlsPolicyViolations(result)).toEqual([]);
    });

    it('throws DeviceUnreachableError when nothing listens on the port', async () => {
      const closed = net.createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const port = (closed.address() as net.AddressInfo).port;
      await new Promise((r) => closed.close(r));
      const err = await probeTlsServer({ host: '127.0.0.1', port }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DeviceUnreachableError);
      expect(err).toMatchObject({ code: 'DEVICE_UNREACHABLE', message: expect.stringMatching(new RegExp(`127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\)`)) });
    });
  });
});

describe('tlsPolicyViolations', () => {
  const base: TlsProbeResult = {
    endpoint: 'terminal:8443',
    versions: [
      { version: 'TLSv1', accepted: false, testable: false, error: 'no protocols available' },
      { version: 'TLSv1.1', accepted: true, testable: true, cipher: 'ECDHE-RSA-AES128-SHA' },
      { version: 'TLSv1.2', accepted: true, testable: true, cipher: 'ECDHE-RSA-AES128-GCM-SHA256' },
      { version: 'TLSv1.3', accepted: false, testable: true, error: 'protocol version' },
    ],
    weakCiphers: [
      { name: '3DES', accepted: false, testable: false },
      { name: 'aNULL', accepted: true, testable: true, cipher: 'AECDH-AES128-SHA' },
    ],
  };

  it('names each forbidden version and suite family the device accepted, one finding each', () => {
    expect(tlsPolicyViolations(base)).toEqual([
      'terminal:8443 accepts TLS 1.1, negotiated ECDHE-RSA-AES128-SHA; policy: TLS 1.2 or later only',
      'terminal:8443 accepts anonymous suites (no server authentication), negotiated AECDH-AES128-SHA; policy: no NULL, anonymous, export, RC4, DES or 3DES suites',
    ]);
  });

  it('does not count checks this machine could not run as findings', () => {
    const onlyUntestable = { ...base, versions: base.versions.filter((v) => v.version !== 'TLSv1.1'), weakCiphers: base.weakCiphers.filter((w) => !w.testable) };
    expect(tlsPolicyViolations(onlyUntestable)).toEqual([]);
  });

  it('does not count CBC-SHA1 suites under TLS 1.2 as weak', () => {
    const cbc = { ...base, versions: [{ version: 'TLSv1.2' as const, accepted: true, testable: true, cipher: 'ECDHE-ECDSA-AES128-SHA' }], weakCiphers: [] };
    expect(tlsPolicyViolations(cbc)).toEqual([]);
  });
});
