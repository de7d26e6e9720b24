import { StxEtxLrcFramer } from '../../../harness/framing/stx-etx-lrc';
import {
  amountField,
  ConcertError,
  decodeRequest,
  decodeResponse,
  encodeRequest,
  encodeResponse,
  REQUEST_LENGTH,
  RESPONSE_LENGTH,
  RESPONSE_LENGTH_WITH_REP,
  type ConcertRequest,
  type ConcertResponse,
} from '../../../harness/protocols/concert';
import { SALE_1234 } from './sale-request';

/**
 * The Concert V2 message set: a 34-character request, a 25-character answer (80 with the rep
 * card-data field), fixed-width ASCII fields in a fixed order. Every malformed message is
 * refused with a ConcertError naming the field and its offset.
 */
const ascii = (s: string) => Buffer.from(s, 'latin1');

const SALE = SALE_1234;
const SALE_TEXT = '01' + '00001234' + '0' + '1' + '0' + '978' + '          ' + 'A010' + 'B010';

const ACCEPTED: ConcertResponse = { posNumber: '01', status: '0', amount: '00001234', paymentMode: '1', currency: '978', privateData: '000001    ' };
const ACCEPTED_TEXT = '01' + '0' + '00001234' + '1' + '978' + '000001    ';
const REP = '476173******0119'.padEnd(55, ' ');

function concertError(fn: () => unknown): ConcertError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConcertError);
    return err as ConcertError;
  }
  throw new Error('expected a ConcertError');
}

describe('Concert request', () => {
  it('lays out a 12.34 EUR card debit as 34 characters in the documented field order', () => {
    const bytes = encodeRequest(SALE);
    expect(bytes.length).toBe(REQUEST_LENGTH);
    expect(bytes.toString('latin1')).toBe(SALE_TEXT);
    expect(bytes.toString('latin1')).toBe('0100001234010978          A010B010');
  });

  it('travels as STX message ETX LRC, the LRC being the XOR of every byte after STX through ETX', () => {
    // By hand: the 16 digit characters "01" "00001234" "0" "1" "0" "978" are 0x3n each; an even
    // number of 0x30s cancels, leaving 0^1^0^0^0^0^1^2^3^4^0^1^0^9^7^8 = 0x02. The ten spaces
    // cancel (0x00). "A010" = 0x41^0x30^0x31^0x30 = 0x70, "B010" = 0x42^0x31 = 0x73, together
    // 0x03. 0x02 ^ 0x03 = 0x01, and ETX: 0x01 ^ 0x03 = 0x02.
    const frame = new StxEtxLrcFramer({ preset: 'concert' }).encode({ payload: encodeRequest(SALE) });
    expect(frame[0]).toBe(0x02);
    expect(frame[frame.length - 2]).toBe(0x03);
    expect(frame[frame.length - 1]).toBe(0x02);
    expect(frame.toString('hex').toUpperCase()).toBe('02' + '3031' + '3030303031323334' + '30' + '31' + '30' + '393738' + '20'.repeat(10) + '41303130' + '42303130' + '03' + '02');
  });

  it('round-trips every transaction type, payment mode, answer flag, delay and authorisation', () => {
    const variants: ConcertRequest[] = [
      SALE,
      { ...SALE, transactionType: '1', answerFlag: '1', delay: 'A011' },
      { ...SALE, transactionType: '2', paymentMode: 'C', authorisation: 'B011' },
      { ...SALE, transactionType: '4', posNumber: '99', amount: '99999999', currency: '840', privateData: 'REF-42 ~!@' },
    ];
    for (const request of variants) expect(decodeRequest(encodeRequest(request))).toEqual(request);
  });

  it.each([
    ['too short', SALE_TEXT.slice(0, 33), 'Concert request: wrong length: a request is 34 characters, found 33', undefined, undefined],
    ['too long', SALE_TEXT + ' ', 'Concert request: wrong length: a request is 34 characters, found 35', undefined, undefined],
    ['a letter in the POS number', 'A1' + SALE_TEXT.slice(2), 'field posNumber (offset 0, 2 characters) must be digits, found "A1"', 'posNumber', 0],
    ['a non-digit amount', '01' + '00A01234' + SALE_TEXT.slice(10), 'field amount (offset 2, 8 characters) must be digits, found "00A01234"', 'amount', 2],
    ['an unknown answer flag', SALE_TEXT.slice(0, 10) + '2' + SALE_TEXT.slice(11), "field answerFlag (offset 10, 1 character) unknown value \"2\"; known: '0' (short answer), '1' (answer with the rep field)", 'answerFlag', 10],
    ['an unknown payment mode', SALE_TEXT.slice(0, 11) + 'X' + SALE_TEXT.slice(12), "field paymentMode (offset 11, 1 character) unknown value \"X\"; known: '1' (card), 'C' (cheque)", 'paymentMode', 11],
    ['an unknown transaction type', SALE_TEXT.slice(0, 12) + '3' + SALE_TEXT.slice(13), 'field transactionType (offset 12, 1 character) unknown value "3"', 'transactionType', 12],
    ['a non-digit currency', SALE_TEXT.slice(0, 13) + 'EUR' + SALE_TEXT.slice(16), 'field currency (offset 13, 3 characters) must be digits, found "EUR"', 'currency', 13],
    ['an unknown delay', SALE_TEXT.slice(0, 26) + 'A012' + SALE_TEXT.slice(30), "field delay (offset 26, 4 characters) unknown value \"A012\"; known: 'A010' (answer at end of transaction), 'A011' (answer immediately)", 'delay', 26],
    ['an unknown authorisation', SALE_TEXT.slice(0, 30) + 'B012', "field authorisation (offset 30, 4 characters) unknown value \"B012\"; known: 'B010' (terminal decides), 'B011' (forced authorisation)", 'authorisation', 30],
  ])('refuses %s', (_what, text, message, field, offset) => {
    const err = concertError(() => decodeRequest(ascii(text)));
    expect(err.code).toBe('CONCERT_ERROR');
    expect(err.message).toContain(message);
    expect(err.field).toBe(field);
    expect(err.offset).toBe(offset);
  });

  it('refuses a control or 8-bit byte inside a field, naming its offset', () => {
    const bytes = ascii(SALE_TEXT);
    bytes[19] = 0x85;
    const err = concertError(() => decodeRequest(bytes));
    expect(err.message).toBe('Concert request: field privateData (offset 16, 10 characters): byte at offset 19 is 0x85, not a printable ASCII character');
    expect(err).toMatchObject({ field: 'privateData', offset: 19 });
  });

  it('refuses to encode a field of the wrong width or value, or a missing one', () => {
    expect(concertError(() => encodeRequest({ ...SALE, amount: '1234' })).message).toBe('Concert request: field amount (offset 2, 8 characters) must be 8 characters, found 4 ("1234")');
    expect(concertError(() => encodeRequest({ ...SALE, privateData: 'tab\there   ' })).message).toMatch(/field privateData .* must be 10 characters, found 11/);
    expect(concertError(() => encodeRequest({ ...SALE, privateData: 'tab\there  ' })).message).toBe(
      'Concert request: field privateData (offset 16, 10 characters) must be printable ASCII, found character 0x09 at position 3 of the field',
    );
    expect(concertError(() => encodeRequest({ ...SALE, transactionType: '9' as ConcertRequest['transactionType'] })).field).toBe('transactionType');
    const { delay: _delay, ...noDelay } = SALE;
    expect(concertError(() => encodeRequest(noDelay as ConcertRequest)).message).toBe('Concert request: field delay (offset 26, 4 characters) is missing');
  });
});

