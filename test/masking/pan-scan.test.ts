import path from 'node:path';
import { luhnValid, scanForPans, type PanFinding } from '../../harness/masking/pan-scan';
import { Iso8583Codec, loadPackager } from '../../harness/protocols/iso8583';

/**
 * The clear-PAN scanner behind the `no-clear-pan` encryption check.
 *
 * Test PANs: published test card numbers that card brands and payment gateways give out for
 * test environments (never issued to a cardholder) — Visa 4761 7390 0101 0119 and Mastercard
 * 5413 3300 8902 0011 (also the test cards of suites/encryption.json), American Express
 * 3742 454554 00126 (15 digits) and Discover 6011 0009 9130 0009. The 19-digit one is built
 * here: 622126 (a UnionPay IIN, whose cards may have 19 digits) + 123456789012 + its Luhn check
 * digit 9.
 */
const VISA = '4761739001010119';
const MASTERCARD = '5413330089020011';
const AMEX = '374245455400126';
const DISCOVER = '6011000991300009';
const NINETEEN = '6221261234567890129';
const ROOT = path.resolve(__dirname, '../..');

const ascii = (text: string) => Buffer.from(text, 'latin1');
const hex = (text: string) => Buffer.from(text, 'hex');
const bytes = (...parts: (Buffer | number[])[]) => Buffer.concat(parts.map((p) => (Buffer.isBuffer(p) ? p : Buffer.from(p))));
/** What the findings say, without offsets and lengths. */
const summary = (findings: PanFinding[]) => findings.map((f) => `${f.encoding} ${f.masked} @${f.offset}+${f.length}`);

describe('luhnValid (ISO/IEC 7812-1 Annex B)', () => {
  it('accepts the test PANs and the built 19-digit one, and rejects a wrong check digit', () => {
    for (const pan of [VISA, MASTERCARD, AMEX, DISCOVER, NINETEEN]) expect(luhnValid(pan)).toBe(true);
    expect(luhnValid('4761739001010118')).toBe(false);
    expect(luhnValid('6221261234567890120')).toBe(false);
    expect(luhnValid('')).toBe(false);
    expect(luhnValid('47617390010101x9')).toBe(false);
  });
});

