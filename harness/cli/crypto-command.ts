import { parseArgs } from 'node:util';
import { PoshilError } from '../errors';
import { toHex, parseHex } from '../crypto/hex';
import { CryptoError } from '../crypto/errors';
import { loadKey, redact } from '../crypto/keys';
import type { LoadedKey } from '../crypto/keys';
import { TDES_DUKPT_USAGES, deriveIpek, deriveTransactionKeyFromIpek, tdesKsnCounter, tdesWorkingKey } from '../crypto/dukpt-tdes';
import type { TdesDukptUsage } from '../crypto/dukpt-tdes';
import { AES_DUKPT_KEY_TYPES, AES_DUKPT_USAGES, aesKsnCounter, aesKsnInitialKeyId, checkAesCounter, deriveAesDukptKeys, deriveInitialKey } from '../crypto/dukpt-aes';
import type { AesDukptKeyType, AesDukptUsage } from '../crypto/dukpt-aes';
import { decodePinBlock, encodePinBlock } from '../crypto/pinblock';
import type { PinBlockFormat } from '../crypto/pinblock';
import { iso9797Mac } from '../crypto/iso9797';
import type { Iso9797Padding } from '../crypto/iso9797';
import { cmac } from '../crypto/cmac';
import { kcv } from '../crypto/kcv';
import type { KcvMethod } from '../crypto/kcv';

/**
 * `poshil crypto …`: the bench calculator. Plain `label: value` lines by default, one JSON object
 * with `--json`. Bad input ends with exit code 2 and a message that names the option and what is
 * wrong with it — never the key (every message also goes through `redact` with the keys loaded so
 * far, in case an underlying error quoted one).
 */

export interface CryptoCommandIo {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
}

export const CRYPTO_USAGE = `poshil crypto — payment crypto bench calculator

Usage:
  poshil crypto dukpt --bdk HEX --ksn HEX [--aes] [--usage U] [--key-type T] [--json]
        TDES DUKPT (ANSI X9.24-1:2009, 20-digit KSN) or, with --aes, AES DUKPT (X9.24-3-2017,
        24-digit KSN); prints the IPEK/initial key and the working key. Instead of the BDK,
        --ik HEX (IPEK / initial key) starts from the terminal's initial key.
        U: pin (default), mac, mac-response, data, data-response; with --aes also mac-both,
        data-both, kek. T (--aes only): AES128, AES192, AES256, 2TDEA, 3TDEA (default: the IK's).
  poshil crypto pinblock encode --format 0|1|3|4 --pin DIGITS --pan DIGITS [--key HEX] [--json]
  poshil crypto pinblock decode --format 0|1|3|4 --block HEX [--pan DIGITS] [--key HEX] [--json]
        ISO 9564-1 formats 0, 1, 3 (8 bytes; --key = TDEA key to encipher/decipher) and 4 (AES,
        16 bytes; --key required).
  poshil crypto mac --alg 1|3|cmac --key HEX --data HEX [--padding 1|2|3] [--aes] [--length N] [--json]
        ISO 9797-1 MAC algorithm 1 (DES/TDEA CBC-MAC), 3 (ANSI X9.19 retail MAC), or CMAC
        (NIST SP 800-38B; TDEA, or AES with --aes).
  poshil crypto kcv --key HEX [--aes [--method cmac|encrypt-zeros]] [--json]

Keys: --bdk/--ik/--key HEX is for test keys only (it lands in shell history); use
  --bdk-env NAME / --ik-env NAME / --key-env NAME (an environment variable) or
  --bdk-file PATH / --ik-file PATH / --key-file PATH (hex, whitespace ignored; chmod 600).
Exit codes: 0 done, 2 bad input.`;

type Values = Record<string, string | boolean | undefined>;

/** User text for an error message, unless it looks like key material (a run of 16+ hex digits). */
function shown(text: string): string {
  return /[0-9a-fA-F]{16,}/.test(text.replace(/\s+/g, '')) ? '<hex value not shown>' : `'${text}'`;
}

class UsageError extends PoshilError {
  constructor(message: string) {
    super('USAGE', message, { exitCode: 2 });
  }
}

