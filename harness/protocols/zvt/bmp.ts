/**
 * ZVT BMPs ("bitmaps"): the tagged data fields of an APDU. Each is one tag byte followed by
 * data whose length the tag alone defines — fixed, LLVAR/LLLVAR (F-digit length prefix) or,
 * for 06, a TLV container with a BER length. A reader that meets an unknown tag cannot tell
 * where the next field starts, so an unknown BMP is an error naming the byte and its offset.
 *
 * Lengths below are those of the ZVT specification's BMP table as implemented independently
 * by Wireshark's ZVT dissector (epan/dissectors/packet-zvt.c, bitmap_info[]) and by the
 * ecrterm library (ecrterm/packets/bitmaps.py). Where only ecrterm lists a BMP the entry says
 * so; 88 (3 bytes) and A0 (1 byte) also appear in real terminal traces (Portalum.Zvt,
 * StatusInformationParserTest.cs).
 */
import { maskPan, maskText } from '../../masking/pan';
import { decodeBcdDigits, decodeBcdLeft, decodeVarLength, encodeBcdDigits, encodeBcdLeft, encodeBcdNumber, encodeVarLength } from './bcd';
import { ZvtError, hex2 } from './errors';

export type BmpFormat =
  /** Fixed-size binary; 1-byte fields decode to a number, longer ones to hex. */
  | { kind: 'binary'; length: number }
  /** Fixed-size packed BCD read as a number (amount, trace number, currency …). */
  | { kind: 'bcd-number'; length: number }
  /** Fixed-size packed BCD kept as a digit string (terminal id, time HHMMSS, date MMDD …). */
  | { kind: 'bcd-digits'; length: number }
  /** Fixed-size ASCII; trailing NUL bytes are not part of the value. */
  | { kind: 'ascii'; length: number }
  /** LLVAR/LLLVAR of BCD nibbles, F-padded (card number, track 2/3). */
  | { kind: 'var-bcd'; digits: 2 | 3 }
  /** LLVAR/LLLVAR of ASCII (card name, additional text, track 1). */
  | { kind: 'var-ascii'; digits: 2 | 3 }
  /** LLVAR/LLLVAR of binary data, kept as hex. */
  | { kind: 'var-binary'; digits: 2 | 3 }
  /** TLV container with a BER length (1 byte, or 81 xx, or 82 xx xx); contents kept as hex. */
  | { kind: 'tlv' };

export interface BmpDefinition {
  readonly bmp: number;
  /** Key used in decoded output and builder inputs. */
  readonly name: string;
  readonly title: string;
  readonly format: BmpFormat;
  /** How a safe (masked) view shows it: card numbers through maskPan, others fully hidden. */
  readonly sensitive?: 'pan' | 'track' | 'secret';
}

const def = (bmp: number, name: string, title: string, format: BmpFormat, sensitive?: BmpDefinition['sensitive']): BmpDefinition =>
  sensitive === undefined ? { bmp, name, title, format } : { bmp, name, title, format, sensitive };

