/**
 * A small seeded PRNG (mulberry32: 32-bit state, good enough for fault campaigns, not for
 * cryptography) so that a fault campaign run twice with the same seed corrupts the same bits.
 */
export type Random = () => number;

/** Uniform numbers in [0, 1), the same sequence for the same seed. */
export function mulberry32(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * How many trials fail before the next success, each succeeding with probability `p`: the gap
 * to the next flipped bit or dropped byte. Drawing gaps instead of one number per bit keeps a
 * rate of 1e-6 over megabytes cheap while giving the same distribution.
 */
export function geometricGap(random: Random, p: number): number {
  if (p >= 1) return 0;
  if (p <= 0) return Number.POSITIVE_INFINITY;
  const u = 1 - random(); // (0, 1]
  return Math.floor(Math.log(u) / Math.log1p(-p));
}
