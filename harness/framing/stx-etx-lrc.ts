/**
 * STX … ETX LRC framing, the classic character framing of serial ECR (cash register) protocols:
 *
 *     STX [length] payload ETX LRC
 *
 * - STX = 0x02 starts a frame, ETX = 0x03 ends it, and one LRC byte follows ETX.
 * - LRC (longitudinal redundancy check) = XOR of the covered bytes. Default coverage: every
 *   byte after STX up to and including ETX, which is what Ingenico Concert uses (PayXpert's
 *   Concert V2 description: "LRC — Checksum (computed using bytes from ECR# to AUTO + ETX)",
 *   i.e. all bytes after STX, ETX included). Some devices also XOR the STX
 *   (`lrcIncludesStx`), leave ETX out (`lrcIncludesEtx: false`) or start from a non-zero
 *   value (`lrcSeed`; e.g. Nexi's ECR protocol documents an LRC "using as base value 0x7F").
 * - `lengthByte`: one binary byte after STX gives the payload length (0..255); the payload
 *   may then contain STX/ETX bytes. Without it the first ETX ends the frame, so the payload
 *   must not contain STX or ETX (the encoder refuses such a payload).
 * - `enqHandshake`: the link runs ENQ → ACK before a frame and EOT after it (Concert does).
 * - `ackNak: false`: no link layer at all — bare frames, a bad LRC is dropped, not NAKed
 *   (harness/link/open-frame-link.ts reads it; it rules out the ENQ handshake).
 *   The framer itself never sees those single control bytes; the ACK/NAK link layer
 *   (harness/link/ack-nak-link.ts) reads this flag.
 *
 * Resynchronisation: bytes before STX (noise, a half frame from before we started listening)
 * are skipped and counted in `skippedBytes`; an STX inside an unfinished frame (no length
 * byte) abandons the partial frame — the sender restarted — and counts it as skipped too.
 * A wrong LRC, a missing ETX or an oversize frame throws FramingStreamError (code
 * FRAMING_ERROR); the link layer answers it with NAK so the sender retransmits.
 */
import { FramingError } from '../errors';
import type { FramingConfig } from '../suite/types';
import { DelimitedFramer } from './delimited-framer';
import type { Frame, Framer } from './framer';
import { booleanOption, checkOptionNames, framingConfigError, hexByte, integerOption } from './option-checks';

export const STX = 0x02;
export const ETX = 0x03;

const TYPE = 'stx-etx-lrc';
const DEFAULT_MAX_LENGTH = 1024;
const MAX_MAX_LENGTH = 65535;
// t1Ms, retries, t2Ms belong to the ACK/NAK link layer (harness/link/open-frame-link.ts).
const OPTION_NAMES = ['preset', 'lengthByte', 'lrcIncludesStx', 'lrcIncludesEtx', 'lrcSeed', 'enqHandshake', 'maxLength', 'ackNak', 't1Ms', 'retries', 't2Ms'] as const;

/** Options of an `stx-etx-lrc` framing block (framing/config-schemas.ts has the JSON form). */
export interface StxEtxLrcOptions {
  type?: 'stx-etx-lrc';
  /** Named device family whose settings are the defaults; explicit options still win. */
  preset?: 'concert';
  /** A 1-byte binary payload length follows STX (and is covered by the LRC). Default false. */
  lengthByte?: boolean;
  /** The LRC also covers the STX byte. Default false. */
  lrcIncludesStx?: boolean;
  /** The LRC covers the ETX byte. Default true. */
  lrcIncludesEtx?: boolean;
  /** Start value of the XOR. Default 0. */
  lrcSeed?: number;
  /** ENQ/ACK before each frame and EOT after it (used by the link layer). Default false. */
  enqHandshake?: boolean;
  /** Longest accepted payload in bytes. Default 1024 (255 at most with a length byte). */
  maxLength?: number;
}

export interface ResolvedStxEtxLrcOptions {
  readonly preset?: 'concert';
  readonly lengthByte: boolean;
  readonly lrcIncludesStx: boolean;
  readonly lrcIncludesEtx: boolean;
  readonly lrcSeed: number;
  readonly enqHandshake: boolean;
  readonly maxLength: number;
}

/**
 * Ingenico Concert (the "Association du Paiement" cash-register protocol, as in Ingenico's
 * Telium terminals): STX message ETX LRC, LRC = XOR of every byte after STX up to and
 * including ETX, and an ENQ/ACK … EOT handshake around each message.
 */
