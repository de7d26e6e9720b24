import { blockSize, cbcEncrypt, ecbEncrypt } from './block';
import type { BlockCipherName } from './block';
import { CryptoError } from './errors';
import { xor } from './hex';

/**
 * CMAC, NIST SP 800-38B (= ISO/IEC 9797-1:2011 MAC algorithm 5), for AES (b = 128) and TDEA
 * (b = 64). Subkeys (6.1): L = CIPH_K(0^b); K1 = L ≪ 1, XOR R_b if MSB(L) = 1; K2 likewise
 * from K1; R_128 = 0…087, R_64 = 0…01B. MAC generation (6.2): a complete last block is XORed
 * with K1, an incomplete (or empty) one is padded 10* and XORed with K2, then CBC with a zero IV.
 */

function dbl(block: Buffer, rb: number): Buffer {
  const out = Buffer.alloc(block.length);
  let carry = 0;
  for (let i = block.length - 1; i >= 0; i--) {
    const b = block[i] as number;
    out[i] = ((b << 1) & 0xff) | carry;
    carry = b >> 7;
  }
  if ((block[0] as number) & 0x80) out[out.length - 1] = (out[out.length - 1] as number) ^ rb;
  return out;
}

export function cmacSubkeys(cipher: BlockCipherName, key: Uint8Array): { k1: Buffer; k2: Buffer } {
  const n = blockSize(cipher);
  const rb = n === 16 ? 0x87 : 0x1b;
  const l = ecbEncrypt(cipher, key, Buffer.alloc(n));
  const k1 = dbl(l, rb);
  return { k1, k2: dbl(k1, rb) };
}

/** CMAC of `data` under `key`; `length` truncates to the leftmost bytes (SP 800-38B 6.2 step 7). */
export function cmac(cipher: BlockCipherName, key: Uint8Array, data: Uint8Array, length?: number): Buffer {
  const n = blockSize(cipher);
  const { k1, k2 } = cmacSubkeys(cipher, key);
  const d = Buffer.from(data);
  const complete = d.length > 0 && d.length % n === 0;
  const blocks = complete ? d.length / n : Math.floor(d.length / n) + 1;
  const head = d.subarray(0, (blocks - 1) * n);
  const tail = d.subarray((blocks - 1) * n);
  const last = complete ? xor(tail, k1) : xor(Buffer.concat([tail, Buffer.from([0x80]), Buffer.alloc(n - tail.length - 1)]), k2);
  const out = cbcEncrypt(cipher, key, Buffer.concat([head, last]));
  const mac = out.subarray(out.length - n);
  if (length === undefined) return mac;
  if (!Number.isInteger(length) || length < 4 || length > n) throw new CryptoError('MAC_INPUT', `a CMAC length must be 4 to ${n} bytes, got ${length}`);
  return mac.subarray(0, length);
}

export function aesCmac(key: Uint8Array, data: Uint8Array, length?: number): Buffer {
  return cmac('aes', key, data, length);
}

export function tdesCmac(key: Uint8Array, data: Uint8Array, length?: number): Buffer {
  return cmac('tdes', key, data, length);
}
