import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { WireRecorder } from '../../harness/channel/wire-recorder';
import { DeviceUnreachableError, LinkClosedError } from '../../harness/errors';
import { FaultController } from '../../harness/faults/controller';
import { FaultInjectedError } from '../../harness/faults/fault-injected-error';
import type { FaultSpec } from '../../harness/faults/fault-spec';
import { FaultyTransport, type FaultyTransportOptions } from '../../harness/faults/faulty-transport';
import { TcpTransport } from '../../harness/transports/tcp';
import { createVirtualPair, type VirtualTransport } from '../../harness/transports/virtual';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function waitFor(condition: () => boolean, timeoutMs = 3000): Promise<void> {
  const until = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > until) throw new Error('condition not met in time');
    await sleep(2);
  }
}

interface Rig {
  /** poshil's side, with faults. */
  link: FaultyTransport;
  /** the wrapped end: `inner.emitData` makes bytes arrive from the device (direction in). */
  inner: VirtualTransport;
  /** the device end: receives what poshil writes (direction out). */
  device: VirtualTransport;
  controller: FaultController;
  /** Chunks poshil received, with the schedule time they arrived. */
  received: { t: number; data: Buffer }[];
  /** Chunks the device received. */
  deviceReceived: Buffer[];
  events: { t: number; note: string }[];
}

const rigs: Rig[] = [];

async function rig(schedule: FaultSpec[], seed = 42, options?: FaultyTransportOptions): Promise<Rig> {
  const [inner, device] = createVirtualPair({ name: 'faults' });
  const events: Rig['events'] = [];
  const controller = new FaultController(schedule, { seed, onEvent: (note) => events.push({ t: controller.elapsedMs(), note }) });
  const link = new FaultyTransport(inner, controller, options);
  await device.open();
  await link.open(); // starts the schedule
  const r: Rig = { link, inner, device, controller, received: [], deviceReceived: [], events };
  link.onData((data) => r.received.push({ t: controller.elapsedMs(), data }));
  device.onData((data) => r.deviceReceived.push(data));
  rigs.push(r);
  return r;
}

afterEach(async () => {
  for (const r of rigs.splice(0)) {
    await r.link.close();
    r.controller.stop();
  }
});

const receivedBytes = (r: Rig) => Buffer.concat(r.received.map((c) => c.data));
const pattern = (n: number) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 7 + 3) & 0xff));

function popcount(a: Buffer, b: Buffer): number {
  let bits = 0;
  for (let i = 0; i < a.length; i++) {
    let x = a[i] ^ b[i];
    while (x) {
      bits += x & 1;
      x >>= 1;
    }
  }
  return bits;
}

