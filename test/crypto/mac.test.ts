import { aesCmac, cbcEncrypt, cmacSubkeys, iso9797Mac, kcv, macAlgorithm1, macAlgorithm3, pad, tdesCmac, toHex } from '../../harness/crypto';

const h = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

// NIST SP 800-38B Appendix D example messages (also RFC 4493 section 4 for AES-128).
const M = h(
  '6bc1bee22e409f96e93d7e117393172a ae2d8a571e03ac9c9eb76fac45af8e51 30c81c46a35ce411e5fbc1191a0a52ef f69f2445df4f9b17ad2b417be66c3710',
);

// ISO/IEC 9797-1 Annex B test data: K = 0123456789ABCDEF, K' = FEDCBA9876543210, the ASCII text
// "Now is the time for all " (24 bytes) and "Now is the time for it" (22 bytes).
const KK = h('0123456789ABCDEFFEDCBA9876543210');
const NOW_ALL = Buffer.from('Now is the time for all ', 'ascii');
const NOW_IT = Buffer.from('Now is the time for it', 'ascii');

describe('MACs', () => {
  describe('CMAC (NIST SP 800-38B)', () => {
    // SP 800-38B Appendix D.1, AES-128, Examples 1–4 (= RFC 4493 section 4).
    const AES_KEY = h('2b7e151628aed2a6abf7158809cf4f3c');
    it('derives the D.1 AES-128 subkeys K1 = fbeed618357133667c85e08f7236a8de, K2 = f7ddac306ae266ccf90bc11ee46d513b', () => {
      const { k1, k2 } = cmacSubkeys('aes', AES_KEY);
      expect(k1.toString('hex')).toBe('fbeed618357133667c85e08f7236a8de');
      expect(k2.toString('hex')).toBe('f7ddac306ae266ccf90bc11ee46d513b');
    });

    it.each([
      [0, 'bb1d6929e95937287fa37d129b756746'],
      [16, '070a16b46b4d4144f79bdd9dd04a287c'],
      [40, 'dfa66747de9ae63030ca32611497c827'],
      [64, '51f0bebf7e3b9d92fc49741779363cfe'],
    ])('AES-128 CMAC of the first %i bytes of the D.1 message is %s', (len, mac) => {
      expect(aesCmac(AES_KEY, M.subarray(0, len)).toString('hex')).toBe(mac);
    });

    // SP 800-38B Appendix D.4 (three-key TDEA, Examples 13–16) and D.5 (two-key TDEA, Examples
    // 17–20), with NIST's published errata corrections to Examples 14, 15, 18 and 19 (the
    // original document repeated Example 13's/17's MAC and had wrong values for 15/19).
    it.each([
      [0, 'b7a688e122ffaf95'],
      [8, '8e8f293136283797'],
      [20, '743ddbe0ce2dc2ed'],
      [32, '33e6b1092400eae5'],
    ])('three-key TDEA CMAC of the first %i bytes is %s', (len, mac) => {
      expect(tdesCmac(h('8aa83bf8cbda1062 0bc1bf19fbb6cd58 bc313d4a371ca8b5'), M.subarray(0, len)).toString('hex')).toBe(mac);
    });

    it.each([
      [0, 'bd2ebf9a3ba00361'],
      [8, '4ff2ab813c53ce83'],
      [20, '62dd1b471902bd4e'],
      [32, '31b1e431dabc4eb8'],
    ])('two-key TDEA CMAC of the first %i bytes is %s', (len, mac) => {
      expect(tdesCmac(h('4cf15134a2850dd5 8a3d10ba80570d38'), M.subarray(0, len)).toString('hex')).toBe(mac);
    });

    it('truncates to the leftmost bytes on request and refuses lengths under 4 bytes', () => {
      expect(aesCmac(AES_KEY, M.subarray(0, 16), 8).toString('hex')).toBe('070a16b46b4d4144');
      expect(() => aesCmac(AES_KEY, M, 2)).toThrow(expect.objectContaining({ code: 'MAC_INPUT' }));
    });
  });

  describe('ISO 9797-1 MAC algorithm 3 (ANSI X9.19 retail MAC)', () => {
    it('matches the ISO 9797-1 Annex B.4 examples (padding method 1): A1C72E74 and 2E2B1428', () => {
      // Source: ISO/IEC 9797-1:2011 Annex B.4, as transcribed in openemv/crypto
      // test/crypto_tdes2_retail_mac_test.c (the standard gives the leftmost 32 bits).
      expect(toHex(macAlgorithm3(KK, NOW_ALL, 1, 4))).toBe('A1C72E74');
      expect(toHex(macAlgorithm3(KK, NOW_IT, 1, 4))).toBe('2E2B1428');
    });

    it('gives the full 64-bit X9.19 MAC A1C72E74EA3FA9B6 for "Now is the time for all "', () => {
      // Source: imohsenb/ISO8583-Message-Client-DotNet Iso8583Test/MacGeneratorUnitTest.cs (TestAnsi919Pad).
      expect(toHex(macAlgorithm3(KK, NOW_ALL))).toBe('A1C72E74EA3FA9B6');
      // Same file, TestAnsi919NoPad: the message with ABCD appended (zero-padded to 32 bytes).
      expect(toHex(macAlgorithm3(KK, Buffer.concat([NOW_ALL, h('ABCD')])))).toBe('1C050879D95816B8');
    });

    it('equals single-DES CBC under K, then decrypt under K′ and encrypt under K (independent cross-check with node CBC)', () => {
      // Retail MAC = single-DES CBC under K over all blocks but the last, then the last block
      // (XOR the chaining value) TDEA-encrypted under K ‖ K′ ‖ K: E_K(D_K′(E_K(x)))).
      const padded = pad(Buffer.from('any message that is not a whole block', 'ascii'), 2);
      const chain = cbcEncrypt('tdes', KK.subarray(0, 8), padded.subarray(0, -8)).subarray(-8);
      const last = Buffer.from(padded.subarray(-8).map((b, i) => b ^ (chain[i] as number)));
      const expected = cbcEncrypt('tdes', Buffer.concat([KK, KK.subarray(0, 8)]), last);
      expect(toHex(macAlgorithm3(KK, padded, 1))).toBe(toHex(expected));
    });

    it('takes only a 16-byte key', () => {
      expect(() => macAlgorithm3(h('0123456789ABCDEF'), NOW_ALL)).toThrow(expect.objectContaining({ code: 'KEY_LENGTH' }));
    });
  });

  describe('ISO 9797-1 MAC algorithm 1 (CBC-MAC)', () => {
    it('gives the ANSI X9.9 single-DES MAC 70A30640CC76DD8B for "Now is the time for all "', () => {
      // Source: imohsenb/ISO8583-Message-Client-DotNet Iso8583Test/MacGeneratorUnitTest.cs
      // (TestAnsi99Pad / TestAnsi99NoPad); same key and text as ISO 9797-1 Annex B.
      expect(toHex(macAlgorithm1(h('0123456789ABCDEF'), NOW_ALL))).toBe('70A30640CC76DD8B');
      expect(toHex(macAlgorithm1(h('0123456789ABCDEF'), Buffer.concat([NOW_ALL, h('ABCD')])))).toBe('36611DBB2D0AC1E6');
    });

    it('with a TDEA key is the last block of TDEA-CBC (independent cross-check)', () => {
      const data = h('0102030405060708090A0B0C0D0E0F10');
      expect(toHex(macAlgorithm1(KK, data))).toBe(toHex(cbcEncrypt('tdes', KK, data).subarray(8)));
    });
  });

  describe('ISO 9797-1 padding methods', () => {
    // No published MAC example for padding methods 2 and 3 was found; these check the padding
    // definitions directly, and the MACs are the MAC of the padded data under method 1.
    it('method 1 adds zero bytes to a whole block (none when already whole; an empty message becomes one zero block)', () => {
      expect(toHex(pad(h('0102'), 1))).toBe('0102000000000000');
      expect(toHex(pad(h('0102030405060708'), 1))).toBe('0102030405060708');
      expect(toHex(pad(Buffer.alloc(0), 1))).toBe('0000000000000000');
    });

    it('method 2 adds 80 then zeros, a whole extra block when already whole', () => {
      expect(toHex(pad(h('0102'), 2))).toBe('0102800000000000');
      expect(toHex(pad(h('0102030405060708'), 2))).toBe('01020304050607088000000000000000');
    });

    it('method 3 prefixes a block with the length in bits, then pads with zeros', () => {
      expect(toHex(pad(h('0102'), 3))).toBe('0000000000000010' + '0102000000000000');
      expect(toHex(pad(NOW_IT, 3)).slice(0, 16)).toBe('00000000000000B0');
    });

    it('the MAC with padding 2 or 3 is the padding-1 MAC of the padded message', () => {
      for (const method of [2, 3] as const) {
        expect(toHex(iso9797Mac(3, KK, NOW_IT, method))).toBe(toHex(iso9797Mac(3, KK, pad(NOW_IT, method), 1)));
        expect(toHex(iso9797Mac(1, KK, NOW_IT, method))).toBe(toHex(iso9797Mac(1, KK, pad(NOW_IT, method), 1)));
      }
    });
  });

  describe('key check values', () => {
    it('TDES: encrypt zeros, first 3 bytes — 08D7B4 for 0123456789ABCDEFFEDCBA9876543210', () => {
      // TDEA-ECB of a zero block under this key is 08D7B4FB629D0885, a value that recurs in many
      // public test suites found by code search; we found no standard that prints it, so treat
      // it as a widely shared cross-check rather than a primary vector.
      expect(toHex(kcv('tdes', KK))).toBe('08D7B4');
    });

    it('AES, default: the first 3 bytes of AES-CMAC over 16 zero bytes (X9.24-1:2017 style)', () => {
      // No published AES KCV example was found; cross-check against the CMAC verified above.
      const key = h('2b7e151628aed2a6abf7158809cf4f3c');
      expect(toHex(kcv('aes', key))).toBe(toHex(aesCmac(key, Buffer.alloc(16)).subarray(0, 3)));
    });

    it('AES, legacy "encrypt-zeros": AES-ECB of a zero block, first 3 bytes — a different value', () => {
      // No published vector: checked against node's AES (one CBC block with a zero IV = ECB).
      const key = h('2b7e151628aed2a6abf7158809cf4f3c');
      const ecb = cbcEncrypt('aes', key, Buffer.alloc(16)).subarray(0, 3);
      expect(toHex(kcv('aes', key, { method: 'encrypt-zeros' }))).toBe(toHex(ecb));
      expect(toHex(kcv('aes', key, { method: 'encrypt-zeros' }))).not.toBe(toHex(kcv('aes', key)));
    });
  });
});