function parse(args: string[], options: Record<string, { type: 'string' | 'boolean' }>): Values {
  try {
    const { values, positionals } = parseArgs({ args, options: { ...options, json: { type: 'boolean' } }, allowPositionals: true, strict: true });
    // Never echo a stray argument: it may be a key given without its option.
    if (positionals.length) throw new UsageError(`unexpected argument (${positionals.length === 1 ? 'one value' : `${positionals.length} values`} without an option)`);
    return values as Values;
  } catch (err) {
    if (err instanceof PoshilError) throw err;
    // node:util names the option that is unknown or lacks its value; it never quotes a value.
    const unknown = /Unknown option '([^']+)'/.exec((err as Error).message);
    if (unknown) {
      const known = [...Object.keys(options), 'json'].map((o) => `--${o}`).join(', ');
      throw new UsageError(`unknown option '${unknown[1]}' (options here: ${known})`);
    }
    throw new UsageError((err as Error).message);
  }
}

const keyOptions = (prefix: string) => ({
  [prefix]: { type: 'string' as const },
  [`${prefix}-env`]: { type: 'string' as const },
  [`${prefix}-file`]: { type: 'string' as const },
});

function str(v: Values, name: string): string | undefined {
  const x = v[name];
  return typeof x === 'string' ? x : undefined;
}

function required(v: Values, name: string, what: string): string {
  const x = str(v, name);
  if (x === undefined || x === '') throw new UsageError(`--${name} is required (${what})`);
  return x;
}

/** Hex of an exact length; errors read e.g. "--ksn must be 20 hex digits (10 bytes), got 18". */
function hexOption(v: Values, name: string, bytes: number[] | undefined, what: string, suffix = ''): Buffer {
  const text = required(v, name, what).replace(/\s+/g, '');
  if (/[^0-9a-fA-F]/.test(text)) throw new CryptoError('HEX_INVALID', `--${name} must be hex digits (0-9, A-F)`);
  if (bytes && !bytes.includes(text.length / 2)) {
    const want = bytes.map((b) => `${b * 2} hex digits (${b} bytes)`).join(' or ');
    throw new CryptoError(name === 'ksn' ? 'KSN_INVALID' : 'HEX_INVALID', `--${name} must be ${want}${suffix}, got ${text.length}`);
  }
  return parseHex(text, `--${name}`);
}

class Session {
  readonly keys: Buffer[] = [];
  constructor(readonly io: CryptoCommandIo) {}

  /** The key given by --P, --P-env or --P-file (exactly one); warnings go to stderr. */
  key(v: Values, prefix: string, lengths: readonly number[]): LoadedKey {
    const hex = str(v, prefix);
    const env = str(v, `${prefix}-env`);
    const file = str(v, `${prefix}-file`);
    const loaded = loadKey({ hex, env, file }, { name: `--${prefix}`, lengths });
    this.keys.push(loaded.key);
    for (const w of loaded.warnings) this.io.stderr.write(`poshil crypto: warning: ${w}\n`);
    return loaded;
  }

  optionalKey(v: Values, prefix: string, lengths: readonly number[]): LoadedKey | undefined {
    const given = [prefix, `${prefix}-env`, `${prefix}-file`].some((o) => v[o] !== undefined);
    return given ? this.key(v, prefix, lengths) : undefined;
  }

  /** Print `label: value` lines, or one JSON object with the same values. */
  emit(json: boolean, rows: Array<[label: string, key: string, value: string | number | null]>): void {
    if (json) {
      this.io.stdout.write(JSON.stringify(Object.fromEntries(rows.map(([, k, val]) => [k, val])), null, 2) + '\n');
      return;
    }
    for (const [label, , value] of rows) if (value !== null) this.io.stdout.write(`${label}: ${value}\n`);
  }
}

