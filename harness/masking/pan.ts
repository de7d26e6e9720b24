/**
 * PAN masking (PCI DSS 3.4: show at most the first six and last four digits). Everything that
 * leaves the process — wire traces, reports, logs, error messages — goes through here first.
 *
 * Two nets, because a trace must be masked even when nobody told us the PAN:
 * 1. known PANs (registered by the protocol layer as it encodes or decodes them) are masked
 *    wherever they appear, as ASCII digits or as packed-BCD nibbles;
 * 2. anything that looks like a PAN — a Luhn-valid 13–19 digit run standing alone, or the
 *    12–19 digits before a track-2 separator ('=' or 'D') — is masked too.
 */
export function maskPan(pan: string): string {
  if (pan.length <= 10) return '*'.repeat(pan.length);
  return pan.slice(0, 6) + '*'.repeat(pan.length - 10) + pan.slice(-4);
}

export function luhnValid(digits: string): boolean {
  if (digits.length === 0 || digits.length > DIGITS.length) return digits.length > 0 && /^[0-9]+$/.test(digits) && luhnOfText(digits);
  for (let i = 0; i < digits.length; i++) {
    const d = digits.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    DIGITS[i] = d;
  }
  return luhnOfValues(DIGITS, digits.length);
}

/** The Luhn check over the first `count` digit values (0–9) of `values`: the one implementation every scan calls. */
export function luhnOfValues(values: ArrayLike<number>, count: number): boolean {
  let sum = 0;
  let double = false;
  for (let i = count - 1; i >= 0; i--) {
    let d = values[i]!;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/** Digit values of a candidate, reused (card numbers have at most 19; longer text goes the slow way). */
const DIGITS = new Uint8Array(32);

function luhnOfText(digits: string): boolean {
  return luhnOfValues(Array.from(digits, (c) => c.charCodeAt(0) - 48), digits.length);
}

/** Replace characters [start+6, end-4) of `text` with '*'. */
function maskRange(text: string, start: number, end: number): string {
  const len = end - start;
  if (len <= 10) return text.slice(0, start) + '*'.repeat(len) + text.slice(end);
  return text.slice(0, start + 6) + '*'.repeat(len - 10) + text.slice(end - 4);
}

const standaloneDigits = /(?<![0-9])[0-9]{13,19}(?![0-9])/g;
const track2Pan = /(?<![0-9])([0-9]{12,19})(?=[=D])/g;

/**
 * Mask PANs in a string of digits-and-text (ASCII view of a frame, a log line, an error
 * message, or the hex view of a frame where BCD digits show as hex characters).
 */
export function maskText(text: string, knownPans: Iterable<string> = []): string {
  let out = text;
  for (const pan of knownPans) {
    if (pan.length < 12) continue;
    let at = out.indexOf(pan);
    while (at !== -1) {
      out = maskRange(out, at, at + pan.length);
      at = out.indexOf(pan, at + pan.length);
    }
  }
  out = out.replace(standaloneDigits, (run) => (luhnValid(run) ? maskPan(run) : run));
  out = out.replace(track2Pan, (_m, pan: string) => maskPan(pan));
  return out;
}

/** Mask PANs inside any JSON-like value (strings are masked; structure is kept). */
export function maskDeep<T>(value: T, knownPans: Iterable<string> = []): T {
  const pans = [...knownPans];
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return maskText(v, pans);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object' && !Buffer.isBuffer(v)) {
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, walk(x)]));
    }
    return v;
  };
  return walk(value) as T;
}

/**
 * The two views of a chunk of wire bytes a trace keeps, both masked: hex (where packed-BCD
 * PAN digits appear as hex characters) and ASCII with non-printables as '.'.
 * (A trace file builds the same views straight into bytes: channel/trace-lines.ts.)
 */
export function maskedViews(bytes: Buffer, knownPans: Iterable<string> = []): { hex: string; ascii: string } {
  const hex = bytes.toString('hex').toUpperCase();
  const ascii = NON_PRINTABLE.test(bytes.toString('latin1')) ? bytes.toString('latin1').replace(NON_PRINTABLE_ALL, '.') : bytes.toString('latin1');
  const { chars, nibbles } = panRanges(bytes, knownPans);
  if (chars.length === 0 && nibbles.length === 0) return { hex, ascii };
  const hexRanges: [number, number][] = [];
  for (let r = 0; r < nibbles.length; r += 2) hexRanges.push([nibbles[r]!, nibbles[r + 1]!]);
  for (let r = 0; r < chars.length; r += 2) hexRanges.push([2 * chars[r]!, 2 * chars[r + 1]!]);
  const charRanges: [number, number][] = [];
  for (let r = 0; r < chars.length; r += 2) charRanges.push([chars[r]!, chars[r + 1]!]);
  return { hex: starRanges(hex, hexRanges), ascii: starRanges(ascii, charRanges) };
}

