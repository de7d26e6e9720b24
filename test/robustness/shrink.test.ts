import { shrinkBytes } from '../../harness/robustness/shrink';

/** Delta debugging finds the smallest input that still fails, within its budget. */
describe('shrinkBytes', () => {
  const containsBoth = (a: number, b: number) => async (x: Buffer) => x.includes(a) && x.includes(b);

  it('cuts an input down to the bytes the failure needs', async () => {
    const input = Buffer.from([1, 2, 3, 0xaa, 4, 5, 6, 7, 0xbb, 8, 9]);
    const r = await shrinkBytes(input, containsBoth(0xaa, 0xbb), { maxTries: 200, maxMs: 5000 });
    expect([...r.bytes]).toEqual([0xaa, 0xbb]);
    expect(r.exhausted).toBe(false);
  });

  it('returns the original when nothing smaller fails', async () => {
    const input = Buffer.from([0xaa, 0xbb]);
    const r = await shrinkBytes(input, async (x) => x.equals(input), { maxTries: 50, maxMs: 5000 });
    expect(r.bytes.equals(input)).toBe(true);
  });

  it('stops at its probe budget and still returns an input seen to fail', async () => {
    const input = Buffer.alloc(4096, 7);
    input[100] = 0xaa;
    let probes = 0;
    const r = await shrinkBytes(input, async (x) => {
      probes++;
      return x.includes(0xaa);
    }, { maxTries: 5, maxMs: 5000 });
    expect(probes).toBe(5);
    expect(r.tries).toBe(5);
    expect(r.exhausted).toBe(true);
    expect(r.bytes.includes(0xaa)).toBe(true);
    expect(r.bytes.length).toBeLessThan(input.length);
  });
});
