import { PoshilError } from '../../harness/errors';
import { framingSchemas } from '../../harness/framing/config-schemas';
import { LengthPrefixFramer } from '../../harness/framing/length-prefix';
import { createFramer, framerFactories } from '../../harness/framing/registry';
import { StxEtxLrcFramer } from '../../harness/framing/stx-etx-lrc';
import { ZvtSerialFramer } from '../../harness/framing/zvt-serial';
import { ZvtTcpFramer } from '../../harness/framing/zvt-tcp';

describe('createFramer', () => {
  it('has a factory for every framing type the device-profile schema allows, and no other', () => {
    expect(Object.keys(framerFactories).sort()).toEqual(Object.keys(framingSchemas).sort());
  });

  it('builds a length-prefix framer from a device-profile framing block', () => {
    const framer = createFramer({ type: 'length-prefix', lengthBytes: 4, lengthEncoding: 'ascii', tpdu: true });
    expect(framer).toBeInstanceOf(LengthPrefixFramer);
    expect((framer as LengthPrefixFramer).options).toMatchObject({ lengthBytes: 4, lengthEncoding: 'ascii', tpdu: true });
  });

  it('builds an stx-etx-lrc framer with the concert preset from a device-profile framing block', () => {
    const framer = createFramer({ type: 'stx-etx-lrc', preset: 'concert' });
    expect(framer).toBeInstanceOf(StxEtxLrcFramer);
    expect((framer as StxEtxLrcFramer).options).toMatchObject({ preset: 'concert', enqHandshake: true, lrcIncludesEtx: true });
  });

  it('builds the ZVT serial and TCP framers', () => {
    expect(createFramer({ type: 'zvt-serial', maxLength: 4096 })).toBeInstanceOf(ZvtSerialFramer);
    expect(createFramer({ type: 'zvt-tcp' })).toBeInstanceOf(ZvtTcpFramer);
  });

  it('has a described schema that refuses unknown options for every framing type', () => {
    for (const schema of Object.values(framingSchemas)) {
      expect(schema).toMatchObject({ type: 'object', additionalProperties: false, required: ['type'] });
      expect(typeof schema.description).toBe('string');
    }
  });

  it('rejects an unknown framing type with FRAMING_CONFIG, listing the known ones', () => {
    expect(() => createFramer({ type: 'stx-etx' })).toThrow(PoshilError);
    expect(() => createFramer({ type: 'stx-etx' })).toThrow(/unknown framing type "stx-etx"; known types: length-prefix, stx-etx-lrc, zvt-serial, zvt-tcp/);
  });

  it('does not treat inherited object properties as framing types', () => {
    expect(() => createFramer({ type: 'toString' })).toThrow(/unknown framing type/);
  });

  it('passes option errors through as FRAMING_CONFIG', () => {
    expect(() => createFramer({ type: 'length-prefix', lengthBytes: 3 })).toThrow(expect.objectContaining({ code: 'FRAMING_CONFIG' }));
  });
});
