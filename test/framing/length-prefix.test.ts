import fc from 'fast-check';
import { FramingError, PoshilError } from '../../harness/errors';
import type { Frame } from '../../harness/framing/framer';
import { LengthPrefixFramer } from '../../harness/framing/length-prefix';
import type { LengthPrefixOptions } from '../../harness/framing/length-prefix';
import { catchError, expectStreamError, hex, pushAll, show } from './stream-helpers';

const TPDU = hex('60 0001 0000');

/** Every prefix layout × includesPrefix × TPDU. */
const configs: LengthPrefixOptions[] = [];
for (const layout of [
  { lengthBytes: 2, lengthEncoding: 'binary' },
  { lengthBytes: 4, lengthEncoding: 'ascii' },
  { lengthBytes: 4, lengthEncoding: 'binary' },
] as const) {
  for (const includesPrefix of [false, true]) {
    for (const tpdu of [false, true]) configs.push({ ...layout, includesPrefix, tpdu, maxLength: 600 });
  }
}
const describeConfig = (c: LengthPrefixOptions): string =>
  `${c.lengthBytes}-byte ${c.lengthEncoding} length${c.includesPrefix ? ' counting itself' : ''}${c.tpdu ? ' + TPDU' : ''}`;

function sampleFrames(tpdu: boolean | undefined): Frame[] {
  const payloads = [Buffer.from('0800822000000000000004000000000000000101120000000001301', 'latin1'), Buffer.from([0]), Buffer.alloc(150, 0xa5), Buffer.from('x')];
  return payloads.map((payload, i) => (tpdu ? { header: Buffer.from([0x60, 0, i, 0, 1]), payload } : { payload }));
}

describe('LengthPrefixFramer configuration', () => {
  it('defaults to a 2-byte binary big-endian length, no TPDU, length not counting itself, maxLength 8192', () => {
    expect(new LengthPrefixFramer().options).toEqual({ lengthBytes: 2, lengthEncoding: 'binary', includesPrefix: false, tpdu: false, maxLength: 8192 });
  });

  it('accepts a raw device-profile framing block including its "type"', () => {
    const framer = new LengthPrefixFramer({ type: 'length-prefix', lengthBytes: 4, lengthEncoding: 'ascii' });
    expect(framer.type).toBe('length-prefix');
    expect(framer.options.lengthEncoding).toBe('ascii');
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ['2 ASCII digits, which could carry at most 99 bytes', { lengthBytes: 2, lengthEncoding: 'ascii' }, /would limit frames to 99 bytes/],
    ['a prefix size other than 2 or 4', { lengthBytes: 3 }, /lengthBytes is 3; it must be 2 or 4/],
    ['an unknown length encoding', { lengthEncoding: 'bcd' }, /lengthEncoding is "bcd"/],
    ['a misspelt option', { lenghtBytes: 2 }, /unknown option "lenghtBytes"/],
    ['another framing type', { type: 'stx-etx' }, /expected "length-prefix"/],
    ['a non-boolean tpdu', { tpdu: 'yes' }, /tpdu is "yes"; it must be true or false/],
    ['a non-boolean includesPrefix', { includesPrefix: 1 }, /includesPrefix is 1/],
    ['a zero maxLength', { maxLength: 0 }, /maxLength is 0/],
    ['a fractional maxLength', { maxLength: 10.5 }, /maxLength is 10.5/],
    ['a maxLength above 99999', { maxLength: 100000 }, /from 1 to 99999/],
    ['a maxLength that 4 ASCII digits cannot express', { lengthBytes: 4, lengthEncoding: 'ascii', maxLength: 10000 }, /at most 9999/],
    ['a maxLength that overflows once the prefix counts itself', { lengthBytes: 4, lengthEncoding: 'ascii', includesPrefix: true, maxLength: 9999 }, /lower maxLength to 9995/],
    ['a TPDU with no room left for a message', { tpdu: true, maxLength: 5 }, /no room for a message after the 5-byte TPDU/],
  ])('rejects %s with a FRAMING_CONFIG error', (_what, options, message) => {
    const err = catchError(() => new LengthPrefixFramer(options as LengthPrefixOptions));
    expect(err).toBeInstanceOf(PoshilError);
    expect(err).toMatchObject({ code: 'FRAMING_CONFIG' });
    expect((err as Error).message).toMatch(message);
  });
});

