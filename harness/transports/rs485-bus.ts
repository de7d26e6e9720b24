/**
 * A half-duplex RS485 multi-drop bus, master side: several addressed devices share one pair
 * of wires, so only one station may drive the line at a time.
 *
 * Line discipline (the convention of Modbus RTU and of most retail multi-drop buses):
 *
 *     [address] payload…     one transmission; a silence of at least `idleGapMs` ends it
 *
 * - The master starts each transmission with the address of the device it talks to; a device
 *   answers with its own address first, so the master knows who spoke.
 * - Turnaround: the master does not drive the bus until `turnaroundMs` of silence have passed
 *   after the last byte it heard (a device needs that long to release its driver), and keeps
 *   `idleGapMs` between two transmissions of its own.
 * - RTS direction control (`rtsControl`): adapters without automatic driver switching enable
 *   their driver with RTS; the bus raises RTS before a transmission and drops it only once the
 *   last stop bit has left (after tcdrain and the bytes' wire time).
 * - Echo (`echo`): many adapters hear their own transmission. The bus expects those bytes back
 *   and removes them from what the stations receive; a byte that comes back different means
 *   another station drove the line at the same time — a collision.
 * - Collision detection without echo: bytes arriving while the master is still transmitting
 *   can only come from a station talking out of turn; that transmission fails with
 *   BusCollisionError, as it would be garbled on a real bus.
 *
 * The line under the bus is anything with the BusLine shape: a SerialTransport in use, a fake
 * in tests.
 */
import { LinkClosedError, PoshilError } from '../errors';
import { TransportListeners } from './listeners';
import { wireTimeSeconds, type DataListener, type DisconnectListener, type LineRate, type Transport } from './transport';

export interface BusLine {
  readonly endpoint: string;
  readonly lineRate: LineRate;
  readonly isOpen: boolean;
  open(): Promise<void>;
  close(): Promise<void>;
  write(bytes: Buffer): Promise<void>;
  /** Resolves once the OS has sent everything written. */
  drain(): Promise<void>;
  setRts?(active: boolean): Promise<void>;
  onData(listener: DataListener): () => void;
  onDisconnect(listener: DisconnectListener): () => void;
}

export interface BusSettings {
  /** Silence after the last byte heard before the master drives the bus, ms. Default 2. */
  turnaroundMs?: number;
  /** Silence that ends a transmission, ms. Default: 3.5 character times, at least 2 ms. */
  idleGapMs?: number;
  /** Switch the adapter's driver with RTS. Default false (adapters with automatic direction). */
  rtsControl?: boolean;
  /** RTS low enables the driver (inverted adapters). Default false. */
  rtsActiveLow?: boolean;
  /** The adapter hears its own transmissions. Default false. */
  echo?: boolean;
}

export interface BusStats {
  transmissions: number;
  /** Transmissions heard from stations, whatever their address. */
  received: number;
  collisions: number;
  /** Transmissions from an address no station on this side listens to. */
  foreignTransmissions: number;
  /** Bytes that came back from the adapter as our own echo and were removed. */
  echoBytes: number;
}

/**
 * How long after the wire time the echo of our last byte may still arrive. USB adapters hold
 * received bytes up to their latency timer (16 ms by default on FTDI chips) and a loaded host
 * adds its own delay; waiting ends as soon as the echo is in, so a generous limit costs nothing
 * on a healthy line, while a short one would misread a late echo as a station's answer.
 */
const ECHO_GRACE_MS = 250;

/** Highest device address; 0 is reserved (broadcast in the Modbus convention). */
export const MAX_ADDRESS = 247;

export class BusCollisionError extends PoshilError {
  constructor(message: string) {
    super('BUS_COLLISION', message);
  }
}

export interface BusClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const realClock: BusClock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

interface Transmitting {
  until: number;
  failure?: Error;
}

export class Rs485Bus {
  readonly stats: BusStats = { transmissions: 0, received: 0, collisions: 0, foreignTransmissions: 0, echoBytes: 0 };
  readonly turnaroundMs: number;
  readonly idleGapMs: number;
  private readonly stations = new Map<number, BusStation>();
  private openStations = 0;
  private opening: Promise<void> | undefined;
  private detach: (() => void)[] = [];
  private queue: Promise<unknown> = Promise.resolve();
  private lastHeardAt = -Infinity;
  private lastSentAt = -Infinity;
  /** Address of the transmission being received; -1 while discarding a garbled one. */
  private speaking: number | undefined;
  private echoExpected: number[] = [];
  private transmitting: Transmitting | undefined;
  private echoDone: (() => void) | undefined;

