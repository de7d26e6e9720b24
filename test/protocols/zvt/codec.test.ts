/**
 * ZVT APDU codec against published byte examples (see published-traces.ts for each source).
 * Builders must reproduce the published APDUs byte for byte, and through the zvt-serial framer
 * the published serial frames CRC included; the reader must decode them to the right values.
 *
 * No published byte example was found for End-of-day (06 50), Log-off (06 02), Abort request
 * (06 B0), Reversal (06 30) or Refund (06 31): those tests check the layout the specification
 * describes (password first, then BMPs), as Wireshark's dissector reads it, and say so.
 */
import { ZvtSerialFramer } from '../../../harness/framing/zvt-serial';
import {
  abort,
  abortRequest,
  authorisation,
  completion,
  decodeApdu,
  decodeBmps,
  decodeZvtMessage,
  encodeApdu,
  encodeBmp,
  encodeBmps,
  endOfDay,
  findBmp,
  intermediateStatus,
  logOff,
  negativeAck,
  positiveAck,
  printLine,
  refund,
  registration,
  reversal,
  statusEnquiry,
  statusInformation,
  ZvtError,
} from '../../../harness/protocols/zvt';
import type { DecodedBmp, ZvtMessage } from '../../../harness/protocols/zvt';
import { CCV_ABORT, ECRTERM_APDUS, ECRTERM_COMPLETION_WITH_VERSION, ECRTERM_SERIAL_FRAMES, PORTALUM_APDUS, VENDOR_REGISTRATIONS } from './published-traces';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const H = (b: Buffer): string => b.toString('hex').toUpperCase();

/** The APDU inside a published serial frame (the framer is tested on its own elsewhere). */
const apduOfFrame = (frame: string): Buffer => new ZvtSerialFramer().push(hex(frame))[0].payload;

function catchZvt(fn: () => unknown): ZvtError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ZvtError);
    expect(err).toMatchObject({ code: 'ZVT_ERROR' });
    return err as ZvtError;
  }
  throw new Error('expected a ZvtError');
}

function values(fields: readonly DecodedBmp[]): Record<string, number | string> {
  return Object.fromEntries(fields.map((f) => [f.name, f.value]));
}

function expectKind<K extends ZvtMessage['kind']>(message: ZvtMessage, kind: K): Extract<ZvtMessage, { kind: K }> {
  expect(message.kind).toBe(kind);
  return message as Extract<ZvtMessage, { kind: K }>;
}

describe('ZVT APDU', () => {
  it('writes CLASS INSTR LEN data', () => {
    expect(H(encodeApdu({ cls: 0x06, instr: 0x1e, data: hex('7D') }))).toBe('061E017D');
  });

  it('uses FF + 2-byte little-endian length from 255 data bytes on (FF itself is the escape)', () => {
    expect(H(encodeApdu({ cls: 0x06, instr: 0xd3, data: Buffer.alloc(254) }).subarray(0, 3))).toBe('06D3FE');
    expect(H(encodeApdu({ cls: 0x06, instr: 0xd3, data: Buffer.alloc(255) }).subarray(0, 5))).toBe('06D3FFFF00');
    expect(H(encodeApdu({ cls: 0x06, instr: 0xd3, data: Buffer.alloc(300) }).subarray(0, 5))).toBe('06D3FF2C01');
  });

  it('reads both length forms back', () => {
    const long = encodeApdu({ cls: 0x06, instr: 0xd3, data: Buffer.alloc(300, 7) });
    expect(decodeApdu(long)).toMatchObject({ cls: 0x06, instr: 0xd3, headerLength: 5 });
    expect(decodeApdu(long).data.length).toBe(300);
    expect(decodeApdu(hex(CCV_ABORT))).toMatchObject({ cls: 0x06, instr: 0x1e, headerLength: 3, data: hex('7D') });
  });

  it.each<[string, string, RegExp]>([
    ['fewer than 3 bytes', '80 00', /at least 3 bytes/],
    ['a cut-short APDU', '06 1E 02 7D', /announces 2 data bytes but 1 follow \(the APDU is cut short\)/],
    ['extra bytes after the APDU', '80 00 00 00', /announces 0 data bytes but 1 follow \(extra bytes after the APDU\)/],
    ['FF without the 2-byte length', '06 D3 FF 01', /FF announces a 2-byte length/],
  ])('refuses %s, naming the control field', (_what, bytes, message) => {
    expect(catchZvt(() => decodeApdu(hex(bytes))).message).toMatch(message);
  });
});

