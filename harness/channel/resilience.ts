import type { PoshilError } from '../errors';
import type { TransactionOutcome, TransactionRequest } from '../protocols/protocol';
import type { Channel } from './channel';

/**
 * What a POS does with a transaction left without an answer, so that none is ever forgotten:
 * - the link could not even be reopened: nothing was sent (`not-sent`);
 * - the answer was lost with the link: reconnect (exponential back-off) and send the same
 *   request again under the same STAN — a device must recognise the repeat and answer it from
 *   its journal, not book it twice;
 * - no answer in time (or none to the repeat): reverse it (ISO 8583 0400) on a fresh
 *   connection — a stream that lost an answer may be out of step — repeating the reversal a
 *   few times as terminals repeat a reversal advice. `00`: it had been booked and is now
 *   reversed; `25`: the device never booked it. Either way the outcome is settled.
 * - a protocol whose errors name no STAN (ZVT): ask the terminal for its last transaction
 *   (Repeat Receipt); a newer trace number than the last one seen is this one, approved or not;
 * - no answer to any of that: `unresolved`.
 */
export type Resolution =
  | { kind: 'answered'; outcome: TransactionOutcome }
  | { kind: 'reversed' }
  | { kind: 'not-booked' }
  | { kind: 'not-sent' }
  | { kind: 'unresolved'; why: string };

export interface ResilienceOptions {
  /** Reconnects tried (back-off from 50 ms doubling to 2 s) before giving up. */
  reconnectAttempts: number;
  timeoutMs: number;
  signal: AbortSignal;
  /** The STAN / trace number of the last transaction the ECR got an answer for (protocols without STANs in errors). */
  lastSeenStan?: string;
}

const BACKOFF_START_MS = 50;
const BACKOFF_MAX_MS = 2000;
const REVERSAL_ATTEMPTS = 3;

/**
 * Retries what fails because the link is down or cannot be reopened, with exponential
 * back-off; anything else (a timeout, a protocol error) is the caller's to handle.
 */
export async function withReconnect<T>(what: () => Promise<T>, options: Pick<ResilienceOptions, 'reconnectAttempts' | 'signal'>, retryOn: readonly string[] = ['LINK_CLOSED', 'DEVICE_UNREACHABLE']): Promise<T> {
  let delay = BACKOFF_START_MS;
  for (let attempt = 0; ; attempt++) {
    try {
      return await what();
    } catch (err) {
      const code = (err as PoshilError).code;
      if (attempt >= options.reconnectAttempts || options.signal.aborted || !retryOn.includes(code)) throw err;
      await sleep(delay);
      delay = Math.min(BACKOFF_MAX_MS, delay * 2);
    }
  }
}

/** Settles a transaction whose first attempt failed with `err` (see the module comment). */
export async function resolveUnanswered(channel: Channel, request: TransactionRequest, err: PoshilError & { stan?: string }, options: ResilienceOptions): Promise<Resolution> {
  const send = (r: TransactionRequest) => withReconnect(() => channel.transact(r, { timeoutMs: options.timeoutMs, signal: options.signal }), options);
  const stan = err.stan;
  if (!stan) {
    if (err.code === 'DEVICE_UNREACHABLE') return { kind: 'not-sent' };
    // Sent and unanswered, and the protocol names no STAN (ZVT): ask the terminal for its last
    // transaction. A newer trace number than the last one the ECR saw is this transaction.
    if (channel.lastOutcome) {
      let why = err.message;
      for (let attempt = 0; attempt < REVERSAL_ATTEMPTS && !options.signal.aborted; attempt++) {
        // On a fresh connection: the old dialogue may still be waiting on its lost message.
        if (attempt > 0 || err.code !== 'LINK_CLOSED') await channel.close().catch(() => undefined);
        try {
          const last = await withReconnect(() => channel.lastOutcome!({ timeoutMs: options.timeoutMs, signal: options.signal }), options);
          const newer = last.stan !== undefined && last.stan !== options.lastSeenStan;
          if (newer && last.approved) return { kind: 'answered', outcome: last };
          return { kind: 'not-booked' };
        } catch (e) {
          why = `${err.message}; asking the terminal for its last transaction failed too: ${(e as Error).message}`;
        }
      }
      return { kind: 'unresolved', why };
    }
    return { kind: 'unresolved', why: `${err.message} (no STAN to reverse it by)` };
  }
  if (err.code === 'LINK_CLOSED') {
    try {
      return { kind: 'answered', outcome: await send({ ...request, stan }) };
    } catch {
      // no answer to the repeat either: reverse it
    }
  }
  if (err.code === 'RESPONSE_TIMEOUT') await channel.close().catch(() => undefined);
  const reversal: TransactionRequest = { type: 'reversal', originalStan: stan, amountMinor: request.amountMinor, currency: request.currency };
  let why = err.message;
  for (let attempt = 0; attempt < REVERSAL_ATTEMPTS && !options.signal.aborted; attempt++) {
    try {
      const r = await send(reversal);
      if (r.responseCode === '00') return { kind: 'reversed' };
      if (r.responseCode === '25') return { kind: 'not-booked' };
      return { kind: 'unresolved', why: `the reversal of STAN ${stan} was answered ${r.responseCode}` };
    } catch (e) {
      why = (e as Error).message;
      if ((e as PoshilError).code === 'RESPONSE_TIMEOUT') await channel.close().catch(() => undefined);
    }
  }
  return { kind: 'unresolved', why };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