describe('scanForPans: ASCII digits', () => {
  it('finds the PAN of an ISO 8583 ASCII request (MTI, hex bitmap, LL 16, PAN, fields 3, 4, 11…) at its offset, masked', () => {
    // Bitmap 7020000000808000: fields 2, 3, 4, 11, 41, 49. Its last characters are digits, so
    // "8000", the LL and fields 3, 4 and 11 run together with the PAN.
    const message = `0200${'7020000000808000'}16${VISA}000000000000001234000123POSHIL01978`;
    expect(summary(scanForPans(ascii(message)))).toEqual(['ascii 476173******0119 @22+16']);
    // Behind a 2-byte binary length header, as the length-prefix framer sends it.
    const framed = bytes([0x00, message.length], ascii(message));
    expect(summary(scanForPans(framed))).toEqual(['ascii 476173******0119 @24+16']);
  });

  it('finds field 2 in requests packed by the iso87ascii and iso87binary packagers, for 15, 16 and 19 digits, with and without a secondary bitmap', () => {
    for (const [packager, encoding, offsets] of [
      ['iso87ascii', 'ascii', [22, 38]],
      ['iso87binary', 'bcd', [11, 19]],
    ] as const) {
      const codec = new Iso8583Codec(loadPackager(packager, ROOT));
      for (const pan of [AMEX, VISA, NINETEEN]) {
        const extras: Record<number, string>[] = [{}, { 70: '301' }];
        for (const [i, extra] of extras.entries()) {
          const message = codec.pack({ mti: '0200', fields: { 2: pan, 3: '000000', 4: '000000001234', 7: '1124103000', 11: '000123', 41: 'POSHIL01', 49: '978', ...extra } });
          const findings = scanForPans(message);
          expect(findings).toHaveLength(1);
          expect(findings[0]).toMatchObject({ encoding, offset: offsets[i], digits: pan.length, masked: pan.slice(0, 6) + '*'.repeat(pan.length - 10) + pan.slice(-4) });
        }
      }
    }
  });

  it('finds a 13–19 digit run standing alone, and the PAN after an LLVAR or LLLVAR prefix starting a run', () => {
    expect(summary(scanForPans(ascii(`card ${DISCOVER} declined`)))).toEqual(['ascii 601100******0009 @5+16']);
    expect(summary(scanForPans(ascii(`pan=${NINETEEN};`)))).toEqual(['ascii 622126*********0129 @4+19']);
    expect(summary(scanForPans(ascii(`|15${AMEX}000000000000001234|`)))).toEqual(['ascii 374245*****0126 @3+15']);
    expect(summary(scanForPans(ascii(`|016${VISA}000000|`)))).toEqual(['ascii 476173******0119 @4+16']);
  });

  it('finds the PAN after a binary length byte (ASCII fields, binary LL)', () => {
    expect(summary(scanForPans(bytes([0xa2, 16], ascii(`${MASTERCARD}000000000000001234`))))).toEqual(['ascii 541333******0011 @2+16']);
  });

  it('reports nothing for a 16-digit run that fails the Luhn check', () => {
    expect(scanForPans(ascii('card 4761739001010118 declined'))).toEqual([]);
  });

  it('reports nothing for a 12-digit or a 20-digit run, even when Luhn-valid', () => {
    const twelve = '476173900103';
    const twenty = '47617390010101190000';
    expect(luhnValid(twelve) && luhnValid(twenty)).toBe(true);
    expect(scanForPans(ascii(`ref ${twelve} end`))).toEqual([]);
    expect(scanForPans(ascii(`ref ${twenty} end`))).toEqual([]);
  });

  it('reports nothing for a masked PAN', () => {
    expect(scanForPans(ascii('card 476173******0119 approved'))).toEqual([]);
    expect(scanForPans(ascii(`0200702000000080800016476173******0119000000000000001234`))).toEqual([]);
  });

  it('reports nothing in hex strings (MACs, keys, ciphertext), where digit runs are chance', () => {
    expect(scanForPans(ascii(`MAC 8F3A${VISA}C2E1 KSN FFFF9876543210E00001`))).toEqual([]);
    expect(scanForPans(ascii(`KEY 8F3A${VISA} END`))).toEqual([]);
  });

  it('reports nothing for zero-padded numbers: no card has major industry identifier 0', () => {
    expect(luhnValid('0000000000001008')).toBe(true);
    expect(scanForPans(ascii('amount 0000000000001008 EUR'))).toEqual([]);
  });

  it("finds the PAN of track 1, and not the digits after its '^' separators", () => {
    expect(luhnValid('3012101000000')).toBe(true);
    expect(summary(scanForPans(ascii(`%B${VISA}^CARDHOLDER/TEST^3012101000000?`)))).toEqual(['ascii 476173******0119 @2+16']);
  });
});

describe('scanForPans: packed BCD', () => {
  it('finds an even-length PAN standing alone, and after a BCD LL byte', () => {
    expect(summary(scanForPans(bytes([0xa5, 0xc3], hex(VISA), [0xe0])))).toEqual(['bcd 476173******0119 @2+8']);
    // LL 0x16, the PAN, then field 3 (000000) and field 4: one long run of decimal nibbles.
    expect(summary(scanForPans(bytes([0xc3, 0x16], hex(MASTERCARD), hex('000000000000001234'))))).toEqual(['bcd 541333******0011 @2+8']);
  });

  it('finds an odd-length PAN with its F pad nibble, alone and after an LL byte', () => {
    expect(summary(scanForPans(bytes([0xa5], hex(`${AMEX}F`), [0xe0])))).toEqual(['bcd 374245*****0126 @1+8']);
    expect(summary(scanForPans(bytes([0xc3, 0x19], hex(`${NINETEEN}F`), hex('000000'))))).toEqual(['bcd 622126*********0129 @2+10']);
  });

  it('finds an odd-length PAN after an LL byte right-padded with 0 (as iso87binary packs it) or left-padded with 0', () => {
    expect(summary(scanForPans(bytes([0xc3, 0x15], hex(`${AMEX}0`), hex('000000000000001234'))))).toEqual(['bcd 374245*****0126 @2+8']);
    expect(summary(scanForPans(bytes([0xc3, 0x15], hex(`0${AMEX}`), hex('000000000000001234'))))).toEqual(['bcd 374245*****0126 @2+8']);
  });

  it('finds the PAN after an LLLVAR prefix (00 then the length) and in EMV tag 5A', () => {
    expect(summary(scanForPans(bytes([0xc3, 0x00, 0x16], hex(VISA), hex('000000'))))).toEqual(['bcd 476173******0119 @3+8']);
    // Field 55 (ICC data): 9F02 amount, 5A application PAN, 5F34 PAN sequence number.
    expect(summary(scanForPans(hex(`9F0206000000001234` + `5A08${VISA}` + '5F340100')))).toEqual(['bcd 476173******0119 @11+8']);
    expect(summary(scanForPans(hex(`5A08${AMEX}F` + '5F340100')))).toEqual(['bcd 374245*****0126 @2+8']);
  });

  it('does not take ASCII text for BCD: digits, spaces and hex characters are decimal nibbles too', () => {
    // "1000007" is 31 30 30 30 30 30 37: fourteen decimal nibbles, and Luhn-valid ones.
    expect(luhnValid('31303030303037')).toBe(true);
    expect(scanForPans(bytes([0xff], ascii('1000007'), [0xff]))).toEqual([]);
    expect(scanForPans(ascii(' '.repeat(64)))).toEqual([]);
    expect(scanForPans(ascii('20240113 120000 000000001234 000123'))).toEqual([]);
  });
});

