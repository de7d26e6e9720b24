import { PoshilError } from '../errors';

/**
 * When each arrival of an open-loop load is *meant* to be sent, independent of how the device
 * answers. Latency is measured from these instants (as wrk2 does), so a device that stalls
 * cannot hide the stall by slowing the sender down (coordinated omission).
 *
 * A phase holds a constant rate, or ramps linearly from `rate` to `to`. Within a ramp the
 * k-th arrival is where the cumulative count N(t) = r0·t + (r1 − r0)·t² / (2D) reaches k.
 */
export interface LoadPhase {
  /** Arrivals per second at the start of the phase (may be below 1: 0.2/s is a real POS rate). */
  rate: number;
  /** Arrivals per second at the end of the phase; default: `rate` (constant). */
  to?: number;
  durationMs: number;
}

export class OpenLoopSchedule {
  private phaseIndex = 0;
  /** Arrivals already issued in the current phase. */
  private inPhase = 0;
  /** Start of the current phase, in seconds since the schedule's start. */
  private phaseStart = 0;
  private issued = 0;

  constructor(
    private readonly phases: readonly LoadPhase[],
    /** Stop after this many arrivals; the last phase's end rate continues until then. */
    private readonly count?: number,
  ) {
    if (phases.length === 0) throw new PoshilError('BAD_LOAD', 'a load needs at least one phase');
    for (const p of phases) {
      if (!(p.rate >= 0) || !((p.to ?? p.rate) >= 0) || !(p.durationMs > 0)) {
        throw new PoshilError('BAD_LOAD', `load phase ${JSON.stringify(p)}: rates must be ≥ 0 and the duration > 0`);
      }
    }
    if (count === undefined && phases.every((p) => p.rate === 0 && (p.to ?? 0) === 0)) {
      throw new PoshilError('BAD_LOAD', 'the load never sends anything: every phase has rate 0');
    }
  }

  /** Total arrivals the schedule will issue (exact for constant phases, rounded for ramps). */
  expectedArrivals(): number {
    if (this.count !== undefined) return this.count;
    return Math.floor(this.phases.reduce((n, p) => n + ((p.rate + (p.to ?? p.rate)) / 2) * (p.durationMs / 1000), 0)) + 1;
  }

  /** Seconds the schedule spans (phases, or until `count` at the last rate). */
  spanSeconds(): number {
    return this.phases.reduce((s, p) => s + p.durationMs / 1000, 0);
  }

  /** Offset in ns of the next arrival from the schedule's start, or undefined when done. */
  next(): number | undefined {
    if (this.count !== undefined && this.issued >= this.count) return undefined;
    for (;;) {
      const phase = this.phases[this.phaseIndex];
      if (!phase) {
        // Phases used up: in fixed-count mode the last end rate carries on.
        if (this.count === undefined) return undefined;
        const last = this.phases[this.phases.length - 1] as LoadPhase;
        const rate = last.to ?? last.rate;
        if (rate <= 0) return undefined;
        const t = this.phaseStart + this.inPhase / rate;
        this.inPhase++;
        this.issued++;
        return Math.round(t * 1e9);
      }
      const d = phase.durationMs / 1000;
      const t = offsetOf(this.inPhase, phase.rate, phase.to ?? phase.rate, d);
      if (t !== undefined && t < d) {
        this.inPhase++;
        this.issued++;
        return Math.round((this.phaseStart + t) * 1e9);
      }
      this.phaseStart += d;
      this.phaseIndex++;
      this.inPhase = 0;
    }
  }
}

/** Time (s) into a phase of the k-th arrival (k from 0), or undefined if it never comes. */
function offsetOf(k: number, r0: number, r1: number, d: number): number | undefined {
  if (r0 === r1) return r0 > 0 ? k / r0 : undefined;
  // Solve a·t² + r0·t − k = 0 with a = (r1 − r0) / (2d), taking the root inside the phase.
  const a = (r1 - r0) / (2 * d);
  const disc = r0 * r0 + 4 * a * k;
  if (disc < 0) return undefined;
  return (-r0 + Math.sqrt(disc)) / (2 * a);
}
