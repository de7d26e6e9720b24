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

  it('masks every string inside a report-like object', () => {
    const masked = maskDeep({ notes: [`PAN ${PAN}`], nested: { message: `x ${PAN}` }, n: 1 }, [PAN]);
    expect(JSON.stringify(masked)).not.toContain(PAN);
    expect(masked.n).toBe(1);
  });
});
