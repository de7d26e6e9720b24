import { PoshilError } from '../../../harness/errors';
import { resolveLengthPrefixOptions } from '../../../harness/framing/length-prefix';
import type { Iso8583Codec } from '../../../harness/protocols/iso8583/codec';
import type { Iso8583Message } from '../../../harness/protocols/iso8583/types';
import type { FramingConfig } from '../../../harness/suite/types';

/**
 * How the emulated terminal meets input it cannot read: what a well-behaved terminal answers
 * (ISO 8583 response code 30, "format error"), and the tests the robustness defect switches
 * need to recognise the input that sets them off.
 */

/** ISO 8583 field 39 for a message the terminal could not read. */
export const FORMAT_ERROR = '30';

/**
 * The answer to an ISO 8583 request that would not unpack: its MTI + 10 with field 39 "30".
 * Nothing (undefined) when not even the MTI can be read, or when it is not a request (an odd
 * function digit is already an answer; answering it would start a ping-pong).
 */
export function formatErrorResponse(payload: Buffer, codec: Iso8583Codec): Iso8583Message | undefined {
  const mti = readMti(payload, codec.packager.mtiEncoding === 'bcd');
  if (mti === undefined || Number(mti[2]) % 2 !== 0) return undefined;
  return { mti: String(Number(mti) + 10).padStart(4, '0'), fields: { 39: FORMAT_ERROR } };
}

function readMti(payload: Buffer, bcd: boolean): string | undefined {
  const text = bcd ? payload.subarray(0, 2).toString('hex') : payload.subarray(0, 4).toString('latin1');
  return /^[0-9]{4}$/.test(text) ? text : undefined;
}

/**
 * crashOnOversize: true when `chunk`, the start of a new frame on a length-prefixed link,
 * announces more than the link's maxLength. A terminal whose firmware allocates the announced
 * length before checking it dies here. Only length-prefix framing has a length to overrun.
 */
export function announcesOversize(chunk: Buffer, framing: FramingConfig): boolean {
  if (framing.type !== 'length-prefix') return false;
  const o = resolveLengthPrefixOptions(framing);
  if (chunk.length < o.lengthBytes) return false;
  const prefix = chunk.subarray(0, o.lengthBytes);
  let value: number;
  if (o.lengthEncoding === 'ascii') {
    if (!/^[0-9]+$/.test(prefix.toString('latin1'))) return false;
    value = Number(prefix.toString('latin1'));
  } else {
    value = o.lengthBytes === 2 ? prefix.readUInt16BE(0) : prefix.readUInt32BE(0);
  }
  return value - (o.includesPrefix ? o.lengthBytes : 0) > o.maxLength;
}

/** hangOnBadBcd: the decoders (ZVT and ISO 8583 alike) say "not packed BCD" for a nibble above 9. */
export function isBadBcd(err: unknown): boolean {
  return err instanceof PoshilError && /not packed BCD/.test(err.message);
}
