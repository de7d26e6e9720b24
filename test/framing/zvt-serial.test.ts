/**
 * ZVT serial framing against published frames (test/protocols/zvt/published-traces.ts: ecrterm's
 * logged-trace encoding tests). Every one decodes to its APDU and re-encodes byte for byte,
 * CRC included — which pins the CRC down as the reflected 0x1021 CRC (CRC-16/KERMIT), low byte
 * first, over the unstuffed APDU plus ETX.
 */
import fc from 'fast-check';
import { FramingError, PoshilError } from '../../harness/errors';
import type { Frame } from '../../harness/framing/framer';
import { FramingStreamError } from '../../harness/framing/framing-stream-error';
import { ZvtSerialFramer, crc16Update, zvtFrameCrc } from '../../harness/framing/zvt-serial';
import { ECRTERM_COMPLETION_WITH_VERSION, ECRTERM_SERIAL_FRAMES } from '../protocols/zvt/published-traces';
import { catchError, expectSameFramesHoweverSplit, hex, pushAll, show, expectStreamError } from './stream-helpers';

const published = [...Object.entries(ECRTERM_SERIAL_FRAMES), ['completion with software version', ECRTERM_COMPLETION_WITH_VERSION] as const];

/** The APDU inside a published frame, unstuffed by hand (independent of the framer). */
function apduOf(frame: string): Buffer {
  const bytes = hex(frame);
  const inner = bytes.subarray(2, bytes.length - 4);
  const out: number[] = [];
  for (let i = 0; i < inner.length; i++) {
    out.push(inner[i]);
    if (inner[i] === 0x10) i++; // skip the doubled DLE
  }
  return Buffer.from(out);
}

