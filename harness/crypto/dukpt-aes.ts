import { ecbEncrypt } from './block';
import { CryptoError } from './errors';
import { popcount } from './dukpt-tdes';

/**
 * AES DUKPT, ANSI X9.24-3-2017 (section 6), receiving-side (host) derivation: the Initial Key
 * from a BDK and the 8-byte Initial Key ID ("Derive Key" 6.3.1 with derivation data of 6.3.2 /
 * 6.3.3, key usage "Initial Key"), the intermediate derivation keys walked over the counter's
 * one-bits, and working keys for a usage and key type (the host-side "Derive Working Key"
 * process of section 6; the X9 reference implementation calls it hostDeriveWorkingKey).
 *
 * KSN: 96 bits = Initial Key ID (BDK ID 32 bits ‖ derivation ID 32 bits) ‖ 32-bit counter.
 */

export type AesDukptKeyType = 'AES128' | 'AES192' | 'AES256' | '2TDEA' | '3TDEA';
export type AesDukptUsage =
  | 'pin' // PIN encryption
  | 'mac' // message authentication generation (request)
  | 'mac-response' // message authentication verification (response)
  | 'mac-both'
  | 'data' // data encryption, encrypt (request)
  | 'data-response' // data encryption, decrypt (response)
  | 'data-both'
  | 'kek'; // key encryption key

export const AES_KSN_BYTES = 12;
export const AES_INITIAL_KEY_ID_BYTES = 8;
/** X9.24-3-2017: a transaction counter never has more than 16 one-bits. */
export const AES_MAX_COUNTER_ONE_BITS = 16;

/** Derivation data key usage indicators, X9.24-3-2017 6.3.2 Table 2. */
export const KEY_USAGE_INDICATOR: Record<AesDukptUsage | 'derivation' | 'initial-key', number> = {
  kek: 0x0002,
  pin: 0x1000,
  mac: 0x2000,
  'mac-response': 0x2001,
  'mac-both': 0x2002,
  data: 0x3000,
  'data-response': 0x3001,
  'data-both': 0x3002,
  derivation: 0x8000,
  'initial-key': 0x8001,
};

export const AES_DUKPT_USAGES = Object.keys(KEY_USAGE_INDICATOR).filter((u) => u !== 'derivation' && u !== 'initial-key') as AesDukptUsage[];

/** Algorithm indicator and length in bits, X9.24-3-2017 6.3.2 Table 3. `strength` orders what may derive what. */
const KEY_TYPE: Record<AesDukptKeyType, { indicator: number; bits: number; strength: number }> = {
  '2TDEA': { indicator: 0x0000, bits: 128, strength: 80 },
  '3TDEA': { indicator: 0x0001, bits: 192, strength: 112 },
  AES128: { indicator: 0x0002, bits: 128, strength: 128 },
  AES192: { indicator: 0x0003, bits: 192, strength: 192 },
  AES256: { indicator: 0x0004, bits: 256, strength: 256 },
};

export const AES_DUKPT_KEY_TYPES = Object.keys(KEY_TYPE) as AesDukptKeyType[];

/** The AES key type of a BDK or initial key, from its length. */
export function aesKeyTypeOf(key: Uint8Array, what = 'key'): 'AES128' | 'AES192' | 'AES256' {
  if (key.length === 16) return 'AES128';
  if (key.length === 24) return 'AES192';
  if (key.length === 32) return 'AES256';
  throw new CryptoError('KEY_LENGTH', `an AES DUKPT ${what} must be 16, 24 or 32 bytes (32, 48 or 64 hex digits), got ${key.length} bytes`);
}

export function checkAesKsn(ksn: Uint8Array): void {
  if (ksn.length !== AES_KSN_BYTES) {
    throw new CryptoError('KSN_INVALID', `an AES DUKPT KSN must be 24 hex digits (12 bytes: 8-byte initial key ID + 4-byte counter), got ${ksn.length * 2}`);
  }
}

export function aesKsnInitialKeyId(ksn: Uint8Array): Buffer {
  checkAesKsn(ksn);
  return Buffer.from(ksn.subarray(0, AES_INITIAL_KEY_ID_BYTES));
}

