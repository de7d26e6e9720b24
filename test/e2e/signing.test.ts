import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RunReport } from '../../harness/reports/model';

/**
 * End to end: a real run of the smoke suite signed with --sign-key, checked by poshil verify, then
 * one byte of each artifact changed in turn. The key pair is made here in a temporary directory.
 */
const ROOT = path.resolve(__dirname, '../..');

function poshil(args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin/poshil.js'), ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000, env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe('poshil run --sign-key and poshil verify (end to end)', () => {
  let tmp: string;
  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'poshil-e2e-signing-'));
  });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('signs the run, verifies it, and refuses it once any artifact changed by one byte', () => {
    const { privateKey, publicKey } = crypto.generateKeyPairSync('ed25519');
    const keyFile = path.join(tmp, 'signing-key.pem');
    const pubFile = path.join(tmp, 'signing-key.pub');
    fs.writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    fs.writeFileSync(pubFile, publicKey.export({ type: 'spki', format: 'pem' }));
    const fingerprint = `sha256:${crypto.createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex')}`;
    const out = path.join(tmp, 'run');

    const run = poshil(['run', 'suites/smoke.json', '--out', out, '--sign-key', keyFile]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`signed: manifest.json (6 files, Ed25519 key ${fingerprint})`);
    const report = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8')) as RunReport;
    expect(report.run.signer).toEqual({ algorithm: 'Ed25519', fingerprint });

    const ok = poshil(['verify', out, '--pub', pubFile]);
    expect(ok.stderr).toBe('');
    expect(ok.stdout).toBe(`verified: 6 files, signed by ${fingerprint}\n`);
    expect(ok.code).toBe(0);

    // One byte changed in any artifact — report.json, junit.xml, summary.md, report.html, the
    // journal, the wire trace — and verify names it; put back, the run verifies again.
    const manifest = JSON.parse(fs.readFileSync(path.join(out, 'manifest.json'), 'utf8')) as { files: { path: string }[] };
    expect(manifest.files.map((f) => f.path).sort()).toEqual(['journal.ndjson', 'junit.xml', 'report.html', 'report.json', 'summary.md', 'wire/ecr.ndjson']);
    for (const { path: name } of manifest.files) {
      const file = path.join(out, name);
      const original = fs.readFileSync(file);
      const bytes = Buffer.from(original);
      bytes[bytes.length >> 1] ^= 0x01;
      fs.writeFileSync(file, bytes);
      const bad = poshil(['verify', out, '--pub', pubFile]);
      expect({ name, code: bad.code, named: bad.stderr.includes(`changed: ${name}`) }).toEqual({ name, code: 1, named: true });
      fs.writeFileSync(file, original);
    }
    expect(poshil(['verify', out, '--pub', pubFile]).code).toBe(0);
  });
});