describe('scanForPans: track 2', () => {
  it("finds ASCII track 2 with '=' and sentinels, and with 'D'; the data after the separator is no PAN", () => {
    expect(summary(scanForPans(ascii(`;${VISA}=30121011234567890123?`)))).toEqual(['track2-ascii 476173******0119 @1+16']);
    expect(summary(scanForPans(ascii(`${MASTERCARD}D30121010000000000000`)))).toEqual(['track2-ascii 541333******0011 @0+16']);
    expect(summary(scanForPans(ascii(`;${AMEX}=301210112345?`)))).toEqual(['track2-ascii 374245*****0126 @1+15']);
  });

  it('finds track 2 in ISO 8583 field 35 after its LL and the numeric fields before it', () => {
    // Fields 22 (021), 25 (00), then 35 with its LL (37).
    const fields = 'POSHIL' + '021' + '00' + '37' + `${VISA}=30121010000000000000` + 'POSHIL01';
    expect(summary(scanForPans(ascii(fields)))).toEqual(['track2-ascii 476173******0119 @13+16']);
  });

  it('finds BCD track 2 with the separator nibble D, after a BCD LL and in EMV tag 57', () => {
    expect(summary(scanForPans(bytes([0xc3, 0x37], hex(`${VISA}D3012101000000000000000F`))))).toEqual(['track2-bcd 476173******0119 @2+8']);
    expect(summary(scanForPans(bytes([0xc3, 0x35], hex(`${AMEX}D3012101000000000000`))))).toEqual(['track2-bcd 374245*****0126 @2+8']);
    expect(summary(scanForPans(hex(`5713${MASTERCARD}D3012101000000000000000F5F3401009F`)))).toEqual(['track2-bcd 541333******0011 @2+8']);
  });

  it('takes a track-2 length starting the run for what it is, though with it the run would pass Luhn too', () => {
    // Track 2 of 26 characters: PAN, separator, expiry, service code, 2 discretionary digits.
    expect(luhnValid(`26${VISA}`)).toBe(true);
    expect(summary(scanForPans(ascii(`TRACK2 26${VISA}=301210100 END`)))).toEqual(['track2-ascii 476173******0119 @9+16']);
    expect(summary(scanForPans(bytes([0xc3, 0x26], hex(`${VISA}D301210100F`))))).toEqual(['track2-bcd 476173******0119 @2+8']);
  });

  it('does not report the data after the D nibble, though Luhn-valid', () => {
    const after = '3012101000000006';
    expect(luhnValid(after)).toBe(true);
    expect(summary(scanForPans(bytes([0xa5], hex(after), [0xe0])))).toEqual(['bcd 301210******0006 @1+8']);
    expect(summary(scanForPans(bytes([0xc3, 0x35], hex(`${AMEX}D${after}`), [0xe0])))).toEqual(['track2-bcd 374245*****0126 @2+8']);
  });

  it('reports a PAN once even when the track-2 and the ASCII rules both see it', () => {
    const findings = scanForPans(ascii(`;${VISA}=3012101?`), { known: new Set([VISA]) });
    expect(summary(findings)).toEqual(['track2-ascii 476173******0119 @1+16']);
  });
});

