import type { EmulatorConfig } from '../../../harness/suite/types';
import { mulberry32 } from '../../../harness/faults/random';

/**
 * The emulated terminal's processing time: a seeded distribution (so a run is repeatable from
 * its seed) plus the defect switches that make it slow on purpose.
 */
/** The emulator's seeded randomness: the same mulberry32 the fault layer uses. */
export function seededRandom(seed: number): () => number {
  return mulberry32(seed);
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
