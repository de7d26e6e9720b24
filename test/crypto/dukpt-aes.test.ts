import {
  aesCmac,
  aesKsn,
  aesKsnCounter,
  cbcEncrypt,
  checkAesCounter,
  deriveAesDukptFromBdk,
  deriveAesDukptKeys,
  deriveDerivationKey,
  deriveInitialKey,
  deriveWorkingKey,
  derivationData,
  toHex,
} from '../../harness/crypto';
import type { AesDukptKeyType, AesDukptUsage } from '../../harness/crypto';

const h = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

// ANSI X9.24-3-2017 supplement test vectors (ASC X9, "X9.24-3-2017 Test Vectors", 2018): BDKs,
// initial key ID and initial keys. Transcribed in openemv/dukpt test/dukpt_aes128_test.c,
// test/dukpt_aes256_test.c and test/dukpt_aes_test.c. (The X9 PDF itself was not available to us.)
const BDK128 = h('FEDCBA9876543210F1F1F1F1F1F1F1F1');
const BDK256 = h('FEDCBA9876543210F1F1F1F1F1F1F1F1FEDCBA9876543210F1F1F1F1F1F1F1F1');
const IK_ID = h('1234567890123456');
const IK128 = '1273671EA26AC29AFA4D1084127652A1';
const IK256 = 'CE9CE0C101D1138F97FB6CAD4DF045A7083D4EAE2D35A31789D01CCF0949550F';

// Same source: the intermediate derivation ("transaction") keys per counter, AES-128 and AES-256.
const DERIVATION_KEYS_128: Array<[counter: number, key: string]> = [
  [0x00000001, '4F21B565BAD9835E112B6465635EAE44'],
  [0x00000002, '2F34D68DE10F68D38091A73B9E7C437C'],
  [0x00000003, '031504E530365CF81264238540518318'],
  [0x00000004, '0EEFC7ADA628BA68878DA9165A8A1887'],
  [0x00000005, 'C2A7AC328A5DA2D6002D62465BFC028B'],
  [0x00000006, 'D30F7D9351DA58448A2F5E92B4EE3B7D'],
  [0x00000007, 'A8253CEED9AC042C54F75D35C8352278'],
  [0x00000008, '718EE6CF0B27E53D5F7AF99C4D8146A2'],
  [0x0001fffe, 'E21E8C8D347F8561A2BE752DAA85A111'],
  [0x00020000, 'F7AE9025468A25D37B7249CFFED224C8'],
  [0x00020001, '692C8EA4013645135B36497131DF9D2C'],
  [0xfffe2000, '48E585B694EB0B18D5C35443E163C0BA'],
  [0xfffe4000, '396C2C7CA1EA701C03B86B7D41F0C562'],
  [0xfffe8000, '0387625F189B58AE03EF0E8CCA41105E'],
  [0xffff0000, 'F6BA59389BD14A9855BE9727E7C52E3C'],
];
const DERIVATION_KEYS_256: Array<[counter: number, key: string]> = [
  [0x00000001, '54AC2B32B145EA4A554CB8BC44B17467063A799856B1CCC2A138D36E8DBF78B3'],
  [0x00000002, '5DD5A0253842BBBE1D7C0DA27021412C6F1FAB53FB928DEAE56DA06090A9DE97'],
  [0x00000008, '20A796D5077D51B8E7613893A4F095B134E02917DC84BD391F3661D0873FF308'],
  [0x0001fffe, 'A289508CBF1228452CD86AB77B15CB35577AC828C18BB66681E5A16D6C9CCED3'],
  [0x00020001, '44110A1102748D4A3AC326F53D8CAC650212590CA7126D54546DDE0F20E89CEE'],
  [0xffff0000, '6D6DB7AAAE8B3EA90E57A39E4BBA71E173B21B446B30A78D64BFC6A8806C55EE'],
];

