import type { LineRate } from '../../../harness/transports/transport';
import type { ServedLink } from './served-link';

/**
 * The emulated RS485 bus: the pair of wires and the terminals (stations) on it, behind one
 * serial line. It splits what the master sends into transmissions by silence, hands each to
 * the station it addresses, and puts each station's answer on the line behind the station's
 * address once the turnaround has passed.
 *
 * It also plays the physics a real half-duplex bus has, so that a badly behaved station shows
 * up the way it would on hardware:
 * - the master's driver stays on for `turnaroundMs` after its last byte, and the master's
 *   receiver is off while it drives: bytes a station sends inside that window are lost
 *   (the `rs485NoTurnaround` defect makes the stations answer at once);
 * - two stations driving the wires at the same time garble each other: a byte sent while
 *   another station's byte is on the wire arrives as the AND of both (the dominant state wins;
 *   the `rs485AnswersAll` defect makes every station answer every address);
 * - an adapter with `echo` hears its own transmission: the master's bytes come back to it.
 */
export interface EmulatedBusSettings {
  lineRate: LineRate;
  turnaroundMs: number;
  idleGapMs: number;
  echo: boolean;
  /** Stations answer without waiting the turnaround. */
  noTurnaround?: boolean;
  /** Every station takes every transmission as addressed to it. */
  answersAll?: boolean;
}

/** The line under the bus: received bytes arrive paced at the line rate, writes leave at once. */
export interface BusWire {
  onData(listener: (chunk: Buffer) => void): void;
  onClose(listener: () => void): void;
  writeNow(bytes: Buffer): void;
  readonly closed: boolean;
  destroy(): void;
}

interface OnAir {
  start: number;
  bytes: Buffer;
}

export class EmulatedRs485Bus {
  private readonly stations = new Map<number, Station>();
  private readonly charMs: number;
  private lastMasterByteAt = -Infinity;
  private listening: number | undefined;
  private onAir: OnAir[] = [];

  constructor(
    private readonly wire: BusWire,
    private readonly settings: EmulatedBusSettings,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.charMs = (settings.lineRate.bitsPerCharacter * 1000) / settings.lineRate.bitsPerSecond;
    wire.onData((chunk) => this.fromMaster(chunk));
    wire.onClose(() => {
      for (const s of this.stations.values()) s.closeListeners.forEach((l) => l());
    });
  }

  /** The terminal at `address`: its side of the bus, as a served link. */
  station(address: number): ServedLink {
    const s = new Station(address, (bytes) => this.transmit(s, bytes), this.wire);
    this.stations.set(address, s);
    return s;
  }

  private fromMaster(chunk: Buffer): void {
    const now = this.now();
    if (this.settings.echo) this.wire.writeNow(chunk);
    let data = chunk;
    if (this.listening === undefined || now - this.lastMasterByteAt >= this.settings.idleGapMs) {
      this.listening = data[0] as number;
      data = data.subarray(1);
    }
    this.lastMasterByteAt = now;
    if (data.length === 0) return;
    if (this.settings.answersAll) {
      for (const s of this.stations.values()) s.deliver(data);
    } else {
      this.stations.get(this.listening)?.deliver(data);
    }
  }

  private transmit(station: Station, payload: Buffer): void {
    if (this.wire.closed) return;
    const now = this.now();
    const turnaround = this.settings.noTurnaround ? 0 : this.settings.turnaroundMs;
    const start = Math.max(now, this.lastMasterByteAt + turnaround, station.txEnd + this.settings.idleGapMs);
    const tx: OnAir = { start, bytes: Buffer.concat([Buffer.from([station.address]), payload]) };
    const end = start + tx.bytes.length * this.charMs;
    station.txEnd = end;
    this.onAir.push(tx);
    // The master hears a transmission when its last character has arrived.
    setTimeout(() => this.land(tx), end - now);
  }

  /** What actually reaches the master of one transmission: masked by its own driver, garbled by others. */
  private land(tx: OnAir): void {
    const masterHoldEnd = this.lastMasterByteAt + this.settings.turnaroundMs;
    const out: number[] = [];
    for (let i = 0; i < tx.bytes.length; i++) {
      const t = tx.start + i * this.charMs;
      if (t >= this.lastMasterByteAt && t < masterHoldEnd) continue; // the master's receiver was still off
      let b = tx.bytes[i] as number;
      for (const other of this.onAir) {
        if (other === tx) continue;
        const j = Math.floor((t - other.start) / this.charMs);
        if (j >= 0 && j < other.bytes.length) b &= other.bytes[j] as number;
      }
      out.push(b);
    }
    // Keep what may still overlap a transmission that has not landed yet.
    const horizon = this.now() - 1000;
    this.onAir = this.onAir.filter((o) => o.start + o.bytes.length * this.charMs > horizon);
    if (out.length > 0 && !this.wire.closed) this.wire.writeNow(Buffer.from(out));
  }
}

class Station implements ServedLink {
  txEnd = -Infinity;
  readonly closeListeners: (() => void)[] = [];
  private readonly dataListeners: ((chunk: Buffer) => void)[] = [];

  constructor(
    readonly address: number,
    private readonly send: (bytes: Buffer) => void,
    private readonly wire: BusWire,
  ) {}

  onData(listener: (chunk: Buffer) => void): void {
    this.dataListeners.push(listener);
  }

  onClose(listener: () => void): void {
    this.closeListeners.push(listener);
  }

  write(bytes: Buffer): void {
    this.send(bytes);
  }

  get closed(): boolean {
    return this.wire.closed;
  }

  destroy(): void {
    this.wire.destroy();
  }

  deliver(chunk: Buffer): void {
    for (const l of this.dataListeners) l(chunk);
  }
}