  constructor(
    readonly line: BusLine,
    private readonly settings: BusSettings = {},
    private readonly clock: BusClock = realClock,
  ) {
    const charMs = wireTimeSeconds(1, line.lineRate) * 1000;
    this.turnaroundMs = settings.turnaroundMs ?? 2;
    this.idleGapMs = settings.idleGapMs ?? Math.max(2, 3.5 * charMs);
  }

  get endpoint(): string {
    return `${this.line.endpoint} rs485`;
  }

  /** The transport for the device at `address` (one per address). */
  station(address: number): BusStation {
    if (!Number.isInteger(address) || address < 1 || address > MAX_ADDRESS) {
      throw new PoshilError('BUS_ADDRESS', `RS485 address ${address} is not a device address: use 1 to ${MAX_ADDRESS}`, { exitCode: 2 });
    }
    let s = this.stations.get(address);
    if (!s) {
      s = new BusStation(this, address);
      this.stations.set(address, s);
    }
    return s;
  }

  /** @internal A station opens: the first one opens the line. */
  async attach(): Promise<void> {
    this.openStations++;
    if (this.line.isOpen) return;
    this.opening ??= this.line.open().then(
      () => {
        this.opening = undefined;
        this.detach = [this.line.onData((c) => this.receive(c)), this.line.onDisconnect((cause) => this.lineLost(cause))];
      },
      (err: unknown) => {
        this.opening = undefined;
        throw err;
      },
    );
    try {
      await this.opening;
    } catch (err) {
      this.openStations--;
      throw err;
    }
  }

  /** @internal A station closes: the last one closes the line. */
  async release(): Promise<void> {
    this.openStations = Math.max(0, this.openStations - 1);
    if (this.openStations > 0) return;
    for (const d of this.detach.splice(0)) d();
    await this.line.close();
  }

