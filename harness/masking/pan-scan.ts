/**
 * Finds card numbers (PANs) in the clear in raw wire bytes: the detector behind the encryption
 * kind's `no-clear-pan` check, run over every chunk of every interface, both directions, before
 * anything is masked. A finding carries only the masked PAN (first six, last four: maskPan from
 * ./pan), its place and how it was written; the clear digits never leave this module.
 *
 * A candidate is 13–19 decimal digits starting with 1–9 (ISO/IEC 7812 major industry identifier
 * 0 is not issued to cards; this also rules out zero-padded amounts, counters and dates) that
 * passes the Luhn check. Which digit strings become candidates:
 *
 * ASCII (bytes '0'–'9'), per maximal digit run:
 *   track2-ascii  the run is followed by '=' and a 4-digit expiry YYMM (MM 01–12), or by 'D',
 *                 the expiry and the 3-digit service code ('D' after a hex letter is hex, not a
 *                 separator); ';' / '?' sentinels or not. The PAN is the whole run when it has
 *                 13–19 digits; in a longer run (ISO 8583 field 35 after its LL and other numeric
 *                 fields) the suffix whose two preceding digits read as a track-2 length
 *                 (PAN + 5 … 37); after '=' only, failing that, the longest Luhn-valid suffix.
 *   ascii         ISO 8583 field 2: a 4-digit MTI starting a message, a hex bitmap (16 or 32
 *                 characters, bit 1 as long, bit 2 set), then LL and the PAN — anywhere in the
 *                 run, since bitmaps often end in digits ("…8000") that merge with it. Else a
 *                 length prefix starting the run — "13"…"19" (LLVAR), "013"…"019" (LLLVAR) — or
 *                 a binary length byte 13…19 just before it, then that many digits (field 3
 *                 follows field 2 directly, so the run may go on). Else the whole run when it has
 *                 13–19 digits. Longer runs without such a prefix (amounts + dates + STANs) are
 *                 not reported, nor runs inside hex strings (next to a hex letter with more hex
 *                 beyond it: MACs, keys, ciphertext).
 *   Runs after a track-2 separator that follows 12+ digits, or after track 1's '^', are the
 *   expiry, service code and discretionary data, never a PAN.
 *
 * Packed BCD (two digits a byte, high nibble first), per maximal run of nibbles 0–9 (7+ bytes).
 * A candidate starts on a byte, or one nibble later after a 0 pad nibble:
 *   track2-bcd    the run is followed by the nibble D, the expiry and the service code: the whole
 *                 run (less a leading 0 pad) when it has 13–19 digits, else the suffix whose
 *                 preceding byte is the track-2 length (BCD characters, or bytes after EMV tag 57);
 *   bcd           ISO 8583 field 2: a BCD MTI, a binary bitmap (8 or 16 bytes, bit 1 as long, bit
 *                 2 set), then the BCD LL and the PAN, up to 18 bytes into the run. Else a BCD
 *                 length prefix starting the run — one byte 13…19 (LLVAR), or 00 then that byte
 *                 (LLLVAR) — or EMV tag 5A and its byte count, then that many digits. An odd count
 *                 after a prefix is right-padded (next nibble 0 or F) or left-padded (first nibble
 *                 0). Else the whole run when it has 13–19 digits (an odd count with its F pad).
 *   Not done, as each multiplied the false alarms on healthy binary ISO 8583 traffic (where ASCII
 *   fields, length headers, MTIs, LL/LLL prefixes and numeric fields form long decimal-nibble
 *   runs): trying 19 … 13 digits from the start of a longer run, or one byte into it, without
 *   a matching length byte; binary length bytes; a leading 0 pad without a prefix. And a
 *   candidate is text, not BCD, when its whole bytes are all printable ASCII, or more than half
 *   ASCII digits and spaces: ASCII digits, spaces and hex text are all "decimal nibbles".
 *
 * Known PANs (options.known, e.g. the suite's test card; Luhn-valid, 13–19 digits): found as
 * ASCII or as packed BCD (on a byte, or after a 0 pad nibble) wherever they are, also where the
 * rules above do not look (a longer digit run, a hex string); every finding then says whether
 * it is a known PAN.
 *
 * One finding per place: of findings whose bytes overlap (track-2 and ASCII rules, a known PAN
 * and a heuristic guess at the same bytes), a known one wins, then track 2, then the earlier.
 *
 * False alarms, measured on generated healthy requests (random times, STANs, PIN blocks, MACs
 * and ciphertext): 1 in 100 000 iso87ascii messages, about 1 in 1 000 iso87binary ones
 * (random PIN-block bytes that read as an LL before the decimal run of the next fields). In
 * random bytes about 5 in 100 000 bytes start a Luhn-valid decimal-nibble run: a bcd finding in
 * ciphertext can be chance, which nothing can tell from a PAN.
 *
 * Cost: linear. A run of 13+ ASCII digits covers every 13th byte and a run of 13+ decimal
 * nibbles holds 6 whole decimal bytes, so only every 13th / 6th byte is probed and a hit is
 * widened to its run; no regular expressions, no allocation but for candidates. Measured (Node
 * 20, x64, 64 KiB chunks, 34 MB each): ~220 MB/s on random bytes, ~190 MB/s on iso87ascii
 * traffic, ~170–230 MB/s on iso87binary traffic, ~250 MB/s on receipt text.
 */
