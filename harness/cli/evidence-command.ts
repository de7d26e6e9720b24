import path from 'node:path';
import { parseArgs } from 'node:util';
import type { KeyObject } from 'node:crypto';
import { PoshilError } from '../errors';
import type { RunSigner } from '../reports/model';
import { MANIFEST_FILE, loadSigningKeyFile, loadVerifyingKeyFile, runSigner, verifyRun, writeSignedManifest } from '../reports/evidence-signing';
import type { CliIo } from './main';

/**
 * Signed evidence on the command line: `poshil run --sign-key FILE` (the key is loaded before
 * anything runs, the run directory signed after the reports are written) and
 * `poshil verify <run-dir> --pub FILE`.
 */
const VERIFY_USAGE = `usage: poshil verify <run-dir> --pub <public-key.pem>
  checks a run signed with poshil run --sign-key: manifest.sig against the signer's public key,
  and every file in <run-dir> against manifest.json (changed, missing or added files fail).
  Exit codes: 0 verified, 1 a problem was found, 2 the command line, run directory or key is wrong.`;

export interface RunSigning {
  key: KeyObject;
  /** What report.run.signer says. */
  signer: RunSigner;
}

/** poshil run --sign-key: load and check the key before the run starts; warnings go to stderr. */
export function prepareRunSigning(keyFile: string | undefined, io: CliIo): RunSigning | undefined {
  if (keyFile === undefined) return undefined;
  if (keyFile === '') throw new PoshilError('USAGE', '--sign-key needs the path of an Ed25519 private key file (PEM)', { exitCode: 2 });
  const loaded = loadSigningKeyFile(keyFile);
  for (const w of loaded.warnings) io.stderr.write(`poshil: warning: ${w}\n`);
  return { key: loaded.key, signer: runSigner(loaded.key) };
}

/** After the reports are written: manifest.json and manifest.sig in the run directory. */
export function signRunDirectory(outDir: string, signing: RunSigning, io: CliIo): void {
  const { manifest } = writeSignedManifest(outDir, signing.key);
  io.stdout.write(`signed: ${MANIFEST_FILE} (${manifest.files.length} files, Ed25519 key ${signing.signer.fingerprint})\n`);
}

export function verifyCommand(args: string[], io: CliIo): number {
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, options: { pub: { type: 'string' } } });
  } catch (err) {
    throw new PoshilError('USAGE', `${(err as Error).message}\n\n${VERIFY_USAGE}`, { exitCode: 2 });
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1) throw new PoshilError('USAGE', `verify needs exactly one run directory\n\n${VERIFY_USAGE}`, { exitCode: 2 });
  if (!values.pub) throw new PoshilError('USAGE', `verify needs the signer's public key: --pub FILE\n\n${VERIFY_USAGE}`, { exitCode: 2 });
  const runDir = path.resolve(positionals[0] as string);
  const { key } = loadVerifyingKeyFile(values.pub);
  const result = verifyRun(runDir, key);
  if (result.ok) {
    io.stdout.write(`verified: ${result.files} files, signed by ${result.fingerprint ?? 'an unnamed key'}\n`);
    return 0;
  }
  const lines = [`NOT verified: ${runDir} — ${result.problems.length} problem${result.problems.length === 1 ? '' : 's'}:`, ...result.problems.map((p) => `  - ${p}`)];
  io.stderr.write(lines.join('\n') + '\n');
  return 1;
}
