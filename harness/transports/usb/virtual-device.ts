import { packetSizes } from './packets';
import type { VirtualUsbBus } from './virtual-bus';
import { buildConfigurations, findEndpoint, type InterfaceState, type VirtualDeviceSpec, type VirtualEndpointSpec } from './virtual-descriptors';
import type { WebUsbConfiguration, WebUsbControlSetup, WebUsbDevice, WebUsbDirection, WebUsbInResult, WebUsbOutResult } from './webusb';

/**
 * A virtual USB device. Two halves, as on a real bench:
 * - VirtualUsbGadget is the device itself — descriptors, firmware (a UsbFunction), endpoint
 *   FIFOs, halts — with a test-control API: plug it into a bus, unplug it, halt an endpoint,
 *   capture every packet as an analyser would, change how its firmware behaves;
 * - VirtualUsbDevice is the W3C USBDevice a host gets for one enumeration of it. It keeps the
 *   WebUSB rules (open before configuring, claim before transferring, AbortError on close,
 *   NotFoundError once unplugged) and the USB ones the transport has to get right: transfers
 *   go in packets of wMaxPacketSize, an IN transfer ends at a short packet (a zero-length one
 *   included) or when the host's length is filled, a packet longer than the descriptor allows
 *   is babble, a halted endpoint answers STALL until the host clears it, an interrupt endpoint
 *   gives one packet per polling interval.
 */
export interface FirmwareBehaviour {
  /** Packet size the firmware really uses on its IN endpoints, whatever its descriptors say (firmware built for another bus speed). */
  inPacketSize?: number;
  /** The firmware answers every Nth transfer on its OUT endpoints with STALL (0: never). */
  stallOutEvery?: number;
  /** The firmware leaves out the zero-length packet after a bulk IN transfer that fills its last packet. */
  dropZlp?: boolean;
  /** The firmware NAKs its OUT endpoints forever: nothing the host sends is taken. */
  nakOut?: boolean;
}

/** A control request's answer: data (IN), 'ok' (no data stage), or 'stall' (not supported). */
export type ControlReply = Buffer | 'ok' | 'stall';

/** The firmware behind the endpoints. */
export interface UsbFunction {
  /** A transfer arrived on an OUT endpoint: its packets up to and including a short one. */
  received?(endpointNumber: number, data: Buffer): void;
  /** A class or vendor control request; `data` for host-to-device, `length` the most the host takes back. */
  control?(setup: WebUsbControlSetup, data: Buffer | undefined, length: number): ControlReply;
  /** Plugged in or reset: the firmware starts afresh. */
  enumerated?(): void;
  /** Unplugged or reset: whatever the host had going is over. */
  detached?(): void;
}

/** One packet or handshake as a USB analyser lists it. */
export interface BusEvent {
  t_ms: number;
  direction: 'in' | 'out' | 'setup';
  endpointNumber: number;
  length: number;
  handshake: 'data' | 'stall' | 'babble';
}

/** WebUSB's BufferSource (a DOM type Node's typings do not have). */
type BytesSource = ArrayBuffer | ArrayBufferView;

const key = (direction: WebUsbDirection, endpointNumber: number) => `${direction}${endpointNumber}`;

export class VirtualUsbGadget {
  private handle: VirtualUsbDevice | undefined;
  private bus: VirtualUsbBus | undefined;
  private port: string | undefined;
  private readonly inQueues = new Map<number, Buffer[]>();
  private readonly outPartial = new Map<number, Buffer[]>();
  private readonly outCounts = new Map<number, number>();
  private readonly halts = new Set<string>();
  private capturing: BusEvent[] | undefined;
  /** What the firmware did that a host must cope with, for tests and the report. */
  readonly stats = { stallsSent: 0, zlpsSent: 0, zlpsDropped: 0 };
  /** Every class and vendor control request received, in order (test control). */
  readonly controlRequests: { setup: WebUsbControlSetup; data?: Buffer }[] = [];

  constructor(
    readonly spec: VirtualDeviceSpec,
    readonly fn: UsbFunction = {},
    public behaviour: FirmwareBehaviour = {},
  ) {}

  get attached(): boolean {
    return this.handle !== undefined;
  }

  /** The USBDevice of the current enumeration; undefined while unplugged. */
  get device(): VirtualUsbDevice | undefined {
    return this.handle;
  }

  get busPath(): string | undefined {
    return this.port;
  }