export const BMP_DEFINITIONS: readonly BmpDefinition[] = [
  def(0x01, 'timeout', 'time-out (seconds)', { kind: 'binary', length: 1 }),
  def(0x02, 'maxStatusInfos', 'max. status infos', { kind: 'binary', length: 1 }),
  def(0x03, 'serviceByte', 'service byte', { kind: 'binary', length: 1 }),
  def(0x04, 'amount', 'amount (minor units, 12 BCD digits)', { kind: 'bcd-number', length: 6 }),
  def(0x05, 'pumpNumber', 'pump number', { kind: 'binary', length: 1 }),
  def(0x06, 'tlv', 'TLV container', { kind: 'tlv' }),
  def(0x0b, 'traceNumber', 'trace number', { kind: 'bcd-number', length: 3 }),
  def(0x0c, 'time', 'time HHMMSS', { kind: 'bcd-digits', length: 3 }),
  def(0x0d, 'date', 'date MMDD', { kind: 'bcd-digits', length: 2 }),
  def(0x0e, 'expiryDate', 'expiry date YYMM', { kind: 'bcd-digits', length: 2 }),
  def(0x17, 'cardSequenceNumber', 'card sequence number', { kind: 'bcd-number', length: 2 }),
  def(0x19, 'paymentType', 'payment type / status byte / card type (by command)', { kind: 'binary', length: 1 }),
  def(0x22, 'pan', 'card number (PAN / EF_ID), E = masked digit', { kind: 'var-bcd', digits: 2 }, 'pan'),
  def(0x23, 'track2', 'track 2 data', { kind: 'var-bcd', digits: 2 }, 'track'),
  def(0x24, 'track3', 'track 3 data', { kind: 'var-bcd', digits: 3 }, 'track'),
  def(0x27, 'resultCode', 'result code', { kind: 'binary', length: 1 }),
  def(0x29, 'terminalId', 'terminal id (8 digits)', { kind: 'bcd-digits', length: 4 }),
  def(0x2a, 'vuNumber', 'VU number (merchant contract number)', { kind: 'ascii', length: 15 }),
  def(0x2d, 'track1', 'track 1 data', { kind: 'var-ascii', digits: 2 }, 'track'),
  def(0x2e, 'syncChipData', 'synchronous chip data (ecrterm only)', { kind: 'var-binary', digits: 3 }),
  def(0x37, 'originalTraceNumber', 'trace number of the original transaction (ecrterm only)', { kind: 'bcd-number', length: 3 }),
  def(0x3a, 'cvv', 'CVV/CVC', { kind: 'bcd-digits', length: 2 }, 'secret'),
  def(0x3b, 'aid', 'AID authorisation attribute', { kind: 'ascii', length: 8 }),
  def(0x3c, 'additionalText', 'additional data / additional text', { kind: 'var-ascii', digits: 3 }),
  def(0x3d, 'password', 'password (ecrterm only)', { kind: 'bcd-digits', length: 3 }, 'secret'),
  def(0x49, 'currency', 'currency code (ISO 4217 numeric)', { kind: 'bcd-number', length: 2 }),
  def(0x60, 'totals', 'individual totals (ecrterm only)', { kind: 'var-binary', digits: 3 }),
  def(0x87, 'receiptNumber', 'receipt number', { kind: 'bcd-number', length: 2 }),
  def(0x88, 'turnoverNumber', 'turnover record number', { kind: 'bcd-number', length: 3 }),
  def(0x8a, 'cardType', 'card type (ZVT card-type id)', { kind: 'binary', length: 1 }),
  def(0x8b, 'cardName', 'card name', { kind: 'var-ascii', digits: 2 }),
  def(0x8c, 'cardTypeNetwork', 'card-type id of the network operator (ecrterm only)', { kind: 'binary', length: 1 }),
  def(0x92, 'offlineChipData', 'additional data ec-Cash chip offline (ecrterm only)', { kind: 'var-binary', digits: 3 }),
  def(0x9a, 'geldkarteData', 'Geldkarte payment / total record (ecrterm only)', { kind: 'var-binary', digits: 3 }),
  def(0xa0, 'resultCodeAs', 'result code of the authorisation system', { kind: 'binary', length: 1 }),
  def(0xa7, 'chipEfId', 'chip data EF_ID (ecrterm only)', { kind: 'var-binary', digits: 2 }),
  def(0xaa, 'fullDate', 'date YYMMDD (ecrterm only)', { kind: 'bcd-digits', length: 3 }),
  def(0xaf, 'efInfo', 'EF_Info (ecrterm only)', { kind: 'var-binary', digits: 3 }),
  def(0xba, 'aidParameter', 'AID parameter (ecrterm only)', { kind: 'binary', length: 5 }),
];

const BY_BMP = new Map(BMP_DEFINITIONS.map((d) => [d.bmp, d]));
const BY_NAME = new Map(BMP_DEFINITIONS.map((d) => [d.name, d]));

export function bmpDefinition(bmp: number): BmpDefinition | undefined {
  return BY_BMP.get(bmp);
}

export function bmpByName(name: string): BmpDefinition | undefined {
  return BY_NAME.get(name);
}

export interface DecodedBmp {
  bmp: number;
  name: string;
  /** Offset of the BMP tag byte in the APDU. */
  offset: number;
  /** Typed value: numbers for binary 1-byte and BCD numbers, strings otherwise (hex for binary/TLV). */
  value: number | string;
  /** The field's bytes after the tag (length prefix included) as uppercase hex; masked in a safe view. */
  hex: string;
}

export interface DecodeOptions {
  /**
   * Safe view for logs and reports: card numbers through maskPan (first 6 / last 4), track
   * data with the PAN masked and the rest starred, CVV and passwords starred entirely.
   */
  safe?: boolean;
}

/** BER length of a TLV container at `at`: [length, bytes used by the length]. */
function tlvLength(apdu: Uint8Array, at: number, bmp: number): [number, number] {
  if (at >= apdu.length) throw new ZvtError(`TLV container (BMP 06): the APDU ends at offset ${at} before its length`, { offset: at, bmp });
  const first = apdu[at];
  if (first < 0x80) return [first, 1];
  const extra = first & 0x7f;
  if (extra < 1 || extra > 2) {
    throw new ZvtError(`TLV container (BMP 06): length byte ${hex2(first)} at offset ${at} is not a length ZVT uses (00..7F, 81 xx or 82 xx xx)`, { offset: at, bmp });
  }
  if (at + 1 + extra > apdu.length) throw new ZvtError(`TLV container (BMP 06): the APDU ends inside its ${1 + extra}-byte length at offset ${at}`, { offset: at, bmp });
  return [extra === 1 ? apdu[at + 1] : (apdu[at + 1] << 8) | apdu[at + 2], 1 + extra];
}

function encodeTlvLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  if (length <= 0xff) return Buffer.from([0x81, length]);
  if (length <= 0xffff) return Buffer.from([0x82, length >> 8, length & 0xff]);
  throw new ZvtError(`TLV container of ${length} bytes is longer than a ZVT TLV length can express (65535)`);
}

/** Masks the PAN inside track data and stars everything else that is not a separator. */
function maskTrack(value: string): string {
  const m = /[0-9]{12,19}/.exec(value);
  if (!m) return value.replace(/[0-9A-Za-z]/g, '*');
  const before = value.slice(0, m.index).replace(/[0-9]/g, '*');
  const rest = value.slice(m.index + m[0].length);
  // Keep the field separator after the PAN (D or = in track 2/3, ^ in track 1).
  const separator = /^[D=^]/.test(rest) ? rest[0] : '';
  return before + maskPan(m[0]) + separator + rest.slice(separator.length).replace(/[0-9A-Za-z]/g, '*');
}

function safeField(d: BmpDefinition, value: number | string, hex: string): { value: number | string; hex: string } {
  if (d.sensitive === 'pan' && typeof value === 'string') return { value: maskPan(value), hex: maskText(hex, [value]) };
  if (d.sensitive === 'track' && typeof value === 'string') return { value: maskTrack(value), hex: '*'.repeat(hex.length) };
  if (d.sensitive === 'secret') return { value: '*'.repeat(String(value).length), hex: '*'.repeat(hex.length) };
  return { value, hex };
}

/**
 * Reads the BMP at `offset` of `apdu`: returns the decoded field and the offset after it.
 * `context` names the APDU for error messages ("04 0F Status Information").
 */
export function decodeBmp(apdu: Uint8Array, offset: number, context: string, options: DecodeOptions = {}): { field: DecodedBmp; next: number } {
  const bmp = apdu[offset];
  const d = BY_BMP.get(bmp);
  if (d === undefined) {
    throw new ZvtError(
      `unknown BMP ${hex2(bmp)} at offset ${offset} of ${context}: its length is not known, so the rest of the APDU (${apdu.length - offset} bytes from there) cannot be read`,
      { offset, bmp },
    );
  }
  const what = `BMP ${hex2(bmp)} (${d.title}) at offset ${offset} of ${context}`;
  const start = offset + 1;
  const need = (n: number, from: number): void => {
    if (from + n > apdu.length) {
      throw new ZvtError(`${what}: needs ${n} byte${n === 1 ? '' : 's'} from offset ${from} but the APDU ends at offset ${apdu.length}`, { offset: from, bmp });
    }
  };
  const f = d.format;
  let value: number | string;
  let end: number;
  switch (f.kind) {
    case 'binary': {
      need(f.length, start);
      end = start + f.length;
      value = f.length === 1 ? apdu[start] : Buffer.from(apdu.subarray(start, end)).toString('hex').toUpperCase();
      break;
    }
    case 'bcd-number':
    case 'bcd-digits': {
      need(f.length, start);
      end = start + f.length;
      const digits = decodeBcdDigits(apdu.subarray(start, end), what, start, bmp);
      value = f.kind === 'bcd-number' ? Number(digits) : digits;
      break;
    }
    case 'ascii': {
      need(f.length, start);
      end = start + f.length;
      value = Buffer.from(apdu.subarray(start, end)).toString('latin1').replace(/\0+$/, '');
      break;
    }
    case 'var-bcd':
    case 'var-ascii':
    case 'var-binary': {
      const length = decodeVarLength(apdu, start, f.digits, what, bmp);
      const dataStart = start + f.digits;
      need(length, dataStart);
      end = dataStart + length;
      const data = Buffer.from(apdu.subarray(dataStart, end));
      value = f.kind === 'var-bcd' ? decodeBcdLeft(data) : f.kind === 'var-ascii' ? data.toString('latin1').replace(/\0+$/, '') : data.toString('hex').toUpperCase();
      break;
    }
    case 'tlv': {
      const [length, lengthBytes] = tlvLength(apdu, start, bmp);
      need(length, start + lengthBytes);
      end = start + lengthBytes + length;
      value = Buffer.from(apdu.subarray(start + lengthBytes, end)).toString('hex').toUpperCase();
      break;
    }
  }
  const hex = Buffer.from(apdu.subarray(start, end)).toString('hex').toUpperCase();
  const shown = options.safe ? safeField(d, value, hex) : { value, hex };
  return { field: { bmp, name: d.name, offset, value: shown.value, hex: shown.hex }, next: end };
}

