import type { FrameLink } from '../../../harness/framing/frame-link';
import { abort, completion, negativeAck, positiveAck, statusInformation } from '../../../harness/protocols/zvt/commands';
import { decodeZvtMessage, type ZvtMessage } from '../../../harness/protocols/zvt/messages';
import type { DecodedBmp } from '../../../harness/protocols/zvt/bmp';
import type { TerminalModel } from './terminal-model';
import { isBadBcd } from './malformed-input';

/**
 * The terminal's ZVT face: it acknowledges each ECR command (80 00 00), processes it in the
 * terminal model, reports status information (04 0F: result code, amount, trace and receipt
 * numbers) and ends with Completion (06 0F) or Abort (06 1E), waiting for the ECR's 80 00 00
 * after each of its own messages, as ZVT requires. The card is "presented" at the terminal, so
 * the model authorises a configured test card; the ECR never sees its number.
 */
const TEST_CARD = { pan: '4761739001010119', expiry: '3012' };
/** How long the terminal waits for the ECR's acknowledgement of its own message (ZVT T4-like). */
const ECR_ACK_TIMEOUT_MS = 5000;
/** Error code of the 84 xx refusing a command whose data cannot be read: 83, "function not possible" with this data. */
const MALFORMED = 0x83;

export class ZvtTerminalDialogue {
  private waitingForAck: ((m: ZvtMessage) => void) | undefined;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly link: FrameLink,
    private readonly model: TerminalModel,
    private readonly terminalId: string,
    private readonly defects: { hangOnBadBcd?: boolean } = {},
  ) {
    link.onFrame((frame) => {
      if (this.model.hung) return;
      let m: ZvtMessage;
      try {
        m = decodeZvtMessage(frame.payload);
      } catch (err) {
        this.refuseUnreadable(frame.payload, err);
        return;
      }
      if (m.kind === 'positive-ack' && this.waitingForAck) {
        const w = this.waitingForAck;
        this.waitingForAck = undefined;
        w(m);
        return;
      }
      const { delayMs, drop } = this.model.admit();
      this.queue = this.queue.then(() => this.handle(m, delayMs, drop)).catch(() => undefined);
    });
  }

  private async handle(m: ZvtMessage, delayMs: number, drop: boolean): Promise<void> {
    if (this.model.hung) return;
    const known = ['authorisation', 'refund', 'reversal', 'end-of-day', 'status-enquiry', 'registration', 'log-off', 'repeat-receipt'];
    if (!known.includes(m.kind)) {
      await this.link.send({ payload: negativeAck(0x83) }); // 83: function not possible
      return;
    }
    await this.link.send({ payload: positiveAck() });
    const wait = Math.max(delayMs, this.model.stallRemainingMs());
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    if (drop) return; // the dropEveryN defect: processed, never completed
    const fields = 'fields' in m ? m.fields : [];
    const amount = numberField(fields, 'amount') ?? 0;
    const currency = numberField(fields, 'currency') ?? 978;
    switch (m.kind) {
      case 'authorisation':
      case 'refund': {
        const trace = this.nextTrace();
        const decision = this.model.authorise({
          type: m.kind === 'refund' ? 'refund' : 'sale',
          terminalId: this.terminalId,
          stan: String(trace).padStart(6, '0'),
          amountMinor: amount,
          currency: String(currency).padStart(3, '0'),
          pan: TEST_CARD.pan,
          expiry: TEST_CARD.expiry,
        });
        await this.finish(Number(decision.responseCode), [
          { bmp: 0x04, value: amount },
          { bmp: 0x0b, value: trace },
          { bmp: 0x87, value: this.nextReceipt() },
          { bmp: 0x49, value: currency },
        ]);
        return;
      }
      case 'reversal': {
        const original = numberField(fields, 'receiptNumber');
        const decision = this.model.reverse({
          terminalId: this.terminalId,
          stan: String(this.nextTrace()).padStart(6, '0'),
          originalStan: String(original ?? 0).padStart(6, '0'),
          amountMinor: amount,
          currency: String(currency).padStart(3, '0'),
        });
        await this.finish(Number(decision.responseCode), [{ bmp: 0x87, value: this.nextReceipt() }]);
        return;
      }
      case 'repeat-receipt': {
        // The last transaction's status information again; 0x9C (no receipt to repeat) when there is none.
        const last = this.model.lastZvtResult;
        if (last) await this.finish(last.resultCode, last.fields, false);
        else await this.finish(0x9c, [], false);
        return;
      }
      case 'end-of-day': {
        const t = this.model.totals();
        await this.finish(0, [
          { bmp: 0x04, value: t.sales.amountMinor - t.refunds.amountMinor },
          { bmp: 0x88, value: t.sales.count + t.refunds.count },
        ], false);
        return;
      }
      default:
        this.model.echo();
        await this.sendAndAwaitAck(completion({}));
    }
  }

  /**
   * A command it cannot read is refused with 84 xx — unless it is itself an acknowledgement
   * (80, 84): answering those would start a ping-pong. hangOnBadBcd: invalid BCD freezes it.
   */
  private refuseUnreadable(payload: Buffer, err: unknown): void {
    if (this.defects.hangOnBadBcd && isBadBcd(err)) {
      this.model.hang();
      return;
    }
    if (payload.length < 2 || payload[0] === 0x80 || payload[0] === 0x84) return;
    this.queue = this.queue
      .then(async () => {
        await this.link.send({ payload: negativeAck(MALFORMED) });
      })
      .catch(() => undefined);
  }

  /** Status information, then Completion (result 00) or Abort (any other result). */
  private async finish(resultCode: number, fields: { bmp: number; value: number }[], remember = true): Promise<void> {
    if (remember) this.model.lastZvtResult = { resultCode, fields };
    await this.sendAndAwaitAck(statusInformation([{ bmp: 0x27, value: resultCode }, ...fields]));
    await this.sendAndAwaitAck(resultCode === 0 ? completion({}) : abort(resultCode));
  }

  private async sendAndAwaitAck(apdu: Buffer): Promise<void> {
    const acked = new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.waitingForAck = undefined;
        resolve(); // an ECR that never acknowledges: the terminal gives up on this step
      }, ECR_ACK_TIMEOUT_MS);
      this.waitingForAck = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    await this.link.send({ payload: apdu });
    await acked;
  }

  private nextTrace(): number {
    const n = this.model.zvtNumbers;
    n.trace = n.trace >= 999999 ? 1 : n.trace + 1;
    return n.trace;
  }

  private nextReceipt(): number {
    const n = this.model.zvtNumbers;
    n.receipt = n.receipt >= 9999 ? 1 : n.receipt + 1;
    return n.receipt;
  }
}

function numberField(fields: DecodedBmp[], name: string): number | undefined {
  const v = fields.find((f) => f.name === name)?.value;
  return typeof v === 'number' ? v : undefined;
}
