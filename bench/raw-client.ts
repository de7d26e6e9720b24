import net from 'node:net';
import path from 'node:path';
import { createFramer } from '../harness/framing/registry';
import type { FrameLink } from '../harness/framing/frame-link';
import { Iso8583Codec } from '../harness/protocols/iso8583/codec';
import { loadPackager } from '../harness/protocols/iso8583/packager';
import { Iso8583Session, StanSequence } from '../harness/protocols/iso8583/session';
import type { TransactionRequest } from '../harness/protocols/protocol';
import { LatencyHistogram } from '../harness/metrics/latency-histogram';
import type { DeviceProfile } from '../harness/suite/types';
import type { TcpEndpoint } from './device';
import { nowNs } from './stats';

/**
 * The baseline every network benchmark is measured against: the least a program can do to
 * get the same work out of the same emulator. Frames are encoded before timing starts (2-byte
 * binary length + the iso87ascii message, exactly as poshil frames them); the client writes
 * one, reads the 2-byte length of the answer and hands back the payload bytes undecoded.
 * No per-request timer: one watchdog per connection fails everything if the oldest request
 * waits longer than the timeout, so a dead emulator cannot hang a benchmark.
 */

/** A FrameLink that goes nowhere: the session is only used to build requests. */
const nowhere: FrameLink = {
  endpoint: 'nowhere',
  send: () => Promise.reject(new Error('not connected')),
  onFrame: () => () => undefined,
  onFramingError: () => () => undefined,
  onClose: () => () => undefined,
};

/**
 * `count` framed requests with consecutive STANs from `firstStan`, built by poshil's own
 * session (same fields, same packager) but with their own terminal id, so they never collide
 * in the emulator's journal with STANs poshil sends. A run that sends more than `count`
 * requests cycles through them: the emulator then answers a repeated terminal id + STAN from
 * its journal as a duplicate (a lookup instead of a booking), which is if anything cheaper
 * for the device and so does not flatter poshil.
 */
export function encodeRequestFrames(profile: DeviceProfile, request: TransactionRequest, count: number, options: { terminalId: string; firstStan?: number }): Buffer[] {
  const iface = profile.interfaces.ecr;
  const codec = new Iso8583Codec(loadPackager(iface.protocol.packager as string, path.dirname(profile.file)));
  const session = new Iso8583Session(nowhere, codec, { addPan: () => undefined }, {
    terminalId: options.terminalId,
    merchantId: iface.protocol.merchantId as string | undefined,
    currency: iface.protocol.currency as string | undefined,
    stans: new StanSequence(options.firstStan ?? 1),
  });
  const framer = createFramer(iface.framing);
  const frames: Buffer[] = [];
  for (let i = 0; i < count; i++) frames.push(framer.encode({ payload: codec.pack(session.buildRequest(request)) }));
  return frames;
}

/**
 * An endless supply of distinct requests for the raw client: a small ring of pre-encoded frames
 * whose STAN digits are rewritten in place before each send (six byte writes, no encoding), so
 * every request is a new sale to the emulator — as poshil's are. Cycling a fixed set instead
 * would make most raw requests repeats, which the emulator answers from its journal without
 * booking: less work for the device, and a baseline faster for the wrong reason.
 * The ring is long enough that a frame is rewritten only long after its bytes left.
 */
export class FreshFrames {
  private readonly ring: Buffer[];
  private readonly stanAt: number;
  private readonly stanBytes: number;
  private index = 0;
  private stan: number;

  constructor(profile: DeviceProfile, request: TransactionRequest, options: { terminalId: string; firstStan?: number; ring?: number }) {
    const encode = (stan: string) => encodeRequestFrames(profile, { ...request, stan }, 1, { terminalId: options.terminalId })[0]!;
    // Where the STAN sits: the bytes that differ between two frames that differ only in it.
    const a = encode('111111');
    const b = encode('222222');
    const differ = [...a.keys()].filter((i) => a[i] !== b[i]);
    if (a.length !== b.length || differ.length === 0 || differ.at(-1)! - differ[0]! + 1 !== differ.length || (differ.length !== 6 && differ.length !== 3)) {
      throw new Error('FreshFrames: cannot locate the STAN in the encoded frame (expected 6 ASCII digits or 3 BCD bytes)');
    }
    this.stanAt = differ[0]!;
    this.stanBytes = differ.length;
    this.ring = Array.from({ length: options.ring ?? 256 }, () => Buffer.from(a));
    this.stan = options.firstStan ?? 1;
  }