export const STX_ETX_LRC_PRESETS: Readonly<Record<'concert', Omit<ResolvedStxEtxLrcOptions, 'preset'>>> = {
  concert: { lengthByte: false, lrcIncludesStx: false, lrcIncludesEtx: true, lrcSeed: 0, enqHandshake: true, maxLength: DEFAULT_MAX_LENGTH },
};

export function resolveStxEtxLrcOptions(raw: Readonly<Record<string, unknown>>): ResolvedStxEtxLrcOptions {
  const block = checkOptionNames(TYPE, raw, OPTION_NAMES);
  const preset = block.preset;
  if (preset !== undefined && preset !== 'concert') {
    throw framingConfigError(TYPE, `preset is ${JSON.stringify(preset)}; the known presets are: concert`);
  }
  const base = preset === 'concert' ? STX_ETX_LRC_PRESETS.concert : undefined;
  const lengthByte = booleanOption(TYPE, 'lengthByte', block.lengthByte, base?.lengthByte ?? false);
  const lrcIncludesStx = booleanOption(TYPE, 'lrcIncludesStx', block.lrcIncludesStx, base?.lrcIncludesStx ?? false);
  const lrcIncludesEtx = booleanOption(TYPE, 'lrcIncludesEtx', block.lrcIncludesEtx, base?.lrcIncludesEtx ?? true);
  const lrcSeed = integerOption(TYPE, 'lrcSeed', block.lrcSeed, base?.lrcSeed ?? 0, 0, 255);
  const enqHandshake = booleanOption(TYPE, 'enqHandshake', block.enqHandshake, base?.enqHandshake ?? false);
  const ackNak = booleanOption(TYPE, 'ackNak', block.ackNak, true);
  if (!ackNak && enqHandshake) {
    throw framingConfigError(TYPE, `enqHandshake${preset ? ` (set by the '${preset}' preset)` : ''} needs the ACK/NAK link: with ackNak false, set enqHandshake to false too`);
  }
  const maxLength = integerOption(TYPE, 'maxLength', block.maxLength, lengthByte ? 255 : (base?.maxLength ?? DEFAULT_MAX_LENGTH), 1, MAX_MAX_LENGTH, 'bytes');
  if (lengthByte && maxLength > 255) {
    throw framingConfigError(TYPE, `maxLength ${maxLength} cannot be written in a 1-byte length (lengthByte: true); it must be 255 or less`);
  }
  return { ...(preset === undefined ? {} : { preset }), lengthByte, lrcIncludesStx, lrcIncludesEtx, lrcSeed, enqHandshake, maxLength };
}

/** XOR of `bytes`, starting from `seed`. */
export function lrc(bytes: Uint8Array, seed = 0): number {
  let x = seed;
  for (const b of bytes) x ^= b;
  return x;
}

type State = 'hunt' | 'length' | 'payload' | 'etx' | 'lrc';

export class StxEtxLrcFramer extends DelimitedFramer<State> implements Framer {
  readonly type = TYPE;
  readonly options: ResolvedStxEtxLrcOptions;

  /** Running XOR of the covered bytes of the frame being assembled. */
  private check = 0;
  /** With a length byte: the payload length it announced. */
  private announced = 0;

  /** Accepts typed options from code or a raw `framing` block; throws FRAMING_CONFIG if they make no sense. */
  constructor(options: StxEtxLrcOptions | FramingConfig = {}) {
    super();
    this.options = resolveStxEtxLrcOptions(options as Readonly<Record<string, unknown>>);
  }

  /** The LRC this framer puts after `payload` (covering the length byte, when configured). */
  lrcOf(payload: Uint8Array): number {
    const { lrcIncludesStx, lrcIncludesEtx, lrcSeed, lengthByte } = this.options;
    let x = lrc(payload, lrcSeed);
    if (lrcIncludesStx) x ^= STX;
    if (lengthByte) x ^= payload.length;
    if (lrcIncludesEtx) x ^= ETX;
    return x;
  }

