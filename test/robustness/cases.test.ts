import { mulberry32 } from '../../harness/faults/random';
import { applicableCategories, generateCases } from '../../harness/robustness/cases';
import { buildStackCodec, isWellFormed, splitBytes } from '../../harness/robustness/stack-codec';
import { authorisation } from '../../harness/protocols/zvt/commands';
import type { FramingConfig, ProtocolConfig } from '../../harness/suite/types';

/** The campaign's inputs: seeded, per stack, and malformed where they claim to be. */
const iso = (framing: FramingConfig, packager = 'iso87ascii') => buildStackCodec({ framing, protocol: { type: 'iso8583', packager } as ProtocolConfig, baseDir: process.cwd() }, ['30', '12']);
const zvt = (framing: FramingConfig) => buildStackCodec({ framing, protocol: { type: 'zvt' }, baseDir: process.cwd() }, []);

describe('robustness cases', () => {
  it('offers only the categories that mean something on the stack', async () => {
    expect(applicableCategories(await iso({ type: 'length-prefix', lengthBytes: 2, maxLength: 8192 }))).toEqual(['truncated', 'oversize-length', 'negative-length', 'unknown-command', 'random-bytes', 'mutation']);
    expect(applicableCategories(await iso({ type: 'length-prefix', lengthBytes: 2, maxLength: 8192 }, 'iso87binary'))).toContain('invalid-bcd');
    expect(applicableCategories(await zvt({ type: 'zvt-serial' }))).toEqual(['truncated', 'bad-checksum', 'invalid-bcd', 'unknown-command', 'random-bytes', 'mutation']);
  });

  it('draws the same campaign from the same seed, and another from another seed', async () => {
    const codec = await zvt({ type: 'zvt-tcp' });
    const seeds = [{ payload: authorisation({ amount: 1234, currency: 978 }) }];
    const hex = (seed: number) => generateCases(codec, seeds, mulberry32(seed), 40, applicableCategories(codec)).map((c) => c.bytes.toString('hex'));
    expect(hex(1)).toEqual(hex(1));
    expect(hex(1)).not.toEqual(hex(2));
  });

  it('builds malformed input in every category but mutation (which may stay well-formed)', async () => {
    const codec = await zvt({ type: 'zvt-serial' });
    const seeds = [{ payload: authorisation({ amount: 1234, currency: 978 }) }];
    expect(isWellFormed(codec, codec.framer().encode(seeds[0]!))).toBe(true);
    const cases = generateCases(codec, seeds, mulberry32(3), 60, applicableCategories(codec));
    expect(cases).toHaveLength(60);
    for (const c of cases.filter((x) => x.category !== 'mutation')) expect([c.id, isWellFormed(codec, c.bytes)]).toEqual([c.id, false]);
  });

  it('reads a NAK and a ZVT 84 xx as refusals when splitting an answer', async () => {
    const codec = await zvt({ type: 'zvt-serial' });
    const refusal = codec.framer().encode({ payload: Buffer.from([0x84, 0x83, 0x00]) });
    const split = splitBytes(codec, Buffer.concat([Buffer.from([0x15]), refusal]));
    expect(split.control).toEqual([0x15]);
    expect(split.frames.map((f) => codec.isRefusal(f.payload))).toEqual([true]);
  });
});
