import { PoshilError } from '../errors';

/** Why one try of a transmission did not get an ACK. */
export type TryFailure = 'nak' | 'timeout';

/**
 * The peer never acknowledged a frame (or an ENQ) however often it was sent: every try got a
 * NAK or no answer within T1. The message names the number of tries and what each got, e.g.
 * "no ACK for the frame after 4 tries (1 transmission + 3 retransmissions): try 1 NAK, …".
 */
export class LinkRetriesExhaustedError extends PoshilError {
  /** Tries made in all (the first transmission included). */
  readonly tries: number;
  /** What each try got, in order. */
  readonly failures: readonly TryFailure[];
  /** 'frame' when the frame itself was never acknowledged, 'enq' when the ENQ handshake never was. */
  readonly stage: 'frame' | 'enq';

  constructor(stage: 'frame' | 'enq', failures: readonly TryFailure[], t1Ms: number) {
    const tries = failures.length;
    const detail = failures.map((f, i) => `try ${i + 1} ${f === 'nak' ? 'NAK' : `no answer within T1 (${t1Ms} ms)`}`).join(', ');
    const what = stage === 'frame' ? 'no ACK for the frame' : 'no ACK to ENQ (the peer never said it was ready to receive)';
    super(
      'LINK_RETRIES_EXHAUSTED',
      `${what} after ${tries} ${tries === 1 ? 'try' : 'tries'} (1 transmission + ${tries - 1} retransmission${tries - 1 === 1 ? '' : 's'}): ${detail}`,
      { exitCode: 1 },
    );
    this.tries = tries;
    this.failures = failures;
    this.stage = stage;
  }
}