describe('ZVT builders reproduce published APDUs byte for byte', () => {
  it.each<[string, () => Buffer, string]>([
    ['Registration 06 00 (password 123456, config BA, EUR)', () => registration({ password: '123456', configByte: 0xba, currency: 978 }), ECRTERM_SERIAL_FRAMES.registration],
    ['Authorisation 06 01 of 110.00 EUR', () => authorisation({ amount: 11000, currency: 978 }), ECRTERM_SERIAL_FRAMES.authorisation],
    ['Status enquiry 05 01', () => statusEnquiry(), ECRTERM_SERIAL_FRAMES.statusEnquiry],
    ['Print line 06 D1', () => printLine(0x00, 'Gesamt      0       0,00'), ECRTERM_SERIAL_FRAMES.printLine],
    ['ACK 80 00 00', () => positiveAck(), ECRTERM_SERIAL_FRAMES.positiveAck],
    ['negative ACK 84 9C 00', () => negativeAck(0x9c), ECRTERM_SERIAL_FRAMES.negativeAck],
    ['Completion 06 0F with software version', () => completion({ softwareVersion: '2.14.15', terminalStatus: 0x00 }), ECRTERM_COMPLETION_WITH_VERSION],
  ])('%s, and its serial frame with CRC (ecrterm trace)', (_name, build, frame) => {
    const apdu = build();
    expect(H(apdu)).toBe(H(apduOfFrame(frame)));
    expect(H(new ZvtSerialFramer().encode({ payload: apdu }))).toBe(H(hex(frame)));
  });

  it.each<[string, () => Buffer, string]>([
    ['Registration, config 08, printing on the terminal (vendor memo)', () => registration({ configByte: 0x08, currency: 978 }), VENDOR_REGISTRATIONS.printOnTerminal],
    ['Registration, config 8E, with a TLV container of permitted commands (vendor memo)', () => registration({ configByte: 0x8e, currency: 978, tlv: hex('26 04 0A 02 06 D3') }), VENDOR_REGISTRATIONS.blockPrintOnEcr],
    ['Completion 06 0F after registration (ecrterm)', () => completion({ statusByte: 0x00, terminalId: '52001233', currency: 978, tlv: hex('27 03 14 01 FF') }), ECRTERM_APDUS.completion],
    ['Intermediate status 04 FF with a display-text TLV (ecrterm)', () => intermediateStatus(0x0a, { timeout: 0x01, tlv: hex('24 18 07 16 ' + H(Buffer.from('Bitte Karte einstecken', 'latin1'))) }), ECRTERM_APDUS.intermediateStatus],
    ['Abort 06 1E with result code 7D (CCV manual)', () => abort(0x7d), CCV_ABORT],
  ])('%s', (_name, build, expected) => {
    expect(H(build())).toBe(H(hex(expected)));
  });

  it('writes BMPs in any order through the generic encoder (ecrterm authorisation 02 04 19 49)', () => {
    const data = encodeBmps([
      { bmp: 0x02, value: 1 },
      { bmp: 'amount', value: 1000 },
      { bmp: 0x19, value: 0x44 },
      { bmp: 'currency', value: 978 },
    ]);
    expect(H(encodeApdu({ cls: 0x06, instr: 0x01, data }))).toBe(H(hex(ECRTERM_APDUS.authorisation)));
  });

  it('rebuilds a published status information from its decoded values (ecrterm 04 0F)', () => {
    const message = expectKind(decodeZvtMessage(hex(ECRTERM_APDUS.statusInformation)), 'status-information');
    expect(H(statusInformation(message.fields.map((f) => ({ bmp: f.bmp, value: f.value }))))).toBe(H(hex(ECRTERM_APDUS.statusInformation)));
  });

  it('re-sends received fields unchanged from their hex (Portalum 04 0F with NUL-terminated card name)', () => {
    const message = expectKind(decodeZvtMessage(hex(PORTALUM_APDUS.paymentGood)), 'status-information');
    expect(H(statusInformation(message.fields.map((f) => ({ bmp: f.bmp, hex: f.hex }))))).toBe(H(hex(PORTALUM_APDUS.paymentGood)));
  });
});

