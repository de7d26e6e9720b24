import fc from 'fast-check';
import { PoshilError } from '../../harness/errors';
import { applyEdits, fuzzInput } from '../../harness/fuzz/inputs';
import { fuzzTargets, strayError } from '../../harness/fuzz/targets';

/**
 * Property: whatever bytes a device sends, every poshil decoder either reads them or throws a
 * typed PoshilError — never a TypeError, RangeError or other crash. Small counts here (the
 * `npm run fuzz` script runs 10⁶ inputs per decoder); the seed is fixed so a failure replays.
 */
const targets = fuzzTargets();

describe.each(targets.map((t) => [t.name, t] as const))('%s', (_name, target) => {
  it('accepts every valid sample', () => {
    for (const sample of target.samples) expect(() => target.run(sample)).not.toThrow();
  });

  it('reads or refuses with a typed error, for random and mutated input', () => {
    fc.assert(
      fc.property(fuzzInput(target), (bytes) => {
        expect(strayError(target, bytes)).toBeUndefined();
      }),
      { numRuns: 2000, seed: 8 },
    );
  });
});

describe('the fuzzing oracle itself', () => {
  it('reports an error that is not a PoshilError as a finding', () => {
    const broken = { name: 'broken', samples: [], run: () => void (null as unknown as Buffer).length };
    expect(strayError(broken, Buffer.alloc(1))).toBeInstanceOf(TypeError);
    expect(strayError({ name: 'typed', samples: [], run: () => { throw new PoshilError('X', 'typed'); } }, Buffer.alloc(1))).toBeUndefined();
  });

  it('damages samples as told: flip, insert, delete, cut', () => {
    const s = Buffer.from([0x00, 0x11, 0x22]);
    expect(applyEdits(s, [{ op: 'flip', at: 0, bit: 0 }])).toEqual(Buffer.from([0x01, 0x11, 0x22]));
    expect(applyEdits(s, [{ op: 'insert', at: 1, byte: 0xff }])).toEqual(Buffer.from([0x00, 0xff, 0x11, 0x22]));
    expect(applyEdits(s, [{ op: 'delete', at: 4 }])).toEqual(Buffer.from([0x00, 0x22]));
    expect(applyEdits(s, [{ op: 'cut', at: 2 }])).toEqual(Buffer.from([0x00, 0x11]));
  });
});
