import {
  CryptoError,
  cbcEncrypt,
  deriveIpek,
  deriveTransactionKey,
  deriveTransactionKeyFromIpek,
  ecbEncrypt,
  macAlgorithm3,
  nonReversibleKeyGeneration,
  tdesKsnCounter,
  tdesKsnWithCounter,
  tdesWorkingKey,
  toHex,
} from '../../harness/crypto';

const h = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

// ANSI X9.24-1:2009 A.4 DUKPT test data: BDK, initial KSN and IPEK, and the clear PIN block
// for PIN 1234 / PAN 4012345678909 (format 0). Transcribed from the standard in
// openemv/dukpt test/dukpt_tdes_test.c ("ANSI X9.24-1:2009 A.4 DUKPT Test Data Examples").
const BDK = h('0123456789ABCDEFFEDCBA9876543210');
const INITIAL_KSN = h('FFFF9876543210E00000');
const IPEK = '6AC292FAA1315B4D858AB3A3D7D5933A';
const CLEAR_PIN_BLOCK = h('041274EDCBA9876F');

// ANSI X9.24-1:2009 A.4.2 initial sequence: counters 1–21 → transaction key, encrypted PIN block.
// Source: openemv/dukpt test/dukpt_tdes_test.c (txn_key_verify / encrypted_pinblock_verify).
const INITIAL_SEQUENCE: Array<[counter: number, transactionKey: string, encryptedPinBlock: string]> = [
  [1, '042666B49184CFA368DE9628D0397BC9', '1B9C1845EB993A7A'],
  [2, 'C46551CEF9FD24B0AA9AD834130D3BC7', '10A01C8D02C69107'],
  [3, '0DF3D9422ACA56E547676D07AD6BADFA', '18DC07B94797B466'],
  [4, '279C0F6AEED0BE652B2C733E1383AE91', '0BC79509D5645DF7'],
  [5, '5F8DC6D2C845C125508DDC048093B83F', '5BC0AF22AD87B327'],
  [6, '5E415CB0BAF9F03CD0C14B63FB62FF43', 'A16DF70AE36158D8'],
  [7, '0C8F780B7C8B49D0AE84A9EB2A6CE660', '27711C16CB257F8E'],
  [8, '27F66D5244FF62E1AA6F6120EDEB4280', '50E55547A5027551'],
  [9, '27E31064FDC565698900E2057F658E7E', '536CF7F678ACFC8D'],
  [10, '6CF2500A22507C7CC776CEADC1E33014', 'EDABBA23221833FE'],
  [11, '3E8260BA04B2D620C01482B3819A18B7', '2328981C57B4BDBA'],
  [12, 'B716E1E11CF53D80726CAEE75C3A624F', '038D03CC926CF286'],
  [13, 'E072EDF95340535FB6C581C58FBF2533', '6C8AA97088B62C68'],
  [14, 'A80046087F5B8F245AAD95E18429084F', 'F17C9E1D72CD4950'],
  [15, '93DD5B956C4878472E453AAEFD32A5AA', 'B170F6E7F7F2F64A'],
  [16, '59598DCBD9BD94C094165CE453585F57', 'D5D9638559EF53D6'],
  [17, '2B5F01F4F0CC05EA639D523231BF1BA2', 'D544F8CDD292C863'],
  [18, '9CF640F279C2AEE615F725EEEAC2CBAF', '7A21BD10F36DC41D'],
  [19, 'C3DF489FDF1153B4F03DE97C27DC4C2F', '78649BD17D0DFA60'],
  [20, '658488507721B3F14737FA93F923CBD2', '7E7E16EA0C31AD56'],
  [21, 'E161D1956A61F6D2F37AFD7F9CC3699A', '72105C22EBC791E6'],
];

// ANSI X9.24-1:2009 A.4.3 rollover sequence: KSN → transaction key, encrypted PIN block.
// Source: openemv/dukpt test/dukpt_tdes_test.c (ksn_verify2 / txn_key_verify2 / encrypted_pinblock_verify2).
const ROLLOVER_SEQUENCE: Array<[ksn: string, transactionKey: string, encryptedPinBlock: string]> = [
  ['FFFF9876543210EFF800', 'F9CDFEBF4F5B1D9EB3EC12454527E176', '33365F5CC6F23C35'],
  ['FFFF9876543210EFF801', '5BEE92627E97825C911BF619DF72CA3B', '3A86BF003F835C9D'],
  ['FFFF9876543210EFF802', '64CA2F8AB93F61B01620B00BF77C7301', '3DB977D05C36DF3F'],
  ['FFFF9876543210EFF804', '35A168695B3BA83307E871C42021DD37', 'BA83243305712099'],
  ['FFFF9876543210EFF808', '12C380FCB72ED3C26FC6079AF63F4787', 'B0DA04AC90A36D85'],
  ['FFFF9876543210EFF810', 'D8007C833A1E3C49C6889B97A68C54FF', '2CF02BD9C309EEDA'],
  ['FFFF9876543210EFF820', 'A9C9FF9B735FDD49591F296B0BF0FD70', '9D1E2F77AEEE81C6'],
  ['FFFF9876543210EFF840', '0E3E221062CB5E03A384602783A004FA', '40870B0F8BA2011C'],
  ['FFFF9876543210EFF880', 'CA8225C587124DFBB87F279C0BE29727', '22E340D6ABB40981'],
  ['FFFF9876543210EFF900', '906AAC1751D4971A144D52C76C6E1F97', '1A4C10AFBA03A430'],
  ['FFFF9876543210EFFA00', '2B9E2CE7C2750337E10B54D2989EA6AF', '849763B43E5F9CFF'],
  ['FFFF9876543210EFFC00', 'F9430DF975082491C77BE4EF4FDB91EE', 'DEFC6F09F8927B71'],
  ['FFFF9876543210F00000', 'AA4D58DB653EC74A48C75F2F047DD2B5', '73EC88AD0AC5830E'],
];