describe('Concert response', () => {
  it('is 25 characters for the short answer: POS number, status, amount, payment mode, currency, private data', () => {
    expect(encodeResponse(ACCEPTED).toString('latin1')).toBe(ACCEPTED_TEXT);
    expect(ACCEPTED_TEXT.length).toBe(RESPONSE_LENGTH);
    expect(decodeResponse(ascii(ACCEPTED_TEXT))).toEqual(ACCEPTED);
  });

  it('is 80 characters with the 55-character rep field between payment mode and currency', () => {
    const long: ConcertResponse = { ...ACCEPTED, status: '7', rep: REP };
    const text = encodeResponse(long).toString('latin1');
    expect(text.length).toBe(RESPONSE_LENGTH_WITH_REP);
    expect(text).toBe('01' + '7' + '00001234' + '1' + REP + '978' + '000001    ');
    expect(decodeResponse(ascii(text))).toEqual(long);
  });

  it.each([
    ['24 characters', ACCEPTED_TEXT.slice(0, 24), 'Concert response: wrong length: a response is 25 characters (short answer) or 80 (with the 55-character rep field), found 24', undefined, undefined],
    ['26 characters', ACCEPTED_TEXT + ' ', 'found 26', undefined, undefined],
    ['79 characters', ACCEPTED_TEXT + REP.slice(1), 'found 79', undefined, undefined],
    ['an unknown status', '01' + '5' + ACCEPTED_TEXT.slice(3), "field status (offset 2, 1 character) unknown value \"5\"; known: '0' (transaction accepted), '7' (refused or failed)", 'status', 2],
    ['a non-digit amount', '010' + '0000l234' + ACCEPTED_TEXT.slice(11), 'field amount (offset 3, 8 characters) must be digits, found "0000l234"', 'amount', 3],
    ['an unknown payment mode', ACCEPTED_TEXT.slice(0, 11) + '2' + ACCEPTED_TEXT.slice(12), 'field paymentMode (offset 11, 1 character) unknown value "2"', 'paymentMode', 11],
    ['a non-digit currency', ACCEPTED_TEXT.slice(0, 12) + '97E' + ACCEPTED_TEXT.slice(15), 'field currency (offset 12, 3 characters) must be digits, found "97E"', 'currency', 12],
    ['a non-digit currency after rep', ACCEPTED_TEXT.slice(0, 12) + REP + 'EUR' + ACCEPTED_TEXT.slice(15), 'field currency (offset 67, 3 characters) must be digits, found "EUR"', 'currency', 67],
  ])('refuses %s', (_what, text, message, field, offset) => {
    const err = concertError(() => decodeResponse(ascii(text)));
    expect(err.message).toContain(message);
    expect(err.field).toBe(field);
    expect(err.offset).toBe(offset);
  });

  it('refuses a control byte in the rep field, naming its offset in the response', () => {
    const bytes = ascii(ACCEPTED_TEXT.slice(0, 12) + REP + ACCEPTED_TEXT.slice(12));
    bytes[40] = 0x03;
    expect(concertError(() => decodeResponse(bytes))).toMatchObject({ field: 'rep', offset: 40, message: expect.stringContaining('byte at offset 40 is 0x03') });
  });
});

describe('amountField', () => {
  it('writes minor units as 8 zero-padded digits', () => {
    expect(amountField(1234)).toBe('00001234');
    expect(amountField(0)).toBe('00000000');
    expect(amountField(99_999_999)).toBe('99999999');
  });

  it.each([[100_000_000], [-1], [12.5]])('refuses %p, which the 8-digit field cannot hold', (amount) => {
    expect(concertError(() => amountField(amount)).message).toMatch(/holds a whole number of minor units from 0 to 99999999/);
  });
});