import { luhnOfValues, luhnValid, maskPan } from './pan';

export { luhnValid };

export type PanEncoding = 'ascii' | 'bcd' | 'track2-ascii' | 'track2-bcd';

export interface PanFinding {
  /** Byte offset of the first PAN digit (BCD: of the byte holding it). */
  offset: number;
  /** Bytes the PAN occupies (BCD: including a pad nibble's byte). */
  length: number;
  encoding: PanEncoding;
  /** First six and last four digits, the rest '*' (maskPan). */
  masked: string;
  /** Number of PAN digits. */
  digits: number;
  /** Present when options.known was given: the PAN is one of those. */
  known?: boolean;
}

export interface PanScanOptions {
  /** PANs the caller knows (the test card): found anywhere, and findings say `known`. */
  known?: ReadonlySet<string>;
}

const MIN_PAN = 13;
const MAX_PAN = 19;
/** Track 2 holds at most 37 characters (ISO/IEC 7813). */
const MAX_TRACK2 = 37;
/** After a 'D' separator (a hex digit too): YYMM and the 3-digit service code. */
const EXPIRY_AND_SERVICE = 7;
/** A digit run after a separator is a track-2 tail when at least this many digits precede it. */
const TRACK2_TAIL_AFTER = 12;
const NIBBLE_D = 0xd;
/** Per byte value: which of its nibbles are 0–9. */
const HIGH_DECIMAL = 1;
const LOW_DECIMAL = 2;
const BOTH_DECIMAL = HIGH_DECIMAL | LOW_DECIMAL;
/** Whole bytes inside any run of MIN_PAN nibbles. */
const FULL_BYTES = (MIN_PAN - 1) >> 1;
const NIBBLES = Uint8Array.from({ length: 256 }, (_, x) => ((x >> 4) <= 9 ? HIGH_DECIMAL : 0) | ((x & 0x0f) <= 9 ? LOW_DECIMAL : 0));
const NIBBLE_F = 0xf;

interface Ranked {
  finding: PanFinding;
  rank: number;
}

/** The digits of the candidate being checked; no allocation per candidate until it is reported. */
const scratch = new Uint8Array(MAX_PAN);

export function scanForPans(bytes: Buffer, options: PanScanOptions = {}): PanFinding[] {
  const scan = new Scan(bytes, options.known);
  scan.ascii();
  scan.bcd();
  if (options.known && options.known.size > 0) scan.knownPans(options.known);
  return scan.result();
}

class Scan {
  private readonly found: Ranked[] = [];
  private readonly nibbles: number;

  constructor(
    private readonly b: Buffer,
    private readonly known: ReadonlySet<string> | undefined,
  ) {
    this.nibbles = b.length * 2;
  }

  // ---- ASCII ------------------------------------------------------------------------------

  /**
   * Runs of at least MIN_PAN ASCII digits. A run that long covers every MIN_PAN-th byte, so
   * only those are probed; a digit there is widened to its run (each byte is read at most twice).
   */
  ascii(): void {
    const b = this.b;
    const n = b.length;
    let from = 0; // no run of interest starts before this
    while (from + MIN_PAN <= n) {
      const probe = from + MIN_PAN - 1;
      if (!isDigitByte(b[probe]!)) {
        from = probe + 1;
        continue;
      }
      let i = probe;
      while (i > from && isDigitByte(b[i - 1]!)) i--;
      let j = probe + 1;
      while (j < n && isDigitByte(b[j]!)) j++;
      if (j - i >= MIN_PAN && !this.asciiTrack2Tail(i)) this.asciiRun(i, j);
      from = j + 1;
    }
  }