// AES-128 working keys (PIN encryption, MAC generation, data encryption-encrypt) for the host
// derivation from the initial key, from joyner-perez/aes_dukpt_x9.24-3-2017
// src/test/java/com/security/aesdukpt/DukptTests.java (testHostDeriveWorkingKeyPinEncryption);
// the same values appear in teamforage/forage-android-sdk DukptFixtures.kt (WorkingKeys).
const WORKING_KEYS_128: Array<[counter: number, pin: string, macGeneration: string, dataEncrypt: string]> = [
  [1, 'AF8CB133A78F8DC2D1359F18527593FB', 'A2DC23DE6FDE0824A2BC321E08E4B8B7', 'A35C412EFD41FDB98B69797C02DCD08F'],
  [2, 'D30BDC73EC9714B000BEC66BDB7B6D09', '484C3B06E8562704528CD5B46FB12FB6', 'D639514AA33AC43AD9229E433D6D4E5B'],
  [3, '7D69F01F3B45449F62C7816ECE723268', 'A5DF7D9D800CA769766F0C77CA4E6E6C', 'EF17F6AB45B4820C93A3DCB21BC491AD'],
  [7, '6ECF912F3B18CA11A7A27BB60705FD09', 'BAA08CA263C69525BC6B1BA8F4275D69', '0FA8F1F0A2DD7B1005A862D77CDED698'],
  [131073, '8AC85C93EED246054ADC3104479115A6', 'EF7C9461E2AFED2A8012CC6301CFEEBE', 'B93B4BF0D52163B3CF9312F8E55629A3'],
  [8675309, 'D1DDA386AA4A556AF0119FDCB5D132C6', '89365C7970950CAC0A6261FFC7DB26C6', 'B1E4D9006A87DD08D87F11A124D35517'],
  [4294901760, '27EFAC1D158632588F4AC69E45C247C4', 'AE558BABC206D303FDF68B1181F228C6', '08878BFCC45CA5AEF6A1AB40BAC882B5'],
];

// Counter 1, the remaining usages and working key types. Provenance: these match values in
// public third-party X9.24-3 test suites (a Rust "paysec-dukpt" test and a C# "Annex B" test)
// that our code search found but could not attribute to a repository, so we count them as
// corroboration of the derivation-data layout, not as a primary source.
const COUNTER_1_OTHER_USAGES: Array<[usage: AesDukptUsage, keyType: AesDukptKeyType, key: string]> = [
  ['mac-response', 'AES128', 'DBB463945B286C07CD3AD82EE96FD9C9'],
  ['mac-both', 'AES128', '85675439D18D7F1158BD8E3EAA3D502B'],
  ['data-response', 'AES128', '16292C6EA8F64C5420A0584BFBC577BE'],
  ['data-both', 'AES128', 'A308E080DD15A1B741F1721BF67DE11C'],
  ['kek', 'AES128', '36A724B7BEFA5A25F5E7B5782A4554A2'],
  ['pin', '2TDEA', '630C706D9546E47D4449313F61C4D4AB'],
  ['pin', '3TDEA', 'EA8B3F37EB9B15831167EF2977FD8762D9B5913F35766F6A'],
];

// AES-256 initial key, counter 1 working keys, and AES-128 keys from the AES-256 IK. Source:
// the Rust test above for AES-256 (PIN 8C1A…, MAC 61DA…, data 71EB…) and AES-128-from-AES-256
// (09C9…), whose test comments name the "ASC X9 supplemental X9.24-3 test vectors"; same
// provenance caveat as above.
const COUNTER_1_AES256: Array<[usage: AesDukptUsage, keyType: AesDukptKeyType, key: string]> = [
  ['pin', 'AES256', '8C1AB7BEE973829E30242E0BBBDD4946D540C98FC1B5BDCF94790001A23FD502'],
  ['mac', 'AES256', '61DABDF4B340CF461EE860B1D1AB55357142BD2D6977306859CF49AEFE8F1549'],
  ['data', 'AES256', '71EB36C9A6B7F801D1D1700C29741FC5A5C4E9B45D742DA7AF6992B8AA29AF58'],
  ['pin', 'AES128', '09C9C432966811D6B2C3336BAC1B1202'],
];

