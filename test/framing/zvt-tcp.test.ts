/**
 * ZVT over TCP: bare APDUs, each split off by its own length field. The stream is made of
 * published APDUs (test/protocols/zvt/published-traces.ts) plus one with the FF extended length.
 */
import fc from 'fast-check';
import { FramingError, PoshilError } from '../../harness/errors';
import type { Frame } from '../../harness/framing/framer';
import { FramingStreamError } from '../../harness/framing/framing-stream-error';
import { ZvtTcpFramer, zvtApduLength } from '../../harness/framing/zvt-tcp';
import { ECRTERM_APDUS, PORTALUM_APDUS } from '../protocols/zvt/published-traces';
import { catchError, expectSameFramesHoweverSplit, hex, pushAll, show } from './stream-helpers';

/** 06 D3 (print text block) with 300 data bytes: length FF 2C 01 (0x012C = 300, low byte first). */
const LONG_APDU = Buffer.concat([hex('06 D3 FF 2C 01'), Buffer.alloc(300, 0x41)]);
const APDUS: Buffer[] = [...Object.values(ECRTERM_APDUS), ...Object.values(PORTALUM_APDUS)].map(hex).concat([hex('80 00 00'), LONG_APDU, hex('06 B0 00')]);
const FRAMES: Frame[] = APDUS.map((payload) => ({ payload }));

describe('ZvtTcpFramer', () => {
  it('reads the APDU length: one byte, or FF then two bytes low byte first', () => {
    expect(zvtApduLength(hex('80 00'))).toBeUndefined();
    expect(zvtApduLength(hex('80 00 00'))).toBe(3);
    expect(zvtApduLength(hex('06 D1 17'))).toBe(3 + 0x17);
    expect(zvtApduLength(hex('06 D3 FF 2C'))).toBeUndefined();
    expect(zvtApduLength(hex('06 D3 FF 2C 01'))).toBe(5 + 300);
  });

  it('splits a stream of published APDUs back into the APDUs', () => {
    expect(show(new ZvtTcpFramer().push(Buffer.concat(APDUS)))).toEqual(show(FRAMES));
  });

  it('yields the same APDUs whichever byte boundary the stream is split at, and byte by byte', () => {
    expectSameFramesHoweverSplit(() => new ZvtTcpFramer(), Buffer.concat(APDUS), FRAMES);
  });

  it('yields the same APDUs for any chunking', () => {
    const bytes = Buffer.concat(APDUS);
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: bytes.length - 1 }), { maxLength: 30 }), (cuts) => {
        const points = [0, ...cuts.sort((a, b) => a - b), bytes.length];
        expect(show(pushAll(new ZvtTcpFramer(), points.slice(1).map((end, i) => bytes.subarray(points[i], end))))).toEqual(show(FRAMES));
      }),
      { numRuns: 50 },
    );
  });

  it('sends an APDU unchanged', () => {
    expect(new ZvtTcpFramer().encode({ payload: LONG_APDU }).equals(LONG_APDU)).toBe(true);
  });

  it('counts the bytes of an unfinished APDU as pending', () => {
    const framer = new ZvtTcpFramer();
    framer.push(hex('06 D1 17 00'));
    expect(framer.pending).toBe(4);
    framer.reset();
    expect(framer.pending).toBe(0);
  });

  it('keeps its own copy of a partial APDU, so the caller may reuse its read buffer', () => {
    const framer = new ZvtTcpFramer();
    const reused = hex('06 1E 01');
    framer.push(reused);
    reused.fill(0xee);
    expect(show(framer.push(hex('7D')))).toEqual(show([{ payload: hex('06 1E 01 7D') }]));
  });

  it('rejects an APDU longer than maxLength as soon as its length is known', () => {
    const framer = new ZvtTcpFramer({ maxLength: 100 });
    const good = hex('80 00 00');
    const err = catchError(() => framer.push(Buffer.concat([good, hex('06 D3 FF 2C 01 41')])));
    expect(err).toBeInstanceOf(FramingStreamError);
    expect((err as Error).message).toMatch(/APDU header 06 D3 FF 2C 01 announces 305 bytes, more than maxLength 100/);
    expect(show((err as FramingStreamError).framesBefore)).toEqual(show([{ payload: good }]));
    expect((err as FramingStreamError).streamOffset).toBe(3);
    expect(framer.pending).toBe(0);
    expect(show(framer.push(good))).toEqual(show([{ payload: good }]));
  });

  it.each<[string, Frame, RegExp]>([
    ['an APDU whose length field is wrong', { payload: hex('06 1E 02 7D') }, /length field \(02\) announces 5 bytes in all but it has 4/],
    ['a too-short APDU', { payload: hex('80 00') }, /too short/],
    ['a header', { header: hex('01'), payload: hex('80 00 00') }, /1-byte header/],
  ])('refuses to send %s', (_what, frame, message) => {
    const err = catchError(() => new ZvtTcpFramer().encode(frame));
    expect(err).toBeInstanceOf(FramingError);
    expect((err as Error).message).toMatch(message);
  });

  it('refuses an unknown option with FRAMING_CONFIG', () => {
    const err = catchError(() => new ZvtTcpFramer({ crc: true } as never));
    expect(err).toBeInstanceOf(PoshilError);
    expect(err).toMatchObject({ code: 'FRAMING_CONFIG' });
  });
});