describe('ZVT builders without a published example (layout from the specification, as Wireshark reads it)', () => {
  it('End-of-day 06 50: the password only', () => {
    expect(H(endOfDay())).toBe('0650031234' + '56');
    expect(H(endOfDay({ password: '000000' }))).toBe('065003000000');
  });

  it('Log-off 06 02 and Abort request 06 B0: no data', () => {
    expect(H(logOff())).toBe('060200');
    expect(H(abortRequest())).toBe('06B000');
  });

  it('Reversal 06 30: password, then receipt number (BMP 87)', () => {
    expect(H(reversal({ receiptNumber: 470 }))).toBe('063006' + '123456' + '870470');
  });

  it('Refund 06 31: password, then amount and currency', () => {
    expect(H(refund({ amount: 1234, currency: 978 }))).toBe('06310D' + '123456' + '04000000001234' + '490978');
  });

  it('reads each of them back', () => {
    expect(expectKind(decodeZvtMessage(endOfDay()), 'end-of-day')).toMatchObject({ password: '123456', fields: [] });
    expect(decodeZvtMessage(logOff()).kind).toBe('log-off');
    expect(decodeZvtMessage(abortRequest()).kind).toBe('abort-request');
    expect(values(expectKind(decodeZvtMessage(reversal({ receiptNumber: 470, amount: 500 })), 'reversal').fields)).toEqual({ amount: 500, receiptNumber: 470 });
    expect(values(expectKind(decodeZvtMessage(refund({ amount: 1234, currency: 978 })), 'refund').fields)).toEqual({ amount: 1234, currency: 978 });
  });
});