  private asciiRun(i: number, j: number): void {
    const b = this.b;
    const len = j - i;
    const before = b[i - 1];
    const sep = b[j];
    // 'D' between digits is everyday hex; there it is no track-2 separator.
    const separator = sep === 0x3d || (sep === 0x44 && !isHexLetter(before));
    if (separator && j + 4 < b.length && this.asciiExpiry(j + 1, sep === 0x3d ? 4 : EXPIRY_AND_SERVICE)) {
      // A length starting the run (field 35's LL) first, then the whole run, then the suffixes.
      const lead = asciiValue(b, i, 2);
      if (inPanRange(len - 2) && lead >= len + 3 && lead <= MAX_TRACK2 && this.asciiCandidate(i + 2, len - 2, 'track2-ascii')) return;
      if (len <= MAX_PAN && this.asciiCandidate(i, len, 'track2-ascii')) return;
      for (let l = Math.min(MAX_PAN, len - 2); l >= MIN_PAN; l--) {
        const v = asciiValue(b, j - l - 2, 2);
        if (v >= l + 5 && v <= MAX_TRACK2 && this.asciiCandidate(j - l, l, 'track2-ascii')) return;
      }
      // After '=' any suffix; 'D' (a hex digit too) needs the length prefix.
      if (sep === 0x3d) for (let l = Math.min(MAX_PAN, len - 1); l >= MIN_PAN; l--) if (this.asciiCandidate(j - l, l, 'track2-ascii')) return;
    }
    if (this.asciiIsoField2(i, j)) return;
    // Digits in a hex string (a MAC, a key, ciphertext): next to a hex letter that has another
    // hex character beyond it, or between hex letters and the buffer's edges.
    if (hexString(b, i - 1, -1) || hexString(b, j, 1)) return;
    const hexSides = (isHexLetter(before) ? 1 : 0) + (isHexLetter(sep) ? 1 : 0);
    if (hexSides > 0 && hexSides + (before === undefined ? 1 : 0) + (sep === undefined ? 1 : 0) === 2) return;
    const ll = asciiValue(b, i, 2);
    if (inPanRange(ll) && len >= 2 + ll && this.asciiCandidate(i + 2, ll, 'ascii')) return;
    const lll = b[i] === 0x30 ? asciiValue(b, i + 1, 2) : -1;
    if (inPanRange(lll) && len >= 3 + lll && this.asciiCandidate(i + 3, lll, 'ascii')) return;
    const binary = i > 0 ? b[i - 1]! : -1;
    if (inPanRange(binary) && len >= binary && this.asciiCandidate(i, binary, 'ascii')) return;
    if (len <= MAX_PAN) this.asciiCandidate(i, len, 'ascii');
  }

  /**
   * ISO 8583 field 2 in an ASCII message: 4-digit MTI, hex bitmap(s) announcing field 2, then
   * its LL and the PAN. The bitmap's last characters are often digits (no fields 57–64: "…00"),
   * so the LL may sit up to 36 characters into the run; the MTI and bitmap pin it down.
   */
  private asciiIsoField2(i: number, j: number): boolean {
    const b = this.b;
    for (let t = i; t <= i + 36 && t + 2 + MIN_PAN <= j; t++) {
      const ll = asciiValue(b, t, 2);
      if (!inPanRange(ll) || t + 2 + ll > j) continue;
      for (const bitmapChars of [16, 32]) {
        const at = t - bitmapChars;
        if (at < 4 || !asciiMti(b, at - 4)) continue;
        let hex = true;
        for (let k = at; k < t && hex; k++) hex = isDigitByte(b[k]!) || isHexLetter(b[k]);
        // Bit 1 (secondary bitmap) as the length says, bit 2 (field 2) set.
        if (hex && (hexValue(b[at]!) & 0xc) === (bitmapChars === 32 ? 0xc : 0x4) && this.asciiCandidate(t + 2, ll, 'ascii')) return true;
      }
    }
    return false;
  }

