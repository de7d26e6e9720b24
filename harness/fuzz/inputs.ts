import fc from 'fast-check';
import type { FuzzTarget } from './targets';

/**
 * Inputs for a fuzz target: half plain random bytes (the shallow paths: short buffers, bad
 * headers), half a valid sample damaged by a few flipped bits, inserted, deleted or
 * overwritten bytes, cut or extended (the deep paths a random buffer never reaches).
 */
const edit = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('set' as const), at: fc.nat(), byte: fc.constantFrom(0x00, 0x02, 0x03, 0x10, 0x7f, 0x80, 0xff, 0x3a, 0xaa, 0xf0) }),
  fc.record({ op: fc.constant('cut' as const), at: fc.nat() }),
);

type Edit = { op: 'flip'; at: number; bit: number } | { op: 'insert' | 'set'; at: number; byte: number } | { op: 'delete' | 'cut'; at: number };

export function applyEdits(sample: Buffer, edits: readonly Edit[]): Buffer {
  const bytes = [...sample];
  for (const e of edits) {
    const at = bytes.length ? e.at % bytes.length : 0;
    if (e.op === 'flip' && bytes.length) bytes[at] = (bytes[at] as number) ^ (1 << e.bit);
    else if (e.op === 'insert') bytes.splice(at, 0, e.byte);
    else if (e.op === 'set' && bytes.length) bytes[at] = e.byte;
    else if (e.op === 'delete') bytes.splice(at, 1);
    else if (e.op === 'cut') bytes.length = at;
  }
  return Buffer.from(bytes);
}

export function fuzzInput(target: FuzzTarget): fc.Arbitrary<Buffer> {
  const random = fc.uint8Array({ maxLength: 512 }).map((a) => Buffer.from(a));
  if (target.samples.length === 0) return random;
  const mutated = fc
    .tuple(fc.integer({ min: 0, max: target.samples.length - 1 }), fc.array(edit, { minLength: 1, maxLength: 6 }))
    .map(([i, edits]) => applyEdits(target.samples[i] as Buffer, edits as Edit[]));
  return fc.oneof(random, mutated);
}
