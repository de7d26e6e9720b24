import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { INITIAL_BYTES, TraceLines } from '../../harness/channel/trace-lines';
import { luhnValid, maskedViews } from '../../harness/masking/pan';

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

  describe('a chunk like the one before it in its direction (a closed loop: the next STAN, the next RRN)', () => {
    const digits = fc.stringMatching(/^[0-9]{12,19}$/);
    const piece = fc.oneof(
      fc.uint8Array({ maxLength: 24 }).map((a) => Buffer.from(a)),
      fc.stringMatching(/^[0-9]{1,40}$/).map((d) => Buffer.from(d, 'latin1')),
      digits.map((d) => Buffer.from(d, 'latin1')),
      digits.map((d) => Buffer.from(d.length % 2 ? `${d}F` : d, 'hex')),
      fc.constantFrom(PAN, `16${PAN}000000001234`, `${PAN}=3012`).map((d) => Buffer.from(d, 'latin1')),
      fc.constantFrom(`5${PAN}`, `12${PAN}34`, `16${PAN}0000`).map((d) => Buffer.from(d, 'hex')),
      fc.constantFrom(...['=', 'D', '"', '\\', ';', 'C', '\u007f', '\u0000'].map((c) => Buffer.from(c, 'latin1'))),
    );
    /** An edit of a chunk: some bytes changed, mostly digits to digits (what a closed loop changes). */
    const edit = fc.record({
      at: fc.array(fc.nat(), { minLength: 0, maxLength: 6 }),
      digit: fc.array(fc.integer({ min: 0x30, max: 0x39 }), { minLength: 6, maxLength: 6 }),
      anyByte: fc.boolean(),
      byte: fc.integer({ min: 0, max: 255 }),
    });
    const apply = (data: Buffer, e: { at: number[]; digit: number[]; anyByte: boolean; byte: number }): Buffer => {
      const next = Buffer.from(data);
      if (next.length === 0) return next;
      e.at.forEach((a, i) => (next[a % next.length] = e.anyByte && i === 0 ? e.byte : e.digit[i]!));
      return next;
    };

    it('writes every line as if it were the first, whatever changed between them', () => {
      fc.assert(
        fc.property(
          fc.array(piece, { minLength: 1, maxLength: 8 }),
          fc.array(piece, { minLength: 1, maxLength: 6 }),
          fc.array(fc.tuple(fc.boolean(), edit, fc.constantFrom('chunk', 'chunk', 'chunk', 'write', 'flush', 'event')), { maxLength: 12 }),
          fc.subarray([PAN, '374245455400126', '6221261234567890129', '123456789012']),
          (outPieces, inPieces, steps, pans) => {
            const known = new Set(pans);
            let current = { out: Buffer.concat(outPieces), in: Buffer.concat(inPieces) };
            const sent: Array<{ dir: 'out' | 'in'; data: Buffer }> = [
              { dir: 'out', data: current.out },
              { dir: 'in', data: current.in },
            ];
            const expected = sent.map((c, t) => expectedLine(t, c.dir, c.data, pans));
            const lines = written((l) => {
              sent.forEach((c, t) => l.chunk(t, c.dir, c.data, known));
              // Between chunks the buffer may be handed to a write, flushed and reused, or get an event line.
              steps.forEach(([out, e, action], k) => {
                const t = 100 + k;
                if (action === 'write') l.write();
                else if (action === 'flush') l.flush();
                else if (action === 'event') {
                  l.text(`{"t_ns":${t},"dir":"event","note":"x"}`);
                  expected.push(`{"t_ns":${t},"dir":"event","note":"x"}`);
                } else {
                  const dir = out ? 'out' : 'in';
                  current = { ...current, [dir]: apply(current[dir], e) };
                  l.chunk(t, dir, current[dir], known);
                  expected.push(expectedLine(t, dir, current[dir], pans));
                }
              });
            });
            expect(lines).toEqual(expected);
          },
        ),
        { numRuns: 1500 },
      );
    });

    it('works the PANs out afresh when an edit makes a run a card number, or brings in or breaks a known PAN', () => {
      // A known PAN whose packed digits are the ASCII characters 01234567.
      const packedAsText = '3031323334353637';
      const cases: Array<[string, string, string[]]> = [
        // The last digit makes a 16-digit run Luhn-valid: a card number nobody registered.
        ['C5413330089010435X', 'C5413330089010434X', []],
        // Inside a 28-digit run (no rule looks at it) the edit completes a known PAN…
        [`C0000${PAN.slice(0, 12)}999900000000X`, `C0000${PAN}00000000X`, [PAN]],
        // …or breaks it;
        [`C0000${PAN}00000000X`, `C0000${PAN.slice(0, 12)}999900000000X`, [PAN]],
        // and the same where the PAN shows packed, in the hex view only.
        [`C00000000000001239999000X`, `C00000000000001234567000X`, [packedAsText]],
        [`C00000000000001234567000X`, `C00000000000001239999000X`, [packedAsText]],
        // The edit is the known PAN's last digit, or its first: the PAN ends, or begins, at the
        // changed byte (the edges of where a new PAN can lie).
        [`C0000${PAN.slice(0, 15)}8${'0'.repeat(8)}X`, `C0000${PAN}${'0'.repeat(8)}X`, [PAN]],
        [`C00005${PAN.slice(1)}${'0'.repeat(8)}X`, `C0000${PAN}${'0'.repeat(8)}X`, [PAN]],
        // Packed from the changed byte's low nibble: '1' (0x31) begins 1 3 2 3 … 8 3.
        [`C${'0'.repeat(13)}9234567839000X`, `C${'0'.repeat(13)}1234567839000X`, ['1323334353637383']],
      ];
      // Eight ASCII digits between non-decimal bytes are a run of 16 decimal nibbles: the last
      // digit makes it Luhn-valid, a card number in packed BCD.
      const valid = [...'0123456789'].find((d) => luhnValid(`31323334353637${Buffer.from(d).toString('hex')}`))!;
      const invalid = String((Number(valid) + 1) % 10);
      cases.push([`\u00aa1234567${invalid}\u00aa`, `\u00aa1234567${valid}\u00aa`, []]);
      for (const [before, after, pans] of cases) {
        const known = new Set(pans);
        const lines = written((l) => {
          l.chunk(1, 'out', Buffer.from(before, 'latin1'), known);
          l.chunk(2, 'out', Buffer.from(after, 'latin1'), known);
        });
        expect(lines).toEqual([expectedLine(1, 'out', Buffer.from(before, 'latin1'), pans), expectedLine(2, 'out', Buffer.from(after, 'latin1'), pans)]);
      }
      expect(JSON.parse(written((l) => l.chunk(1, 'in', Buffer.from('C5413330089010434X', 'latin1'), new Set()))[0]!).ascii).toBe('C541333******0434X');
    });

    it.each(['write', 'flush'] as const)('formats afresh after the chunk before went out in a %s (its line is no longer in the buffer)', (action) => {
      // The STAN far enough from the PAN for the line before to be edited, were it still there.
      const before = Buffer.from(`0200${PAN}${'0'.repeat(24)}00000001`, 'latin1');
      const after = Buffer.from(`0200${PAN}${'0'.repeat(24)}00000002`, 'latin1');
      const known = new Set([PAN]);
      const lines = written((l) => {
        l.chunk(1, 'out', before, known);
        l[action]();
        l.text('{"t_ns":2,"dir":"event","note":"a line in between"}');
        l.chunk(3, 'out', after, known);
      });
      expect(lines).toEqual([expectedLine(1, 'out', before, [PAN]), '{"t_ns":2,"dir":"event","note":"a line in between"}', expectedLine(3, 'out', after, [PAN])]);
    });

    it('formats afresh a buffer passed again after it was changed in place', () => {
      const known = new Set([PAN]);
      const data = Buffer.from(`0200${PAN}${'0'.repeat(24)}00000001`, 'latin1');
      const lines = written((l) => {
        l.chunk(1, 'out', data, known);
        data.write('00000002', data.length - 8, 'latin1');
        l.chunk(2, 'out', data, known);
      });
      expect(JSON.parse(lines[1]!).ascii.endsWith('00000002')).toBe(true);
      expect(lines[1]).toBe(expectedLine(2, 'out', data, [PAN]));
    });

    it('works the PANs out afresh once a PAN has been registered since the chunk before', () => {
      const known = new Set<string>();
      const before = Buffer.from(`C0000${PAN}00000001X`, 'latin1');
      const after = Buffer.from(`C0000${PAN}00000002X`, 'latin1');
      const lines = written((l) => {
        l.chunk(1, 'in', before, known);
        known.add(PAN);
        l.chunk(2, 'in', after, known);
      });
      expect(lines[0]).toBe(expectedLine(1, 'in', before, []));
      expect(lines[1]).toBe(expectedLine(2, 'in', after, [PAN]));
      expect(JSON.parse(lines[1]!).ascii).toContain('476173******0119');
    });
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
