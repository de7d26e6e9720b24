import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PoshilError } from '../errors';

/**
 * Throwaway certificates for TLS tests, made at test time with the `openssl` command line.
 *
 * Nothing here is ever committed or reused: every PKI lives in its own fresh temporary directory
 * and dies with `dispose()`, so no private key outlives the test run that made it.
 *
 * Keys are EC P-256, not RSA 2048: generation takes milliseconds instead of a variable 50–500 ms
 * per key (tests stay fast and their timing steady), and P-256 with ECDSA is what current terminal
 * TLS stacks and every TLS version from 1.0 to 1.3 support. The price is that suites with RSA
 * key exchange (e.g. AES128-SHA) cannot be negotiated with these certificates; their ECDHE-ECDSA
 * counterparts can.
 *
 * Leaf certificates are signed with `openssl ca`, not `openssl x509 -req`: OpenSSL 3.0's x509
 * command can only start validity "now" (-not_before arrived in 3.4), while `ca -startdate
 * -enddate` sets both dates freely, which the expired and not-yet-valid certificates need.
 */

export type TlsSetupErrorCode =
  | 'OPENSSL_MISSING' // the openssl program could not be started
  | 'OPENSSL_FAILED' // openssl ran and refused; the message carries its stderr
  | 'CERT_OPTIONS_INVALID' // a common name or subjectAltName entry openssl would misread
  | 'PKI_DISPOSED'; // a certificate was asked of a PKI whose directory is already gone

/** Test certificates could not be made: the TLS tests cannot run, exit code 2. */
export class TlsSetupError extends PoshilError {
  declare readonly code: TlsSetupErrorCode;
  constructor(code: TlsSetupErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, { cause: options?.cause, exitCode: 2 });
  }
}

export interface CertFiles {
  certPem: string;
  keyPem: string;
  certFile: string;
  keyFile: string;
}

export type CertValidity = 'valid' | 'expired' | 'not-yet-valid';

export interface IssueOptions {
  commonName: string;
  /** subjectAltName entries such as 'DNS:localhost', 'IP:127.0.0.1'; default: derived from commonName. */
  altNames?: string[];
  validity?: CertValidity;
}

export interface TestPki {
  /** The fresh directory holding every file of this PKI; `dispose()` removes it. */
  dir: string;
  /** Self-signed CA that signs everything `issue` makes. */
  ca: CertFiles;
  /** A server/client certificate signed by `ca`. */
  issue(opts: IssueOptions): CertFiles;
  /** A certificate signed by its own key: no CA vouches for it. */
  selfSigned(opts: { commonName: string; altNames?: string[] }): CertFiles;
  /** Removes the directory and every key in it; safe to call twice. */
  dispose(): void;
}

