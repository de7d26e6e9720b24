import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { INITIAL_BYTES, TraceLines } from '../../harness/channel/trace-lines';
import { maskedViews } from '../../harness/masking/pan';

const PAN = '4761739001010119'; // Visa test card, Luhn-valid
const UNKNOWN_PAN = '5413330089010434'; // Luhn-valid, never registered

/** Writes lines through TraceLines into a temporary file and reads them back. */
function written(fill: (lines: TraceLines) => void): string[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'poshil-trace-lines-'));
  const file = path.join(dir, 'trace.ndjson');
  const lines = new TraceLines(file);
  try {
    fill(lines);
  } finally {
    lines.close();
  }
  const text = fs.readFileSync(file, 'utf8');
  fs.rmSync(dir, { recursive: true, force: true });
  return text.split('\n').slice(0, -1);
}

/** The line as the trace format defines it: JSON of the masked entry. */
function expectedLine(t_ns: number, dir: 'out' | 'in', data: Buffer, pans: string[]): string {
  const views = maskedViews(data, pans);
  return JSON.stringify({ t_ns, dir, bytes: data.length, hex: views.hex, ascii: views.ascii });
}

describe('Trace lines built as bytes', () => {
  it('writes the same line as JSON.stringify of the masked entry, PANs starred in both views', () => {
    const frame = Buffer.from(`0200\u0001"q"\\16${PAN}000000001234;${UNKNOWN_PAN}=3012\u00ff`, 'latin1');
    const [line] = written((l) => l.chunk(1234567, 'out', frame, new Set([PAN])));
    expect(line).toBe(expectedLine(1234567, 'out', frame, [PAN]));
    const entry = JSON.parse(line!);
    expect(entry.ascii).toContain('476173******0119');
    expect(entry.ascii).toContain('541333******0434=');
    expect(entry.ascii).not.toContain(PAN);
    expect(entry.hex).not.toContain(Buffer.from(PAN, 'latin1').toString('hex').toUpperCase());
  });

  it('stars a packed-BCD PAN at either nibble alignment', () => {
    const even = Buffer.concat([Buffer.from([0x16]), Buffer.from(PAN, 'hex'), Buffer.from([0xff])]);
    const odd = Buffer.from(`F${PAN}F`, 'hex');
    for (const data of [even, odd]) {
      const [line] = written((l) => l.chunk(5, 'in', data, new Set([PAN])));
      expect(line).toBe(expectedLine(5, 'in', data, [PAN]));
      expect(JSON.parse(line!).hex).toContain('476173******0119');
    }
  });

  it('agrees with JSON.stringify of maskedViews on any bytes and any known PANs', () => {
    const digits = fc.stringMatching(/^[0-9]{12,19}$/);
    const piece = fc.oneof(
      fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a)),
      digits.map((d) => Buffer.from(d, 'latin1')),
      digits.map((d) => Buffer.from(d.length % 2 ? `${d}F` : d, 'hex')),
      fc.constantFrom(...['=', 'D', '"', '\\', ';', '\u007f'].map((c) => Buffer.from(c, 'latin1'))),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 8 }), fc.array(digits, { maxLength: 3 }), fc.nat(), fc.boolean(), (pieces, pans, t, out) => {
        const data = Buffer.concat(pieces);
        const dir = out ? 'out' : 'in';
        const [line] = written((l) => l.chunk(t, dir, data, new Set(pans)));
        expect(line).toBe(expectedLine(t, dir, data, pans));
      }),
      { numRuns: 300 },
    );
  });

  it('appends after what the file held, and a flush right after a background write leaves no gap', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'poshil-trace-lines-'));
    const file = path.join(dir, 'trace.ndjson');
    fs.writeFileSync(file, '{"t_ns":0,"dir":"event","note":"an earlier run"}\n');
    const lines = new TraceLines(file);
    const frame = Buffer.from('0210 approved', 'latin1');
    for (let i = 1; i <= 3000; i++) {
      lines.chunk(i, 'in', frame, new Set());
      // Batches go to the thread pool as they fill, while the next ones are made.
      if (i % 500 === 0) lines.write();
    }
    lines.flush();
    // Read at once: the batches still on their way were written again, in place.
    const now = fs.readFileSync(file, 'utf8').trim().split('\n');
    expect(now).toHaveLength(3001);
    expect(now.slice(1).map((l) => JSON.parse(l).t_ns)).toEqual(Array.from({ length: 3000 }, (_, i) => i + 1));
    lines.close();
    // And the background writes, landing later, change nothing.
    await new Promise((r) => setTimeout(r, 50));
    expect(fs.readFileSync(file, 'utf8').trim().split('\n')).toEqual(now);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('keeps lines whole across a batch larger than its buffer, and a chunk larger than the buffer', () => {
    const small = Buffer.from('0210 approved', 'latin1');
    // Lines of about 80 bytes: enough of them to fill the buffer twice over; and one chunk whose
    // line (three characters a byte) is bigger than the buffer by itself.
    const count = Math.ceil((2 * INITIAL_BYTES) / 80);
    const huge = Buffer.alloc(INITIAL_BYTES / 2, 0x41);
    const lines = written((l) => {
      for (let i = 0; i < count; i++) l.chunk(i, 'in', small, new Set());
      l.text('{"t_ns":9,"dir":"event","note":"reconnected — ü"}');
      l.chunk(10, 'out', huge, new Set());
    });
    expect(lines).toHaveLength(count + 2);
    expect(lines[count - 1]).toBe(expectedLine(count - 1, 'in', small, []));
    expect(JSON.parse(lines[count]!).note).toBe('reconnected — ü');
    expect(JSON.parse(lines[count + 1]!).bytes).toBe(huge.length);
  });
});
