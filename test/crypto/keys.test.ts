import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { keyFilePermissionWarning, keyFromEnv, keyFromFile, keyFromHex, loadKey, parseHex, redact, toHex } from '../../harness/crypto';

const KEY_HEX = '0123456789ABCDEFFEDCBA9876543210';

/** The message of whatever `fn` throws (fails the test if it does not throw). */
function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected an error');
}

describe('key loading', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'poshil-keys-'));
  });
  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function writeKeyFile(name: string, text: string, mode: number): string {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    fs.chmodSync(file, mode);
    return file;
  }

  describe('from hex', () => {
    it('ignores whitespace and accepts either case', () => {
      expect(toHex(keyFromHex('0123 4567 89ab cdef\nFEDC BA98 7654 3210').key)).toBe(KEY_HEX);
    });

    it('checks the length and reports it in hex digits without echoing the key', () => {
      const msg = messageOf(() => keyFromHex(KEY_HEX.slice(0, 30), { name: '--bdk', lengths: [16] }));
      expect(msg).toBe('the key from --bdk must be 32 hex digits, got 30');
    });

    it('reports a non-hex character by position, never by value', () => {
      const msg = messageOf(() => keyFromHex('0123456789ABCDEFFEDCBA987654321Z', { name: '--key' }));
      expect(msg).toMatch(/position 32/);
      expect(msg).not.toMatch(/0123456789/);
      expect(msg).not.toContain('Z');
    });
  });

  describe('from an environment variable', () => {
    it('reads the hex from the named variable', () => {
      expect(toHex(keyFromEnv('POSHIL_TEST_BDK', { env: { POSHIL_TEST_BDK: ` ${KEY_HEX.toLowerCase()} ` } }).key)).toBe(KEY_HEX);
    });

    it('says when the variable is unset or empty (KEY_SOURCE)', () => {
      expect(() => keyFromEnv('POSHIL_NOPE', { env: {} })).toThrow(expect.objectContaining({ code: 'KEY_SOURCE', message: 'environment variable POSHIL_NOPE is not set' }));
      expect(() => keyFromEnv('POSHIL_EMPTY', { env: { POSHIL_EMPTY: '  ' } })).toThrow(/is empty/);
    });

    it('never puts the value in a length error', () => {
      const msg = messageOf(() => keyFromEnv('K', { env: { K: KEY_HEX + '00' }, lengths: [16] }));
      expect(msg).toBe('the key from environment variable K must be 32 hex digits, got 34');
    });
  });

  describe('from a key file', () => {
    it('reads hex spread over lines, with no warning when only the owner can read it', () => {
      const file = writeKeyFile('private.hex', '0123456789ABCDEF\nFEDCBA9876543210\n', 0o600);
      const loaded = keyFromFile(file, { lengths: [16] });
      expect(toHex(loaded.key)).toBe(KEY_HEX);
      expect(loaded.warnings).toEqual([]);
    });

    const posix = process.platform === 'win32' ? it.skip : it;
    posix('returns (does not print) a warning when the group or others can read the file', () => {
      const file = writeKeyFile('shared.hex', KEY_HEX, 0o644);
      const loaded = keyFromFile(file);
      expect(toHex(loaded.key)).toBe(KEY_HEX);
      expect(loaded.warnings).toHaveLength(1);
      expect(loaded.warnings[0]).toBe(`key file ${file} is readable by group and others (mode 0644); restrict it with: chmod 600 ${file}`);
      const groupOnly = writeKeyFile('group.hex', KEY_HEX, 0o640);
      expect(keyFromFile(groupOnly).warnings[0]).toMatch(/readable by group \(mode 0640\)/);
    });

    it('names the permission problem from the mode bits alone', () => {
      if (process.platform === 'win32') return;
      expect(keyFilePermissionWarning('k.hex', 0o100604)).toMatch(/readable by others \(mode 0604\)/);
      expect(keyFilePermissionWarning('k.hex', 0o100600)).toBeUndefined();
      expect(keyFilePermissionWarning('k.hex', 0o100400)).toBeUndefined();
    });

    it('says when the file is missing, empty or not hex — without its content', () => {
      expect(() => keyFromFile(path.join(dir, 'missing.hex'))).toThrow(expect.objectContaining({ code: 'KEY_SOURCE', message: expect.stringMatching(/does not exist$/) }));
      const empty = writeKeyFile('empty.hex', '\n', 0o600);
      expect(() => keyFromFile(empty)).toThrow(/is empty/);
      const bad = writeKeyFile('bad.hex', `${KEY_HEX}-secret`, 0o600);
      const msg = messageOf(() => keyFromFile(bad));
      expect(msg).toMatch(/must be hex digits/);
      expect(msg).not.toContain(KEY_HEX);
      expect(msg).not.toContain('secret');
    });
  });

  describe('choosing a source', () => {
    it('takes exactly one of hex, env and file', () => {
      expect(toHex(loadKey({ hex: KEY_HEX }).key)).toBe(KEY_HEX);
      expect(() => loadKey({}, { name: '--bdk' })).toThrow(expect.objectContaining({ code: 'KEY_SOURCE', message: '--bdk is missing' }));
      expect(() => loadKey({ hex: KEY_HEX, env: 'X' }, { name: '--bdk' })).toThrow(/given more than once \(hex, env\)/);
    });
  });

  describe('parseHex', () => {
    it('rejects an odd number of digits, naming the count', () => {
      expect(() => parseHex('ABC', '--data')).toThrow('--data must have an even number of hex digits, got 3');
    });
  });
});

describe('redact', () => {
  it('removes a key in any letter case', () => {
    const text = `bdk=${KEY_HEX} again ${KEY_HEX.toLowerCase()} and Mixed ${'0123456789abcdefFEDCBA9876543210'}`;
    const out = redact(text, [Buffer.from(KEY_HEX, 'hex')]);
    expect(out).toBe('bdk=[REDACTED] again [REDACTED] and Mixed [REDACTED]');
  });

  it('also removes the 8-byte halves of a TDEA key printed apart', () => {
    expect(redact('K1 0123456789abcdef K2 FEDCBA9876543210', [KEY_HEX])).toBe('K1 [REDACTED] K2 [REDACTED]');
  });

  it('accepts keys as hex strings with spaces, and leaves other text alone', () => {
    expect(redact('ksn FFFF9876543210E00001 key 0123456789ABCDEFFEDCBA9876543210', ['0123 4567 89AB CDEF FEDC BA98 7654 3210'])).toBe('ksn FFFF9876543210E00001 key [REDACTED]');
    expect(redact('nothing to hide', [KEY_HEX])).toBe('nothing to hide');
  });
});
