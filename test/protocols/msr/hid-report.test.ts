import { decodeSwipeReport, encodeSwipeReport, SWIPE_REPORT_SIZE } from '../../../harness/protocols/msr/hid-report';

/** The 337-byte swipe report layout, byte by byte as documented in hid-report.ts. */
describe('HID swipe report layout', () => {
  const tracks = { 1: '%B4761739001010119^TEST/CARDHOLDER^3012101?', 2: ';4761739001010119=3012101?' };

  it('puts status, lengths, encode type and each track at its documented offset', () => {
    const r = encodeSwipeReport({ tracks, status: [0, 0, 1], encodeType: 0 });
    expect(r).toHaveLength(SWIPE_REPORT_SIZE);
    expect([...r.subarray(0, 7)]).toEqual([0, 0, 1, tracks[1].length, tracks[2].length, 0, 0]);
    expect(r.subarray(7, 7 + tracks[1].length).toString()).toBe(tracks[1]);
    expect(r.subarray(117, 117 + tracks[2].length).toString()).toBe(tracks[2]);
    expect(r.subarray(227).every((b) => b === 0)).toBe(true);
  });

  it('decodes what it encodes, and refuses bytes that are not the layout', () => {
    const r = encodeSwipeReport({ tracks, status: [0, 0, 0], encodeType: 0 });
    expect(decodeSwipeReport(r)).toEqual({ tracks, status: [0, 0, 0], encodeType: 0 });
    expect(decodeSwipeReport(r.subarray(0, 336))).toBeUndefined();
    const lying = Buffer.from(r);
    lying[3] = 111; // longer than the 110-byte track field
    expect(decodeSwipeReport(lying)).toBeUndefined();
  });
});
