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
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return digits.length > 0 && sum % 10 === 0;
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
 */
export function maskedViews(bytes: Buffer, knownPans: Iterable<string> = []): { hex: string; ascii: string } {
  const pans = [...knownPans];
  const hexRaw = bytes.toString('hex').toUpperCase();
  // latin1 maps each byte to one character; non-printables become '.'.
  const asciiRaw = bytes.toString('latin1').replace(/[^\x20-\x7e]/g, '.');
  // Fast path: a PAN is at least 12 digits in a row; most frames of most protocols have none
  // in one view or the other, and then there is nothing to mask in that view.
  const hex = DIGIT_RUN.test(hexRaw) ? maskText(hexRaw, pans) : hexRaw;
  const ascii = DIGIT_RUN.test(asciiRaw) ? maskText(asciiRaw, pans) : asciiRaw;
  // An ASCII PAN also shows in the hex view as 3X3X3X…; mask those digits' hex pairs too.
  return { hex: ascii === asciiRaw ? hex : maskAsciiPansInHex(hex, asciiRaw, ascii), ascii };
}

const DIGIT_RUN = /[0-9]{12}/;

/** Where the ASCII view was masked, overwrite the corresponding hex pairs with "**". */
function maskAsciiPansInHex(hex: string, before: string, after: string): string {
  if (before === after) return hex;
  const chars = hex.split('');
  for (let i = 0; i < before.length; i++) {
    if (before[i] !== after[i]) {
      chars[2 * i] = '*';
      chars[2 * i + 1] = '*';
    }
  }
  return chars.join('');
}
