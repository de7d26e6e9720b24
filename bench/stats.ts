/** Small statistics the benchmarks share. */

export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/**
 * Median over rounds of combine(a[i], b[i]): two tasks measured back to back in each round, so a
 * slow second of the machine weighs on both sides of a pair. Rounds must line up one to one.
 */
export function pairedMedian(a: readonly number[], b: readonly number[], combine: (a: number, b: number) => number): number | null {
  if (a.length !== b.length) throw new Error(`cannot pair ${a.length} round(s) with ${b.length}: every round must measure both tasks`);
  return median(a.map((x, i) => combine(x, b[i]!)));
}

/** Least-squares slope of y over x (units of y per unit of x); null with fewer than 2 points. */
export function slope(points: readonly { x: number; y: number }[]): number | null {
  const n = points.length;
  if (n < 2) return null;
  let sx = 0;
  let sy = 0;
  for (const p of points) {
    sx += p.x;
    sy += p.y;
  }
  const mx = sx / n;
  const my = sy / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.x - mx) * (p.y - my);
    den += (p.x - mx) ** 2;
  }
  return den === 0 ? null : num / den;
}

/** ns since an arbitrary origin, as a number (fine for durations of a run). */
export function nowNs(): number {
  return Number(process.hrtime.bigint());
}

/** a ÷ b, for pairedMedian. */
export function divide(a: number, b: number): number {
  return a / b;
}