  /** Test control: plug into a bus. The device enumerates; a host sees a new USBDevice. */
  plugInto(bus: VirtualUsbBus): VirtualUsbDevice {
    if (this.handle) this.unplug();
    this.bus = bus;
    this.port ??= this.spec.busPath ?? bus.allocatePort();
    this.resetFirmware();
    this.handle = new VirtualUsbDevice(this);
    bus.plug(this.handle, this.port);
    this.fn.enumerated?.();
    return this.handle;
  }

  /** Test control: pull the cable. Transfers in flight fail, the bus reports the detach. */
  unplug(): void {
    const handle = this.handle;
    if (!handle) return;
    this.handle = undefined;
    handle.lose();
    this.bus?.unplug(handle);
    this.resetFirmware();
    this.fn.detached?.();
  }

  /** Test control: plug back into the bus it was last on, on the same port. */
  replug(): VirtualUsbDevice {
    if (!this.bus) throw new Error('the gadget was never plugged into a bus');
    return this.plugInto(this.bus);
  }

  /** Test control: halt an endpoint; the host gets STALL on it until it clears the halt. */
  halt(direction: WebUsbDirection, endpointNumber: number): void {
    this.halts.add(key(direction, endpointNumber));
    if (direction === 'in') this.handle?.pump(endpointNumber);
  }

  isHalted(direction: WebUsbDirection, endpointNumber: number): boolean {
    return this.halts.has(key(direction, endpointNumber));
  }

  /** Test control: record every packet from now on, as a bus analyser would. */
  startCapture(): BusEvent[] {
    this.capturing = [];
    return this.capturing;
  }

  stopCapture(): void {
    this.capturing = undefined;
  }

  /**
   * Firmware: queue a transfer on an IN endpoint, cut into the packets the firmware uses, with
   * a zero-length packet after a bulk transfer that fills its last one (unless `dropZlp`).
   * Interrupt transfers have a fixed length the host asks for, so they need none.
   */
  send(endpointNumber: number, data: Buffer): void {
    const handle = this.handle;
    const endpoint = handle?.endpointSpec('in', endpointNumber);
    if (!handle || !endpoint) return; // unpowered, or no such endpoint: the bytes go nowhere
    const size = this.behaviour.inPacketSize ?? endpoint.packetSize;
    const queue = this.inQueues.get(endpointNumber) ?? [];
    this.inQueues.set(endpointNumber, queue);
    for (let offset = 0; offset < data.length; offset += size) queue.push(Buffer.from(data.subarray(offset, offset + size)));
    const fillsLastPacket = data.length === 0 || data.length % size === 0;
    if (endpoint.type === 'bulk' && fillsLastPacket) {
      if (this.behaviour.dropZlp && data.length > 0) this.stats.zlpsDropped++;
      else {
        queue.push(Buffer.alloc(0));
        this.stats.zlpsSent++;
      }
    }
    handle.pump(endpointNumber);
  }

  /** Bytes the firmware has queued on an IN endpoint that the host has not read yet. */
  queuedIn(endpointNumber: number): number {
    return (this.inQueues.get(endpointNumber) ?? []).reduce((n, p) => n + p.length, 0);
  }

  /** @internal Whether a packet waits on an IN endpoint (a zero-length one counts). */
  hasPacket(endpointNumber: number): boolean {
    return (this.inQueues.get(endpointNumber)?.length ?? 0) > 0;
  }

  /** @internal The next packet the firmware has for an IN endpoint. */
  takePacket(endpointNumber: number): Buffer | undefined {
    return this.inQueues.get(endpointNumber)?.shift();
  }

  /** @internal A host transfer on an OUT endpoint reaches the firmware: taken, stalled or NAKed. */
  receiveTransfer(endpoint: VirtualEndpointSpec, data: Buffer): 'ok' | 'stall' | 'nak' {
    const n = endpoint.endpointNumber;
    if (this.behaviour.nakOut) return 'nak';
    if (this.isHalted('out', n)) {
      this.record('out', n, 0, 'stall');
      return 'stall';
    }
    const count = (this.outCounts.get(n) ?? 0) + 1;
    this.outCounts.set(n, count);
    const every = this.behaviour.stallOutEvery ?? 0;
    if (every > 0 && count % every === 0) {
      this.halts.add(key('out', n));
      this.stats.stallsSent++;
      this.record('out', n, 0, 'stall');
      return 'stall';
    }
    const partial = this.outPartial.get(n) ?? [];
    this.outPartial.set(n, partial);
    let offset = 0;
    // The host controller cuts the transfer at the descriptor's packet size; a short packet ends it for the firmware.
    for (const size of packetSizes(data.length, endpoint.packetSize, false)) {
      const packet = data.subarray(offset, offset + size);
      offset += size;
      this.record('out', n, size, 'data');
      partial.push(packet);
      if (size < endpoint.packetSize) {
        const transfer = Buffer.concat(partial.splice(0));
        const handle = this.handle;
        setImmediate(() => {
          if (this.handle === handle) this.fn.received?.(n, transfer);
        });
      }
    }
    return 'ok';
  }

