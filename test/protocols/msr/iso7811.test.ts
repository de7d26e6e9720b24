import { cardFromTrack, checkTrack, encodeTrack1, encodeTrack2, lrcCharacter } from '../../../harness/protocols/msr/iso7811';

/**
 * Track data as a magnetic-stripe reader decodes it: the encoder writes ISO 7813 tracks, and
 * the checker finds every way a track can be malformed — each broken track below fails
 * exactly the check it breaks, and a well-formed one passes all of them.
 */
const card = { pan: '4761739001010119', expiry: '3012', name: 'TEST/CARDHOLDER' };
const failed = (checks: { what: string; pass: boolean }[]) => checks.filter((c) => !c.pass).map((c) => c.what);

describe('ISO 7811/7813 tracks', () => {
  it('writes track 1 format B and track 2 as readers decode them, with sentinels, separators and LRC', () => {
    const t1 = encodeTrack1(card, true);
    const t2 = encodeTrack2(card, true);
    expect(t1).toMatch(/^%B4761739001010119\^TEST\/CARDHOLDER\^3012101[0-9]*\?.$/);
    expect(t2).toMatch(/^;4761739001010119=3012101[0-9]*\?.$/);
    expect(t1.length).toBeLessThanOrEqual(79);
    expect(t2.length).toBeLessThanOrEqual(40);
    expect(encodeTrack2(card, false)).toBe(t2.slice(0, -1));
  });

  it('computes the LRC as the XOR of the character codes in the track alphabet', () => {
    // Track 2 ";1=?": codes B, 1, D, F -> B^1^D^F = 8 -> '8'.
    expect(lrcCharacter(2, ';1=?')).toBe('8');
    // Track 1 "%A?": codes 05, 21, 1F -> 05^21^1F = 3B -> 0x3B + 0x20 = '['.
    expect(lrcCharacter(1, '%A?')).toBe('[');
  });

  it('passes a well-formed track 1 and track 2 on every check, with and without LRC', () => {
    for (const withLrc of [true, false]) {
      const t1 = checkTrack(1, encodeTrack1(card, withLrc), withLrc);
      const t2 = checkTrack(2, encodeTrack2(card, withLrc), withLrc);
      expect(failed(t1)).toEqual([]);
      expect(failed(t2)).toEqual([]);
      expect(t1.some((c) => c.what === 'track 1 LRC')).toBe(withLrc);
    }
  });

  it.each([
    ['track 2 without start sentinel', 2, (t: string) => t.replace(';', '0'), ['track 2 start sentinel', 'track 2 LRC']],
    ['track 2 without end sentinel', 2, (t: string) => t.replace('?', '0'), ['track 2 end sentinel', 'track 2 LRC']],
    ['track 2 with a letter', 2, (t: string) => t.replace('=3012', '=30C2'), ['track 2 character set', 'track 2 expiry and service code', 'track 2 LRC']],
    ['track 2 with two separators', 2, (t: string) => t.replace('3012', '3=12'), ['track 2 field separator', 'track 2 LRC']],
    ['track 2 with a wrong LRC', 2, (t: string) => t.slice(0, -1) + (t.endsWith('0') ? '1' : '0'), ['track 2 LRC']],
    ['track 1 with format code A', 1, (t: string) => t.replace('%B', '%A'), ['track 1 format code', 'track 1 LRC']],
    ['track 1 without name separator', 1, (t: string) => t.replace('^TEST', 'TEST'), ['track 1 field separators', 'track 1 LRC']],
    ['track 1 too long', 1, (t: string) => t.replace('^TEST', '^' + 'X'.repeat(60)), ['track 1 length', 'track 1 name field', 'track 1 LRC']],
    ['track 1 with a lower-case letter', 1, (t: string) => t.replace('TEST', 'TeST'), ['track 1 character set', 'track 1 LRC']],
  ] as const)('finds %s', (_what, track, spoil, expected) => {
    const good = track === 1 ? encodeTrack1(card, true) : encodeTrack2(card, true);
    expect(failed(checkTrack(track, spoil(good), true)).sort()).toEqual([...expected].sort());
  });

  it('never repeats the card number in a finding', () => {
    const checks = checkTrack(2, encodeTrack2(card, true).replace('=', '^'), true);
    expect(JSON.stringify(checks)).not.toContain(card.pan);
  });

  it('reads PAN and expiry back from tracks 1 and 2', () => {
    expect(cardFromTrack(1, encodeTrack1(card, true))).toEqual({ pan: card.pan, expiry: '3012' });
    expect(cardFromTrack(2, encodeTrack2(card, false))).toEqual({ pan: card.pan, expiry: '3012' });
    expect(cardFromTrack(2, ';garbage?')).toBeUndefined();
  });
});