// Request/response MACs and data encryption for the first five KSNs, message = the ASCII text
// "4012345678909D987", from moov-io/dukpt pkg/des/des_test.go (its table is labelled "A.4.2 Initial
// Sequence"; we could not confirm that the MAC/data columns appear in the standard itself, so
// these count as an independent implementation's cross-check). The MAC is ISO 9797-1 algorithm 3
// (X9.19) with zero padding; data encryption is TDEA-CBC, zero IV, zero padding.
const MESSAGE = Buffer.from('4012345678909D987', 'ascii');
const MAC_AND_DATA: Array<[counter: number, requestMac: string, responseMac: string, dataRequest: string, dataResponse: string]> = [
  [1, '9CCC78173FC4FB64', '20364223C1FF00FA', 'FC0D53B7EA1FDA9EE68AAF2E70D9B9506229BE2AA993F04F', '1FCC89AF66222F27B903898BB2BC8589CDBFDE5EC6AFCC25'],
  [2, 'F608A9BCA6FFC311', 'D1FCA6BEF05D24D2', 'A2B4E70F846E63D68775B7215EB4563DFD3037244C61CC13', '5B692A6B1FDD5E25B0DEFAFDE1672E402F8011360CFF3508'],
  [3, '20B59A4FEAC937E3', 'BAD4CC9CC2AE326C', 'BD751E65F10E75B6C1D5B1D283496A36C2DE21D993C387A7', '345992D4163E4926C927BFD8ABD5D76F087A9CE81D5A27B8'],
  [4, 'C7BFA6CC44161828', '1EB08AEECE6FF0C2', '1118F50947441BBDA3C8C70220021A12EC31CC473F7215F4', '418C7413576C0D1819E785D3807AF32334231FDEC23414DB'],
  [5, '0202B96339022058', '5CBE3E81D1D2A0FB', '9FD7BD1EC28845ACA93367A9DA9317BD555C6B33AE22D365', '7D4C109E49E83355A556AE949EED359F4404E7A2F0167C00'],
];

function ksnFor(counter: number): Buffer {
  return tdesKsnWithCounter(INITIAL_KSN, counter);
}

function zeroPad(data: Buffer, n: number): Buffer {
  return Buffer.concat([data, Buffer.alloc((n - (data.length % n)) % n)]);
}

