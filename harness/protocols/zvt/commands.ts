/**
 * Builders for the ZVT APDUs poshil sends or emulates. Each returns the whole APDU (control
 * field, length, data); a framer (zvt-serial or zvt-tcp) puts it on the wire.
 *
 * ECR → PT (cash register to payment terminal):
 *   06 00 Registration      <password 3 BCD> <config byte> [<currency 2 BCD> [03 <service byte>] [06 <TLV>]]
 *   06 01 Authorisation     04 <amount> [49 <currency>] [19 <payment type>] [more BMPs]
 *   06 30 Reversal          <password> [04 <amount>] [87 <receipt no>] [49 <currency>] [more BMPs]
 *   06 31 Refund            <password> 04 <amount> [49 <currency>] [more BMPs]
 *   06 50 End-of-day        <password>
 *   05 01 Status enquiry    <password> [03 <service byte>] [06 <TLV>]
 *   06 02 Log-off           (no data)
 *   06 B0 Abort             (no data)
 * PT → ECR (and both ways for the acknowledgements):
 *   80 00 00                positive acknowledgement
 *   84 xx 00                negative acknowledgement, xx = error code (e.g. 84 9C 00)
 *   04 0F Status information  BMPs
 *   04 FF Intermediate status <status> [<timeout>] [06 <TLV>]
 *   06 D1 Print line          <attribute> <text>
 *   06 0F Completion          [19 <status byte>] [29 <TID>] [49 <currency>] [06 <TLV>], or after a
 *                             status enquiry: <software version LLLVAR> <terminal status> [06 <TLV>]
 *   06 1E Abort               <result code> [BMPs]
 *
 * The layouts follow the ZVT ECR interface specification (PA00P015) as reproduced by the
 * published traces cited in test/protocols/zvt/*.test.ts.
 */
import { encodeApdu } from './apdu';
import { encodeBcdNumber, encodeVarLength } from './bcd';
import type { BmpInput } from './bmp';
import { encodeBmps } from './bmp';
import { ZvtError } from './errors';

/** Control fields (CLASS, INSTR) of the commands above. */
export const ZVT_COMMANDS = {
  registration: [0x06, 0x00],
  authorisation: [0x06, 0x01],
  logOff: [0x06, 0x02],
  completion: [0x06, 0x0f],
  abort: [0x06, 0x1e],
  reversal: [0x06, 0x30],
  refund: [0x06, 0x31],
  endOfDay: [0x06, 0x50],
  repeatReceipt: [0x06, 0x20],
  abortRequest: [0x06, 0xb0],
  printLine: [0x06, 0xd1],
  statusEnquiry: [0x05, 0x01],
  statusInformation: [0x04, 0x0f],
  intermediateStatus: [0x04, 0xff],
} as const satisfies Record<string, readonly [number, number]>;

export const CCRC_POSITIVE = 0x80;
export const CCRC_NEGATIVE = 0x84;

/** The default ZVT password many terminals ship with, as in the published examples. */
export const DEFAULT_PASSWORD = '123456';

function password(pw: string = DEFAULT_PASSWORD): Buffer {
  if (!/^[0-9]{6}$/.test(pw)) throw new ZvtError(`password "${pw}" must be exactly 6 digits (3 BCD bytes)`);
  return Buffer.from(pw, 'hex');
}

function byte(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 0 || value > 0xff) throw new ZvtError(`${what} ${value} is not a byte value 0..255`);
  return value;
}

function apdu(control: readonly [number, number], data: Buffer): Buffer {
  return encodeApdu({ cls: control[0], instr: control[1], data });
}

const optional = (bmp: number, value: number | string | Buffer | undefined): BmpInput[] => (value === undefined ? [] : [{ bmp, value }]);

// ---------------------------------------------------------------------------------------------
// ECR → PT

export interface RegistrationParams {
  /** 6 digits; default 123456. */
  password?: string;
  /** Config byte (bit field: who prints receipts, who may start payments, …). */
  configByte: number;
  /** ISO 4217 numeric currency, e.g. 978 (EUR). Required when serviceByte or tlv is given. */
  currency?: number;
  serviceByte?: number;
  /** TLV container contents (without the 06 tag and its length). */
  tlv?: Buffer;
}

export function registration(p: RegistrationParams): Buffer {
  if (p.currency === undefined && (p.serviceByte !== undefined || p.tlv !== undefined)) {
    throw new ZvtError('registration: the currency must be given when a service byte or TLV container follows (the specification makes them follow the currency)');
  }
  const parts = [password(p.password), Buffer.from([byte(p.configByte, 'config byte')])];
  if (p.currency !== undefined) parts.push(encodeBcdNumber(p.currency, 2, 'currency code'));
  parts.push(encodeBmps([...optional(0x03, p.serviceByte), ...optional(0x06, p.tlv)]));
  return apdu(ZVT_COMMANDS.registration, Buffer.concat(parts));
}

export interface AuthorisationParams {
  /** Amount in minor units (cents): 11000 = 110.00. */
  amount: number;
  currency?: number;
  paymentType?: number;
  /** Further BMPs, written after the ones above in the order given. */
  extra?: readonly BmpInput[];
}