describe('ZVT reader on published APDUs', () => {
  it('reads the ecrterm registration: password, config byte, currency', () => {
    const m = expectKind(decodeZvtMessage(apduOfFrame(ECRTERM_SERIAL_FRAMES.registration)), 'registration');
    expect(m).toMatchObject({ control: '06 00', name: 'Registration', password: '123456', configByte: 0xba, currency: 978, fields: [] });
  });

  it('reads the vendor registration with its service-less TLV container kept as raw hex', () => {
    const m = expectKind(decodeZvtMessage(hex(VENDOR_REGISTRATIONS.blockPrintOnEcr)), 'registration');
    expect(m).toMatchObject({ configByte: 0x8e, currency: 978 });
    expect(m.fields).toEqual([{ bmp: 0x06, name: 'tlv', offset: 9, value: '26040A0206D3', hex: '0626040A0206D3' }]);
  });

  it('reads the ecrterm authorisation of 110.00 EUR', () => {
    const m = expectKind(decodeZvtMessage(apduOfFrame(ECRTERM_SERIAL_FRAMES.authorisation)), 'authorisation');
    expect(values(m.fields)).toEqual({ amount: 11000, currency: 978 });
    expect(m.fields.map((f) => f.offset)).toEqual([3, 10]);
  });

  it('reads the ecrterm status information field by field', () => {
    const m = expectKind(decodeZvtMessage(hex(ECRTERM_APDUS.statusInformation)), 'status-information');
    expect(values(m.fields)).toEqual({
      resultCode: 0x00,
      amount: 4000,
      currency: 978,
      time: '093848',
      date: '0425',
      pan: '5966666666D20021220100',
      cardSequenceNumber: 1,
      receiptNumber: 175,
      traceNumber: 613995,
      paymentType: 0x40,
      terminalId: '60099914',
      expiryDate: '0512',
      cardType: 0x02,
    });
  });

  it('reads a terminal status information with masked PAN, VU number, AID, card name (Portalum)', () => {
    const m = expectKind(decodeZvtMessage(hex(PORTALUM_APDUS.paymentGood)), 'status-information');
    expect(values(m.fields)).toEqual({
      resultCode: 0,
      amount: 2040,
      traceNumber: 470,
      time: '223953',
      date: '1006',
      expiryDate: '2512',
      cardSequenceNumber: 1,
      paymentType: 0x70,
      pan: 'EEEEEEEEEEEE4771',
      terminalId: '28004869',
      vuNumber: '100461763      ',
      aid: '611804',
      additionalText: 'GEN.NR.:611804',
      currency: 978,
      receiptNumber: 470,
      turnoverNumber: 470,
      cardType: 0x2e,
      cardName: 'Debit Mastercard',
    });
  });

  it('reads an abort-by-customer status information (Portalum)', () => {
    const m = expectKind(decodeZvtMessage(hex(PORTALUM_APDUS.abortByKey)), 'status-information');
    expect(values(m.fields)).toEqual({ resultCode: 0x6c, terminalId: '28004869', additionalText: 'Abbruch durch Kunde' });
  });

  it('reads a contactless status information with BMP A0 and a TLV container kept as raw hex (Portalum)', () => {
    const m = expectKind(decodeZvtMessage(hex(PORTALUM_APDUS.tlvInfos)), 'status-information');
    expect(findBmp(m.fields, 'resultCodeAs')?.value).toBe(0x01);
    expect(findBmp(m.fields, 'cardName')?.value).toBe('MASTERCARD');
    expect(findBmp(m.fields, 0x06)?.value).toBe('2F081F1201021F100100601B4307A000000004101044104465626974204D617374657263617264' + '1F2B0410015008');
  });

  it('reads the completion after a status enquiry: software version and terminal status (ecrterm)', () => {
    const m = expectKind(decodeZvtMessage(apduOfFrame(ECRTERM_COMPLETION_WITH_VERSION)), 'completion');
    expect(m).toMatchObject({ softwareVersion: '2.14.15', terminalStatus: 0x00, fields: [] });
  });

  it('reads the completion after a registration: status byte, TID, currency, TLV (ecrterm)', () => {
    const m = expectKind(decodeZvtMessage(hex(ECRTERM_APDUS.completion)), 'completion');
    expect(m.softwareVersion).toBeUndefined();
    expect(values(m.fields)).toEqual({ paymentType: 0x00, terminalId: '52001233', currency: 978, tlv: '270314' + '01FF' });
  });

  it('reads an intermediate status with its timeout and TLV (ecrterm)', () => {
    const m = expectKind(decodeZvtMessage(hex(ECRTERM_APDUS.intermediateStatus)), 'intermediate-status');
    expect(m).toMatchObject({ status: 0x0a, timeout: 0x01 });
    expect(Buffer.from(String(findBmp(m.fields, 'tlv')?.value), 'hex').subarray(4).toString('latin1')).toBe('Bitte Karte einstecken');
  });

  it('reads print lines (ecrterm)', () => {
    expect(expectKind(decodeZvtMessage(apduOfFrame(ECRTERM_SERIAL_FRAMES.printLine)), 'print-line')).toMatchObject({ attribute: 0, text: 'Gesamt      0       0,00' });
    expect(expectKind(decodeZvtMessage(hex(ECRTERM_APDUS.printLine)), 'print-line').text).toBe('         Kassenschnitt');
  });

  it('reads acknowledgements, the CCV abort and a status enquiry', () => {
    expect(decodeZvtMessage(apduOfFrame(ECRTERM_SERIAL_FRAMES.positiveAck)).kind).toBe('positive-ack');
    expect(expectKind(decodeZvtMessage(apduOfFrame(ECRTERM_SERIAL_FRAMES.negativeAck)), 'negative-ack').errorCode).toBe(0x9c);
    expect(expectKind(decodeZvtMessage(hex(CCV_ABORT)), 'abort')).toMatchObject({ resultCode: 0x7d, fields: [] });
    expect(expectKind(decodeZvtMessage(apduOfFrame(ECRTERM_SERIAL_FRAMES.statusEnquiry)), 'status-enquiry')).toMatchObject({ password: '123456', fields: [] });
  });

  it('passes commands it has no layout for through as raw data', () => {
    expect(decodeZvtMessage(apduOfFrame(ECRTERM_SERIAL_FRAMES.initialisation))).toMatchObject({ kind: 'other', control: '06 93', data: '123456' });
  });
});

