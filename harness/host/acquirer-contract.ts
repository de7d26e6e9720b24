/**
 * What a terminal and poshil's acquirer host simulator agree on for the terminal's host leg:
 * ISO 8583:1987 authorisation requests (0200) carrying the cardholder's PIN under DUKPT, the
 * card data encrypted, and a MAC. Field use follows common acquirer practice; where ISO 8583
 * leaves a field private, the choice is written down here once, for both sides.
 *
 *   52  PIN block, TDES DUKPT (8 bytes, hex)          110  PIN block, AES DUKPT (16 bytes, hex)
 *   62  KSN (hex: 20 digits TDES, 24 digits AES)       63  track 2 equivalent data, encrypted
 *   64  MAC, the last field of a message without a secondary bitmap; 128 with one (ISO 8583:1987)
 *   2 / 35 never sent (card data goes in 63)
 *
 * Key usage (ANSI X9.24-1:2009 variants / X9.24-3:2017 usages): PIN key for 52/110, the
 * request MAC key for 64 (ISO 9797-1 MAC algorithm 3 with padding method 1, the ANSI X9.19
 * retail MAC, for TDES; AES-CMAC truncated to 8 bytes for AES), the request data key for 63
 * (CBC, zero IV). The PIN block is ISO 9564-1 format 0 for TDES (format 1 and 3 also decode),
 * format 4 for AES.
 */
import {
  aesKsn,
  aesKsnCounter,
  aesKsnInitialKeyId,
  cbcDecrypt,
  cbcEncrypt,
  deriveAesDukptFromBdk,
  deriveAesDukptKeys,
  deriveInitialKey,
  deriveIpek,
  deriveTransactionKey,
  deriveTransactionKeyFromIpek,
  iso9797Mac,
  aesCmac,
  parseHex,
  tdesKsnCounter,
  tdesKsnWithCounter,
  tdesWorkingKey,
  toHex,
  type PinBlockFormat,
} from '../crypto';

export type DukptScheme = 'tdes' | 'aes';
export type KeyUsage = 'pin' | 'mac' | 'data';

export const ACQUIRER_FIELDS = {
  pan: 2,
  track2: 35,
  pinBlockTdes: 52,
  pinBlockAes: 110,
  ksn: 62,
  encryptedTrack2: 63,
  mac: 64,
  secondaryMac: 128,
} as const;

/**
 * The MAC is always the last field: 64 when the message has no field above 64, else 128 (so
 * the MAC covers every field, the AES PIN block in 110 included).
 */
export function macField(fields: Record<number, string | undefined>): 64 | 128 {
  for (const key of Object.keys(fields)) {
    const n = Number(key);
    if (n > 64 && n < 128 && fields[n] !== undefined) return ACQUIRER_FIELDS.secondaryMac;
  }
  return ACQUIRER_FIELDS.mac;
}

/** MAC length on the wire: 8 bytes in field 64, written as 16 hex characters by hex packagers. */
export const MAC_BYTES = 8;

/**
 * The terminal's secrets as a key-injection device loads them: the initial key (the IPEK for
 * TDES, the initial key for AES) and the initial KSN (transaction counter 0). The BDK never
 * leaves the host side.
 */
export interface KeyInjection {
  scheme: DukptScheme;
  initialKey: string;
  initialKsn: string;
}

/** Where the terminal dials its acquirer, and what it trusts there. */
export interface AcquirerEndpoint {
  role: string;
  host: string;
  port: number;
  /** TLS to the host: the CA the terminal trusts (PEM) and the name it expects. */
  tls?: { ca: string; servername: string };
}

/** The card a test "presents" at the terminal: swiped and PIN entered by the cardholder. */
export interface PresentedCard {
  pan: string;
  /** YYMM */
  expiry?: string;
  pin: string;
}

export function pinBlockFormatFor(scheme: DukptScheme): PinBlockFormat {
  return scheme === 'aes' ? 4 : 0;
}

export function pinBlockField(scheme: DukptScheme): number {
  return scheme === 'aes' ? ACQUIRER_FIELDS.pinBlockAes : ACQUIRER_FIELDS.pinBlockTdes;
}

