import { LinkClosedError, ResponseTimeoutError } from '../../errors';
import type { FrameLink } from '../../framing/frame-link';
import { maskText } from '../../masking/pan';
import type { ProtocolMessage, ProtocolSession, SecretSink, TransactionOutcome, TransactionRequest, TransactOptions, TransactionType } from '../protocol';
import { ConcertError } from './errors';
import {
  amountField,
  decodeResponse,
  encodeRequest,
  PRIVATE_DATA_LENGTH,
  REQUEST_FIELDS,
  type ConcertRequest,
  type ConcertResponse,
  type PaymentMode,
  type TransactionCode,
} from './messages';

/**
 * The ECR side of Ingenico Concert V2: one request, one response, one exchange at a time
 * (half-duplex; the ENQ/ACK/EOT handshake and retransmissions are the link layer's).
 *
 * Concert has no transaction id, so the session writes one into the privateData field the
 * terminal echoes: a 6-digit sequence number, space-padded to 10 ("000001    "). A response
 * must echo the request's privateData and POS number, or the transaction fails with
 * CONCERT_MISMATCH; a late answer to a request that already timed out is recognised by its
 * privateData and dropped, so it cannot be taken for the answer to the next one.
 *
 * Transactions: sale → '0' debit, refund → '1' credit, reversal → '2' cancellation (Concert
 * cancels the terminal's last transaction; `originalStan` has no field to go in). Concert V2
 * has no echo or settlement command: those reject with CONCERT_UNSUPPORTED. Status '0' is
 * approved, response code "00"; status '7' is refused, response code "07".
 */
export interface ConcertSessionOptions {
  /** Cash register number, 2 digits. Default "01". */
  posNumber?: string;
  /** ISO 4217 numeric currency, 3 digits. Default "978". */
  currency?: string;
  /** Ask for the 55-character rep field (card data) in every answer. Default false. */
  answerFlag?: boolean;
  /** '1' card, 'C' cheque. Default '1'. */
  paymentMode?: PaymentMode;
}

const TRANSACTION_CODES: Partial<Record<TransactionType, TransactionCode>> = { sale: '0', refund: '1', reversal: '2' };
const UNSUPPORTED: Partial<Record<TransactionType, string>> = { echo: 'echo (status enquiry)', settlement: 'settlement (end-of-day)' };
/** How many timed-out privateData values are remembered, to drop their late answers. */
const ABANDONED_KEPT = 64;

interface Waiter {
  resolve(response: ConcertResponse): void;
  reject(error: Error): void;
}

export class ConcertSession implements ProtocolSession {
  readonly protocol = 'concert';
  private readonly posNumber: string;
  private readonly currency: string;
  private readonly answerFlag: '0' | '1';
  private readonly paymentMode: PaymentMode;
  private sequence = 0;
  private waiter: Waiter | undefined;
  private busy: Promise<unknown> = Promise.resolve();
  private closed: Error | undefined;
  private readonly abandoned: string[] = [];
  private readonly detach: (() => void)[] = [];

  constructor(
    private readonly link: FrameLink,
    private readonly secrets: SecretSink,
    options: ConcertSessionOptions = {},
  ) {
    this.posNumber = options.posNumber ?? '01';
    this.currency = options.currency ?? '978';
    this.answerFlag = options.answerFlag ? '1' : '0';
    this.paymentMode = options.paymentMode ?? '1';
    if (!/^[0-9]{2}$/.test(this.posNumber)) throw new ConcertError(`Concert posNumber must be 2 digits, got ${JSON.stringify(this.posNumber)}`, { field: 'posNumber' });
    if (!/^[0-9]{3}$/.test(this.currency)) throw new ConcertError(`Concert currency must be 3 digits (ISO 4217 numeric), got ${JSON.stringify(this.currency)}`, { field: 'currency' });
    this.detach.push(link.onFrame((frame) => this.receive(frame.payload)));
    this.detach.push(
      link.onClose((cause) => this.fail(new LinkClosedError(`${link.endpoint}: link dropped during a Concert exchange${cause ? ` (${cause.message})` : ''}`))),
    );
  }