  /** @internal */
  clearHalt(direction: WebUsbDirection, endpointNumber: number): void {
    this.halts.delete(key(direction, endpointNumber));
  }

  /** @internal A bus reset from the host: the firmware starts again, still plugged in. */
  busReset(): void {
    this.resetFirmware();
    this.fn.detached?.();
    this.fn.enumerated?.();
  }

  /** @internal */
  record(direction: BusEvent['direction'], endpointNumber: number, length: number, handshake: BusEvent['handshake']): void {
    this.capturing?.push({ t_ms: performance.now(), direction, endpointNumber, length, handshake });
  }

  private resetFirmware(): void {
    this.inQueues.clear();
    this.outPartial.clear();
    this.outCounts.clear();
    this.halts.clear();
  }
}

interface PendingIn {
  length: number;
  chunks: Buffer[];
  received: number;
  resolve(result: WebUsbInResult): void;
  reject(err: Error): void;
}

const domError = (name: string, message: string) => new DOMException(message, name);

export class VirtualUsbDevice implements WebUsbDevice {
  readonly usbVersionMajor = 2;
  readonly usbVersionMinor = 0;
  readonly usbVersionSubminor = 0;
  readonly deviceClass: number;
  readonly deviceSubclass: number;
  readonly deviceProtocol: number;
  readonly vendorId: number;
  readonly productId: number;
  readonly deviceVersionMajor: number;
  readonly deviceVersionMinor: number;
  readonly deviceVersionSubminor: number;
  readonly manufacturerName: string | null;
  readonly productName: string | null;
  readonly serialNumber: string | null;
  readonly configurations: WebUsbConfiguration[];
  private configurationValue: number | undefined;
  private opened_ = false;
  private gone = false;
  private readonly claimed = new Set<number>();
  private readonly alternates = new Map<number, number>();
  private readonly pendingIn = new Map<number, PendingIn[]>();
  private readonly nakedOut = new Set<(err: Error) => void>();
  private readonly nextPollAt = new Map<number, number>();
  private readonly scheduled = new Set<number>();
  private readonly state: InterfaceState = {
    claimed: (n) => this.claimed.has(n),
    alternate: (n) => this.alternates.get(n) ?? 0,
  };

  constructor(private readonly gadget: VirtualUsbGadget) {
    const s = gadget.spec;
    this.vendorId = s.vendorId;
    this.productId = s.productId;
    this.deviceClass = s.deviceClass ?? 0;
    this.deviceSubclass = s.deviceSubclass ?? 0;
    this.deviceProtocol = s.deviceProtocol ?? 0;
    [this.deviceVersionMajor, this.deviceVersionMinor, this.deviceVersionSubminor] = s.deviceVersion ?? [1, 0, 0];
    this.manufacturerName = s.manufacturerName ?? null;
    this.productName = s.productName ?? null;
    this.serialNumber = s.serialNumber ?? null;
    this.configurations = buildConfigurations(s, this.state);
    // As on Linux: the kernel sets the first configuration when the device enumerates.
    this.configurationValue = s.configurations[0]?.configurationValue;
  }

  get opened(): boolean {
    return this.opened_;
  }

  get configuration(): WebUsbConfiguration | null {
    return this.configurations.find((c) => c.configurationValue === this.configurationValue) ?? null;
  }

  async open(): Promise<void> {
    this.alive();
    this.opened_ = true;
  }

  async close(): Promise<void> {
    if (!this.opened_) return;
    this.opened_ = false;
    this.claimed.clear();
    this.abortAll(domError('AbortError', 'The transfer was cancelled.'));
  }

  async forget(): Promise<void> {
    await this.close();
  }

  async selectConfiguration(configurationValue: number): Promise<void> {
    this.usable();
    if (!this.configurations.some((c) => c.configurationValue === configurationValue)) throw domError('NotFoundError', 'The configuration value provided is not supported by the device.');
    this.abortAll(domError('AbortError', 'The transfer was cancelled.'));
    this.claimed.clear();
    this.alternates.clear();
    this.configurationValue = configurationValue;
  }

  async claimInterface(interfaceNumber: number): Promise<void> {
    this.configured();
    if (!this.configuration?.interfaces.some((i) => i.interfaceNumber === interfaceNumber)) throw domError('NotFoundError', 'The interface number provided is not supported by the device in its current configuration.');
    this.claimed.add(interfaceNumber);
  }

