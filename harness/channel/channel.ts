import type { LineRate } from '../transports/transport';
import type { FramingConfig, ProtocolConfig, TransportConfig } from '../suite/types';
import type { ProtocolMessage, SwipeRead, TransactionOutcome, TransactionRequest, TransactOptions } from '../protocols/protocol';

/**
 * One connected interface of one device, as a test kind sees it: transactions in, outcomes
 * out, with every byte recorded (PANs masked) in the wire trace. Kinds never see the transport,
 * the framer or the protocol underneath.
 */
export interface ChannelCounters {
  bytesOut: number;
  bytesIn: number;
  framesOut: number;
  framesIn: number;
  /** Times the link was opened again after dropping. */
  reconnects: number;
}

/** Where a device listening on TLS can be probed (an interface whose transport is `tls`). */
export interface TlsTarget {
  host: string;
  port: number;
  servername: string;
  caFile?: string;
}

export interface Channel {
  /** Interface role in the device profile: "ecr", "host", "peripheral". */
  readonly role: string;
  /** Transport endpoint for messages ("tcp 127.0.0.1:5000"). */
  readonly endpoint: string;
  readonly protocol: string;
  readonly lineRate?: LineRate;
  /** Set when the device listens on TLS: what a probe connects to. */
  readonly tlsTarget?: TlsTarget;
  readonly counters: Readonly<ChannelCounters>;
  /**
   * The interface's stack as the profile declares it, for kinds that build their own bytes
   * below the protocol (robustness); `baseDir` resolves a packager path.
   */
  readonly stack?: { transport: TransportConfig; framing: FramingConfig; protocol: ProtocolConfig; baseDir: string };
  transact(request: TransactionRequest, options?: Partial<TransactOptions>): Promise<TransactionOutcome>;
  /** One protocol message as written (conformance); rejects when the protocol has no message API. */
  exchangeMessage(message: ProtocolMessage, options?: Partial<TransactOptions>): Promise<{ request: ProtocolMessage; response: ProtocolMessage }>;
  /** The device's last transaction asked again (ZVT Repeat Receipt); undefined where the protocol has no such question. */
  lastOutcome?(options?: Partial<TransactOptions>): Promise<TransactionOutcome>;
  /** Card readers: the next swipe, after `trigger` (see ProtocolSession.readSwipe); rejects where the protocol reads no cards. */
  readSwipe?(options: Partial<TransactOptions>, trigger?: () => Promise<void>): Promise<SwipeRead>;
  /** Raw bytes straight onto the transport, below framing and link layer (recorded in the trace). */
  sendRaw(bytes: Buffer): Promise<void>;
  /**
   * Conformance: with `true` the link layer (ACK/NAK protocols) stops answering the device —
   * no ACK, NAK or ACK to ENQ — until called with `false`.
   */
  silenceLink?(silent: boolean): void;
  /** Bytes the device sends in the next `ms` (or until `enough` says so), raw. */
  collectRaw(ms: number, enough?: (received: Buffer) => boolean): Promise<Buffer>;
  /** The masked wire-trace entries recorded since `mark()` (evidence for a report). */
  mark(): number;
  traceSince(mark: number): { t_ns: number; dir: string; hex?: string; note?: string }[];
  close(): Promise<void>;
}
