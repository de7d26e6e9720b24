import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { keyFilePermissionWarning } from '../crypto/keys';
import { PoshilError } from '../errors';
import { POSHIL_VERSION } from '../version';
import type { RunSigner } from './model';

/**
 * Signed evidence: once a run's reports are written, manifest.json lists every file in the run
 * directory (path, size, sha-256) and manifest.sig holds an Ed25519 signature over the exact
 * bytes of manifest.json. `poshil verify` then shows that nothing was changed, removed or added
 * since. Keys are PEM: PKCS#8 private keys and SPKI public keys, as
 * `openssl genpkey -algorithm ed25519` and `openssl pkey -pubout` write them. A key is named by
 * its fingerprint: "sha256:" + the hex sha-256 of the public key's SubjectPublicKeyInfo DER
 * (the same as `openssl pkey -pubin -in key.pub -outform DER | sha256sum`).
 */
export const MANIFEST_FILE = 'manifest.json';
export const SIGNATURE_FILE = 'manifest.sig';
export const MANIFEST_FORMAT = 'poshil-evidence-manifest';
export const MANIFEST_VERSION = 1;
const FINGERPRINT_OF = "sha-256 of the public key's SubjectPublicKeyInfo DER encoding, hex";
const NEW_KEY_HINT = 'make one with: openssl genpkey -algorithm ed25519 -out signing-key.pem';

export interface ManifestEntry {
  /** Relative to the run directory, "/"-separated, e.g. "wire/ecr.ndjson". */
  path: string;
  size: number;
  sha256: string;
}

export interface EvidenceManifest {
  format: typeof MANIFEST_FORMAT;
  version: typeof MANIFEST_VERSION;
  createdAt: string;
  poshilVersion: string;
  signer: RunSigner & { fingerprintOf: string };
  /** Every file under the run directory except manifest.json and manifest.sig, sorted by path. */
  files: ManifestEntry[];
}

export type KeyInput = string | Buffer | crypto.KeyObject;

/** "sha256:" + hex sha-256 of the SubjectPublicKeyInfo DER of a public key (or of a private key's public half). */
export function keyFingerprint(key: crypto.KeyObject): string {
  const publicKey = key.type === 'private' ? crypto.createPublicKey(key) : key;
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return `sha256:${crypto.createHash('sha256').update(der).digest('hex')}`;
}

function keyTypeName(type: string | undefined): string {
  switch (type) {
    case 'rsa':
    case 'rsa-pss':
      return 'an RSA key';
    case 'ec':
      return 'an EC (ECDSA) key';
    case 'dsa':
      return 'a DSA key';
    case 'ed448':
      return 'an Ed448 key';
    case 'x25519':
    case 'x448':
      return `an ${type.toUpperCase()} key (key agreement, it cannot sign)`;
    default:
      return type ? `a ${type} key` : 'not an asymmetric key';
  }
}

function requireEd25519(key: crypto.KeyObject, from: string): void {
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new PoshilError('SIGN_KEY_TYPE', `${from} is ${keyTypeName(key.asymmetricKeyType)}; poshil signs evidence with Ed25519 keys only — ${NEW_KEY_HINT}`, { exitCode: 2 });
  }
}

/** An Ed25519 private key from PKCS#8 PEM (or a KeyObject). PoshilError (exit 2) for anything else. */
export function signingKey(input: KeyInput, from = 'the signing key'): crypto.KeyObject {
  let key: crypto.KeyObject;
  if (input instanceof crypto.KeyObject) {
    key = input;
    if (key.type !== 'private') throw new PoshilError('SIGN_KEY', `${from} is a ${key.type} key; signing needs the private key`, { exitCode: 2 });
  } else {
    const text = input.toString();
    if (/-----BEGIN PUBLIC KEY-----/.test(text)) {
      throw new PoshilError('SIGN_KEY', `${from} is a public key; signing needs the private key (the public key is for poshil verify --pub)`, { exitCode: 2 });
    }
    try {
      key = crypto.createPrivateKey({ key: input, format: 'pem' });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ERR_MISSING_PASSPHRASE' || /ENCRYPTED PRIVATE KEY/.test(text)) {
        throw new PoshilError('SIGN_KEY', `${from} is protected by a passphrase; poshil needs an unencrypted PKCS#8 PEM key file (keep it private with chmod 600)`, { exitCode: 2 });
      }
      throw new PoshilError('SIGN_KEY', `${from} is not a PEM private key (expected "-----BEGIN PRIVATE KEY-----", PKCS#8); ${NEW_KEY_HINT}`, { exitCode: 2 });
    }
  }
  requireEd25519(key, from);
  return key;
}

