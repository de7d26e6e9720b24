import fc from 'fast-check';
import { luhnValid, maskDeep, maskedViews, maskPan, maskText } from '../../harness/masking/pan';

const PAN = '4761739001010119'; // Visa test card, Luhn-valid

describe('PAN masking (first 6 / last 4)', () => {
  it('masks a PAN to its first six and last four digits', () => {
    expect(maskPan(PAN)).toBe('476173******0119');
    expect(maskPan('5413330089010434')).toBe('541333******0434');
    expect(maskPan('1234567890123456789')).toBe('123456*********6789');
  });

  it('checks the Luhn digit', () => {
    expect(luhnValid(PAN)).toBe(true);
    expect(luhnValid('4761739001010118')).toBe(false);
  });

  it('masks a known PAN anywhere in text, even inside a longer digit run', () => {
    const iso = '0200' + '16' + PAN + '000000000000001234';
    expect(maskText(iso, [PAN])).not.toContain(PAN);
    expect(maskText(iso, [PAN])).toContain('476173******0119');
  });

  it('masks an unknown Luhn-valid card number standing alone, and track-2 PANs before the separator', () => {
    expect(maskText(`card ${PAN} declined`)).toBe('card 476173******0119 declined');
    expect(maskText(`;${PAN}=30121010000000000?`)).toContain('476173******0119=');
    expect(maskText(`${PAN}D3012101`)).toContain('476173******0119D');
  });

  it('leaves ordinary numbers alone (amounts, STANs, non-Luhn runs)', () => {
    expect(maskText('amount 000000001234 stan 000123')).toBe('amount 000000001234 stan 000123');
    expect(maskText('4761739001010118 is not a card')).toBe('4761739001010118 is not a card');
  });

  it('masks ASCII and packed-BCD PANs in both views of wire bytes', () => {
    const ascii = Buffer.from(`XX${PAN}YY`, 'ascii');
    const v1 = maskedViews(ascii, [PAN]);
    expect(v1.ascii).toBe('XX476173******0119YY');
    expect(v1.hex).not.toContain(Buffer.from(PAN).toString('hex').toUpperCase());
    expect(v1.hex).toContain('**');
    const bcd = Buffer.concat([Buffer.from([0x16]), Buffer.from(PAN, 'hex'), Buffer.from([0x00])]);
    const v2 = maskedViews(bcd, [PAN]);
    expect(v2.hex).toBe('16476173******011900');
  });

  it('masks a known PAN where no rule would see one: inside longer digit runs, and packed from an odd nibble', () => {
    // ASCII, run on by the numeric fields after it (no rule looks inside a 40-digit run).
    const ascii = Buffer.from(`020016${PAN}000000000000001234001`, 'latin1');
    expect(maskedViews(ascii, [PAN]).ascii).toBe('020016476173******0119000000000000001234001');
    // Packed from an even nibble, between decimal nibbles (one long run).
    const even = Buffer.from(`1234${PAN}5678`, 'hex');
    expect(maskedViews(even, [PAN]).hex).toBe(`1234476173******01195678`);
    // Packed from an odd nibble: the PAN's first digit is a byte's low half, its last a high half.
    const odd = Buffer.from(`12345${PAN}678`, 'hex');
    expect(maskedViews(odd, [PAN]).hex).toBe(`12345476173******0119678`);
    // An odd-length PAN from an odd nibble ends on a byte boundary.
    const fifteen = '374245455400126';
    expect(maskedViews(Buffer.from(`123${fifteen}99`, 'hex'), [fifteen]).hex).toBe('123374245*****012699');
    // All its digit pairs but not its last digit: no PAN.
    expect(maskedViews(Buffer.from(`12${fifteen.slice(0, -1)}7999`, 'hex'), [fifteen]).hex).toBe(`12${fifteen.slice(0, -1)}7999`);
  });

  it('leaves no known PAN readable in either view, wherever and however it lies in the bytes', () => {
    const pans = [PAN, '374245455400126', '6221261234567890129', '123456789012'];
    const noise = fc.array(fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(0x30, 0x34, 0x39, 0x47, 0x61, 0x12, 0x90, 0x01)), { maxLength: 60 });
    const placed = fc.record({ before: noise, pan: fc.constantFrom(...pans), form: fc.constantFrom('ascii', 'even', 'odd'), pad: fc.constantFrom('0', '3', '9', 'F'), after: noise });
    fc.assert(
      fc.property(placed, ({ before, pan, form, pad, after }) => {
        const digits = form === 'odd' ? pad + pan : pan;
        const packed = form === 'ascii' ? Buffer.from(pan, 'latin1') : Buffer.from(digits.length % 2 ? digits + pad : digits, 'hex');
        const views = maskedViews(Buffer.from([...before, ...packed, ...after]), pans);
        for (const p of pans) {
          expect(views.ascii).not.toContain(p);
          expect(views.hex).not.toContain(p);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('masks every string inside a report-like object', () => {
    const masked = maskDeep({ notes: [`PAN ${PAN}`], nested: { message: `x ${PAN}` }, n: 1 }, [PAN]);
    expect(JSON.stringify(masked)).not.toContain(PAN);
    expect(masked.n).toBe(1);
  });
});
