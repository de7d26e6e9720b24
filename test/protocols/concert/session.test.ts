import { LinkClosedError, ResponseTimeoutError } from '../../../harness/errors';
import type { FrameLink } from '../../../harness/framing/frame-link';
import type { Frame } from '../../../harness/framing/framer';
import { ConcertError, ConcertSession, decodeRequest, encodeResponse, type ConcertRequest, type ConcertResponse } from '../../../harness/protocols/concert';
import { withSequence } from './sale-request';

/**
 * The ECR side of Concert against a scripted terminal (below the link layer, which has its own
 * tests): what it sends for each transaction, how it reads the answer, and how it tells an
 * answer that belongs to the request from one that does not.
 */
type Answer = (request: ConcertRequest) => ConcertResponse | undefined;

class ScriptedTerminal implements FrameLink {
  readonly endpoint = 'scripted terminal';
  readonly received: ConcertRequest[] = [];
  answer: Answer = (r) => accept(r);
  private readonly frameListeners = new Set<(frame: Frame, bytes: number) => void>();
  private readonly closeListeners = new Set<(cause: Error | undefined) => void>();

  async send(frame: Frame): Promise<number> {
    const request = decodeRequest(frame.payload);
    this.received.push(request);
    const response = this.answer(request);
    if (response) setImmediate(() => this.deliver(encodeResponse(response)));
    return frame.payload.length;
  }

  deliver(payload: Buffer): void {
    for (const l of this.frameListeners) l({ payload }, payload.length);
  }

  pullCable(): void {
    for (const l of this.closeListeners) l(new Error('cable pulled'));
  }

  onFrame(listener: (frame: Frame, bytes: number) => void): () => void {
    this.frameListeners.add(listener);
    return () => this.frameListeners.delete(listener);
  }

  onFramingError(): () => void {
    return () => undefined;
  }

  onClose(listener: (cause: Error | undefined) => void): () => void {
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }
}

function accept(r: ConcertRequest, status: '0' | '7' = '0'): ConcertResponse {
  return {
    posNumber: r.posNumber,
    status,
    amount: r.amount,
    paymentMode: r.paymentMode,
    ...(r.answerFlag === '1' ? { rep: '4761739001010119'.padEnd(55, ' ') } : {}),
    currency: r.currency,
    privateData: r.privateData,
  };
}

const T = { timeoutMs: 1000 };

function session(options: ConstructorParameters<typeof ConcertSession>[2] = {}) {
  const terminal = new ScriptedTerminal();
  const pans: string[] = [];
  const s = new ConcertSession(terminal, { addPan: (p) => pans.push(p) }, options);
  return { terminal, s, pans };
}

