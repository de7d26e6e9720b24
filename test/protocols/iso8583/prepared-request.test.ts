import fc from 'fast-check';
import type { FrameLink } from '../../../harness/framing/frame-link';
import type { TransactionRequest } from '../../../harness/protocols/protocol';
import { Iso8583Session } from '../../../harness/protocols/iso8583/session';
import { codec, fakeLink } from './fake-link';

/**
 * A session sends a repeated transaction request from its packed bytes with only the STAN
 * rewritten. Whatever the requests and the clock, the bytes on the wire must be exactly those
 * of building and packing each request afresh.
 */

/** A device that records each request's payload and approves it at once. */
function recordingLink(sent: Buffer[]): FrameLink {
  return fakeLink((request, reply, payload) => {
    sent.push(Buffer.from(payload));
    reply({ mti: String(Number(request.mti) + 10).padStart(4, '0'), fields: { 11: request.fields[11]!, 39: '00' } });
  });
}

const request: fc.Arbitrary<TransactionRequest> = fc.record(
  {
    type: fc.constantFrom('sale', 'refund', 'reversal', 'echo', 'settlement'),
    amountMinor: fc.constantFrom(1234, 99, 100000),
    currency: fc.constantFrom('978', '840'),
    card: fc.constantFrom({ pan: '4761739001010010' }, { pan: '4761739001010010', expiry: '2512' }, { pan: '5413330089010012' }),
    originalStan: fc.constantFrom('000007', '123456'),
    stan: fc.constantFrom('000042', '999999'),
  },
  { requiredKeys: ['type', 'amountMinor', 'currency', 'card', 'originalStan'] },
);

/** One of `values` other than `current`. */
const other = <T>(current: T, ...values: T[]): fc.Arbitrary<T> => fc.constantFrom(...values.filter((v) => v !== current));

/** A request that differs from `base` in exactly one property, or `base` itself: the near-repeats a cache could confuse. */
function variantOf(base: TransactionRequest): fc.Arbitrary<TransactionRequest> {
  return fc.oneof(
    fc.constant(base),
    other<TransactionRequest['type']>(base.type, 'sale', 'refund', 'reversal').map((type) => ({ ...base, type })),
    other(base.amountMinor, undefined, 1234, 1235).map((amountMinor) => ({ ...base, amountMinor })),
    other(base.currency, undefined, '978', '840').map((currency) => ({ ...base, currency })),
    other<string>(base.card!.pan, '4761739001010010', '4761739001010028').map((pan) => ({ ...base, card: { ...base.card, pan } })),
    other(base.card?.expiry, undefined, '2512', '2601').map((expiry) => ({ ...base, card: { pan: base.card!.pan, expiry } })),
    other(base.originalStan, undefined, '000007', '000008').map((originalStan) => ({ ...base, originalStan })),
    other(base.stan, undefined, '000042').map((stan) => ({ ...base, stan })),
  );
}

const pool = request.chain((base) => fc.tuple(fc.constant(base), variantOf(base), variantOf(base), variantOf(base)));

