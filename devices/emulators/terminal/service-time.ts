import type { EmulatorConfig } from '../../../harness/suite/types';

/**
 * The emulated terminal's processing time: a seeded distribution (so a run is repeatable from
 * its seed) plus the defect switches that make it slow on purpose.
 */
export function seededRandom(seed: number): () => number {
  // mulberry32: small, fast, and good enough to shape service times.
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type ProcessingConfig = NonNullable<EmulatorConfig['processingMs']>;

export class ServiceTime {
  private spare: number | undefined;

  constructor(
    private readonly config: ProcessingConfig,
    private readonly random: () => number,
  ) {}

  /** One sample in ms, clamped to [min, max]. */
  sample(): number {
    const c = this.config;
    let v: number;
    switch (c.distribution) {
      case 'fixed':
        v = c.mean;
        break;
      case 'uniform': {
        const half = c.stddev !== undefined ? c.stddev * Math.sqrt(3) : c.mean;
        v = c.mean - half + 2 * half * this.random();
        break;
      }
      case 'normal':
        v = c.mean + (c.stddev ?? 0) * this.gaussian();
        break;
      case 'lognormal': {
        // Parameters chosen so the distribution's own mean and stddev are the configured ones.
        const sd = c.stddev ?? 0;
        const sigma2 = Math.log(1 + (sd * sd) / (c.mean * c.mean));
        const mu = Math.log(c.mean) - sigma2 / 2;
        v = Math.exp(mu + Math.sqrt(sigma2) * this.gaussian());
        break;
      }
    }
    return Math.min(c.max ?? Infinity, Math.max(c.min ?? 0, v));
  }

  private gaussian(): number {
    if (this.spare !== undefined) {
      const s = this.spare;
      this.spare = undefined;
      return s;
    }
    // Box–Muller
    const u = Math.max(this.random(), Number.EPSILON);
    const v = this.random();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }
}
