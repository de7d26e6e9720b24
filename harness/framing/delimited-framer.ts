/**
 * Common ground of the serial framings that mark a frame's start and end with control bytes
 * (stx-etx-lrc: STX … ETX; zvt-serial: DLE STX … DLE ETX) and read the stream one byte at a
 * time. The ACK/NAK link layer answers their FramingStreamErrors with NAK and reads `pending`
 * to tell control bytes from frame bytes, so what a failure discards and where the stream
 * position goes must not drift apart between them; that accounting lives here once.
 */
import type { Frame } from './framer';
import { FramingStreamError } from './framing-stream-error';
import { FrameAccumulator } from './option-checks';

export abstract class DelimitedFramer<State extends string> {
  /** 'hunt' looks for the start marker; the other states belong to the subclass's format. */
  protected state: State | 'hunt' = 'hunt';
  /** The unframed payload of the frame being assembled (markers, escapes and checks removed). */
  protected readonly payload = new FrameAccumulator();
  /** Wire bytes of the frame being assembled, from its first marker byte on. */
  protected frameBytes = 0;
  /** Stream position of the frame being assembled (see FramingStreamError.streamOffset). */
  protected frameStart = 0;
  /** Stream position of the next byte push() reads; reset() does not rewind it. */
  protected position = 0;
  protected skipped = 0;

  get pending(): number {
    return this.frameBytes;
  }

  /** Bytes skipped while hunting for a frame start (noise between frames, abandoned partial frames), since creation. */
  get skippedBytes(): number {
    return this.skipped;
  }

  reset(): void {
    this.state = 'hunt';
    this.payload.clear();
    this.frameBytes = 0;
  }

  /**
   * Resets, then throws with the frames completed earlier in this chunk. `chunk[at]` is the byte
   * that broke the frame and must already be counted in frameBytes; the bytes after it in the
   * chunk are discarded too, and counted, so streamOffset and discardedBytes add up across errors.
   */
  protected fail(reason: string, framesBefore: Frame[], chunk: Buffer, at: number): never {
    const rest = chunk.length - at - 1;
    const discardedBytes = this.frameBytes + rest;
    this.position += rest;
    const streamOffset = this.frameStart;
    this.reset();
    throw new FramingStreamError(
      `${reason} (frame starting at stream byte ${streamOffset}; discarded ${discardedBytes} byte${discardedBytes === 1 ? '' : 's'}; framing restarts with the next bytes received)`,
      { framesBefore, discardedBytes, streamOffset },
    );
  }
}