/**
 * Where the PANs of a chunk are, as the parts to star: `chars` are [from, to) pairs of byte
 * positions (ASCII digits; their hex digits are starred too), `nibbles` [from, to) pairs of hex
 * digit positions (packed BCD, at any nibble: where the chunk's hex view shows the digits).
 *
 * Works on the bytes, in two passes: one over ASCII digit runs, one over runs of decimal
 * nibbles. A PAN is digits only, so every occurrence of a known PAN lies inside such a run, and
 * it is looked for there, by the passes, in JavaScript. With Buffer#indexOf (three or four
 * native calls per chunk, the hex view made as a Buffer for them) a known PAN added 0.8–0.9 µs
 * to each line of a closed loop's trace on the development VM; searched in the runs, 0.55–0.7.
 * Runs once per traced chunk.
 */
export function panRanges(bytes: Buffer, knownPans: Iterable<string>): { chars: number[]; nibbles: number[] } {
  const chars: number[] = [];
  const nibbles: number[] = [];
  // A registered "PAN" with other characters than digits (a device's garbled field 2) is not
  // in the runs: it is looked for as it is, in the bytes and in the hex view.
  let hex: string | undefined;
  for (const pan of knownPans) {
    if (pan.length < 12 || knownPan(pan) !== undefined) continue;
    hex ??= bytes.toString('hex').toUpperCase();
    const asBytes = Buffer.from(pan, 'latin1');
    for (let at = bytes.indexOf(asBytes); at !== -1; at = bytes.indexOf(asBytes, at + 1)) keep(at, at + pan.length, chars);
    for (let at = hex.indexOf(pan); at !== -1; at = hex.indexOf(pan, at + 1)) keep(at, at + pan.length, nibbles);
  }
  // ASCII digit runs: a Luhn-valid 13–19 digit run standing alone, or 12–19 digits before a
  // track-2 separator ('=' or 'D'); and known PANs anywhere inside a run.
  const n = bytes.length;
  for (let i = 0; i < n; ) {
    if (!isDigitByte(bytes[i]!)) {
      i++;
      continue;
    }
    let j = i + 1;
    while (j < n && isDigitByte(bytes[j]!)) j++;
    const len = j - i;
    if (len >= 12) {
      if (len <= 19) {
        const next = bytes[j];
        if (next === 0x3d || next === 0x44 || (len >= 13 && luhnDigits(bytes, i, j, 1))) keep(i, j, chars);
      }
      for (const pan of knownPans) findAscii(bytes, i, j, pan, chars);
    }
    i = j;
  }
  // Packed BCD: runs of decimal nibbles, the same two rules (separator nibble D), read from
  // the bytes in one pass (nibble 2i is the high half of byte i, 2i+1 the low half).
  let run = -1;
  for (let i = 0; i < n; i++) {
    const b = bytes[i]!;
    const high = b >> 4;
    const low = b & 0x0f;
    if (high <= 9) {
      if (run < 0) run = 2 * i;
    } else if (run >= 0) {
      bcdRunEnds(bytes, run, 2 * i, high, knownPans, nibbles);
      run = -1;
    }
    if (low <= 9) {
      if (run < 0) run = 2 * i + 1;
    } else if (run >= 0) {
      bcdRunEnds(bytes, run, 2 * i + 1, low, knownPans, nibbles);
      run = -1;
    }
  }
  if (run >= 0) bcdRunEnds(bytes, run, 2 * n, -1, knownPans, nibbles);
  return { chars, nibbles };
}

/**
 * Whether `next` has the same PAN ranges as `prev` (whose panRanges are `prevRanges`): two chunks
 * of the same length that differ only in bytes [from, to), such as two requests of a closed
 * loop whose STANs differ. Answers true only where that is certain:
 * - every byte that differs is an ASCII digit in both, so no run of digits or of decimal
 *   nibbles begins or ends anywhere else;
 * - every such run holding one is shorter than 12 or longer than 19, so neither the Luhn nor the
 *   track-2 rule looks at it;
 * - no starred range of prev lies within a PAN's length of the edit, and no known PAN occurs
 *   there in next (nor is any known "PAN" other than digits, which is searched as text).
 * Anything else: false, and the caller works the ranges out afresh.
 */
