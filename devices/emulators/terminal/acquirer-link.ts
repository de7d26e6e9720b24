import net from 'node:net';
import tls from 'node:tls';
import {
  computeMac,
  encryptTrack2,
  ksnWithCounter,
  macField,
  macInput,
  MAC_BYTES,
  pinBlockField,
  pinBlockFormatFor,
  terminalKey,
  track2Of,
  ACQUIRER_FIELDS,
  type AcquirerEndpoint,
  type KeyInjection,
  type PresentedCard,
} from '../../../harness/host/acquirer-contract';
import { checkAesCounter, encodePinBlock, parseHex, popcount, toHex } from '../../../harness/crypto';
import { createFramer } from '../../../harness/framing/registry';
import { pushResilient } from '../../../harness/framing/push-resilient';
import type { Frame } from '../../../harness/framing/framer';
import { Iso8583Codec } from '../../../harness/protocols/iso8583/codec';
import { loadPackager } from '../../../harness/protocols/iso8583/packager';
import type { Iso8583Message } from '../../../harness/protocols/iso8583/types';
import type { EmulatorConfig, FramingConfig } from '../../../harness/suite/types';
import { PoshilError } from '../../../harness/errors';

/**
 * The terminal's host leg: a sale or refund rung up on the ECR goes online to the acquirer as
 * an ISO 8583 0200 built as harness/host/acquirer-contract.ts agrees with poshil's host
 * simulator — PIN block under the DUKPT PIN key, track 2 encrypted under the data key in
 * field 63, KSN in field 62, MAC in the last field (64, or 128 with AES), never the clear PAN. One new connection per
 * transaction (TCP or TLS), as dial-up-style terminals do.
 *
 * The keys arrive only through key injection (the emulator override); nothing here reads a
 * key from the profile or the environment. Nothing here logs the card, the PIN or a key.
 *
 * Security defect switches (so the encryption kind can show it catches each): `leakPan`,
 * `reuseKsn`, `wrongPinKey`, `badMac`, `weakTls`, `noCertCheck` — see harness/suite/types.ts.
 */
export interface AcquirerConfig {
  endpoint: AcquirerEndpoint;
  keys: KeyInjection;
  /** Packager name or path (relative to the profile's directory). */
  packager: string;
  framing: FramingConfig;
  terminalId?: string;
  merchantId?: string;
}

/** What came back from the host, or why nothing did. */
export interface HostAnswer {
  /** False when the host was not reached (refused, TLS handshake failed, timed out). */
  online: boolean;
  responseCode: string;
  approvalCode?: string;
  rrn?: string;
}

/** The sale or refund to take online: the ECR's request fields and the card the cardholder presented. */
export interface OnlineRequest {
  ecr: Record<number, string>;
  card: PresentedCard;
}

export const HOST_TIMEOUT_MS = 5000;
/** ISO 8583 response code 91: issuer or switch inoperative — the host could not be reached. */
export const ISSUER_INOPERATIVE = '91';

const TDES_MAX_COUNTER = 0x1fffff;
/** X9.24-1:2009 A.2: an originating device only uses counters with at most 10 one-bits. */
const TDES_MAX_ONE_BITS = 10;
const MAC_PLACEHOLDER = '0'.repeat(2 * MAC_BYTES);
/** TPDU for a host link framed with one: id 60, destination NII 0001, origin 0000. */
const HOST_TPDU = Buffer.from('6000010000', 'hex');

type Defects = NonNullable<EmulatorConfig['defects']>;

export class AcquirerLink {
  private readonly codec: Iso8583Codec;
  private readonly initialKsn: Buffer;
  /** The DUKPT transaction counter of the last transaction (0: none yet). */
  private counter = 0;
  /** The host leg's own STAN sequence. */
  private stan = 0;

  constructor(
    private readonly config: AcquirerConfig,
    baseDir: string,
    private readonly defects: Defects = {},
  ) {
    this.codec = new Iso8583Codec(loadPackager(config.packager, baseDir));
    this.initialKsn = parseHex(config.keys.initialKsn, 'the injected initial KSN');
    // Fail at start, not on the first sale, when the framing is unusable.
    createFramer(config.framing);
  }

