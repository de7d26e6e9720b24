import { FramingError } from '../errors';
import type { Frame } from './framer';

/**
 * The FramingError a framer's `push()` throws. Beyond the message it says what was lost and
 * what was saved, because one TCP read or serial burst often holds a good frame followed by
 * garbage: `push()` cannot both return the good frame and throw, so the good frames completed
 * earlier in the same chunk travel on the error (`framesBefore`) instead of being dropped.
 * A channel that knows this delivers them before reporting the error; one that only knows
 * FramingError still sees a FramingError (instanceof and code FRAMING_ERROR hold).
 */
export class FramingStreamError extends FramingError {
  /** Whole frames completed by the same `push()` before the malformed bytes, in order. */
  readonly framesBefore: Frame[];
  /** Bytes thrown away when the framer reset (the malformed frame and anything after it in the chunk). */
  readonly discardedBytes: number;
  /**
   * Stream position of the malformed frame's first byte, counted from the framer's creation.
   * reset() does not restart the count, so positions stay comparable across several errors.
   */
  readonly streamOffset: number;

  constructor(message: string, details: { framesBefore: Frame[]; discardedBytes: number; streamOffset: number }) {
    super(message);
    this.framesBefore = details.framesBefore;
    this.discardedBytes = details.discardedBytes;
    this.streamOffset = details.streamOffset;
  }
}
