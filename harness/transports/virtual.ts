import { DeviceUnreachableError, LinkClosedError } from '../errors';
import { TransportListeners } from './listeners';
import type { DataListener, DisconnectListener, LineRate, Transport } from './transport';

/**
 * An in-memory link. `createVirtualPair()` gives two ends; what one writes the other receives,
 * asynchronously (like a real link, never in the writer's call stack). Test controls let a
 * test inject bytes, record writes, and pull the cable.
 */
export interface VirtualEndOptions {
  name?: string;
  /** Pretend line rate, so wire-time floors can be computed in tests. */
  bitsPerSecond?: number;
  /** Refuse open() as if nothing were there. */
  refuseOpen?: boolean;
}

export class VirtualTransport implements Transport {
  readonly type = 'virtual';
  readonly endpoint: string;
  readonly lineRate?: LineRate;
  peer: VirtualTransport | undefined;
  /** Test control: every buffer written through this end, in order. */
  readonly recording: Buffer[] = [];
  private open_ = false;
  private readonly listeners = new TransportListeners();

  constructor(private readonly options: VirtualEndOptions = {}) {
    this.endpoint = `virtual ${options.name ?? 'link'}`;
    if (options.bitsPerSecond) this.lineRate = { bitsPerSecond: options.bitsPerSecond, bitsPerCharacter: 10 };
  }

  get isOpen(): boolean {
    return this.open_;
  }

  /** For named endpoints: finds the server and pairs with a fresh far end at every open. */
  connector: ((self: VirtualTransport) => boolean) | undefined;

  async open(): Promise<void> {
    if (this.connector && !this.connector(this)) {
      throw new DeviceUnreachableError(`could not connect to ${this.endpoint}: nothing at the other end`);
    }
    if (this.options.refuseOpen) {
      throw new DeviceUnreachableError(`could not connect to ${this.endpoint}: nothing at the other end`);
    }
    this.open_ = true;
    this.listeners.rearm();
  }

  async write(data: Buffer): Promise<void> {
    if (!this.open_) throw new LinkClosedError(`cannot send to ${this.endpoint}: the link is closed`);
    const copy = Buffer.from(data);
    this.recording.push(copy);
    const peer = this.peer;
    if (peer) setImmediate(() => peer.deliver(copy));
  }

  async close(): Promise<void> {
    this.open_ = false;
    // A named connection is gone for good once closed, as a closed socket is: what its far end
    // still sends must not reach the next connection this end opens.
    if (this.connector && this.peer) this.peer.peer = undefined;
  }

  onData(listener: DataListener): () => void {
    return this.listeners.onData(listener);
  }

  onDisconnect(listener: DisconnectListener): () => void {
    return this.listeners.onDisconnect(listener);
  }

  /** Test control: bytes arrive at this end as if the peer had sent them. */
  emitData(data: Buffer | string): void {
    this.deliver(Buffer.isBuffer(data) ? data : Buffer.from(data, 'binary'));
  }

  /** Test control: the cable is pulled; both ends see a disconnect. */
  disconnect(cause: Error = new LinkClosedError(`${this.endpoint}: link dropped`)): void {
    for (const end of [this, this.peer]) {
      if (!end || !end.open_) continue;
      end.open_ = false;
      end.listeners.emitDisconnect(cause);
    }
  }

  /** Test control: the last buffer written through this end. */
  get lastWrite(): Buffer | undefined {
    return this.recording[this.recording.length - 1];
  }

  private deliver(chunk: Buffer): void {
    if (this.open_) this.listeners.emitData(chunk);
  }
}

export function createVirtualPair(options: VirtualEndOptions = {}): [VirtualTransport, VirtualTransport] {
  const a = new VirtualTransport({ ...options, name: `${options.name ?? 'link'}:a` });
  const b = new VirtualTransport({ ...options, name: `${options.name ?? 'link'}:b` });
  a.peer = b;
  b.peer = a;
  return [a, b];
}

/**
 * Named virtual endpoints, so a device profile can say `{"type": "virtual", "name": "x"}` and
 * reach an in-process peer (a test double or an in-process emulator) that called `serve("x")`.
 */
const served = new Map<string, (peerEnd: VirtualTransport) => void>();

export function serveVirtual(name: string, accept: (peerEnd: VirtualTransport) => void): () => void {
  served.set(name, accept);
  return () => served.delete(name);
}

export function connectVirtual(name: string, options: VirtualEndOptions = {}): VirtualTransport {
  const near = new VirtualTransport({ ...options, name });
  // Like dialling a TCP port: each open() reaches whoever serves the name now, with a new
  // far end, so a channel can reconnect after the peer restarted.
  near.connector = (self) => {
    const accept = served.get(name);
    if (!accept) return false;
    const far = new VirtualTransport({ ...options, name: `${name}:device` });
    self.peer = far;
    far.peer = self;
    void far.open();
    accept(far);
    return true;
  };
  return near;
}