export function aesKsnCounter(ksn: Uint8Array): number {
  checkAesKsn(ksn);
  return Buffer.from(ksn).readUInt32BE(AES_INITIAL_KEY_ID_BYTES);
}

export function aesKsn(initialKeyId: Uint8Array, counter: number): Buffer {
  checkInitialKeyId(initialKeyId);
  const c = Buffer.alloc(4);
  c.writeUInt32BE(counter >>> 0);
  return Buffer.concat([Buffer.from(initialKeyId), c]);
}

function checkInitialKeyId(id: Uint8Array): void {
  if (id.length !== AES_INITIAL_KEY_ID_BYTES) {
    throw new CryptoError('KSN_INVALID', `an AES DUKPT initial key ID must be 16 hex digits (8 bytes), got ${id.length * 2}`);
  }
}

/**
 * X9.24-3-2017 counter rules: 0 is the initial state (no transaction uses it), and a counter
 * with more than 16 one-bits is skipped by the originating device, so no transaction carries it.
 * (0xFFFFFFFF, with 32 one-bits, is reserved for the DUKPT update key.)
 */
export function checkAesCounter(counter: number): void {
  if (!Number.isInteger(counter) || counter < 0 || counter > 0xffffffff) {
    throw new CryptoError('DUKPT_COUNTER', `an AES DUKPT counter is 32 bits (0–4294967295), got ${counter}`);
  }
  if (counter === 0) {
    throw new CryptoError('DUKPT_COUNTER', 'the AES DUKPT transaction counter is 0: no transaction uses counter 0 (X9.24-3-2017; the first transaction is counter 1)');
  }
  const ones = popcount(counter);
  if (ones > AES_MAX_COUNTER_ONE_BITS) {
    throw new CryptoError(
      'DUKPT_COUNTER',
      `the AES DUKPT transaction counter 0x${counter.toString(16).toUpperCase().padStart(8, '0')} has ${ones} one-bits; X9.24-3-2017 allows at most ${AES_MAX_COUNTER_ONE_BITS}, so no transaction uses it`,
    );
  }
}

/**
 * "Create Derivation Data", X9.24-3-2017 6.3.2 Table 2 / 6.3.3: 16 bytes =
 * version 01 ‖ key block counter 01 ‖ key usage (2) ‖ algorithm (2) ‖ length in bits (2) ‖
 * 8 bytes that are the whole initial key ID (usage "initial key") or its rightmost 4 bytes
 * (the derivation ID) ‖ the 32-bit counter (every other usage).
 */
export function derivationData(usage: AesDukptUsage | 'derivation' | 'initial-key', keyType: AesDukptKeyType, initialKeyId: Uint8Array, counter: number): Buffer {
  checkInitialKeyId(initialKeyId);
  const t = KEY_TYPE[keyType];
  const dd = Buffer.alloc(16);
  dd[0] = 0x01;
  dd[1] = 0x01;
  dd.writeUInt16BE(KEY_USAGE_INDICATOR[usage], 2);
  dd.writeUInt16BE(t.indicator, 4);
  dd.writeUInt16BE(t.bits, 6);
  if (usage === 'initial-key') {
    Buffer.from(initialKeyId).copy(dd, 8);
  } else {
    Buffer.from(initialKeyId).copy(dd, 8, 4, 8);
    dd.writeUInt32BE(counter >>> 0, 12);
  }
  return dd;
}

/**
 * "Derive Key", X9.24-3-2017 6.3.1: AES-ECB-encrypt the derivation data under the derivation key
 * once per 128 bits of output, the key block counter (byte 1) counting 1, 2; keep the leftmost
 * `bits` of the result.
 */
export function deriveKey(derivationKey: Uint8Array, keyType: AesDukptKeyType, data: Buffer): Buffer {
  const bits = KEY_TYPE[keyType].bits;
  const blocks: Buffer[] = [];
  for (let i = 1; i <= Math.ceil(bits / 128); i++) {
    const dd = Buffer.from(data);
    dd[1] = i;
    blocks.push(ecbEncrypt('aes', derivationKey, dd));
  }
  return Buffer.concat(blocks).subarray(0, bits / 8);
}

