import {
  decipherFormat4,
  decodeClearPinBlock,
  decodePinBlock,
  encipherFormat4,
  encodeClearPinBlock,
  encodePinBlock,
  format4PanField,
  format4PinField,
  panField8,
  toHex,
} from '../../harness/crypto';
import type { RandomSource } from '../../harness/crypto';

const h = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

/** A deterministic RNG: hands out the given bytes in order, then repeats them. */
function fixedRandom(hex: string): RandomSource {
  const bytes = h(hex);
  let at = 0;
  return (n) => {
    const out = Buffer.alloc(n);
    for (let i = 0; i < n; i++) out[i] = bytes[at++ % bytes.length] as number;
    return out;
  };
}

/** A seeded pseudo-random source (xorshift32) for property-style round trips. */
function seeded(seed: number): RandomSource {
  let x = seed >>> 0 || 1;
  return (n) => {
    const out = Buffer.alloc(n);
    for (let i = 0; i < n; i++) {
      x ^= x << 13;
      x >>>= 0;
      x ^= x >>> 17;
      x ^= x << 5;
      x >>>= 0;
      out[i] = x & 0xff;
    }
    return out;
  };
}

describe('ISO 9564-1 PIN blocks', () => {
  describe('format 0', () => {
    it('encodes the X9.24-1:2009 A.4 example: PIN 1234, PAN 4012345678909 → 041274EDCBA9876F', () => {
      // Source: ANSI X9.24-1:2009 A.4 test data, as transcribed in openemv/dukpt test/dukpt_tdes_test.c (pinblock).
      expect(toHex(encodeClearPinBlock(0, '1234', '4012345678909'))).toBe('041274EDCBA9876F');
      expect(decodeClearPinBlock(0, h('041274EDCBA9876F'), '4012345678909')).toBe('1234');
    });

    it('encodes the ID TECH example: PIN 1234, PAN 43219876543210987 → 0412AC89ABCDEF67', () => {
      // Source: ID TECH knowledge base, "PIN block format 0" page (atlassian.idtechproducts.com, pageId=50529496).
      expect(toHex(encodeClearPinBlock(0, '1234', '43219876543210987'))).toBe('0412AC89ABCDEF67');
    });

    it('takes the 12 rightmost PAN digits before the check digit, left-padding short PANs', () => {
      expect(toHex(panField8('4111111111111111'))).toBe('0000111111111111');
      expect(toHex(panField8('12345678'))).toBe('0000000001234567');
    });

    it('refuses to decode with the wrong PAN (the control, length or fill no longer fits)', () => {
      expect(() => decodeClearPinBlock(0, h('041274EDCBA9876F'), '4111111111111111')).toThrow(expect.objectContaining({ code: 'PIN_BLOCK_INVALID' }));
    });
  });

  describe('format 1', () => {
    it('puts 1, the length, the PIN and random 0–F fill in the block, with no PAN', () => {
      const block = encodeClearPinBlock(1, '1234', undefined, fixedRandom('00010203040506070809'));
      // No published format 1 example found; the expected value follows the format's definition
      // with the injected fill nibbles 0,1,2,… (one nibble per random byte, 0–15).
      expect(toHex(block)).toBe('141234' + '0123456789');
      expect(decodeClearPinBlock(1, block)).toBe('1234');
    });
  });

  describe('format 3', () => {
    it('uses random A–F fill and the PAN like format 0', () => {
      // No published format 3 example with a consistent PAN field was found; this checks the
      // definition: fill nibbles A–F drawn from the RNG (bytes 0..5 → A..F), XOR the PAN field.
      const clear = encodeClearPinBlock(3, '1234', '4012345678909', fixedRandom('000102030405'));
      const field = Buffer.from('341234ABCDEFABCD', 'hex');
      const expected = Buffer.from(field.map((b, i) => b ^ (panField8('4012345678909')[i] as number)));
      expect(toHex(clear)).toBe(toHex(expected));
      expect(decodeClearPinBlock(3, clear, '4012345678909')).toBe('1234');
    });

    it('fails instead of hanging when the RNG only returns bytes it cannot use', () => {
      expect(() => encodeClearPinBlock(3, '1234', '4111111111111111', () => Buffer.alloc(16, 0xff))).toThrow(/unusable bytes/);
    });

    it('never puts a fill nibble below A, whatever the RNG returns', () => {
      for (let seed = 1; seed < 50; seed++) {
        const clear = encodeClearPinBlock(3, '12345', '4111111111111111', seeded(seed));
        const field = Buffer.from(clear.map((b, i) => b ^ (panField8('4111111111111111')[i] as number)));
        expect(toHex(field).slice(7)).toMatch(/^[A-F]{9}$/);
      }
    });
  });

  describe('format 4 (AES)', () => {
    // ANSI X9.24-3-2017 supplement, format 4 worked example: PIN 1234, PAN 4111111111111111,
    // random 2F69ADDE2E9E7ACE, PIN keys of counters 1–3. Source: teamforage/forage-android-sdk
    // forage-android/src/test/java/com/joinforage/forage/android/pos/encryption/PinBlockIso4Test.kt.
    it.each([
      ['AF8CB133A78F8DC2D1359F18527593FB', 'A912150391AB65A67E52883D81CE2D15'],
      ['D30BDC73EC9714B000BEC66BDB7B6D09', '52A00503BD34BA1383F6A7EE9FE2547F'],
      ['7D69F01F3B45449F62C7816ECE723268', 'A5A27E82B43A9A866A93D7ABE89CEF93'],
    ])('enciphers the X9.24-3 example under PIN key %s to %s, and deciphers it back', (key, block) => {
      expect(toHex(encipherFormat4('1234', '4111111111111111', h(key), fixedRandom('2F69ADDE2E9E7ACE')))).toBe(block);
      expect(decipherFormat4(h(block), '4111111111111111', h(key))).toBe('1234');
    });

    it('enciphers the Wpay example with an AES-256 key and a 16-digit PAN', () => {
      // Source: developerhub.wpay.com.au/cardsconnect/reference/aes-128-bit-pin-block-or-iso-format-4
      // ("Formatting AES PIN Block with Full PAN (16 digits)").
      const key = h('62CB437131C129DF001D42676011975150506E2A382145FD9BDEA7EC5A339F63');
      expect(toHex(format4PinField('1234', fixedRandom('FFC853BBF9685D5E')))).toBe('441234AAAAAAAAAAFFC853BBF9685D5E');
      expect(toHex(format4PanField('5237481234567895'))).toBe('45237481234567895000000000000000');
      expect(toHex(encipherFormat4('1234', '5237481234567895', key, fixedRandom('FFC853BBF9685D5E')))).toBe('060E768D21D709B5D2A3F9660A704B9D');
    });

    it('builds the PAN field with M = PAN length − 12, padding short PANs to 12 digits', () => {
      expect(toHex(format4PanField('4111111111111111'))).toBe('44111111111111111000000000000000');
      expect(toHex(format4PanField('1234567890123456789'))).toBe('71234567890123456789000000000000');
      expect(toHex(format4PanField('12345678'))).toBe('00000123456780000000000000000000');
    });

    it('refuses to decode under the wrong key or PAN', () => {
      const block = encipherFormat4('1234', '4111111111111111', h('AF8CB133A78F8DC2D1359F18527593FB'));
      expect(() => decipherFormat4(block, '4111111111111111', h('D30BDC73EC9714B000BEC66BDB7B6D09'))).toThrow(expect.objectContaining({ code: 'PIN_BLOCK_INVALID' }));
      expect(() => decipherFormat4(block, '4111111111111112', h('AF8CB133A78F8DC2D1359F18527593FB'))).toThrow(/is the key or the PAN right/);
    });
  });

  describe('round trips through encodePinBlock / decodePinBlock', () => {
    const tdesKey = h('0123456789ABCDEFFEDCBA9876543210');
    const aesKey = h('AF8CB133A78F8DC2D1359F18527593FB');
    const pans = ['4111111111111111', '4012345678909', '5413330089010434', '1234567890123456789', '12345678'];
    it.each([0, 1, 3, 4] as const)('format %i: every PIN length 4–12 decodes to itself, clear and enciphered', (format) => {
      let seed = 7;
      for (let len = 4; len <= 12; len++) {
        for (const pan of pans) {
          const pin = String(seed * 7919).padStart(12, '3').slice(0, len);
          const random = seeded(seed++);
          const key = format === 4 ? aesKey : tdesKey;
          const enc = encodePinBlock({ format, pin, pan, key, random });
          expect(decodePinBlock({ format, block: enc.encrypted as Buffer, pan, key })).toBe(pin);
          if (format !== 4) expect(decodePinBlock({ format, block: enc.clear, pan })).toBe(pin);
        }
      }
    });

    it('uses the injected RNG: the same seed gives the same block, another seed another block', () => {
      const a = encodePinBlock({ format: 4, pin: '1234', pan: '4111111111111111', key: aesKey, random: seeded(1) });
      const b = encodePinBlock({ format: 4, pin: '1234', pan: '4111111111111111', key: aesKey, random: seeded(1) });
      const c = encodePinBlock({ format: 4, pin: '1234', pan: '4111111111111111', key: aesKey, random: seeded(2) });
      expect(toHex(a.encrypted as Buffer)).toBe(toHex(b.encrypted as Buffer));
      expect(toHex(a.encrypted as Buffer)).not.toBe(toHex(c.encrypted as Buffer));
    });

    it('reports the plain PIN field that was actually enciphered for format 4', () => {
      const enc = encodePinBlock({ format: 4, pin: '1234', pan: '4111111111111111', key: aesKey, random: fixedRandom('2F69ADDE2E9E7ACE') });
      expect(toHex(enc.clear)).toBe('441234AAAAAAAAAA2F69ADDE2E9E7ACE');
      expect(toHex(enc.encrypted as Buffer)).toBe('A912150391AB65A67E52883D81CE2D15');
    });
  });

  describe('input rules', () => {
    it('rejects PINs shorter than 4 or longer than 12 digits, or with non-digits, without echoing them', () => {
      expect(() => encodeClearPinBlock(0, '123', '4111111111111111')).toThrow(expect.objectContaining({ code: 'PIN_INVALID', message: expect.stringContaining('got 3') }));
      expect(() => encodeClearPinBlock(0, '1234567890123', '4111111111111111')).toThrow(expect.objectContaining({ code: 'PIN_INVALID' }));
      expect(() => encodeClearPinBlock(0, '12a4', '4111111111111111')).toThrow(expect.objectContaining({ code: 'PIN_INVALID', message: expect.not.stringContaining('12a4') }));
    });

    it('rejects a missing or malformed PAN where the format needs one', () => {
      expect(() => encodeClearPinBlock(0, '1234')).toThrow(expect.objectContaining({ code: 'PAN_INVALID' }));
      expect(() => encodeClearPinBlock(3, '1234', '4111-1111')).toThrow(expect.objectContaining({ code: 'PAN_INVALID' }));
      expect(() => encodePinBlock({ format: 4, pin: '1234', pan: '4111111111111111' })).toThrow(expect.objectContaining({ code: 'KEY_SOURCE' }));
    });

    it('rejects blocks of the wrong size', () => {
      expect(() => decodePinBlock({ format: 0, block: h('0412'), pan: '4111111111111111' })).toThrow(/8 bytes \(16 hex digits\), got 4/);
      expect(() => decodePinBlock({ format: 4, block: h('0412'), pan: '4111111111111111', key: h('AF8CB133A78F8DC2D1359F18527593FB') })).toThrow(/16 bytes/);
    });
  });
});
