/**
 * ISO 8583 message and packager types. A packager is data (JSON), never code: it says how the
 * MTI, the bitmap and every field are laid out, so a device's dialect is described by writing
 * a packager file. Built-ins live beside this file in packagers/.
 */
export type FieldType = 'n' | 'an' | 'ans' | 'b' | 'z';
export type LengthType = 'fixed' | 'llvar' | 'lllvar';

export interface FieldDef {
  /** e.g. "PRIMARY ACCOUNT NUMBER" */
  name: string;
  type: FieldType;
  /** Fixed length, or the maximum for LLVAR/LLLVAR: in digits for n/z, characters for an/ans, bytes for b. */
  length: number;
  lengthType: LengthType;
  /** How the LL/LLL prefix is written. */
  lengthEncoding?: 'ascii' | 'bcd' | 'binary';
  /** How the value is written: ascii characters, packed BCD (n/z), raw binary or hex-ASCII (b). */
  dataEncoding?: 'ascii' | 'bcd' | 'binary' | 'hex';
  /** Which side a packed-BCD value with an odd digit count is padded on (with a 0 nibble, F for z). */
  padding?: 'left' | 'right';
}

export interface PackagerDef {
  name: string;
  description?: string;
  mtiEncoding: 'ascii' | 'bcd';
  bitmapEncoding: 'binary' | 'hex';
  /** Keys are field numbers "2".."128". Field 1 (secondary bitmap) is implied. */
  fields: Record<string, FieldDef>;
}

/** A message: MTI and fields by number. Binary (b) fields are uppercase hex strings. */
export interface Iso8583Message {
  mti: string;
  fields: Record<number, string>;
}

/**
 * The fields an ISO 8583 response repeats from its request, so the sender can match and check
 * it: processing code, amount, transmission date/time, STAN, local time and date, terminal and
 * merchant ids, currency (3, 4, 7, 11, 12, 13, 41, 42, 49).
 */
export const ECHOED_FIELDS: readonly number[] = [3, 4, 7, 11, 12, 13, 41, 42, 49];