/** An Ed25519 public key from SPKI PEM (or a KeyObject). A private key is refused: it does not belong on a verifying machine. */
export function verifyingKey(input: KeyInput, from = 'the public key'): crypto.KeyObject {
  let key: crypto.KeyObject;
  if (input instanceof crypto.KeyObject) {
    key = input.type === 'private' ? crypto.createPublicKey(input) : input;
    if (key.type !== 'public') throw new PoshilError('VERIFY_KEY', `${from} is a ${key.type} key, not a public key`, { exitCode: 2 });
  } else {
    const text = input.toString();
    if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text)) {
      throw new PoshilError('VERIFY_KEY', `${from} is a private key; give the public key instead (openssl pkey -in signing-key.pem -pubout -out signing-key.pub) and keep the private key off this machine`, { exitCode: 2 });
    }
    try {
      key = crypto.createPublicKey({ key: input, format: 'pem' });
    } catch {
      throw new PoshilError('VERIFY_KEY', `${from} is not a PEM public key (expected "-----BEGIN PUBLIC KEY-----", as openssl pkey -pubout writes)`, { exitCode: 2 });
    }
  }
  requireEd25519(key, from);
  return key;
}

export interface LoadedKeyFile {
  key: crypto.KeyObject;
  fingerprint: string;
  /** e.g. the key file is readable by group or others (private keys only). */
  warnings: string[];
}

function readKeyFile(file: string, from: string): { text: string; mode: number } {
  try {
    const mode = fs.statSync(file).mode;
    return { text: fs.readFileSync(file, 'utf8'), mode };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'does not exist' : code === 'EACCES' ? 'cannot be read (permission denied)' : code === 'EISDIR' ? 'is a directory' : `cannot be read (${code ?? 'error'})`;
    throw new PoshilError('KEY_FILE', `${from} ${why}`, { exitCode: 2 });
  }
}

/** The private key file of poshil run --sign-key; a warning when group or others can read it. */
export function loadSigningKeyFile(file: string): LoadedKeyFile {
  const from = `key file ${file}`;
  const { text, mode } = readKeyFile(file, from);
  const key = signingKey(text, from);
  const warning = keyFilePermissionWarning(file, mode);
  return { key, fingerprint: keyFingerprint(key), warnings: warning ? [warning] : [] };
}

/** The public key file of poshil verify --pub. */
export function loadVerifyingKeyFile(file: string): LoadedKeyFile {
  const from = `public key file ${file}`;
  const key = verifyingKey(readKeyFile(file, from).text, from);
  return { key, fingerprint: keyFingerprint(key), warnings: [] };
}

/** What report.run.signer says for a key. */
export function runSigner(key: crypto.KeyObject): RunSigner {
  return { algorithm: 'Ed25519', fingerprint: keyFingerprint(key) };
}

interface DirListing {
  files: string[];
  /** Symbolic links, sockets, …: never signed; a directory holding one is refused or flagged. */
  irregular: string[];
}

function isManifestFile(rel: string): boolean {
  return rel === MANIFEST_FILE || rel === SIGNATURE_FILE;
}

function listRunDir(runDir: string): DirListing {
  const files: string[] = [];
  const irregular: string[] = [];
  const walk = (dir: string, prefix: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const rel = prefix + entry.name;
      if (entry.isDirectory()) walk(path.join(dir, entry.name), `${rel}/`);
      else if (entry.isFile()) {
        if (!isManifestFile(rel)) files.push(rel);
      } else if (!isManifestFile(rel)) irregular.push(rel);
    }
  };
  walk(runDir, '');
  const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  return { files: files.sort(byCodeUnit), irregular: irregular.sort(byCodeUnit) };
}

/** Size and sha-256 of a file, read in chunks (a soak run's wire trace can be large). */
function hashFile(file: string): { size: number; sha256: string } {
  const hash = crypto.createHash('sha256');
  const buffer = Buffer.allocUnsafe(1 << 20);
  const fd = fs.openSync(file, 'r');
  let size = 0;
  try {
    for (;;) {
      const n = fs.readSync(fd, buffer, 0, buffer.length, null);
      if (n === 0) break;
      hash.update(buffer.subarray(0, n));
      size += n;
    }
  } finally {
    fs.closeSync(fd);
  }
  return { size, sha256: hash.digest('hex') };
}