// Cross-check with an independent implementation, moov-io/dukpt pkg/aes/aes_test.go: AES-CMAC of
// the ASCII message "4012345678909D987" under the MAC generation (request) and verification
// (response) keys, and AES-CBC (zero IV, zero padding) under the data encrypt/decrypt keys.
const MESSAGE = Buffer.from('4012345678909D987', 'ascii');
const MOOV_CROSS_CHECK: Array<[counter: number, cmacRequest: string, cmacResponse: string, dataRequest: string, dataResponse: string]> = [
  [1, 'A2EB5C1C35809E58404E873C3C411E31', 'DD4E1895FD9BF53D8DAF25568ABF551D', 'E5AFA5B408A3310E3D779C8A9A2AE29448BD5B4232582090DB703AF647205A79', '84904DFC6B5201A4F1FE2EAA49E70B8C01838EF53030790FF785D630AB3916B4'],
  [2, '4D104704C53491A60944193DCAF6B411', '008CEAAE2B913BEEE76209EE9406DAC1', 'A17A9658EE0F451D6CA11B65B592EF9C5F90BB175D926F1457B63B3273042476', '699ED7BC85994F1C11DE1C40177A629530E85262EA0B02FB80771255DC1F65B6'],
  [8, '85C7CA68F55F51E7DCAC969B8C111130', 'B45399DB90C0BA75DB4B86605758695A', '304EC254A7B528D9892E47F7C1315D498C0D88EA8CD71CA52D38F362721AEA67', '8CD1A54538B9DC79A5DF4544ADE8D1F1A085AC1F89AA59BFF49351A68957DE1B'],
];

const ik128 = h(IK128);
const ik256 = h(IK256);

