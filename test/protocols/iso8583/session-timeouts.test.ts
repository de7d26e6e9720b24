import { performance } from 'node:perf_hooks';
import type { FrameLink } from '../../../harness/framing/frame-link';
import { ResponseTimeoutError } from '../../../harness/errors';
import { Iso8583Session } from '../../../harness/protocols/iso8583/session';
import { codec, fakeLink } from './fake-link';

/**
 * Every request times out after its own timeout, whatever else is in flight — the session keeps
 * one timer for all of them, set for the earliest deadline.
 */

/** A device that answers the n-th request after answerMs[n] ms (0: on the next turn of the event loop), or never when that is undefined. */
function device(answerMs: (number | undefined)[]): FrameLink {
  let n = 0;
  return fakeLink((request, reply) => {
    const after = answerMs[n++];
    const answer = () => reply({ mti: '0810', fields: { 11: request.fields[11]!, 39: '00', 70: '301' } });
    // 0: at once (no timer of the device's own to count).
    if (after === 0) setImmediate(answer);
    else if (after !== undefined) setTimeout(answer, after);
  });
}

const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

describe('ISO 8583 session timeouts', () => {
  it('times a short request out on time although a longer one was sent first, and still answers the long one', async () => {
    const session = new Iso8583Session(device([150, undefined]), codec, { addPan: () => undefined });
    const long = session.transact({ type: 'echo' }, { timeoutMs: 2000 });
    const started = performance.now();
    const short = session.transact({ type: 'echo' }, { timeoutMs: 40 });
    await expect(short).rejects.toThrow(ResponseTimeoutError);
    await expect(short).rejects.toThrow(/no 0810 response to 0800 \(STAN 000002\) from test device within 40 ms/);
    const waited = performance.now() - started;
    expect(waited).toBeGreaterThanOrEqual(39);
    expect(waited).toBeLessThan(140);
    await expect(long).resolves.toMatchObject({ approved: true, stan: '000001' });
    await session.close();
  });

  it('fails each request that is never answered with its own STAN, each after its own timeout', async () => {
    const session = new Iso8583Session(device([undefined, undefined, 10]), codec, { addPan: () => undefined });
    const started = performance.now();
    const settledAt = (p: Promise<unknown>) => p.then(
      () => ['answered', performance.now() - started] as const,
      (e: ResponseTimeoutError) => [e.message.match(/STAN (\d+)/)![1]!, performance.now() - started] as const,
    );
    const results = await Promise.all([
      settledAt(session.transact({ type: 'echo' }, { timeoutMs: 120 })),
      settledAt(session.transact({ type: 'echo' }, { timeoutMs: 30 })),
      settledAt(session.transact({ type: 'echo' }, { timeoutMs: 500 })),
    ]);
    expect(results.map(([what]) => what)).toEqual(['000001', '000002', 'answered']);
    expect(results[1]![1]).toBeGreaterThanOrEqual(29);
    expect(results[0]![1]).toBeGreaterThanOrEqual(119);
    expect(results[0]![1]).toBeLessThan(400);
    await session.close();
  });

  it('holds no timer open while nothing is in flight', async () => {
    const before = timers();
    const session = new Iso8583Session(device([0, 0]), codec, { addPan: () => undefined });
    const pending = session.transact({ type: 'echo' }, { timeoutMs: 60_000 });
    expect(timers()).toBe(before + 1);
    await pending;
    expect(timers()).toBe(before);
    await session.transact({ type: 'echo' }, { timeoutMs: 60_000 });
    expect(timers()).toBe(before);
    await session.close();
  });
});