  /**
   * The run at `i` is what follows a track-2 separator after a PAN-long digit run, or the
   * track-1 field separator '^': expiry, service code and discretionary data, not a PAN.
   */
  private asciiTrack2Tail(i: number): boolean {
    const sep = this.b[i - 1];
    if (sep === 0x5e) return true; // track 1: ^NAME^ then expiry, service code, discretionary data
    if (sep !== 0x3d && sep !== 0x44) return false;
    let k = i - 2;
    while (k >= 0 && k > i - 2 - TRACK2_TAIL_AFTER && isDigitByte(this.b[k]!)) k--;
    return k === i - 2 - TRACK2_TAIL_AFTER;
  }

  /** `digits` digits at `at` (< buffer end checked by the caller), starting with YYMM. */
  private asciiExpiry(at: number, digits = 4): boolean {
    const b = this.b;
    for (let k = at; k < at + digits; k++) if (b[k] === undefined || !isDigitByte(b[k]!)) return false;
    return validMonth((b[at + 2]! - 0x30) * 10 + (b[at + 3]! - 0x30));
  }

  private asciiCandidate(at: number, len: number, encoding: PanEncoding): boolean {
    const b = this.b;
    for (let k = 0; k < len; k++) scratch[k] = b[at + k]! - 0x30;
    if (!plausible(len)) return false;
    this.report(at, len, encoding, len);
    return true;
  }

  // ---- packed BCD -------------------------------------------------------------------------

  /**
   * Runs of at least MIN_PAN decimal nibbles. Such a run holds at least FULL_BYTES whole bytes
   * of two decimal nibbles, so only every FULL_BYTES-th byte is probed, as for ASCII.
   */
  bcd(): void {
    const b = this.b;
    const n = b.length;
    let from = 0;
    while (from + FULL_BYTES <= n) {
      const probe = from + FULL_BYTES - 1;
      if (NIBBLES[b[probe]!] !== BOTH_DECIMAL) {
        from = probe + 1;
        continue;
      }
      let i = probe;
      while (i > from && NIBBLES[b[i - 1]!] === BOTH_DECIMAL) i--;
      let j = probe + 1;
      while (j < n && NIBBLES[b[j]!] === BOTH_DECIMAL) j++;
      // Widen to the nibbles: the low one of the byte before, the high one of the byte after.
      const s = i > 0 && NIBBLES[b[i - 1]!] === LOW_DECIMAL ? 2 * i - 1 : 2 * i;
      const e = j < n && NIBBLES[b[j]!] === HIGH_DECIMAL ? 2 * j + 1 : 2 * j;
      if (e - s >= MIN_PAN) this.bcdRunEnds(s, e);
      from = j + 1;
    }
  }

  /** A run of at least MIN_PAN decimal nibbles [s, e). */
  private bcdRunEnds(s: number, e: number): void {
    // Not what follows a track-2 separator nibble D after a PAN-long run (expiry, service code,
    // discretionary data).
    if (s > TRACK2_TAIL_AFTER && this.nib(s - 1) === NIBBLE_D) {
      let k = s - 2;
      while (k > s - 2 - TRACK2_TAIL_AFTER && this.nib(k) <= 9) k--;
      if (k === s - 2 - TRACK2_TAIL_AFTER) return;
    }
    this.bcdRun(s, e);
  }

  private nib(k: number): number {
    const x = this.b[k >> 1]!;
    return k & 1 ? x & 0x0f : x >> 4;
  }