export async function cryptoCommand(args: string[], io: CryptoCommandIo): Promise<number> {
  const session = new Session(io);
  const [sub, ...rest] = args;
  try {
    switch (sub) {
      case 'dukpt':
        dukpt(session, rest);
        return 0;
      case 'pinblock':
        pinblock(session, rest);
        return 0;
      case 'mac':
        mac(session, rest);
        return 0;
      case 'kcv':
        keyCheckValue(session, rest);
        return 0;
      case '--help':
      case '-h':
      case 'help':
        io.stdout.write(CRYPTO_USAGE + '\n');
        return 0;
      case undefined:
        io.stderr.write(CRYPTO_USAGE + '\n');
        return 2;
      default:
        throw new UsageError(`unknown crypto command ${shown(sub)} (commands: dukpt, pinblock, mac, kcv)`);
    }
  } catch (err) {
    if (err instanceof PoshilError) {
      const hint = err.code === 'USAGE' ? "\n(see 'poshil crypto --help')" : '';
      io.stderr.write(`poshil crypto: ${redact(err.message, session.keys)}${hint}\n`);
      return err.exitCode;
    }
    io.stderr.write(`poshil crypto: internal error: ${redact((err as Error).stack ?? String(err), session.keys)}\n`);
    return 2;
  }
}

// ---- dukpt ------------------------------------------------------------------------------------

function dukpt(s: Session, args: string[]): void {
  const v = parse(args, {
    ...keyOptions('bdk'),
    ...keyOptions('ik'),
    ksn: { type: 'string' },
    aes: { type: 'boolean' },
    usage: { type: 'string' },
    'key-type': { type: 'string' },
  });
  const json = v.json === true;
  const aes = v.aes === true;
  const usage = (str(v, 'usage') ?? 'pin').toLowerCase();
  const known: readonly string[] = aes ? AES_DUKPT_USAGES : TDES_DUKPT_USAGES;
  if (!known.includes(usage)) throw new UsageError(`--usage must be one of ${known.join(', ')}${aes ? '' : ' (TDES DUKPT)'}, got ${shown(usage)}`);
  const hasBdk = ['bdk', 'bdk-env', 'bdk-file'].some((o) => v[o] !== undefined);
  const hasIk = ['ik', 'ik-env', 'ik-file'].some((o) => v[o] !== undefined);
  if (hasBdk && hasIk) throw new UsageError('give either the BDK (--bdk…) or the initial key (--ik…), not both');
  if (!hasBdk && !hasIk) throw new UsageError('--bdk (or --bdk-env / --bdk-file) is required; or start from the initial key with --ik');

  if (!aes) {
    if (str(v, 'key-type') !== undefined) throw new UsageError('--key-type is for AES DUKPT (--aes); TDES DUKPT keys are 2-key TDEA');
    const ksn = hexOption(v, 'ksn', [10], 'the 20-digit key serial number');
    const lengths = [16];
    const ipek = hasBdk ? deriveIpek(s.key(v, 'bdk', lengths).key, ksn) : s.key(v, 'ik', lengths).key;
    const counter = tdesKsnCounter(ksn);
    const rows: Array<[string, string, string | number | null]> = [
      ['algorithm', 'algorithm', 'TDES DUKPT (ANSI X9.24-1:2009)'],
      ['KSN', 'ksn', toHex(ksn)],
      ['counter', 'counter', counter],
      ['IPEK', 'ipek', toHex(ipek)],
      ['IPEK KCV', 'ipekKcv', toHex(kcv('tdes', ipek))],
    ];
    if (counter === 0) {
      s.io.stderr.write('poshil crypto: note: the KSN counter is 0 (the initial KSN): there is no transaction key; the first transaction uses counter 1\n');
      s.emit(json, [...rows, ['usage', 'usage', usage], ['transaction key', 'transactionKey', null], ['working key', 'workingKey', null]]);
      return;
    }
    const transactionKey = deriveTransactionKeyFromIpek(ipek, ksn);
    const working = tdesWorkingKey(transactionKey, usage as TdesDukptUsage);
    s.emit(json, [
      ...rows,
      ['transaction key', 'transactionKey', toHex(transactionKey)],
      ['usage', 'usage', usage],
      ['working key', 'workingKey', toHex(working)],
      ['working key KCV', 'workingKeyKcv', toHex(kcv('tdes', working))],
    ]);
    return;
  }

  const ksn = hexOption(v, 'ksn', [12], 'the 24-digit AES DUKPT key serial number', ' with --aes');
  const typeText = str(v, 'key-type');
  let keyType: AesDukptKeyType | undefined;
  if (typeText !== undefined) {
    keyType = AES_DUKPT_KEY_TYPES.find((t) => t.toLowerCase() === typeText.toLowerCase());
    if (!keyType) throw new UsageError(`--key-type must be one of ${AES_DUKPT_KEY_TYPES.join(', ')}, got ${shown(typeText)}`);
  }
  const lengths = [16, 24, 32];
  const initialKeyId = aesKsnInitialKeyId(ksn);
  const ik = hasBdk ? deriveInitialKey(s.key(v, 'bdk', lengths).key, initialKeyId) : s.key(v, 'ik', lengths).key;
  const counter = aesKsnCounter(ksn);
  const rows: Array<[string, string, string | number | null]> = [
    ['algorithm', 'algorithm', 'AES DUKPT (ANSI X9.24-3-2017)'],
    ['KSN', 'ksn', toHex(ksn)],
    ['initial key ID', 'initialKeyId', toHex(initialKeyId)],
    ['counter', 'counter', counter],
    ['initial key', 'initialKey', toHex(ik)],
    ['initial key KCV', 'initialKeyKcv', toHex(kcv('aes', ik))],
  ];
  if (counter === 0) {
    s.io.stderr.write('poshil crypto: note: the KSN counter is 0 (the initial KSN): there is no working key; the first transaction uses counter 1\n');
    s.emit(json, [...rows, ['usage', 'usage', usage], ['derivation key', 'derivationKey', null], ['working key', 'workingKey', null]]);
    return;
  }
  checkAesCounter(counter);
  const keys = deriveAesDukptKeys(ik, ksn, usage as AesDukptUsage, keyType);
  const workingIsTdes = keys.workingKeyType === '2TDEA' || keys.workingKeyType === '3TDEA';
  s.emit(json, [
    ...rows,
    ['derivation key', 'derivationKey', toHex(keys.derivationKey)],
    ['usage', 'usage', usage],
    ['working key type', 'workingKeyType', keys.workingKeyType],
    ['working key', 'workingKey', toHex(keys.workingKey)],
    ['working key KCV', 'workingKeyKcv', toHex(kcv(workingIsTdes ? 'tdes' : 'aes', keys.workingKey))],
  ]);
}

