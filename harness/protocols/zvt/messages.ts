/**
 * Reads a ZVT APDU into a typed message: the control field picks the layout (see
 * commands.ts for the table), BMPs are decoded by bmp.ts. Every error is a ZvtError naming
 * the APDU, the BMP and the byte offset.
 *
 * Pass `{ safe: true }` for anything that leaves the process (logs, reports, traces): card
 * numbers come out through maskPan, track data, CVV and passwords starred.
 */
import { controlField, decodeApdu } from './apdu';
import { decodeBcdDigits, decodeVarLength } from './bcd';
import type { DecodedBmp, DecodeOptions } from './bmp';
import { decodeBmps } from './bmp';
import { ZvtError } from './errors';

interface MessageBase {
  /** "06 01" */
  control: string;
  /** Human name of the command ("Authorisation"). */
  name: string;
  cls: number;
  instr: number;
}

type WithFields<K extends string> = MessageBase & { kind: K; fields: DecodedBmp[] };
type WithPassword<K extends string> = WithFields<K> & { password: string };

/** A decoded APDU; `kind` tells which (one union member per kind). */
export type ZvtMessage =
  | (MessageBase & { kind: 'positive-ack' })
  | (MessageBase & { kind: 'negative-ack'; errorCode: number })
  | (WithPassword<'registration'> & { configByte: number; currency?: number })
  | WithFields<'authorisation'>
  | WithFields<'status-information'>
  | WithPassword<'reversal'>
  | WithPassword<'refund'>
  | WithPassword<'end-of-day'>
  | WithPassword<'repeat-receipt'>
  | WithPassword<'status-enquiry'>
  | (MessageBase & { kind: 'log-off' })
  | (MessageBase & { kind: 'abort-request' })
  | (WithFields<'intermediate-status'> & { status: number; timeout?: number })
  | (MessageBase & { kind: 'print-line'; attribute: number; text: string })
  | (WithFields<'completion'> & { softwareVersion?: string; terminalStatus?: number })
  | (WithFields<'abort'> & { resultCode: number })
  | (MessageBase & { kind: 'other'; data: string });

export type ZvtMessageKind = ZvtMessage['kind'];

const NAMES: Record<string, [ZvtMessageKind, string]> = {
  '06 00': ['registration', 'Registration'],
  '06 01': ['authorisation', 'Authorisation'],
  '06 02': ['log-off', 'Log-off'],
  '06 0F': ['completion', 'Completion'],
  '06 1E': ['abort', 'Abort'],
  '06 30': ['reversal', 'Reversal'],
  '06 31': ['refund', 'Refund'],
  '06 50': ['end-of-day', 'End-of-day'],
  '06 20': ['repeat-receipt', 'Repeat receipt'],
  '06 B0': ['abort-request', 'Abort (ECR request)'],
  '06 D1': ['print-line', 'Print line'],
  '05 01': ['status-enquiry', 'Status enquiry'],
  '04 0F': ['status-information', 'Status information'],
  '04 FF': ['intermediate-status', 'Intermediate status information'],
};

/** Reads the 3-byte password at the start of the data (offset = its offset in the APDU). */
function readPassword(data: Buffer, headerLength: number, context: string, safe: boolean | undefined): string {
  if (data.length < 3) {
    throw new ZvtError(`${context}: the data starts with a 3-byte password but has only ${data.length} byte${data.length === 1 ? '' : 's'}`, { offset: headerLength + data.length });
  }
  const pw = decodeBcdDigits(data.subarray(0, 3), `${context}: password`, headerLength);
  return safe ? '******' : pw;
}

function needByte(data: Buffer, at: number, headerLength: number, context: string, what: string): number {
  if (at >= data.length) throw new ZvtError(`${context}: the APDU ends before the ${what} at offset ${headerLength + at}`, { offset: headerLength + at });
  return data[at];
}

/**
 * True when a Completion's data starts with an LLLVAR software version (F0..F9 three times):
 * the form a PT answers a Status Enquiry with. The BMP form starts with 19, 29, 49 or 06.
 */
