import { LinkClosedError, ResponseTimeoutError } from '../../errors';
import type { FrameLink } from '../../framing/frame-link';
import type { ProtocolSession, SecretSink, TransactionOutcome, TransactionRequest, TransactOptions } from '../protocol';
import type { DecodedBmp } from './bmp';
import { authorisation, endOfDay, positiveAck, refund, repeatReceipt, reversal, statusEnquiry } from './commands';
import { ZvtError } from './errors';
import { decodeZvtMessage, type ZvtMessage } from './messages';

/**
 * The ECR side of a ZVT dialogue. ZVT is master/slave, one transaction at a time: the ECR
 * sends a command, the terminal acknowledges it (80 00 00), then sends status information
 * (04 0F), intermediate status (04 FF) and print lines (06 D1) — each acknowledged by the ECR
 * — and ends with Completion (06 0F) or Abort (06 1E). The outcome's response code is the ZVT
 * result code (BMP 27) as two hex digits: "00" approved.
 */
export interface ZvtSessionOptions {
  /** Terminal password for administrative commands (6 digits). */
  password?: string;
  /** ISO 4217 numeric currency, e.g. 978. */
  currency?: number;
}

type Step = { resolve: (m: ZvtMessage) => void; reject: (e: Error) => void };

export class ZvtSession implements ProtocolSession {
  readonly protocol = 'zvt';
  private readonly inbox: ZvtMessage[] = [];
  private waiter: Step | undefined;
  private busy: Promise<unknown> = Promise.resolve();
  private closed: Error | undefined;
  private readonly detach: (() => void)[] = [];

  constructor(
    private readonly link: FrameLink,
    secrets: SecretSink,
    private readonly options: ZvtSessionOptions = {},
  ) {
    this.detach.push(
      link.onFrame((frame) => {
        let message: ZvtMessage;
        try {
          message = decodeZvtMessage(frame.payload);
        } catch {
          return; // undecodable APDU: the dialogue will time out, as an ECR's would
        }
        for (const f of 'fields' in message ? message.fields : []) if (f.name === 'pan' && typeof f.value === 'string') secrets.addPan(f.value);
        if (this.waiter) {
          const w = this.waiter;
          this.waiter = undefined;
          w.resolve(message);
        } else this.inbox.push(message);
      }),
    );
    this.detach.push(link.onClose((cause) => this.fail(new LinkClosedError(`${link.endpoint}: link dropped during a ZVT dialogue${cause ? ` (${cause.message})` : ''}`))));
  }

  transact(request: TransactionRequest, options: TransactOptions): Promise<TransactionOutcome> {
    // One dialogue at a time: ZVT has no transaction id to tell two apart.
    const run = this.busy.then(() => this.dialogue(request, options));
    this.busy = run.catch(() => undefined);
    return run;
  }

  /**
   * The terminal's last transaction, asked with Repeat Receipt (06 20): how an ECR that lost a
   * result learns it (trace number, result code, amount). ZVT names no transaction in an error,
   * so this is how an unanswered one is settled.
   */
  lastOutcome(options: TransactOptions): Promise<TransactionOutcome> {
    const request: TransactionRequest = { type: 'sale' };
    const run = this.busy.then(() => this.dialogue(request, options, repeatReceipt({ password: this.options.password })));
    this.busy = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    for (const d of this.detach) d();
    this.fail(new LinkClosedError(`${this.link.endpoint}: session closed`));
  }

  private command(request: TransactionRequest): Buffer {
    const currency = request.currency ? Number(request.currency) : this.options.currency;
    const password = this.options.password;
    switch (request.type) {
      case 'sale':
        return authorisation({ amount: request.amountMinor ?? 0, currency });
      case 'refund':
        return refund({ password, amount: request.amountMinor ?? 0, currency });
      case 'reversal':
        return reversal({ password, receiptNumber: request.originalStan ? Number(request.originalStan) : undefined });
      case 'settlement':
        return endOfDay({ password });
      case 'echo':
        return statusEnquiry({ password });
    }
  }

  private async dialogue(request: TransactionRequest, options: TransactOptions, command = this.command(request)): Promise<TransactionOutcome> {
    if (this.closed) throw this.closed;
    this.inbox.length = 0;
    const deadline = Date.now() + options.timeoutMs;
    await this.link.send({ payload: command });
    const first = await this.next(deadline, request, 'the acknowledgement (80 00 00)');
    if (first.kind === 'negative-ack') {
      return { type: request.type, approved: false, responseCode: hex(first.errorCode) };
    }
    if (first.kind !== 'positive-ack') throw new ZvtError(`expected 80 00 00 after the command, the terminal sent ${first.control} (${first.name})`);
    const fields: DecodedBmp[] = [];
    for (;;) {
      const m = await this.next(deadline, request, 'completion (06 0F)');
      switch (m.kind) {
        case 'status-information':
        case 'intermediate-status':
        case 'print-line':
          if (m.kind === 'status-information') fields.push(...m.fields);
          await this.link.send({ payload: positiveAck() });
          continue;
        case 'completion':
          await this.link.send({ payload: positiveAck() });
          return this.outcome(request, [...fields, ...m.fields], true);
        case 'abort':
          await this.link.send({ payload: positiveAck() });
          return { ...this.outcome(request, [...fields, ...m.fields], false), responseCode: hex(m.resultCode) };
        default:
          // Anything else mid-dialogue is acknowledged and ignored, as ECRs do.
          await this.link.send({ payload: positiveAck() });
      }
    }
  }

  private outcome(request: TransactionRequest, fields: DecodedBmp[], completed: boolean): TransactionOutcome {
    const get = (name: string) => fields.find((f) => f.name === name)?.value;
    const result = get('resultCode');
    const code = typeof result === 'number' ? result : 0;
    const outcome: TransactionOutcome = { type: request.type, approved: completed && code === 0, responseCode: hex(code) };
    const trace = get('traceNumber');
    if (typeof trace === 'number') outcome.stan = String(trace).padStart(6, '0');
    const receipt = get('receiptNumber');
    if (typeof receipt === 'number') outcome.rrn = String(receipt).padStart(4, '0');
    const amount = get('amount');
    if (typeof amount === 'number') outcome.amountMinor = amount;
    if (request.type === 'settlement' && typeof amount === 'number') outcome.totals = { count: Number(get('turnoverNumber') ?? 0), amountMinor: amount };
    return outcome;
  }

  private next(deadline: number, request: TransactionRequest, what: string): Promise<ZvtMessage> {
    const queued = this.inbox.shift();
    if (queued) return Promise.resolve(queued);
    if (this.closed) return Promise.reject(this.closed);
    return new Promise<ZvtMessage>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        reject(new ResponseTimeoutError(`ZVT ${request.type}: no ${what} from ${this.link.endpoint} in time`));
      }, Math.max(0, deadline - Date.now()));
      this.waiter = {
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
    });
  }

  private fail(error: Error): void {
    this.closed = error;
    const w = this.waiter;
    this.waiter = undefined;
    w?.reject(error);
  }
}

function hex(n: number): string {
  return n.toString(16).toUpperCase().padStart(2, '0');
}
