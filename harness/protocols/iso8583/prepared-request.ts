import type { TransactionRequest } from '../protocol';

/**
 * A transaction request packed once and sent again under new STANs. A load test repeats one
 * sale thousands of times a second, and between two of them only field 11 changes (and, once a
 * second, the clock's fields 7, 12 and 13): copying the bytes and writing six digits costs a
 * fraction of building the message and packing it anew, for the same bytes on the wire
 * (test/protocols/iso8583/prepared-request.test.ts checks them against a fresh pack).
 *
 * `fits` compares every property of the request that Iso8583Session.buildRequest reads: a
 * property it starts reading must be compared here too.
 */
export class PreparedRequest {
  private constructor(
    private readonly type: TransactionRequest['type'],
    private readonly amountMinor: number | undefined,
    private readonly currency: string | undefined,
    private readonly pan: string | undefined,
    private readonly expiry: string | undefined,
    private readonly originalStan: string | undefined,
    /** The second (ms / 1000) whose clock fields the bytes carry. */
    private readonly second: number,
    readonly mti: string,
    private readonly bytes: Buffer,
    /** Where the STAN's digits are in `bytes`, and how many there are. */
    private readonly stanAt: number,
    private readonly stanLength: number,
  ) {}

  /**
   * The request as sent at `ms` under `stan` (its packed bytes and where field 11 lies in them),
   * kept for sending again; undefined when it cannot be: a STAN given by the caller (a repeat of
   * one request, not a new one), or a dialect or field 11 the STAN cannot be rewritten in place in.
   */
  static of(request: TransactionRequest, ms: number, mti: string, stan: string, packed: { bytes: Buffer; field?: { at: number; length: number } }): PreparedRequest | undefined {
    if (request.stan !== undefined || !packed.field || packed.field.length !== stan.length) return undefined;
    const { at, length } = packed.field;
    return new PreparedRequest(request.type, request.amountMinor, request.currency, request.card?.pan, request.card?.expiry, request.originalStan, secondOf(ms), mti, packed.bytes, at, length);
  }

  /** The same request as this one, at a time within the same second. */
  fits(request: TransactionRequest, ms: number): boolean {
    return (
      request.stan === undefined &&
      request.type === this.type &&
      request.amountMinor === this.amountMinor &&
      request.currency === this.currency &&
      request.card?.pan === this.pan &&
      request.card?.expiry === this.expiry &&
      request.originalStan === this.originalStan &&
      secondOf(ms) === this.second
    );
  }

  /** A copy of the bytes with `stan` as field 11; undefined if it does not fill the field exactly. */
  withStan(stan: string): Buffer | undefined {
    if (stan.length !== this.stanLength) return undefined;
    const out = Buffer.allocUnsafe(this.bytes.length);
    out.set(this.bytes);
    for (let i = 0; i < stan.length; i++) {
      const c = stan.charCodeAt(i);
      if (c < 0x30 || c > 0x39) return undefined;
      out[this.stanAt + i] = c;
    }
    return out;
  }
}

function secondOf(ms: number): number {
  return Math.floor(ms / 1000);
}