  /** The next frame, with the next STAN (000001…999999, then again from 000001). */
  next(): Buffer {
    const frame = this.ring[this.index]!;
    this.index = (this.index + 1) % this.ring.length;
    let v = this.stan;
    this.stan = v >= 999999 ? 1 : v + 1;
    if (this.stanBytes === 6) {
      for (let i = 5; i >= 0; i--, v = Math.floor(v / 10)) frame[this.stanAt + i] = 0x30 + (v % 10);
    } else {
      for (let i = 2; i >= 0; i--, v = Math.floor(v / 100)) frame[this.stanAt + i] = (Math.floor((v % 100) / 10) << 4) | v % 10;
    }
    return frame;
  }
}

interface Waiter {
  resolve: (payload: Buffer) => void;
  reject: (err: Error) => void;
  sentAtMs: number;
}

export class RawClient {
  private rest: Buffer | undefined;
  private readonly waiters: (Waiter | undefined)[] = [];
  private head = 0;
  private failed: Error | undefined;
  private readonly watchdog: NodeJS.Timeout;

  private constructor(
    private readonly socket: net.Socket,
    private readonly timeoutMs: number,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', (err) => this.failAll(err));
    socket.on('close', () => this.failAll(new Error('connection closed')));
    this.watchdog = setInterval(() => {
      const oldest = this.waiters[this.head];
      if (oldest && Date.now() - oldest.sentAtMs > this.timeoutMs) {
        this.failAll(new Error(`no response within ${this.timeoutMs} ms`));
        socket.destroy();
      }
    }, Math.min(500, timeoutMs));
    this.watchdog.unref();
  }

