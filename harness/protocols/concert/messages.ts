/**
 * The Ingenico Concert V2 ("E+") ECR message set: fixed-width ASCII fields, carried between
 * STX and ETX by the `stx-etx-lrc` framing with the `concert` preset.
 *
 * Request, ECR → terminal, 34 characters:
 *
 *     offset  len  field            values
 *          0    2  posNumber        "01"                       cash register number
 *          2    8  amount           "00001234"                 minor units (12.34)
 *         10    1  answerFlag       '0' short answer, '1' answer with the 55-character rep field
 *         11    1  paymentMode      '1' card, 'C' cheque
 *         12    1  transactionType  '0' debit (sale), '1' credit (refund), '2' cancellation, '4' duplicate
 *         13    3  currency         "978"                      ISO 4217 numeric
 *         16   10  privateData      free text, echoed back by the terminal (space-padded)
 *         26    4  delay            "A010" answer at end of transaction, "A011" answer at once
 *         30    4  authorisation    "B010" terminal decides, "B011" forced authorisation
 *
 * Response, terminal → ECR, 25 characters, or 80 when the request's answerFlag was '1':
 *
 *     offset  len  field        values
 *          0    2  posNumber    echoed
 *          2    1  status       '0' accepted, '7' refused / failed
 *          3    8  amount       minor units
 *         11    1  paymentMode  '1' card, 'C' cheque
 *         12   55  rep          (only with answerFlag '1') card data: the PAN, left-justified, space-padded
 *     12 / 67   3  currency
 *     15 / 70  10  privateData  echoed
 *
 * Every character is printable ASCII (0x20–0x7E), so a message never holds STX or ETX and
 * fits a 7-bit line. Every error is a ConcertError naming the field and its offset.
 */
import { ConcertError } from './errors';

export type AnswerFlag = '0' | '1';
export type PaymentMode = '1' | 'C';
export type TransactionCode = '0' | '1' | '2' | '4';
export type Delay = 'A010' | 'A011';
export type Authorisation = 'B010' | 'B011';
export type Status = '0' | '7';

export interface ConcertRequest {
  posNumber: string;
  amount: string;
  answerFlag: AnswerFlag;
  paymentMode: PaymentMode;
  transactionType: TransactionCode;
  currency: string;
  privateData: string;
  delay: Delay;
  authorisation: Authorisation;
}

export interface ConcertResponse {
  posNumber: string;
  status: Status;
  amount: string;
  paymentMode: PaymentMode;
  /** Card data, 55 characters; present only when the request's answerFlag was '1'. */
  rep?: string;
  currency: string;
  privateData: string;
}

export const REQUEST_LENGTH = 34;
export const RESPONSE_LENGTH = 25;
export const REP_LENGTH = 55;
export const RESPONSE_LENGTH_WITH_REP = RESPONSE_LENGTH + REP_LENGTH;
export const PRIVATE_DATA_LENGTH = 10;
export const MAX_AMOUNT_MINOR = 99_999_999;

type Rule = { digits: true } | { text: true } | { oneOf: Readonly<Record<string, string>> };

interface FieldSpec {
  name: string;
  length: number;
  rule: Rule;
}

const ANSWER_FLAGS = { '0': 'short answer', '1': 'answer with the rep field' };
const PAYMENT_MODES = { '1': 'card', C: 'cheque' };
const TRANSACTION_CODES = { '0': 'debit (sale)', '1': 'credit (refund)', '2': 'cancellation', '4': 'duplicate of the last ticket' };
const DELAYS = { A010: 'answer at end of transaction', A011: 'answer immediately' };
const AUTHORISATIONS = { B010: 'terminal decides', B011: 'forced authorisation' };
const STATUSES = { '0': 'transaction accepted', '7': 'refused or failed' };

export const REQUEST_FIELDS: readonly FieldSpec[] = [
  { name: 'posNumber', length: 2, rule: { digits: true } },
  { name: 'amount', length: 8, rule: { digits: true } },
  { name: 'answerFlag', length: 1, rule: { oneOf: ANSWER_FLAGS } },
  { name: 'paymentMode', length: 1, rule: { oneOf: PAYMENT_MODES } },
  { name: 'transactionType', length: 1, rule: { oneOf: TRANSACTION_CODES } },
  { name: 'currency', length: 3, rule: { digits: true } },
  { name: 'privateData', length: PRIVATE_DATA_LENGTH, rule: { text: true } },
  { name: 'delay', length: 4, rule: { oneOf: DELAYS } },
  { name: 'authorisation', length: 4, rule: { oneOf: AUTHORISATIONS } },
];

const RESPONSE_HEAD: readonly FieldSpec[] = [
  { name: 'posNumber', length: 2, rule: { digits: true } },
  { name: 'status', length: 1, rule: { oneOf: STATUSES } },
  { name: 'amount', length: 8, rule: { digits: true } },
  { name: 'paymentMode', length: 1, rule: { oneOf: PAYMENT_MODES } },
];
const REP: FieldSpec = { name: 'rep', length: REP_LENGTH, rule: { text: true } };
const RESPONSE_TAIL: readonly FieldSpec[] = [
  { name: 'currency', length: 3, rule: { digits: true } },
  { name: 'privateData', length: PRIVATE_DATA_LENGTH, rule: { text: true } },
];