/** Reads BMPs from `offset` to the end of the APDU. */
export function decodeBmps(apdu: Uint8Array, offset: number, context: string, options: DecodeOptions = {}): DecodedBmp[] {
  const fields: DecodedBmp[] = [];
  let at = offset;
  while (at < apdu.length) {
    const { field, next } = decodeBmp(apdu, at, context, options);
    fields.push(field);
    at = next;
  }
  return fields;
}

/**
 * A field to write: the BMP by number or name, and either its typed `value` (a Buffer value is
 * the data itself: the length prefix, where the format has one, is added), or `hex`: the exact
 * bytes after the tag, length prefix included, as DecodedBmp.hex gives them (for re-sending a
 * received field unchanged).
 */
export type BmpInput = { bmp: number | string; value: number | string | Buffer } | { bmp: number | string; hex: string };

/** Tag + data of one BMP. */
export function encodeBmp(input: BmpInput): Buffer {
  const d = typeof input.bmp === 'number' ? BY_BMP.get(input.bmp) : BY_NAME.get(input.bmp);
  if (d === undefined) {
    throw new ZvtError(`unknown BMP ${typeof input.bmp === 'number' ? hex2(input.bmp) : JSON.stringify(input.bmp)}: cannot encode a field whose format is not known`);
  }
  if ('hex' in input) {
    const raw = Buffer.from(input.hex, 'hex');
    const tagged = Buffer.concat([Buffer.from([d.bmp]), raw]);
    // The bytes must be exactly one well-formed field, or the receiver loses its place.
    const { next } = decodeBmp(tagged, 0, `BMP ${hex2(d.bmp)} given as hex`);
    if (next !== tagged.length || raw.length * 2 !== input.hex.length) {
      throw new ZvtError(`BMP ${hex2(d.bmp)} given as hex "${input.hex}" is not exactly one ${d.title} field`, { bmp: d.bmp });
    }
    return tagged;
  }
  const what = `BMP ${hex2(d.bmp)} (${d.title})`;
  const { value } = input;
  const f = d.format;
  let body: Buffer;
  const asBuffer = (v: number | string | Buffer, encoding: BufferEncoding): Buffer => (Buffer.isBuffer(v) ? v : Buffer.from(String(v), encoding));
  switch (f.kind) {
    case 'binary':
      if (f.length === 1 && typeof value === 'number') {
        if (!Number.isInteger(value) || value < 0 || value > 255) throw new ZvtError(`${what} value ${value} is not a byte 0..255`, { bmp: d.bmp });
        body = Buffer.from([value]);
      } else {
        body = asBuffer(value, 'hex');
      }
      if (body.length !== f.length) throw new ZvtError(`${what} takes exactly ${f.length} byte${f.length === 1 ? '' : 's'}; got ${body.length}`, { bmp: d.bmp });
      break;
    case 'bcd-number':
      body = Buffer.isBuffer(value) ? value : typeof value === 'number' ? encodeBcdNumber(value, f.length, what) : encodeBcdDigits(value, f.length, what);
      break;
    case 'bcd-digits':
      body = Buffer.isBuffer(value) ? value : encodeBcdDigits(String(value), f.length, what);
      if (body.length !== f.length) throw new ZvtError(`${what} takes exactly ${f.length} bytes; got ${body.length}`, { bmp: d.bmp });
      break;
    case 'ascii': {
      const text = asBuffer(value, 'latin1');
      if (text.length > f.length) throw new ZvtError(`${what} holds at most ${f.length} characters; got ${text.length}`, { bmp: d.bmp });
      body = Buffer.concat([text, Buffer.alloc(f.length - text.length)]);
      break;
    }
    case 'var-bcd':
    case 'var-ascii':
    case 'var-binary': {
      const data = Buffer.isBuffer(value) ? value : f.kind === 'var-bcd' ? encodeBcdLeft(String(value), what) : asBuffer(value, f.kind === 'var-ascii' ? 'latin1' : 'hex');
      body = Buffer.concat([encodeVarLength(data.length, f.digits, what), data]);
      break;
    }
    case 'tlv': {
      const data = asBuffer(value, 'hex');
      body = Buffer.concat([encodeTlvLength(data.length), data]);
      break;
    }
  }
  return Buffer.concat([Buffer.from([d.bmp]), body]);
}

export function encodeBmps(inputs: readonly BmpInput[]): Buffer {
  return Buffer.concat(inputs.map(encodeBmp));
}

/** The first field with this BMP number or name. */
export function findBmp(fields: readonly DecodedBmp[], bmp: number | string): DecodedBmp | undefined {
  return fields.find((f) => (typeof bmp === 'number' ? f.bmp === bmp : f.name === bmp));
}