describe('FaultyTransport', () => {
  it('passes bytes through untouched and in the same call when no fault is in effect', async () => {
    const r = await rig([]);
    r.inner.emitData('abc');
    expect(receivedBytes(r).toString()).toBe('abc'); // synchronous, like the inner transport
    await r.link.write(Buffer.from('xyz'));
    await waitFor(() => r.deviceReceived.length === 1);
    expect(r.deviceReceived[0].toString()).toBe('xyz');
    expect(r.link.type).toBe('virtual');
    expect(r.link.endpoint).toBe(r.inner.endpoint);
    expect(r.controller.injected()).toEqual([]);
  });

  it('latency delays chunks in its direction by at least ms and leaves the other direction alone', async () => {
    const r = await rig([{ type: 'latency', ms: 100, direction: 'in' }]);
    const sentAt = r.controller.elapsedMs();
    r.inner.emitData('late');
    expect(r.received).toEqual([]);
    const writtenAt = performance.now();
    await r.link.write(Buffer.from('prompt'));
    await waitFor(() => r.deviceReceived.length === 1);
    expect(performance.now() - writtenAt).toBeLessThan(80);
    await waitFor(() => r.received.length === 1);
    const delay = r.received[0].t - sentAt;
    expect(delay).toBeGreaterThanOrEqual(100);
    expect(delay).toBeLessThan(600);
    expect(receivedBytes(r).toString()).toBe('late');
    expect(r.controller.injected()[0].counts).toMatchObject({ chunks: 1, bytes: 4, chunksDelayed: 1 });
  });

  it('latency jitter never reorders chunks', async () => {
    const r = await rig([{ type: 'latency', ms: 20, jitterMs: 20, direction: 'out' }]);
    for (let i = 0; i < 50; i++) await r.link.write(Buffer.from([i]));
    await waitFor(() => r.deviceReceived.length === 50);
    expect(Buffer.concat(r.deviceReceived)).toEqual(Buffer.from(Array.from({ length: 50 }, (_, i) => i)));
    expect(r.controller.injected()[0].counts.chunksDelayed).toBe(50);
  });

  it('a bandwidth cap paces 10 KB at 20 KB/s to about half a second, bytes intact, write resolving at once', async () => {
    const r = await rig([{ type: 'bandwidth', bytesPerSecond: 20_000, direction: 'out' }]);
    const payload = pattern(10_000);
    const t0 = performance.now();
    await r.link.write(payload);
    expect(performance.now() - t0).toBeLessThan(50); // resolved once queued
    expect(r.link.queuedBytes.out).toBeGreaterThan(9_000);
    await waitFor(() => Buffer.concat(r.deviceReceived).length === 10_000);
    const took = performance.now() - t0;
    expect(took).toBeGreaterThanOrEqual(480);
    expect(took).toBeLessThan(1500);
    expect(Buffer.concat(r.deviceReceived).equals(payload)).toBe(true);
    expect(Math.max(...r.deviceReceived.map((c) => c.length))).toBeLessThanOrEqual(200); // 10 ms of line time
    expect(r.controller.injected()[0].counts).toMatchObject({ chunksDelayed: 1, pieces: 50, bytesOverflowed: 0 });
  });

  it('a bandwidth backlog is capped in bytes: what does not fit is dropped and counted, close() discards the rest', async () => {
    const r = await rig([{ type: 'bandwidth', bytesPerSecond: 1_000, direction: 'out' }], 42, { maxQueueBytes: 64 * 1024 });
    await r.link.write(pattern(200_000));
    await r.link.write(pattern(1_000));
    const queued = r.link.queuedBytes.out;
    expect(queued).toBeLessThanOrEqual(64 * 1024);
    expect(queued).toBeGreaterThan(60 * 1024);
    const counts = r.controller.injected()[0].counts;
    const sent = r.inner.recording.reduce((n, c) => n + c.length, 0); // what already went out, paced
    expect(counts.bytesOverflowed + queued + sent).toBe(201_000);
    expect(r.link.overflowedBytes.out).toBe(counts.bytesOverflowed);
    // The window over, the backlog still drains in order; new bytes that do not fit are still counted.
    r.controller.stop();
    await r.link.write(pattern(100_000));
    expect(r.link.overflowedBytes.out).toBeGreaterThan(counts.bytesOverflowed + 90_000);
    await r.link.close();
    expect(r.link.queuedBytes.out).toBe(0);
    const before = r.inner.recording.length; // writes handed to the inner link so far
    await sleep(50);
    expect(r.inner.recording.length).toBe(before);
  });

  it('slicing delivers the same bytes in pieces of at most maxBytes, gapMs apart', async () => {
    const r = await rig([{ type: 'slice', maxBytes: 7, gapMs: 5, direction: 'in' }]);
    const payload = pattern(100);
    const t0 = r.controller.elapsedMs();
    r.inner.emitData(payload);
    await waitFor(() => receivedBytes(r).length === 100);
    expect(receivedBytes(r).equals(payload)).toBe(true);
    expect(r.received.map((c) => c.data.length)).toEqual([...Array(14).fill(7), 2]);
    expect(r.received[14].t - t0).toBeGreaterThanOrEqual(14 * 5);
    expect(r.controller.injected()[0].counts).toMatchObject({ pieces: 15, chunksDelayed: 1 });
  });

  describe('bit flips', () => {
    async function flipRun(seed: number) {
      const r = await rig([{ type: 'bitFlip', rate: 1e-2, direction: 'in' }], seed);
      const payload = pattern(100_000);
      for (let i = 0; i < 100; i++) r.inner.emitData(payload.subarray(i * 1000, (i + 1) * 1000));
      await r.link.write(Buffer.from('clean'));
      await waitFor(() => r.deviceReceived.length === 1);
      const out = receivedBytes(r);
      expect(out.length).toBe(100_000);
      expect(payload.equals(pattern(100_000))).toBe(true); // the sender's buffer is never touched
      return { flips: popcount(out, payload), out, record: r.controller.injected()[0], device: r.deviceReceived[0] };
    }

    it('at rate 1e-2 over 100 KB flip about 8000 bits, the same ones for the same seed and others for another', async () => {
      const a = await flipRun(7);
      expect(a.flips).toBeGreaterThan(7_500);
      expect(a.flips).toBeLessThan(8_500);
      expect(a.record.counts).toMatchObject({ bitsFlipped: a.flips, chunks: 100, bytes: 100_000 });
      expect(a.device.toString()).toBe('clean'); // only the direction asked for
      const again = await flipRun(7);
      expect(again.flips).toBe(a.flips);
      expect(again.out.equals(a.out)).toBe(true);
      const other = await flipRun(8);
      expect(other.flips).not.toBe(a.flips);
      expect(other.out.equals(a.out)).toBe(false);
    });
  });

  describe('byte drops', () => {
    async function dropRun(seed: number) {
      const r = await rig([{ type: 'byteDrop', rate: 1e-2, direction: 'in' }], seed);
      const payload = pattern(100_000);
      for (let i = 0; i < 100; i++) r.inner.emitData(payload.subarray(i * 1000, (i + 1) * 1000));
      return { out: receivedBytes(r), record: r.controller.injected()[0], payload };
    }

    it('at rate 1e-2 drop about 1000 of 100 KB bytes, reproducibly, keeping the rest in order', async () => {
      const a = await dropRun(1);
      const dropped = 100_000 - a.out.length;
      expect(dropped).toBeGreaterThan(850);
      expect(dropped).toBeLessThan(1_150);
      expect(a.record.counts.bytesDropped).toBe(dropped);
      // What arrives is the sent bytes minus some: a subsequence, in order.
      let j = 0;
      for (let i = 0; i < a.payload.length && j < a.out.length; i++) if (a.payload[i] === a.out[j]) j++;
      expect(j).toBe(a.out.length);
      expect((await dropRun(1)).out.equals(a.out)).toBe(true);
      expect((await dropRun(2)).out.length).not.toBe(a.out.length);
    });
  });

  it('drop removes whole chunks with its probability, only in its direction', async () => {
    const r = await rig([{ type: 'drop', probability: 0.5, direction: 'out' }], 3);
    for (let i = 0; i < 400; i++) await r.link.write(Buffer.from(`c${String(i).padStart(3, '0')}`));
    r.inner.emitData('untouched');
    await sleep(20);
    const got = r.deviceReceived.map((c) => c.toString());
    expect(got.length).toBeGreaterThan(150);
    expect(got.length).toBeLessThan(250);
    expect([...got].sort()).toEqual(got); // in order, each intact
    expect(got.every((c) => /^c\d{3}$/.test(c))).toBe(true);
    expect(r.controller.injected()[0].counts).toMatchObject({ chunks: 400, chunksDropped: 400 - got.length, bytesDropped: (400 - got.length) * 4 });
    expect(receivedBytes(r).toString()).toBe('untouched');
  });

  it('a stall holds every byte for its duration, then delivers them all in order', async () => {
    const r = await rig([{ type: 'stall', duration: '500ms', direction: 'in' }]);
    for (let i = 0; i < 5; i++) {
      r.inner.emitData(`s${i}`);
      await r.link.write(Buffer.from(`w${i}`));
      await sleep(20);
    }
    expect(r.received).toEqual([]);
    expect(r.deviceReceived.map(String)).toEqual(['w0', 'w1', 'w2', 'w3', 'w4']); // the other direction flows
    await waitFor(() => r.received.length === 5);
    expect(r.received.map((c) => c.data.toString())).toEqual(['s0', 's1', 's2', 's3', 's4']);
    expect(r.received[0].t).toBeGreaterThanOrEqual(500);
    expect(r.received[0].t).toBeLessThan(1000);
    expect(r.controller.injected()[0]).toMatchObject({ type: 'stall', startMs: 0, endMs: 500, counts: { chunksDelayed: 5 } });
  });

  it('a disconnect closes the link with a FaultInjectedError, refuses writes and reopening for its duration, then reopens', async () => {
    const r = await rig([{ type: 'disconnect', at: '100ms', duration: '400ms' }]);
    const causes: (Error | undefined)[] = [];
    r.link.onDisconnect((cause) => causes.push(cause));
    await waitFor(() => causes.length === 1);
    const cutAt = r.controller.elapsedMs();
    expect(cutAt).toBeGreaterThanOrEqual(100);
    expect(cutAt).toBeLessThan(400);
    const cause = causes[0] as FaultInjectedError;
    expect(cause).toBeInstanceOf(FaultInjectedError);
    expect(cause.code).toBe('FAULT_INJECTED');
    expect(cause.message).toBe('link cut by an injected fault (disconnect for 400 ms at 0.1 s)');
    expect(r.link.isOpen).toBe(false);
    expect(r.inner.isOpen).toBe(false); // the inner link really closed
    const rejected = await r.link.write(Buffer.from('x')).catch((e: unknown) => e);
    expect(rejected).toBeInstanceOf(LinkClosedError);
    expect((rejected as Error).message).toBe('cannot send to virtual faults:a: link cut by an injected fault (disconnect for 400 ms at 0.1 s)');
    const refused = await r.link.open().catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(DeviceUnreachableError);
    expect((refused as Error).cause).toBeInstanceOf(FaultInjectedError);
    expect((refused as Error).message).toMatch(/^could not connect to virtual faults:a: link cut by an injected fault .*; reconnecting is refused for another \d+ ms$/);
    await waitFor(() => r.controller.elapsedMs() >= 500);
    await r.link.open();
    expect(r.link.isOpen).toBe(true);
    await r.link.write(Buffer.from('back'));
    await waitFor(() => r.deviceReceived.length === 1);
    expect(r.deviceReceived[0].toString()).toBe('back');
    expect(causes).toHaveLength(1);
    expect(r.controller.injected()).toEqual([
      expect.objectContaining({ type: 'disconnect', direction: 'both', startMs: 100, endMs: 500, counts: expect.objectContaining({ linksCut: 1, opensRefused: 1 }) }),
    ]);
    expect(r.events.map((e) => e.note)).toEqual(['fault start: disconnect for 400 ms at 0.1 s', 'fault end: disconnect (400 ms; 1 link cut, 1 reopen refused)']);
  });

  it('a reset closes the link abruptly once and lets it reopen at once', async () => {
    const r = await rig([{ type: 'reset', at: '50ms' }]);
    const causes: (Error | undefined)[] = [];
    r.link.onDisconnect((cause) => causes.push(cause));
    await waitFor(() => causes.length === 1);
    expect(causes[0]).toBeInstanceOf(FaultInjectedError);
    expect(causes[0]?.message).toBe('link reset by an injected fault (reset at 0.05 s)');
    await expect(r.link.write(Buffer.from('x'))).rejects.toBeInstanceOf(LinkClosedError);
    await r.link.open();
    await r.link.write(Buffer.from('again'));
    await waitFor(() => r.deviceReceived.length === 1);
    await sleep(20);
    expect(causes).toHaveLength(1);
    expect(r.controller.injected()).toEqual([expect.objectContaining({ type: 'reset', startMs: 50, endMs: 50, counts: expect.objectContaining({ linksCut: 1 }) })]);
  });

  it('a scheduled window starts and ends on time and acts only inside it', async () => {
    const r = await rig([{ type: 'bitFlip', rate: 1, direction: 'in', at: '150ms', duration: '150ms' }]);
    const sent: number[] = [];
    while (r.controller.elapsedMs() < 420) {
      sent.push(r.controller.elapsedMs());
      r.inner.emitData(Buffer.from([0x00]));
      await sleep(8);
    }
    expect(r.received).toHaveLength(sent.length);
    sent.forEach((t, i) => {
      const value = r.received[i].data[0];
      if (t < 145) expect(value).toBe(0x00);
      else if (t > 155 && t < 295) expect(value).toBe(0xff);
      else if (t > 305) expect(value).toBe(0x00);
    });
    const [record] = r.controller.injected();
    expect(record).toMatchObject({ type: 'bitFlip', direction: 'in', startMs: 150, endMs: 300, description: 'bitFlip rate 1 in' });
    expect(record.counts.bitsFlipped).toBe(8 * r.received.filter((c) => c.data[0] === 0xff).length);
    expect(r.events.map((e) => e.note)).toEqual([
      'fault start: bitFlip rate 1 in at 0.15 s',
      `fault end: bitFlip in (150 ms; ${record.counts.bitsFlipped} bits flipped, of ${record.counts.chunks} chunks)`,
    ]);
    // The notes come on time: the controller's timer, not only the traffic, ends the window.
    expect(r.events[0].t).toBeGreaterThanOrEqual(150);
    expect(r.events[0].t).toBeLessThan(250);
    expect(r.events[1].t).toBeGreaterThanOrEqual(300);
    expect(r.events[1].t).toBeLessThan(400);
  });

  it('windows end by the clock even without traffic, and stop() ends the open ones', async () => {
    const r = await rig([
      { type: 'stall', direction: 'out', duration: '60ms' },
      { type: 'latency', ms: 5 },
      { type: 'drop', at: '10s' },
    ]);
    await waitFor(() => r.events.length === 3);
    r.controller.stop();
    expect(r.controller.injected().map((x) => [x.type, x.startMs, x.endMs])).toEqual([
      ['stall', 0, 60],
      ['latency', 0, expect.any(Number)],
    ]); // the drop never began
    const stoppedAt = r.controller.injected()[1].endMs!;
    expect(stoppedAt).toBeGreaterThanOrEqual(60);
    expect(r.events.map((e) => e.note)).toEqual(['fault start: stall out at 0.0 s', 'fault start: latency 5 ms both at 0.0 s', 'fault end: stall out (60 ms)', expect.stringMatching(/^fault end: latency both \(\d+(\.\d)? ms\)$/)]);
    // After stop() bytes pass untouched again.
    r.inner.emitData('free');
    expect(receivedBytes(r).toString()).toBe('free');
  });

  it('stop() ends a stall early and releases what it held at once', async () => {
    const r = await rig([{ type: 'stall', duration: '10s', direction: 'in' }]);
    r.inner.emitData('held');
    expect(r.received).toEqual([]);
    r.controller.stop();
    expect(receivedBytes(r).toString()).toBe('held');
  });

  it('puts fault starts and ends into the wire trace through onEvent', async () => {
    const recorder = new WireRecorder();
    const controller = new FaultController([{ type: 'bitFlip', rate: 1e-4, direction: 'out', duration: '20ms' }], { seed: 5, onEvent: (note) => recorder.event(note) });
    controller.start();
    await sleep(40);
    controller.stop();
    expect(recorder.entries().map((e) => [e.dir, e.note])).toEqual([
      ['event', 'fault start: bitFlip rate 0.0001 out at 0.0 s'],
      ['event', 'fault end: bitFlip out (20 ms)'],
    ]);
    recorder.close();
  });

  it('close() discards held bytes and clears its timers: nothing arrives afterwards', async () => {
    const r = await rig([{ type: 'latency', ms: 100, direction: 'in' }]);
    r.inner.emitData('never');
    expect(r.link.queuedBytes.in).toBe(5);
    await r.link.close();
    expect(r.link.queuedBytes.in).toBe(0);
    await sleep(150);
    expect(r.received).toEqual([]);
    await expect(r.link.write(Buffer.from('x'))).rejects.toBeInstanceOf(LinkClosedError);
  });

  it('a real link going down is passed up with its own cause, and queued bytes are dropped', async () => {
    const r = await rig([{ type: 'latency', ms: 100, direction: 'in' }]);
    const causes: (Error | undefined)[] = [];
    r.link.onDisconnect((c) => causes.push(c));
    r.inner.emitData('lost');
    r.inner.disconnect();
    expect(causes).toHaveLength(1);
    expect(causes[0]).toBeInstanceOf(LinkClosedError);
    expect(r.link.queuedBytes.in).toBe(0);
    await sleep(150);
    expect(r.received).toEqual([]);
  });

  it('wraps a TCP transport just the same', async () => {
    const server = net.createServer((s) => s.on('data', (d) => s.write(d)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    const controller = new FaultController([{ type: 'latency', ms: 60, direction: 'out' }], { seed: 1 });
    const link = new FaultyTransport(new TcpTransport({ port }), controller);
    try {
      await link.open();
      expect(link.type).toBe('tcp');
      const echoed = new Promise<number>((resolve) => link.onData(() => resolve(performance.now())));
      const t0 = performance.now();
      await link.write(Buffer.from('ping'));
      expect((await echoed) - t0).toBeGreaterThanOrEqual(59);
    } finally {
      await link.close();
      controller.stop();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
