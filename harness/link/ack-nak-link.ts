/**
 * ACK/NAK link layer for serial ECR protocols (ZVT serial, Ingenico Concert and other
 * STX…ETX protocols), between a byte port and the protocol:
 *
 *   sending    frame ──▶            (with enqHandshake: ENQ ──▶ ◀── ACK first)
 *              ◀── ACK  done         (with enqHandshake: EOT ──▶ after it)
 *              ◀── NAK  or nothing within T1: send the frame again, up to `retries` more times,
 *                       then fail with LinkRetriesExhaustedError (code LINK_RETRIES_EXHAUSTED)
 *   receiving  ◀── frame  ACK ──▶ and deliver it when its checksum is good,
 *                         NAK ──▶ when the framer reports a bad checksum / broken frame
 *              ◀── ENQ    ACK ──▶ (with enqHandshake: ready to receive)
 *
 * The single control bytes (ACK 06, NAK 15, and with the handshake ENQ 05 and EOT 04) share
 * the byte stream with the frames; a byte is read as a control byte only between frames
 * (when the framer holds nothing), so a 06 inside a ZVT APDU is never mistaken for an ACK.
 *
 * It works over anything with `write(bytes)` and `onData(listener)` (every poshil Transport
 * qualifies), and takes its timers from `options.timers`, so tests drive T1 deterministically
 * (jest fake timers work too: the default timers look up the global functions at call time).
 *
 * Not handled: duplicate suppression when our ACK is lost and the peer retransmits a frame we
 * already delivered (neither ZVT nor Concert numbers frames; the protocol layer sees it twice),
 * and ENQ collisions when both sides start sending at once.
 */
import { FramingError, LinkClosedError } from '../errors';
import { FrameLinkListeners, type FrameLink, type FrameTap } from '../framing/frame-link';
import type { Frame, Framer } from '../framing/framer';
import { FramingStreamError } from '../framing/framing-stream-error';
import { StxEtxLrcFramer } from '../framing/stx-etx-lrc';
import type { TryFailure } from './errors';
import { LinkRetriesExhaustedError } from './errors';

export const ENQ = 0x05;
export const ACK = 0x06;
export const NAK = 0x15;
export const EOT = 0x04;

/** The byte link under the link layer; a poshil Transport is one. */
export interface BytePort {
  write(bytes: Buffer): Promise<void>;
  onData(listener: (chunk: Buffer) => void): () => void;
  /** For messages ("serial /dev/ttyUSB0"). */
  readonly endpoint?: string;
  onDisconnect?(listener: (cause: Error | undefined) => void): () => void;
}

/** Timer functions; inject fakes for deterministic tests. */
export interface LinkTimers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const globalTimers: LinkTimers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export const DEFAULT_T1_MS = 3000;
export const DEFAULT_RETRIES = 3;

export interface AckNakLinkOptions {
  /** Splits received bytes into frames and checks their checksum (stx-etx-lrc, zvt-serial, …). */
  framer: Framer;
  /** How long to wait for ACK/NAK after sending a frame (or ENQ), in ms. Default 3000. */
  t1Ms?: number;
  /** Retransmissions after the first try, on NAK or T1 timeout. Default 3 (so at most 4 tries). */
  retries?: number;
  /**
   * Inter-character timeout while receiving a frame, in ms: a frame that stops arriving for
   * longer is abandoned and NAKed, so the sender retransmits instead of waiting out its T1.
   * Default: off.
   */
  t2Ms?: number;
  /** ENQ/ACK before each frame and EOT after it. Default: the framer's own `enqHandshake` option (stx-etx-lrc), else false. */
  enqHandshake?: boolean;
  timers?: LinkTimers;
  /** Sees every byte each way, control bytes included (for wire traces). */
  tap?: FrameTap;
}

export interface TransmitReport {
  /** Tries it took (1 = acknowledged at once). */
  tries: number;
  /** Size of the frame on the wire, per try. */
  bytes: number;
}

export interface LinkStats {
  framesSent: number;
  framesReceived: number;
  retransmissions: number;
  naksReceived: number;
  ackTimeouts: number;
  naksSent: number;
  /** ACK/NAK bytes that arrived while nothing was waiting for one. */
  unexpectedControlBytes: number;
  /** Frames abandoned because the next byte did not come within T2. */
  t2Timeouts: number;
}

type Answer = 'ack' | TryFailure;

interface Waiter {
  settle(answer: Answer): void;
  fail(err: Error): void;
}