describe('ZVT safe view', () => {
  const PAN = '4761739001010119'; // a well-known public test card number

  it('masks the card number through maskPan (first 6 / last 4), in the value and the hex', () => {
    const apdu = statusInformation([
      { bmp: 'resultCode', value: 0 },
      { bmp: 'pan', value: PAN },
    ]);
    expect(H(apdu)).toContain(`22F0F8${PAN}`); // LLVAR counts bytes: 16 digits = 8 bytes
    const clear = expectKind(decodeZvtMessage(apdu), 'status-information');
    expect(findBmp(clear.fields, 'pan')?.value).toBe(PAN);
    const safe = expectKind(decodeZvtMessage(apdu, { safe: true }), 'status-information');
    const pan = findBmp(safe.fields, 'pan');
    expect(pan?.value).toBe('476173******0119');
    expect(pan?.hex).toBe('F0F8476173******0119');
    expect(JSON.stringify(safe)).not.toContain(PAN);
  });

  it('pads an odd-length card number with F and masks it too', () => {
    const apdu = statusInformation([{ bmp: 0x22, value: '4761739001010119123' }]);
    expect(H(apdu)).toContain('22F1F04761739001010119123F');
    expect(findBmp(expectKind(decodeZvtMessage(apdu, { safe: true }), 'status-information').fields, 0x22)?.value).toBe('476173*********9123');
  });

  it('masks the PAN in track 2 and stars the rest; stars CVV and passwords', () => {
    const apdu = authorisation({ amount: 100, extra: [{ bmp: 'track2', value: `${PAN}D30122011234` }, { bmp: 'cvv', value: '123' }] });
    const safe = expectKind(decodeZvtMessage(apdu, { safe: true }), 'authorisation');
    expect(findBmp(safe.fields, 'track2')?.value).toBe('476173******0119D***********');
    expect(findBmp(safe.fields, 'cvv')?.value).toBe('****');
    expect(JSON.stringify(safe)).not.toContain(PAN);
    expect(expectKind(decodeZvtMessage(endOfDay(), { safe: true }), 'end-of-day').password).toBe('******');
  });
});

describe('ZVT reader errors name the byte and the offset', () => {
  it('refuses an unknown BMP, naming it and where it is', () => {
    const err = catchZvt(() => decodeZvtMessage(hex('04 0F 04 27 00 FE 01')));
    expect(err.message).toMatch(/unknown BMP 0xFE at offset 5 of 04 0F Status information: its length is not known/);
    expect(err).toMatchObject({ offset: 5, bmp: 0xfe });
  });

  it('refuses a BMP cut short by the end of the APDU', () => {
    expect(catchZvt(() => decodeZvtMessage(hex('06 01 04 04 00 00 10'))).message).toMatch(/BMP 0x04 \(amount .*\) at offset 3 of 06 01 Authorisation: needs 6 bytes from offset 4 but the APDU ends at offset 7/);
  });

  it('refuses an LLVAR length that is not F0..F9', () => {
    const err = catchZvt(() => decodeZvtMessage(hex('04 0F 05 8B 31 32 41 42')));
    expect(err.message).toMatch(/length byte 31 at offset 4 is not F0..F9/);
    expect(err.offset).toBe(4);
  });

  it('refuses a BCD field with a non-decimal nibble', () => {
    expect(catchZvt(() => decodeZvtMessage(hex('04 0F 03 49 09 7A'))).message).toMatch(/currency code .*: byte 7A at offset 5 is not packed BCD/);
  });

  it('refuses a registration without its config byte', () => {
    expect(catchZvt(() => decodeZvtMessage(hex('06 00 03 12 34 56'))).message).toMatch(/ends before the config byte at offset 6/);
  });

  it('refuses builder input that does not fit its field', () => {
    expect(catchZvt(() => authorisation({ amount: 1e13 })).message).toMatch(/has 14 digits; it fits in at most 12/);
    expect(catchZvt(() => registration({ configByte: 0x100 })).message).toMatch(/config byte 256/);
    expect(catchZvt(() => registration({ password: '12345', configByte: 0 })).message).toMatch(/exactly 6 digits/);
    expect(catchZvt(() => registration({ configByte: 0, tlv: hex('00') })).message).toMatch(/currency must be given/);
    expect(catchZvt(() => encodeBmp({ bmp: 0xfe, value: 1 })).message).toMatch(/unknown BMP 0xFE/);
    expect(catchZvt(() => encodeBmp({ bmp: 0x27, hex: '0001' })).message).toMatch(/not exactly one result code field/);
  });

  it('decodes a BMP sequence from any offset', () => {
    const apdu = hex(ECRTERM_APDUS.completion);
    expect(decodeBmps(apdu, 3, 'test').map((f) => f.name)).toEqual(['paymentType', 'terminalId', 'currency', 'tlv']);
  });
});
