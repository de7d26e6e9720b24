import net from 'node:net';
import tls from 'node:tls';
import type { X509Certificate } from 'node:crypto';
import { DeviceUnreachableError } from '../errors';

/**
 * Asks a TLS server (a terminal that listens on TLS) what it accepts, one handshake per question:
 * each protocol version alone, then each family of weak cipher suites alone, plus one ordinary
 * handshake for the negotiated defaults and the certificate.
 *
 * The probe is a deliberately permissive client. It does not verify the certificate (it reports
 * it) and it lowers OpenSSL's security level to 0, because Node's OpenSSL 3 at its default level
 * refuses the SHA-1 signatures TLS 1.0/1.1 handshakes need and every NULL and anonymous suite:
 * without that the probe would call a device compliant only because the probe could not ask.
 * What this client cannot offer even then is reported `testable: false`, never `accepted: false`.
 *
 * Handshakes run one after another, not in parallel: terminal TLS stacks often serve one or two
 * sessions at a time and would refuse parallel probes for reasons that have nothing to do with TLS.
 */

export type TlsVersionName = 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';

export interface TlsVersionResult {
  version: TlsVersionName;
  accepted: boolean;
  /** The suite the server picked when it accepted this version. */
  cipher?: string;
  /** Why the handshake failed, when it did. */
  error?: string;
  /** False when this Node/OpenSSL build cannot offer the version at all, so nothing was learned. */
  testable: boolean;
}

export interface WeakCipherResult {
  /** The family of suites, e.g. 'NULL', 'aNULL', '3DES'. */
  name: string;
  accepted: boolean;
  /** False when this Node/OpenSSL build has no suite of the family to offer. */
  testable: boolean;
  /** The suite the server picked when it accepted one of the family. */
  cipher?: string;
}

export interface TlsCertificateInfo {
  subject: string;
  issuer: string;
  /** ISO 8601. */
  validFrom: string;
  validTo: string;
  fingerprint256: string;
  /** Whether the chain and name verify against `ca` (or Node's default roots when none given). */
  verified: boolean;
  /** OpenSSL's or Node's reason when not verified, e.g. 'CERT_HAS_EXPIRED'. */
  verifyError?: string;
}

export interface TlsProbeResult {
  endpoint: string;
  versions: TlsVersionResult[];
  weakCiphers: WeakCipherResult[];
  /** What an ordinary modern client (Node's defaults) ends up with. */
  negotiated?: { version: string; cipher: string };
  certificate?: TlsCertificateInfo;
}

export interface TlsProbeOptions {
  host: string;
  port: number;
  /** SNI name and the name the certificate is checked against; default the host unless it is an IP. */
  servername?: string;
  /** Bound on each single handshake, TCP connect included; default 3000 ms. */
  timeoutMs?: number;
  /** CA certificate(s) for the `verified` verdict in the certificate report. */
  ca?: string | Buffer;
}

const VERSIONS: readonly TlsVersionName[] = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];

/** Versions the policy forbids: TLS 1.0 and 1.1 (RFC 8996 deprecates both; PCI DSS requires 1.2+). */
const WEAK_VERSIONS: ReadonlySet<TlsVersionName> = new Set(['TLSv1', 'TLSv1.1']);

/**
 * Suite families the policy forbids, as OpenSSL cipher strings. Same list as the ClientHello check
 * (client-hello.ts): what PCI DSS does not count as strong cryptography. CBC-mode suites with SHA-1
 * MACs (AES128-SHA, ECDHE-ECDSA-AES128-SHA) are deliberately not on it: they are still acceptable
 * under TLS 1.2 and flagging them would fail most terminals in the field for no finding a QSA
 * would raise. The TLS 1.0/1.1 check already catches the stacks where CBC is actually dangerous.
 */
const WEAK_SUITES: readonly { name: string; cipherString: string; described: string }[] = [
  { name: 'NULL', cipherString: 'eNULL', described: 'NULL-encryption suites (traffic in clear text)' },
  { name: 'aNULL', cipherString: 'aNULL', described: 'anonymous suites (no server authentication)' },
  { name: 'EXPORT', cipherString: 'EXPORT', described: 'export-grade suites (40/56-bit keys)' },
  { name: 'RC4', cipherString: 'RC4', described: 'RC4 suites' },
  { name: 'DES', cipherString: 'DES', described: 'single-DES suites' },
  { name: '3DES', cipherString: '3DES', described: '3DES suites (SWEET32)' },
];

