/**
 * Reads what a TLS client offers, from the first bytes it sends (RFC 8446 §4.1.2, RFC 5246
 * §7.4.1.2): the protocol versions (the supported_versions extension when present, else the
 * legacy version field) and the cipher suites. The host simulator sees these bytes before its
 * TLS stack does, so the `tls` check can judge what a terminal *offers*, not only what one
 * handshake happened to settle on.
 */
export interface ClientHello {
  /** Versions offered, e.g. ['TLSv1.3', 'TLSv1.2']; unknown codes as hex ('0x7f1c'). */
  versions: string[];
  /** Cipher suite codes in the client's order, e.g. 0x1301; GREASE values left out. */
  cipherSuites: number[];
  /** Server name the client asked for (SNI), when given. */
  serverName?: string;
}

const VERSION_NAMES: Record<number, string> = { 0x0300: 'SSLv3', 0x0301: 'TLSv1', 0x0302: 'TLSv1.1', 0x0303: 'TLSv1.2', 0x0304: 'TLSv1.3' };

export function versionName(code: number): string {
  return VERSION_NAMES[code] ?? `0x${code.toString(16).padStart(4, '0')}`;
}

/** GREASE (RFC 8701): 0x0A0A, 0x1A1A, … — placeholders a client offers to keep servers honest. */
function isGrease(code: number): boolean {
  return (code & 0x0f0f) === 0x0a0a && code >> 8 === (code & 0xff);
}

/**
 * Bytes needed before the whole first TLS record is in: 0 when it is complete, -1 when the
 * stream does not start with a TLS handshake record at all.
 */
export function clientHelloBytesMissing(buf: Buffer): number {
  if (buf.length >= 1 && buf[0] !== 0x16) return -1;
  if (buf.length < 5) return 5 - buf.length;
  const want = 5 + buf.readUInt16BE(3);
  return Math.max(0, want - buf.length);
}

/** Parses the ClientHello in the first record; undefined when the bytes are not one. */
export function parseClientHello(buf: Buffer): ClientHello | undefined {
  try {
    return parse(buf);
  } catch {
    return undefined;
  }
}

function parse(buf: Buffer): ClientHello | undefined {
  if (buf[0] !== 0x16) return undefined;
  const recordEnd = Math.min(buf.length, 5 + buf.readUInt16BE(3));
  let at = 5;
  if (buf[at] !== 0x01) return undefined; // handshake type client_hello
  at += 4; // type + 24-bit length
  const legacyVersion = buf.readUInt16BE(at);
  at += 2 + 32; // version, random
  at += 1 + (buf[at] as number); // session id
  const suitesLength = buf.readUInt16BE(at);
  at += 2;
  const cipherSuites: number[] = [];
  for (let i = 0; i < suitesLength; i += 2) {
    const code = buf.readUInt16BE(at + i);
    if (!isGrease(code)) cipherSuites.push(code);
  }
  at += suitesLength;
  at += 1 + (buf[at] as number); // compression methods
  let versions = [versionName(legacyVersion)];
  let serverName: string | undefined;
  if (at + 2 <= recordEnd) {
    const extensionsEnd = Math.min(recordEnd, at + 2 + buf.readUInt16BE(at));
    at += 2;
    while (at + 4 <= extensionsEnd) {
      const type = buf.readUInt16BE(at);
      const length = buf.readUInt16BE(at + 2);
      const body = buf.subarray(at + 4, at + 4 + length);
      if (type === 0x002b && body.length >= 1) {
        // supported_versions: a 1-byte length, then 2-byte codes.
        const offered: string[] = [];
        for (let i = 1; i + 1 < 1 + (body[0] as number) && i + 1 < body.length; i += 2) {
          const code = body.readUInt16BE(i);
          if (!isGrease(code)) offered.push(versionName(code));
        }
        versions = offered;
      } else if (type === 0x0000 && body.length > 5 && body[2] === 0x00) {
        // server_name: list length (2), name type 0 = host_name, name length (2), name.
        serverName = body.toString('latin1', 5, 5 + body.readUInt16BE(3));
      }
      at += 4 + length;
    }
  }
  return { versions, cipherSuites, ...(serverName ? { serverName } : {}) };
}

/**
 * Cipher suites no payment link should offer, by IANA code: NULL encryption, anonymous key
 * exchange, export grade, RC4, single DES and 3DES (SWEET32). PCI DSS and the PCI PTS POI
 * requirements call these out as not "strong cryptography".
 */
const WEAK_SUITES: Record<number, string> = {
  0x0001: 'TLS_RSA_WITH_NULL_MD5',
  0x0002: 'TLS_RSA_WITH_NULL_SHA',
  0x003b: 'TLS_RSA_WITH_NULL_SHA256',
  0xc006: 'TLS_ECDHE_ECDSA_WITH_NULL_SHA',
  0xc010: 'TLS_ECDHE_RSA_WITH_NULL_SHA',
  0x0003: 'TLS_RSA_EXPORT_WITH_RC4_40_MD5',
  0x0006: 'TLS_RSA_EXPORT_WITH_RC2_CBC_40_MD5',
  0x0008: 'TLS_RSA_EXPORT_WITH_DES40_CBC_SHA',
  0x0004: 'TLS_RSA_WITH_RC4_128_MD5',
  0x0005: 'TLS_RSA_WITH_RC4_128_SHA',
  0xc007: 'TLS_ECDHE_ECDSA_WITH_RC4_128_SHA',
  0xc011: 'TLS_ECDHE_RSA_WITH_RC4_128_SHA',
  0x0009: 'TLS_RSA_WITH_DES_CBC_SHA',
  0x000a: 'TLS_RSA_WITH_3DES_EDE_CBC_SHA',
  0x0016: 'TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA',
  0xc008: 'TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA',
  0xc012: 'TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA',
  0x0018: 'TLS_DH_anon_WITH_RC4_128_MD5',
  0x001b: 'TLS_DH_anon_WITH_3DES_EDE_CBC_SHA',
  0x0034: 'TLS_DH_anon_WITH_AES_128_CBC_SHA',
  0x003a: 'TLS_DH_anon_WITH_AES_256_CBC_SHA',
  0x006c: 'TLS_DH_anon_WITH_AES_128_CBC_SHA256',
  0x006d: 'TLS_DH_anon_WITH_AES_256_CBC_SHA256',
  0xc015: 'TLS_ECDH_anon_WITH_NULL_SHA',
  0xc016: 'TLS_ECDH_anon_WITH_RC4_128_SHA',
  0xc017: 'TLS_ECDH_anon_WITH_3DES_EDE_CBC_SHA',
  0xc018: 'TLS_ECDH_anon_WITH_AES_128_CBC_SHA',
  0xc019: 'TLS_ECDH_anon_WITH_AES_256_CBC_SHA',
};

export const WEAK_VERSIONS = new Set(['SSLv3', 'TLSv1', 'TLSv1.1']);

/** What a ClientHello offers that the policy (TLS ≥ 1.2, no weak suites) forbids, in words. */
export function clientHelloViolations(hello: ClientHello): string[] {
  const out: string[] = [];
  const weakVersions = hello.versions.filter((v) => WEAK_VERSIONS.has(v));
  if (weakVersions.length > 0) out.push(`offers ${weakVersions.join(', ')} (policy: TLS 1.2 or later only)`);
  const weakSuites = hello.cipherSuites.filter((c) => WEAK_SUITES[c] !== undefined).map((c) => WEAK_SUITES[c] as string);
  if (weakSuites.length > 0) out.push(`offers weak cipher suites: ${weakSuites.join(', ')}`);
  return out;
}