describe('scanForPans: healthy traffic', () => {
  it('reports nothing in real requests without a PAN: amounts, dates, STANs, terminal and merchant IDs, KSN, PIN block and MAC', () => {
    for (const packager of ['iso87ascii', 'iso87binary']) {
      const codec = new Iso8583Codec(loadPackager(packager, ROOT));
      const fields = {
        3: '000000',
        4: '000000001234',
        7: '1124103000',
        11: '000123',
        12: '103000',
        13: '1124',
        22: '021',
        25: '00',
        41: 'POSHIL01',
        42: 'POSHIL000000001',
        49: '978',
        52: '6A1E2F3C4D5B6978',
        62: 'FFFF9876543210E00001',
        63: '8C4F31A7D02E96B5C8D1E4F7A0B3C6D9E2F5A8B1C4D7E0F3',
        64: '1A2B3C4D5E6F7081',
      };
      expect(scanForPans(codec.pack({ mti: '0200', fields }))).toEqual([]);
      expect(scanForPans(codec.pack({ mti: '0210', fields: { ...fields, 37: '432100000123', 38: '123456', 39: '00' } }))).toEqual([]);
    }
  });
});

describe('scanForPans: findings', () => {
  const cases: [string, Buffer, string][] = [
    ['ascii', ascii(`card ${VISA}`), VISA],
    ['iso 8583 ascii', ascii(`0200702000000080800016${MASTERCARD}000000`), MASTERCARD],
    ['bcd', bytes([0xc3, 0x15], hex(`${AMEX}F`)), AMEX],
    ['track 2', ascii(`;${DISCOVER}=3012101?`), DISCOVER],
    ['bcd track 2', bytes([0xc3, 0x37], hex(`${NINETEEN}D3012101000000000000`)), NINETEEN],
  ];

  it.each(cases)('never hold the clear PAN (%s)', (_name, data, pan) => {
    for (const options of [{}, { known: new Set([pan]) }]) {
      const findings = scanForPans(data, options);
      expect(findings).toHaveLength(1);
      expect(JSON.stringify(findings)).not.toContain(pan);
      expect(Object.keys(findings[0]!).sort()).toEqual(['digits', 'encoding', 'length', 'masked', 'offset', ...('known' in options ? ['known'] : [])].sort());
    }
  });

  it('say whether the PAN is a known one when given the known set, and only then', () => {
    const data = ascii(`a ${VISA} b ${MASTERCARD} c`);
    expect(scanForPans(data).map((f) => f.known)).toEqual([undefined, undefined]);
    expect(scanForPans(data, { known: new Set([MASTERCARD]) }).map((f) => [f.masked, f.known])).toEqual([
      ['476173******0119', false],
      ['541333******0011', true],
    ]);
  });

  it('prefer the known PAN to an overlapping guess', () => {
    // "18" + the PAN is an 18-digit Luhn-valid run of its own.
    expect(luhnValid(`18${VISA}`)).toBe(true);
    expect(summary(scanForPans(ascii(`x18${VISA}y`)))).toEqual(['ascii 184761********0119 @1+18']);
    expect(scanForPans(ascii(`x18${VISA}y`), { known: new Set([VISA]) })).toEqual([
      { offset: 3, length: 16, encoding: 'ascii', masked: '476173******0119', digits: 16, known: true },
    ]);
  });

  it('find a known PAN also where no rule looks for one (inside a longer digit run, in a hex string)', () => {
    const run = ascii(`ref 0099${VISA}000000 end`);
    expect(scanForPans(run)).toEqual([]);
    expect(summary(scanForPans(run, { known: new Set([VISA]) }))).toEqual(['ascii 476173******0119 @8+16']);
    const hexString = ascii(`MAC 8F3A${VISA}C2E1`);
    expect(scanForPans(hexString, { known: new Set([VISA]) })).toMatchObject([{ encoding: 'ascii', offset: 8, known: true }]);
    const bcdRun = bytes(hex('0000000012340099'), hex(VISA), hex('000000'));
    expect(scanForPans(bcdRun)).toEqual([]);
    expect(summary(scanForPans(bcdRun, { known: new Set([VISA]) }))).toEqual(['bcd 476173******0119 @8+8']);
  });
});