// ---- pinblock ---------------------------------------------------------------------------------

function pinFormat(v: Values): PinBlockFormat {
  const text = required(v, 'format', '0, 1, 3 or 4');
  if (!['0', '1', '3', '4'].includes(text)) throw new UsageError(`--format must be 0, 1, 3 or 4, got ${shown(text)}`);
  return Number(text) as PinBlockFormat;
}

function pinblock(s: Session, args: string[]): void {
  const [action, ...rest] = args;
  if (action !== 'encode' && action !== 'decode') {
    throw new UsageError(action === undefined ? 'pinblock needs encode or decode' : `pinblock needs encode or decode, got ${shown(action)}`);
  }
  const v = parse(rest, { format: { type: 'string' }, pin: { type: 'string' }, pan: { type: 'string' }, block: { type: 'string' }, ...keyOptions('key') });
  const json = v.json === true;
  const format = pinFormat(v);
  const lengths = format === 4 ? [16, 24, 32] : [8, 16, 24];
  const pan = str(v, 'pan');
  if (pan === undefined && format !== 1) throw new UsageError(`--pan is required for PIN block format ${format}`);
  if (action === 'encode') {
    if (str(v, 'block') !== undefined) throw new UsageError('--block is for decode');
    const pin = required(v, 'pin', 'the PIN digits');
    const key = format === 4 ? s.key(v, 'key', lengths) : s.optionalKey(v, 'key', lengths);
    const r = encodePinBlock({ format, pin, pan, key: key?.key });
    s.emit(json, [
      ['format', 'format', format],
      [format === 4 ? 'plain PIN field' : 'clear PIN block', format === 4 ? 'pinField' : 'clearPinBlock', toHex(r.clear)],
      [format === 4 ? 'PIN block' : 'encrypted PIN block', 'encryptedPinBlock', r.encrypted ? toHex(r.encrypted) : null],
    ]);
    return;
  }
  if (str(v, 'pin') !== undefined) throw new UsageError('--pin is for encode');
  const block = hexOption(v, 'block', [format === 4 ? 16 : 8], `the PIN block`, ` for format ${format}`);
  const key = format === 4 ? s.key(v, 'key', lengths) : s.optionalKey(v, 'key', lengths);
  const pin = decodePinBlock({ format, block, pan, key: key?.key });
  s.emit(json, [
    ['format', 'format', format],
    ['PIN', 'pin', pin],
  ]);
}

