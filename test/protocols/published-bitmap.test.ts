import { Iso8583Codec } from '../../harness/protocols/iso8583/codec';
import { loadPackager } from '../../harness/protocols/iso8583/packager';

/**
 * The bitmap worked example published in the Wikipedia article "ISO 8583" (section
 * "Bitmaps"): primary bitmap 4210001102C04804 means data elements 2, 7, 12, 28, 32, 39, 41,
 * 42, 50, 53 and 62 are present. Checked both ways: a message with exactly those fields packs
 * to that bitmap, and that bitmap unpacks to exactly those fields.
 */
const FIELDS = [2, 7, 12, 28, 32, 39, 41, 42, 50, 53, 62];
const message = {
  mti: '0110',
  fields: {
    2: '4761739001010119',
    7: '1124103000',
    12: '103000',
    28: 'C00000100',
    32: '12345678901',
    39: '00',
    41: 'POSHIL01',
    42: 'POSHIL000000001',
    50: '978',
    53: '0000000000000000',
    62: 'free text',
  },
};

describe('published ISO 8583 bitmap example (4210001102C04804)', () => {
  const codec = new Iso8583Codec(loadPackager('iso87ascii', __dirname));

  it('packs fields 2, 7, 12, 28, 32, 39, 41, 42, 50, 53, 62 into bitmap 4210001102C04804', () => {
    const packed = codec.pack(message).toString('latin1');
    expect(packed.slice(0, 4)).toBe('0110');
    expect(packed.slice(4, 20)).toBe('4210001102C04804');
  });

  it('unpacks the message to exactly those fields', () => {
    const back = codec.unpack(codec.pack(message));
    expect(Object.keys(back.fields).map(Number)).toEqual(FIELDS);
    expect(back).toEqual(message);
  });
});