export function editKeepsRanges(prev: Buffer, next: Buffer, from: number, to: number, prevRanges: { chars: number[]; nibbles: number[] }, knownPans: Iterable<string>): boolean {
  const n = next.length;
  if (prev.length !== n) return false;
  let checkedTo = -1;
  for (let i = from; i < to; i++) {
    if (prev[i] === next[i]) continue;
    if (!isDigitByte(prev[i]!) || !isDigitByte(next[i]!)) return false;
    if (i < checkedTo) continue;
    // The digit run holding byte i, and the decimal-nibble run around it (digits' nibbles are
    // both decimal). Only whether a run is 12–19 long matters, so a scan stops once it is longer.
    let start = i;
    while (start > 0 && i - start < 19 && isDigitByte(next[start - 1]!)) start--;
    let end = i + 1;
    while (end < n && end - start < 20 && isDigitByte(next[end]!)) end++;
    if (end - start >= 12 && end - start <= 19) return false;
    if (end - start < 10) {
      let low = start;
      while (low > 0 && end - low < 10 && bothDecimal(next[low - 1]!)) low--;
      let high = end;
      while (high < n && high - low < 10 && bothDecimal(next[high]!)) high++;
      const nibbles = 2 * (high - low) + (low > 0 && (next[low - 1]! & 0x0f) <= 9 ? 1 : 0) + (high < n && next[high]! >> 4 <= 9 ? 1 : 0);
      if (nibbles >= 12 && nibbles <= 19) return false;
    }
    checkedTo = end;
  }
  let longest = 19;
  for (const pan of knownPans) {
    if (pan.length < 12) continue;
    if (knownPan(pan) === undefined) return false;
    longest = Math.max(longest, pan.length);
  }
  const lo = Math.max(0, from - longest);
  const hi = Math.min(n, to + longest);
  for (let r = 0; r < prevRanges.chars.length; r += 2) if (prevRanges.chars[r + 1]! > lo && prevRanges.chars[r]! < hi) return false;
  for (let r = 0; r < prevRanges.nibbles.length; r += 2) if (prevRanges.nibbles[r + 1]! > 2 * lo && prevRanges.nibbles[r]! < 2 * hi) return false;
  // A known PAN in next that holds no changed byte is in prev too, so among prevRanges and
  // outside the window (checked above): only occurrences holding a changed byte are looked for.
  const found = FOUND;
  for (const pan of knownPans) {
    const len = pan.length;
    findAscii(next, Math.max(0, from - len + 1), Math.min(n, to + len - 1), pan, found);
    findPacked(next, Math.max(0, 2 * from - len + 1), Math.min(2 * n, 2 * to + len - 1), pan, found);
    if (found.length > 0) {
      // Emptied only when used (rarely): setting an array's length is a call into the runtime.
      found.length = 0;
      return false;
    }
  }
  return true;
}

/** editKeepsRanges' scratch list of occurrences (only whether there is one matters; kept empty). */
const FOUND: number[] = [];

function bothDecimal(b: number): boolean {
  return b >> 4 <= 9 && (b & 0x0f) <= 9;
}

/** A run of decimal nibbles [from, to), followed by nibble `next` (-1 at the end): a PAN to star? */
function bcdRunEnds(bytes: Buffer, from: number, to: number, next: number, knownPans: Iterable<string>, nibbles: number[]): void {
  const len = to - from;
  if (len < 12) return;
  if (len <= 19 && (next === 0x0d || (len >= 13 && luhnDigits(bytes, from, to, 2)))) keep(from, to, nibbles);
  for (const pan of knownPans) findPacked(bytes, from, to, pan, nibbles);
}

/** Every occurrence (overlapping ones too) of a known PAN as ASCII digits inside the digit run [from, to). */
function findAscii(bytes: Buffer, from: number, to: number, text: string, into: number[]): void {
  const pan = knownPan(text);
  if (pan === undefined) return;
  const chars = pan.ascii;
  const len = chars.length;
  const first = chars[0]!;
  for (let at = from; at + len <= to; at++) {
    if (bytes[at] !== first) continue;
    let k = 1;
    while (k < len && bytes[at + k] === chars[k]) k++;
    if (k === len) keep(at, at + len, into);
  }
}

/**
 * Every occurrence of a known PAN as packed digits inside the decimal-nibble run [from, to),
 * at either nibble parity, compared a byte at a time: from an even nibble the PAN's bytes are
 * `even` (digit pairs), from an odd one the first digit is a byte's low half and `odd` holds the
 * pairs after it. A last lone digit is a byte's high half.
 */
