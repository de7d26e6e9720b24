import fs from 'node:fs';
import { CryptoError } from './errors';
import { parseHex, toHex } from './hex';

/**
 * Loading keys for the bench calculator. A key comes from exactly one of: hex on the command
 * line (test keys only — it lands in shell history and `ps`), an environment variable, or a key
 * file. Whitespace in the hex is ignored. A key file that group or others can read gives a
 * warning, returned to the caller (never printed here). No message ever contains key material:
 * they name the source and the shape of the problem only.
 */

export interface KeySource {
  /** Hex given directly (e.g. `--key`). */
  hex?: string;
  /** Name of an environment variable holding the hex (e.g. `--key-env`). */
  env?: string;
  /** Path of a file holding the hex (e.g. `--key-file`). */
  file?: string;
}

export interface LoadKeyOptions {
  /** How the key is named in messages, e.g. "--bdk" or "BDK". */
  name?: string;
  /** Allowed lengths in bytes; anything else is a KEY_LENGTH error. */
  lengths?: readonly number[];
  /** Environment to read from (default process.env). */
  env?: NodeJS.ProcessEnv;
}

export interface LoadedKey {
  key: Buffer;
  /** Where it came from, for messages: "--key", "environment variable BDK", "key file ./bdk.hex". */
  from: string;
  warnings: string[];
}

function checkLength(key: Buffer, from: string, lengths?: readonly number[]): void {
  if (lengths && !lengths.includes(key.length)) {
    const want = lengths.map((n) => `${n * 2}`).join(', ').replace(/, ([^,]*)$/, ' or $1');
    throw new CryptoError('KEY_LENGTH', `the key from ${from} must be ${want} hex digits, got ${key.length * 2}`);
  }
}

export function keyFromHex(hex: string, options: LoadKeyOptions = {}): LoadedKey {
  const from = options.name ?? 'the command line';
  const key = parseHex(hex, `the key from ${from}`);
  if (key.length === 0) throw new CryptoError('KEY_SOURCE', `the key from ${from} is empty`);
  checkLength(key, from, options.lengths);
  return { key, from, warnings: [] };
}

export function keyFromEnv(variable: string, options: LoadKeyOptions = {}): LoadedKey {
  const env = options.env ?? process.env;
  const from = `environment variable ${variable}`;
  const value = env[variable];
  if (value === undefined) throw new CryptoError('KEY_SOURCE', `${from} is not set`);
  if (value.trim() === '') throw new CryptoError('KEY_SOURCE', `${from} is empty`);
  const key = parseHex(value, `the key in ${from}`);
  checkLength(key, from, options.lengths);
  return { key, from, warnings: [] };
}

/** Group- or world-readable key files get a warning (POSIX permission bits; not meaningful on Windows). */
export function keyFilePermissionWarning(path: string, mode: number): string | undefined {
  if (process.platform === 'win32') return undefined;
  const readable = mode & 0o044;
  if (!readable) return undefined;
  const who = (mode & 0o040 ? ['group'] : []).concat(mode & 0o004 ? ['others'] : []).join(' and ');
  return `key file ${path} is readable by ${who} (mode ${(mode & 0o777).toString(8).padStart(4, '0')}); restrict it with: chmod 600 ${path}`;
}

export function keyFromFile(path: string, options: LoadKeyOptions = {}): LoadedKey {
  const from = `key file ${path}`;
  let text: string;
  let mode: number;
  try {
    mode = fs.statSync(path).mode;
    text = fs.readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'does not exist' : code === 'EACCES' ? 'cannot be read (permission denied)' : code === 'EISDIR' ? 'is a directory' : `cannot be read (${code ?? 'error'})`;
    throw new CryptoError('KEY_SOURCE', `${from} ${why}`);
  }
  if (text.trim() === '') throw new CryptoError('KEY_SOURCE', `${from} is empty`);
  const key = parseHex(text, `the key in ${from}`);
  checkLength(key, from, options.lengths);
  const warning = keyFilePermissionWarning(path, mode);
  return { key, from, warnings: warning ? [warning] : [] };
}

/** Load a key from exactly one source. */
export function loadKey(source: KeySource, options: LoadKeyOptions = {}): LoadedKey {
  const given = (['hex', 'env', 'file'] as const).filter((k) => source[k] !== undefined);
  const name = options.name ?? 'the key';
  if (given.length === 0) throw new CryptoError('KEY_SOURCE', `${name} is missing`);
  if (given.length > 1) throw new CryptoError('KEY_SOURCE', `${name} was given more than once (${given.join(', ')}); give one source`);
  if (source.hex !== undefined) return keyFromHex(source.hex, options);
  if (source.env !== undefined) return keyFromEnv(source.env, options);
  return keyFromFile(source.file as string, options);
}

/**
 * Remove key material from text: the hex of each key in any letter case, and — for keys longer
 * than 8 bytes — each of its 8-byte components (a TDEA key's K1/K2/K3 are often printed apart).
 */
export function redact(text: string, keys: Iterable<Uint8Array | string>, replacement = '[REDACTED]'): string {
  const patterns = new Set<string>();
  for (const k of keys) {
    const hex = typeof k === 'string' ? k.replace(/\s+/g, '').toUpperCase() : toHex(k);
    if (!/^[0-9A-F]+$/.test(hex)) continue;
    patterns.add(hex);
    if (hex.length > 16) for (let i = 0; i + 16 <= hex.length; i += 16) patterns.add(hex.slice(i, i + 16));
  }
  // Longest first, so a whole key is replaced before its components are looked for.
  let out = text;
  for (const p of [...patterns].sort((a, b) => b.length - a.length)) {
    out = out.replace(new RegExp(p, 'gi'), replacement);
  }
  return out;
}