describe('LengthPrefixFramer wire format', () => {
  it('writes a 2-byte big-endian length before the message', () => {
    expect(new LengthPrefixFramer().encode({ payload: Buffer.from('hello') }).toString('hex')).toBe('0005' + Buffer.from('hello').toString('hex'));
  });

  it('writes 4 ASCII decimal digits when configured for ASCII lengths', () => {
    const framer = new LengthPrefixFramer({ lengthBytes: 4, lengthEncoding: 'ascii' });
    expect(framer.encode({ payload: Buffer.from('hello') }).toString('latin1')).toBe('0005hello');
  });

  it('writes a 4-byte big-endian length when lengthBytes is 4 and the encoding binary', () => {
    expect(new LengthPrefixFramer({ lengthBytes: 4 }).encode({ payload: Buffer.from('hi') }).toString('hex')).toBe('00000002' + '6869');
  });

  it('counts the prefix itself when includesPrefix is set', () => {
    expect(new LengthPrefixFramer({ includesPrefix: true }).encode({ payload: Buffer.from('hi') }).toString('hex')).toBe('0004' + '6869');
  });

  it('puts the 5-byte TPDU between length and message and counts it in the length', () => {
    const bytes = new LengthPrefixFramer({ tpdu: true }).encode({ header: TPDU, payload: Buffer.from('hi') });
    expect(bytes.toString('hex')).toBe('0007' + '6000010000' + '6869');
  });

  it('returns the TPDU as the frame header and the rest as the payload', () => {
    const frames = new LengthPrefixFramer({ tpdu: true }).push(hex('0007 6000010000 6869'));
    expect(frames).toEqual([{ header: TPDU, payload: Buffer.from('hi') }]);
  });

  it('accepts a frame of exactly maxLength bytes', () => {
    const framer = new LengthPrefixFramer({ maxLength: 3 });
    expect(framer.push(framer.encode({ payload: Buffer.from('abc') }))).toEqual([{ payload: Buffer.from('abc') }]);
  });
});

describe.each(configs.map((c) => [describeConfig(c), c] as const))('LengthPrefixFramer round trip, %s', (_name, config) => {
  const frames = sampleFrames(config.tpdu);
  const wire = (): Buffer => Buffer.concat(frames.map((f) => new LengthPrefixFramer(config).encode(f)));

  it('decodes every frame it encodes', () => {
    expect(new LengthPrefixFramer(config).push(wire())).toEqual(frames);
  });

  it('yields the same frames whichever byte boundary the stream is split at', () => {
    const bytes = wire();
    for (let cut = 0; cut <= bytes.length; cut++) {
      const framer = new LengthPrefixFramer(config);
      expect(show(pushAll(framer, [bytes.subarray(0, cut), bytes.subarray(cut)]))).toEqual(show(frames));
      expect(framer.pending).toBe(0);
    }
  });

  it('yields the same frames when fed one byte at a time, and reports the bytes it holds', () => {
    const bytes = wire();
    const framer = new LengthPrefixFramer(config);
    const got: Frame[] = [];
    let sinceLastFrame = 0;
    for (const b of bytes) {
      const out = framer.push(Buffer.from([b]));
      sinceLastFrame = out.length > 0 ? 0 : sinceLastFrame + 1;
      expect(framer.pending).toBe(sinceLastFrame);
      got.push(...out);
    }
    expect(show(got)).toEqual(show(frames));
  });

  it('yields the same frames for any chunking of the stream', () => {
    const bytes = wire();
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: bytes.length - 1 }), { maxLength: 20 }), (cuts) => {
        const points = [0, ...cuts.sort((a, b) => a - b), bytes.length];
        const chunks = points.slice(1).map((end, i) => bytes.subarray(points[i], end));
        expect(show(pushAll(new LengthPrefixFramer(config), chunks))).toEqual(show(frames));
      }),
      { numRuns: 50 },
    );
  });

  it('round-trips arbitrary payloads up to maxLength', () => {
    const room = config.maxLength! - (config.tpdu ? 5 : 0);
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ minLength: 1, maxLength: room }), { minLength: 1, maxLength: 4 }), (payloads) => {
        const sent = payloads.map((p) => (config.tpdu ? { header: TPDU, payload: Buffer.from(p) } : { payload: Buffer.from(p) }));
        const framer = new LengthPrefixFramer(config);
        expect(show(framer.push(Buffer.concat(sent.map((f) => framer.encode(f)))))).toEqual(show(sent));
      }),
      { numRuns: 30 },
    );
  });
});

