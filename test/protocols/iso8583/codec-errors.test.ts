import { Iso8583Error, PoshilError } from '../../../harness/errors';
import { Iso8583Codec } from '../../../harness/protocols/iso8583/codec';
import { loadPackager } from '../../../harness/protocols/iso8583/packager';
import type { Iso8583Message, PackagerDef } from '../../../harness/protocols/iso8583/types';

const ascii = new Iso8583Codec(loadPackager('iso87ascii', __dirname));
const binary = new Iso8583Codec(loadPackager('iso87binary', __dirname));

/** A small dialect exercising binary length prefixes and hex-ASCII binary data. */
const small: PackagerDef = {
  name: 'small',
  mtiEncoding: 'ascii',
  bitmapEncoding: 'binary',
  fields: {
    '2': { name: 'PRIMARY ACCOUNT NUMBER', type: 'n', length: 19, lengthType: 'llvar', lengthEncoding: 'binary' },
    '3': { name: 'PROCESSING CODE', type: 'n', length: 6, lengthType: 'fixed' },
    '48': { name: 'ADDITIONAL DATA - PRIVATE', type: 'ans', length: 300, lengthType: 'lllvar', lengthEncoding: 'binary' },
    '52': { name: 'PIN DATA', type: 'b', length: 8, lengthType: 'fixed' },
  },
};
const smallCodec = new Iso8583Codec(small);

function caught(fn: () => unknown): Iso8583Error {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(Iso8583Error);
    expect(err).toMatchObject({ code: 'ISO8583_ERROR', exitCode: 1 });
    return err as Iso8583Error;
  }
  throw new Error('expected an Iso8583Error');
}

