import { cbcEncrypt, desDecryptBlock, desEncryptBlock } from './block';
import { CryptoError } from './errors';

/**
 * ISO/IEC 9797-1:2011 MACs over DES/TDEA (n = 64-bit blocks):
 * - MAC algorithm 1: CBC-MAC — the last block of CBC encryption with a zero IV. With an
 *   8-byte key this is the single-DES MAC of ANSI X9.9; with a 16/24-byte key, TDEA CBC-MAC.
 * - MAC algorithm 3 (= ANSI X9.19 "retail MAC"): single-DES CBC under K, then the last
 *   output is decrypted under K′ and encrypted under K again. Key = K ‖ K′ (16 bytes).
 * Padding methods: 1 — zero bits to a whole block (this implementation pads an empty
 * message to one zero block so that a MAC exists); method 2 — one 1-bit (0x80) then zero bits;
 * method 3 — a first block holding the message length in bits, then method-1 padding.
 */

export type Iso9797Padding = 1 | 2 | 3;
export type Iso9797Algorithm = 1 | 3;
const N = 8;

export function pad(data: Uint8Array, method: Iso9797Padding, blockSize: number = N): Buffer {
  const d = Buffer.from(data);
  if (method === 1) {
    const len = d.length === 0 ? blockSize : Math.ceil(d.length / blockSize) * blockSize;
    return Buffer.concat([d, Buffer.alloc(len - d.length)]);
  }
  if (method === 2) {
    const withBit = Buffer.concat([d, Buffer.from([0x80])]);
    const len = Math.ceil(withBit.length / blockSize) * blockSize;
    return Buffer.concat([withBit, Buffer.alloc(len - withBit.length)]);
  }
  if (method === 3) {
    // Padding method 3: L_D = the data length in bits, as a binary number right-justified in one block.
    const lengthBlock = Buffer.alloc(blockSize);
    let bits = BigInt(d.length) * 8n;
    for (let i = blockSize - 1; i >= 0 && bits > 0n; i--) {
      lengthBlock[i] = Number(bits & 0xffn);
      bits >>= 8n;
    }
    const len = Math.ceil(d.length / blockSize) * blockSize;
    return Buffer.concat([lengthBlock, d, Buffer.alloc(len - d.length)]);
  }
  throw new CryptoError('MAC_INPUT', `unknown ISO 9797-1 padding method ${String(method)} (supported: 1, 2, 3)`);
}

function truncate(mac: Buffer, length?: number): Buffer {
  if (length === undefined) return mac;
  if (!Number.isInteger(length) || length < 4 || length > mac.length) {
    throw new CryptoError('MAC_INPUT', `a MAC length must be 4 to ${mac.length} bytes, got ${length}`);
  }
  return mac.subarray(0, length);
}

/** ISO 9797-1 MAC algorithm 1 with DES (8-byte key) or TDEA (16/24-byte key). */
export function macAlgorithm1(key: Uint8Array, data: Uint8Array, padding: Iso9797Padding = 1, length?: number): Buffer {
  if (key.length !== 8 && key.length !== 16 && key.length !== 24) {
    throw new CryptoError('KEY_LENGTH', `MAC algorithm 1 takes a DES key (8 bytes) or a TDEA key (16 or 24 bytes), got ${key.length} bytes`);
  }
  const out = cbcEncrypt('tdes', key, pad(data, padding));
  return truncate(out.subarray(out.length - N), length);
}

/** ISO 9797-1 MAC algorithm 3 / ANSI X9.19 retail MAC; key = K ‖ K′. */
export function macAlgorithm3(key: Uint8Array, data: Uint8Array, padding: Iso9797Padding = 1, length?: number): Buffer {
  if (key.length !== 16) throw new CryptoError('KEY_LENGTH', `MAC algorithm 3 (retail MAC) takes a 16-byte key K ‖ K′, got ${key.length} bytes`);
  const k = key.subarray(0, 8);
  const k2 = key.subarray(8, 16);
  const out = cbcEncrypt('tdes', k, pad(data, padding)); // single-DES CBC (K1 = K2 = K3 = K)
  const h = out.subarray(out.length - N);
  return truncate(desEncryptBlock(k, desDecryptBlock(k2, h)), length);
}

export function iso9797Mac(algorithm: Iso9797Algorithm, key: Uint8Array, data: Uint8Array, padding: Iso9797Padding = 1, length?: number): Buffer {
  if (algorithm === 1) return macAlgorithm1(key, data, padding, length);
  if (algorithm === 3) return macAlgorithm3(key, data, padding, length);
  throw new CryptoError('MAC_INPUT', `unknown ISO 9797-1 MAC algorithm ${String(algorithm)} (supported: 1, 3)`);
}