  encode(frame: Frame): Buffer {
    const { payload, header } = frame;
    if (!Buffer.isBuffer(payload)) throw new FramingError('cannot frame the message: its payload is not a byte buffer');
    if (header !== undefined && header.length > 0) {
      throw new FramingError(`the frame has a ${header.length}-byte header but stx-etx-lrc framing has no header; it would be lost`);
    }
    if (payload.length === 0) throw new FramingError('cannot frame an empty message: STX ETX with nothing between carries no message');
    const { lengthByte, maxLength } = this.options;
    if (payload.length > maxLength) {
      throw new FramingError(`cannot send a ${payload.length}-byte message: the link's maxLength is ${maxLength} bytes`);
    }
    if (!lengthByte) {
      const at = payload.findIndex((b) => b === STX || b === ETX);
      if (at !== -1) {
        throw new FramingError(
          `cannot frame the message: byte ${at} is ${payload[at] === STX ? 'STX' : 'ETX'} (${hexByte(payload[at])}), which would end or restart the frame; ` +
            'without a length byte (lengthByte: true) the payload must not contain STX or ETX',
        );
      }
    }
    const head = lengthByte ? [STX, payload.length] : [STX];
    return Buffer.concat([Buffer.from(head), payload, Buffer.from([ETX, this.lrcOf(payload)])]);
  }

  push(chunk: Buffer): Frame[] {
    if (!Buffer.isBuffer(chunk)) throw new TypeError('StxEtxLrcFramer.push expects a Buffer');
    const frames: Frame[] = [];
    const { lengthByte, lrcIncludesEtx, maxLength } = this.options;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i];
      const offset = this.position++;
      switch (this.state) {
        case 'hunt':
          if (b === STX) this.startFrame(offset);
          else this.skipped++;
          break;
        case 'length':
          this.frameBytes++;
          if (b > maxLength) {
            this.fail(`length byte ${hexByte(b)} announces a ${b}-byte payload, more than maxLength ${maxLength}: the stream is out of step or maxLength is too small`, frames, chunk, i);
          }
          this.check ^= b;
          this.announced = b;
          this.state = b === 0 ? 'etx' : 'payload';
          break;
        case 'payload':
          if (!lengthByte && b === ETX) {
            this.frameBytes++;
            if (lrcIncludesEtx) this.check ^= ETX;
            this.state = 'lrc';
            break;
          }
          if (!lengthByte && b === STX) {
            // The sender started over (or we joined mid-frame): drop the partial frame.
            this.skipped += this.frameBytes;
            this.startFrame(offset);
            break;
          }
          if (!lengthByte && this.payload.length === maxLength) {
            this.frameBytes++;
            this.fail(`no ETX within maxLength ${maxLength} bytes after STX: the frame is longer than allowed or its ETX was lost`, frames, chunk, i);
          }
          this.frameBytes++;
          this.payload.push(b);
          this.check ^= b;
          if (lengthByte && this.payload.length === this.announced) this.state = 'etx';
          break;
        case 'etx':
          this.frameBytes++;
          if (b !== ETX) {
            this.fail(`expected ETX (0x03) after the ${this.announced}-byte payload its length byte announced, found ${hexByte(b)}: the stream is out of step`, frames, chunk, i);
          }
          if (lrcIncludesEtx) this.check ^= ETX;
          this.state = 'lrc';
          break;
        case 'lrc': {
          if (b !== this.check) {
            this.frameBytes++;
            this.fail(
              `LRC mismatch: expected ${hexByte(this.check)}, received ${hexByte(b)} (XOR of ${this.describeCoverage()} over a ${this.payload.length}-byte payload): ` +
                'the frame was corrupted on the line (a NAK asks for it again)',
              frames,
              chunk,
              i,
            );
          }
          frames.push({ payload: this.payload.copy() });
          this.reset();
          break;
        }
      }
    }
    return frames;
  }

  private describeCoverage(): string {
    const { lrcIncludesStx, lrcIncludesEtx, lengthByte, lrcSeed } = this.options;
    const from = lrcIncludesStx ? 'STX' : 'the byte after STX';
    const parts = `${from}${lengthByte ? ' (length byte included)' : ''} up to ${lrcIncludesEtx ? 'and including ETX' : 'but not including ETX'}`;
    return lrcSeed === 0 ? parts : `${parts}, starting from ${hexByte(lrcSeed)}`;
  }

  private startFrame(offset: number): void {
    this.payload.clear();
    this.check = this.options.lrcSeed ^ (this.options.lrcIncludesStx ? STX : 0);
    this.frameBytes = 1;
    this.frameStart = offset;
    this.state = this.options.lengthByte ? 'length' : 'payload';
  }
}
