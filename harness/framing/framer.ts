/**
 * A framer turns a byte stream into frames and frames into bytes. It is pure and
 * synchronous: `push()` takes whatever chunk arrived (split anywhere) and returns the frames
 * completed by it, keeping the remainder. Malformed input throws FramingError and leaves the
 * framer reset, so a caller can report the error and go on with the next bytes.
 */
export interface Frame {
  /** The message bytes (e.g. an ISO 8583 message). */
  payload: Buffer;
  /** Framing header that travels with the payload, e.g. a 5-byte TPDU. */
  header?: Buffer;
}

export interface Framer {
  readonly type: string;
  encode(frame: Frame): Buffer;
  push(chunk: Buffer): Frame[];
  /** Bytes buffered but not yet a whole frame (for diagnostics on disconnect). */
  readonly pending: number;
  reset(): void;
}