  /** Takes the transaction online; never throws — an unreachable host is response code 91. */
  async authorise(request: OnlineRequest): Promise<HostAnswer> {
    let message: Iso8583Message;
    let stan: string;
    try {
      ({ message, stan } = this.buildRequest(request));
    } catch {
      // Key counter exhausted or the like: the terminal cannot go online.
      return { online: false, responseCode: ISSUER_INOPERATIVE };
    }
    try {
      const response = await this.exchange(this.codec.pack(message), stan);
      const f = response.fields;
      if (!f[39]) return { online: false, responseCode: ISSUER_INOPERATIVE };
      const answer: HostAnswer = { online: true, responseCode: f[39] };
      if (f[38]?.trim()) answer.approvalCode = f[38];
      if (f[37]?.trim()) answer.rrn = f[37];
      return answer;
    } catch {
      return { online: false, responseCode: ISSUER_INOPERATIVE };
    }
  }

  /** The next DUKPT counter: +1, skipping counters the standard forbids; `reuseKsn` never moves past the first. */
  private nextCounter(): number {
    if (this.defects.reuseKsn && this.counter > 0) return this.counter;
    const scheme = this.config.keys.scheme;
    let c = this.counter;
    for (;;) {
      c++;
      if (scheme === 'aes') {
        if (c > 0xfffffffe) throw new PoshilError('DUKPT_EXHAUSTED', 'the AES DUKPT transaction counter is exhausted: the terminal needs new keys');
        try {
          checkAesCounter(c);
          break;
        } catch {
          continue;
        }
      }
      if (c > TDES_MAX_COUNTER) throw new PoshilError('DUKPT_EXHAUSTED', 'the TDES DUKPT transaction counter is exhausted: the terminal needs new keys');
      if (popcount(c) <= TDES_MAX_ONE_BITS) break;
    }
    this.counter = c;
    return c;
  }

  private nextStan(): string {
    this.stan = (this.stan % 999_999) + 1;
    return String(this.stan).padStart(6, '0');
  }

  private buildRequest(request: OnlineRequest): { message: Iso8583Message; stan: string } {
    const { ecr, card } = request;
    const keys = this.config.keys;
    const scheme = keys.scheme;
    const ksn = ksnWithCounter(scheme, this.initialKsn, this.nextCounter());
    const stan = this.nextStan();
    const now = new Date();
    const pad = (n: number) => String(n).padStart(2, '0');
    const mmdd = pad(now.getUTCMonth() + 1) + pad(now.getUTCDate());
    const hhmmss = pad(now.getUTCHours()) + pad(now.getUTCMinutes()) + pad(now.getUTCSeconds());
    const fields: Record<number, string> = {
      3: ecr[3] ?? '000000',
      4: ecr[4] ?? '000000000000',
      7: mmdd + hhmmss,
      11: stan,
      12: ecr[12] ?? hhmmss,
      13: ecr[13] ?? mmdd,
      22: '021', // magnetic stripe read, PIN entry capable
      25: '00', // normal presentment
      41: this.config.terminalId ?? ecr[41] ?? 'POSHIL01',
      42: this.config.merchantId ?? ecr[42] ?? 'POSHIL000000001',
      49: ecr[49] ?? '978',
    };
    if (this.defects.leakPan) {
      fields[ACQUIRER_FIELDS.pan] = card.pan;
      fields[ACQUIRER_FIELDS.track2] = track2Of(card);
    }
    if (card.pin) {
      const pinKey = terminalKey(keys, ksn, this.defects.wrongPinKey ? 'data' : 'pin');
      const block = encodePinBlock({ format: pinBlockFormatFor(scheme), pin: card.pin, pan: card.pan, key: pinKey });
      fields[pinBlockField(scheme)] = toHex(block.encrypted as Buffer);
    }
    fields[ACQUIRER_FIELDS.ksn] = toHex(ksn);
    fields[ACQUIRER_FIELDS.encryptedTrack2] = encryptTrack2(scheme, terminalKey(keys, ksn, 'data'), track2Of(card));
    // The MAC goes last: field 64, or 128 when a field above 64 (the AES PIN block) is present.
    const macAt = macField(fields);
    fields[macAt] = MAC_PLACEHOLDER;
    const message: Iso8583Message = { mti: '0200', fields };
    const mac = computeMac(scheme, terminalKey(keys, ksn, 'mac'), macInput(this.codec.pack(message), this.macWireBytes(macAt)));
    if (this.defects.badMac) mac[mac.length - 1] = (mac[mac.length - 1] as number) ^ 0xff;
    fields[macAt] = toHex(mac);
    return { message, stan };
  }

