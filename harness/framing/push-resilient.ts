import type { Frame, Framer } from './framer';
import { FramingStreamError } from './framing-stream-error';

/**
 * The frames in a chunk, the way a peer that must keep going reads them: after a framing error
 * (garbage, a bad checksum) the framer starts over and the good frames that came before the
 * error in the same chunk are still delivered. `onError` hears about the garbage.
 */
export function pushResilient(framer: Framer, chunk: Buffer, onError?: (err: Error) => void): Frame[] {
  try {
    return framer.push(chunk);
  } catch (err) {
    framer.reset();
    onError?.(err as Error);
    return err instanceof FramingStreamError ? err.framesBefore : [];
  }
}