function findPacked(bytes: Buffer, from: number, to: number, text: string, into: number[]): void {
  const pan = knownPan(text);
  if (pan === undefined) return;
  const len = pan.length;
  const even = pan.even;
  const odd = pan.odd;
  const first = pan.first;
  const evenLast = len % 2 === 1 ? pan.last : -1;
  const oddLast = len % 2 === 0 ? pan.last : -1;
  // Byte s holds nibbles 2s and 2s + 1.
  for (let s = from >> 1; 2 * s + len <= to + 1; s++) {
    const b = bytes[s]!;
    if (b === even[0] && 2 * s >= from && 2 * s + len <= to && matches(bytes, s, even, evenLast)) keep(2 * s, 2 * s + len, into);
    if ((b & 0x0f) === first && 2 * s + 1 >= from && 2 * s + 1 + len <= to && matches(bytes, s + 1, odd, oddLast)) keep(2 * s + 1, 2 * s + 1 + len, into);
  }
}

/** bytes from `at` equal `pairs`, then (if `last` ≥ 0) a byte whose high half is `last`. */
function matches(bytes: Buffer, at: number, pairs: Uint8Array, last: number): boolean {
  const count = pairs.length;
  for (let k = 0; k < count; k++) if (bytes[at + k] !== pairs[k]) return false;
  return last < 0 || bytes[at + count]! >> 4 === last;
}

/**
 * Luhn over digits [from, to) of `bytes` (at most 19), read as ASCII characters (perByte 1) or
 * as nibbles (perByte 2) — luhnValid without making the string.
 */
function luhnDigits(bytes: Buffer, from: number, to: number, perByte: 1 | 2): boolean {
  for (let i = from; i < to; i++) DIGITS[i - from] = perByte === 1 ? bytes[i]! - 48 : nibbleAt(bytes, i);
  return luhnOfValues(DIGITS, to - from);
}

const NON_PRINTABLE = /[^\x20-\x7e]/;
const NON_PRINTABLE_ALL = /[^\x20-\x7e]/g;

/** Records the part of a PAN at [start, end) to star: all but the first 6 and last 4. */
function keep(start: number, end: number, into: number[]): void {
  if (end - start <= 10) into.push(start, end);
  else into.push(start + 6, end - 4);
}

function nibbleAt(bytes: Buffer, k: number): number {
  const b = bytes[k >> 1]!;
  return k & 1 ? b & 0x0f : b >> 4;
}

/** A known PAN in the forms it is looked for (findAscii, findPacked). */
interface KnownPan {
  length: number;
  ascii: Buffer;
  /** Digit pairs from the first digit on. */
  even: Uint8Array;
  /** Digit pairs from the second digit on. */
  odd: Uint8Array;
  first: number;
  last: number;
}

/**
 * Known PANs in their searched forms, made once each (a trace masks every chunk with every
 * known PAN); undefined for one shorter than 12 (never looked for) or with other characters
 * than digits (looked for as text, by panRanges itself).
 */
const KNOWN = new Map<string, KnownPan | undefined>();

function knownPan(pan: string): KnownPan | undefined {
  let known = KNOWN.get(pan);
  if (known !== undefined || KNOWN.has(pan)) return known;
  if (pan.length >= 12 && /^[0-9]+$/.test(pan)) {
    const d = Array.from(pan, (c) => c.charCodeAt(0) - 48);
    const pairs = (from: number) => Uint8Array.from({ length: (d.length - from) >> 1 }, (_, k) => (d[from + 2 * k]! << 4) | d[from + 2 * k + 1]!);
    known = { length: d.length, ascii: Buffer.from(pan, 'latin1'), even: pairs(0), odd: pairs(1), first: d[0]!, last: d[d.length - 1]! };
  }
  if (KNOWN.size >= 1000) KNOWN.clear();
  KNOWN.set(pan, known);
  return known;
}

/** `text` with every [from, to) range replaced by '*' (ranges may overlap). */
function starRanges(text: string, ranges: [number, number][]): string {
  if (ranges.length === 0) return text;
  ranges.sort((x, y) => x[0] - y[0]);
  let out = '';
  let at = 0;
  for (const [from, to] of ranges) {
    if (to <= at) continue;
    const start = Math.max(from, at);
    out += text.slice(at, start) + '*'.repeat(to - start);
    at = to;
  }
  return out + text.slice(at);
}

function isDigitByte(b: number): boolean {
  return b >= 0x30 && b <= 0x39;
}

