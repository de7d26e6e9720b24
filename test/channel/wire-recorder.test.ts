import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WireRecorder } from '../../harness/channel/wire-recorder';

const PAN = '5413330089010434';

describe('wire recorder', () => {
  it('records direction, size and a monotonic ns timestamp for every chunk', () => {
    const r = new WireRecorder();
    r.record('out', Buffer.from('abc'));
    r.record('in', Buffer.from('de'));
    r.event('note');
    const e = r.entries();
    expect(e.map((x) => x.dir)).toEqual(['out', 'in', 'event']);
    expect(e[0]?.bytes).toBe(3);
    expect(e[0]?.hex).toBe('616263');
    expect(e[1]!.t_ns).toBeGreaterThanOrEqual(e[0]!.t_ns);
  });

  it('masks a PAN registered in the same tick as the chunk that carried it (decode happens after record)', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'poshil-wire-')), 'ecr.ndjson');
    const r = new WireRecorder({ file });
    r.record('in', Buffer.from(`0210${PAN}000000`));
    r.addPan(PAN); // what the protocol layer does right after decoding
    await new Promise((res) => setTimeout(res, 80)); // the recorder's own batched flush
    r.close();
    const text = fs.readFileSync(file, 'utf8');
    expect(text).not.toContain(PAN);
    expect(text).not.toContain(Buffer.from(PAN).toString('hex').toUpperCase());
    expect(text).toContain('541333******0434');
  });

  it('keeps memory bounded without a file', () => {
    const r = new WireRecorder({ keep: 10 });
    for (let i = 0; i < 100; i++) r.record('out', Buffer.from([i]));
    expect(r.entries()).toHaveLength(10);
  });
});

describe('wire recorder limits', () => {
  it('stops recording bytes past its chunk limit, says so, and keeps counting', () => {
    const r = new WireRecorder({ maxChunks: 3 });
    for (let i = 0; i < 10; i++) r.record('out', Buffer.from([i]));
    const e = r.entries();
    expect(e.filter((x) => x.dir === 'out')).toHaveLength(3);
    expect(e.some((x) => x.note?.includes('trace limit of 3 chunks reached'))).toBe(true);
    expect(r.omitted).toBe(7);
  });
});

describe('wire recorder: masking', () => {
  it('masks every chunk of a file with every PAN known at flush, and the file is complete once close() returns', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'poshil-wire-')), 'a.ndjson');
    const a = new WireRecorder({ file });
    for (let i = 0; i < 500; i++) a.record('out', Buffer.from(`0200${PAN}${String(i).padStart(6, '0')}`));
    a.addPan(PAN);
    await new Promise((res) => setTimeout(res, 80)); // one batched flush
    a.record('in', Buffer.from(`0210${PAN}`)); // and the rest with close()
    a.event('end');
    a.close();
    const lines = fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { dir: string; ascii?: string; note?: string; t_ns: number });
    expect(lines).toHaveLength(502);
    expect(fs.readFileSync(file, 'utf8')).not.toContain(PAN);
    expect(lines[0]!.ascii).toBe('0200541333******0434000000');
    expect(lines.at(-1)).toMatchObject({ dir: 'event', note: 'end' });
  });

  it('masks the excerpts a conformance step asks for (since a mark) when asked, with the PANs known by then', () => {
    const r = new WireRecorder();
    const mark = r.mark();
    r.record('in', Buffer.from(`0210${PAN}`));
    r.addPan(PAN);
    expect(r.since(mark)[0]!.ascii).toBe('0210541333******0434');
  });

  it('with a file, reads excerpts back from it: only its own lines, from the mark on, masked', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'poshil-wire-'));
    const file = path.join(dir, 'ecr.ndjson');
    fs.writeFileSync(file, '{"t_ns":1,"dir":"event","note":"an earlier run"}\n');
    const r = new WireRecorder({ file, keep: 3 });
    r.record('out', Buffer.from('before'));
    const mark = r.mark();
    r.record('out', Buffer.from(`0200${PAN}`));
    r.addPan(PAN);
    r.record('in', Buffer.from('0210 approved'));
    const later = r.mark();
    for (let i = 0; i < 5; i++) r.record('out', Buffer.from(`echo ${i}`));
    expect(r.since(mark).map((e) => e.ascii)).toEqual(['0200541333******0434', '0210 approved', 'echo 0']);
    expect(r.since(later)[0]!.ascii).toBe('echo 0');
    expect(r.since(r.mark())).toEqual([]);
    expect(r.entries().map((e) => e.ascii)).toEqual(['echo 2', 'echo 3', 'echo 4']);
    r.close();
    expect(fs.readFileSync(file, 'utf8').split('\n')[0]).toContain('an earlier run');
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('wire recorder: off the hot path', () => {
  const tick = () => new Promise((res) => setImmediate(res));

  it('masks and writes in batches: 16 chunks at once after the current turn, a smaller rest after 5 ms', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'poshil-wire-')), 'a.ndjson');
    const r = new WireRecorder({ file });
    const masked = () => (r as unknown as { sequence: number }).sequence;
    for (let i = 0; i < 16; i++) r.record('out', Buffer.from('0800'));
    expect(masked()).toBe(0); // nothing on the sender's path
    await tick();
    expect(masked()).toBe(16);
    r.record('out', Buffer.from('0800'));
    await tick();
    expect(masked()).toBe(16);
    await new Promise((res) => setTimeout(res, 20));
    expect(masked()).toBe(17);
    r.close();
    expect(fs.readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(17);
  });

  it('holds a chunk that ends inside a frame until the frame is complete, so the PAN in its second half is masked in the first', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'poshil-wire-')), 'a.ndjson');
    const r = new WireRecorder({ file });
    // The PAN split across two TCP segments: neither half is a PAN the scanner would recognise.
    r.record('in', Buffer.from(`0210${PAN.slice(0, 9)}`));
    r.settled(true);
    await tick();
    await tick();
    r.record('in', Buffer.from(`${PAN.slice(9)}000000`));
    r.addPan(PAN); // the frame is decoded now that it is complete
    r.settled(false);
    await tick();
    await tick();
    r.close();
    const lines = fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { ascii: string });
    expect(lines.map((l) => l.ascii)).toEqual(['0210541333***', '***0434000000']);
  });

  it('masks a held chunk after a second at the latest when the rest of its frame never comes', async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate'] });
    try {
      const r = new WireRecorder();
      r.record('in', Buffer.from('0210123'));
      r.settled(true);
      await tick();
      expect(r.mark()).toBe(1);
      expect((r as unknown as { head: number }).head).toBe(0);
      jest.advanceTimersByTime(1100);
      await tick();
      await tick();
      expect((r as unknown as { pending: unknown[] }).pending).toHaveLength(0);
    } finally {
      jest.useRealTimers();
    }
  });
});