/** @SECLEVEL=0 lets OpenSSL 3 use SHA-1 signatures, short keys and NULL/anonymous suites. */
const PERMISSIVE = '@SECLEVEL=0';
const DEFAULT_TIMEOUT_MS = 3000;

/**
 * OpenSSL errors raised while *building* the ClientHello: the client had nothing to offer, so the
 * server was never asked. (OpenSSL still sends a 7-byte alert, so bytes written do not tell.)
 */
const CLIENT_CANNOT_OFFER = new Set(['ERR_SSL_NO_PROTOCOLS_AVAILABLE', 'ERR_SSL_NO_CIPHERS_AVAILABLE', 'ERR_SSL_NO_CIPHER_MATCH']);

interface Accepted {
  outcome: 'accepted';
  version: string;
  cipher: string;
  certificate?: X509Certificate;
  authorized: boolean;
  authorizationError?: string;
}

type Handshake =
  | Accepted
  | { outcome: 'refused'; error: string } // the server declined, closed, or stayed silent
  | { outcome: 'not-offered'; error: string } // this client could not even ask
  | { outcome: 'no-tcp'; error: string }; // nothing accepted the TCP connection

interface Target {
  host: string;
  port: number;
  servername?: string;
  timeoutMs: number;
  ca?: string | Buffer;
}

export async function probeTlsServer(opts: TlsProbeOptions): Promise<TlsProbeResult> {
  const target: Target = {
    host: opts.host,
    port: opts.port,
    // Node warns when SNI carries an IP address (RFC 6066 forbids it), so only names are sent.
    servername: opts.servername ?? (net.isIP(opts.host) ? undefined : opts.host),
    timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    ca: opts.ca,
  };
  const endpoint = `${net.isIPv6(opts.host) ? `[${opts.host}]` : opts.host}:${opts.port}`;

  const first = await handshake(target, {});
  if (first.outcome === 'no-tcp') {
    throw new DeviceUnreachableError(`TLS probe: nothing accepted a TCP connection on ${endpoint} (${first.error}); check the device is on, cabled, and listening for TLS on that port`);
  }

  const versions: TlsVersionResult[] = [];
  const accepted: Accepted[] = first.outcome === 'accepted' ? [first] : [];
  for (const version of VERSIONS) {
    const h = await handshake(target, { minVersion: version, maxVersion: version, ciphers: `DEFAULT${PERMISSIVE}` });
    if (h.outcome === 'accepted') accepted.push(h);
    versions.push(
      h.outcome === 'accepted'
        ? { version, accepted: true, cipher: h.cipher, testable: true }
        : { version, accepted: false, error: h.error, testable: h.outcome !== 'not-offered' },
    );
  }

  const weakCiphers: WeakCipherResult[] = [];
  for (const suite of WEAK_SUITES) {
    // TLS 1.3 is capped off: its suites are set apart from `ciphers` and would be offered anyway,
    // turning "accepts NULL" into "accepts TLS 1.3".
    const h = await handshake(target, { minVersion: 'TLSv1', maxVersion: 'TLSv1.2', ciphers: `${suite.cipherString}${PERMISSIVE}` });
    if (h.outcome === 'accepted') accepted.push(h);
    weakCiphers.push(
      h.outcome === 'accepted' ? { name: suite.name, accepted: true, testable: true, cipher: h.cipher } : { name: suite.name, accepted: false, testable: h.outcome !== 'not-offered' },
    );
  }

  const result: TlsProbeResult = { endpoint, versions, weakCiphers };
  if (first.outcome === 'accepted') result.negotiated = { version: first.version, cipher: first.cipher };
  // The default handshake's certificate when there is one; else any handshake that got one (a
  // TLS 1.0-only terminal still has a certificate worth reporting).
  const withCert = accepted.find((h) => h.certificate);
  if (withCert) result.certificate = describeCertificate(withCert);
  return result;
}

/**
 * What the result breaks of the policy, one sentence per finding; empty means compliant.
 * Checks that could not run (`testable: false`) are not findings: they say nothing about the
 * device, only about this machine's OpenSSL.
 */
export function tlsPolicyViolations(result: TlsProbeResult): string[] {
  const out: string[] = [];
  for (const v of result.versions) {
    if (v.accepted && WEAK_VERSIONS.has(v.version)) {
      out.push(`${result.endpoint} accepts ${humanVersion(v.version)}${v.cipher ? `, negotiated ${v.cipher}` : ''}; policy: TLS 1.2 or later only`);
    }
  }
  for (const w of result.weakCiphers) {
    if (!w.accepted) continue;
    const described = WEAK_SUITES.find((s) => s.name === w.name)?.described ?? `${w.name} suites`;
    out.push(`${result.endpoint} accepts ${described}${w.cipher ? `, negotiated ${w.cipher}` : ''}; policy: no NULL, anonymous, export, RC4, DES or 3DES suites`);
  }
  return out;
}

