import type { Channel } from '../channel/channel';
import type { PoshilError } from '../errors';
import type { TransactionRequest } from '../protocols/protocol';
import { NAK, isWellFormed, splitBytes, type StackCodec } from './stack-codec';

/**
 * One case against the device: the bytes go out below framing and link layer, whatever comes
 * back within answerMs is read with the interface's own framing and protocol, and then a
 * health check decides whether the device survived. A second health check on a fresh
 * connection tells a hang (connected, no answer) from a death (no connection at all).
 */
export type Verdict = 'rejected' | 'ignored' | 'accepted' | 'wrong-answer' | 'hang' | 'death';
export type Health = 'ok' | 'recovered' | 'hang' | 'death';

export interface ProbeResult {
  verdict: Verdict;
  /** The health check passed only on its second try, on a fresh connection. */
  recovered: boolean;
  /** What came back, in words, for the report. */
  answer: string;
}

export interface ProbeOptions {
  answerMs: number;
  healthTimeoutMs: number;
  health: TransactionRequest;
  /** Each case on its own connection, the health check on a fresh one. */
  perCase: boolean;
  signal: AbortSignal;
}

export class Prober {
  constructor(
    private readonly channel: Channel,
    private readonly codec: StackCodec,
    private readonly options: ProbeOptions,
  ) {}

  async probe(bytes: Buffer): Promise<ProbeResult> {
    const { channel, codec, options } = this;
    const enough = (b: Buffer) => {
      const split = splitBytes(codec, b);
      return split.frames.length > 0 || split.control.includes(NAK);
    };
    // What the device still owes the last health check must not pass for an answer to this
    // case: a fresh connection per case, or on a shared link a moment's quiet first.
    if (options.perCase) await channel.close().catch(() => undefined);
    else await channel.collectRaw(Math.min(50, options.answerMs));
    // Listening starts before sending: a fast device can answer before the write resolves.
    const listening = channel.collectRaw(options.answerMs, enough);
    let sent = true;
    try {
      await channel.sendRaw(bytes);
    } catch {
      sent = false; // the link was already gone; the health check below says why
    }
    const answer = await listening;
    if (options.perCase) await channel.close().catch(() => undefined);
    const health = await this.health();
    if (health === 'hang' || health === 'death') return { verdict: health, recovered: false, answer: describe(codec, answer) };
    const recovered = health === 'recovered';
    if (!sent) return { verdict: 'ignored', recovered, answer: 'not sent: the link was closed' };
    if (isWellFormed(codec, bytes)) return { verdict: 'accepted', recovered, answer: describe(codec, answer) };
    const split = splitBytes(codec, answer);
    const answered = split.frames.some((f) => !codec.isRefusal(f.payload)) || split.stray > 0;
    const refused = split.control.includes(NAK) || split.frames.some((f) => codec.isRefusal(f.payload));
    const verdict: Verdict = answered ? 'wrong-answer' : refused ? 'rejected' : 'ignored';
    return { verdict, recovered, answer: describe(codec, answer) };
  }

  /** The device answers the health transaction (any outcome: an answer is a live device). */
  async health(): Promise<Health> {
    const first = await this.tryHealth();
    if (first === 'ok') return 'ok';
    // Maybe only this connection is out of step (a cut-off frame swallowed the health check): a fresh one decides.
    await this.channel.close().catch(() => undefined);
    const second = await this.tryHealth();
    if (second === 'ok') return 'recovered';
    return second === 'down' ? 'death' : 'hang';
  }

  private async tryHealth(): Promise<'ok' | 'timeout' | 'down'> {
    try {
      await this.channel.transact(this.options.health, { timeoutMs: this.options.healthTimeoutMs, signal: this.options.signal });
      return 'ok';
    } catch (err) {
      const code = (err as PoshilError).code;
      return code === 'LINK_CLOSED' || code === 'DEVICE_UNREACHABLE' ? 'down' : 'timeout';
    }
  }
}

/** "84 83 refusal", "NAK", "nothing": short words for the report, never the bytes (they may hold card data). */
function describe(codec: StackCodec, answer: Buffer): string {
  if (answer.length === 0) return 'nothing';
  const split = splitBytes(codec, answer);
  const parts: string[] = [];
  if (split.control.includes(NAK)) parts.push('NAK');
  const refusals = split.frames.filter((f) => codec.isRefusal(f.payload)).length;
  if (refusals) parts.push(`${refusals} refusal${refusals === 1 ? '' : 's'}`);
  const others = split.frames.length - refusals;
  if (others) parts.push(`${others} other answer${others === 1 ? '' : 's'}`);
  if (split.stray) parts.push(`${split.stray} unreadable byte${split.stray === 1 ? '' : 's'}`);
  return parts.length ? parts.join(', ') : `${answer.length} link byte${answer.length === 1 ? '' : 's'}`;
}
