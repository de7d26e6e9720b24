/**
 * Messages built field by field with their wire bytes worked out by hand from ISO 8583:1987
 * (bit n of the bitmap = data element n, bit 1 the most significant bit of the first byte)
 * and the jPOS ISO87A/ISO87B layouts. The expected bytes are written out literally, never
 * computed by the code under test.
 */
import * as path from 'node:path';
import { Iso8583Codec } from '../../../harness/protocols/iso8583/codec';
import { loadPackager } from '../../../harness/protocols/iso8583/packager';
import { FIXTURE_DIR } from './message-arbitrary';

const ascii = new Iso8583Codec(loadPackager('iso87ascii', __dirname));
const binary = new Iso8583Codec(loadPackager('iso87binary', __dirname));
const dialect = new Iso8583Codec(loadPackager(path.join(FIXTURE_DIR, 'ascii-fields-binary-bitmap.json'), '/'));

const hex = (s: string): string => s.replace(/\s+/g, '').toLowerCase();

describe('0800 network management echo test (field 70 = 301)', () => {
  // Fields 7, 11 and 70. Field 70 is in the secondary bitmap, so bit 1 is set:
  //   primary   bits 1, 7, 11 -> 1000 0010 | 0010 0000 | 0 ... -> 82 20 00 00 00 00 00 00
  //   secondary bit 70 = bit 6 of the secondary -> 0000 0100 -> 04 00 00 00 00 00 00 00
  const echo = { mti: '0800', fields: { 7: '0612143000', 11: '000001', 70: '301' } };

  it('packs in iso87ascii as ASCII MTI, 32 hex characters of bitmap and ASCII digits', () => {
    expect(ascii.pack(echo).toString('latin1')).toBe('0800' + '8220000000000000' + '0400000000000000' + '0612143000' + '000001' + '301');
  });

  it('packs in iso87binary as BCD MTI, 16 binary bitmap bytes and packed BCD, n 3 filled on the left', () => {
    expect(binary.pack(echo).toString('hex')).toBe(hex('0800 8220000000000000 0400000000000000 0612143000 000001 0301'));
  });

  it('unpacks the same bytes back to the message', () => {
    expect(binary.unpack(Buffer.from(hex('0800 8220000000000000 0400000000000000 0612143000 000001 0301'), 'hex'))).toEqual(echo);
  });
});

describe('0200 financial request with fields 3, 4, 11 and 41', () => {
  // bits 3, 4 -> 0011 0000 = 30; bit 11 -> 0010 0000 = 20; bit 41 -> byte 6 = 80
  const sale = { mti: '0200', fields: { 3: '000000', 4: '000000001000', 11: '000123', 41: 'TERM0001' } };

  it('has bitmap 3020000000800000', () => {
    expect(ascii.pack(sale).toString('latin1', 4, 20)).toBe('3020000000800000');
  });

  it('packs in iso87ascii', () => {
    expect(ascii.pack(sale).toString('latin1')).toBe('0200' + '3020000000800000' + '000000' + '000000001000' + '000123' + 'TERM0001');
  });

  it('packs in iso87binary with field 41 still in ASCII', () => {
    expect(binary.pack(sale).toString('hex')).toBe(hex('0200 3020000000800000 000000 000000001000 000123 5445524D30303031'));
  });

  it('zero-fills a short amount on the left', () => {
    expect(ascii.pack({ mti: '0200', fields: { ...sale.fields, 4: '1000' } }).equals(ascii.pack(sale))).toBe(true);
  });
});