  /** The MAC field on the wire: 8 bytes, or 16 hex characters when the packager writes b fields as hex. */
  private macWireBytes(field: number): number {
    return this.fieldDef(field).dataEncoding === 'binary' ? MAC_BYTES : 2 * MAC_BYTES;
  }

  private fieldDef(n: number) {
    const def = this.codec.packager.fields[String(n)];
    if (!def) throw new PoshilError('ACQUIRER_PACKAGER', `the acquirer packager "${this.codec.packager.name}" has no field ${n}`);
    return def;
  }

  /** One connection: dial, send, wait for the 0210 with our STAN, hang up. */
  private exchange(payload: Buffer, stan: string): Promise<Iso8583Message> {
    const { endpoint, framing } = this.config;
    const framer = createFramer(framing);
    const frame: Frame = framing.tpdu ? { payload, header: HOST_TPDU } : { payload };
    const bytes = framer.encode(frame);
    return new Promise<Iso8583Message>((resolve, reject) => {
      let settled = false;
      const socket = this.dial(endpoint, () => socket.write(bytes));
      const finish = (err: Error | undefined, response?: Iso8583Message) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket.destroy();
        if (err) reject(err);
        else resolve(response as Iso8583Message);
      };
      const timer = setTimeout(() => finish(new PoshilError('ACQUIRER_TIMEOUT', `no answer from the acquirer within ${HOST_TIMEOUT_MS} ms`)), HOST_TIMEOUT_MS);
      socket.on('error', (err) => finish(err));
      socket.on('close', () => finish(new PoshilError('ACQUIRER_CLOSED', 'the acquirer closed the connection before answering')));
      socket.on('data', (chunk: Buffer) => {
        for (const f of pushResilient(framer, chunk)) {
          let response: Iso8583Message;
          try {
            response = this.codec.unpack(f.payload);
          } catch {
            continue;
          }
          if (response.mti === '0210' && response.fields[11] === stan) return finish(undefined, response);
        }
      });
    });
  }

  private dial(endpoint: AcquirerEndpoint, onConnected: () => void): net.Socket {
    if (!endpoint.tls) {
      const socket = net.connect({ host: endpoint.host, port: endpoint.port }, onConnected);
      socket.setNoDelay(true);
      return socket;
    }
    const options: tls.ConnectionOptions = {
      host: endpoint.host,
      port: endpoint.port,
      ca: endpoint.tls.ca,
      servername: endpoint.tls.servername,
      minVersion: 'TLSv1.2',
      rejectUnauthorized: true,
    };
    if (this.defects.weakTls) {
      // Offers TLS 1.0 to 1.3 and weak suites. minVersion alone is not enough with OpenSSL 3:
      // at security level 1 and above it refuses the SHA-1 signatures TLS 1.0/1.1 need, so the
      // handshake fails; @SECLEVEL=0 lifts that.
      options.minVersion = 'TLSv1';
      options.ciphers = 'DEFAULT:@SECLEVEL=0';
    }
    if (this.defects.noCertCheck) options.rejectUnauthorized = false;
    const socket = tls.connect(options, onConnected);
    socket.setNoDelay(true);
    return socket;
  }
}
