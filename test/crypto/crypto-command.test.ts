import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cryptoCommand } from '../../harness/cli/crypto-command';

interface Run {
  code: number;
  out: string;
  err: string;
}

async function run(...args: string[]): Promise<Run> {
  let out = '';
  let err = '';
  const code = await cryptoCommand(args, { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) } });
  return { code, out, err };
}

/** `label: value` lines as an object. */
function lines(out: string): Record<string, string> {
  return Object.fromEntries(out.trim().split('\n').map((l) => [l.slice(0, l.indexOf(': ')), l.slice(l.indexOf(': ') + 2)]));
}

// Test keys and vectors: ANSI X9.24-1:2009 A.4 and the X9.24-3-2017 supplement, as cited in
// dukpt-tdes.test.ts and dukpt-aes.test.ts; CMAC from NIST SP 800-38B D.1; retail MAC from
// ISO 9797-1 Annex B (see mac.test.ts).
const TDES_BDK = '0123456789ABCDEFFEDCBA9876543210';
const AES_BDK = 'FEDCBA9876543210F1F1F1F1F1F1F1F1';

describe('poshil crypto (bench calculator)', () => {
  describe('dukpt', () => {
    it('prints the TDES IPEK, the transaction key and the PIN key as label: value lines', async () => {
      const r = await run('dukpt', '--bdk', TDES_BDK, '--ksn', 'FFFF9876543210E00001');
      expect(r.code).toBe(0);
      expect(r.err).toBe('');
      const v = lines(r.out);
      expect(v['IPEK']).toBe('6AC292FAA1315B4D858AB3A3D7D5933A');
      expect(v['transaction key']).toBe('042666B49184CFA368DE9628D0397BC9');
      expect(v['usage']).toBe('pin');
      expect(v['working key']).toBe('042666B49184CF5C68DE9628D0397B36');
      expect(v['counter']).toBe('1');
    });

    it('prints the data key (after the one-way step) for --usage data', async () => {
      const r = await run('dukpt', '--bdk', TDES_BDK, '--ksn', 'FFFF9876543210E00001', '--usage', 'data', '--json');
      expect(r.code).toBe(0);
      const j = JSON.parse(r.out) as Record<string, unknown>;
      expect(j['usage']).toBe('data');
      expect(j['workingKey']).toMatch(/^[0-9A-F]{32}$/);
      expect(j['workingKey']).not.toBe('042666B49184CFA368DE9628D0397BC9');
    });

    it('prints the AES initial key, derivation key and working key with --aes, as JSON for scripts', async () => {
      const r = await run('dukpt', '--aes', '--bdk', AES_BDK, '--ksn', '123456789012345600000001', '--usage', 'mac', '--json');
      expect(r.code).toBe(0);
      expect(JSON.parse(r.out)).toMatchObject({
        initialKeyId: '1234567890123456',
        counter: 1,
        initialKey: '1273671EA26AC29AFA4D1084127652A1',
        derivationKey: '4F21B565BAD9835E112B6465635EAE44',
        usage: 'mac',
        workingKeyType: 'AES128',
        workingKey: 'A2DC23DE6FDE0824A2BC321E08E4B8B7',
      });
    });

    it('derives 2TDEA working keys from an AES initial key with --key-type', async () => {
      const r = await run('dukpt', '--aes', '--ik', '1273671EA26AC29AFA4D1084127652A1', '--ksn', '123456789012345600000001', '--key-type', '2tdea');
      expect(r.code).toBe(0);
      expect(lines(r.out)['working key']).toBe('630C706D9546E47D4449313F61C4D4AB');
    });

    it('starts from the TDES IPEK with --ik', async () => {
      const r = await run('dukpt', '--ik', '6AC292FAA1315B4D858AB3A3D7D5933A', '--ksn', 'FFFF9876543210E00003');
      expect(lines(r.out)['transaction key']).toBe('0DF3D9422ACA56E547676D07AD6BADFA');
    });

    it('shows the IPEK for the initial KSN and notes on stderr that counter 0 has no transaction key', async () => {
      const r = await run('dukpt', '--bdk', TDES_BDK, '--ksn', 'FFFF9876543210E00000');
      expect(r.code).toBe(0);
      expect(lines(r.out)['IPEK']).toBe('6AC292FAA1315B4D858AB3A3D7D5933A');
      expect(r.out).not.toContain('working key');
      expect(r.err).toMatch(/counter is 0/);
    });

    it('exits 2 with a clear message for a short KSN', async () => {
      const r = await run('dukpt', '--bdk', TDES_BDK, '--ksn', 'FFFF9876543210E000');
      expect(r).toEqual({ code: 2, out: '', err: 'poshil crypto: --ksn must be 20 hex digits (10 bytes), got 18\n' });
      const aes = await run('dukpt', '--aes', '--bdk', AES_BDK, '--ksn', 'FFFF9876543210E00001');
      expect(aes.err).toBe('poshil crypto: --ksn must be 24 hex digits (12 bytes) with --aes, got 20\n');
    });

    it('exits 2 for an AES counter with more than 16 one-bits', async () => {
      const r = await run('dukpt', '--aes', '--bdk', AES_BDK, '--ksn', '12345678901234560001FFFF');
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/0x0001FFFF has 17 one-bits; X9.24-3-2017 allows at most 16/);
    });

    it('never echoes the key in an error', async () => {
      const short = TDES_BDK.slice(0, 30);
      const r = await run('dukpt', '--bdk', short, '--ksn', 'FFFF9876543210E00001');
      expect(r.code).toBe(2);
      expect(r.err).toBe('poshil crypto: the key from --bdk must be 32 hex digits, got 30\n');
      expect(r.err).not.toContain(short);
    });

    it('does not echo a value given without its option (it may be a key)', async () => {
      const r = await run('kcv', '--aes', TDES_BDK);
      expect(r.code).toBe(2);
      expect(r.err).not.toContain(TDES_BDK);
      expect(r.err).toMatch(/unexpected argument/);
    });

    it('rejects unknown usages and options with exit code 2', async () => {
      expect((await run('dukpt', '--bdk', TDES_BDK, '--ksn', 'FFFF9876543210E00001', '--usage', 'kek')).err).toMatch(/--usage must be one of pin, mac, mac-response, data, data-response \(TDES DUKPT\), got 'kek'/);
      const r = await run('dukpt', '--bdkk', TDES_BDK);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/unknown option '--bdkk'/);
      expect(r.err).not.toContain(TDES_BDK);
    });
  });

  describe('keys from the environment and from files', () => {
    let dir: string;
    beforeAll(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'poshil-cli-keys-'));
    });
    afterAll(() => {
      fs.rmSync(dir, { recursive: true, force: true });
      delete process.env['POSHIL_TEST_BDK'];
    });

    it('reads --bdk-env NAME', async () => {
      process.env['POSHIL_TEST_BDK'] = TDES_BDK;
      const r = await run('dukpt', '--bdk-env', 'POSHIL_TEST_BDK', '--ksn', 'FFFF9876543210E00001');
      expect(r.code).toBe(0);
      expect(lines(r.out)['IPEK']).toBe('6AC292FAA1315B4D858AB3A3D7D5933A');
    });

    it('reports an unset variable by name', async () => {
      const r = await run('kcv', '--key-env', 'POSHIL_TEST_UNSET_KEY');
      expect(r).toEqual({ code: 2, out: '', err: 'poshil crypto: environment variable POSHIL_TEST_UNSET_KEY is not set\n' });
    });

    it('reads --key-file and warns on stderr (still exit 0) when it is readable by others', async () => {
      const file = path.join(dir, 'key.hex');
      fs.writeFileSync(file, '0123 4567 89AB CDEF\nFEDC BA98 7654 3210\n');
      fs.chmodSync(file, 0o644);
      const r = await run('kcv', '--key-file', file);
      expect(r.code).toBe(0);
      expect(lines(r.out)['KCV']).toBe('08D7B4');
      if (process.platform !== 'win32') expect(r.err).toMatch(/warning: key file .* is readable by group and others/);
      fs.chmodSync(file, 0o600);
      expect((await run('kcv', '--key-file', file)).err).toBe('');
    });

    it('refuses two sources for one key', async () => {
      const r = await run('kcv', '--key', TDES_BDK, '--key-env', 'X');
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/--key was given more than once/);
    });
  });

  describe('pinblock', () => {
    it('encodes the X9.24-1 A.4 format 0 block and enciphers it under a TDEA key', async () => {
      const r = await run('pinblock', 'encode', '--format', '0', '--pin', '1234', '--pan', '4012345678909', '--key', '042666B49184CF5C68DE9628D0397B36');
      expect(r.code).toBe(0);
      const v = lines(r.out);
      expect(v['clear PIN block']).toBe('041274EDCBA9876F');
      expect(v['encrypted PIN block']).toBe('1B9C1845EB993A7A'); // X9.24-1:2009 A.4.2, counter 1
    });

    it('decodes an enciphered format 0 block back to the PIN', async () => {
      const r = await run('pinblock', 'decode', '--format', '0', '--block', '1B9C1845EB993A7A', '--pan', '4012345678909', '--key', '042666B49184CF5C68DE9628D0397B36', '--json');
      expect(JSON.parse(r.out)).toEqual({ format: 0, pin: '1234' });
    });

    it('encodes and decodes format 4 with an AES key (random fill each time)', async () => {
      const key = 'AF8CB133A78F8DC2D1359F18527593FB';
      const a = lines((await run('pinblock', 'encode', '--format', '4', '--pin', '987654', '--pan', '4111111111111111', '--key', key)).out);
      const b = lines((await run('pinblock', 'encode', '--format', '4', '--pin', '987654', '--pan', '4111111111111111', '--key', key)).out);
      expect(a['plain PIN field']).toMatch(/^46987654AAAAAAAA[0-9A-F]{16}$/);
      expect(a['PIN block']).not.toBe(b['PIN block']);
      const d = await run('pinblock', 'decode', '--format', '4', '--block', a['PIN block'] as string, '--pan', '4111111111111111', '--key', key);
      expect(lines(d.out)['PIN']).toBe('987654');
      // X9.24-3-2017 supplement example (see pinblock.test.ts).
      const x = await run('pinblock', 'decode', '--format', '4', '--block', 'A912150391AB65A67E52883D81CE2D15', '--pan', '4111111111111111', '--key', key);
      expect(lines(x.out)['PIN']).toBe('1234');
    });

    it('needs the key for format 4 and the PAN for formats 0, 3 and 4 (exit 2)', async () => {
      expect((await run('pinblock', 'encode', '--format', '4', '--pin', '1234', '--pan', '4111111111111111')).err).toMatch(/--key is missing/);
      expect((await run('pinblock', 'encode', '--format', '3', '--pin', '1234')).err).toMatch(/--pan is required for PIN block format 3/);
      const bad = await run('pinblock', 'encode', '--format', '2', '--pin', '1234', '--pan', '4111111111111111');
      expect(bad.code).toBe(2);
      expect(bad.err).toMatch(/--format must be 0, 1, 3 or 4, got '2'/);
    });

    it('rejects a block of the wrong length for its format', async () => {
      const r = await run('pinblock', 'decode', '--format', '4', '--block', '041274EDCBA9876F', '--pan', '4111111111111111', '--key', 'AF8CB133A78F8DC2D1359F18527593FB');
      expect(r.err).toBe('poshil crypto: --block must be 32 hex digits (16 bytes) for format 4, got 16\n');
    });
  });

  describe('mac', () => {
    const NOW_ALL = Buffer.from('Now is the time for all ').toString('hex');
    it('computes the ISO 9797-1 algorithm 3 retail MAC', async () => {
      const r = await run('mac', '--alg', '3', '--key', TDES_BDK, '--data', NOW_ALL);
      expect(r.code).toBe(0);
      expect(lines(r.out)['MAC']).toBe('A1C72E74EA3FA9B6');
    });

    it('computes algorithm 1 with padding 2 and a truncated length', async () => {
      const r = await run('mac', '--alg', '1', '--key', '0123456789ABCDEF', '--data', NOW_ALL, '--padding', '2', '--length', '4', '--json');
      const j = JSON.parse(r.out) as Record<string, unknown>;
      expect(j['padding']).toBe(2);
      expect(j['mac']).toMatch(/^[0-9A-F]{8}$/);
    });

    it('computes AES-CMAC with --aes (SP 800-38B D.1 Example 2) and TDEA-CMAC without', async () => {
      const aes = await run('mac', '--alg', 'cmac', '--aes', '--key', '2b7e151628aed2a6abf7158809cf4f3c', '--data', '6bc1bee22e409f96e93d7e117393172a');
      expect(lines(aes.out)['MAC']).toBe('070A16B46B4D4144F79BDD9DD04A287C');
      const tdes = await run('mac', '--alg', 'cmac', '--key', '4cf15134a2850dd58a3d10ba80570d38', '--data', '6bc1bee22e409f96');
      expect(lines(tdes.out)['MAC']).toBe('4FF2AB813C53CE83');
    });

    it('rejects --padding with CMAC and odd-length data', async () => {
      expect((await run('mac', '--alg', 'cmac', '--aes', '--key', AES_BDK, '--data', '00', '--padding', '1')).code).toBe(2);
      const odd = await run('mac', '--alg', '3', '--key', TDES_BDK, '--data', 'ABC');
      expect(odd.err).toBe('poshil crypto: --data must have an even number of hex digits, got 3\n');
    });
  });

  describe('kcv', () => {
    it('prints the TDES KCV, and the AES KCV by CMAC or by encrypting zeros', async () => {
      expect(lines((await run('kcv', '--key', TDES_BDK)).out)['KCV']).toBe('08D7B4');
      const cmac = lines((await run('kcv', '--key', '2b7e151628aed2a6abf7158809cf4f3c', '--aes')).out)['KCV'];
      const zeros = lines((await run('kcv', '--key', '2b7e151628aed2a6abf7158809cf4f3c', '--aes', '--method', 'encrypt-zeros')).out)['KCV'];
      expect(cmac).toMatch(/^[0-9A-F]{6}$/);
      expect(zeros).toMatch(/^[0-9A-F]{6}$/);
      expect(cmac).not.toBe(zeros);
    });
  });

  describe('the command itself', () => {
    it('prints help with exit 0, and usage on stderr with exit 2 when no subcommand is given', async () => {
      const help = await run('--help');
      expect(help.code).toBe(0);
      expect(help.out).toMatch(/poshil crypto dukpt --bdk HEX --ksn HEX/);
      const none = await run();
      expect(none.code).toBe(2);
      expect(none.err).toMatch(/Usage:/);
    });

    it('rejects an unknown subcommand with exit 2, without echoing it when it looks like a key', async () => {
      const r = await run('hsm');
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/unknown crypto command 'hsm'/);
      const k = await run(TDES_BDK);
      expect(k.code).toBe(2);
      expect(k.err).not.toContain(TDES_BDK);
      expect(k.err).toMatch(/unknown crypto command <hex value not shown>/);
    });
  });
});
