import { LinkClosedError, PoshilError, ResponseTimeoutError } from '../../errors';
import type { FrameLink } from '../../framing/frame-link';
import type { ProtocolSession, SecretSink, SwipeRead, TransactionOutcome, TransactOptions } from '../protocol';
import { decodeSwipeReport } from './hid-report';
import { cardFromTrack } from './iso7811';

/**
 * A magnetic-stripe reader's side of a link: every frame is one swipe report. There is nothing
 * to send and no transaction to run; a test waits for a swipe and checks what it carried. A
 * report nobody waits for (a swipe between steps) is counted and dropped, so one step never
 * sees an earlier step's card. Card numbers read are registered for masking before anything
 * about the swipe is recorded.
 */
export interface MsrSessionOptions {
  /** The reader passes each track's LRC character on. */
  lrc?: boolean;
}

interface Waiter {
  resolve(read: SwipeRead): void;
  reject(err: Error): void;
}

export class MsrSession implements ProtocolSession {
  readonly protocol = 'msr';
  /** Reports that arrived with nobody waiting, or that were not the reader's layout. */
  unsolicited = 0;
  undecodable = 0;
  private waiter: Waiter | undefined;
  private readonly detach: (() => void)[] = [];

  constructor(
    private readonly link: FrameLink,
    private readonly secrets: SecretSink,
    private readonly options: MsrSessionOptions = {},
  ) {
    this.detach.push(link.onFrame((frame) => this.receive(frame.payload)));
    this.detach.push(link.onClose((cause) => this.fail(new LinkClosedError(`${link.endpoint}: the card reader went away while waiting for a swipe${cause ? ` (${cause.message})` : ''}`))));
  }

  async transact(): Promise<TransactionOutcome> {
    throw new PoshilError('MSR_NO_TRANSACTIONS', `${this.link.endpoint}: a magnetic-stripe reader takes no transactions; read swipes with a conformance "swipe" step`, { exitCode: 1 });
  }

  async readSwipe(options: TransactOptions, trigger?: () => Promise<void>): Promise<SwipeRead> {
    if (this.waiter) throw new PoshilError('MSR_BUSY', `${this.link.endpoint}: already waiting for a swipe`, { exitCode: 1 });
    let timer: NodeJS.Timeout | undefined;
    const swipe = new Promise<SwipeRead>((resolve, reject) => {
      this.waiter = { resolve, reject };
      timer = setTimeout(() => this.fail(new ResponseTimeoutError(`no swipe from ${this.link.endpoint} within ${options.timeoutMs} ms`)), options.timeoutMs);
    });
    swipe.catch(() => undefined);
    const onAbort = () => this.fail(new LinkClosedError('run cancelled'));
    options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await trigger?.();
      return await swipe;
    } catch (err) {
      this.waiter = undefined;
      throw err;
    } finally {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
    }
  }

  async close(): Promise<void> {
    for (const d of this.detach.splice(0)) d();
    this.fail(new LinkClosedError(`${this.link.endpoint}: session closed`));
  }

  private receive(payload: Buffer): void {
    const report = decodeSwipeReport(payload);
    if (!report) {
      this.undecodable++;
      return;
    }
    for (const n of [1, 2] as const) {
      const card = report.tracks[n] === undefined ? undefined : cardFromTrack(n, report.tracks[n] as string);
      if (card) this.secrets.addPan(card.pan);
    }
    const waiter = this.waiter;
    if (!waiter) {
      this.unsolicited++;
      return;
    }
    this.waiter = undefined;
    waiter.resolve({ tracks: report.tracks, status: report.status, includesLrc: this.options.lrc ?? false });
  }

  private fail(err: Error): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.reject(err);
  }
}
