/**
 * Magnetic-stripe track data: the character sets and sentinels of ISO/IEC 7811 and the
 * financial-card layouts of ISO/IEC 7813 (track 1 format B, track 2) and ISO 4909 (track 3).
 * Tracks are handled as the text a reader decodes them to: track 1 in the 6-bit alphabet
 * (ASCII 0x20–0x5F), tracks 2 and 3 in the 4-bit one (ASCII 0x30–0x3F). The LRC is the XOR of
 * every character's code from start sentinel through end sentinel, written as one more
 * character of the same alphabet; parity bits are the reader's business and not in the text.
 */
export type TrackNumber = 1 | 2 | 3;

interface TrackRules {
  start: string;
  end: string;
  separator: string;
  /** ASCII offset of the alphabet: character code = ASCII − base. */
  base: number;
  /** Characters in the alphabet (codes 0 … size−1). */
  size: number;
  /** Longest track including sentinels and LRC. */
  maxLength: number;
}

const RULES: Record<TrackNumber, TrackRules> = {
  1: { start: '%', end: '?', separator: '^', base: 0x20, size: 64, maxLength: 79 },
  2: { start: ';', end: '?', separator: '=', base: 0x30, size: 16, maxLength: 40 },
  3: { start: ';', end: '?', separator: '=', base: 0x30, size: 16, maxLength: 107 },
};

/** The LRC character for a track's text from start sentinel through end sentinel. */
export function lrcCharacter(track: TrackNumber, text: string): string {
  const r = RULES[track];
  let lrc = 0;
  for (const ch of text) lrc ^= ch.charCodeAt(0) - r.base;
  return String.fromCharCode(r.base + (lrc & (r.size - 1)));
}

export interface StripeCard {
  pan: string;
  /** YYMM */
  expiry: string;
  /** Track 1 name, "SURNAME/GIVEN NAME" (2–26 characters). */
  name?: string;
  /** 3 digits; default 101 (international, normal authorisation, no restrictions). */
  serviceCode?: string;
}

/** Track 1, format B: %B PAN ^ NAME ^ YYMM service-code discretionary ? [LRC]. */
export function encodeTrack1(card: StripeCard, withLrc: boolean): string {
  const name = (card.name ?? 'TEST/CARDHOLDER').toUpperCase().slice(0, 26);
  const head = `%B${card.pan}^${name}^${card.expiry}${card.serviceCode ?? '101'}`;
  const room = RULES[1].maxLength - head.length - 2; // end sentinel and LRC
  const text = `${head}${'0'.repeat(Math.max(0, Math.min(room, 13)))}?`;
  return withLrc ? text + lrcCharacter(1, text) : text;
}

/** Track 2: ; PAN = YYMM service-code discretionary ? [LRC]. */
export function encodeTrack2(card: StripeCard, withLrc: boolean): string {
  const head = `;${card.pan}=${card.expiry}${card.serviceCode ?? '101'}`;
  const room = RULES[2].maxLength - head.length - 2;
  const text = `${head}${'0'.repeat(Math.max(0, Math.min(room, 10)))}?`;
  return withLrc ? text + lrcCharacter(2, text) : text;
}

export interface TrackCheck {
  what: string;
  expected: string;
  actual: string;
  pass: boolean;
}

/**
 * Checks one track's text against the format: start and end sentinel, alphabet, length, the
 * field separators and the fields between them (tracks 1 and 2), and the LRC when the reader
 * passes it on. Every finding names the position, never repeats the card number.
 */
export function checkTrack(track: TrackNumber, text: string, withLrc: boolean): TrackCheck[] {
  const r = RULES[track];
  const checks: TrackCheck[] = [];
  const add = (what: string, expected: string, actual: string, pass: boolean) => checks.push({ what: `track ${track} ${what}`, expected, actual, pass });
  const endAt = withLrc ? text.length - 2 : text.length - 1;
  const body = text.slice(0, endAt + 1);
  add('start sentinel', `'${r.start}'`, text.length ? `'${text[0]}'` : 'empty track', text[0] === r.start);
  add('end sentinel', `'${r.end}' ${withLrc ? 'before the LRC' : 'last'}`, endAt >= 0 && text[endAt] !== undefined ? `'${text[endAt]}' at ${endAt}` : 'track too short', text[endAt] === r.end && body.indexOf(r.end) === endAt);
  const foreign = [...text].findIndex((ch) => ch.charCodeAt(0) < r.base || ch.charCodeAt(0) >= r.base + r.size);
  add('character set', `ASCII 0x${r.base.toString(16)}–0x${(r.base + r.size - 1).toString(16)}`, foreign < 0 ? 'all within' : `0x${text.charCodeAt(foreign).toString(16)} at ${foreign}`, foreign < 0);
  add('length', `≤ ${r.maxLength} characters`, `${text.length}`, text.length <= r.maxLength);
  if (track === 1) checkTrack1Fields(body, add);
  if (track === 2) checkTrack2Fields(body, add);
  if (withLrc) {
    const lrc = text.length >= 2 ? lrcCharacter(track, body) : '';
    const got = text.at(-1) ?? '';
    add('LRC', `'${lrc}' (XOR of the characters)`, `'${got}'`, got !== '' && got === lrc);
  }
  return checks;
}

type Add = (what: string, expected: string, actual: string, pass: boolean) => void;

function checkTrack1Fields(body: string, add: Add): void {
  const fields = body.slice(1, -1).split('^');
  add('format code', "'B' (financial card)", `'${body[1] ?? ''}'`, body[1] === 'B');
  add('field separators', "two '^'", `${fields.length - 1}`, fields.length === 3);
  if (fields.length !== 3) return;
  const pan = (fields[0] as string).slice(1);
  add('PAN field', '1–19 digits', describeDigits(pan), /^[0-9]{1,19}$/.test(pan));
  const name = fields[1] as string;
  add('name field', '2–26 characters', `${name.length} characters`, name.length >= 2 && name.length <= 26);
  const rest = fields[2] as string;
  add('expiry and service code', 'YYMM then 3 digits', describeDigits(rest.slice(0, 7)), /^[0-9]{2}(0[1-9]|1[0-2])[0-9]{3}/.test(rest));
}

function checkTrack2Fields(body: string, add: Add): void {
  const fields = body.slice(1, -1).split('=');
  add('field separator', "one '='", `${fields.length - 1}`, fields.length === 2);
  if (fields.length !== 2) return;
  add('PAN field', '1–19 digits', describeDigits(fields[0] as string), /^[0-9]{1,19}$/.test(fields[0] as string));
  const rest = fields[1] as string;
  add('expiry and service code', 'YYMM then 3 digits', describeDigits(rest.slice(0, 7)), /^[0-9]{2}(0[1-9]|1[0-2])[0-9]{3}/.test(rest));
}

/** What a field holds, without its value (it may be a card number). */
function describeDigits(s: string): string {
  return /^[0-9]*$/.test(s) ? `${s.length} digits` : `${s.length} characters, not all digits`;
}

/** The PAN and expiry a track carries (track 2 or 1), for matching against the card swiped. */
export function cardFromTrack(track: TrackNumber, text: string): { pan: string; expiry: string } | undefined {
  const m = track === 1 ? /^%B([0-9]{1,19})\^[^^]*\^([0-9]{4})/.exec(text) : track === 2 ? /^;([0-9]{1,19})=([0-9]{4})/.exec(text) : null;
  return m ? { pan: m[1] as string, expiry: m[2] as string } : undefined;
}
