import type { FrameLink } from '../../../harness/framing/frame-link';
import { maskPan } from '../../../harness/masking/pan';
import { decodeRequest, encodeResponse, REP_LENGTH, type ConcertRequest, type ConcertResponse } from '../../../harness/protocols/concert/messages';
import type { TerminalModel } from './terminal-model';

/**
 * The terminal's Concert V2 face. The link layer under it (AckNakLink with the concert
 * preset) answers ENQ, ACKs or NAKs each frame and sends ENQ … EOT around each answer; this
 * reads each request, lets the terminal model decide, and answers with one response frame:
 *
 * - '0' debit / '1' credit: authorised by the model with a test card "presented" at the
 *   terminal (the ECR never sends a card number); status '0' when the model approves, '7'
 *   otherwise (amounts ending in .05 are declined, as everywhere in the emulator).
 * - '2' cancellation: reverses the last transaction this face booked.
 * - '4' duplicate: the last answer again (status, amount, card data), with the duplicate
 *   request's own POS number and privateData echoed, so the ECR can match it.
 *
 * The rep field (answer flag '1') carries the card number masked first 6 / last 4, as a
 * terminal that keeps PCI scope off the cash register does. Undecodable requests get no
 * answer (the link layer has already ACKed the frame; its LRC was good).
 */
const TEST_CARD = { pan: '4761739001010119', expiry: '3012' };
/**
 * Trace numbers per terminal model, shared by every connection's face: the model's journal
 * repeats its earlier answer for a repeated trace number, so two connections must not reuse one.
 */
const traces = new WeakMap<TerminalModel, number>();

export class ConcertTerminalFace {
  private queue: Promise<void> = Promise.resolve();
  private last: ConcertResponse | undefined;
  /** Trace number (the model's STAN) of the last approved debit or credit, for a cancellation. */
  private lastBooked: string | undefined;

  constructor(
    private readonly link: FrameLink,
    private readonly model: TerminalModel,
    private readonly terminalId = 'CONCERT1',
  ) {
    link.onFrame((frame) => {
      let request: ConcertRequest;
      try {
        request = decodeRequest(frame.payload);
      } catch {
        return;
      }
      const { delayMs, drop } = this.model.admit();
      this.queue = this.queue.then(() => this.handle(request, delayMs, drop)).catch(() => undefined);
    });
  }

  private async handle(request: ConcertRequest, delayMs: number, drop: boolean): Promise<void> {
    const wait = Math.max(delayMs, this.model.stallRemainingMs());
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const response = this.respond(request);
    if (drop) return; // the dropEveryN defect: processed, never answered
    await this.link.send({ payload: encodeResponse(response) });
  }

  private respond(request: ConcertRequest): ConcertResponse {
    const rep = request.answerFlag === '1' ? maskPan(TEST_CARD.pan).padEnd(REP_LENGTH, ' ') : undefined;
    const answer = (status: '0' | '7', amount = request.amount): ConcertResponse => ({
      posNumber: request.posNumber,
      status,
      amount,
      paymentMode: request.paymentMode,
      ...(rep === undefined ? {} : { rep }),
      currency: request.currency,
      privateData: request.privateData,
    });
    const amountMinor = Number(request.amount);
    let response: ConcertResponse;
    switch (request.transactionType) {
      case '0':
      case '1': {
        const stan = this.nextTrace();
        const decision = this.model.authorise({
          type: request.transactionType === '1' ? 'refund' : 'sale',
          terminalId: this.terminalId,
          stan,
          amountMinor,
          currency: request.currency,
          pan: TEST_CARD.pan,
          expiry: TEST_CARD.expiry,
        });
        if (decision.responseCode === '00') this.lastBooked = stan;
        response = answer(decision.responseCode === '00' ? '0' : '7');
        break;
      }
      case '2': {
        const decision = this.model.reverse({
          terminalId: this.terminalId,
          stan: this.nextTrace(),
          originalStan: this.lastBooked ?? '000000',
          amountMinor,
          currency: request.currency,
        });
        if (decision.responseCode === '00') this.lastBooked = undefined;
        response = answer(decision.responseCode === '00' ? '0' : '7');
        break;
      }
      case '4': {
        const last = this.last;
        if (!last) return answer('7', '00000000'); // nothing to duplicate
        const { rep: lastRep, ...rest } = last;
        return {
          ...rest,
          ...(rep === undefined ? {} : { rep: lastRep ?? rep }),
          posNumber: request.posNumber,
          privateData: request.privateData,
        };
      }
    }
    this.last = response;
    return response;
  }

  private nextTrace(): string {
    const previous = traces.get(this.model) ?? 0;
    const trace = previous >= 999999 ? 1 : previous + 1;
    traces.set(this.model, trace);
    return String(trace).padStart(6, '0');
  }
}
