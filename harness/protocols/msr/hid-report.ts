import type { TrackNumber } from './iso7811';

/**
 * The HID input report of a USB magnetic-stripe reader, in the layout the common keyboard-less
 * ("HID swipe") readers use — one fixed report per swipe, with a status and a length per track
 * and a fixed field per track:
 *
 *   offset  size  content
 *        0     1  track 1 decode status (0 = decoded, else the reader's error code)
 *        1     1  track 2 decode status
 *        2     1  track 3 decode status
 *        3     1  track 1 length (bytes of track 1 data that are valid)
 *        4     1  track 2 length
 *        5     1  track 3 length
 *        6     1  card encode type (0 ISO/ABA, 1 AAMVA, 3 blank, 4 other, 5 undetermined)
 *        7   110  track 1 data, ASCII, zero-padded
 *      117   110  track 2 data
 *      227   110  track 3 data
 *                 (337 bytes, no report id)
 *
 * Track data is the decoded characters from start sentinel to end sentinel, followed by the
 * LRC character when the reader is set to pass it on (the msr protocol's `lrc` option).
 */
export const SWIPE_REPORT_SIZE = 337;
const TRACK_FIELD = 110;
const DATA_AT = 7;

export const EncodeType = { iso: 0, aamva: 1, blank: 3, other: 4, undetermined: 5 } as const;

export interface SwipeReport {
  tracks: Partial<Record<TrackNumber, string>>;
  /** Decode status per track (index 0 = track 1): 0 decoded. */
  status: [number, number, number];
  encodeType: number;
}

export function encodeSwipeReport(report: SwipeReport): Buffer {
  const out = Buffer.alloc(SWIPE_REPORT_SIZE);
  for (const n of [1, 2, 3] as const) {
    const data = Buffer.from(report.tracks[n] ?? '', 'latin1').subarray(0, TRACK_FIELD);
    out[n - 1] = report.status[n - 1];
    out[2 + n] = data.length;
    data.copy(out, DATA_AT + (n - 1) * TRACK_FIELD);
  }
  out[6] = report.encodeType;
  return out;
}

/** Undefined when the bytes cannot be this layout (wrong size, a length beyond its field). */
export function decodeSwipeReport(bytes: Buffer): SwipeReport | undefined {
  if (bytes.length !== SWIPE_REPORT_SIZE) return undefined;
  const tracks: SwipeReport['tracks'] = {};
  for (const n of [1, 2, 3] as const) {
    const length = bytes[2 + n] as number;
    if (length > TRACK_FIELD) return undefined;
    const at = DATA_AT + (n - 1) * TRACK_FIELD;
    if (length > 0) tracks[n] = bytes.subarray(at, at + length).toString('latin1');
  }
  return { tracks, status: [bytes[0] as number, bytes[1] as number, bytes[2] as number], encodeType: bytes[6] as number };
}