describe('ISO 8583 session: repeated requests', () => {
  it('sends exactly the bytes of a fresh build and pack, whatever the requests and the clock', async () => {
    await fc.assert(
      fc.asyncProperty(
        // Four requests that differ in one property or none, so many repeat; steps of 0–1.5 s, so
        // some cross a second and many do not.
        // Unbiased: fast-check otherwise favours the first request and the smallest steps.
        fc.noBias(fc.array(fc.tuple(fc.nat({ max: 3 }), fc.oneof(fc.constant(0), fc.nat({ max: 1500 }))), { minLength: 1, maxLength: 40 })),
        fc.noBias(pool),
        async (steps, pool) => {
          let now = Date.UTC(2026, 10, 24, 23, 59, 58, 500);
          const clock = () => new Date(now);
          const sent: Buffer[] = [];
          const session = new Iso8583Session(recordingLink(sent), codec, { addPan: () => undefined }, { terminalId: 'TERM0001', clock });
          // Builds the same requests with its own STANs, which stay in step with the session's.
          const reference = new Iso8583Session(recordingLink([]), codec, { addPan: () => undefined }, { terminalId: 'TERM0001', clock });
          for (const [pick, stepMs] of steps) {
            now += stepMs;
            const r = pool[pick]!;
            await session.transact(r, { timeoutMs: 1000 });
            expect(sent.at(-1)!.toString('latin1')).toBe(codec.pack(reference.buildRequest(r)).toString('latin1'));
          }
          await session.close();
          await reference.close();
        },
      ),
      { numRuns: Number(process.env.RUNS ?? 200) },
    );
  });

  const reversal: TransactionRequest = { type: 'reversal', amountMinor: 1234, currency: '840', card: { pan: '4761739001010010', expiry: '2512' }, originalStan: '000007' };
  it.each<[string, TransactionRequest]>([
    ['type', { ...reversal, type: 'refund' }],
    ['amount', { ...reversal, amountMinor: 1235 }],
    ['currency', { ...reversal, currency: undefined }],
    ['PAN', { ...reversal, card: { pan: '4761739001010028', expiry: '2512' } }],
    ['expiry', { ...reversal, card: { pan: '4761739001010010' } }],
    ['original STAN', { ...reversal, originalStan: '000008' }],
    ['STAN given', { ...reversal, stan: '000042' }],
  ])('builds afresh a request that differs in its %s from the one before, in the same second', async (_what, changed) => {
    const now = Date.UTC(2026, 10, 24, 12, 0, 0, 100);
    const sent: Buffer[] = [];
    const session = new Iso8583Session(recordingLink(sent), codec, { addPan: () => undefined }, { clock: () => new Date(now) });
    const reference = new Iso8583Session(recordingLink([]), codec, { addPan: () => undefined }, { clock: () => new Date(now) });
    for (const r of [reversal, changed]) {
      await session.transact(r, { timeoutMs: 1000 });
      expect(sent.at(-1)!.toString('latin1')).toBe(codec.pack(reference.buildRequest(r)).toString('latin1'));
    }
    await session.close();
    await reference.close();
  });

  it('packs a repeated sale once per second, and again for a different request', async () => {
    let now = Date.UTC(2026, 10, 24, 12, 0, 0, 100);
    const sent: Buffer[] = [];
    const session = new Iso8583Session(recordingLink(sent), codec, { addPan: () => undefined }, { clock: () => new Date(now) });
    const packs = jest.spyOn(codec, 'packLocating');
    try {
      const sale: TransactionRequest = { type: 'sale', amountMinor: 1234, card: { pan: '4761739001010010' } };
      for (let i = 0; i < 5; i++) await session.transact(sale, { timeoutMs: 1000 });
      expect(packs).toHaveBeenCalledTimes(1);
      now += 1000;
      await session.transact(sale, { timeoutMs: 1000 });
      expect(packs).toHaveBeenCalledTimes(2);
      await session.transact({ ...sale, amountMinor: 1235 }, { timeoutMs: 1000 });
      expect(packs).toHaveBeenCalledTimes(3);
      // The STANs went up by one each time, in the bytes too.
      expect(sent.map((b) => codec.unpack(b).fields[11])).toEqual(['000001', '000002', '000003', '000004', '000005', '000006', '000007']);
    } finally {
      packs.mockRestore();
      await session.close();
    }
  });

  it('registers the PAN of every repeated request with the trace, so it is masked', async () => {
    const pans: string[] = [];
    const session = new Iso8583Session(recordingLink([]), codec, { addPan: (p) => pans.push(p) });
    const sale: TransactionRequest = { type: 'sale', amountMinor: 1, card: { pan: '4761739001010010' } };
    await session.transact(sale, { timeoutMs: 1000 });
    pans.length = 0;
    await session.transact(sale, { timeoutMs: 1000 });
    expect(pans).toContain('4761739001010010');
    await session.close();
  });
});