function requireDirectory(runDir: string, code: string): void {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(runDir);
  } catch {
    throw new PoshilError(code, `run directory ${runDir} does not exist`, { exitCode: 2 });
  }
  if (!stat.isDirectory()) throw new PoshilError(code, `${runDir} is not a directory (give the run's report directory)`, { exitCode: 2 });
}

/** Written next to its target and renamed over it, so a reader never sees half a file. */
function writeAtomically(file: string, content: string): void {
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  fs.writeFileSync(temporary, content);
  fs.renameSync(temporary, file);
}

export interface SignedManifest {
  manifest: EvidenceManifest;
  manifestFile: string;
  signatureFile: string;
}

/**
 * Writes manifest.json (every file under runDir but the manifest and its signature, sorted, with
 * size and sha-256) and manifest.sig (base64 Ed25519 signature over manifest.json's exact bytes).
 * Throws PoshilError (exit 2) for a key that is not Ed25519 and for a run directory holding
 * something other than files and directories (a symbolic link cannot be signed faithfully).
 */
export function writeSignedManifest(runDir: string, privateKeyPem: KeyInput, options: { now?: Date } = {}): SignedManifest {
  const key = signingKey(privateKeyPem);
  requireDirectory(runDir, 'SIGN_RUN_DIR');
  const { files, irregular } = listRunDir(runDir);
  if (irregular.length > 0) {
    throw new PoshilError('SIGN_RUN_DIR', `cannot sign ${runDir}: ${irregular.join(', ')} ${irregular.length === 1 ? 'is' : 'are'} not a regular file (a symbolic link or device); move ${irregular.length === 1 ? 'it' : 'them'} out and sign again`, { exitCode: 2 });
  }
  const manifest: EvidenceManifest = {
    format: MANIFEST_FORMAT,
    version: MANIFEST_VERSION,
    createdAt: (options.now ?? new Date()).toISOString(),
    poshilVersion: POSHIL_VERSION,
    signer: { ...runSigner(key), fingerprintOf: FINGERPRINT_OF },
    files: files.map((rel) => ({ path: rel, ...hashFile(path.join(runDir, ...rel.split('/'))) })),
  };
  const bytes = Buffer.from(JSON.stringify(manifest, null, 2) + '\n', 'utf8');
  const signature = crypto.sign(null, bytes, key).toString('base64');
  const manifestFile = path.join(runDir, MANIFEST_FILE);
  const signatureFile = path.join(runDir, SIGNATURE_FILE);
  writeAtomically(manifestFile, bytes.toString('utf8'));
  writeAtomically(signatureFile, signature + '\n');
  return { manifest, manifestFile, signatureFile };
}

export interface VerifyResult {
  ok: boolean;
  /** Each problem as a sentence: what is wrong with which file. Empty when ok. */
  problems: string[];
  /** Files the manifest lists. */
  files: number;
  /** The signer's fingerprint as the manifest names it (when it could be read). */
  fingerprint?: string;
}

function signatureMatches(bytes: Buffer, key: crypto.KeyObject, signature: Buffer): boolean {
  try {
    return crypto.verify(null, bytes, key, signature);
  } catch {
    return false; // not a signature at all (wrong length)
  }
}

function prefix(hash: string): string {
  return `${hash.slice(0, 12)}…`;
}

/** A manifest path that stays inside the run directory: relative, "/"-separated, no "." or ".." parts. */
function isSafePath(rel: string): boolean {
  return rel.length > 0 && !rel.includes('\\') && !rel.includes('\0') && rel.split('/').every((part) => part !== '' && part !== '.' && part !== '..');
}

function parseManifest(bytes: Buffer): EvidenceManifest | string {
  let data: unknown;
  try {
    data = JSON.parse(bytes.toString('utf8'));
  } catch {
    return `${MANIFEST_FILE} is not valid JSON: it was edited or cut short, so no file can be checked against it`;
  }
  const m = data as Partial<EvidenceManifest> | null;
  if (m === null || typeof m !== 'object' || m.format !== MANIFEST_FORMAT) return `${MANIFEST_FILE} is not a poshil evidence manifest (format "${MANIFEST_FORMAT}")`;
  if (m.version !== MANIFEST_VERSION) return `${MANIFEST_FILE} is version ${String(m.version)} of the manifest format; this poshil reads version ${MANIFEST_VERSION}`;
  const entryOk = (e: unknown): boolean => {
    const x = e as Partial<ManifestEntry> | null;
    return x !== null && typeof x === 'object' && typeof x.path === 'string' && typeof x.size === 'number' && typeof x.sha256 === 'string';
  };
  if (!Array.isArray(m.files) || !m.files.every(entryOk)) return `${MANIFEST_FILE} has no valid file list: it was edited`;
  return m as EvidenceManifest;
}

