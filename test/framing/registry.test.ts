import { PoshilError } from '../../harness/errors';
import { framingSchemas } from '../../harness/framing/config-schemas';
import { LengthPrefixFramer } from '../../harness/framing/length-prefix';
import { createFramer, framerFactories } from '../../harness/framing/registry';

describe('createFramer', () => {
  it('has a factory for every framing type the device-profile schema allows, and no other', () => {
    expect(Object.keys(framerFactories).sort()).toEqual(Object.keys(framingSchemas).sort());
  });

  it('builds a length-prefix framer from a device-profile framing block', () => {
    const framer = createFramer({ type: 'length-prefix', lengthBytes: 4, lengthEncoding: 'ascii', tpdu: true });
    expect(framer).toBeInstanceOf(LengthPrefixFramer);
    expect((framer as LengthPrefixFramer).options).toMatchObject({ lengthBytes: 4, lengthEncoding: 'ascii', tpdu: true });
  });

  it('rejects an unknown framing type with FRAMING_CONFIG, listing the known ones', () => {
    expect(() => createFramer({ type: 'stx-etx' })).toThrow(PoshilError);
    expect(() => createFramer({ type: 'stx-etx' })).toThrow(/unknown framing type "stx-etx"; known types: length-prefix/);
  });

  it('does not treat inherited object properties as framing types', () => {
    expect(() => createFramer({ type: 'toString' })).toThrow(/unknown framing type/);
  });

  it('passes option errors through as FRAMING_CONFIG', () => {
    expect(() => createFramer({ type: 'length-prefix', lengthBytes: 3 })).toThrow(expect.objectContaining({ code: 'FRAMING_CONFIG' }));
  });
});
