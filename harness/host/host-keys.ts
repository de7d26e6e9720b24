import path from 'node:path';
import { loadKey, parseHex, CryptoError, checkTdesKsn, checkAesKsn } from '../crypto';
import type { JsonSchema } from '../json-schema';
import { PoshilError } from '../errors';
import { injectKeys, type DukptScheme, type KeyInjection } from './acquirer-contract';

/**
 * The `security` block of a host interface: which DUKPT scheme the terminal uses, where the
 * BDK is (an environment variable or a key file — never the profile or the suite), and the
 * terminal's initial KSN. The BDK stays in the harness: the terminal only ever gets the keys
 * derived for it, as from a key-injection device.
 */
export interface SecurityConfig {
  dukpt: DukptScheme;
  bdk: { env?: string; file?: string };
  initialKsn: string;
}

export const securitySchema: JsonSchema = {
  type: 'object',
  description: 'Host interfaces: the keys the terminal protects PIN, card data and MACs with (DUKPT).',
  properties: {
    dukpt: { enum: ['tdes', 'aes'], description: 'tdes: ANSI X9.24-1 TDES DUKPT (PIN block format 0, retail MAC); aes: X9.24-3 AES-128 DUKPT (format 4, AES-CMAC).' },
    bdk: {
      type: 'object',
      description: 'Where the base derivation key is: an environment variable or a key file (chmod 600). Never the key itself.',
      properties: {
        env: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$', description: 'Name of the environment variable holding the BDK in hex.' },
        file: { type: 'string', minLength: 1, description: 'Key file holding the BDK in hex, relative to the profile.' },
      },
      minProperties: 1,
      maxProperties: 1,
      additionalProperties: false,
    },
    initialKsn: { type: 'string', pattern: '^([0-9A-Fa-f]{20}|[0-9A-Fa-f]{24})$', description: 'Initial KSN loaded into the terminal: 20 hex digits (TDES) or 24 (AES), transaction counter 0.' },
  },
  required: ['dukpt', 'bdk', 'initialKsn'],
  additionalProperties: false,
};

export interface HostKeys {
  scheme: DukptScheme;
  bdk: Buffer;
  initialKsn: Buffer;
  injection: KeyInjection;
  /** Where the BDK came from, for messages ("environment variable POSHIL_BDK"). */
  from: string;
  warnings: string[];
}

export function loadHostKeys(role: string, security: SecurityConfig, baseDir: string, env: NodeJS.ProcessEnv = process.env): HostKeys {
  const scheme = security.dukpt;
  const source = security.bdk.file !== undefined ? { file: path.resolve(baseDir, security.bdk.file) } : { env: security.bdk.env };
  try {
    const loaded = loadKey(source, { name: `the BDK of host interface '${role}'`, lengths: scheme === 'aes' ? [16, 24, 32] : [16, 24], env });
    const initialKsn = parseHex(security.initialKsn, `initialKsn of host interface '${role}'`);
    if (scheme === 'aes') checkAesKsn(initialKsn);
    else checkTdesKsn(initialKsn);
    return { scheme, bdk: loaded.key, initialKsn, injection: injectKeys(scheme, loaded.key, initialKsn), from: loaded.from, warnings: loaded.warnings };
  } catch (err) {
    if (err instanceof CryptoError) {
      const hint = source.env ? ` (set ${source.env} to the BDK in hex before the run; the ANSI X9.24 test BDK is documented in the README)` : '';
      throw new PoshilError('HOST_KEYS', `host interface '${role}': ${err.message}${hint}`, { exitCode: 2, cause: err });
    }
    throw err;
  }
}
