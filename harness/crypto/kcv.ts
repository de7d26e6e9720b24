import { ecbEncrypt } from './block';
import type { BlockCipherName } from './block';
import { aesCmac } from './cmac';

/**
 * Key check values.
 * - TDEA (and DES): encrypt one block of zeros, keep the leftmost 3 bytes (ANSI X9.24-1 legacy KCV).
 * - AES, default 'cmac': AES-CMAC over a 16-byte block of zeros, leftmost 3 bytes — the AES KCV of
 *   ANSI X9.24-1:2017 (as also used by TR-31 and AWS Payment Cryptography's "CMAC" KCV).
 * - AES, 'encrypt-zeros': AES-ECB of a zero block, leftmost 3 bytes — the older convention some
 *   HSMs still print; it gives a different value for the same key, so the method is explicit.
 */
export type KcvMethod = 'cmac' | 'encrypt-zeros';

export function kcv(cipher: BlockCipherName, key: Uint8Array, options: { method?: KcvMethod; length?: number } = {}): Buffer {
  const length = options.length ?? 3;
  if (cipher === 'tdes') return ecbEncrypt('tdes', key, Buffer.alloc(8)).subarray(0, length);
  const method = options.method ?? 'cmac';
  const full = method === 'cmac' ? aesCmac(key, Buffer.alloc(16)) : ecbEncrypt('aes', key, Buffer.alloc(16));
  return full.subarray(0, length);
}