/** report.json's run.signer, when the run directory has a readable report.json that names one. */
function reportSignerFingerprint(runDir: string): string | undefined {
  try {
    const report = JSON.parse(fs.readFileSync(path.join(runDir, 'report.json'), 'utf8')) as { run?: { signer?: { fingerprint?: unknown } } };
    const fingerprint = report.run?.signer?.fingerprint;
    return typeof fingerprint === 'string' ? fingerprint : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Checks a signed run directory against its manifest and the signer's public key: the signature,
 * the key, and every file (changed, missing, extra). Every problem is listed, not just the first.
 * Throws PoshilError (exit 2) only when the key is unusable or runDir is not a directory.
 */
export function verifyRun(runDir: string, publicKeyPem: KeyInput): VerifyResult {
  const key = verifyingKey(publicKeyPem);
  requireDirectory(runDir, 'VERIFY_RUN_DIR');
  const given = keyFingerprint(key);
  const problems: string[] = [];
  const done = (files: number, fingerprint?: string): VerifyResult => ({ ok: problems.length === 0, problems, files, ...(fingerprint ? { fingerprint } : {}) });

  let manifestBytes: Buffer;
  try {
    manifestBytes = fs.readFileSync(path.join(runDir, MANIFEST_FILE));
  } catch {
    problems.push(`not signed: ${MANIFEST_FILE} is missing from ${runDir} (was the run made with poshil run --sign-key?)`);
    return done(0);
  }

  // The signature, over the exact bytes.
  let signature: Buffer | undefined;
  try {
    const text = fs.readFileSync(path.join(runDir, SIGNATURE_FILE), 'utf8').trim();
    signature = /^[A-Za-z0-9+/]+={0,2}$/.test(text) ? Buffer.from(text, 'base64') : Buffer.alloc(0);
  } catch {
    problems.push(`missing: ${SIGNATURE_FILE} — the signature is gone, so nothing in this run can be trusted`);
  }
  const manifest = parseManifest(manifestBytes);
  const named = typeof manifest === 'string' ? undefined : manifest.signer?.fingerprint;
  if (named !== undefined && named !== given) {
    problems.push(`wrong key: the run was signed by key ${named}, but the public key given is ${given} — use the signer's public key, or manifest.json was edited`);
  } else if (signature !== undefined && !signatureMatches(manifestBytes, key, signature)) {
    problems.push(`bad signature: ${SIGNATURE_FILE} does not match ${MANIFEST_FILE} for key ${given} — the manifest or its signature was changed after signing`);
  }
  if (typeof manifest === 'string') {
    problems.push(manifest);
    return done(0);
  }

  // Every file the manifest lists, then every file it does not.
  const { files, irregular } = listRunDir(runDir);
  const present = new Set(files);
  const listed = new Set<string>();
  for (const entry of manifest.files) {
    listed.add(entry.path);
    if (!isSafePath(entry.path)) {
      problems.push(`${MANIFEST_FILE} lists "${entry.path}", which is not a path inside the run directory: the manifest was edited`);
      continue;
    }
    if (!present.has(entry.path)) {
      const what = irregular.includes(entry.path) ? 'replaced by a symbolic link or device, not a file' : 'it is no longer in the run directory';
      problems.push(`missing: ${entry.path} — signed with the run, ${what}`);
      continue;
    }
    const actual = hashFile(path.join(runDir, ...entry.path.split('/')));
    if (actual.sha256 !== entry.sha256 || actual.size !== entry.size) {
      const size = actual.size === entry.size ? `same size, ${actual.size} bytes` : `${entry.size} bytes when signed, now ${actual.size}`;
      problems.push(`changed: ${entry.path} — its content differs from when it was signed (sha-256 expected ${prefix(entry.sha256)}, actual ${prefix(actual.sha256)}; ${size})`);
    }
  }
  for (const rel of [...files, ...irregular].sort()) {
    if (!listed.has(rel)) problems.push(`extra: ${rel} — not part of the signed run (added after signing)`);
  }

  const reported = reportSignerFingerprint(runDir);
  if (reported !== undefined && named !== undefined && reported !== named) {
    problems.push(`report.json names signer ${reported}, but ${MANIFEST_FILE} was signed by ${named}`);
  }
  return done(manifest.files.length, named);
}
