import { performance } from 'node:perf_hooks';
import type { FrameLink } from '../../../harness/framing/frame-link';
import type { Iso8583Codec } from '../../../harness/protocols/iso8583/codec';
import { Iso8583Session } from '../../../harness/protocols/iso8583/session';
import type { TransactTiming } from '../../../harness/protocols/protocol';
import { codec, fakeLink } from './fake-link';

/**
 * The latency a session reports is the device's: from the request frame handed to the link to
 * the arrival of the answer, not the harness's own building and encoding around it.
 */
function spin(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

/** A device that answers every request `answerMs` after it was sent. */
function answeringLink(answerMs: number): FrameLink {
  return fakeLink((request, reply) => setTimeout(() => reply({ mti: '0210', fields: { 11: request.fields[11]!, 39: '00', 41: request.fields[41]! } }), answerMs));
}

describe('ISO 8583 session timing', () => {
  it('reports the time on the wire, without the harness encoding before the send', async () => {
    const slowCodec = Object.create(codec) as Iso8583Codec;
    // A harness that takes 40 ms to encode (a cold CPU, a loaded machine): none of it is the device's.
    slowCodec.pack = (m) => {
      spin(40);
      return codec.pack(m);
    };
    // Transaction requests are packed through packLocating (kept to be sent again: prepared-request.ts).
    slowCodec.packLocating = (m, field) => {
      spin(40);
      return codec.packLocating(m, field);
    };
    const session = new Iso8583Session(answeringLink(20), slowCodec, { addPan: () => undefined }, { terminalId: 'POSHIL01' });
    const timing: TransactTiming = {};
    const started = performance.now();
    const outcome = await session.transact({ type: 'sale', amountMinor: 100 }, { timeoutMs: 2000, timing });
    const elapsed = performance.now() - started;
    expect(outcome.approved).toBe(true);
    expect(elapsed).toBeGreaterThanOrEqual(59);
    expect(timing.wireMs).toBeGreaterThanOrEqual(19);
    expect(timing.wireMs).toBeLessThan(40);
    await session.close();
  });

  it('leaves the timing empty when the request is never answered', async () => {
    const silent: FrameLink = { ...answeringLink(0), send: (f) => Promise.resolve(f.payload.length) };
    const session = new Iso8583Session(silent, codec, { addPan: () => undefined });
    const timing: TransactTiming = {};
    await expect(session.transact({ type: 'echo' }, { timeoutMs: 20, timing })).rejects.toThrow(/no 0810 response/);
    expect(timing.wireMs).toBeUndefined();
    await session.close();
  });
});
