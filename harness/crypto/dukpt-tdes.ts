import { desEncryptBlock, ecbEncrypt } from './block';
import { CryptoError } from './errors';
import { xor } from './hex';

/**
 * TDES DUKPT, ANSI X9.24-1:2009 Annex A ("Derived Unique Key Per Transaction"), receiving-side
 * (host) view: from the Base Derivation Key and a transaction's Key Serial Number derive the
 * Initial PIN Encryption Key (IPEK, A.6), the transaction's key (the "future key" the terminal
 * used, A.2 and A.3), and the usage variants of Table A-1 (A.4.1).
 *
 * KSN layout (Annex A): 80 bits = 59-bit initial key serial number ‖ 21-bit transaction counter.
 * Shorter KSNs are not padded here: a KSN must be exactly 10 bytes (20 hex digits).
 */

export type TdesDukptUsage = 'pin' | 'mac' | 'mac-response' | 'data' | 'data-response';

export const TDES_KSN_BYTES = 10;
const COUNTER_BITS = 21;
const COUNTER_MASK = (1 << COUNTER_BITS) - 1; // 0x1FFFFF

/** X9.24-1:2009 A.6 / A.2 step 4: the key register is XORed with C0C0 C0C0 0000 0000 C0C0 C0C0 0000 0000. */
const C0_MASK = Buffer.from('C0C0C0C000000000C0C0C0C000000000', 'hex');

/** X9.24-1:2009 Table A-1 (variants of the current key), applied to both 8-byte halves. */
const VARIANT_MASK: Record<TdesDukptUsage, Buffer> = {
  pin: Buffer.from('00000000000000FF00000000000000FF', 'hex'),
  mac: Buffer.from('000000000000FF00000000000000FF00', 'hex'), // MAC, request (or both ways)
  'mac-response': Buffer.from('00000000FF00000000000000FF000000', 'hex'),
  data: Buffer.from('0000000000FF00000000000000FF0000', 'hex'), // data encryption, request (or both ways)
  'data-response': Buffer.from('000000FF00000000000000FF00000000', 'hex'),
};

export const TDES_DUKPT_USAGES = Object.keys(VARIANT_MASK) as TdesDukptUsage[];

function checkBdk(bdk: Uint8Array, what = 'BDK'): void {
  if (bdk.length !== 16) throw new CryptoError('KEY_LENGTH', `a TDES DUKPT ${what} must be 16 bytes (32 hex digits, 2-key TDEA), got ${bdk.length} bytes`);
}

export function checkTdesKsn(ksn: Uint8Array): void {
  if (ksn.length !== TDES_KSN_BYTES) {
    throw new CryptoError('KSN_INVALID', `a TDES DUKPT KSN must be 20 hex digits (10 bytes), got ${ksn.length * 2}`);
  }
}

/** The 21-bit transaction counter: the rightmost 21 bits of the KSN. */
export function tdesKsnCounter(ksn: Uint8Array): number {
  checkTdesKsn(ksn);
  return (((ksn[7] as number) << 16) | ((ksn[8] as number) << 8) | (ksn[9] as number)) & COUNTER_MASK;
}

/** The KSN with its counter replaced by `counter`. */
export function tdesKsnWithCounter(ksn: Uint8Array, counter: number): Buffer {
  checkTdesKsn(ksn);
  if (!Number.isInteger(counter) || counter < 0 || counter > COUNTER_MASK) {
    throw new CryptoError('DUKPT_COUNTER', `a TDES DUKPT counter is 21 bits (0–${COUNTER_MASK}), got ${counter}`);
  }
  const out = Buffer.from(ksn);
  out[7] = ((out[7] as number) & 0xe0) | ((counter >> 16) & 0x1f);
  out[8] = (counter >> 8) & 0xff;
  out[9] = counter & 0xff;
  return out;
}

/** Number of one-bits; X9.24-1 originators only ever use counters with at most 10 (A.2). */
export function popcount(n: number): number {
  let c = 0;
  for (let v = n >>> 0; v; v &= v - 1) c++;
  return c;
}

/**
 * X9.24-1:2009 A.6: IPEK = TDEA(BDK, KSN₈) ‖ TDEA(BDK ⊕ C0C0…, KSN₈), where KSN₈ is the leftmost
 * 64 bits of the KSN with the 21-bit counter set to zero.
 */