/** The response layout: with the rep field (answerFlag '1') or without. */
export function responseFields(withRep: boolean): readonly FieldSpec[] {
  return withRep ? [...RESPONSE_HEAD, REP, ...RESPONSE_TAIL] : [...RESPONSE_HEAD, ...RESPONSE_TAIL];
}

export function encodeRequest(request: ConcertRequest): Buffer {
  return encode('request', REQUEST_FIELDS, request as unknown as Record<string, string | undefined>);
}

export function encodeResponse(response: ConcertResponse): Buffer {
  return encode('response', responseFields(response.rep !== undefined), response as unknown as Record<string, string | undefined>);
}

export function decodeRequest(bytes: Buffer): ConcertRequest {
  if (bytes.length !== REQUEST_LENGTH) {
    throw new ConcertError(`Concert request: wrong length: a request is ${REQUEST_LENGTH} characters, found ${bytes.length}`);
  }
  return decode('request', REQUEST_FIELDS, bytes) as unknown as ConcertRequest;
}

/** Reads a response: 25 characters (short answer) or 80 (with the rep field). */
export function decodeResponse(bytes: Buffer): ConcertResponse {
  if (bytes.length !== RESPONSE_LENGTH && bytes.length !== RESPONSE_LENGTH_WITH_REP) {
    throw new ConcertError(
      `Concert response: wrong length: a response is ${RESPONSE_LENGTH} characters (short answer) or ${RESPONSE_LENGTH_WITH_REP} (with the ${REP_LENGTH}-character rep field), found ${bytes.length}`,
    );
  }
  return decode('response', responseFields(bytes.length === RESPONSE_LENGTH_WITH_REP), bytes) as unknown as ConcertResponse;
}

/** An amount in minor units as the 8-digit amount field ("00001234"). */
export function amountField(amountMinor: number): string {
  if (!Number.isInteger(amountMinor) || amountMinor < 0 || amountMinor > MAX_AMOUNT_MINOR) {
    throw new ConcertError(`Concert amount ${amountMinor} cannot be sent: the amount field holds a whole number of minor units from 0 to ${MAX_AMOUNT_MINOR}`, { field: 'amount', offset: 2 });
  }
  return String(amountMinor).padStart(8, '0');
}

function offsets(fields: readonly FieldSpec[]): number[] {
  const at: number[] = [];
  let offset = 0;
  for (const f of fields) {
    at.push(offset);
    offset += f.length;
  }
  return at;
}

function where(what: string, f: FieldSpec, offset: number): string {
  return `Concert ${what}: field ${f.name} (offset ${offset}, ${f.length} character${f.length === 1 ? '' : 's'})`;
}

/** Why `value` is not a valid value of `f`, or undefined when it is. */
function problem(f: FieldSpec, value: string): string | undefined {
  const rule = f.rule;
  if ('digits' in rule) return /^[0-9]*$/.test(value) ? undefined : `must be digits, found ${JSON.stringify(value)}`;
  if ('text' in rule) {
    const bad = [...value].findIndex((c) => c < ' ' || c > '~');
    return bad === -1 ? undefined : `must be printable ASCII, found character 0x${value.charCodeAt(bad).toString(16).toUpperCase().padStart(2, '0')} at position ${bad} of the field`;
  }
  if (Object.prototype.hasOwnProperty.call(rule.oneOf, value)) return undefined;
  const known = Object.entries(rule.oneOf)
    .map(([k, meaning]) => `'${k}' (${meaning})`)
    .join(', ');
  return `unknown value ${JSON.stringify(value)}; known: ${known}`;
}

function encode(what: string, fields: readonly FieldSpec[], message: Record<string, string | undefined>): Buffer {
  const at = offsets(fields);
  let text = '';
  fields.forEach((f, i) => {
    const value = message[f.name];
    const offset = at[i] as number;
    if (typeof value !== 'string') throw new ConcertError(`${where(what, f, offset)} is missing`, { field: f.name, offset });
    if (value.length !== f.length) {
      throw new ConcertError(`${where(what, f, offset)} must be ${f.length} characters, found ${value.length} (${JSON.stringify(value)})`, { field: f.name, offset });
    }
    const why = problem(f, value);
    if (why) throw new ConcertError(`${where(what, f, offset)} ${why}`, { field: f.name, offset });
    text += value;
  });
  return Buffer.from(text, 'latin1');
}

function decode(what: string, fields: readonly FieldSpec[], bytes: Buffer): Record<string, string> {
  const at = offsets(fields);
  const message: Record<string, string> = {};
  fields.forEach((f, i) => {
    const offset = at[i] as number;
    const raw = bytes.subarray(offset, offset + f.length);
    const nonAscii = raw.findIndex((b) => b < 0x20 || b > 0x7e);
    if (nonAscii !== -1) {
      throw new ConcertError(
        `${where(what, f, offset)}: byte at offset ${offset + nonAscii} is 0x${(raw[nonAscii] as number).toString(16).toUpperCase().padStart(2, '0')}, not a printable ASCII character`,
        { field: f.name, offset: offset + nonAscii },
      );
    }
    const value = raw.toString('latin1');
    const why = problem(f, value);
    if (why) throw new ConcertError(`${where(what, f, offset)} ${why}`, { field: f.name, offset });
    message[f.name] = value;
  });
  return message;
}