  transact(request: TransactionRequest, options: TransactOptions): Promise<TransactionOutcome> {
    return this.oneAtATime(async () => {
      const code = TRANSACTION_CODES[request.type];
      if (!code) {
        throw new ConcertError(`Concert V2 has no ${UNSUPPORTED[request.type] ?? request.type} command: only sale, refund and reversal can be sent to a Concert terminal`, {
          code: 'CONCERT_UNSUPPORTED',
        });
      }
      const sent = this.fill({ transactionType: code, amount: amountField(request.amountMinor ?? 0), currency: request.currency ?? this.currency });
      const response = await this.exchange(sent, options, request.type);
      this.checkBelongs(sent, response);
      const outcome: TransactionOutcome = {
        type: request.type,
        approved: response.status === '0',
        responseCode: response.status === '0' ? '00' : '07',
        stan: sent.privateData.trim(),
        amountMinor: Number(response.amount),
      };
      return outcome;
    });
  }

  /**
   * A request as a suite writes it: `{ mti: "request", fields: { amount, transactionType, … } }`
   * (the field names of messages.ts). Missing fields get the session's defaults, privateData
   * the next sequence number; short digit fields are zero-padded and privateData space-padded,
   * and the request is returned as sent, so `echoes` checks compare like with like. The
   * response comes back as received (rep with any PAN masked); whether it belongs to the
   * request is for the step's checks to say.
   */
  exchangeMessage(message: ProtocolMessage, options: TransactOptions): Promise<{ request: ProtocolMessage; response: ProtocolMessage }> {
    return this.oneAtATime(async () => {
      if (message.mti !== 'request') {
        throw new ConcertError(`a Concert message step sends { "mti": "request", "fields": { … } }; got mti ${JSON.stringify(message.mti)}`);
      }
      const known = REQUEST_FIELDS.map((f) => f.name);
      const unknown = Object.keys(message.fields).filter((k) => !known.includes(k));
      if (unknown.length > 0) {
        throw new ConcertError(`unknown Concert request field${unknown.length > 1 ? 's' : ''} ${unknown.map((u) => `'${u}'`).join(', ')}; the fields are: ${known.join(', ')}`, { field: unknown[0] });
      }
      const sent = this.fill(message.fields as Partial<Record<keyof ConcertRequest, string>>);
      const response = await this.exchange(sent, options, 'request');
      const fields: Record<string, string> = { ...response } as unknown as Record<string, string>;
      if (response.rep !== undefined) fields.rep = maskText(response.rep, panIn(response.rep) ? [panIn(response.rep) as string] : []);
      return { request: { mti: 'request', fields: { ...sent } }, response: { mti: 'response', fields } };
    });
  }

  async close(): Promise<void> {
    for (const d of this.detach.splice(0)) d();
    this.fail(new LinkClosedError(`${this.link.endpoint}: session closed`));
  }

  private oneAtATime<T>(run: () => Promise<T>): Promise<T> {
    const next = this.busy.then(run);
    this.busy = next.catch(() => undefined);
    return next;
  }

  private nextPrivateData(): string {
    this.sequence = this.sequence >= 999_999 ? 1 : this.sequence + 1;
    return String(this.sequence).padStart(6, '0').padEnd(PRIVATE_DATA_LENGTH, ' ');
  }

  /** A complete request from the fields given, the rest from the session's defaults. */
  private fill(given: Partial<Record<keyof ConcertRequest, string>>): ConcertRequest {
    const digits = (v: string | undefined, width: number) => (v !== undefined && /^[0-9]+$/.test(v) && v.length < width ? v.padStart(width, '0') : v);
    return {
      posNumber: digits(given.posNumber, 2) ?? this.posNumber,
      amount: digits(given.amount, 8) ?? '00000000',
      answerFlag: given.answerFlag ?? this.answerFlag,
      paymentMode: given.paymentMode ?? this.paymentMode,
      transactionType: given.transactionType ?? '0',
      currency: digits(given.currency, 3) ?? this.currency,
      privateData: given.privateData !== undefined ? given.privateData.padEnd(PRIVATE_DATA_LENGTH, ' ') : this.nextPrivateData(),
      delay: given.delay ?? 'A010',
      authorisation: given.authorisation ?? 'B010',
    } as ConcertRequest;
  }