/** Key injection for a terminal, derived from the BDK on the host side (as a key-loading device does). */
export function injectKeys(scheme: DukptScheme, bdk: Uint8Array, initialKsn: Uint8Array): KeyInjection {
  const initialKey = scheme === 'aes' ? deriveInitialKey(bdk, aesKsnInitialKeyId(initialKsn)) : deriveIpek(bdk, initialKsn);
  return { scheme, initialKey: toHex(initialKey), initialKsn: toHex(initialKsn) };
}

/** The KSN of the terminal's nth transaction (n ≥ 1) from its initial KSN. */
export function ksnWithCounter(scheme: DukptScheme, initialKsn: Uint8Array, counter: number): Buffer {
  return scheme === 'aes' ? aesKsn(aesKsnInitialKeyId(initialKsn), counter) : tdesKsnWithCounter(initialKsn, counter);
}

export function ksnCounter(scheme: DukptScheme, ksn: Uint8Array): number {
  return scheme === 'aes' ? aesKsnCounter(ksn) : tdesKsnCounter(ksn);
}

export function schemeOfKsn(ksnHex: string): DukptScheme | undefined {
  if (ksnHex.length === 20) return 'tdes';
  if (ksnHex.length === 24) return 'aes';
  return undefined;
}

/** Terminal side: a working key from the injected initial key and the transaction's KSN. */
export function terminalKey(injection: KeyInjection, ksn: Uint8Array, usage: KeyUsage): Buffer {
  const initialKey = parseHex(injection.initialKey, 'initial key');
  if (injection.scheme === 'aes') return deriveAesDukptKeys(initialKey, ksn, usage, 'AES128').workingKey;
  return tdesWorkingKey(deriveTransactionKeyFromIpek(initialKey, ksn), usage);
}

/** Host side: the same working key from the BDK and the KSN the terminal sent. */
export function hostKey(scheme: DukptScheme, bdk: Uint8Array, ksn: Uint8Array, usage: KeyUsage): Buffer {
  if (scheme === 'aes') return deriveAesDukptFromBdk(bdk, ksn, usage, 'AES128').workingKey;
  return deriveTransactionKey(bdk, ksn, usage).workingKey;
}

/**
 * The bytes the MAC authenticates: the packed message with the MAC field present (as zeros),
 * minus the MAC itself — the last MAC_BYTES bytes, or 2 × MAC_BYTES hex characters for a hex
 * packager — since the MAC field is always the last one.
 */
export function macInput(packed: Buffer, macWireBytes: number): Buffer {
  return packed.subarray(0, packed.length - macWireBytes);
}

export function computeMac(scheme: DukptScheme, macKey: Uint8Array, data: Uint8Array): Buffer {
  return scheme === 'aes' ? aesCmac(macKey, data, MAC_BYTES) : iso9797Mac(3, macKey, data, 1, MAC_BYTES);
}

/** Track 2 equivalent data as the terminal read it: PAN '=' YYMM service code 101 (no discretionary data). */
export function track2Of(card: PresentedCard): string {
  return `${card.pan}=${card.expiry ?? '4912'}101`;
}

/** Field 63: the ASCII track 2 zero-padded to the cipher's block and CBC-encrypted (zero IV), in hex. */
export function encryptTrack2(scheme: DukptScheme, dataKey: Uint8Array, track2: string): string {
  const block = scheme === 'aes' ? 16 : 8;
  const clear = Buffer.alloc(Math.ceil(track2.length / block) * block);
  clear.write(track2, 'latin1');
  return toHex(cbcEncrypt(scheme, dataKey, clear));
}

/** Host side of field 63: the track 2 text, padding removed. */
export function decryptTrack2(scheme: DukptScheme, dataKey: Uint8Array, hex: string): string {
  const clear = cbcDecrypt(scheme, dataKey, parseHex(hex, 'field 63 (encrypted track 2)'));
  const end = clear.indexOf(0);
  return clear.toString('latin1', 0, end === -1 ? clear.length : end);
}

/** The PAN and expiry in a track 2 text ("PAN=YYMM…"), or undefined when it is not track 2. */
export function parseTrack2(track2: string): { pan: string; expiry: string } | undefined {
  const m = /^([0-9]{12,19})[=D]([0-9]{4})/.exec(track2);
  return m ? { pan: m[1] as string, expiry: m[2] as string } : undefined;
}