  /** Decimal nibbles [s, e); e is the first non-decimal nibble (or the end). */
  private bcdRun(s: number, e: number): void {
    const total = this.nibbles;
    const a = s + (s & 1); // BCD fields start on a byte
    if (e + 4 < total && this.nib(e) === NIBBLE_D && this.bcdExpiry(e + 1, EXPIRY_AND_SERVICE)) {
      // A length byte starting the run first, then the whole run, then the suffixes.
      const len = e - a;
      if (inPanRange(len - 2) && this.track2Length(a >> 1, len - 2) && this.bcdCandidate(a + 2, len - 2, 'track2-bcd')) return;
      if (len >= MIN_PAN && len <= MAX_PAN && this.bcdCandidate(a, len, 'track2-bcd')) return;
      if (len >= MIN_PAN + 1 && len <= MAX_PAN + 1 && this.nib(a) === 0 && this.bcdCandidate(a + 1, len - 1, 'track2-bcd')) return;
      for (let l = Math.min(MAX_PAN, e - s); l >= MIN_PAN; l--) {
        const st = e - l;
        const lenByte = st & 1 ? (this.nib(st - 1) === 0 ? ((st - 1) >> 1) - 1 : -1) : (st >> 1) - 1;
        if (lenByte >= 0 && this.track2Length(lenByte, l) && this.bcdCandidate(st, l, 'track2-bcd')) return;
      }
    }
    if (e - a < MIN_PAN) return;
    if (this.bcdIsoField2(a, e)) return;
    const first = this.b[a >> 1]!;
    // LLVAR: a BCD length byte at the run start; LLLVAR: 00 then that byte. (Binary length
    // bytes are not trusted here: in binary data one turns up before a decimal run too often.)
    if (this.bcdPrefixed(a + 2, bcdValue(first), e)) return;
    if (first === 0 && e - a >= 4 && this.bcdPrefixed(a + 4, bcdValue(this.b[(a >> 1) + 1]!), e)) return;
    // EMV tag 5A (application PAN): 5A, a length in bytes, the digits (F-padded when odd). The
    // length byte starts the run, or (0x0A) ends the one before.
    const emv = a >= 2 && this.b[(a >> 1) - 1] === 0x5a && first >= 7 && first <= 9 ? { p: a + 2, bytes: first } : a >= 4 && this.b[(a >> 1) - 2] === 0x5a && this.b[(a >> 1) - 1] === 0x0a ? { p: a, bytes: 10 } : undefined;
    if (emv) {
      const odd = emv.p + 2 * emv.bytes - 1 === e && this.nib(e) === NIBBLE_F;
      const digits = odd ? 2 * emv.bytes - 1 : 2 * emv.bytes;
      if (inPanRange(digits) && emv.p + digits <= e && this.bcdCandidate(emv.p, digits, 'bcd')) return;
    }
    // The whole run, an odd count ending with its F pad nibble (or the buffer's end). Not after
    // a leading 0 pad without a length prefix: a binary length header, a BCD MTI and the decimal
    // bytes of a bitmap make "0 + 13…19 digits" at the start of many binary ISO 8583 messages.
    const len = e - a;
    if (len <= MAX_PAN && (len % 2 === 0 || e === total || this.nib(e) === NIBBLE_F)) this.bcdCandidate(a, len, 'bcd');
  }

  /**
   * Whether the byte at `at` is a plausible length for track 2 holding a `pan`-digit PAN (the
   * PAN, separator, expiry and more; at most 37 characters): in characters (BCD), or in bytes
   * (binary) after EMV tag 57.
   */
  private track2Length(at: number, pan: number): boolean {
    const x = this.b[at]!;
    const v = bcdValue(x);
    return (v >= pan + 5 && v <= MAX_TRACK2) || (at > 0 && this.b[at - 1] === 0x57 && 2 * x >= pan + 5 && 2 * x <= MAX_TRACK2 + 1);
  }

  /**
   * ISO 8583 field 2 in a binary message: BCD MTI, binary bitmap(s) announcing field 2, then its
   * BCD LL and the PAN. Bitmap bytes are often decimal too ("…00" when no fields 57–64 are
   * present), so the LL may sit up to 18 bytes into the run; the MTI and bitmap pin it down.
   */
  private bcdIsoField2(a: number, e: number): boolean {
    const b = this.b;
    for (let q = a >> 1; q <= (a >> 1) + 18 && 2 * q + 2 + MIN_PAN <= e; q++) {
      if (!inPanRange(bcdValue(b[q]!))) continue;
      for (const bitmapBytes of [8, 16]) {
        const at = q - bitmapBytes;
        if (at < 2 || !bcdMti(b[at - 2]!, b[at - 1]!)) continue;
        if ((b[at]! & 0xc0) === (bitmapBytes === 16 ? 0xc0 : 0x40) && this.bcdPrefixed(2 * q + 2, bcdValue(b[q]!), e)) return true;
      }
    }
    return false;
  }

