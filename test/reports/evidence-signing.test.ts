import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PoshilError } from '../../harness/errors';
import {
  MANIFEST_FILE,
  SIGNATURE_FILE,
  keyFingerprint,
  loadSigningKeyFile,
  loadVerifyingKeyFile,
  verifyRun,
  writeSignedManifest,
  type EvidenceManifest,
} from '../../harness/reports/evidence-signing';
import { main } from '../../harness/cli/main';

/**
 * Signed evidence: keys are made here, in a temporary directory (never committed), and a run
 * directory is faked with the files a run writes.
 */
function pemPair(): { privatePem: string; publicPem: string } {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ed25519');
  return {
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

const keys = pemPair();
let tmp: string;
let runDir: string;

beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'poshil-signing-'));
  runDir = path.join(tmp, 'run');
  fs.mkdirSync(path.join(runDir, 'wire'), { recursive: true });
  fs.writeFileSync(path.join(runDir, 'report.json'), JSON.stringify({ schemaVersion: 1, run: { id: 'run' } }, null, 2) + '\n');
  fs.writeFileSync(path.join(runDir, 'junit.xml'), '<testsuites/>\n');
  fs.writeFileSync(path.join(runDir, 'summary.md'), '# smoke\n');
  fs.writeFileSync(path.join(runDir, 'journal.ndjson'), '{"type":"run-start"}\n');
  fs.writeFileSync(path.join(runDir, 'wire', 'ecr.ndjson'), '{"dir":"tx","hex":"0200"}\n');
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

const read = (rel: string) => fs.readFileSync(path.join(runDir, rel));

describe('writeSignedManifest', () => {
  it('lists every file but the manifest and its signature, sorted, with size and sha-256, and signs the exact bytes', () => {
    const { manifest } = writeSignedManifest(runDir, keys.privatePem, { now: new Date('2025-01-31T12:00:00.000Z') });
    expect(manifest.files.map((f) => f.path)).toEqual(['journal.ndjson', 'junit.xml', 'report.json', 'summary.md', 'wire/ecr.ndjson']);
    const report = manifest.files.find((f) => f.path === 'report.json');
    expect(report).toEqual({ path: 'report.json', size: read('report.json').length, sha256: crypto.createHash('sha256').update(read('report.json')).digest('hex') });

    const written = JSON.parse(read(MANIFEST_FILE).toString()) as EvidenceManifest;
    expect(written).toMatchObject({ format: 'poshil-evidence-manifest', version: 1, createdAt: '2025-01-31T12:00:00.000Z', signer: { algorithm: 'Ed25519' } });
    expect(written.poshilVersion).toMatch(/^\d+\.\d+\.\d+/);
    expect(written.signer.fingerprintOf).toMatch(/SubjectPublicKeyInfo DER/);
    const der = crypto.createPublicKey(keys.publicPem).export({ type: 'spki', format: 'der' });
    expect(written.signer.fingerprint).toBe(`sha256:${crypto.createHash('sha256').update(der).digest('hex')}`);

    const signature = Buffer.from(read(SIGNATURE_FILE).toString().trim(), 'base64');
    expect(crypto.verify(null, read(MANIFEST_FILE), crypto.createPublicKey(keys.publicPem), signature)).toBe(true);
  });

  it('signs again over an earlier manifest without listing it', () => {
    writeSignedManifest(runDir, keys.privatePem);
    const { manifest } = writeSignedManifest(runDir, keys.privatePem);
    expect(manifest.files.map((f) => f.path)).not.toContain(MANIFEST_FILE);
    expect(verifyRun(runDir, keys.publicPem).ok).toBe(true);
  });
});