describe('LengthPrefixFramer on malformed input', () => {
  it('rejects a length above maxLength as soon as the prefix is complete, without waiting for the body', () => {
    const err = expectStreamError(new LengthPrefixFramer({ maxLength: 100 }), hex('0065'), /announces 101 bytes, more than maxLength 100/);
    expect(err.discardedBytes).toBe(2);
  });

  it('rejects a zero length', () => {
    expectStreamError(new LengthPrefixFramer(), hex('0000 41'), /announces 0: an empty frame/);
  });

  it('rejects a length smaller than the prefix it is configured to include', () => {
    expectStreamError(new LengthPrefixFramer({ includesPrefix: true }), hex('0001'), /fewer than the 2-byte prefix/);
  });

  it('rejects a length that cannot hold the TPDU and a message', () => {
    expectStreamError(new LengthPrefixFramer({ tpdu: true }), hex('0005 6000010000'), /too short for the 5-byte TPDU/);
  });

  it('rejects a non-digit in an ASCII length on the first bad byte, before the prefix is complete', () => {
    const framer = new LengthPrefixFramer({ lengthBytes: 4, lengthEncoding: 'ascii' });
    expectStreamError(framer, Buffer.from([0x00]), /length prefix 00 \("\."\) is not 4 ASCII decimal digits/);
  });

  it('rejects a binary length sent to an ASCII-configured link and shows the bytes', () => {
    const framer = new LengthPrefixFramer({ lengthBytes: 4, lengthEncoding: 'ascii' });
    expectStreamError(framer, Buffer.from('00A1rest', 'latin1'), /30 30 41 31 \("00A1"\)/);
  });

  it('rejects an ASCII length of 0000', () => {
    expectStreamError(new LengthPrefixFramer({ lengthBytes: 4, lengthEncoding: 'ascii' }), Buffer.from('0000', 'latin1'), /an empty frame/);
  });

  it('rejects a huge 4-byte binary length', () => {
    expectStreamError(new LengthPrefixFramer({ lengthBytes: 4 }), hex('ffffffff'), /announces 4294967295 bytes/);
  });

  it('hands over the good frames that came before the garbage in the same chunk', () => {
    const framer = new LengthPrefixFramer({ maxLength: 100 });
    const good = framer.encode({ payload: Buffer.from('ok') });
    const err = expectStreamError(framer, Buffer.concat([good, hex('ffff 0102')]), /more than maxLength/);
    expect(err.framesBefore).toEqual([{ payload: Buffer.from('ok') }]);
    expect(err.streamOffset).toBe(good.length);
    expect(err.discardedBytes).toBe(4);
    expect(err.message).toContain(`stream byte ${good.length}`);
  });

  it('starts afresh after an error: the next well-formed frame decodes', () => {
    const framer = new LengthPrefixFramer({ maxLength: 100 });
    expect(() => framer.push(hex('7fff'))).toThrow(FramingError);
    expect(framer.push(framer.encode({ payload: Buffer.from('next') }))).toEqual([{ payload: Buffer.from('next') }]);
  });

  it('never throws anything but FramingError, whatever bytes arrive, and always recovers', () => {
    const configsAndBytes = fc.tuple(fc.constantFrom(...configs), fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 10 }));
    fc.assert(
      fc.property(configsAndBytes, ([config, chunks]) => {
        const framer = new LengthPrefixFramer({ ...config, maxLength: 64 });
        for (const chunk of chunks) {
          try {
            framer.push(Buffer.from(chunk));
          } catch (err) {
            expect(err).toBeInstanceOf(FramingError);
            expect(framer.pending).toBe(0);
          }
          expect(framer.pending).toBeLessThanOrEqual(64 + 4);
        }
        framer.reset();
        const frame = config.tpdu ? { header: TPDU, payload: Buffer.from('again') } : { payload: Buffer.from('again') };
        expect(framer.push(framer.encode(frame))).toEqual([frame]);
      }),
      { numRuns: 200 },
    );
  });
});