/** 'TLSv1' → 'TLS 1.0': the way the version appears in standards and audit reports. */
function humanVersion(v: TlsVersionName): string {
  return v === 'TLSv1' ? 'TLS 1.0' : v.replace('TLSv', 'TLS ');
}

function describeCertificate(h: Accepted): TlsCertificateInfo {
  const c = h.certificate as X509Certificate;
  const info: TlsCertificateInfo = {
    subject: c.subject.split('\n').join(', '),
    issuer: c.issuer.split('\n').join(', '),
    validFrom: isoDate(c.validFrom),
    validTo: isoDate(c.validTo),
    fingerprint256: c.fingerprint256,
    verified: h.authorized,
  };
  if (!h.authorized && h.authorizationError) info.verifyError = h.authorizationError;
  return info;
}

function isoDate(openSslDate: string): string {
  const d = new Date(openSslDate);
  return Number.isNaN(d.getTime()) ? openSslDate : d.toISOString();
}

/**
 * One handshake, TCP connect included, bounded by the timeout. TCP is connected by hand so a dead
 * endpoint ('no-tcp') is told apart from a live one that refuses the TLS offer ('refused').
 * Listeners stay attached ('on', not 'once') after settling: a late second 'error' from a socket
 * being torn down must not become an unhandled error that kills the harness.
 */
function handshake(target: Target, offer: Pick<tls.ConnectionOptions, 'minVersion' | 'maxVersion' | 'ciphers'>): Promise<Handshake> {
  // An unknown cipher string throws here, synchronously: the client has nothing of that family.
  try {
    tls.createSecureContext(offer);
  } catch (e) {
    return Promise.resolve({ outcome: 'not-offered', error: errorText(e) });
  }

  return new Promise<Handshake>((resolve) => {
    let tlsSocket: tls.TLSSocket | undefined;
    let settled = false;
    const raw = net.connect({ host: target.host, port: target.port });
    const finish = (h: Handshake): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      tlsSocket?.destroy();
      raw.destroy();
      resolve(h);
    };
    const timer = setTimeout(() => {
      finish(
        tlsSocket
          ? { outcome: 'refused', error: `no TLS answer within ${target.timeoutMs} ms` }
          : { outcome: 'no-tcp', error: `TCP connect timed out after ${target.timeoutMs} ms` },
      );
    }, target.timeoutMs);

    raw.on('error', (e) => {
      if (!tlsSocket) finish({ outcome: 'no-tcp', error: errorText(e) });
    });
    raw.once('connect', () => {
      const s = tls.connect({
        socket: raw,
        host: target.host,
        ...offer,
        servername: target.servername,
        ca: target.ca,
        rejectUnauthorized: false, // the probe reports the certificate; it does not judge it here
      });
      tlsSocket = s;
      s.once('secureConnect', () => {
        finish({
          outcome: 'accepted',
          version: s.getProtocol() ?? 'unknown',
          cipher: s.getCipher().name,
          certificate: s.getPeerX509Certificate(),
          authorized: s.authorized,
          authorizationError: s.authorizationError === undefined ? undefined : String(s.authorizationError),
        });
      });
      s.on('error', (e: NodeJS.ErrnoException) => {
        finish(e.code && CLIENT_CANNOT_OFFER.has(e.code) ? { outcome: 'not-offered', error: errorText(e) } : { outcome: 'refused', error: errorText(e) });
      });
      // A server that hangs up without an alert may end the socket with no 'error' at all.
      s.once('close', () => finish({ outcome: 'refused', error: 'the server closed the connection during the handshake' }));
    });
  });
}

/** OpenSSL messages carry a hex prefix and a source file path; the reason is what helps. */
function errorText(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (err.syscall && err.code) return err.code; // ECONNREFUSED, ECONNRESET: the code says it all
  const reason = /:SSL routines:[^:]*:([^:]+)/.exec(err.message ?? '')?.[1];
  if (reason) return err.code ? `${reason} (${err.code})` : reason;
  return err.code && !err.message.includes(err.code) ? `${err.message} (${err.code})` : String(err.message ?? e);
}