const packErr = (codec: Iso8583Codec, m: Iso8583Message): Iso8583Error => caught(() => codec.pack(m));
const unpackErr = (codec: Iso8583Codec, bytes: Buffer): Iso8583Error => caught(() => codec.unpack(bytes));
const latin1 = (s: string): Buffer => Buffer.from(s, 'latin1');
const hexBytes = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('packing refuses values the packager cannot carry, naming the field', () => {
  it.each<[string, Iso8583Message, number | 'mti', string]>([
    ['an MTI of three digits', { mti: '200', fields: {} }, 'mti', 'MTI must be 4 digits such as "0200" (ISO 8583:1987: version, class, function, origin), found 3 characters "200"'],
    ['an MTI with letters', { mti: '02A0', fields: {} }, 'mti', 'MTI must be 4 digits'],
    ['a letter in a numeric field', { mti: '0200', fields: { 3: '00A000' } }, 3, 'field 3 (PROCESSING CODE): character "A" at position 3 is not allowed: an n field takes digits 0-9 only'],
    ['a numeric value longer than its fixed field', { mti: '0200', fields: { 4: '1234567890123' } }, 4, 'field 4 (AMOUNT, TRANSACTION): the value has 13 digits but this fixed field takes exactly 12: give 1 to 12 digits (shorter values are zero-filled on the left)'],
    ['an empty fixed numeric value', { mti: '0200', fields: { 11: '' } }, 11, 'field 11 (SYSTEMS TRACE AUDIT NUMBER): the value has 0 digits but this fixed field takes exactly 6'],
    ['a fixed alphanumeric value of the wrong length', { mti: '0200', fields: { 41: 'TERM1' } }, 41, 'field 41 (CARD ACCEPTOR TERMINAL IDENTIFICATION): the value has 5 characters but this fixed field takes exactly 8: pad or trim it to that length'],
    ['punctuation in an an field', { mti: '0200', fields: { 39: '0*' } }, 39, 'field 39 (RESPONSE CODE): character "*" at position 2 is not allowed: an an field takes letters, digits and space only'],
    ['a non-ASCII character in an ans field', { mti: '0200', fields: { 43: 'Caf\u00e9'.padEnd(40) } }, 43, 'character U+00E9 at position 4 is not allowed: an ans field takes printable ASCII characters only'],
    ['a control character in an ans field', { mti: '0200', fields: { 48: 'a\nb' } }, 48, 'character U+000A at position 2'],
    ['a PAN longer than its LLVAR maximum', { mti: '0200', fields: { 2: '1'.repeat(20) } }, 2, 'field 2 (PRIMARY ACCOUNT NUMBER): the value has 20 digits but this llvar field takes at most 19'],
    ['an LLLVAR value over its maximum', { mti: '0200', fields: { 48: 'x'.repeat(1000) } }, 48, 'the value has 1000 characters but this lllvar field takes at most 999'],
    ['an invalid track 2 character', { mti: '0200', fields: { 35: '4761739001010010^2512' } }, 35, 'field 35 (TRACK 2 DATA): character "^" at position 17 is not allowed: a z field takes digits and the separator "=" (or "D") only'],
    ['an odd number of hex characters in a b field', { mti: '0200', fields: { 52: '0123456789ABCDE' } }, 52, 'field 52 (PERSONAL IDENTIFICATION NUMBER DATA): the hex value has 15 characters, an odd number'],
    ['a non-hex character in a b field', { mti: '0200', fields: { 52: '0123456789ABCDEG' } }, 52, 'character "G" at position 16 is not allowed: a b field takes hex digits only'],
    ['a b value of the wrong fixed length', { mti: '0200', fields: { 52: '0123' } }, 52, 'the value has 2 bytes but this fixed field takes exactly 8'],
    ['field 1, which is the secondary bitmap', { mti: '0200', fields: { 1: '0000000000000000' } }, 1, 'field 1 is the secondary bitmap: leave it out'],
  ])('refuses %s', (_what, message, field, text) => {
    const err = packErr(ascii, message);
    expect(err.message).toContain(text);
    expect(err.field).toBe(field);
    expect(err.offset).toBeUndefined();
  });

  it('refuses a field the packager does not define', () => {
    const err = packErr(smallCodec, { mti: '0200', fields: { 4: '1' } });
    expect(err.message).toBe('field 4 is not defined in packager "small", so it cannot be sent');
    expect(err.field).toBe(4);
  });

  it.each(['0', '129', 'abc', '2.5', '-3'])('refuses field key "%s", which is not a data element number', (key) => {
    const err = packErr(ascii, { mti: '0200', fields: { [key]: '1' } as unknown as Record<number, string> });
    expect(err.message).toBe(`"${key}" is not a data element number: fields are numbered 2 to 128`);
  });

  it('refuses a value that is not a string', () => {
    const err = packErr(ascii, { mti: '0200', fields: { 4: 1000 } as unknown as Record<number, string> });
    expect(err.message).toBe('field 4 (AMOUNT, TRANSACTION): the value must be a string (b fields as hex), found number');
  });

  it('refuses something that is not a message', () => {
    expect(caught(() => ascii.pack(null as unknown as Iso8583Message)).message).toMatch(/must be an object \{ mti, fields \}/);
  });

  it('leaves out fields whose value is undefined', () => {
    const packed = ascii.pack({ mti: '0800', fields: { 11: '000001', 12: undefined } as unknown as Record<number, string> });
    expect(packed.toString('latin1')).toBe('0800' + '0020000000000000' + '000001');
  });

  it('never repeats a card number in its error messages', () => {
    const pan = '4761739001010010';
    expect(packErr(ascii, { mti: '0200', fields: { 2: `${pan}0000` } }).message).not.toContain(pan);
    expect(packErr(ascii, { mti: '0200', fields: { 35: `${pan}=25X` } }).message).not.toContain(pan);
  });
});