describe('LengthPrefixFramer buffering', () => {
  it('keeps its own copy of a partial frame, so the caller may reuse its read buffer', () => {
    const framer = new LengthPrefixFramer();
    const bytes = framer.encode({ payload: Buffer.from('abcdef') });
    const reused = Buffer.from(bytes.subarray(0, 5));
    expect(framer.push(reused)).toEqual([]);
    reused.fill(0xee);
    expect(framer.push(bytes.subarray(5))).toEqual([{ payload: Buffer.from('abcdef') }]);
  });

  it('returns frames that do not share memory with the input chunk', () => {
    const framer = new LengthPrefixFramer();
    const chunk = framer.encode({ payload: Buffer.from('abc') });
    const [frame] = framer.push(chunk);
    chunk.fill(0);
    expect(frame.payload.toString()).toBe('abc');
  });

  it('ignores empty chunks', () => {
    const framer = new LengthPrefixFramer();
    expect(framer.push(Buffer.alloc(0))).toEqual([]);
    expect(framer.pending).toBe(0);
  });

  it('counts a read length prefix as pending until its frame is complete', () => {
    const framer = new LengthPrefixFramer();
    framer.push(hex('0003 61'));
    expect(framer.pending).toBe(3);
    framer.reset();
    expect(framer.pending).toBe(0);
    expect(framer.push(hex('0001 62'))).toEqual([{ payload: Buffer.from('b') }]);
  });

  it('assembles a large frame delivered one byte at a time in linear time', () => {
    const framer = new LengthPrefixFramer({ lengthBytes: 4, maxLength: 99999 });
    const payload = Buffer.alloc(99999, 7);
    const bytes = framer.encode({ payload });
    const started = Date.now();
    const frames: Frame[] = [];
    for (let i = 0; i < bytes.length; i++) {
      const out = framer.push(bytes.subarray(i, i + 1));
      if (out.length > 0) frames.push(...out);
    }
    expect(show(frames)).toEqual(show([{ payload }]));
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

describe('LengthPrefixFramer.encode refuses frames the link cannot carry', () => {
  it.each<[string, LengthPrefixOptions, Frame, RegExp]>([
    ['an empty message', {}, { payload: Buffer.alloc(0) }, /empty message/],
    ['a message longer than maxLength', { maxLength: 4 }, { payload: Buffer.from('hello') }, /5-byte frame: the link's maxLength is 4/],
    ['a message whose TPDU pushes it over maxLength', { tpdu: true, maxLength: 8 }, { header: TPDU, payload: Buffer.from('abcd') }, /9-byte frame/],
    ['a frame without the TPDU the link expects', { tpdu: true }, { payload: Buffer.from('x') }, /configured with a TPDU \(tpdu: true\) but the frame to send has none/],
    ['a TPDU of the wrong size', { tpdu: true }, { header: Buffer.from([0x60, 0, 1]), payload: Buffer.from('x') }, /exactly 5 bytes .* has 3/],
    ['a header on a link without TPDU', {}, { header: TPDU, payload: Buffer.from('x') }, /5-byte header but this link has no TPDU/],
  ])('refuses %s with a FramingError', (_what, options, frame, message) => {
    const framer = new LengthPrefixFramer(options);
    framer.push(hex('00')); // half a prefix: encode errors must not disturb the receive side
    const err = catchError(() => framer.encode(frame));
    expect(err).toBeInstanceOf(FramingError);
    expect((err as Error).message).toMatch(message);
    expect(framer.pending).toBe(1);
  });
});
