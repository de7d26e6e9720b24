/**
 * The ACK/NAK link layer, as a specification. Time is jest's fake clock: T1 expires exactly
 * when the test advances the clock past it, never by accident of a slow machine.
 */
import { LinkClosedError } from '../../harness/errors';
import type { Frame, Framer } from '../../harness/framing/framer';
import { FramingStreamError } from '../../harness/framing/framing-stream-error';
import { StxEtxLrcFramer } from '../../harness/framing/stx-etx-lrc';
import { ZvtSerialFramer } from '../../harness/framing/zvt-serial';
import type { BytePort, TransmitReport } from '../../harness/link/ack-nak-link';
import { ACK, AckNakLink, ENQ, EOT, NAK } from '../../harness/link/ack-nak-link';
import { LinkRetriesExhaustedError } from '../../harness/link/errors';
import { openFrameLink } from '../../harness/link/open-frame-link';
import type { Transport } from '../../harness/transports/transport';
import { ECRTERM_SERIAL_FRAMES } from '../protocols/zvt/published-traces';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const H = (b: Buffer): string => b.toString('hex').toUpperCase();
const ascii = (s: string): Buffer => Buffer.from(s, 'latin1');

/** A byte port whose far end is the test: it records writes and lets the test (or a script) answer. */
class ScriptedPort implements BytePort {
  readonly endpoint = 'scripted port';
  readonly written: Buffer[] = [];
  /** Called for every write, after it is recorded: a scripted peer answers from here. */
  onWrite: ((bytes: Buffer) => void) | undefined;
  failWrites: Error | undefined;
  private readonly listeners = new Set<(chunk: Buffer) => void>();

  async write(bytes: Buffer): Promise<void> {
    if (this.failWrites) throw this.failWrites;
    this.written.push(Buffer.from(bytes));
    this.onWrite?.(Buffer.from(bytes));
  }

