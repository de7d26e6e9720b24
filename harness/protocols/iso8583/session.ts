import { Iso8583Error, LinkClosedError, ResponseTimeoutError } from '../../errors';
import type { FrameLink } from '../../framing/frame-link';
import { performance } from 'node:perf_hooks';
import type { ProtocolMessage, ProtocolSession, SecretSink, TransactionOutcome, TransactionRequest, TransactOptions, TransactTiming } from '../protocol';
import type { Iso8583Codec } from './codec';
import { PreparedRequest } from './prepared-request';
import type { Iso8583Message } from './types';

/**
 * ISO 8583 request/response session, acquirer-style: the harness sends 0200/0400/0500/0800,
 * the device answers 0210/0410/0510/0810. Responses are matched on STAN (field 11) and the
 * response MTI (request MTI + 10, ISO 8583:1987 §4.1.1), so several requests may be in flight.
 */
export interface Iso8583SessionOptions {
  terminalId?: string;
  merchantId?: string;
  currency?: string;
  /** TPDU sent in the framing header when the framing carries one. */
  tpdu?: Buffer;
  /** Where STANs come from; default a sequence of this session's own from 000001. */
  stans?: StanSequence;
  clock?: () => Date;
}

/**
 * System trace audit numbers (field 11) for one terminal: 000001…999999, then wrapping. Shared
 * by every connection a test opens to the same interface, because the device identifies a
 * transaction by terminal id + STAN and two connections must never reuse one.
 */
export class StanSequence {
  constructor(private value = 1) {}

  next(): string {
    const s = String(this.value).padStart(6, '0');
    this.value = this.value >= 999999 ? 1 : this.value + 1;
    return s;
  }
}

interface Pending {
  requestMti: string;
  stan: string;
  /** performance.now() just before the request went to the link. */
  sentAt: number;
  /** performance.now() after which it has timed out. */
  deadline: number;
  timeoutMs: number;
  timing?: TransactTiming;
  /** Cancelling it fails this request. */
  signal?: AbortSignal;
  /** What the caller gets for the response (the message itself, or a transaction outcome). */
  answer: Answer<unknown>;
  /** The transaction asked for, when the caller gets an outcome. */
  request?: TransactionRequest;
  resolve: (value: unknown) => void;
  reject: (e: Error) => void;
}

/**
 * Turns the matched response into what the caller gets. One function for every request, given
 * the request it answers, rather than a closure made per transaction: a closure bound to a name
 * is also renamed per call where the code runs through tsx (esbuild's keepNames), about 2 µs a
 * transaction in the closed-loop benchmark's CPU profile.
 */
type Answer<T> = (response: Iso8583Message, request: TransactionRequest | undefined) => T;

const PROCESSING_CODE: Record<string, string> = { sale: '000000', refund: '200000', reversal: '000000' };
const REQUEST_MTI: Record<TransactionRequest['type'], string> = {
  sale: '0200',
  refund: '0200',
  reversal: '0400',
  echo: '0800',
  settlement: '0500',
};

export class Iso8583Session implements ProtocolSession {
  readonly protocol = 'iso8583';
  private readonly stans: StanSequence;
  private readonly pending = new Map<AnswerKey, Pending>();
  private readonly detach: (() => void)[] = [];
  /** Responses that matched nothing in flight (late after a timeout, or unsolicited). */
  unmatched = 0;
  private closedCause: Error | undefined;
  /** The last transaction request as packed, to send again under the next STAN. */
  private prepared: PreparedRequest | undefined;

  constructor(
    private readonly link: FrameLink,
    private readonly codec: Iso8583Codec,
    private readonly secrets: SecretSink,
    private readonly options: Iso8583SessionOptions = {},
  ) {
    this.stans = options.stans ?? new StanSequence();
    this.detach.push(link.onFrame((frame) => this.receive(frame.payload, frame.receivedAt)));
    this.detach.push(
      link.onClose((cause) => this.failAll(new LinkClosedError(`${link.endpoint}: link dropped while waiting for a response${cause ? ` (${cause.message})` : ''}`))),
    );
  }

