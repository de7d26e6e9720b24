/**
 * A wire excerpt as a technician reads it at the bench: offset, 16 bytes in hex, the same bytes
 * as ASCII — with the decoded fields a conformance check looked at marked where their value sits
 * in the frame. Masked bytes (the trace writes `**` for a masked PAN digit) stay masked.
 */
export interface WireEntryView {
  dir: string;
  hex: string;
  bytes?: number;
  t_ns?: number;
}

export interface FieldMark {
  /** "field 4", "MTI", … */
  label: string;
  /** The decoded value as it appears in the frame's ASCII. */
  value: string;
}

const ROW = 16;

/** Bytes of a trace hex string; a masked byte is null. */
export function parseTraceHex(hex: string): (number | null)[] {
  const out: (number | null)[] = [];
  for (let i = 0; i + 1 < hex.length; i += 2) {
    const pair = hex.slice(i, i + 2);
    out.push(pair === '**' ? null : Number.parseInt(pair, 16));
  }
  return out;
}

function printable(b: number | null): string {
  if (b === null) return '*';
  return b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.';
}

/**
 * Where each mark's value first occurs in the frame (its ASCII form, masked bytes matching `*`),
 * searching left to right so repeated values are found in field order. Marks not found are left
 * out: a binary field is not in the ASCII.
 */
export function locateMarks(bytes: (number | null)[], marks: readonly FieldMark[]): { start: number; end: number; label: string }[] {
  const text = bytes.map(printable).join('');
  const spans: { start: number; end: number; label: string }[] = [];
  let from = 0;
  for (const m of marks) {
    if (m.value.length < 2) continue;
    let at = text.indexOf(m.value, from);
    if (at < 0) at = text.indexOf(m.value);
    if (at < 0 || spans.some((s) => at < s.end && at + m.value.length > s.start)) continue;
    spans.push({ start: at, end: at + m.value.length, label: m.label });
    from = at + m.value.length;
  }
  return spans.sort((a, b) => a.start - b.start);
}

/** The hex dump as HTML (escaped; marks as <mark title="…">). */
export function hexDumpHtml(entry: WireEntryView, marks: readonly FieldMark[], escape: (s: string) => string): string {
  const bytes = parseTraceHex(entry.hex);
  const spans = locateMarks(bytes, marks);
  const labelAt = (i: number) => spans.find((s) => i >= s.start && i < s.end);
  const rows: string[] = [];
  for (let off = 0; off < bytes.length; off += ROW) {
    const slice = bytes.slice(off, off + ROW);
    const cell = (i: number, text: string) => {
      const span = labelAt(off + i);
      return span ? `<mark title="${escape(span.label)}">${escape(text)}</mark>` : escape(text);
    };
    const hex = slice.map((b, i) => cell(i, b === null ? '**' : b.toString(16).padStart(2, '0'))).join(' ');
    const pad = '   '.repeat(ROW - slice.length);
    const ascii = slice.map((b, i) => cell(i, printable(b))).join('');
    rows.push(`${off.toString(16).padStart(4, '0')}  ${hex}${pad}  ${ascii}`);
  }
  const legend = spans.length > 0 ? `<div class="marks">${spans.map((s) => `<span><mark>${escape(s.label)}</mark> bytes ${s.start}–${s.end - 1}</span>`).join(' ')}</div>` : '';
  const head = `${entry.dir === 'out' ? 'poshil → device' : entry.dir === 'in' ? 'device → poshil' : escape(entry.dir)}, ${bytes.length} bytes`;
  return `<div class="wire"><div class="wire-head">${head}</div><pre class="hex">${rows.join('\n')}</pre>${legend}</div>`;
}

/** The field values a conformance step's checks name, for marking: `"000000001234"` → 000000001234. */
export function marksFromChecks(checks: readonly { what?: unknown; actual?: unknown }[]): FieldMark[] {
  const marks: FieldMark[] = [];
  for (const c of checks) {
    if (typeof c.what !== 'string' || typeof c.actual !== 'string') continue;
    if (c.what === 'time' || c.actual === 'absent') continue;
    const value = c.actual.startsWith('"') && c.actual.endsWith('"') ? c.actual.slice(1, -1) : c.actual;
    marks.push({ label: c.what, value });
  }
  return marks;
}
