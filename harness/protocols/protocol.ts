/**
 * The protocol-neutral view of a POS transaction. Test kinds speak this; each protocol
 * session (ISO 8583, ZVT, Ingenico Concert) maps it to and from its own
 * messages, so a kind never knows which protocol or transport is underneath.
 */
export type TransactionType = 'sale' | 'refund' | 'reversal' | 'echo' | 'settlement';

export interface CardData {
  /** Primary account number; masked (first 6 / last 4) before it reaches any trace or report. */
  pan: string;
  /** YYMM */
  expiry?: string;
}

export interface TransactionRequest {
  type: TransactionType;
  /** Amount in minor units (cents). */
  amountMinor?: number;
  /** ISO 4217 numeric currency code, e.g. "978". */
  currency?: string;
  card?: CardData;
  /** For reversals: the STAN of the transaction being reversed. */
  originalStan?: string;
  /** Resend under this STAN: a repeat of a request whose answer was lost (ISO 8583). */
  stan?: string;
}

export interface TransactionOutcome {
  type: TransactionType;
  approved: boolean;
  /** The protocol's response code as sent ("00", "05", …). */
  responseCode: string;
  stan?: string;
  rrn?: string;
  approvalCode?: string;
  amountMinor?: number;
  /** Totals for a settlement response. */
  totals?: { count: number; amountMinor: number };
}

export interface TransactOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  /** Filled in by sessions that time the wire (ISO 8583), for kinds that report latency. */
  timing?: TransactTiming;
}

/**
 * When the request left and the answer arrived, on the wire: from the moment the request
 * frame is handed to the link to the arrival of the chunk that completed the response. It is
 * what the device took, without the harness's own building, encoding and decoding — which is
 * what a latency figure of a device must be (with a 5 ms device, a harness that timed around
 * its own encoding after the CPU slept between transactions would add ~100 µs, 2 %).
 */
export interface TransactTiming {
  wireMs?: number;
}

/** A protocol message as a suite writes it (ISO 8583: `{ mti, fields }`). */
export interface ProtocolMessage {
  mti: string;
  fields: Record<string, string>;
}

/** A request/response session over one framed link. */
export interface ProtocolSession {
  readonly protocol: string;
  transact(request: TransactionRequest, options: TransactOptions): Promise<TransactionOutcome>;
  /**
   * Sends one protocol message as written and returns the request as sent (with the fields the
   * session fills in, e.g. STAN) and the device's response. For conformance tests; protocols
   * without a message-level API leave it out.
   */
  exchangeMessage?(message: ProtocolMessage, options: TransactOptions): Promise<{ request: ProtocolMessage; response: ProtocolMessage }>;
  /**
   * The device's last transaction, asked again (ZVT Repeat Receipt): for protocols whose errors
   * name no transaction, how an unanswered one is settled. Left out where a STAN does that.
   */
  lastOutcome?(options: TransactOptions): Promise<TransactionOutcome>;
  /**
   * Card readers: waits for the next swipe, after calling `trigger` (which makes one happen on an
   * emulated reader; on hardware somebody swipes). Left out by protocols that take transactions.
   */
  readSwipe?(options: TransactOptions, trigger?: () => Promise<void>): Promise<SwipeRead>;
  /** Rejects every pending request with LinkClosedError and stops listening. */
  close(): Promise<void>;
}

/** One swipe as a magnetic-stripe reader reported it: the decoded text of each track it read. */
export interface SwipeRead {
  tracks: Partial<Record<1 | 2 | 3, string>>;
  /** The reader's decode status per track (index 0 = track 1): 0 decoded. */
  status: [number, number, number];
  /** Whether the reader passes each track's LRC character on after the end sentinel. */
  includesLrc: boolean;
}

/** Somewhere to register values that must be masked before any trace is written. */
export interface SecretSink {
  addPan(pan: string): void;
}