export class AckNakLink implements FrameLink {
  readonly framer: Framer;
  readonly t1Ms: number;
  readonly retries: number;
  readonly enqHandshake: boolean;
  readonly t2Ms: number | undefined;
  readonly stats: LinkStats = { framesSent: 0, framesReceived: 0, retransmissions: 0, naksReceived: 0, ackTimeouts: 0, naksSent: 0, unexpectedControlBytes: 0, t2Timeouts: 0 };

  private readonly timers: LinkTimers;
  private readonly tap?: FrameTap;
  private readonly listeners = new FrameLinkListeners();
  private readonly detach: (() => void)[] = [];
  /** The transmission (frame or ENQ) now waiting for ACK/NAK. */
  private waiter: Waiter | undefined;
  /**
   * While true the link answers nothing — no ACK, NAK or ACK to ENQ — as an ECR that never
   * acknowledges (conformance steps that check the peer's retransmissions stop).
   */
  silent = false;
  /** Running while a frame is half received (with T2). */
  private t2Timer: unknown;
  /** Sends run one at a time, in call order. */
  private queue: Promise<unknown> = Promise.resolve();
  private disposed = false;

  constructor(
    private readonly port: BytePort,
    options: AckNakLinkOptions,
  ) {
    this.framer = options.framer;
    this.t1Ms = options.t1Ms ?? DEFAULT_T1_MS;
    this.retries = options.retries ?? DEFAULT_RETRIES;
    if (!(this.t1Ms > 0) || !Number.isFinite(this.t1Ms)) throw new RangeError(`t1Ms must be a positive number of milliseconds; got ${options.t1Ms}`);
    if (!Number.isInteger(this.retries) || this.retries < 0) throw new RangeError(`retries must be a whole number of 0 or more; got ${options.retries}`);
    this.t2Ms = options.t2Ms;
    if (this.t2Ms !== undefined && !(this.t2Ms > 0 && Number.isFinite(this.t2Ms))) throw new RangeError(`t2Ms must be a positive number of milliseconds; got ${options.t2Ms}`);
    this.enqHandshake = options.enqHandshake ?? (this.framer instanceof StxEtxLrcFramer ? this.framer.options.enqHandshake : false);
    this.timers = options.timers ?? globalTimers;
    this.tap = options.tap;
    this.detach.push(port.onData((chunk) => this.receive(chunk)));
  }

  get endpoint(): string {
    return this.port.endpoint ?? 'byte port';
  }

  /** Sends a frame and resolves with its size once the peer ACKed it (see transmit()). */
  async send(frame: Frame): Promise<number> {
    return (await this.transmit(frame)).bytes;
  }

  /**
   * Sends a frame and resolves once the peer ACKed it; retransmits on NAK or after T1 of
   * silence, at most `retries` times, then rejects with LinkRetriesExhaustedError. A frame the
   * framer cannot encode rejects with its FramingError before anything is written.
   */
  transmit(frame: Frame): Promise<TransmitReport> {
    const run = this.queue.then(() => this.transmitNow(frame));
    this.queue = run.catch(() => undefined);
    return run;
  }

  onFrame(listener: (frame: Frame, bytes: number) => void): () => void {
    return this.listeners.onFrame(listener);
  }

  /** Frames that arrived broken (and were NAKed), and failures writing ACK/NAK. */
  onFramingError(listener: (err: Error) => void): () => void {
    return this.listeners.onFramingError(listener);
  }

  onClose(listener: (cause: Error | undefined) => void): () => void {
    return this.port.onDisconnect ? this.port.onDisconnect(listener) : () => undefined;
  }

  /** Stops listening; a transmission still waiting for ACK rejects with LinkClosedError. */
  dispose(): void {
    this.disposed = true;
    this.stopT2();
    for (const d of this.detach.splice(0)) d();
    this.waiter?.fail(new LinkClosedError(`the ${this.endpoint} link was closed while a frame waited for ACK`));
  }

