import { performance } from 'node:perf_hooks';
import type { Transport } from '../transports/transport';
import type { Frame, Framer } from './framer';
import { FramingStreamError } from './framing-stream-error';

/**
 * A transport with a framer on top: whole frames in and out. The protocol layer talks to this,
 * never to raw bytes. Framing errors are reported, not thrown: the bytes are discarded, the
 * framer reset, and the link stays up (a noisy line must not end a soak run).
 */
export interface FrameTap {
  /** A frame as encoded for sending: a fresh buffer the link never changes afterwards. */
  out(bytes: Buffer): void;
  in(bytes: Buffer): void;
  /** After each incoming chunk is framed: whether a frame is still only partly received. */
  settled?(midFrame: boolean): void;
}

export interface FrameLink {
  readonly endpoint: string;
  send(frame: Frame): Promise<number>;
  /**
   * Optional: send() without a promise, for links whose transport takes bytes at once: returns
   * the bytes sent, throws what send() would reject with.
   */
  sendNow?(frame: Frame): number;
  onFrame(listener: (frame: Frame, bytes: number) => void): () => void;
  onFramingError(listener: (err: Error) => void): () => void;
  onClose(listener: (cause: Error | undefined) => void): () => void;
}

/** Listener bookkeeping every FrameLink implementation shares. */
export class FrameLinkListeners {
  private readonly frames = new Set<(frame: Frame, bytes: number) => void>();
  private readonly errors = new Set<(err: Error) => void>();

  onFrame(listener: (frame: Frame, bytes: number) => void): () => void {
    this.frames.add(listener);
    return () => this.frames.delete(listener);
  }

  onFramingError(listener: (err: Error) => void): () => void {
    this.errors.add(listener);
    return () => this.errors.delete(listener);
  }

  emitFrame(frame: Frame, bytes: number): void {
    for (const l of this.frames) l(frame, bytes);
  }

  emitError(err: Error): void {
    for (const l of this.errors) l(err);
  }
}

export class TransportFrameLink implements FrameLink {
  private readonly listeners = new FrameLinkListeners();
  private readonly detach: (() => void)[] = [];

  constructor(
    private readonly transport: Transport,
    private readonly framer: Framer,
    private readonly tap?: FrameTap,
  ) {
    this.detach.push(transport.onData((chunk) => this.receive(chunk)));
  }

  get endpoint(): string {
    return this.transport.endpoint;
  }

  send(frame: Frame): Promise<number> {
    let bytes: Buffer;
    try {
      bytes = this.framer.encode(frame);
    } catch (err) {
      return Promise.reject(err as Error);
    }
    this.tap?.out(bytes);
    return this.transport.write(bytes).then(() => bytes.length);
  }

  /** Only while the transport takes bytes at once (writeNow); otherwise undefined, and send() it is. */
  get sendNow(): ((frame: Frame) => number) | undefined {
    return this.transport.writeNow ? this.sendAtOnce : undefined;
  }

  private readonly sendAtOnce = (frame: Frame): number => {
    const bytes = this.framer.encode(frame);
    // Tapped once the transport has the bytes: the trace's bookkeeping is not between the
    // request and the device (measured ≈ 1 µs per transaction of a closed loop, bench/README.md),
    // and a frame the closed connection refused is not traced as sent. Nothing can arrive in
    // between: the answer is read in a later turn of the event loop.
    this.transport.writeNow!(bytes);
    this.tap?.out(bytes);
    return bytes.length;
  };

  onFrame(listener: (frame: Frame, bytes: number) => void): () => void {
    return this.listeners.onFrame(listener);
  }

  onFramingError(listener: (err: Error) => void): () => void {
    return this.listeners.onFramingError(listener);
  }

  onClose(listener: (cause: Error | undefined) => void): () => void {
    return this.transport.onDisconnect(listener);
  }

  dispose(): void {
    for (const d of this.detach) d();
  }

  private receive(chunk: Buffer): void {
    const receivedAt = performance.now();
    this.tap?.in(chunk);
    let frames: Frame[];
    let error: Error | undefined;
    try {
      frames = this.framer.push(chunk);
    } catch (err) {
      this.framer.reset();
      // Good frames that arrived in the same chunk before the garbage still count.
      frames = err instanceof FramingStreamError ? err.framesBefore : [];
      error = err as Error;
    }
    for (const frame of frames) {
      frame.receivedAt = receivedAt;
      const size = frame.payload.length + (frame.header?.length ?? 0);
      this.listeners.emitFrame(frame, size);
    }
    if (error) this.listeners.emitError(error);
    this.tap?.settled?.(this.framer.pending > 0);
  }
}