  /** `len` digits from nibble `p` (a byte start) after a length prefix, with their pad when odd. */
  private bcdPrefixed(p: number, len: number, e: number): boolean {
    if (!inPanRange(len)) return false;
    if (len % 2 === 0) return p + len <= e && this.bcdCandidate(p, len, 'bcd');
    if (p + len < e ? this.nib(p + len) === 0 : p + len === e && (e === this.nibbles || this.nib(e) === NIBBLE_F)) {
      if (this.bcdCandidate(p, len, 'bcd')) return true;
    }
    return this.nib(p) === 0 && p + 1 + len <= e && this.bcdCandidate(p + 1, len, 'bcd');
  }

  /** `digits` decimal nibbles at `at`, starting with YYMM. */
  private bcdExpiry(at: number, digits = 4): boolean {
    if (at + digits > this.nibbles) return false;
    for (let k = at; k < at + digits; k++) if (this.nib(k) > 9) return false;
    return validMonth(this.nib(at + 2) * 10 + this.nib(at + 3));
  }

  private bcdCandidate(p: number, len: number, encoding: PanEncoding): boolean {
    const from = p >> 1;
    const to = (p + len + 1) >> 1; // exclusive; takes in the pad nibble's byte
    // Text, not BCD: the bytes wholly made of the candidate's digits are all printable ASCII,
    // or more than half of them are ASCII digits or spaces.
    let printable = 0;
    let digitText = 0;
    const whole = ((p + len) >> 1) - ((p + 1) >> 1);
    for (let k = (p + 1) >> 1; k < (p + len) >> 1; k++) {
      const x = this.b[k]!;
      if (x >= 0x20 && x <= 0x7e) printable++;
      if (x === 0x20 || isDigitByte(x)) digitText++;
    }
    if (printable === whole || 2 * digitText > whole) return false;
    for (let k = 0; k < len; k++) scratch[k] = this.nib(p + k);
    if (!plausible(len)) return false;
    this.report(from, to - from, encoding, len);
    return true;
  }

  // ---- known PANs -------------------------------------------------------------------------

  knownPans(known: ReadonlySet<string>): void {
    const b = this.b;
    for (const pan of known) {
      if (pan.length < MIN_PAN || pan.length > MAX_PAN || !luhnValid(pan)) continue;
      const masked = maskPan(pan);
      const ascii = Buffer.from(pan, 'latin1');
      for (let at = b.indexOf(ascii); at !== -1; at = b.indexOf(ascii, at + 1)) {
        const sep = b[at + pan.length];
        const track2 = (sep === 0x3d || sep === 0x44) && at + pan.length + 4 < b.length && this.asciiExpiry(at + pan.length + 1);
        this.add({ offset: at, length: pan.length, encoding: track2 ? 'track2-ascii' : 'ascii', masked, digits: pan.length, known: true });
      }
      // Packed BCD starting on a byte (right pad, any pad nibble) or after a leading 0 pad.
      const odd = pan.length % 2 === 1;
      const head = Buffer.from(odd ? pan.slice(0, -1) : pan, 'hex');
      const last = pan.charCodeAt(pan.length - 1) - 0x30;
      for (let at = b.indexOf(head); at !== -1; at = b.indexOf(head, at + 1)) {
        if (odd && (at + head.length >= b.length || b[at + head.length]! >> 4 !== last)) continue;
        this.addKnownBcd(2 * at, pan, masked);
      }
      if (odd) {
        const padded = Buffer.from('0' + pan, 'hex');
        for (let at = b.indexOf(padded); at !== -1; at = b.indexOf(padded, at + 1)) this.addKnownBcd(2 * at + 1, pan, masked);
      }
    }
  }

  private addKnownBcd(p: number, pan: string, masked: string): void {
    const end = p + pan.length;
    const track2 = end < this.nibbles && this.nib(end) === NIBBLE_D && this.bcdExpiry(end + 1);
    const from = p >> 1;
    this.add({ offset: from, length: ((end + 1) >> 1) - from, encoding: track2 ? 'track2-bcd' : 'bcd', masked, digits: pan.length, known: true });
  }

  // ---- findings ---------------------------------------------------------------------------

  /** Reports the candidate in `scratch`: the clear digits exist only in this call. */
  private report(offset: number, length: number, encoding: PanEncoding, digits: number): void {
    let pan = '';
    for (let k = 0; k < digits; k++) pan += String.fromCharCode(0x30 + scratch[k]!);
    const finding: PanFinding = { offset, length, encoding, masked: maskPan(pan), digits };
    if (this.known) finding.known = this.known.has(pan);
    this.add(finding);
  }

