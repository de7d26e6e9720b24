import { ConcertTerminalFace } from '../../devices/emulators/terminal/concert-responder';
import { TerminalModel } from '../../devices/emulators/terminal/terminal-model';
import type { FrameLink } from '../../harness/framing/frame-link';
import type { Frame } from '../../harness/framing/framer';
import { decodeResponse, encodeRequest, type ConcertRequest } from '../../harness/protocols/concert';
import { withSequence } from '../protocols/concert/sale-request';

/**
 * The emulated terminal's Concert face, on its own (the link layer has its own tests): what it
 * answers to each request, byte for byte, as it would leave the terminal.
 */
class EcrSide implements FrameLink {
  readonly endpoint = 'ecr side';
  readonly sent: Buffer[] = [];
  private readonly listeners = new Set<(frame: Frame, bytes: number) => void>();

  async send(frame: Frame): Promise<number> {
    this.sent.push(frame.payload);
    return frame.payload.length;
  }

  request(fields: Partial<ConcertRequest>): void {
    this.raw(encodeRequest({ ...BASE, ...fields }));
  }

  raw(payload: Buffer): void {
    for (const l of this.listeners) l({ payload }, payload.length);
  }

  onFrame(listener: (frame: Frame, bytes: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onFramingError(): () => void {
    return () => undefined;
  }

  onClose(): () => void {
    return () => undefined;
  }
}

const BASE: ConcertRequest = withSequence(1);

async function answers(ecr: EcrSide, count: number): Promise<string[]> {
  const end = Date.now() + 2000;
  while (ecr.sent.length < count && Date.now() < end) await new Promise((r) => setTimeout(r, 2));
  return ecr.sent.map((b) => b.toString('latin1'));
}

function face(emulator: ConstructorParameters<typeof TerminalModel>[0] = {}) {
  const ecr = new EcrSide();
  const model = new TerminalModel({ processingMs: { distribution: 'fixed', mean: 0 }, ...emulator });
  new ConcertTerminalFace(ecr, model);
  return { ecr, model };
}

describe('emulated terminal, Concert face', () => {
  it('accepts a 12.34 debit with the short answer: POS number, status 0, amount, payment mode, currency, privateData echoed', async () => {
    const { ecr } = face();
    ecr.request({});
    expect(await answers(ecr, 1)).toEqual(['01' + '0' + '00001234' + '1' + '978' + '000001    ']);
  });

  it('refuses a debit of 10.05 with status 7', async () => {
    const { ecr } = face();
    ecr.request({ amount: '00001005' });
    await answers(ecr, 1);
    expect(decodeResponse(ecr.sent[0]!)).toMatchObject({ status: '7', amount: '00001005' });
  });

  it('puts the card number in rep masked first 6 / last 4 — never in clear — when the answer flag asks for it', async () => {
    const { ecr, model } = face();
    ecr.request({ answerFlag: '1', posNumber: '42', paymentMode: 'C' });
    const [text] = await answers(ecr, 1);
    expect(text).toBe('42' + '0' + '00001234' + 'C' + '476173******0119' + ' '.repeat(39) + '978' + '000001    ');
    expect(text).not.toContain('4761739001010119');
    expect(model.journal.all()[0]).toMatchObject({ type: 'sale', maskedPan: '476173******0119' });
  });

  it('books debits and credits in the model, and cancels the last one booked', async () => {
    const { ecr, model } = face();
    ecr.request({ transactionType: '0', amount: '00000700' });
    await answers(ecr, 1);
    ecr.request({ transactionType: '2', amount: '00000700', privateData: '000002    ' });
    await answers(ecr, 2);
    ecr.request({ transactionType: '1', amount: '00000300', privateData: '000003    ' });
    const texts = await answers(ecr, 3);
    expect(texts.map((t) => t[2])).toEqual(['0', '0', '0']);
    expect(model.journal.all().map((e) => `${e.type}:${e.amountMinor}:${e.responseCode}`)).toEqual(['sale:700:00', 'reversal:700:00', 'refund:300:00']);
    expect(model.journal.totals().refunds).toMatchObject({ count: 1, amountMinor: 300 });
  });

  it('answers a duplicate (4) with its last answer under the new privateData, and with status 7 when there is none', async () => {
    const { ecr } = face();
    ecr.request({ transactionType: '4', privateData: 'DUP0      ' });
    await answers(ecr, 1);
    ecr.request({ amount: '00001005' });
    await answers(ecr, 2);
    ecr.request({ transactionType: '4', privateData: 'DUP1      ', amount: '00000000' });
    const texts = await answers(ecr, 3);
    expect(texts[0]).toBe('01' + '7' + '00000000' + '1' + '978' + 'DUP0      ');
    expect(texts[2]).toBe('01' + '7' + '00001005' + '1' + '978' + 'DUP1      ');
  });

  it('does not answer a frame that is no Concert request, and goes on answering the next good one', async () => {
    const { ecr } = face();
    ecr.raw(Buffer.from('HELLO', 'latin1'));
    ecr.request({});
    expect(await answers(ecr, 1)).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 20));
    expect(ecr.sent).toHaveLength(1);
  });

  it('processes but never answers every Nth request with the dropEveryN defect', async () => {
    const { ecr, model } = face({ defects: { dropEveryN: 2 } });
    for (const p of ['000001    ', '000002    ', '000003    ']) ecr.request({ privateData: p });
    const texts = await answers(ecr, 2);
    await new Promise((r) => setTimeout(r, 20));
    expect(texts.map((t) => t.slice(15).trim())).toEqual(['000001', '000003']);
    expect(model.journal.all()).toHaveLength(3);
  });
});