  async releaseInterface(interfaceNumber: number): Promise<void> {
    this.configured();
    this.claimed.delete(interfaceNumber);
  }

  async selectAlternateInterface(interfaceNumber: number, alternateSetting: number): Promise<void> {
    this.configured();
    if (!this.claimed.has(interfaceNumber)) throw domError('InvalidStateError', 'The interface must be claimed before an alternate setting can be selected.');
    const iface = this.configuration?.interfaces.find((i) => i.interfaceNumber === interfaceNumber);
    if (!iface?.alternates.some((a) => a.alternateSetting === alternateSetting)) throw domError('NotFoundError', 'The alternate setting provided is not supported by the device.');
    this.alternates.set(interfaceNumber, alternateSetting);
  }

  async controlTransferIn(setup: WebUsbControlSetup, length: number): Promise<WebUsbInResult> {
    this.checkRecipient(setup);
    this.gadget.record('setup', 0, length, 'data');
    const reply = this.control(setup, undefined, length);
    await later();
    if (reply === 'stall') return { status: 'stall' };
    const data = reply === 'ok' ? Buffer.alloc(0) : Buffer.from(reply.subarray(0, length));
    return { status: 'ok', data: new DataView(data.buffer, data.byteOffset, data.byteLength) };
  }

  async controlTransferOut(setup: WebUsbControlSetup, data?: BytesSource): Promise<WebUsbOutResult> {
    this.checkRecipient(setup);
    const bytes = data === undefined ? Buffer.alloc(0) : toBuffer(data);
    this.gadget.record('setup', 0, bytes.length, 'data');
    const reply = this.control(setup, bytes, 0);
    await later();
    return reply === 'stall' ? { status: 'stall', bytesWritten: 0 } : { status: 'ok', bytesWritten: bytes.length };
  }

  async clearHalt(direction: WebUsbDirection, endpointNumber: number): Promise<void> {
    this.endpoint(direction, endpointNumber);
    this.gadget.clearHalt(direction, endpointNumber);
    if (direction === 'in') this.pump(endpointNumber);
  }

  transferIn(endpointNumber: number, length: number): Promise<WebUsbInResult> {
    try {
      this.endpoint('in', endpointNumber);
    } catch (err) {
      return Promise.reject(err);
    }
    return new Promise((resolve, reject) => {
      const queue = this.pendingIn.get(endpointNumber) ?? [];
      this.pendingIn.set(endpointNumber, queue);
      queue.push({ length, chunks: [], received: 0, resolve, reject });
      this.pump(endpointNumber);
    });
  }

  transferOut(endpointNumber: number, data: BytesSource): Promise<WebUsbOutResult> {
    let endpoint: VirtualEndpointSpec;
    try {
      endpoint = this.endpoint('out', endpointNumber);
    } catch (err) {
      return Promise.reject(err);
    }
    const bytes = Buffer.from(toBuffer(data));
    return new Promise((resolve, reject) => {
      const decision = this.gadget.receiveTransfer(endpoint, bytes);
      if (decision === 'nak') {
        // Never completes: the host's timeout, a close or an unplug ends it.
        this.nakedOut.add(reject);
        return;
      }
      setImmediate(() => resolve(decision === 'stall' ? { status: 'stall', bytesWritten: 0 } : { status: 'ok', bytesWritten: bytes.length }));
    });
  }

  isochronousTransferIn(): Promise<USBIsochronousInTransferResult> {
    return Promise.reject(domError('NotSupportedError', 'The virtual USB device has no isochronous endpoints.'));
  }

  isochronousTransferOut(): Promise<USBIsochronousOutTransferResult> {
    return Promise.reject(domError('NotSupportedError', 'The virtual USB device has no isochronous endpoints.'));
  }

  async reset(): Promise<void> {
    this.usable();
    this.abortAll(domError('AbortError', 'The transfer was cancelled by a device reset.'));
    this.gadget.busReset();
  }

  /** @internal The gadget was unplugged: this USBDevice is dead for good. */
  lose(): void {
    this.gone = true;
    this.opened_ = false;
    this.abortAll(domError('NotFoundError', 'The device was disconnected.'));
  }

  /** @internal The descriptor of an endpoint in the active configuration and alternates. */
  endpointSpec(direction: WebUsbDirection, endpointNumber: number): VirtualEndpointSpec | undefined {
    if (this.configurationValue === undefined) return undefined;
    return findEndpoint(this.gadget.spec, this.configurationValue, this.state, direction, endpointNumber)?.endpoint;
  }