// ---- mac --------------------------------------------------------------------------------------

function mac(s: Session, args: string[]): void {
  const v = parse(args, { alg: { type: 'string' }, data: { type: 'string' }, padding: { type: 'string' }, aes: { type: 'boolean' }, length: { type: 'string' }, ...keyOptions('key') });
  const json = v.json === true;
  const alg = required(v, 'alg', '1, 3 or cmac').toLowerCase();
  if (!['1', '3', 'cmac'].includes(alg)) throw new UsageError(`--alg must be 1, 3 or cmac, got ${shown(alg)}`);
  const aes = v.aes === true;
  const paddingText = str(v, 'padding');
  const lengthText = str(v, 'length');
  const length = lengthText === undefined ? undefined : Number(lengthText);
  if (lengthText !== undefined && !Number.isInteger(length)) throw new UsageError(`--length expects a whole number of bytes, got ${shown(lengthText)}`);
  const dataText = required(v, 'data', 'the message as hex').replace(/\s+/g, '');
  if (/[^0-9a-fA-F]/.test(dataText)) throw new CryptoError('HEX_INVALID', '--data must be hex digits (0-9, A-F)');
  if (dataText.length % 2) throw new CryptoError('HEX_INVALID', `--data must have an even number of hex digits, got ${dataText.length}`);
  const data = Buffer.from(dataText, 'hex');

  if (alg === 'cmac') {
    if (paddingText !== undefined) throw new UsageError('--padding does not apply to CMAC (it pads itself, NIST SP 800-38B 6.2)');
    const key = s.key(v, 'key', aes ? [16, 24, 32] : [16, 24]).key;
    const out = cmac(aes ? 'aes' : 'tdes', key, data, length);
    s.emit(json, [
      ['algorithm', 'algorithm', aes ? 'AES-CMAC (NIST SP 800-38B)' : 'TDEA-CMAC (NIST SP 800-38B)'],
      ['MAC', 'mac', toHex(out)],
    ]);
    return;
  }
  if (aes) throw new UsageError('--aes applies to --alg cmac only; ISO 9797-1 algorithms 1 and 3 here are DES/TDEA');
  if (paddingText !== undefined && !['1', '2', '3'].includes(paddingText)) throw new UsageError(`--padding must be 1, 2 or 3, got ${shown(paddingText)}`);
  const padding = Number(paddingText ?? '1') as Iso9797Padding;
  const key = s.key(v, 'key', alg === '3' ? [16] : [8, 16, 24]).key;
  const out = iso9797Mac(alg === '1' ? 1 : 3, key, data, padding, length);
  s.emit(json, [
    ['algorithm', 'algorithm', alg === '1' ? 'ISO 9797-1 MAC algorithm 1' : 'ISO 9797-1 MAC algorithm 3 (ANSI X9.19 retail MAC)'],
    ['padding', 'padding', padding],
    ['MAC', 'mac', toHex(out)],
  ]);
}

// ---- kcv --------------------------------------------------------------------------------------

function keyCheckValue(s: Session, args: string[]): void {
  const v = parse(args, { aes: { type: 'boolean' }, method: { type: 'string' }, ...keyOptions('key') });
  const json = v.json === true;
  const aes = v.aes === true;
  const methodText = str(v, 'method');
  if (methodText !== undefined && !aes) throw new UsageError('--method applies to AES keys (--aes); a TDES KCV always encrypts zeros');
  if (methodText !== undefined && methodText !== 'cmac' && methodText !== 'encrypt-zeros') throw new UsageError(`--method must be cmac or encrypt-zeros, got ${shown(methodText)}`);
  const method = (methodText ?? 'cmac') as KcvMethod;
  const key = s.key(v, 'key', aes ? [16, 24, 32] : [8, 16, 24]).key;
  s.emit(json, [
    ['algorithm', 'algorithm', aes ? `AES (${method === 'cmac' ? 'CMAC of zeros' : 'encrypt zeros'})` : 'TDES (encrypt zeros)'],
    ['KCV', 'kcv', toHex(kcv(aes ? 'aes' : 'tdes', key, { method }))],
  ]);
}