function startsWithLllvar(data: Buffer): boolean {
  return data.length >= 3 && [0, 1, 2].every((i) => data[i] >> 4 === 0xf && (data[i] & 0x0f) <= 9);
}

export function decodeZvtMessage(bytes: Uint8Array, options: DecodeOptions = {}): ZvtMessage {
  const { cls, instr, data, headerLength } = decodeApdu(bytes);
  const apduBytes = Buffer.from(bytes);
  const control = controlField(cls, instr);
  const base = { control, cls, instr };
  if (cls === 0x80) return { ...base, kind: 'positive-ack', name: 'Positive acknowledgement' };
  if (cls === 0x84) return { ...base, kind: 'negative-ack', name: 'Negative acknowledgement', errorCode: instr };
  const known = NAMES[control];
  if (known === undefined) return { ...base, kind: 'other', name: `Unknown command ${control}`, data: data.toString('hex').toUpperCase() };
  const [kind, name] = known;
  const context = `${control} ${name}`;
  const bmpsFrom = (dataOffset: number): DecodedBmp[] => decodeBmps(apduBytes, headerLength + dataOffset, context, options);
  switch (kind) {
    case 'registration': {
      const password = readPassword(data, headerLength, context, options.safe);
      const configByte = needByte(data, 3, headerLength, context, 'config byte');
      if (data.length === 4) return { ...base, kind, name, password, configByte, fields: [] };
      if (data.length === 5) {
        throw new ZvtError(`${context}: 1 byte after the config byte at offset ${headerLength + 4}; the currency code takes 2`, { offset: headerLength + 4 });
      }
      const currency = Number(decodeBcdDigits(data.subarray(4, 6), `${context}: currency code`, headerLength + 4));
      return { ...base, kind, name, password, configByte, currency, fields: bmpsFrom(6) };
    }
    case 'authorisation':
    case 'status-information':
      return { ...base, kind, name, fields: bmpsFrom(0) };
    case 'reversal':
    case 'refund':
    case 'end-of-day':
    case 'repeat-receipt':
    case 'status-enquiry':
      return { ...base, kind, name, password: readPassword(data, headerLength, context, options.safe), fields: bmpsFrom(3) };
    case 'log-off':
    case 'abort-request':
      if (data.length > 0) throw new ZvtError(`${context} carries no data, but ${data.length} byte${data.length === 1 ? '' : 's'} follow`, { offset: headerLength });
      return { ...base, kind, name };
    case 'intermediate-status': {
      const status = needByte(data, 0, headerLength, context, 'intermediate status byte');
      if (data.length === 1) return { ...base, kind, name, status, fields: [] };
      return { ...base, kind, name, status, timeout: data[1], fields: bmpsFrom(2) };
    }
    case 'print-line':
      return { ...base, kind, name, attribute: needByte(data, 0, headerLength, context, 'print attribute'), text: data.subarray(1).toString('latin1') };
    case 'completion': {
      if (!startsWithLllvar(data)) return { ...base, kind, name, fields: bmpsFrom(0) };
      const length = decodeVarLength(apduBytes, headerLength, 3, `${context}: software version`);
      const end = 3 + length;
      if (end > data.length) {
        throw new ZvtError(`${context}: the software version announces ${length} bytes but the APDU ends at offset ${headerLength + data.length}`, { offset: headerLength + 3 });
      }
      const softwareVersion = data.subarray(3, end).toString('latin1');
      if (end === data.length) return { ...base, kind, name, softwareVersion, fields: [] };
      return { ...base, kind, name, softwareVersion, terminalStatus: data[end], fields: bmpsFrom(end + 1) };
    }
    case 'abort':
      return { ...base, kind, name, resultCode: needByte(data, 0, headerLength, context, 'result code'), fields: bmpsFrom(1) };
    default:
      throw new ZvtError(`${context}: no reader for ${kind}`);
  }
}