describe('Concert session', () => {
  it('sends a sale as a debit with the amount in minor units and a 6-digit sequence in privateData, and reads status 0 as approved "00"', async () => {
    const { terminal, s } = session();
    const o = await s.transact({ type: 'sale', amountMinor: 1234 }, T);
    expect(terminal.received[0]).toEqual(withSequence(1));
    expect(o).toEqual({ type: 'sale', approved: true, responseCode: '00', stan: '000001', amountMinor: 1234 });
  });

  it('sends refund as credit (1) and reversal as cancellation (2), numbering each exchange', async () => {
    const { terminal, s } = session();
    await s.transact({ type: 'refund', amountMinor: 500, currency: '840' }, T);
    await s.transact({ type: 'reversal', amountMinor: 500 }, T);
    expect(terminal.received.map((r) => [r.transactionType, r.currency, r.privateData])).toEqual([
      ['1', '840', '000001    '],
      ['2', '978', '000002    '],
    ]);
  });

  it('reads status 7 as refused, response code "07"', async () => {
    const { terminal, s } = session();
    terminal.answer = (r) => accept(r, '7');
    expect(await s.transact({ type: 'sale', amountMinor: 1005 }, T)).toMatchObject({ approved: false, responseCode: '07' });
  });

  it("takes POS number, currency, answer flag and payment mode from the profile's protocol block", async () => {
    const { terminal, s } = session({ posNumber: '07', currency: '826', answerFlag: true, paymentMode: 'C' });
    await s.transact({ type: 'sale', amountMinor: 1 }, T);
    expect(terminal.received[0]).toMatchObject({ posNumber: '07', currency: '826', answerFlag: '1', paymentMode: 'C' });
  });

  it.each([
    ['echo', /Concert V2 has no echo \(status enquiry\) command/],
    ['settlement', /Concert V2 has no settlement \(end-of-day\) command/],
  ] as const)('refuses %s, which Concert V2 has no command for, and sends nothing', async (type, message) => {
    const { terminal, s } = session();
    const err = await s.transact({ type }, T).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConcertError);
    expect(err).toMatchObject({ code: 'CONCERT_UNSUPPORTED', message: expect.stringMatching(message) });
    expect(terminal.received).toHaveLength(0);
  });

  it.each([
    ['echoes another privateData', (r: ConcertRequest) => ({ ...accept(r), privateData: '999999    ' }), 'privateData', /echoes privateData "999999 {4}" but the request sent "000001 {4}"/],
    ['answers for another POS number', (r: ConcertRequest) => ({ ...accept(r), posNumber: '02' }), 'posNumber', /is for POS number "02" but the request came from "01"/],
    ['sends the long answer to a short-answer request', (r: ConcertRequest) => ({ ...accept(r), rep: ' '.repeat(55) }), 'rep', /asked for a short answer/],
  ])('fails with CONCERT_MISMATCH when the terminal %s', async (_what, answer, field, message) => {
    const { terminal, s } = session();
    terminal.answer = answer;
    const err = await s.transact({ type: 'sale', amountMinor: 100 }, T).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CONCERT_MISMATCH', field, message: expect.stringMatching(message) });
  });

  it('fails with CONCERT_MISMATCH when it asked for rep and got the short answer', async () => {
    const { terminal, s } = session({ answerFlag: true });
    terminal.answer = (r) => ({ ...accept(r), rep: undefined });
    await expect(s.transact({ type: 'sale', amountMinor: 100 }, T)).rejects.toMatchObject({ code: 'CONCERT_MISMATCH', field: 'rep' });
  });

  it('times out naming the privateData, then drops the late answer instead of taking it for the next one', async () => {
    const { terminal, s } = session();
    const late: ConcertResponse[] = [];
    terminal.answer = (r) => {
      late.push(accept(r, '7'));
      return undefined;
    };
    const err = await s.transact({ type: 'sale', amountMinor: 100 }, { timeoutMs: 30 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ResponseTimeoutError);
    expect((err as Error).message).toBe('Concert sale (privateData "000001"): no response from scripted terminal within 30 ms');
    // The next request's answer is preceded by the late one: the session waits for its own.
    terminal.answer = (r) => {
      setImmediate(() => terminal.deliver(encodeResponse(late[0]!)));
      setTimeout(() => terminal.deliver(encodeResponse(accept(r))), 20);
      return undefined;
    };
    expect(await s.transact({ type: 'sale', amountMinor: 200 }, T)).toMatchObject({ approved: true, stan: '000002' });
  });

  it('runs one exchange at a time: the second request leaves only once the first is answered', async () => {
    const { terminal, s } = session();
    const order: string[] = [];
    terminal.answer = (r) => {
      order.push(`sent ${r.privateData.trim()}`);
      setTimeout(() => {
        order.push(`answered ${r.privateData.trim()}`);
        terminal.deliver(encodeResponse(accept(r)));
      }, 10);
      return undefined;
    };
    await Promise.all([s.transact({ type: 'sale', amountMinor: 1 }, T), s.transact({ type: 'sale', amountMinor: 2 }, T)]);
    expect(order).toEqual(['sent 000001', 'answered 000001', 'sent 000002', 'answered 000002']);
  });

  it('registers a card number found in clear in rep, so traces mask it, and hands rep on masked', async () => {
    const { s, pans } = session();
    const { response } = await s.exchangeMessage({ mti: 'request', fields: { amount: '100', answerFlag: '1' } }, T);
    expect(pans).toEqual(['4761739001010119']);
    expect(response.fields.rep).toBe('476173******0119'.padEnd(55, ' '));
  });

  it('fills a message step with defaults, pads short fields and returns the request as sent', async () => {
    const { terminal, s } = session();
    const { request, response } = await s.exchangeMessage({ mti: 'request', fields: { amount: '250', privateData: 'REF42' } }, T);
    expect(request).toEqual({
      mti: 'request',
      fields: { posNumber: '01', amount: '00000250', answerFlag: '0', paymentMode: '1', transactionType: '0', currency: '978', privateData: 'REF42     ', delay: 'A010', authorisation: 'B010' },
    });
    expect(terminal.received[0]).toEqual(request.fields);
    expect(response).toEqual({ mti: 'response', fields: { posNumber: '01', status: '0', amount: '00000250', paymentMode: '1', currency: '978', privateData: 'REF42     ' } });
  });

  it('returns a message step’s response as received, for the step’s checks to judge', async () => {
    const { terminal, s } = session();
    terminal.answer = (r) => ({ ...accept(r), privateData: 'SOMEONE   ' });
    const { response } = await s.exchangeMessage({ mti: 'request', fields: {} }, T);
    expect(response.fields.privateData).toBe('SOMEONE   ');
  });

  it('refuses a message step with another mti or an unknown field, naming the known fields', async () => {
    const { s } = session();
    await expect(s.exchangeMessage({ mti: '0200', fields: {} }, T)).rejects.toThrow('a Concert message step sends { "mti": "request", "fields": { … } }; got mti "0200"');
    await expect(s.exchangeMessage({ mti: 'request', fields: { ammount: '1' } }, T)).rejects.toThrow(
      "unknown Concert request field 'ammount'; the fields are: posNumber, amount, answerFlag, paymentMode, transactionType, currency, privateData, delay, authorisation",
    );
  });

  it('rejects the waiting exchange with the decode error when the answer is no Concert response', async () => {
    const { terminal, s } = session();
    terminal.answer = () => {
      setImmediate(() => terminal.deliver(Buffer.from('0107', 'latin1')));
      return undefined;
    };
    await expect(s.transact({ type: 'sale', amountMinor: 1 }, T)).rejects.toThrow(/Concert response: wrong length: .* found 4/);
  });

  it('rejects the waiting exchange when the link drops', async () => {
    const { terminal, s } = session();
    terminal.answer = () => {
      setImmediate(() => terminal.pullCable());
      return undefined;
    };
    const err = await s.transact({ type: 'sale', amountMinor: 1 }, T).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LinkClosedError);
    expect((err as Error).message).toBe('scripted terminal: link dropped during a Concert exchange (cable pulled)');
  });
});