  /** @internal Data or a halt on an IN endpoint: serve the host's waiting transfers, never in the caller's stack. */
  pump(endpointNumber: number): void {
    if (this.scheduled.has(endpointNumber)) return;
    this.scheduled.add(endpointNumber);
    setImmediate(() => this.serveIn(endpointNumber));
  }

  private serveIn(endpointNumber: number): void {
    this.scheduled.delete(endpointNumber);
    const waiting = this.pendingIn.get(endpointNumber);
    const endpoint = this.endpointSpec('in', endpointNumber);
    if (!waiting?.length || !endpoint) return;
    if (this.gadget.isHalted('in', endpointNumber)) {
      for (const t of waiting.splice(0)) {
        this.gadget.record('in', endpointNumber, 0, 'stall');
        t.resolve({ status: 'stall' });
      }
      return;
    }
    while (waiting.length > 0 && this.gadget.hasPacket(endpointNumber)) {
      if (endpoint.type === 'interrupt') {
        // One packet per polling interval, as the host controller schedules interrupt transactions.
        const now = performance.now();
        const due = this.nextPollAt.get(endpointNumber) ?? 0;
        if (now < due) {
          this.scheduled.add(endpointNumber);
          setTimeout(() => this.serveIn(endpointNumber), due - now);
          return;
        }
        this.nextPollAt.set(endpointNumber, now + (endpoint.intervalMs ?? 1));
      }
      const t = waiting[0] as PendingIn;
      const packet = this.gadget.takePacket(endpointNumber) as Buffer;
      if (packet.length > endpoint.packetSize || t.received + packet.length > t.length) {
        // More than a packet may carry (or than the host asked for): the host controller flags babble.
        this.gadget.record('in', endpointNumber, packet.length, 'babble');
        waiting.shift();
        const data = Buffer.concat([...t.chunks, packet]).subarray(0, t.length);
        t.resolve({ status: 'babble', data: view(data) });
        continue;
      }
      this.gadget.record('in', endpointNumber, packet.length, 'data');
      t.chunks.push(packet);
      t.received += packet.length;
      if (packet.length < endpoint.packetSize || t.received === t.length) {
        waiting.shift();
        t.resolve({ status: 'ok', data: view(Buffer.concat(t.chunks)) });
      }
    }
  }

  private control(setup: WebUsbControlSetup, data: Buffer | undefined, length: number): ControlReply {
    if (setup.requestType === 'standard') {
      // GET_STATUS: self-powered no, remote wake-up no. The other standard requests are the host stack's business.
      return setup.request === 0x00 && data === undefined ? Buffer.from([0, 0]) : 'stall';
    }
    this.gadget.controlRequests.push({ setup: { ...setup }, ...(data && data.length ? { data: Buffer.from(data) } : {}) });
    return this.gadget.fn.control?.(setup, data, length) ?? 'stall';
  }

  private checkRecipient(setup: WebUsbControlSetup): void {
    this.usable();
    if (setup.recipient === 'interface') {
      this.configured();
      if (!this.claimed.has(setup.index & 0xff)) throw domError('InvalidStateError', 'The interface a control request is addressed to must be claimed first.');
    }
  }

  private endpoint(direction: WebUsbDirection, endpointNumber: number): VirtualEndpointSpec {
    this.configured();
    const found = this.configurationValue === undefined ? undefined : findEndpoint(this.gadget.spec, this.configurationValue, this.state, direction, endpointNumber);
    if (!found || !this.claimed.has(found.interfaceNumber)) throw domError('NotFoundError', 'The specified endpoint is not part of a claimed and selected alternate interface.');
    return found.endpoint;
  }

  private alive(): void {
    if (this.gone) throw domError('NotFoundError', 'The device was disconnected.');
  }

  private usable(): void {
    this.alive();
    if (!this.opened_) throw domError('InvalidStateError', 'The device must be opened first.');
  }

  private configured(): void {
    this.usable();
    if (this.configurationValue === undefined) throw domError('InvalidStateError', 'The device must have a configuration selected.');
  }

  private abortAll(err: Error): void {
    for (const queue of this.pendingIn.values()) for (const t of queue.splice(0)) t.reject(err);
    for (const reject of this.nakedOut) reject(err);
    this.nakedOut.clear();
  }
}

function toBuffer(data: BytesSource): Buffer {
  if (data instanceof ArrayBuffer) return Buffer.from(data);
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

function view(data: Buffer): DataView {
  const copy = Buffer.from(data);
  return new DataView(copy.buffer, copy.byteOffset, copy.byteLength);
}

function later(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}
