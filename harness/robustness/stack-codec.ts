import { PoshilError } from '../errors';
import { createFramer } from '../framing/registry';
import type { Frame, Framer } from '../framing/framer';
import { decodeRequest } from '../protocols/concert/messages';
import type { Iso8583Codec } from '../protocols/iso8583/codec';
import { decodeZvtMessage } from '../protocols/zvt/messages';
import type { FramingConfig, ProtocolConfig } from '../suite/types';

/**
 * What the robustness kind knows of an interface's framing and protocol: how to split bytes
 * into frames, whether a frame is a request the device is bound to understand (the oracle:
 * anything else must be refused or ignored), and whether an answer is a refusal. poshil's own
 * decoders are the reference, so a device stricter or more lenient than them shows up here.
 */
export interface StackCodec {
  readonly protocol: string;
  readonly framing: FramingConfig;
  /** Serial ECR framings: single control bytes (ACK, NAK, ENQ, EOT) travel between frames. */
  readonly linkControl: boolean;
  framer(): Framer;
  /** The payload is a request this protocol defines and that decodes cleanly. */
  isWellFormedRequest(payload: Buffer): boolean;
  /** The payload is the device refusing what it got (ISO 8583 field 39 in rejectCodes, ZVT 84 xx). */
  isRefusal(payload: Buffer): boolean;
  /** ISO 8583 only: the codec, for cases built at message level. */
  readonly iso8583?: Iso8583Codec;
}

export const ACK = 0x06;
export const NAK = 0x15;
const LINK_CONTROL = new Set([0x04, 0x05, ACK, NAK]);

/** Requests an ECR sends a terminal; anything else on the ECR link is not for the terminal to act on. */
const ISO_REQUEST_MTIS = new Set(['0100', '0200', '0400', '0420', '0500', '0800']);
const ZVT_ECR_COMMANDS = new Set(['authorisation', 'refund', 'reversal', 'end-of-day', 'status-enquiry', 'registration', 'log-off', 'repeat-receipt']);

export async function buildStackCodec(stack: { framing: FramingConfig; protocol: ProtocolConfig; baseDir: string }, rejectCodes: readonly string[]): Promise<StackCodec> {
  const linkControl = (stack.framing.type === 'zvt-serial' || stack.framing.type === 'stx-etx-lrc') && stack.framing.ackNak !== false;
  const base = { protocol: stack.protocol.type, framing: stack.framing, linkControl, framer: () => createFramer(stack.framing) };
  switch (stack.protocol.type) {
    case 'iso8583': {
      // Loaded when needed: the packager loader reaches the suite schema, which lists this kind.
      const [{ Iso8583Codec }, { loadPackager }] = await Promise.all([import('../protocols/iso8583/codec'), import('../protocols/iso8583/packager')]);
      const codec = new Iso8583Codec(loadPackager(stack.protocol.packager as string, stack.baseDir));
      return {
        ...base,
        iso8583: codec,
        isWellFormedRequest: (p) => quietly(() => ISO_REQUEST_MTIS.has(codec.unpack(p).mti)),
        isRefusal: (p) => quietly(() => rejectCodes.includes(codec.unpack(p).fields[39] ?? '')),
      };
    }
    case 'zvt':
      return {
        ...base,
        isWellFormedRequest: (p) => quietly(() => ZVT_ECR_COMMANDS.has(decodeZvtMessage(p).kind)),
        isRefusal: (p) => p[0] === 0x84,
      };
    case 'concert':
      return { ...base, isWellFormedRequest: (p) => quietly(() => decodeRequest(p) !== undefined), isRefusal: () => false };
    default:
      throw new PoshilError('ROBUSTNESS_PROTOCOL', `the robustness kind does not know protocol '${stack.protocol.type}' yet (it knows iso8583, zvt and concert)`, { exitCode: 1 });
  }
}

/** A decoder's typed error means "no"; anything else is a bug in poshil and goes on up. */
function quietly(test: () => boolean): boolean {
  try {
    return test();
  } catch (err) {
    if (err instanceof PoshilError) return false;
    throw err;
  }
}

export interface SplitBytes {
  frames: Frame[];
  /** Link control bytes seen between frames (ACK, NAK …). */
  control: number[];
  /** Bytes that are neither a whole frame nor control: a broken frame, garbage, a cut-off tail. */
  stray: number;
}

/** Splits bytes as the interface's receiver would, never throwing: the verdict needs every part. */
export function splitBytes(codec: StackCodec, bytes: Buffer): SplitBytes {
  const framer = codec.framer();
  const out: SplitBytes = { frames: [], control: [], stray: 0 };
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number;
    if (codec.linkControl && framer.pending === 0 && LINK_CONTROL.has(b)) {
      out.control.push(b);
      continue;
    }
    try {
      out.frames.push(...framer.push(bytes.subarray(i, i + 1)));
    } catch (err) {
      if (!(err instanceof PoshilError)) throw err;
      out.stray++;
      framer.reset();
    }
  }
  out.stray += framer.pending;
  return out;
}

/** True when the bytes are nothing but whole, well-formed requests: the device must serve them. */
export function isWellFormed(codec: StackCodec, bytes: Buffer): boolean {
  const split = splitBytes(codec, bytes);
  return split.stray === 0 && split.control.length === 0 && split.frames.length > 0 && split.frames.every((f) => codec.isWellFormedRequest(f.payload));
}