  transact(request: TransactionRequest, options: TransactOptions): Promise<TransactionOutcome> {
    const ms = this.now();
    const prepared = this.prepared;
    if (prepared?.fits(request, ms)) {
      const stan = this.nextStan();
      const payload = prepared.withStan(stan);
      if (payload) {
        if (request.card) this.secrets.addPan(request.card.pan);
        return this.dispatch(prepared.mti, stan, payload, options, this.outcome, request);
      }
      // A STAN that does not fill field 11 exactly: built and packed the long way, under that STAN.
      request = { ...request, stan };
    }
    let message: Iso8583Message;
    let packed: ReturnType<Iso8583Codec['packLocating']>;
    try {
      message = this.buildRequest(request, ms);
      packed = this.codec.packLocating(message, 11);
    } catch (err) {
      return Promise.reject(err as Error);
    }
    this.prepared = PreparedRequest.of(request, ms, message.mti, message.fields[11]!, packed);
    return this.sendPacked(message, packed.bytes, options, this.outcome, request);
  }

  /** The outcome is made as the response is matched, not in a .then(): one promise less per transaction. */
  private readonly outcome: Answer<TransactionOutcome> = (response, request) => this.toOutcome(request!, response);

  async exchangeMessage(message: ProtocolMessage, options: TransactOptions): Promise<{ request: ProtocolMessage; response: ProtocolMessage }> {
    const fields: Record<number, string> = {};
    for (const [k, v] of Object.entries(message.fields)) fields[Number(k)] = v;
    // A step that leaves out the STAN gets the next one, so responses can still be matched.
    if (fields[11] === undefined) fields[11] = this.nextStan();
    const sent: Iso8583Message = { mti: message.mti, fields };
    const response = await this.exchange(sent, options);
    return { request: toProtocolMessage(sent), response: toProtocolMessage(response) };
  }

  /**
   * Send one ISO 8583 message and wait for its response (for conformance-style tests).
   *
   * Written with plain promises, not async/await: this is every transaction's hot path, and
   * each await is a turn of the microtask queue between an answer and the next request.
   */
  exchange(message: Iso8583Message, options: TransactOptions): Promise<Iso8583Message> {
    return this.send(message, options, asIs);
  }

  private send<T>(message: Iso8583Message, options: TransactOptions, answerWith: Answer<T>): Promise<T> {
    if (this.closedCause) return Promise.reject(this.closedCause);
    let payload: Buffer;
    try {
      payload = this.codec.pack(message);
    } catch (err) {
      return Promise.reject(err as Error);
    }
    return this.sendPacked(message, payload, options, answerWith);
  }

  private sendPacked<T>(message: Iso8583Message, payload: Buffer, options: TransactOptions, answerWith: Answer<T>, request?: TransactionRequest): Promise<T> {
    const stan = message.fields[11];
    if (!stan) return Promise.reject(new Iso8583Error(`request ${message.mti} has no STAN (field 11): responses cannot be matched`, { field: 11 }));
    if (message.fields[2]) this.secrets.addPan(message.fields[2]);
    return this.dispatch(message.mti, stan, payload, options, answerWith, request);
  }

  /** Sends a packed request and waits for the answer that matches its MTI and STAN. */
  private dispatch<T>(mti: string, stan: string, payload: Buffer, options: TransactOptions, answerWith: Answer<T>, request?: TransactionRequest): Promise<T> {
    if (this.closedCause) return Promise.reject(this.closedCause);
    const key = answerKey(responseMti(mti), stan);
    if (this.pending.has(key)) return Promise.reject(new Iso8583Error(`STAN ${stan} is already in flight for ${mti}`, { field: 11 }));
    let entry!: Pending;
    const answer = new Promise<T>((resolve, reject) => {
      entry = { requestMti: mti, stan, sentAt: 0, deadline: 0, timeoutMs: options.timeoutMs, timing: options.timing, answer: answerWith, request, resolve: resolve as (v: unknown) => void, reject };
      this.pending.set(key, entry);
    });
    const signal = options.signal;
    if (signal) {
      if (signal.aborted) this.settle(key, undefined, new LinkClosedError('run cancelled'));
      else {
        entry.signal = signal;
        this.watch(signal);
      }
    }
    // Not awaited: the answer settles either way, and a failed send fails it (a link that
    // dropped while a slow line was still sending is reported once, through the answer).
    entry.sentAt = performance.now();
    entry.deadline = entry.sentAt + options.timeoutMs;
    this.expireAt(entry.deadline);
    const frame = this.options.tpdu ? { payload, header: this.options.tpdu } : { payload };
    const sendNow = this.link.sendNow;
    if (sendNow) {
      // A link that takes the bytes at once: no promise for the send (a transaction's hot path).
      try {
        sendNow(frame);
      } catch (err) {
        this.settle(key, undefined, err as Error);
      }
    } else this.link.send(frame).catch((err: Error) => this.settle(key, undefined, err));
    return answer;
  }