describe('verifyRun', () => {
  beforeEach(() => writeSignedManifest(runDir, keys.privatePem));

  it('passes an untouched run and names the signer', () => {
    const result = verifyRun(runDir, keys.publicPem);
    expect(result.problems).toEqual([]);
    expect(result).toMatchObject({ ok: true, files: 5, fingerprint: keyFingerprint(crypto.createPublicKey(keys.publicPem)) });
  });

  it('fails when one byte of report.json changed, naming the file and both hash prefixes', () => {
    const bytes = read('report.json');
    const before = crypto.createHash('sha256').update(bytes).digest('hex');
    bytes[10] ^= 0x01;
    fs.writeFileSync(path.join(runDir, 'report.json'), bytes);
    const after = crypto.createHash('sha256').update(bytes).digest('hex');
    const result = verifyRun(runDir, keys.publicPem);
    expect(result.ok).toBe(false);
    expect(result.problems).toHaveLength(1);
    expect(result.problems[0]).toMatch(/^changed: report\.json /);
    expect(result.problems[0]).toContain(before.slice(0, 12));
    expect(result.problems[0]).toContain(after.slice(0, 12));
  });

  it('fails when a wire trace was deleted', () => {
    fs.rmSync(path.join(runDir, 'wire', 'ecr.ndjson'));
    const result = verifyRun(runDir, keys.publicPem);
    expect(result.ok).toBe(false);
    expect(result.problems).toEqual([expect.stringMatching(/^missing: wire\/ecr\.ndjson /)]);
  });

  it('fails when a file was added, in a subdirectory too', () => {
    fs.writeFileSync(path.join(runDir, 'notes.txt'), 'looks fine\n');
    fs.writeFileSync(path.join(runDir, 'wire', 'pos.ndjson'), '{}\n');
    const result = verifyRun(runDir, keys.publicPem);
    expect(result.ok).toBe(false);
    expect(result.problems).toEqual([expect.stringMatching(/^extra: notes\.txt /), expect.stringMatching(/^extra: wire\/pos\.ndjson /)]);
  });

  it('fails with a bad signature when manifest.json was edited', () => {
    const manifest = JSON.parse(read(MANIFEST_FILE).toString()) as EvidenceManifest;
    manifest.createdAt = '2020-01-01T00:00:00.000Z';
    fs.writeFileSync(path.join(runDir, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + '\n');
    const result = verifyRun(runDir, keys.publicPem);
    expect(result.ok).toBe(false);
    expect(result.problems).toEqual([expect.stringMatching(/^bad signature: /)]);
  });

  it('fails when a changed file is hidden by editing its hash in the manifest', () => {
    fs.appendFileSync(path.join(runDir, 'junit.xml'), '<!-- -->');
    const manifest = JSON.parse(read(MANIFEST_FILE).toString()) as EvidenceManifest;
    const entry = manifest.files.find((f) => f.path === 'junit.xml') as EvidenceManifest['files'][number];
    entry.size = read('junit.xml').length;
    entry.sha256 = crypto.createHash('sha256').update(read('junit.xml')).digest('hex');
    fs.writeFileSync(path.join(runDir, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + '\n');
    expect(verifyRun(runDir, keys.publicPem).problems).toEqual([expect.stringMatching(/^bad signature: /)]);
  });

  it('fails when manifest.sig is missing or not a signature', () => {
    fs.writeFileSync(path.join(runDir, SIGNATURE_FILE), 'not base64!\n');
    expect(verifyRun(runDir, keys.publicPem).problems).toEqual([expect.stringMatching(/^bad signature: /)]);
    fs.rmSync(path.join(runDir, SIGNATURE_FILE));
    expect(verifyRun(runDir, keys.publicPem).problems).toEqual([expect.stringMatching(/^missing: manifest\.sig /)]);
  });

  it('fails with another public key, naming both fingerprints', () => {
    const other = pemPair();
    const result = verifyRun(runDir, other.publicPem);
    expect(result.ok).toBe(false);
    expect(result.problems).toEqual([expect.stringMatching(/^wrong key: /)]);
    expect(result.problems[0]).toContain(keyFingerprint(crypto.createPublicKey(keys.publicPem)));
    expect(result.problems[0]).toContain(keyFingerprint(crypto.createPublicKey(other.publicPem)));
  });

  it('lists every problem at once', () => {
    fs.rmSync(path.join(runDir, 'summary.md'));
    fs.appendFileSync(path.join(runDir, 'journal.ndjson'), '{}\n');
    fs.writeFileSync(path.join(runDir, 'extra.bin'), 'x');
    expect(verifyRun(runDir, keys.publicPem).problems.map((p) => p.split(':')[0])).toEqual(['changed', 'missing', 'extra']);
  });

  it('says the run is not signed when there is no manifest', () => {
    fs.rmSync(path.join(runDir, MANIFEST_FILE));
    expect(verifyRun(runDir, keys.publicPem).problems).toEqual([expect.stringMatching(/^not signed: /)]);
  });
});

describe('keys', () => {
  it('refuses a non-Ed25519 (RSA) key clearly, with exit code 2', () => {
    const rsa = crypto.generateKeyPairSync('rsa', { modulusLength: 1024 });
    const rsaPrivate = rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const rsaPublic = rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect(() => writeSignedManifest(runDir, rsaPrivate)).toThrow(/is an RSA key; poshil signs evidence with Ed25519 keys only/);
    expect(() => verifyRun(runDir, rsaPublic)).toThrow(/is an RSA key/);
    try {
      writeSignedManifest(runDir, rsaPrivate);
    } catch (err) {
      expect(err).toBeInstanceOf(PoshilError);
      expect((err as PoshilError).exitCode).toBe(2);
    }
    expect(fs.existsSync(path.join(runDir, MANIFEST_FILE))).toBe(false);
  });

  it('refuses text that is no key, a public key to sign with and a private key to verify with', () => {
    expect(() => writeSignedManifest(runDir, 'hello')).toThrow(/not a PEM private key/);
    expect(() => writeSignedManifest(runDir, keys.publicPem)).toThrow(/is a public key; signing needs the private key/);
    expect(() => verifyRun(runDir, keys.privatePem)).toThrow(/is a private key; give the public key/);
  });

  it('warns when the private key file is readable by group or others (the key-file wording)', () => {
    const file = path.join(tmp, 'signing-key.pem');
    fs.writeFileSync(file, keys.privatePem, { mode: 0o600 });
    fs.chmodSync(file, 0o600);
    expect(loadSigningKeyFile(file).warnings).toEqual([]);
    if (process.platform !== 'win32') {
      fs.chmodSync(file, 0o644);
      expect(loadSigningKeyFile(file).warnings).toEqual([`key file ${file} is readable by group and others (mode 0644); restrict it with: chmod 600 ${file}`]);
    }
    expect(() => loadSigningKeyFile(path.join(tmp, 'nope.pem'))).toThrow(/key file .*nope\.pem does not exist/);
    expect(() => loadVerifyingKeyFile(path.join(tmp, 'nope.pub'))).toThrow(/public key file .*nope\.pub does not exist/);
  });
});

describe('poshil verify (in process)', () => {
  function run(args: string[]): { code: Promise<number>; out: () => string; err: () => string } {
    let out = '';
    let err = '';
    const io = {
      stdout: { write: (s: string) => ((out += s), true) } as unknown as NodeJS.WritableStream,
      stderr: { write: (s: string) => ((err += s), true) } as unknown as NodeJS.WritableStream,
    };
    return { code: main(args, io), out: () => out, err: () => err };
  }

  it('exits 0 verified, 1 with the problems listed, 2 for usage and key errors', async () => {
    writeSignedManifest(runDir, keys.privatePem);
    const pub = path.join(tmp, 'signing-key.pub');
    fs.writeFileSync(pub, keys.publicPem);

    const ok = run(['verify', runDir, '--pub', pub]);
    expect(await ok.code).toBe(0);
    expect(ok.out()).toBe(`verified: 5 files, signed by ${keyFingerprint(crypto.createPublicKey(keys.publicPem))}\n`);

    fs.appendFileSync(path.join(runDir, 'report.json'), ' ');
    const bad = run(['verify', runDir, '--pub', pub]);
    expect(await bad.code).toBe(1);
    expect(bad.err()).toMatch(/NOT verified: .* 1 problem:\n {2}- changed: report\.json /);

    expect(await run(['verify', runDir]).code).toBe(2);
    expect(await run(['verify', '--pub', pub]).code).toBe(2);
    expect(await run(['verify', runDir, '--pub', path.join(tmp, 'missing.pub')]).code).toBe(2);
    expect(await run(['verify', path.join(tmp, 'no-such-run'), '--pub', pub]).code).toBe(2);
  });
});