export function authorisation(p: AuthorisationParams): Buffer {
  return apdu(
    ZVT_COMMANDS.authorisation,
    encodeBmps([{ bmp: 0x04, value: p.amount }, ...optional(0x49, p.currency), ...optional(0x19, p.paymentType), ...(p.extra ?? [])]),
  );
}

export interface ReversalParams {
  password?: string;
  amount?: number;
  receiptNumber?: number;
  currency?: number;
  extra?: readonly BmpInput[];
}

export function reversal(p: ReversalParams = {}): Buffer {
  const bmps = encodeBmps([...optional(0x04, p.amount), ...optional(0x87, p.receiptNumber), ...optional(0x49, p.currency), ...(p.extra ?? [])]);
  return apdu(ZVT_COMMANDS.reversal, Buffer.concat([password(p.password), bmps]));
}

export interface RefundParams {
  password?: string;
  amount: number;
  currency?: number;
  extra?: readonly BmpInput[];
}

export function refund(p: RefundParams): Buffer {
  const bmps = encodeBmps([{ bmp: 0x04, value: p.amount }, ...optional(0x49, p.currency), ...(p.extra ?? [])]);
  return apdu(ZVT_COMMANDS.refund, Buffer.concat([password(p.password), bmps]));
}

export function endOfDay(p: { password?: string } = {}): Buffer {
  return apdu(ZVT_COMMANDS.endOfDay, password(p.password));
}

/** Repeat Receipt (06 20): the terminal reports its last transaction again — how an ECR learns the outcome of one whose result it lost. */
export function repeatReceipt(p: { password?: string } = {}): Buffer {
  return apdu(ZVT_COMMANDS.repeatReceipt, password(p.password));
}

export function statusEnquiry(p: { password?: string; serviceByte?: number; tlv?: Buffer } = {}): Buffer {
  return apdu(ZVT_COMMANDS.statusEnquiry, Buffer.concat([password(p.password), encodeBmps([...optional(0x03, p.serviceByte), ...optional(0x06, p.tlv)])]));
}

export function logOff(): Buffer {
  return apdu(ZVT_COMMANDS.logOff, Buffer.alloc(0));
}

/** 06 B0: the ECR asks the PT to abort the running command. */
export function abortRequest(): Buffer {
  return apdu(ZVT_COMMANDS.abortRequest, Buffer.alloc(0));
}

// ---------------------------------------------------------------------------------------------
// PT → ECR

/** 80 00 00 */
export function positiveAck(): Buffer {
  return encodeApdu({ cls: CCRC_POSITIVE, instr: 0x00, data: Buffer.alloc(0) });
}

/** 84 xx 00 */
export function negativeAck(errorCode: number): Buffer {
  return encodeApdu({ cls: CCRC_NEGATIVE, instr: byte(errorCode, 'error code'), data: Buffer.alloc(0) });
}

export function statusInformation(fields: readonly BmpInput[]): Buffer {
  return apdu(ZVT_COMMANDS.statusInformation, encodeBmps(fields));
}

export function intermediateStatus(status: number, options: { timeout?: number; tlv?: Buffer } = {}): Buffer {
  if (options.tlv !== undefined && options.timeout === undefined) {
    throw new ZvtError('intermediate status: a TLV container can only follow the timeout byte; give a timeout (0 = none) as well');
  }
  const head = [byte(status, 'intermediate status'), ...(options.timeout === undefined ? [] : [byte(options.timeout, 'timeout')])];
  return apdu(ZVT_COMMANDS.intermediateStatus, Buffer.concat([Buffer.from(head), encodeBmps(optional(0x06, options.tlv))]));
}

export function printLine(attribute: number, text: string): Buffer {
  return apdu(ZVT_COMMANDS.printLine, Buffer.concat([Buffer.from([byte(attribute, 'print attribute')]), Buffer.from(text, 'latin1')]));
}

export type CompletionParams =
  | { statusByte?: number; terminalId?: string; currency?: number; tlv?: Buffer }
  | { softwareVersion: string; terminalStatus: number; tlv?: Buffer };

export function completion(p: CompletionParams = {}): Buffer {
  if ('softwareVersion' in p) {
    const version = Buffer.from(p.softwareVersion, 'latin1');
    const data = Buffer.concat([encodeVarLength(version.length, 3, 'software version'), version, Buffer.from([byte(p.terminalStatus, 'terminal status')]), encodeBmps(optional(0x06, p.tlv))]);
    return apdu(ZVT_COMMANDS.completion, data);
  }
  return apdu(ZVT_COMMANDS.completion, encodeBmps([...optional(0x19, p.statusByte), ...optional(0x29, p.terminalId), ...optional(0x49, p.currency), ...optional(0x06, p.tlv)]));
}

/** 06 1E: the PT ends the command unsuccessfully with a result code. */
export function abort(resultCode: number, fields: readonly BmpInput[] = []): Buffer {
  return apdu(ZVT_COMMANDS.abort, Buffer.concat([Buffer.from([byte(resultCode, 'result code')]), encodeBmps(fields)]));
}
