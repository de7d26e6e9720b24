/**
 * A framer turns a byte stream into frames and frames into bytes. It is pure and
 * synchronous: `push()` takes whatever chunk arrived (split anywhere) and returns the frames
 * completed by it, keeping the remainder. Malformed input throws FramingStreamError (a
 * FramingError) and leaves the framer reset; the good frames the same chunk completed before
 * the garbage travel on the error as `framesBefore`, so a caller delivers them, reports the
 * error and goes on with the next bytes.
 */
export interface Frame {
  /** The message bytes (e.g. an ISO 8583 message). */
  payload: Buffer;
  /** Framing header that travels with the payload, e.g. a 5-byte TPDU. */
  header?: Buffer;
  /** Received frames: performance.now() when the chunk that completed the frame arrived. */
  receivedAt?: number;
}

export interface Framer {
  readonly type: string;
  encode(frame: Frame): Buffer;
  push(chunk: Buffer): Frame[];
  /** Bytes buffered but not yet a whole frame (for diagnostics on disconnect). */
  readonly pending: number;
  reset(): void;
}