describe('AES DUKPT (ANSI X9.24-3-2017)', () => {
  describe('initial key', () => {
    it('derives the published AES-128 initial key from the BDK and initial key ID', () => {
      expect(toHex(deriveInitialKey(BDK128, IK_ID))).toBe(IK128);
    });

    it('derives the published AES-256 initial key from an AES-256 BDK', () => {
      expect(toHex(deriveInitialKey(BDK256, IK_ID))).toBe(IK256);
    });

    it('lays out the initial-key derivation data as version, block counter, usage 8001, algorithm, length, then the whole initial key ID', () => {
      // Layout per X9.24-3-2017 6.3.2 Table 2, as implemented in moov-io/dukpt pkg/aes/aes_internal.go.
      expect(toHex(derivationData('initial-key', 'AES128', IK_ID, 0))).toBe('01018001000200801234567890123456');
      expect(toHex(derivationData('pin', 'AES128', IK_ID, 1))).toBe('01011000000200809012345600000001');
      expect(toHex(derivationData('pin', 'AES256', IK_ID, 1))).toBe('01011000000401009012345600000001');
      expect(toHex(derivationData('pin', '3TDEA', IK_ID, 1))).toBe('010110000001' + '00C0' + '9012345600000001');
    });
  });

  describe('intermediate derivation keys over the counter one-bits', () => {
    it.each(DERIVATION_KEYS_128)('AES-128, counter %i: published derivation key', (counter, key) => {
      expect(toHex(deriveDerivationKey(ik128, IK_ID, counter))).toBe(key);
    });

    it.each(DERIVATION_KEYS_256)('AES-256, counter %i: published derivation key', (counter, key) => {
      expect(toHex(deriveDerivationKey(ik256, IK_ID, counter))).toBe(key);
    });
  });

  describe('working keys', () => {
    it.each(WORKING_KEYS_128)('counter %i: PIN, MAC generation and data encryption keys as published', (counter, pin, mac, data) => {
      const ksn = aesKsn(IK_ID, counter);
      expect(toHex(deriveWorkingKey(ik128, ksn, 'pin'))).toBe(pin);
      expect(toHex(deriveWorkingKey(ik128, ksn, 'mac'))).toBe(mac);
      expect(toHex(deriveWorkingKey(ik128, ksn, 'data'))).toBe(data);
    });

    it.each(COUNTER_1_OTHER_USAGES)('counter 1: %s key of type %s', (usage, keyType, key) => {
      expect(toHex(deriveWorkingKey(ik128, aesKsn(IK_ID, 1), usage, keyType))).toBe(key);
    });

    it.each(COUNTER_1_AES256)('AES-256 initial key, counter 1: %s key of type %s', (usage, keyType, key) => {
      expect(toHex(deriveWorkingKey(ik256, aesKsn(IK_ID, 1), usage, keyType))).toBe(key);
    });

    it.each(MOOV_CROSS_CHECK)('counter %i: CMAC and data encryption under the request/response keys match moov-io/dukpt', (counter, cmacReq, cmacResp, dataReq, dataResp) => {
      const ksn = aesKsn(IK_ID, counter);
      const padded = Buffer.concat([MESSAGE, Buffer.alloc(32 - MESSAGE.length)]);
      expect(toHex(aesCmac(deriveWorkingKey(ik128, ksn, 'mac'), MESSAGE))).toBe(cmacReq);
      expect(toHex(aesCmac(deriveWorkingKey(ik128, ksn, 'mac-response'), MESSAGE))).toBe(cmacResp);
      expect(toHex(cbcEncrypt('aes', deriveWorkingKey(ik128, ksn, 'data'), padded))).toBe(dataReq);
      expect(toHex(cbcEncrypt('aes', deriveWorkingKey(ik128, ksn, 'data-response'), padded))).toBe(dataResp);
    });

    it('derives from the BDK in one call (IK, derivation key and working key)', () => {
      const keys = deriveAesDukptFromBdk(BDK128, h('123456789012345600000001'), 'pin');
      expect(toHex(keys.initialKey)).toBe(IK128);
      expect(toHex(keys.derivationKey)).toBe('4F21B565BAD9835E112B6465635EAE44');
      expect(toHex(keys.workingKey)).toBe('AF8CB133A78F8DC2D1359F18527593FB');
      expect(keys.workingKeyType).toBe('AES128');
    });

    it('refuses a working key stronger than the initial key', () => {
      expect(() => deriveAesDukptKeys(ik128, aesKsn(IK_ID, 1), 'pin', 'AES256')).toThrow(expect.objectContaining({ code: 'DUKPT_KEY_TYPE' }));
      expect(() => deriveAesDukptKeys(ik128, aesKsn(IK_ID, 1), 'pin', 'AES192')).toThrow(/cannot derive AES192/);
    });
  });

  describe('counter rules', () => {
    it('reads the 32-bit counter from the 12-byte KSN', () => {
      expect(aesKsnCounter(h('1234567890123456FFFE2000'))).toBe(0xfffe2000);
    });

    it('accepts counters with up to 16 one-bits (0xFFFF0000 is the last one the tests use)', () => {
      expect(() => checkAesCounter(0xffff0000)).not.toThrow();
      expect(() => checkAesCounter(0x0001fffe)).not.toThrow();
    });

    it('rejects a counter with 17 one-bits (0x1FFFF, skipped by the originator) with DUKPT_COUNTER', () => {
      expect(() => deriveWorkingKey(ik128, aesKsn(IK_ID, 0x1ffff), 'pin')).toThrow(expect.objectContaining({ code: 'DUKPT_COUNTER' }));
      expect(() => checkAesCounter(0x1ffff)).toThrow(/0x0001FFFF has 17 one-bits; X9.24-3-2017 allows at most 16/);
    });

    it('rejects counter 0 and the reserved 0xFFFFFFFF', () => {
      expect(() => checkAesCounter(0)).toThrow(expect.objectContaining({ code: 'DUKPT_COUNTER' }));
      expect(() => checkAesCounter(0xffffffff)).toThrow(/32 one-bits/);
    });

    it('rejects a KSN that is not 12 bytes and a BDK of the wrong size', () => {
      expect(() => deriveWorkingKey(ik128, h('12345678901234560001'), 'pin')).toThrow(expect.objectContaining({ code: 'KSN_INVALID' }));
      expect(() => deriveInitialKey(h('0011223344'), IK_ID)).toThrow(expect.objectContaining({ code: 'KEY_LENGTH' }));
    });
  });
});