export function deriveIpek(bdk: Uint8Array, ksn: Uint8Array): Buffer {
  checkBdk(bdk);
  const base = tdesKsnWithCounter(ksn, 0).subarray(0, 8);
  const left = ecbEncrypt('tdes', bdk, base);
  const right = ecbEncrypt('tdes', xor(bdk, C0_MASK), base);
  return Buffer.concat([left, right]);
}

/**
 * The non-reversible key generation process, X9.24-1:2009 A.2 (steps 1–7 of "Non-reversible Key
 * Generation Process"): a new 16-byte key from the current key register and the rightmost 64 bits
 * of the KSN register. Each single-DES step uses node's TDEA with K1 = K2 = K3.
 */
export function nonReversibleKeyGeneration(key: Uint8Array, ksnRight8: Uint8Array): Buffer {
  const step = (k: Buffer): Buffer => {
    const left = k.subarray(0, 8);
    const right = k.subarray(8, 16);
    // 1) R8 ⊕ right half → 2) DEA-encrypt under left half → 3) ⊕ right half
    return xor(desEncryptBlock(left, xor(ksnRight8, right)), right);
  };
  const k = Buffer.from(key);
  const rightHalf = step(k); // new right half of the key register
  const leftHalf = step(xor(k, C0_MASK)); // 4) key ⊕ C0C0…, 5)–7) same steps: new left half
  return Buffer.concat([leftHalf, rightHalf]);
}

/**
 * The key the terminal used for the KSN's counter: starting from the IPEK, for every one-bit of
 * the counter from the most significant down, set that bit in the KSN register and run the
 * non-reversible key generation process (A.3, "Calculate Future Keys" seen from the host side).
 * Any non-zero 21-bit counter is accepted (a host may be asked about any KSN); counter 0 is the
 * initial KSN, for which no transaction key exists.
 */
export function deriveTransactionKeyFromIpek(ipek: Uint8Array, ksn: Uint8Array): Buffer {
  checkBdk(ipek, 'IPEK');
  const counter = tdesKsnCounter(ksn);
  if (counter === 0) {
    throw new CryptoError('DUKPT_COUNTER', 'the KSN transaction counter is 0: that is the initial KSN, which has no transaction key (X9.24-1:2009 A.2: the first transaction uses counter 1)');
  }
  const register = tdesKsnWithCounter(ksn, 0).subarray(2); // rightmost 64 bits, counter cleared
  let key: Buffer = Buffer.from(ipek);
  for (let bit = 1 << (COUNTER_BITS - 1); bit > 0; bit >>>= 1) {
    if (!(counter & bit)) continue;
    register[5] = (register[5] as number) | ((bit >> 16) & 0x1f);
    register[6] = (register[6] as number) | ((bit >> 8) & 0xff);
    register[7] = (register[7] as number) | (bit & 0xff);
    key = nonReversibleKeyGeneration(key, register);
  }
  return key;
}

/**
 * A usage key from a transaction key (X9.24-1:2009 A.4.1, Table A-1). The data-encryption
 * variants then go through the one-way step of Figure A-2: each half of the variant is
 * TDEA-encrypted under the whole variant, so the data key cannot be turned back into the PIN
 * or MAC key.
 */
export function tdesWorkingKey(transactionKey: Uint8Array, usage: TdesDukptUsage): Buffer {
  const mask = VARIANT_MASK[usage];
  if (!mask) throw new CryptoError('DUKPT_KEY_TYPE', `unknown TDES DUKPT usage '${String(usage)}' (known: ${TDES_DUKPT_USAGES.join(', ')})`);
  const variant = xor(transactionKey, mask);
  if (usage === 'data' || usage === 'data-response') {
    return Buffer.concat([ecbEncrypt('tdes', variant, variant.subarray(0, 8)), ecbEncrypt('tdes', variant, variant.subarray(8, 16))]);
  }
  return variant;
}

export interface TdesDukptKeys {
  ipek: Buffer;
  counter: number;
  transactionKey: Buffer;
  workingKey: Buffer;
}

/** BDK + KSN → IPEK, transaction key and the usage key in one call. */
export function deriveTransactionKey(bdk: Uint8Array, ksn: Uint8Array, usage: TdesDukptUsage): TdesDukptKeys {
  const ipek = deriveIpek(bdk, ksn);
  const transactionKey = deriveTransactionKeyFromIpek(ipek, ksn);
  return { ipek, counter: tdesKsnCounter(ksn), transactionKey, workingKey: tdesWorkingKey(transactionKey, usage) };
}