/** Bit-by-bit CRC-16/XMODEM (0x1021 MSB first), to show it is NOT what ZVT uses. */
function xmodem(bytes: Uint8Array): number {
  let crc = 0;
  for (const b of bytes) {
    crc ^= b << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

describe('ZVT CRC', () => {
  it('is CRC-16/KERMIT: check value 0x2189 for "123456789" (CRC RevEng catalogue, as listed by the crc-catalog crate)', () => {
    expect(crc16Update(0, Buffer.from('123456789'))).toBe(0x2189);
  });

  it.each(published)('matches the CRC of the published %s frame (over the APDU plus ETX, low byte first)', (_name, frame) => {
    const bytes = hex(frame);
    const onWire = bytes[bytes.length - 2] | (bytes[bytes.length - 1] << 8);
    expect(zvtFrameCrc(apduOf(frame))).toBe(onWire);
  });

  it('is not the MSB-first CRC-16/XMODEM with the same polynomial (that gives 0xE30E for the registration frame, not 0xC324)', () => {
    const apdu = apduOf(ECRTERM_SERIAL_FRAMES.registration);
    expect(xmodem(Buffer.concat([apdu, Buffer.from([0x03])]))).toBe(0xe30e);
    expect(zvtFrameCrc(apdu)).toBe(0xc324);
  });
});

describe('ZvtSerialFramer on published frames', () => {
  it.each(published)('decodes the %s frame to its APDU', (_name, frame) => {
    expect(show(new ZvtSerialFramer().push(hex(frame)))).toEqual(show([{ payload: apduOf(frame) }]));
  });

  it.each(published)('encodes the %s APDU to the published frame byte for byte', (_name, frame) => {
    expect(new ZvtSerialFramer().encode({ payload: apduOf(frame) }).toString('hex')).toBe(hex(frame).toString('hex'));
  });

  it('doubles a DLE inside the APDU (the 110.00 EUR amount 00 00 00 01 10 00) and removes the doubling on receipt', () => {
    const frame = hex(ECRTERM_SERIAL_FRAMES.authorisation);
    const [decoded] = new ZvtSerialFramer().push(frame);
    expect(decoded.payload.toString('hex')).toBe('06010a04000000011000490978');
    expect(frame.toString('hex')).toContain('011010');
  });

  it('yields the same APDUs from all the published frames in one stream, whichever byte boundary it is split at, and byte by byte', () => {
    const stream = Buffer.concat(published.map(([, f]) => hex(f)));
    expectSameFramesHoweverSplit(() => new ZvtSerialFramer(), stream, published.map(([, f]) => ({ payload: apduOf(f) })));
  });

  it('skips and counts garbage (including ACK/NAK bytes and a lone DLE) between frames', () => {
    const noise = hex('06 15 ff 10 41');
    const stream = Buffer.concat(published.flatMap(([, f]) => [noise, hex(f)]));
    expectSameFramesHoweverSplit(() => new ZvtSerialFramer(), stream, published.map(([, f]) => ({ payload: apduOf(f) })));
    const framer = new ZvtSerialFramer();
    framer.push(stream);
    expect(framer.skippedBytes).toBe(noise.length * published.length);
  });

  it('round-trips arbitrary APDUs full of DLE bytes, in arbitrary chunks', () => {
    const framer0 = new ZvtSerialFramer();
    const apdu = fc.uint8Array({ minLength: 3, maxLength: 300 }).map((a) => a.map((b) => (b % 3 === 0 ? 0x10 : b)));
    fc.assert(
      fc.property(fc.array(apdu, { minLength: 1, maxLength: 4 }), fc.array(fc.nat(), { maxLength: 8 }), (apdus, cutSeeds) => {
        const sent: Frame[] = apdus.map((a) => ({ payload: Buffer.from(a) }));
        const bytes = Buffer.concat(sent.map((f) => framer0.encode(f)));
        const cuts = [...new Set(cutSeeds.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
        const points = [0, ...cuts, bytes.length];
        expect(show(pushAll(new ZvtSerialFramer(), points.slice(1).map((end, i) => bytes.subarray(points[i], end))))).toEqual(show(sent));
      }),
      { numRuns: 50 },
    );
  });
});

describe('ZvtSerialFramer on malformed input', () => {
  it('rejects a bad CRC, saying the expected and received CRC in hex', () => {
    const frame = hex(ECRTERM_SERIAL_FRAMES.positiveAck);
    frame[frame.length - 1] ^= 0xff; // F5 1F → F5 E0
    expectStreamError(new ZvtSerialFramer(), frame, /CRC mismatch: expected 0x1FF5 \(F5 1F on the wire, low byte first\), received 0xE0F5 \(F5 E0/);
  });

  it('rejects a frame corrupted inside the APDU', () => {
    const frame = hex(ECRTERM_SERIAL_FRAMES.statusEnquiry);
    frame[5] = 0x13; // password 12 34 56 → 12 13 56
    expectStreamError(new ZvtSerialFramer(), frame, /CRC mismatch: expected .* over a 6-byte APDU/);
  });

  it('hands over the good frames that came before the bad one in the same chunk', () => {
    const bad = hex(ECRTERM_SERIAL_FRAMES.diagnosis);
    bad[bad.length - 2] ^= 1;
    const good = hex(ECRTERM_SERIAL_FRAMES.positiveAck);
    const err = expectStreamError(new ZvtSerialFramer(), Buffer.concat([good, bad, hex('10 02')]), /CRC mismatch/);
    expect(show(err.framesBefore)).toEqual(show([{ payload: hex('80 00 00') }]));
    expect(err.streamOffset).toBe(good.length);
    expect(err.discardedBytes).toBe(bad.length + 2);
  });

  it('rejects a DLE that is neither doubled nor followed by ETX', () => {
    expectStreamError(new ZvtSerialFramer(), hex('10 02 06 10 41'), /DLE followed by 0x41 inside a frame after 1 APDU bytes: a DLE in the APDU must be doubled/);
  });

  it('restarts on DLE STX inside a frame (the sender started over), counting the partial frame as skipped', () => {
    const framer = new ZvtSerialFramer();
    const frames = framer.push(Buffer.concat([hex('10 02 06 01'), hex(ECRTERM_SERIAL_FRAMES.positiveAck)]));
    expect(show(frames)).toEqual(show([{ payload: hex('80 00 00') }]));
    expect(framer.skippedBytes).toBe(4); // 10 02 06 01
  });

  it('rejects an APDU longer than maxLength without waiting for the end of the frame', () => {
    expectStreamError(new ZvtSerialFramer({ maxLength: 3 }), hex('10 02 06 01 02 03'), /no DLE ETX within maxLength 3 APDU bytes/);
  });

  it('starts afresh after an error', () => {
    const framer = new ZvtSerialFramer();
    expect(() => framer.push(hex('10 02 80 00 00 10 03 00 00'))).toThrow(FramingStreamError);
    expect(show(framer.push(hex(ECRTERM_SERIAL_FRAMES.positiveAck)))).toEqual(show([{ payload: hex('80 00 00') }]));
  });

  it('never throws anything but FramingError, whatever bytes arrive, and always recovers', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 10 }), (chunks) => {
        const framer = new ZvtSerialFramer({ maxLength: 64 });
        for (const chunk of chunks) {
          try {
            framer.push(Buffer.from(chunk.map((b) => (b % 5 === 0 ? 0x10 : b))));
          } catch (err) {
            expect(err).toBeInstanceOf(FramingError);
            expect(framer.pending).toBe(0);
          }
        }
        framer.reset();
        expect(show(framer.push(hex(ECRTERM_SERIAL_FRAMES.positiveAck)))).toEqual(show([{ payload: hex('80 00 00') }]));
      }),
      { numRuns: 200 },
    );
  });
});

describe('ZvtSerialFramer configuration and encode checks', () => {
  it('defaults to the largest APDU ZVT can express (65540 bytes)', () => {
    expect(new ZvtSerialFramer().options).toEqual({ maxLength: 65540 });
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ['a misspelt option', { maxLen: 10 }, /unknown option "maxLen"/],
    ['a maxLength below a minimal APDU', { maxLength: 2 }, /maxLength is 2/],
    ['another type', { type: 'zvt-tcp' }, /expected "zvt-serial"/],
  ])('rejects %s with FRAMING_CONFIG', (_what, options, message) => {
    const err = catchError(() => new ZvtSerialFramer(options));
    expect(err).toBeInstanceOf(PoshilError);
    expect(err).toMatchObject({ code: 'FRAMING_CONFIG' });
    expect((err as Error).message).toMatch(message);
  });

  it.each<[string, Frame, RegExp]>([
    ['an APDU shorter than 3 bytes', { payload: hex('80 00') }, /2-byte APDU/],
    ['a header', { header: hex('01'), payload: hex('80 00 00') }, /1-byte header/],
  ])('refuses to encode %s', (_what, frame, message) => {
    expect(() => new ZvtSerialFramer().encode(frame)).toThrow(message);
  });
});