  /**
   * One abort listener per signal for the session's life, not one per request: a run passes
   * the same signal with every transaction, and adding and removing a listener each time is
   * a measurable part of a transaction's cost.
   */
  private readonly watched = new Map<AbortSignal, () => void>();

  private watch(signal: AbortSignal): void {
    if (this.watched.has(signal)) return;
    const onAbort = (): void => {
      for (const [key, p] of [...this.pending]) if (p.signal === signal) this.settle(key, undefined, new LinkClosedError('run cancelled'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    this.watched.set(signal, () => signal.removeEventListener('abort', onAbort));
  }

  /**
   * Timeouts: one timer per session, set for the earliest deadline of what is in flight, instead
   * of a timer set and cleared for every request (a timer list made and dropped per
   * transaction). Referenced only while something is in flight, so an idle session never holds
   * the process open.
   */
  private timer: NodeJS.Timeout | undefined;
  /** performance.now() the timer is set for. */
  private timerAt = Infinity;

  private expireAt(deadline: number): void {
    if (deadline < this.timerAt) {
      if (this.timer) clearTimeout(this.timer);
      this.timerAt = deadline;
      this.timer = setTimeout(this.expire, Math.max(0, deadline - performance.now()));
    } else if (this.pending.size === 1) this.timer!.ref();
  }

  private readonly expire = (): void => {
    this.timer = undefined;
    this.timerAt = Infinity;
    // Timers may fire up to a millisecond before performance.now() says the deadline is reached.
    const now = performance.now() + 1;
    let next = Infinity;
    for (const [key, p] of [...this.pending]) {
      if (p.deadline <= now) this.settle(key, undefined, new ResponseTimeoutError(`no ${responseMti(p.requestMti)} response to ${p.requestMti} (STAN ${p.stan}) from ${this.link.endpoint} within ${p.timeoutMs} ms`, { stan: p.stan }));
      else if (p.deadline < next) next = p.deadline;
    }
    if (next < Infinity) this.expireAt(next);
  };

  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
    for (const off of this.watched.values()) off();
    this.watched.clear();
    for (const d of this.detach) d();
    this.failAll(new LinkClosedError(`${this.link.endpoint}: session closed`));
  }

  private nextStan(): string {
    return this.stans.next();
  }

  /** Field 7/12/13 text of the second last formatted: many requests share a second. */
  private stamp = { second: NaN, mmdd: '', hhmmss: '' };

  private stampFor(ms: number): { mmdd: string; hhmmss: string } {
    const second = Math.floor(ms / 1000);
    if (second !== this.stamp.second) {
      const now = new Date(second * 1000);
      this.stamp = {
        second,
        mmdd: pad(now.getUTCMonth() + 1) + pad(now.getUTCDate()),
        hhmmss: pad(now.getUTCHours()) + pad(now.getUTCMinutes()) + pad(now.getUTCSeconds()),
      };
    }
    return this.stamp;
  }

  private now(): number {
    return this.options.clock ? this.options.clock().getTime() : Date.now();
  }

  /**
   * The request message for a transaction at `ms` (default now). Every property of `request`
   * read here must also be compared in PreparedRequest.fits.
   */
  buildRequest(request: TransactionRequest, ms = this.now()): Iso8583Message {
    const { mmdd, hhmmss } = this.stampFor(ms);
    // A given STAN is a repeat of an earlier request (a retransmission after a lost link).
    const fields: Record<number, string> = { 7: mmdd + hhmmss, 11: request.stan ?? this.nextStan() };
    const mti = REQUEST_MTI[request.type];
    const tid = this.options.terminalId ?? 'POSHIL01';
    const mid = this.options.merchantId ?? 'POSHIL000000001';
    if (request.type === 'echo') {
      fields[70] = '301'; // network management: echo test
      return { mti, fields };
    }
    fields[41] = tid;
    fields[42] = mid;
    if (request.type === 'settlement') {
      fields[70] = '201'; // cutover / reconciliation request
      return { mti, fields };
    }
    if (request.card) {
      fields[2] = request.card.pan;
      if (request.card.expiry) fields[14] = request.card.expiry;
      this.secrets.addPan(request.card.pan);
    }
    fields[3] = PROCESSING_CODE[request.type] ?? '000000';
    fields[4] = String(request.amountMinor ?? 0).padStart(12, '0');
    fields[12] = hhmmss;
    fields[13] = mmdd;
    fields[22] = request.card ? '012' : '010'; // POS entry mode: manual key entry, PIN capability
    fields[25] = '00'; // normal presentment
    fields[49] = request.currency ?? this.options.currency ?? '978';
    if (request.type === 'reversal' && request.originalStan) {
      // Field 90, original data elements: original MTI, STAN, transmission date/time, then
      // acquiring and forwarding institution ids (zeros when unknown).
      fields[90] = '0200' + request.originalStan.padStart(6, '0') + fields[7] + '0'.repeat(22);
    }
    return { mti, fields };
  }

  private toOutcome(request: TransactionRequest, response: Iso8583Message): TransactionOutcome {
    const f = response.fields;
    const responseCode = f[39] ?? '';
    const outcome: TransactionOutcome = { type: request.type, approved: responseCode === '00', responseCode, stan: f[11] };
    if (f[37]) outcome.rrn = f[37].trim();
    if (f[38]) outcome.approvalCode = f[38].trim();
    if (f[4]) outcome.amountMinor = Number(f[4]);
    if (request.type === 'settlement' && f[76] !== undefined) {
      outcome.totals = { count: Number(f[76]), amountMinor: Number(f[88] ?? '0') };
    }
    return outcome;
  }

  private receive(payload: Buffer, receivedAt = performance.now()): void {
    let message: Iso8583Message;
    try {
      message = this.codec.unpack(payload);
    } catch {
      // An undecodable response cannot be matched; the request it answered will time out,
      // which is the verdict a real ECR would reach too.
      this.unmatched++;
      return;
    }
    if (message.fields[2]) this.secrets.addPan(message.fields[2]);
    const track2 = message.fields[35];
    if (track2) this.secrets.addPan(track2.split(/[=D]/)[0] ?? '');
    const key = answerKey(message.mti, message.fields[11] ?? '');
    const p = this.pending.get(key);
    if (p?.timing) p.timing.wireMs = receivedAt - p.sentAt;
    if (!this.settle(key, message)) this.unmatched++;
  }

  private settle(key: AnswerKey, message: Iso8583Message | undefined, error?: Error): boolean {
    const p = this.pending.get(key);
    if (!p) return false;
    this.pending.delete(key);
    if (this.pending.size === 0) this.timer?.unref();
    if (error) {
      // A dropped link fails everything in flight with one error; each caller gets its own
      // with its STAN, so it can reverse or retry exactly that transaction.
      p.reject(error instanceof LinkClosedError && error.stan === undefined ? new LinkClosedError(error.message, { cause: error.cause, stan: p.stan }) : error);
    } else if (message) {
      let value: unknown;
      try {
        value = p.answer(message, p.request);
      } catch (err) {
        p.reject(err as Error);
        return true;
      }
      p.resolve(value);
    }
    return true;
  }

  private failAll(error: Error): void {
    this.closedCause = error;
    for (const key of [...this.pending.keys()]) this.settle(key, undefined, error);
  }
}

function asIs(m: Iso8583Message): Iso8583Message {
  return m;
}

function toProtocolMessage(m: Iso8583Message): ProtocolMessage {
  return { mti: m.mti, fields: Object.fromEntries(Object.entries(m.fields).map(([k, v]) => [k, v])) };
}

/** What a response is matched on: its MTI and STAN. */
type AnswerKey = number | string;

/**
 * The key for MTI + STAN: one number when both are all digits (the everyday case: nothing
 * joined, nothing to hash as a string on every request and every answer), else the two as text.
 */
function answerKey(mti: string, stan: string): AnswerKey {
  if (mti.length !== 4 || stan.length !== 6) return mti + ':' + stan;
  let value = 0;
  for (let i = 0; i < 4; i++) {
    const d = mti.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return mti + ':' + stan;
    value = value * 10 + d;
  }
  for (let i = 0; i < 6; i++) {
    const d = stan.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return mti + ':' + stan;
    value = value * 10 + d;
  }
  return value;
}

const RESPONSE_MTI = new Map<string, string>();

export function responseMti(requestMti: string): string {
  let mti = RESPONSE_MTI.get(requestMti);
  if (mti === undefined) {
    mti = String(Number(requestMti) + 10).padStart(4, '0');
    if (RESPONSE_MTI.size < 100) RESPONSE_MTI.set(requestMti, mti);
  }
  return mti;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
