import crypto from 'node:crypto';
import { CryptoError } from './errors';

/**
 * Block cipher primitives, all from node:crypto (OpenSSL); nothing here implements a cipher.
 *
 * OpenSSL 3's default provider has no single DES ('des-ecb' lives in the legacy provider), so
 * single-DES steps run as TDEA with K1 = K2 = K3: E(K3, D(K2, E(K1, x))) = E(K, x) when all three
 * keys are equal (ANSI X9.52 / NIST SP 800-67 keying option 3 is exactly single DES).
 * Every call disables padding: callers pad explicitly, as the payment standards specify.
 */
export type BlockCipherName = 'tdes' | 'aes';

/** A DES/TDES key of 8, 16 or 24 bytes as the 24-byte K1‖K2‖K3 that 'des-ede3' takes. */
export function tdesKey24(key: Uint8Array): Buffer {
  const k = Buffer.from(key);
  if (k.length === 8) return Buffer.concat([k, k, k]); // single DES
  if (k.length === 16) return Buffer.concat([k, k.subarray(0, 8)]); // 2-key TDEA: K3 = K1
  if (k.length === 24) return k;
  throw new CryptoError('KEY_LENGTH', `a DES/TDES key must be 8, 16 or 24 bytes, got ${k.length}`);
}

function aesAlgorithm(key: Uint8Array, mode: 'ecb' | 'cbc'): string {
  if (key.length !== 16 && key.length !== 24 && key.length !== 32) {
    throw new CryptoError('KEY_LENGTH', `an AES key must be 16, 24 or 32 bytes, got ${key.length}`);
  }
  return `aes-${key.length * 8}-${mode}`;
}

export function blockSize(cipher: BlockCipherName): 8 | 16 {
  return cipher === 'tdes' ? 8 : 16;
}

function run(encrypt: boolean, cipher: BlockCipherName, mode: 'ecb' | 'cbc', key: Uint8Array, data: Uint8Array, iv?: Uint8Array): Buffer {
  const n = blockSize(cipher);
  if (data.length % n !== 0) throw new RangeError(`${cipher} ${mode} needs whole ${n}-byte blocks, got ${data.length} bytes`);
  const algorithm = cipher === 'tdes' ? `des-ede3-${mode}` : aesAlgorithm(key, mode);
  const k = cipher === 'tdes' ? tdesKey24(key) : key;
  const ivBuf = mode === 'cbc' ? (iv ?? Buffer.alloc(n)) : null;
  const c = encrypt ? crypto.createCipheriv(algorithm, k, ivBuf) : crypto.createDecipheriv(algorithm, k, ivBuf);
  c.setAutoPadding(false);
  return Buffer.concat([c.update(data), c.final()]);
}

export function ecbEncrypt(cipher: BlockCipherName, key: Uint8Array, data: Uint8Array): Buffer {
  return run(true, cipher, 'ecb', key, data);
}

export function ecbDecrypt(cipher: BlockCipherName, key: Uint8Array, data: Uint8Array): Buffer {
  return run(false, cipher, 'ecb', key, data);
}

export function cbcEncrypt(cipher: BlockCipherName, key: Uint8Array, data: Uint8Array, iv?: Uint8Array): Buffer {
  return run(true, cipher, 'cbc', key, data, iv);
}

export function cbcDecrypt(cipher: BlockCipherName, key: Uint8Array, data: Uint8Array, iv?: Uint8Array): Buffer {
  return run(false, cipher, 'cbc', key, data, iv);
}

/** Single-DES encryption of one 8-byte block (as TDEA with K1 = K2 = K3). */
export function desEncryptBlock(key8: Uint8Array, block: Uint8Array): Buffer {
  if (key8.length !== 8) throw new CryptoError('KEY_LENGTH', `a single-DES key must be 8 bytes, got ${key8.length}`);
  return ecbEncrypt('tdes', key8, block);
}

export function desDecryptBlock(key8: Uint8Array, block: Uint8Array): Buffer {
  if (key8.length !== 8) throw new CryptoError('KEY_LENGTH', `a single-DES key must be 8 bytes, got ${key8.length}`);
  return ecbDecrypt('tdes', key8, block);
}
