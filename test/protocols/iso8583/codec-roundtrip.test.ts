import fc from 'fast-check';
import { Iso8583Error } from '../../../harness/errors';
import { encodeBitmap } from '../../../harness/protocols/iso8583/bitmap';
import { Iso8583Codec } from '../../../harness/protocols/iso8583/codec';
import { packField, resolveFieldSpec } from '../../../harness/protocols/iso8583/field-codec';
import type { Iso8583Message } from '../../../harness/protocols/iso8583/types';
import { longestValue, messageFor, packagersUnderTest } from './message-arbitrary';

const RUNS = 200;

/** Field keys as unpack() gives them, so messages built with string keys compare equal. */
function normalised(m: Iso8583Message): Iso8583Message {
  const fields: Record<number, string> = {};
  for (const [k, v] of Object.entries(m.fields)) fields[Number(k)] = v;
  return { mti: m.mti, fields };
}

describe.each(packagersUnderTest())('ISO 8583 codec with packager %s', (_name, packager) => {
  const codec = new Iso8583Codec(packager);
  const messages = messageFor(packager);

  it('unpacks every message it packs to the same message, which packs back to the same bytes', () => {
    fc.assert(
      fc.property(messages, (m) => {
        const bytes = codec.pack(m);
        const unpacked = codec.unpack(bytes);
        expect(unpacked).toEqual(normalised(m));
        expect(codec.pack(unpacked).equals(bytes)).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  it('reports a truncated message as an Iso8583Error wherever it is cut', () => {
    fc.assert(
      fc.property(messages, fc.nat(), (m, cutSeed) => {
        const bytes = codec.pack(m);
        const cut = cutSeed % bytes.length;
        expect(() => codec.unpack(bytes.subarray(0, cut))).toThrow(Iso8583Error);
      }),
      { numRuns: RUNS },
    );
  });

  it('reports bytes after the last field as an Iso8583Error naming their offset', () => {
    fc.assert(
      fc.property(messages, fc.uint8Array({ minLength: 1, maxLength: 8 }), (m, extra) => {
        const bytes = codec.pack(m);
        expect(() => codec.unpack(Buffer.concat([bytes, extra]))).toThrow(`unexpected byte${extra.length === 1 ? '' : 's'} at offset ${bytes.length}`);
      }),
      { numRuns: RUNS },
    );
  });

  it('never fails with anything but Iso8583Error on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        try {
          codec.unpack(Buffer.from(bytes));
        } catch (err) {
          expect(err).toBeInstanceOf(Iso8583Error);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('never fails with anything but Iso8583Error on a message with one byte corrupted', () => {
    fc.assert(
      fc.property(messages, fc.nat(), fc.integer({ min: 1, max: 255 }), (m, at, flip) => {
        const bytes = Buffer.from(codec.pack(m));
        bytes[at % bytes.length] ^= flip;
        try {
          codec.unpack(bytes);
        } catch (err) {
          expect(err).toBeInstanceOf(Iso8583Error);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('carries every field at its maximum length', () => {
    const fields: Record<number, string> = {};
    for (const [n, def] of Object.entries(packager.fields)) fields[Number(n)] = longestValue(def);
    const m = { mti: '0200', fields };
    expect(codec.unpack(codec.pack(m))).toEqual(m);
  });

  it('carries every variable field empty', () => {
    const fields: Record<number, string> = {};
    for (const [n, def] of Object.entries(packager.fields)) if (def.lengthType !== 'fixed') fields[Number(n)] = '';
    const m = { mti: '0200', fields };
    expect(codec.unpack(codec.pack(m))).toEqual(m);
  });
});

describe('ISO 8583 codec: the text fast path', () => {
  // pack() writes text-only dialects straight into the message's bytes; every byte must be what the
  // field-by-field path (packField, encodeBitmap) writes, or the two would disagree on the wire.
  const reference = (codec: Iso8583Codec, m: Iso8583Message): Buffer => {
    const numbers = Object.keys(m.fields).map(Number).sort((a, b) => a - b);
    const specs = numbers.map((n) => resolveFieldSpec(n, codec.packager.fields[String(n)]!));
    return Buffer.concat([Buffer.from(m.mti, 'latin1'), encodeBitmap(numbers, codec.packager.bitmapEncoding), ...specs.map((s) => packField(s, m.fields[s.number]))]);
  };

  it.each(packagersUnderTest().filter(([, p]) => p.mtiEncoding !== 'bcd'))('writes the same bytes as field by field (%s)', (_name, packager) => {
    const codec = new Iso8583Codec(packager);
    fc.assert(
      fc.property(messageFor(packager), (m) => {
        expect(codec.pack(m).equals(reference(codec, m))).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  it('zero-fills short fixed n values and uppercases b values as the slow path does', () => {
    const [, packager] = packagersUnderTest()[0]!;
    const codec = new Iso8583Codec(packager);
    const m: Iso8583Message = { mti: '0200', fields: { 4: '1234', 11: '7', 52: '0123456789abcdef' } };
    expect(codec.pack(m).equals(reference(codec, m))).toBe(true);
    expect(codec.unpack(codec.pack(m)).fields).toEqual({ 4: '000000001234', 11: '000007', 52: '0123456789ABCDEF' });
  });
});