  onData(listener: (chunk: Buffer) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The peer sends these bytes to us. */
  receive(bytes: Buffer | number[]): void {
    const chunk = Buffer.from(bytes);
    for (const l of this.listeners) l(chunk);
  }

  /** What we wrote, as hex strings ("06" for an ACK). */
  get wire(): string[] {
    return this.written.map(H);
  }
}

type Outcome = { report: TransmitReport } | { error: unknown };

/** Starts a transmission and captures how it ends, so a rejection is never unhandled. */
function start(link: AckNakLink, frame: Frame): { outcome: () => Outcome | undefined } {
  let outcome: Outcome | undefined;
  link.transmit(frame).then(
    (report) => (outcome = { report }),
    (error: unknown) => (outcome = { error }),
  );
  return { outcome: () => outcome };
}

const settle = (): Promise<void> => jest.advanceTimersByTimeAsync(0);

const APDU = hex('06 01 0A 04 00 00 00 01 10 00 49 09 78'); // the published 110.00 EUR authorisation
const ZVT_FRAME = H(hex(ECRTERM_SERIAL_FRAMES.authorisation));

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

describe('AckNakLink sending', () => {
  it('sends a frame and resolves once the peer ACKs it', async () => {
    const port = new ScriptedPort();
    port.onWrite = () => port.receive([ACK]);
    const link = new AckNakLink(port, { framer: new ZvtSerialFramer() });
    const tx = start(link, { payload: APDU });
    await settle();
    expect(tx.outcome()).toEqual({ report: { tries: 1, bytes: hex(ECRTERM_SERIAL_FRAMES.authorisation).length } });
    expect(port.wire).toEqual([ZVT_FRAME]);
    expect(link.stats).toMatchObject({ framesSent: 1, retransmissions: 0 });
  });

  it('retransmits a frame after a NAK, at most three times', async () => {
    const port = new ScriptedPort();
    port.onWrite = () => port.receive([NAK]);
    const link = new AckNakLink(port, { framer: new ZvtSerialFramer() });
    const tx = start(link, { payload: APDU });
    await settle();
    expect(port.wire).toEqual([ZVT_FRAME, ZVT_FRAME, ZVT_FRAME, ZVT_FRAME]);
    const { error } = tx.outcome() as { error: LinkRetriesExhaustedError };
    expect(error).toBeInstanceOf(LinkRetriesExhaustedError);
    expect(error).toMatchObject({ code: 'LINK_RETRIES_EXHAUSTED', tries: 4, stage: 'frame', failures: ['nak', 'nak', 'nak', 'nak'] });
    expect(error.message).toBe('no ACK for the frame after 4 tries (1 transmission + 3 retransmissions): try 1 NAK, try 2 NAK, try 3 NAK, try 4 NAK');
    expect(link.stats).toMatchObject({ framesSent: 0, retransmissions: 3, naksReceived: 4 });
  });

  it('succeeds when a retransmission after a NAK is ACKed', async () => {
    const port = new ScriptedPort();
    const answers = [NAK, NAK, ACK];
    port.onWrite = () => port.receive([answers.shift()!]);
    const link = new AckNakLink(port, { framer: new ZvtSerialFramer() });
    const tx = start(link, { payload: APDU });
    await settle();
    expect(tx.outcome()).toMatchObject({ report: { tries: 3 } });
    expect(port.wire).toHaveLength(3);
  });

  it('gives up after T1 with no ACK, having retransmitted at each T1', async () => {
    const port = new ScriptedPort();
    const link = new AckNakLink(port, { framer: new ZvtSerialFramer(), t1Ms: 1000 });
    const tx = start(link, { payload: APDU });
    await settle();
    expect(port.wire).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(999);
    expect(port.wire).toHaveLength(1); // not a millisecond early
    await jest.advanceTimersByTimeAsync(1);
    expect(port.wire).toHaveLength(2);
    await jest.advanceTimersByTimeAsync(2000);
    expect(port.wire).toHaveLength(4);
    expect(tx.outcome()).toBeUndefined();
    await jest.advanceTimersByTimeAsync(1000);
    const { error } = tx.outcome() as { error: Error };
    expect(error).toBeInstanceOf(LinkRetriesExhaustedError);
    expect(error.message).toMatch(/after 4 tries \(1 transmission \+ 3 retransmissions\): try 1 no answer within T1 \(1000 ms\), .*try 4 no answer within T1 \(1000 ms\)$/);
    expect(link.stats.ackTimeouts).toBe(4);
  });

  it('mixes NAKs and timeouts in the count and names each', async () => {
    const port = new ScriptedPort();
    let n = 0;
    port.onWrite = () => {
      if (n++ % 2 === 0) port.receive([NAK]);
    };
    const link = new AckNakLink(port, { framer: new ZvtSerialFramer(), t1Ms: 500, retries: 2 });
    const tx = start(link, { payload: APDU });
    await jest.advanceTimersByTimeAsync(500);
    expect(((tx.outcome() as { error: Error }).error as Error).message).toBe(
      'no ACK for the frame after 3 tries (1 transmission + 2 retransmissions): try 1 NAK, try 2 no answer within T1 (500 ms), try 3 NAK',
    );
  });

  it('makes only one try with retries: 0', async () => {
    const port = new ScriptedPort();
    port.onWrite = () => port.receive([NAK]);
    const tx = start(new AckNakLink(port, { framer: new ZvtSerialFramer(), retries: 0 }), { payload: APDU });
    await settle();
    expect(port.wire).toHaveLength(1);
    expect((tx.outcome() as { error: Error }).error.message).toMatch(/^no ACK for the frame after 1 try \(1 transmission \+ 0 retransmissions\): try 1 NAK$/);
  });

  it('sends frames one at a time, in call order: the second waits for the ACK of the first', async () => {
    const port = new ScriptedPort();
    const link = new AckNakLink(port, { framer: new ZvtSerialFramer() });
    const first = start(link, { payload: hex('80 00 00') });
    const second = start(link, { payload: hex('06 B0 00') });
    await settle();
    expect(port.wire).toEqual([H(hex(ECRTERM_SERIAL_FRAMES.positiveAck))]);
    port.receive([ACK]);
    await settle();
    expect(first.outcome()).toMatchObject({ report: { tries: 1 } });
    expect(port.wire).toHaveLength(2);
    port.receive([ACK]);
    await settle();
    expect(second.outcome()).toMatchObject({ report: { tries: 1 } });
  });

  it('refuses a frame the framer cannot encode before writing anything', async () => {
    const port = new ScriptedPort();
    const tx = start(new AckNakLink(port, { framer: new ZvtSerialFramer() }), { payload: hex('80') });
    await settle();
    expect((tx.outcome() as { error: Error }).error).toMatchObject({ code: 'FRAMING_ERROR' });
    expect(port.wire).toEqual([]);
  });

  it('fails the transmission when the port cannot write, without retrying', async () => {
    const port = new ScriptedPort();
    port.failWrites = new LinkClosedError('cable pulled');
    const tx = start(new AckNakLink(port, { framer: new ZvtSerialFramer() }), { payload: APDU });
    await settle();
    expect((tx.outcome() as { error: Error }).error).toBe(port.failWrites);
  });

  it('fails a transmission still waiting for ACK when the link is disposed', async () => {
    const port = new ScriptedPort();
    const link = new AckNakLink(port, { framer: new ZvtSerialFramer() });
    const tx = start(link, { payload: APDU });
    await settle();
    link.dispose();
    await settle();
    expect((tx.outcome() as { error: Error }).error).toBeInstanceOf(LinkClosedError);
  });

  it('counts T1 from the end of the write, and takes an ACK that arrives during the write', async () => {
    const port = new ScriptedPort();
    port.onWrite = () => port.receive([ACK]); // answered before write() even resolved
    const tx = start(new AckNakLink(port, { framer: new ZvtSerialFramer(), t1Ms: 10 }), { payload: APDU });
    await settle();
    expect(tx.outcome()).toMatchObject({ report: { tries: 1 } });
    await jest.advanceTimersByTimeAsync(100);
    expect(port.wire).toHaveLength(1); // no stray T1 timer retransmitted it
  });
});

describe('AckNakLink receiving', () => {
  function receiver(framer: Framer = new ZvtSerialFramer()): { port: ScriptedPort; link: AckNakLink; frames: string[]; errors: Error[] } {
    const port = new ScriptedPort();
    const link = new AckNakLink(port, { framer });
    const frames: string[] = [];
    const errors: Error[] = [];
    link.onFrame((frame) => frames.push(H(frame.payload)));
    link.onFramingError((err) => errors.push(err));
    return { port, link, frames, errors };
  }

  it('ACKs a frame with a good checksum and delivers it', () => {
    const { port, frames } = receiver();
    port.receive(hex(ECRTERM_SERIAL_FRAMES.statusEnquiry));
    expect(frames).toEqual(['0501031234' + '56']);
    expect(port.wire).toEqual(['06']);
  });

  it('NAKs a frame with a bad LRC and accepts the retransmission', () => {
    const { port, frames, errors, link } = receiver(new StxEtxLrcFramer());
    port.receive(hex('02 31 32 33 03 00')); // LRC should be 0x33
    expect(port.wire).toEqual(['15']);
    expect(frames).toEqual([]);
    expect(errors[0]).toBeInstanceOf(FramingStreamError);
    expect(errors[0].message).toMatch(/LRC mismatch: expected 0x33, received 0x00/);
    port.receive(hex('02 31 32 33 03 33'));
    expect(port.wire).toEqual(['15', '06']);
    expect(frames).toEqual([H(ascii('123'))]);
    expect(link.stats).toMatchObject({ naksSent: 1, framesReceived: 1 });
  });

  it('NAKs a ZVT frame with a bad CRC', () => {
    const { port, frames, errors } = receiver();
    const bad = hex(ECRTERM_SERIAL_FRAMES.statusEnquiry);
    bad[bad.length - 1] ^= 0x01;
    port.receive(bad);
    expect(port.wire).toEqual(['15']);
    expect(frames).toEqual([]);
    expect(errors[0].message).toMatch(/CRC mismatch/);
  });

  it('skips garbage between frames', () => {
    const { port, frames, link } = receiver(new StxEtxLrcFramer());
    port.receive(Buffer.concat([hex('ff 41 0d'), hex('02 41 03 42'), hex('00 7f'), hex('02 31 32 33 03 33'), hex('0a')]));
    expect(frames).toEqual([H(ascii('A')), H(ascii('123'))]);
    expect(port.wire).toEqual(['06', '06']);
    expect((link.framer as StxEtxLrcFramer).skippedBytes).toBe(6);
  });

  it('delivers frames arriving one byte at a time, ACKing each once', () => {
    const { port, frames } = receiver();
    for (const b of hex(ECRTERM_SERIAL_FRAMES.registration + ECRTERM_SERIAL_FRAMES.positiveAck)) port.receive([b]);
    expect(frames).toEqual(['06000612345' + '6BA0978', '800000']);
    expect(port.wire).toEqual(['06', '06']);
  });

  it('reads a 06 inside a ZVT APDU as data, not as the ACK a transmission is waiting for', async () => {
    const { port, link, frames } = receiver();
    const tx = start(link, { payload: APDU });
    await settle();
    port.receive(hex(ECRTERM_SERIAL_FRAMES.registration)); // full of 06 bytes
    await settle();
    expect(tx.outcome()).toBeUndefined();
    expect(frames).toHaveLength(1);
    port.receive([ACK]);
    await settle();
    expect(tx.outcome()).toMatchObject({ report: { tries: 1 } });
  });

  it('handles an ACK and the next frame in one chunk', async () => {
    const { port, link, frames } = receiver();
    const tx = start(link, { payload: APDU });
    await settle();
    port.receive(Buffer.concat([Buffer.from([ACK]), hex(ECRTERM_SERIAL_FRAMES.positiveAck)]));
    await settle();
    expect(tx.outcome()).toMatchObject({ report: { tries: 1 } });
    expect(frames).toEqual(['800000']);
    expect(port.wire).toEqual([ZVT_FRAME, '06']);
  });

  it('counts an ACK or NAK that nothing waited for', () => {
    const { port, link } = receiver();
    port.receive([ACK, NAK]);
    expect(link.stats.unexpectedControlBytes).toBe(2);
    expect(port.wire).toEqual([]);
  });
});

describe('AckNakLink with the ENQ/ACK … EOT handshake (Concert)', () => {
  const concert = (): StxEtxLrcFramer => new StxEtxLrcFramer({ preset: 'concert' });

  it('takes the handshake setting from the concert framer', () => {
    expect(new AckNakLink(new ScriptedPort(), { framer: concert() }).enqHandshake).toBe(true);
    expect(new AckNakLink(new ScriptedPort(), { framer: new StxEtxLrcFramer() }).enqHandshake).toBe(false);
  });

  it('sends ENQ, waits for ACK, sends the frame, and EOT after its ACK', async () => {
    const port = new ScriptedPort();
    port.onWrite = (bytes) => {
      if (bytes[0] === ENQ || bytes[0] === 0x02) port.receive([ACK]);
    };
    const tx = start(new AckNakLink(port, { framer: concert() }), { payload: ascii('123') });
    await settle();
    expect(tx.outcome()).toMatchObject({ report: { tries: 1 } });
    expect(port.wire).toEqual(['05', '0231323303' + '33', '04']);
  });

  it('retransmits the frame (not the ENQ) after a NAK', async () => {
    const port = new ScriptedPort();
    const frameAnswers = [NAK, ACK];
    port.onWrite = (bytes) => {
      if (bytes[0] === ENQ) port.receive([ACK]);
      else if (bytes[0] === 0x02) port.receive([frameAnswers.shift()!]);
    };
    const tx = start(new AckNakLink(port, { framer: concert() }), { payload: ascii('A') });
    await settle();
    expect(tx.outcome()).toMatchObject({ report: { tries: 2 } });
    expect(port.wire).toEqual(['05', '02410342', '02410342', '04']);
  });

  it('gives up when the peer never acknowledges ENQ', async () => {
    const port = new ScriptedPort();
    const tx = start(new AckNakLink(port, { framer: concert(), t1Ms: 200 }), { payload: ascii('A') });
    await jest.advanceTimersByTimeAsync(800);
    expect(port.wire).toEqual(['05', '05', '05', '05']);
    const { error } = tx.outcome() as { error: LinkRetriesExhaustedError };
    expect(error).toMatchObject({ code: 'LINK_RETRIES_EXHAUSTED', stage: 'enq' });
    expect(error.message).toMatch(/^no ACK to ENQ .* after 4 tries/);
  });

  it('answers ENQ with ACK, then ACKs the frame; EOT ends the exchange', () => {
    const port = new ScriptedPort();
    const link = new AckNakLink(port, { framer: concert() });
    const frames: string[] = [];
    link.onFrame((f) => frames.push(f.payload.toString('latin1')));
    port.receive([ENQ]);
    port.receive(hex('02 31 32 33 03 33'));
    port.receive([EOT]);
    expect(port.wire).toEqual(['06', '06']);
    expect(frames).toEqual(['123']);
  });
});

describe('AckNakLink end to end over a noisy line', () => {
  /** Two ports joined by a wire; `corrupt` may change bytes in flight. Delivery is asynchronous. */
  function wire(corrupt: (bytes: Buffer, from: 'a' | 'b') => Buffer): [ScriptedPort, ScriptedPort] {
    const a = new ScriptedPort();
    const b = new ScriptedPort();
    a.onWrite = (bytes) => void Promise.resolve().then(() => b.receive(corrupt(bytes, 'a')));
    b.onWrite = (bytes) => void Promise.resolve().then(() => a.receive(corrupt(bytes, 'b')));
    return [a, b];
  }

  it('a frame corrupted on the line is NAKed, retransmitted and delivered exactly once', async () => {
    let corrupted = 0;
    const [ecrPort, ptPort] = wire((bytes, from) => {
      if (from === 'a' && bytes.length > 1 && corrupted++ === 0) {
        const copy = Buffer.from(bytes);
        copy[5] ^= 0x40; // one flipped bit inside the APDU
        return copy;
      }
      return bytes;
    });
    const ecr = new AckNakLink(ecrPort, { framer: new ZvtSerialFramer() });
    const pt = new AckNakLink(ptPort, { framer: new ZvtSerialFramer() });
    const delivered: string[] = [];
    pt.onFrame((f) => delivered.push(H(f.payload)));
    const tx = start(ecr, { payload: APDU });
    await settle();
    expect(tx.outcome()).toMatchObject({ report: { tries: 2 } });
    expect(delivered).toEqual([H(APDU)]);
    expect(pt.stats).toMatchObject({ naksSent: 1, framesReceived: 1 });
    expect(ecr.stats).toMatchObject({ naksReceived: 1, retransmissions: 1, framesSent: 1 });
  });

  it('the terminal answers over the same link: frames both ways, each ACKed', async () => {
    const [ecrPort, ptPort] = wire((bytes) => bytes);
    const ecr = new AckNakLink(ecrPort, { framer: new ZvtSerialFramer() });
    const pt = new AckNakLink(ptPort, { framer: new ZvtSerialFramer() });
    const atEcr: string[] = [];
    ecr.onFrame((f) => atEcr.push(H(f.payload)));
    pt.onFrame(() => void pt.send({ payload: hex('80 00 00') }));
    await ecr.send({ payload: APDU });
    await settle();
    expect(atEcr).toEqual(['800000']);
    expect(ptPort.wire).toEqual(['06', H(hex(ECRTERM_SERIAL_FRAMES.positiveAck))]);
  });
});

describe('AckNakLink T2 (inter-character timeout) and profile timing', () => {
  function receiverWithT2(t2Ms?: number) {
    const port = new ScriptedPort();
    const link = new AckNakLink(port, { framer: new StxEtxLrcFramer(), t2Ms });
    const frames: string[] = [];
    const errors: Error[] = [];
    link.onFrame((frame) => frames.push(H(frame.payload)));
    link.onFramingError((err) => errors.push(err));
    return { port, link, frames, errors };
  }

  it('abandons and NAKs a frame that stops arriving for longer than T2, then takes the retransmission', async () => {
    const { port, link, frames, errors } = receiverWithT2(100);
    port.receive(hex('02 31 32')); // STX and two bytes, then silence
    await jest.advanceTimersByTimeAsync(99);
    expect(port.wire).toEqual([]);
    await jest.advanceTimersByTimeAsync(1);
    expect(port.wire).toEqual(['15']);
    expect(errors[0]!.message).toMatch(/a frame stopped arriving after 3 byte\(s\): nothing more within T2 \(100 ms\); abandoned and NAKed/);
    port.receive(hex('02 31 32 33 03 33'));
    expect(frames).toEqual([H(ascii('123'))]);
    expect(port.wire).toEqual(['15', '06']);
    expect(link.stats).toMatchObject({ t2Timeouts: 1, naksSent: 1, framesReceived: 1 });
  });

  it('restarts T2 with every byte, so a slow but steady frame is taken whole', async () => {
    const { port, frames } = receiverWithT2(100);
    for (const b of hex('02 31 32 33 03 33')) {
      port.receive([b]);
      await jest.advanceTimersByTimeAsync(80);
    }
    expect(frames).toEqual([H(ascii('123'))]);
    expect(port.wire).toEqual(['06']);
  });

  it('waits indefinitely for the rest of a frame without T2 (the default)', async () => {
    const { port, frames } = receiverWithT2(undefined);
    port.receive(hex('02 31 32'));
    await jest.advanceTimersByTimeAsync(60_000);
    expect(port.wire).toEqual([]);
    port.receive(hex('33 03 33'));
    expect(frames).toEqual([H(ascii('123'))]);
  });

  it('takes T1, retries and T2 from the framing block of the device profile', () => {
    const link = openFrameLink(new ScriptedPort() as unknown as Transport, { type: 'stx-etx-lrc', preset: 'concert', t1Ms: 1500, retries: 1, t2Ms: 250 }) as AckNakLink;
    expect([link.t1Ms, link.retries, link.t2Ms, link.enqHandshake]).toEqual([1500, 1, 250, true]);
    const zvt = openFrameLink(new ScriptedPort() as unknown as Transport, { type: 'zvt-serial' }) as AckNakLink;
    expect([zvt.t1Ms, zvt.retries, zvt.t2Ms]).toEqual([3000, 3, undefined]);
  });
});

describe('stx-etx-lrc without a link layer (ackNak: false)', () => {
  it('sends and takes bare frames: nothing is ACKed, a frame with a bad LRC is dropped', async () => {
    const port = new ScriptedPort() as ScriptedPort & Partial<Transport>;
    const link = openFrameLink(port as unknown as Transport, { type: 'stx-etx-lrc', ackNak: false });
    expect(link).not.toBeInstanceOf(AckNakLink);
    const frames: string[] = [];
    link.onFrame((f) => frames.push(H(f.payload)));
    port.receive(hex('02 31 32 33 03 33'));
    port.receive(hex('02 31 32 33 03 00'));
    expect(frames).toEqual([H(ascii('123'))]);
    expect(port.wire).toEqual([]);
  });

  it('refuses the ENQ handshake without the ACK/NAK link, naming the preset that set it', () => {
    expect(() => openFrameLink(new ScriptedPort() as unknown as Transport, { type: 'stx-etx-lrc', preset: 'concert', ackNak: false })).toThrow(
      /enqHandshake \(set by the 'concert' preset\) needs the ACK\/NAK link: with ackNak false, set enqHandshake to false too/,
    );
  });
});