  /**
   * @internal Sends `payload` to the device at `address` as one transmission, when the bus is
   * ours to drive; transmissions leave one at a time, in call order.
   */
  transmit(address: number, payload: Buffer): Promise<void> {
    const run = this.queue.then(() => this.transmitNow(address, payload));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async transmitNow(address: number, payload: Buffer): Promise<void> {
    if (!this.line.isOpen) throw new LinkClosedError(`cannot send on ${this.endpoint}: the port is closed`);
    const quietAt = Math.max(this.lastHeardAt + this.turnaroundMs, this.lastSentAt + this.idleGapMs);
    const wait = quietAt - this.clock.now();
    if (wait > 0) await this.clock.sleep(wait);
    const frame = Buffer.concat([Buffer.from([address]), payload]);
    const wireMs = wireTimeSeconds(frame.length, this.line.lineRate) * 1000;
    if (this.settings.rtsControl) await this.driveRts(true);
    const tx: Transmitting = { until: this.clock.now() + wireMs };
    this.transmitting = tx;
    if (this.settings.echo) this.echoExpected.push(...frame);
    try {
      await this.line.write(frame);
      await this.line.drain();
      // The driver stays on until the last stop bit has left the adapter, not just the OS.
      const left = tx.until - this.clock.now();
      if (left > 0) await this.clock.sleep(left);
      if (this.settings.echo && this.echoExpected.length > 0) {
        // The adapter's echo of the last bytes may trail the wire by a USB frame or two.
        await Promise.race([new Promise<void>((resolve) => (this.echoDone = resolve)), this.clock.sleep(this.idleGapMs + ECHO_GRACE_MS)]);
        this.echoDone = undefined;
        if (this.echoExpected.length > 0 && !tx.failure) {
          const missing = this.echoExpected.length;
          this.echoExpected = [];
          tx.failure = new BusCollisionError(
            `${this.endpoint}: ${missing} byte(s) of our own transmission never came back from the adapter (echo is on: is the adapter really echoing, and is the bus terminated?)`,
          );
        }
      }
    } finally {
      if (this.settings.rtsControl) await this.driveRts(false).catch(() => undefined);
      this.transmitting = undefined;
      this.lastSentAt = this.clock.now();
    }
    this.stats.transmissions++;
    if (tx.failure) throw tx.failure;
  }

  private async driveRts(enable: boolean): Promise<void> {
    if (!this.line.setRts) throw new PoshilError('BUS_RTS', `${this.endpoint}: RTS direction control is on, but this line has no RTS signal`);
    try {
      await this.line.setRts(this.settings.rtsActiveLow ? !enable : enable);
    } catch (err) {
      throw new PoshilError(
        'BUS_RTS',
        `${this.endpoint}: could not switch the driver with RTS (${(err as Error).message}); this port has no usable RTS line — use an adapter with automatic direction control and set "rtsControl": false`,
        { cause: err },
      );
    }
  }

  private receive(chunk: Buffer): void {
    const now = this.clock.now();
    let i = 0;
    // Our own echo first: it is the start of what the adapter hears.
    while (this.echoExpected.length > 0 && i < chunk.length) {
      const expected = this.echoExpected[0] as number;
      if (chunk[i] !== expected) {
        this.collision(`sent ${hex(expected)} but read back ${hex(chunk[i] as number)}: another station drove the bus at the same time`);
        this.echoExpected = [];
        this.speaking = -1;
        this.lastHeardAt = now;
        return;
      }
      this.echoExpected.shift();
      this.stats.echoBytes++;
      i++;
    }
    if (this.echoExpected.length === 0) this.echoDone?.();
    if (i >= chunk.length) return;
    const rest = chunk.subarray(i);
    if (this.transmitting && now < this.transmitting.until) {
      this.collision(`${rest.length} byte(s) arrived while we were transmitting: a station talked out of turn`);
      this.speaking = -1;
      this.lastHeardAt = now;
      return;
    }
    let data = rest;
    if (this.speaking === undefined || now - this.lastHeardAt >= this.idleGapMs) {
      // A new transmission: its first byte says who is talking.
      this.speaking = data[0] as number;
      data = data.subarray(1);
      this.stats.received++;
      if (!this.stations.has(this.speaking)) this.stats.foreignTransmissions++;
    }
    this.lastHeardAt = now;
    if (data.length > 0 && this.speaking >= 0) this.stations.get(this.speaking)?.deliver(data);
  }

  private collision(what: string): void {
    this.stats.collisions++;
    const tx = this.transmitting;
    if (tx && !tx.failure) tx.failure = new BusCollisionError(`collision on ${this.endpoint}: ${what}`);
  }

  private lineLost(cause: Error | undefined): void {
    for (const d of this.detach.splice(0)) d();
    this.openStations = 0;
    for (const s of this.stations.values()) s.lost(cause);
  }
}

/** One addressed device on the bus, seen as a poshil Transport. */
export class BusStation implements Transport {
  readonly type = 'rs485';
  private open_ = false;
  private readonly listeners = new TransportListeners();

  constructor(
    private readonly bus: Rs485Bus,
    readonly address: number,
  ) {}

  get endpoint(): string {
    return `${this.bus.endpoint} address ${this.address}`;
  }

  get lineRate(): LineRate {
    return this.bus.line.lineRate;
  }

  get isOpen(): boolean {
    return this.open_;
  }

  async open(): Promise<void> {
    if (this.open_) return;
    await this.bus.attach();
    this.listeners.rearm();
    this.open_ = true;
  }

  write(data: Buffer): Promise<void> {
    if (!this.open_) return Promise.reject(new LinkClosedError(`cannot send to ${this.endpoint}: the link is closed`));
    return this.bus.transmit(this.address, data);
  }

  async close(): Promise<void> {
    if (!this.open_) return;
    this.open_ = false;
    await this.bus.release();
  }

  onData(listener: DataListener): () => void {
    return this.listeners.onData(listener);
  }

  onDisconnect(listener: DisconnectListener): () => void {
    return this.listeners.onDisconnect(listener);
  }

  /** @internal */
  deliver(data: Buffer): void {
    if (this.open_) this.listeners.emitData(data);
  }

  /** @internal */
  lost(cause: Error | undefined): void {
    if (!this.open_) return;
    this.open_ = false;
    this.listeners.emitDisconnect(cause ?? new LinkClosedError(`${this.endpoint}: the bus line went down`));
  }
}

function hex(b: number): string {
  return b.toString(16).toUpperCase().padStart(2, '0');
}