export interface PkiOptions {
  /** Where the fresh directory is created; default the OS temp directory. */
  parentDir?: string;
  /** The openssl program; default `openssl` on PATH. */
  openssl?: string;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const HOUR_MS = 60 * 60 * 1000;

export function opensslAvailable(openssl = 'openssl'): { ok: true; version: string } | { ok: false; reason: string } {
  try {
    return { ok: true, version: runOpenssl(openssl, ['version'], os.tmpdir()).trim() };
  } catch (e) {
    return { ok: false, reason: (e as Error).message };
  }
}

export function createTestPki(options: PkiOptions = {}): TestPki {
  const openssl = options.openssl ?? 'openssl';
  // Fail before creating anything when openssl is not there, so no empty directories pile up.
  const available = opensslAvailable(openssl);
  if (!available.ok) throw new TlsSetupError('OPENSSL_MISSING', available.reason);

  const dir = fs.mkdtempSync(path.join(options.parentDir ?? os.tmpdir(), 'poshil-pki-'));
  const run = (args: string[]): string => runOpenssl(openssl, args, dir);
  // `req -newkey` makes the key and the request (or certificate) in one openssl start; the key
  // comes back on stdout so we write it ourselves, owner-only.
  const reqWithNewKey = (keyName: string, args: string[]): void => {
    writeKey(dir, keyName, run(['req', ...args, '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-noenc', '-keyout', '-']));
  };
  let disposed = false;
  let serial = 0;

  const dispose = (): void => {
    if (disposed) return;
    disposed = true;
    fs.rmSync(dir, { recursive: true, force: true });
  };

  try {
    // Relative paths only, with openssl running in `dir`: a temp path containing `$` or spaces
    // would otherwise be misread by OpenSSL's config parser.
    fs.writeFileSync(path.join(dir, 'openssl.cnf'), CONFIG);
    fs.writeFileSync(path.join(dir, 'index.txt'), '');
    fs.mkdirSync(path.join(dir, 'issued'));

    reqWithNewKey('ca.key', ['-config', 'openssl.cnf', '-x509', '-subj', subject('poshil test CA'), '-days', '7', '-extensions', 'ca_ext', '-out', 'ca.crt']);
    const ca = files(dir, 'ca.crt', 'ca.key');

    // Each leaf gets its own copy of the config with its subjectAltName section appended:
    // `openssl req` in 3.0 takes extensions only from its -config file (no -extfile).
    const newLeaf = (commonName: string, altNames: string[] | undefined): { base: string; config: string } => {
      // Without this, openssl would start in a missing directory and fail as if it were not installed.
      if (disposed) throw new TlsSetupError('PKI_DISPOSED', `test PKI ${dir} was disposed; create a new one with createTestPki()`);
      subject(commonName); // reject a bad name before anything is written
      const sans = altNames ?? defaultAltNames(commonName);
      sans.forEach(checkAltName);
      const base = `${slug(commonName)}-${++serial}`;
      const config = `${base}.cnf`;
      fs.writeFileSync(path.join(dir, config), CONFIG + leafExtensions(sans));
      return { base, config };
    };

    return {
      dir,
      ca,
      issue(opts) {
        const { base, config } = newLeaf(opts.commonName, opts.altNames);
        const { start, end } = validityWindow(opts.validity ?? 'valid', Date.now());
        reqWithNewKey(`${base}.key`, ['-config', config, '-new', '-subj', subject(opts.commonName), '-out', `${base}.csr`]);
        run(['ca', '-config', config, '-batch', '-notext', '-in', `${base}.csr`, '-out', `${base}.crt`, '-cert', 'ca.crt', '-keyfile', 'ca.key', '-startdate', start, '-enddate', end, '-extensions', 'leaf_ext']);
        return files(dir, `${base}.crt`, `${base}.key`);
      },
      selfSigned(opts) {
        const { base, config } = newLeaf(opts.commonName, opts.altNames);
        reqWithNewKey(`${base}.key`, ['-config', config, '-x509', '-subj', subject(opts.commonName), '-days', '1', '-extensions', 'leaf_ext', '-out', `${base}.crt`]);
        return files(dir, `${base}.crt`, `${base}.key`);
      },
      dispose,
    };
  } catch (e) {
    dispose();
    throw e;
  }
}

/**
 * The openssl configuration for the whole PKI. `unique_subject = no` lets one test issue a valid
 * and an expired certificate for the same name; `rand_serial` spares a serial file; the policy
 * asks only for a common name because these certificates identify nothing real.
 */
const CONFIG = `[ ca ]
default_ca = test_ca

[ test_ca ]
database = index.txt
new_certs_dir = issued
rand_serial = yes
unique_subject = no
default_md = sha256
policy = policy_any
email_in_dn = no
copy_extensions = none

[ policy_any ]
commonName = supplied

[ req ]
distinguished_name = dn
prompt = no

[ dn ]

[ ca_ext ]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
`;

function leafExtensions(altNames: string[]): string {
  const lines = [
    '[ leaf_ext ]',
    'basicConstraints = critical, CA:FALSE',
    'keyUsage = critical, digitalSignature',
    // Client auth too, so the same factory serves mutual-TLS tests where the harness is the client.
    'extendedKeyUsage = serverAuth, clientAuth',
    'subjectKeyIdentifier = hash',
  ];
  if (altNames.length > 0) lines.push(`subjectAltName = ${altNames.join(', ')}`);
  return `${lines.join('\n')}\n`;
}

/**
 * TLS clients match names against subjectAltName only and ignore the common name when SANs are
 * present (RFC 6125), so a certificate "for localhost" needs a DNS entry saying so.
 */
function defaultAltNames(commonName: string): string[] {
  if (net.isIP(commonName)) return [`IP:${commonName}`];
  if (/^[A-Za-z0-9*]([A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(commonName)) return [`DNS:${commonName}`];
  return [];
}

/** Shape only: openssl itself judges the value (a bad IP address ends as OPENSSL_FAILED). */
function checkAltName(entry: string): void {
  if (!/^(DNS|IP|URI|email):[^,\n\r]+$/.test(entry)) {
    throw new TlsSetupError('CERT_OPTIONS_INVALID', `subjectAltName entry '${entry}' must look like 'DNS:localhost' or 'IP:127.0.0.1' (one name, no commas)`);
  }
}

function subject(commonName: string): string {
  if (commonName === '' || /[\n\r]/.test(commonName)) {
    throw new TlsSetupError('CERT_OPTIONS_INVALID', `certificate common name must be one non-empty line, got ${JSON.stringify(commonName)}`);
  }
  // In -subj, '/' separates attributes and '+' joins multi-valued ones; a backslash escapes both.
  return `/CN=${commonName.replace(/[\\/+=]/g, (c) => `\\${c}`)}`;
}

function slug(name: string): string {
  return name.replace(/[^A-Za-z0-9.-]+/g, '_').slice(0, 40) || 'cert';
}

function validityWindow(validity: CertValidity, now: number): { start: string; end: string } {
  switch (validity) {
    // An hour of slack in the past so a server and client with slightly different clocks agree.
    case 'valid':
      return { start: asn1Time(now - HOUR_MS), end: asn1Time(now + 7 * DAY_MS) };
    case 'expired':
      return { start: asn1Time(now - 2 * DAY_MS), end: asn1Time(now - DAY_MS) };
    case 'not-yet-valid':
      return { start: asn1Time(now + DAY_MS), end: asn1Time(now + 2 * DAY_MS) };
  }
}

/** YYYYMMDDHHMMSSZ, the form `openssl ca -startdate/-enddate` takes. */
function asn1Time(ms: number): string {
  return `${new Date(ms).toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`;
}

function writeKey(dir: string, name: string, pem: string): void {
  // Written by us rather than by `-keyout file` so the mode does not depend on openssl's habits;
  // 'wx' refuses to reuse a file that somehow already exists.
  fs.writeFileSync(path.join(dir, name), pem, { mode: 0o600, flag: 'wx' });
}

function files(dir: string, certName: string, keyName: string): CertFiles {
  const certFile = path.join(dir, certName);
  const keyFile = path.join(dir, keyName);
  return { certFile, keyFile, certPem: fs.readFileSync(certFile, 'utf8'), keyPem: fs.readFileSync(keyFile, 'utf8') };
}

/** Runs openssl without a shell; stdout on success, a TlsSetupError naming the step otherwise. */
function runOpenssl(openssl: string, args: string[], cwd: string): string {
  const r = spawnSync(openssl, args, { cwd, encoding: 'utf8', timeout: 30_000 });
  if (r.error) {
    const code = (r.error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EACCES') {
      throw new TlsSetupError('OPENSSL_MISSING', `cannot run '${openssl}' (${code}): the TLS tests need the OpenSSL command line tool; install it (e.g. apt-get install openssl) or put it on PATH`, { cause: r.error });
    }
    throw new TlsSetupError('OPENSSL_FAILED', `'${openssl} ${args[0]}' did not finish: ${r.error.message}`, { cause: r.error });
  }
  if (r.status !== 0) {
    const how = r.status === null ? `was killed by ${r.signal}` : `failed with exit code ${r.status}`;
    throw new TlsSetupError('OPENSSL_FAILED', `'${openssl} ${args[0]}' ${how}: ${r.stderr.trim() || '(no message on stderr)'}`);
  }
  return r.stdout;
}