  private async transmitNow(frame: Frame): Promise<TransmitReport> {
    if (this.disposed) throw new LinkClosedError(`the ${this.endpoint} link is closed`);
    const bytes = this.framer.encode(frame);
    const maxTries = this.retries + 1;
    if (this.enqHandshake) {
      const failures: TryFailure[] = [];
      for (;;) {
        const answer = await this.exchange(Buffer.from([ENQ]));
        if (answer === 'ack') break;
        failures.push(answer);
        if (failures.length === maxTries) throw new LinkRetriesExhaustedError('enq', failures, this.t1Ms);
      }
    }
    const failures: TryFailure[] = [];
    for (;;) {
      if (failures.length > 0) this.stats.retransmissions++;
      const answer = await this.exchange(bytes);
      if (answer === 'ack') {
        this.stats.framesSent++;
        if (this.enqHandshake) await this.write(Buffer.from([EOT]));
        return { tries: failures.length + 1, bytes: bytes.length };
      }
      if (answer === 'nak') this.stats.naksReceived++;
      else this.stats.ackTimeouts++;
      failures.push(answer);
      if (failures.length === maxTries) throw new LinkRetriesExhaustedError('frame', failures, this.t1Ms);
    }
  }

  /** Writes `bytes` and waits for ACK, NAK or T1 (counted from the end of the write). */
  private exchange(bytes: Buffer): Promise<Answer> {
    return new Promise<Answer>((resolve, reject) => {
      let settled = false;
      let timer: unknown;
      const waiter: Waiter = {
        settle: (answer) => {
          if (settled) return;
          settled = true;
          if (timer !== undefined) this.timers.clearTimeout(timer);
          if (this.waiter === waiter) this.waiter = undefined;
          resolve(answer);
        },
        fail: (err) => {
          if (settled) return;
          settled = true;
          if (timer !== undefined) this.timers.clearTimeout(timer);
          if (this.waiter === waiter) this.waiter = undefined;
          reject(err);
        },
      };
      this.waiter = waiter;
      this.write(bytes).then(
        () => {
          if (!settled) timer = this.timers.setTimeout(() => waiter.settle('timeout'), this.t1Ms);
        },
        (err: unknown) => waiter.fail(err as Error),
      );
    });
  }

  private write(bytes: Buffer): Promise<void> {
    this.tap?.out(bytes);
    return this.port.write(bytes);
  }

  private isControl(b: number): boolean {
    return b === ACK || b === NAK || (this.enqHandshake && (b === ENQ || b === EOT));
  }

  private receive(chunk: Buffer): void {
    const receivedAt = performance.now();
    this.tap?.in(chunk);
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i];
      if (this.framer.pending === 0 && this.isControl(b)) {
        this.control(b);
        continue;
      }
      // One byte at a time, so that a control byte right after a frame is seen as one.
      let frames: Frame[];
      let error: Error | undefined;
      try {
        frames = this.framer.push(chunk.subarray(i, i + 1));
      } catch (err) {
        this.framer.reset();
        frames = err instanceof FramingStreamError ? err.framesBefore : [];
        error = err as Error;
      }
      for (const frame of frames) {
        frame.receivedAt = receivedAt;
        this.accept(frame);
      }
      if (error) {
        this.stats.naksSent++;
        this.reply(NAK);
        this.listeners.emitError(error);
      }
    }
    this.tap?.settled?.(this.framer.pending > 0);
    if (this.t2Ms !== undefined) {
      this.stopT2();
      if (this.framer.pending > 0) this.t2Timer = this.timers.setTimeout(() => this.t2Expired(), this.t2Ms);
    }
  }

  private stopT2(): void {
    if (this.t2Timer !== undefined) this.timers.clearTimeout(this.t2Timer);
    this.t2Timer = undefined;
  }

  /** The sender went quiet in the middle of a frame: drop what we have and ask again. */
  private t2Expired(): void {
    this.t2Timer = undefined;
    if (this.framer.pending === 0) return;
    const held = this.framer.pending;
    this.framer.reset();
    this.stats.t2Timeouts++;
    this.stats.naksSent++;
    this.reply(NAK);
    this.listeners.emitError(new FramingError(`${this.endpoint}: a frame stopped arriving after ${held} byte(s): nothing more within T2 (${this.t2Ms} ms); abandoned and NAKed`));
  }

  private accept(frame: Frame): void {
    this.stats.framesReceived++;
    this.reply(ACK);
    const size = frame.payload.length + (frame.header?.length ?? 0);
    this.listeners.emitFrame(frame, size);
  }

  private control(b: number): void {
    if (b === ACK || b === NAK) {
      if (this.waiter) this.waiter.settle(b === ACK ? 'ack' : 'nak');
      else this.stats.unexpectedControlBytes++;
    } else if (b === ENQ) {
      this.reply(ACK); // ready to receive
    }
    // EOT: the peer ended its transmission; nothing to do.
  }

  private reply(b: number): void {
    if (this.silent) return;
    this.write(Buffer.from([b])).catch((err: unknown) => {
      this.listeners.emitError(err as Error);
    });
  }
}