describe('TDES DUKPT (ANSI X9.24-1:2009 Annex A)', () => {
  describe('initial PIN encryption key (A.6)', () => {
    it('derives the published IPEK from the test BDK and the initial KSN', () => {
      expect(toHex(deriveIpek(BDK, INITIAL_KSN))).toBe(IPEK);
    });

    it('ignores the transaction counter: every KSN of the device gives the same IPEK', () => {
      expect(toHex(deriveIpek(BDK, ksnFor(1)))).toBe(IPEK);
      expect(toHex(deriveIpek(BDK, h('FFFF9876543210F00000')))).toBe(IPEK);
    });
  });

  describe('transaction keys (A.2 non-reversible key generation over the counter one-bits)', () => {
    it.each(INITIAL_SEQUENCE)('counter %i gives the published transaction key, and its PIN key enciphers the A.4 PIN block as published', (counter, key, pinBlock) => {
      const keys = deriveTransactionKey(BDK, ksnFor(counter), 'pin');
      expect(toHex(keys.transactionKey)).toBe(key);
      expect(toHex(ecbEncrypt('tdes', keys.workingKey, CLEAR_PIN_BLOCK))).toBe(pinBlock);
    });

    it.each(ROLLOVER_SEQUENCE)('rollover KSN %s gives the published transaction key and encrypted PIN block', (ksn, key, pinBlock) => {
      const keys = deriveTransactionKey(BDK, h(ksn), 'pin');
      expect(toHex(keys.transactionKey)).toBe(key);
      expect(toHex(ecbEncrypt('tdes', keys.workingKey, CLEAR_PIN_BLOCK))).toBe(pinBlock);
    });

    it('starts from an IPEK as well as from the BDK', () => {
      expect(toHex(deriveTransactionKeyFromIpek(h(IPEK), ksnFor(3)))).toBe('0DF3D9422ACA56E547676D07AD6BADFA');
    });

    it('applies the counter bits from the most significant down (cross-check: key(c) = NRKGP(key(c without its lowest bit), KSN(c)))', () => {
      // Independent of the vectors: the host walk must equal one more generation step from the
      // key of the counter with its lowest one-bit cleared.
      for (const counter of [3, 0x0ff800 | 0x7, 0x1fffff]) {
        const lower = counter & (counter - 1);
        const previous = deriveTransactionKeyFromIpek(h(IPEK), ksnFor(lower));
        const expected = nonReversibleKeyGeneration(previous, ksnFor(counter).subarray(2));
        expect(toHex(deriveTransactionKeyFromIpek(h(IPEK), ksnFor(counter)))).toBe(toHex(expected));
      }
    });
  });

  describe('usage variants (A.4.1 Table A-1)', () => {
    it('the PIN key is the transaction key XOR 00000000000000FF in both halves (computed from the published transaction key)', () => {
      expect(toHex(tdesWorkingKey(h('042666B49184CFA368DE9628D0397BC9'), 'pin'))).toBe('042666B49184CF5C68DE9628D0397B36');
    });

    it('MAC request and response keys are the 000000000000FF00 and 00000000FF000000 variants (computed)', () => {
      const tk = h('042666B49184CFA368DE9628D0397BC9');
      expect(toHex(tdesWorkingKey(tk, 'mac'))).toBe('042666B4918430A368DE9628D03984C9');
      expect(toHex(tdesWorkingKey(tk, 'mac-response'))).toBe('042666B46E84CFA368DE96282F397BC9');
    });

    it.each(MAC_AND_DATA)('counter %i: request and response MACs (X9.19) and data encryption (with the one-way data-key step) match moov-io/dukpt', (counter, requestMac, responseMac, dataRequest, dataResponse) => {
      const tk = deriveTransactionKey(BDK, ksnFor(counter), 'pin').transactionKey;
      expect(toHex(macAlgorithm3(tdesWorkingKey(tk, 'mac'), MESSAGE, 1))).toBe(requestMac);
      expect(toHex(macAlgorithm3(tdesWorkingKey(tk, 'mac-response'), MESSAGE, 1))).toBe(responseMac);
      expect(toHex(cbcEncrypt('tdes', tdesWorkingKey(tk, 'data'), zeroPad(MESSAGE, 8)))).toBe(dataRequest);
      expect(toHex(cbcEncrypt('tdes', tdesWorkingKey(tk, 'data-response'), zeroPad(MESSAGE, 8)))).toBe(dataResponse);
    });

    it('the data key is the variant put through the one-way step, not the bare variant', () => {
      const tk = h('042666B49184CFA368DE9628D0397BC9');
      const variant = Buffer.from(tk);
      variant[5] = (variant[5] as number) ^ 0xff;
      variant[13] = (variant[13] as number) ^ 0xff;
      expect(toHex(tdesWorkingKey(tk, 'data'))).not.toBe(toHex(variant));
      expect(toHex(tdesWorkingKey(tk, 'data'))).toBe(toHex(Buffer.concat([ecbEncrypt('tdes', variant, variant.subarray(0, 8)), ecbEncrypt('tdes', variant, variant.subarray(8))])));
    });
  });

  describe('input rules', () => {
    it('reads the 21-bit counter from the KSN', () => {
      expect(tdesKsnCounter(h('FFFF9876543210E00015'))).toBe(21);
      expect(tdesKsnCounter(h('FFFF9876543210EFF800'))).toBe(0x0ff800);
      expect(tdesKsnCounter(h('FFFF9876543210F00000'))).toBe(0x100000);
    });

    it('rejects counter 0 (the initial KSN has no transaction key) with DUKPT_COUNTER', () => {
      expect(() => deriveTransactionKey(BDK, INITIAL_KSN, 'pin')).toThrow(expect.objectContaining({ code: 'DUKPT_COUNTER' }));
    });

    it('rejects a KSN that is not 10 bytes with KSN_INVALID, naming the digits', () => {
      expect(() => deriveIpek(BDK, h('FFFF9876543210E000'))).toThrow(/20 hex digits \(10 bytes\), got 18/);
      expect(() => deriveIpek(BDK, h('FFFF9876543210E000'))).toThrow(expect.objectContaining({ code: 'KSN_INVALID' }));
      expect(() => deriveIpek(BDK, h('FFFF9876543210E000'))).toThrow(CryptoError);
    });

    it('rejects a BDK that is not 2-key TDEA, without echoing it', () => {
      let err: unknown;
      try {
        deriveIpek(h('0123456789ABCDEFFEDCBA98765432100123456789ABCDEF'), INITIAL_KSN);
      } catch (e) {
        err = e;
      }
      expect(err).toMatchObject({ code: 'KEY_LENGTH' });
      expect((err as Error).message).not.toMatch(/0123456789ABCDEF/i);
    });
  });
});
