import type { LineRate } from '../transports/transport';
import type { TransactionOutcome, TransactionRequest, TransactOptions } from '../protocols/protocol';

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
}

export interface Channel {
  /** Interface role in the device profile: "ecr", "host", "peripheral". */
  readonly role: string;
  /** Transport endpoint for messages ("tcp 127.0.0.1:5000"). */
  readonly endpoint: string;
  readonly protocol: string;
  readonly lineRate?: LineRate;
  readonly counters: Readonly<ChannelCounters>;
  transact(request: TransactionRequest, options?: Partial<TransactOptions>): Promise<TransactionOutcome>;
  close(): Promise<void>;
}