  static connect(endpoint: TcpEndpoint, timeoutMs = 2000): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: endpoint.host, port: endpoint.port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`could not connect to ${endpoint.host}:${endpoint.port} within ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(new RawClient(socket, timeoutMs));
      });
    });
  }

  get inFlight(): number {
    return this.waiters.length - this.head;
  }

  /** Sends one framed request; resolves with the response payload (length prefix removed). */
  transact(frame: Buffer): Promise<Buffer> {
    if (this.failed) return Promise.reject(this.failed);
    return new Promise((resolve, reject) => {
      this.waiters.push({ resolve, reject, sentAtMs: Date.now() });
      this.socket.write(frame);
    });
  }

  close(): Promise<void> {
    clearInterval(this.watchdog);
    if (this.socket.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      this.socket.once('close', () => resolve());
      this.socket.end();
      setTimeout(() => this.socket.destroy(), 500).unref();
    });
  }

  private receive(chunk: Buffer): void {
    const buf = this.rest ? Buffer.concat([this.rest, chunk]) : chunk;
    let offset = 0;
    while (buf.length - offset >= 2) {
      const length = buf.readUInt16BE(offset);
      if (buf.length - offset - 2 < length) break;
      const payload = buf.subarray(offset + 2, offset + 2 + length);
      offset += 2 + length;
      const waiter = this.waiters[this.head];
      if (!waiter) continue; // unsolicited: nobody asked
      this.waiters[this.head++] = undefined;
      if (this.head > 1024 && this.head * 2 > this.waiters.length) {
        this.waiters.splice(0, this.head);
        this.head = 0;
      }
      waiter.resolve(payload);
    }
    this.rest = offset < buf.length ? Buffer.from(buf.subarray(offset)) : undefined;
  }

  private failAll(err: Error): void {
    this.failed ??= err;
    clearInterval(this.watchdog);
    for (let i = this.head; i < this.waiters.length; i++) this.waiters[i]?.reject(err);
    this.waiters.length = 0;
    this.head = 0;
  }
}

export interface RawOpenLoopOptions {
  endpoint: TcpEndpoint;
  frames: readonly Buffer[];
  /** Arrivals per second, constant. */
  rate: number;
  durationMs: number;
  /** TCP connections; arrivals go round-robin. */
  connections: number;
  /** Requests outstanding per connection at most; later arrivals wait in that connection's backlog. */
  maxInFlight: number;
  /** An arrival that waited longer than this for a free slot is dropped (counted, never sent). */
  dropAfterMs: number;
  /** How long to wait for the last responses after the last arrival. */
  drainMs?: number;
}

export interface RawOpenLoopResult {
  offered: number;
  sent: number;
  completed: number;
  dropped: number;
  failed: number;
  offered_tps: number;
  achieved_tps: number;
  p50_ms: number | null;
  p99_ms: number | null;
  elapsed_s: number;
}

/**
 * Open-loop load with raw clients, with the same rules as poshil's stress kind so the two are
 * comparable: arrivals on a fixed schedule, round-robin over the connections, sent at once if
 * the connection has a free slot, else queued (dropped after dropAfterMs); latency from each
 * arrival's intended time (no coordinated omission); the next arrival awaited with a timer when
 * ≥ 1 ms away, else setImmediate. achieved = completed ÷ time of the last completion, offered =
 * arrivals over the span of intended times — the stress kind's definitions.
 * Bounded: rate × duration arrivals, then at most drainMs of waiting.
 */
export async function runRawOpenLoop(o: RawOpenLoopOptions): Promise<RawOpenLoopResult> {
  const clients: RawClient[] = [];
  try {
    for (let i = 0; i < o.connections; i++) clients.push(await RawClient.connect(o.endpoint));
    const histogram = new LatencyHistogram();
    const lanes = clients.map((client) => ({ client, inFlight: 0, backlog: [] as number[], head: 0 }));
    const total = Math.floor((o.rate * o.durationMs) / 1000);
    const intervalNs = 1e9 / o.rate;
    const dropAfterNs = o.dropAfterMs * 1e6;
    let next = 0;
    let frame = 0;
    let rr = 0;
    let sent = 0;
    let completed = 0;
    let dropped = 0;
    let failed = 0;
    let lastDone = 0;
    const start = nowNs();
    await new Promise<void>((resolve) => {
      let deadline = 0;
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        clearInterval(guard);
        resolve();
      };
      const idle = () => lanes.every((l) => l.inFlight === 0 && l.backlog.length === l.head);
      const send = (lane: (typeof lanes)[number], intended: number) => {
        lane.inFlight++;
        sent++;
        lane.client.transact(o.frames[frame++ % o.frames.length]).then(
          () => {
            lastDone = nowNs();
            completed++;
            histogram.recordNs(lastDone - intended);
          },
          () => {
            failed++;
          },
        ).finally(() => {
          lane.inFlight--;
          while (lane.inFlight < o.maxInFlight && lane.head < lane.backlog.length) {
            const waiting = lane.backlog[lane.head++];
            if (nowNs() - waiting > dropAfterNs) dropped++;
            else send(lane, waiting);
          }
          if (lane.head > 1024 && lane.head * 2 > lane.backlog.length) {
            lane.backlog = lane.backlog.slice(lane.head);
            lane.head = 0;
          }
          if (next >= total && idle()) finish();
        });
      };
      const pump = () => {
        const t = nowNs();
        while (next < total && start + next * intervalNs <= t) {
          const intended = start + next * intervalNs;
          next++;
          const lane = lanes[rr++ % lanes.length];
          if (lane.inFlight < o.maxInFlight && lane.backlog.length === lane.head) send(lane, intended);
          else lane.backlog.push(intended);
        }
        if (next >= total) {
          deadline = t + (o.drainMs ?? 2000) * 1e6;
          if (idle()) finish();
          return;
        }
        const waitMs = (start + next * intervalNs - nowNs()) / 1e6;
        if (waitMs >= 1) setTimeout(pump, Math.floor(waitMs));
        else setImmediate(pump);
      };
      // Bounds the drain: responses that never come must not hold the benchmark.
      const guard = setInterval(() => {
        if (deadline > 0 && nowNs() > deadline) finish();
      }, 100);
      pump();
    });
    for (const lane of lanes) dropped += lane.backlog.length - lane.head;
    const elapsedS = ((lastDone || nowNs()) - start) / 1e9;
    const span = total > 1 ? ((total - 1) * intervalNs) / 1e9 : 0;
    return {
      offered: total,
      sent,
      completed,
      dropped,
      failed,
      offered_tps: span > 0 ? (total - 1) / span : o.rate,
      achieved_tps: elapsedS > 0 ? completed / elapsedS : 0,
      p50_ms: histogram.percentileMs(50),
      p99_ms: histogram.percentileMs(99),
      elapsed_s: elapsedS,
    };
  } finally {
    await Promise.all(clients.map((c) => c.close()));
  }
}