  private add(finding: PanFinding): void {
    const track2 = finding.encoding === 'track2-ascii' || finding.encoding === 'track2-bcd';
    this.found.push({ finding, rank: (finding.known ? 2 : 0) + (track2 ? 1 : 0) });
  }

  /** Findings by offset, one per place: of overlapping ones, the best ranked (then the first). */
  result(): PanFinding[] {
    const all = this.found.sort((x, y) => x.finding.offset - y.finding.offset || y.rank - x.rank);
    const out: PanFinding[] = [];
    for (let i = 0; i < all.length; ) {
      // A cluster: findings chained by overlaps.
      let end = i + 1;
      let reach = all[i]!.finding.offset + all[i]!.finding.length;
      while (end < all.length && all[end]!.finding.offset < reach) {
        reach = Math.max(reach, all[end]!.finding.offset + all[end]!.finding.length);
        end++;
      }
      const cluster = all.slice(i, end).sort((x, y) => y.rank - x.rank || x.finding.offset - y.finding.offset);
      const kept: PanFinding[] = [];
      for (const { finding } of cluster) {
        if (!kept.some((k) => finding.offset < k.offset + k.length && k.offset < finding.offset + finding.length)) kept.push(finding);
      }
      out.push(...kept.sort((x, y) => x.offset - y.offset));
      i = end;
    }
    return out;
  }
}

/** Luhn over the first `len` digits of `scratch`, first digit 1–9. */
function plausible(len: number): boolean {
  return scratch[0] !== 0 && luhnOfValues(scratch, len);
}

function isDigitByte(x: number): boolean {
  return x >= 0x30 && x <= 0x39;
}

/** b[at] is a hex letter and the byte beyond it (in direction `step`) a hex digit or letter. */
function hexString(b: Buffer, at: number, step: 1 | -1): boolean {
  const beyond = b[at + step];
  return isHexLetter(b[at]) && beyond !== undefined && (isDigitByte(beyond) || isHexLetter(beyond));
}

function isHexLetter(x: number | undefined): boolean {
  return x !== undefined && ((x >= 0x41 && x <= 0x46) || (x >= 0x61 && x <= 0x66));
}

/** Value of `count` ASCII digits at `at`, or -1 if any is not a digit (or out of range). */
function asciiValue(b: Buffer, at: number, count: number): number {
  if (at < 0) return -1;
  let v = 0;
  for (let k = at; k < at + count; k++) {
    const x = b[k];
    if (x === undefined || !isDigitByte(x)) return -1;
    v = v * 10 + (x - 0x30);
  }
  return v;
}

/** The byte read as two BCD digits, or -1. */
function bcdValue(x: number): number {
  const hi = x >> 4;
  const lo = x & 0x0f;
  return hi <= 9 && lo <= 9 ? hi * 10 + lo : -1;
}

/**
 * An ISO 8583 MTI: version 0–2 (1987, 1993, 2003), class 1–8, function 0–5, origin 0–5; as
 * digits `v` (0–9999).
 */
function mti(v: number): boolean {
  const version = Math.floor(v / 1000);
  const cls = Math.floor(v / 100) % 10;
  return v >= 0 && version <= 2 && cls >= 1 && cls <= 8 && Math.floor(v / 10) % 10 <= 5 && v % 10 <= 5;
}

/**
 * An ASCII MTI at `at` that starts a message: not preceded by a digit, unless by exactly a
 * 4-digit ASCII length header.
 */
function asciiMti(b: Buffer, at: number): boolean {
  if (!mti(asciiValue(b, at, 4))) return false;
  if (at === 0 || !isDigitByte(b[at - 1]!)) return true;
  return at >= 4 && asciiValue(b, at - 4, 4) >= 0 && (at === 4 || !isDigitByte(b[at - 5]!));
}

/** The same in two BCD bytes. */
function bcdMti(hi: number, lo: number): boolean {
  const h = bcdValue(hi);
  const l = bcdValue(lo);
  return h >= 0 && l >= 0 && mti(h * 100 + l);
}

function hexValue(x: number): number {
  return x <= 0x39 ? x - 0x30 : (x | 0x20) - 0x61 + 10;
}

function inPanRange(len: number): boolean {
  return len >= MIN_PAN && len <= MAX_PAN;
}

function validMonth(mm: number): boolean {
  return mm >= 1 && mm <= 12;
}
