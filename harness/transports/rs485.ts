/**
 * The `rs485` transport: one addressed device on a half-duplex multi-drop bus (rs485-bus.ts)
 * on a serial port. Every interface of a profile that names the same port shares one bus, so
 * several terminals on one pair of wires are several interfaces with different addresses.
 */
import { LinkClosedError, PoshilError } from '../errors';
import { Rs485Bus, type BusSettings, type BusStation } from './rs485-bus';
import { bitsPerCharacter, SerialTransport, type SerialOptions } from './serial';
import type { DataListener, DisconnectListener, LineRate, Transport } from './transport';

export interface Rs485Options extends SerialOptions, BusSettings {
  address: number;
}

/** Line settings every device on one bus must agree on. */
const SHARED = ['baudRate', 'dataBits', 'stopBits', 'parity', 'turnaroundMs', 'idleGapMs', 'rtsControl', 'rtsActiveLow', 'echo'] as const;

const buses = new Map<string, { bus: Rs485Bus; options: Rs485Options }>();

/** The bus on `options.path`, opened once for every device on it. */
function busFor(options: Rs485Options): Rs485Bus {
  const known = buses.get(options.path);
  if (known) {
    for (const k of SHARED) {
      if (known.options[k] !== options[k]) {
        throw new PoshilError(
          'BUS_CONFIG',
          `two rs485 interfaces on ${options.path} disagree on ${k} (${String(known.options[k])} and ${String(options[k])}): devices on one bus share one line`,
          { exitCode: 2 },
        );
      }
    }
    return known.bus;
  }
  const line = new SerialTransport(options);
  const bus = new Rs485Bus(line, options);
  buses.set(options.path, { bus, options });
  line.onDisconnect(() => buses.delete(options.path));
  return bus;
}

export class Rs485Transport implements Transport {
  readonly type = 'rs485';
  readonly lineRate: LineRate;
  private station: BusStation | undefined;
  private bus: Rs485Bus | undefined;
  private readonly pendingData: DataListener[] = [];
  private readonly pendingDisconnect: DisconnectListener[] = [];

  constructor(private readonly options: Rs485Options) {
    this.lineRate = { bitsPerSecond: options.baudRate ?? 9600, bitsPerCharacter: bitsPerCharacter(options) };
  }

  get endpoint(): string {
    return `${this.options.path} rs485 address ${this.options.address}`;
  }

  get isOpen(): boolean {
    return this.station?.isOpen ?? false;
  }

  /** Counters of the bus this device is on (collisions, foreign transmissions, echo). */
  get busStats() {
    return this.bus?.stats;
  }

  async open(): Promise<void> {
    if (!this.station) {
      this.bus = busFor(this.options);
      this.station = this.bus.station(this.options.address);
      for (const l of this.pendingData.splice(0)) this.station.onData(l);
      for (const l of this.pendingDisconnect.splice(0)) this.station.onDisconnect(l);
    }
    await this.station.open();
  }

  write(data: Buffer): Promise<void> {
    if (!this.station) return this.notOpen();
    return this.station.write(data);
  }

  async close(): Promise<void> {
    await this.station?.close();
  }

  onData(listener: DataListener): () => void {
    if (this.station) return this.station.onData(listener);
    this.pendingData.push(listener);
    return () => {
      const i = this.pendingData.indexOf(listener);
      if (i >= 0) this.pendingData.splice(i, 1);
    };
  }

  onDisconnect(listener: DisconnectListener): () => void {
    if (this.station) return this.station.onDisconnect(listener);
    this.pendingDisconnect.push(listener);
    return () => {
      const i = this.pendingDisconnect.indexOf(listener);
      if (i >= 0) this.pendingDisconnect.splice(i, 1);
    };
  }

  private notOpen(): Promise<void> {
    return Promise.reject(new LinkClosedError(`cannot send to ${this.endpoint}: the link is not open`));
  }
}