  /** Sends one request and waits for the next response (half-duplex: it is the answer). */
  private exchange(request: ConcertRequest, options: TransactOptions, label: string): Promise<ConcertResponse> {
    if (this.closed) return Promise.reject(this.closed);
    const payload = encodeRequest(request); // throws ConcertError before anything is sent
    return new Promise<ConcertResponse>((resolve, reject) => {
      const settle = () => {
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        if (this.waiter === waiter) this.waiter = undefined;
      };
      const waiter: Waiter = {
        resolve: (r) => {
          settle();
          resolve(r);
        },
        reject: (e) => {
          settle();
          reject(e);
        },
      };
      const timer = setTimeout(() => {
        this.abandon(request.privateData);
        waiter.reject(
          new ResponseTimeoutError(`Concert ${label} (privateData ${JSON.stringify(request.privateData.trim())}): no response from ${this.link.endpoint} within ${options.timeoutMs} ms`),
        );
      }, options.timeoutMs);
      const onAbort = () => {
        this.abandon(request.privateData);
        waiter.reject(new LinkClosedError('run cancelled'));
      };
      options.signal?.addEventListener('abort', onAbort, { once: true });
      this.waiter = waiter;
      this.link.send({ payload }).catch((err: unknown) => {
        if (this.waiter === waiter) waiter.reject(err as Error);
      });
    });
  }

  private receive(payload: Buffer): void {
    let response: ConcertResponse;
    try {
      response = decodeResponse(payload);
    } catch (err) {
      // A frame with a good LRC but no Concert response in it: the exchange waiting for an
      // answer fails with the reason instead of running into its timeout.
      this.waiter?.reject(err as Error);
      return;
    }
    const pan = response.rep === undefined ? undefined : panIn(response.rep);
    if (pan) this.secrets.addPan(pan);
    if (this.abandoned.includes(response.privateData)) return; // a late answer to a request that timed out
    this.waiter?.resolve(response); // nothing waiting: an unsolicited answer (e.g. to a raw conformance step), dropped
  }

  private checkBelongs(request: ConcertRequest, response: ConcertResponse): void {
    if (response.privateData !== request.privateData) {
      throw new ConcertError(
        `the Concert response echoes privateData ${JSON.stringify(response.privateData)} but the request sent ${JSON.stringify(request.privateData)}: it answers another request`,
        { code: 'CONCERT_MISMATCH', field: 'privateData' },
      );
    }
    if (response.posNumber !== request.posNumber) {
      throw new ConcertError(`the Concert response is for POS number ${JSON.stringify(response.posNumber)} but the request came from ${JSON.stringify(request.posNumber)}`, {
        code: 'CONCERT_MISMATCH',
        field: 'posNumber',
      });
    }
    if (request.answerFlag === '1' && response.rep === undefined) {
      throw new ConcertError("the request asked for the rep field (answerFlag '1') but the Concert terminal sent the 25-character short answer", { code: 'CONCERT_MISMATCH', field: 'rep' });
    }
    if (request.answerFlag === '0' && response.rep !== undefined) {
      throw new ConcertError("the request asked for a short answer (answerFlag '0') but the Concert terminal sent the 80-character answer with the rep field", {
        code: 'CONCERT_MISMATCH',
        field: 'rep',
      });
    }
  }

  private abandon(privateData: string): void {
    this.abandoned.push(privateData);
    if (this.abandoned.length > ABANDONED_KEPT) this.abandoned.shift();
  }

  private fail(error: Error): void {
    this.closed = error;
    this.waiter?.reject(error);
  }
}

/** The card number at the start of a rep field, when it is there in clear (12–19 digits). */
export function panIn(rep: string): string | undefined {
  return /^ *([0-9]{12,19})(?![0-9*])/.exec(rep)?.[1];
}