describe('unpacking reports where a message breaks, naming field and byte offset', () => {
  it.each<[string, Iso8583Codec, Buffer, number | 'mti' | 'bitmap' | undefined, number, string]>([
    // MTI
    ['an empty buffer', ascii, Buffer.alloc(0), 'mti', 0, 'MTI: expected 4 bytes at offset 0, found 0: the message is truncated'],
    ['a non-digit ASCII MTI', ascii, latin1('02X0'), 'mti', 2, 'MTI: byte 0x58 at offset 2 is not an ASCII digit; this packager expects a 4-character ASCII MTI'],
    ['a BCD MTI that is not BCD', binary, hexBytes('02A0'), 'mti', 1, 'MTI: byte 0xA0 at offset 1 is not packed BCD'],
    ['a BCD MTI cut short', binary, hexBytes('02'), 'mti', 0, 'MTI: expected 2 bytes at offset 0, found 1'],
    // bitmaps
    ['a primary bitmap cut short', ascii, latin1('0200302000'), 'bitmap', 4, 'primary bitmap: expected 16 hex characters at offset 4, found 6 bytes: the message is truncated'],
    ['a binary bitmap where hex was expected', ascii, Buffer.concat([latin1('0200'), hexBytes('3020000000800000'), latin1('00000000')]), 'bitmap', 5, 'primary bitmap: byte 0x20 at offset 5 is not a hex character'],
    ['a secondary bitmap announced but missing', binary, hexBytes('0800 8220000000000000 0400'), 'bitmap', 10, 'secondary bitmap (bit 1 of the primary bitmap announces it): expected 8 bytes at offset 10, found 2 bytes'],
    // fixed fields
    ['a fixed numeric field cut short', ascii, latin1('0200' + '1000000000000000' + '0000001'), 4, 20, 'field 4 (AMOUNT, TRANSACTION): expected 12 digits at offset 20, found 7 bytes: the message is truncated'],
    ['a packed numeric field cut short', binary, hexBytes('0200 1000000000000000 000000'), 4, 10, 'field 4 (AMOUNT, TRANSACTION): expected 12 digits (6 bytes of packed BCD) at offset 10, found 3 bytes'],
    ['a letter in an ASCII numeric field', ascii, latin1('0200' + '2000000000000000' + '00A000'), 3, 22, 'field 3 (PROCESSING CODE): byte 0x41 ("A") at offset 22 is not allowed: an n field takes digits 0-9 only'],
    ['a nibble above 9 in a packed numeric field', binary, hexBytes('0200 2000000000000000 00B000'), 3, 11, 'field 3 (PROCESSING CODE): byte 0xB0 at offset 11 holds nibble B, which is not packed BCD (expected digits 0-9)'],
    ['a filler nibble that is neither 0 nor F', binary, hexBytes('0200 0000040000000000 5051'), 22, 10, 'field 22 (POINT OF SERVICE ENTRY MODE): filler nibble 5 in byte 0x50 at offset 10 should be 0 or F'],
    ['a control byte in an ans field', ascii, Buffer.concat([latin1('0200' + '0000000000800000' + 'TERM'), Buffer.from([0]), latin1('001')]), 41, 24, 'field 41 (CARD ACCEPTOR TERMINAL IDENTIFICATION): byte 0x00 at offset 24 is not allowed: an ans field takes printable ASCII'],
    ['punctuation in an an field', ascii, latin1('0200' + '0000000002000000' + '0!'), 39, 21, 'field 39 (RESPONSE CODE): byte 0x21 ("!") at offset 21 is not allowed'],
    ['a non-hex character in a hex-ASCII b field', ascii, latin1('0200' + '0000000000001000' + '0123456789ABCDEZ'), 52, 35, 'field 52 (PERSONAL IDENTIFICATION NUMBER DATA): byte 0x5A ("Z") at offset 35 is not allowed: a b field takes hex digits only'],
    ['a binary b field cut short', binary, hexBytes('0200 0000000000001000 01020304'), 52, 10, 'field 52 (PERSONAL IDENTIFICATION NUMBER DATA): expected 8 bytes at offset 10, found 4 bytes'],
    ['a hex-ASCII b field cut short', ascii, latin1('0200' + '0000000000001000' + '0123'), 52, 20, 'expected 8 bytes (16 hex characters) at offset 20, found 4 bytes'],
    // variable fields
    ['an LL prefix cut short', ascii, latin1('0200' + '4000000000000000' + '1'), 2, 20, 'field 2 (PRIMARY ACCOUNT NUMBER): expected a 2-byte LL length prefix at offset 20, found 1 byte: the message is truncated'],
    ['a non-digit ASCII LL prefix', ascii, latin1('0200' + '4000000000000000' + '1x4761'), 2, 21, 'field 2 (PRIMARY ACCOUNT NUMBER): LL length prefix byte 0x78 ("x") at offset 21 is not an ASCII digit'],
    ['an LL prefix above the field maximum', ascii, latin1('0200' + '4000000000000000' + '20' + '1'.repeat(20)), 2, 20, 'field 2 (PRIMARY ACCOUNT NUMBER): LL length prefix at offset 20 says 20 digits, more than the 19 this field allows'],
    ['a BCD LL prefix that is not BCD', binary, hexBytes('0200 4000000000000000 1A 47617390'), 2, 10, 'LL length prefix byte 0x1A at offset 10 is not packed BCD'],
    ['a BCD LLL prefix above the field maximum', binary, hexBytes('0200 0000000000010000 1000'), 48, 10, 'field 48 (ADDITIONAL DATA - PRIVATE): LLL length prefix at offset 10 says 1000 characters, more than the 999 this field allows'],
    ['an LLVAR value cut short', ascii, latin1('0200' + '4000000000000000' + '16' + '4761739001'), 2, 22, 'field 2 (PRIMARY ACCOUNT NUMBER): expected 16 digits at offset 22, found 10 bytes: the message is truncated'],
    ['a binary LL prefix above the maximum', smallCodec, Buffer.concat([latin1('0200'), hexBytes('4000000000000000 14')]), 2, 12, 'field 2 (PRIMARY ACCOUNT NUMBER): LL length prefix at offset 12 says 20 digits, more than the 19 this field allows'],
    ['a binary LLL prefix cut short', smallCodec, Buffer.concat([latin1('0200'), hexBytes('0000000000010000 01')]), 48, 12, 'field 48 (ADDITIONAL DATA - PRIVATE): expected a 2-byte LLL length prefix at offset 12, found 1 byte'],
    ['a track 2 nibble that is not a digit or separator', binary, hexBytes('0100 0000000020000000 04 12A4'), 35, 12, 'field 35 (TRACK 2 DATA): byte 0xA4 at offset 12 holds nibble A, which is not packed BCD (expected digits and the separator nibble D)'],
    // whole-message problems
    ['a field the packager does not define', smallCodec, Buffer.concat([latin1('0200'), hexBytes('1000000000000000'), latin1('000000001000')]), 4, 12, 'the bitmap announces field 4, which packager "small" does not define, so the message cannot be read from offset 12 on'],
    ['bytes after the last field', ascii, latin1('0200' + '2000000000000000' + '000000' + 'XYZ'), undefined, 26, '3 unexpected bytes at offset 26, after the last field, field 3 (PROCESSING CODE): the bitmap does not account for them'],
    ['bytes after an empty bitmap', ascii, latin1('0200' + '0000000000000000' + 'X'), undefined, 20, '1 unexpected byte at offset 20, after the bitmap'],
  ])('reports %s', (_what, codec, bytes, field, offset, text) => {
    const err = unpackErr(codec, bytes);
    expect(err.message).toContain(text);
    expect(err.field).toBe(field);
    expect(err.offset).toBe(offset);
  });

  it('refuses input that is not a Buffer', () => {
    expect(caught(() => ascii.unpack('0800' as unknown as Buffer)).message).toBe('cannot unpack: the data must be a Buffer');
  });

  it('never repeats a card number in its error messages', () => {
    const pan = '4761739001010010';
    const err = unpackErr(ascii, latin1('0200' + '4000000000000000' + '17' + pan));
    expect(err.message).not.toContain(pan);
  });
});

describe('the codec constructor', () => {
  it('validates a code-built packager like a file and says which packager is wrong', () => {
    const bad = { ...small, fields: { ...small.fields, '41': { name: 'TID', type: 'ans', length: 8, lengthType: 'fixed', dataEncoding: 'bcd' } } } as PackagerDef;
    expect(() => new Iso8583Codec(bad)).toThrow(PoshilError);
    expect(() => new Iso8583Codec(bad)).toThrow('packager "small" is invalid:\n  /fields/41/dataEncoding: must be "ascii", found "bcd" (for a field of type "ans")');
  });

  it('rejects something that is not a packager at all', () => {
    expect(() => new Iso8583Codec(undefined as unknown as PackagerDef)).toThrow(expect.objectContaining({ code: 'PACKAGER_INVALID' }));
  });
});