/** X9.24-3-2017 6.3.1 "Derive Key" for the initial key: IK = Derive Key(BDK, BDK's type, derivation data for usage "initial key"). */
export function deriveInitialKey(bdk: Uint8Array, initialKeyId: Uint8Array): Buffer {
  const type = aesKeyTypeOf(bdk, 'BDK');
  return deriveKey(bdk, type, derivationData('initial-key', type, initialKeyId, 0));
}

/**
 * The intermediate derivation key for a counter (X9.24-3-2017 section 6, host "Derive Working Key"):
 * from the initial key, for each one-bit of the counter from the most significant down, add that
 * bit to a working counter and derive the next key with usage "key derivation".
 */
export function deriveDerivationKey(initialKey: Uint8Array, initialKeyId: Uint8Array, counter: number): Buffer {
  const type = aesKeyTypeOf(initialKey, 'initial key');
  checkAesCounter(counter);
  let key: Buffer = Buffer.from(initialKey);
  let working = 0;
  for (let bit = 31; bit >= 0; bit--) {
    const mask = 2 ** bit;
    if (Math.floor(counter / mask) % 2 === 0) continue;
    working += mask;
    key = deriveKey(key, type, derivationData('derivation', type, initialKeyId, working));
  }
  return key;
}

/**
 * A working key may not be stronger than the key it comes from: X9.24-3-2017 derives AES-128, 2TDEA
 * and 3TDEA keys from AES-128 initial keys, AES-128…AES-256 from AES-256 ones, never upwards.
 */
function checkKeyTypeAllowed(derivationKey: Uint8Array, workingKeyType: AesDukptKeyType): void {
  const from = aesKeyTypeOf(derivationKey, 'initial key');
  const to = KEY_TYPE[workingKeyType];
  if (!to) throw new CryptoError('DUKPT_KEY_TYPE', `unknown AES DUKPT working key type '${String(workingKeyType)}' (known: ${AES_DUKPT_KEY_TYPES.join(', ')})`);
  if (to.strength > KEY_TYPE[from].strength) {
    throw new CryptoError('DUKPT_KEY_TYPE', `${from} initial key cannot derive ${workingKeyType} working keys: X9.24-3-2017 never derives a key stronger than the key it comes from`);
  }
}

/** The working key for a usage: Derive Key(intermediate derivation key, working key type, derivation data for the usage and the full counter). */
export function deriveWorkingKey(initialKey: Uint8Array, ksn: Uint8Array, usage: AesDukptUsage, workingKeyType?: AesDukptKeyType): Buffer {
  return deriveAesDukptKeys(initialKey, ksn, usage, workingKeyType).workingKey;
}

export interface AesDukptKeys {
  initialKey: Buffer;
  initialKeyId: Buffer;
  counter: number;
  derivationKey: Buffer;
  workingKey: Buffer;
  workingKeyType: AesDukptKeyType;
}

export function deriveAesDukptKeys(initialKey: Uint8Array, ksn: Uint8Array, usage: AesDukptUsage, workingKeyType?: AesDukptKeyType): AesDukptKeys {
  if (KEY_USAGE_INDICATOR[usage] === undefined || usage === ('derivation' as string) || usage === ('initial-key' as string)) {
    throw new CryptoError('DUKPT_KEY_TYPE', `unknown AES DUKPT usage '${String(usage)}' (known: ${AES_DUKPT_USAGES.join(', ')})`);
  }
  const type = workingKeyType ?? aesKeyTypeOf(initialKey, 'initial key');
  checkKeyTypeAllowed(initialKey, type);
  const initialKeyId = aesKsnInitialKeyId(ksn);
  const counter = aesKsnCounter(ksn);
  const derivationKey = deriveDerivationKey(initialKey, initialKeyId, counter);
  const workingKey = deriveKey(derivationKey, type, derivationData(usage, type, initialKeyId, counter));
  return { initialKey: Buffer.from(initialKey), initialKeyId, counter, derivationKey, workingKey, workingKeyType: type };
}

/** BDK + KSN → initial key, intermediate derivation key and working key. */
export function deriveAesDukptFromBdk(bdk: Uint8Array, ksn: Uint8Array, usage: AesDukptUsage, workingKeyType?: AesDukptKeyType): AesDukptKeys {
  const initialKey = deriveInitialKey(bdk, aesKsnInitialKeyId(ksn));
  return deriveAesDukptKeys(initialKey, ksn, usage, workingKeyType);
}