describe('0200 card-present purchase with track 2 and PIN block', () => {
  // Fields 2 3 4 7 11 12 13 14 22 25 35 41 42 49 52:
  //   byte 1 bits 2,3,4,7 -> 0111 0010 = 72   byte 2 bits 11-14 -> 0011 1100 = 3C
  //   byte 3 bit 22       -> 0000 0100 = 04   byte 4 bit 25     -> 1000 0000 = 80
  //   byte 5 bit 35       -> 0010 0000 = 20   byte 6 bits 41,42 -> 1100 0000 = C0
  //   byte 7 bits 49,52   -> 1001 0000 = 90   byte 8            -> 00
  const pan = '4761739001010010'; // a published Visa test card number
  const purchase = {
    mti: '0200',
    fields: {
      2: pan,
      3: '000000',
      4: '000000010000',
      7: '0612143000',
      11: '000123',
      12: '143000',
      13: '0612',
      14: '2512',
      22: '051',
      25: '00',
      35: `${pan}=2512201175890000`, // 33 characters: odd, so packed BCD needs a filler nibble
      41: 'TERM0001',
      42: 'MERCHANT0000001',
      49: '978',
      52: '0123456789ABCDEF',
    },
  };

  it('packs in iso87ascii', () => {
    expect(ascii.pack(purchase).toString('latin1')).toBe(
      '0200' +
        '723C048020C09000' +
        `16${pan}` +
        '000000' +
        '000000010000' +
        '0612143000' +
        '000123' +
        '143000' +
        '0612' +
        '2512' +
        '051' +
        '00' +
        `33${pan}=2512201175890000` +
        'TERM0001' +
        'MERCHANT0000001' +
        '978' +
        '0123456789ABCDEF',
    );
  });

  it('packs in iso87binary: BCD lengths, track 2 separator as nibble D and filler F, raw PIN block', () => {
    expect(binary.pack(purchase).toString('hex')).toBe(
      hex(`
        0200
        723C048020C09000
        16 4761739001010010
        000000
        000000010000
        0612143000
        000123
        143000
        0612
        2512
        0051
        00
        33 4761739001010010D2512201175890000F
        5445524D30303031
        4D45524348414E54 30303030303031
        393738
        0123456789ABCDEF`),
    );
  });

  it('unpacks the binary form back to the message, separator as "="', () => {
    expect(binary.unpack(binary.pack(purchase))).toEqual(purchase);
  });

  it('accepts "D" as the track 2 separator and sends it as the same nibble', () => {
    const withD = { ...purchase, fields: { ...purchase.fields, 35: `${pan}D2512201175890000` } };
    expect(binary.pack(withD).equals(binary.pack(purchase))).toBe(true);
  });
});

describe('iso87binary packed-BCD details', () => {
  it('fills an odd-length PAN on the right with a 0 nibble, as jPOS IFB_LLNUM', () => {
    expect(binary.pack({ mti: '0100', fields: { 2: '4761739001010010123' } }).toString('hex')).toBe(hex('0100 4000000000000000 19 47617390010100101230'));
  });

  it('writes an LLL length as two bytes of BCD', () => {
    const data = 'x'.repeat(123);
    const packed = binary.pack({ mti: '0100', fields: { 48: data } });
    expect(packed.subarray(10, 12).toString('hex')).toBe('0123');
    expect(packed.subarray(12).toString('latin1')).toBe(data);
  });

  it('accepts an F filler in track 2 from devices that pad that way, and a 0 filler as jPOS writes', () => {
    for (const filler of ['F', '0']) {
      const bytes = Buffer.from(hex(`0100 0000000020000000 05 123D4${filler}`), 'hex');
      expect(binary.unpack(bytes)).toEqual({ mti: '0100', fields: { 35: '123=4' } });
    }
  });
});

describe('a dialect described only by a packager file (ASCII fields, binary bitmap, binary lengths)', () => {
  // bits 1 (secondary), 2, 3, 4 -> F0; bit 11 -> 20; bit 41 -> byte 6 = 80; bit 55 -> byte 7 = 02
  // secondary: bit 128 -> last bit -> 00 ... 01
  const m = {
    mti: '0200',
    fields: { 2: '4761739001010010', 3: '000000', 4: '000000001000', 11: '000001', 41: 'TERM0001', 55: '9F2701809F360200FF', 128: '0011223344AABBCC' },
  };

  it('packs ASCII MTI and data around a binary bitmap and binary length prefixes', () => {
    const expected = Buffer.concat([
      Buffer.from('0200', 'latin1'),
      Buffer.from('F020000000800200' + '0000000000000001', 'hex'),
      Buffer.from([16]),
      Buffer.from('4761739001010010' + '000000' + '000000001000' + '000001' + 'TERM0001', 'latin1'),
      Buffer.from('0009' + '9F2701809F360200FF', 'hex'),
      Buffer.from('0011223344AABBCC', 'latin1'),
    ]);
    expect(dialect.pack(m).toString('hex')).toBe(expected.toString('hex'));
  });

  it('unpacks its own bytes', () => {
    expect(dialect.unpack(dialect.pack(m))).toEqual(m);
  });
});
