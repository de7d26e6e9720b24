import { DeviceUnreachableError, LinkClosedError, PoshilError } from '../../errors';
import { TransportListeners } from '../listeners';
import type { DataListener, DisconnectListener, NoteListener, Transport } from '../transport';
import { CdcRequest, DTR_RTS, encodeLineCoding, type LineCoding } from './cdc';
import { resolveEndpoints, type ResolvedEndpoints, type UsbLinkClass } from './endpoints';
import { endpointName, UsbBabbleError, UsbStallError, UsbTimeoutError } from './errors';
import { needsZeroLengthPacket, readLength, transferPieces } from './packets';
import { hostUsb, type UsbDeviceProvider } from './providers';
import { describeFilter, selectDevice } from './selection';
import { UsbClass, formatVidPid, type WebUsbDevice, type WebUsbEndpoint, type WebUsbInResult, type WebUsbOutResult } from './webusb';

/**
 * The `usb` transport: a byte link over a USB interface, on the W3C USBDevice API — bulk IN/OUT
 * for vendor-class and CDC data interfaces, interrupt IN (and OUT, or SET_REPORT) for HID
 * with its report size. Writes are cut into transfers of whole packets and ended with a
 * zero-length packet when they fill their last one; a read loop keeps one transfer pending
 * on the IN endpoint and hands each completed one on as a chunk.
 *
 * Problems are reported, never hidden: a STALL is cleared (clearHalt) and the write that got it
 * rejects with UsbStallError (the device refused that request; sending it again blindly could
 * deliver it twice); a STALL on IN is cleared and noted; babble and unplugging take the link
 * down with the cause; a transfer the device never takes rejects with UsbTimeoutError.
 * open() finds the device again each time, so the link reopens once a device comes back.
 */
export interface UsbTransportOptions {
  vendorId: number;
  productId: number;
  serialNumber?: string;
  busPath?: string;
  class?: UsbLinkClass;
  configuration?: number;
  interfaceNumber?: number;
  alternate?: number;
  endpointIn?: number;
  endpointOut?: number;
  /** Largest transfer per call (rounded down to whole packets); also the read length on bulk IN. */
  transferSize?: number;
  /** Send a zero-length packet after a bulk write that fills its last packet. Default true. */
  zeroLengthPackets?: boolean;
  /** HID: bytes per report (default the interrupt endpoint's packet size). */
  reportSize?: number;
  /** How long one OUT or control transfer may take before the device counts as not taking it. */
  transferTimeoutMs?: number;
  /** CDC: line coding sent (SET_LINE_CODING) to the communication interface at open, with DTR and RTS set. */
  lineCoding?: LineCoding;
  /** CDC: the communication interface; default the configuration's first CDC control interface. */
  controlInterface?: number;
  /** Where devices come from; default this machine's USB. */
  provider?: UsbDeviceProvider;
}

/** The usb package takes a timeout (ms) as an extra last argument; WebUSB ignores extra arguments. */
interface TimedTransfers {
  transferIn(endpointNumber: number, length: number, timeoutMs?: number): Promise<WebUsbInResult>;
  transferOut(endpointNumber: number, data: Uint8Array, timeoutMs?: number): Promise<WebUsbOutResult>;
}

/** How long a poll of the IN endpoint may wait on hardware before it is simply asked again. */
const IN_POLL_MS = 1000;
const DEFAULT_TRANSFER_SIZE = 4096;
const DEFAULT_TIMEOUT_MS = 1000;
const HID_SET_REPORT = 0x09;
const HID_OUTPUT_REPORT = 0x0200;

export class UsbTransport implements Transport {
  readonly type = 'usb';
  readonly lineRate = undefined;
  /** Counters of what the link had to cope with, for tests and notes. */
  readonly stats = { stallsCleared: 0, zeroLengthPackets: 0, transfersOut: 0, transfersIn: 0 };
  private device: WebUsbDevice | undefined;
  private link: ResolvedEndpoints | undefined;
  private place = '';
  private closing = false;
  private writing: Promise<void> = Promise.resolve();
  private stopWatching: (() => void) | undefined;
  private readonly listeners = new TransportListeners();
  private readonly notes = new Set<NoteListener>();
  private readonly provider: UsbDeviceProvider;
  private readonly linkClass: UsbLinkClass;

  constructor(private readonly options: UsbTransportOptions) {
    this.provider = options.provider ?? hostUsb();
    this.linkClass = options.class ?? 'vendor';
  }

  get endpoint(): string {
    const ids = describeFilter(this.options);
    const link = this.link;
    if (!link) return ids;
    const out = link.out ? `, ${endpointName(link.out.type, 'out', link.out.endpointNumber)}` : '';
    return `${ids}${this.place} interface ${link.interfaceNumber} (${endpointName(link.in.type, 'in', link.in.endpointNumber)}${out}, ${link.in.packetSize}-byte packets)`;
  }

  get isOpen(): boolean {
    return this.device !== undefined;
  }

  async open(): Promise<void> {
    if (this.isOpen) return;
    this.closing = false;
    this.listeners.rearm();
    const wanted = describeFilter(this.options);
    let candidates;
    try {
      candidates = await this.provider.list();
    } catch (err) {
      throw new DeviceUnreachableError(`could not open USB device ${wanted}: ${(err as Error).message}`, { cause: err });
    }
    const candidate = selectDevice(candidates, this.options, this.provider.description);
    const device = candidate.device;
    this.place = candidate.busPath ? ` on port ${candidate.busPath}` : '';
    try {
      await device.open();
    } catch (err) {
      throw new DeviceUnreachableError(`could not open USB device ${wanted}: ${describeOpenError(err as Error, this.options)}`, { cause: err });
    }
    let link: ResolvedEndpoints;
    try {
      link = await this.configure(device);
    } catch (err) {
      await device.close().catch(() => undefined);
      throw err;
    }
    this.device = device;
    this.link = link;
    this.stopWatching = this.provider.onDetach?.(device, () => this.lost(device, new LinkClosedError(`USB ${this.endpoint}: the USB device was unplugged`)));
    void this.readLoop(device, link.in);
  }

  write(data: Buffer): Promise<void> {
    const device = this.device;
    const link = this.link;
    if (!device || !link) return Promise.reject(new LinkClosedError(`cannot send to USB ${this.endpoint}: the USB link is closed`));
    // One write at a time: transfers on an endpoint must not interleave, or the bytes arrive out of order.
    const run = this.writing.then(() => (this.linkClass === 'hid' ? this.sendReports(device, link, data) : this.sendBulk(device, link, data)));
    this.writing = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    this.closing = true;
    const device = this.device;
    if (!device) return;
    this.teardown();
    // Closing releases the claimed interfaces (another program may claim them next) and aborts the pending IN transfer.
    await device.close().catch(() => undefined);
  }

  onData(listener: DataListener): () => void {
    return this.listeners.onData(listener);
  }

  onDisconnect(listener: DisconnectListener): () => void {
    return this.listeners.onDisconnect(listener);
  }

  onNote(listener: NoteListener): () => void {
    this.notes.add(listener);
    return () => this.notes.delete(listener);
  }

  private async configure(device: WebUsbDevice): Promise<ResolvedEndpoints> {
    const o = this.options;
    const value = o.configuration ?? 1;
    if (device.configuration?.configurationValue !== value) {
      try {
        await device.selectConfiguration(value);
      } catch (err) {
        const known = device.configurations.map((c) => c.configurationValue).join(', ') || 'none';
        throw new DeviceUnreachableError(`USB device ${describeFilter(o)}: cannot select configuration ${value} (${(err as Error).message}; the device has configuration ${known})`, { cause: err });
      }
    }
    const configuration = device.configuration;
    if (!configuration) throw new DeviceUnreachableError(`USB device ${describeFilter(o)} has no active configuration after selecting ${value}`);
    const link = resolveEndpoints(configuration, { class: this.linkClass, interfaceNumber: o.interfaceNumber, alternate: o.alternate, endpointIn: o.endpointIn, endpointOut: o.endpointOut }, `USB device ${describeFilter(o)}`);
    await claim(device, link.interfaceNumber, o);
    if (link.alternate !== 0) {
      await device.selectAlternateInterface(link.interfaceNumber, link.alternate).catch((err: Error) => {
        throw new DeviceUnreachableError(`USB device ${describeFilter(o)}: cannot select alternate setting ${link.alternate} of interface ${link.interfaceNumber}: ${err.message}`, { cause: err });
      });
    }
    if (o.lineCoding) await this.setLineCoding(device, configuration.interfaces.find((i) => i.interfaceNumber === o.controlInterface || (o.controlInterface === undefined && i.alternate.interfaceClass === UsbClass.cdcControl))?.interfaceNumber, o.lineCoding);
    return link;
  }

  private async setLineCoding(device: WebUsbDevice, controlInterface: number | undefined, coding: LineCoding): Promise<void> {
    const who = `USB device ${describeFilter(this.options)}`;
    if (controlInterface === undefined) throw new PoshilError('USB_NO_CDC_CONTROL', `${who}: "lineCoding" needs a CDC communication interface, and the device has none (give "controlInterface")`, { exitCode: 2 });
    await claim(device, controlInterface, this.options);
    const setup = (request: number, value: number) => ({ requestType: 'class' as const, recipient: 'interface' as const, request, value, index: controlInterface });
    const coded = await this.timed(device.controlTransferOut(setup(CdcRequest.setLineCoding, 0), encodeLineCoding(coding)), 'SET_LINE_CODING');
    if (coded.status !== 'ok') throw new PoshilError('USB_CDC_REFUSED', `${who} refused SET_LINE_CODING ${coding.baudRate} baud (STALL): it may not be a CDC ACM device`, { exitCode: 2 });
    const lines = await this.timed(device.controlTransferOut(setup(CdcRequest.setControlLineState, DTR_RTS)), 'SET_CONTROL_LINE_STATE');
    if (lines.status !== 'ok') this.note(`${who} refused SET_CONTROL_LINE_STATE (DTR/RTS); going on without it`);
  }

  private async readLoop(device: WebUsbDevice, ep: WebUsbEndpoint): Promise<void> {
    const name = endpointName(ep.type, 'in', ep.endpointNumber);
    const length = this.linkClass === 'hid' ? (this.options.reportSize ?? ep.packetSize) : readLength(this.options.transferSize ?? DEFAULT_TRANSFER_SIZE, ep.packetSize);
    while (this.device === device && !this.closing) {
      let result: WebUsbInResult;
      try {
        result = await (device as unknown as TimedTransfers).transferIn(ep.endpointNumber, length, IN_POLL_MS);
      } catch (err) {
        if (this.device !== device || this.closing) return;
        if (isTimeout(err as Error)) continue; // hardware: nothing to read within the poll, ask again
        const why = isGone(err as Error) ? 'the USB device was unplugged' : `reading ${name} failed: ${(err as Error).message}`;
        this.lost(device, new LinkClosedError(`USB ${this.endpoint}: ${why}`, { cause: err }));
        return;
      }
      if (this.device !== device) return;
      this.stats.transfersIn++;
      if (result.status === 'stall') {
        try {
          await device.clearHalt('in', ep.endpointNumber);
        } catch (err) {
          this.lost(device, new LinkClosedError(`USB ${this.endpoint}: ${name} stalled and the halt could not be cleared: ${(err as Error).message}`, { cause: err }));
          return;
        }
        this.stats.stallsCleared++;
        this.note(`${name} answered STALL; halt cleared, reading on`);
        continue;
      }
      if (result.status === 'babble') {
        // The rest of that transfer is gone: the byte stream has a hole nobody can fill.
        this.lost(device, new UsbBabbleError(`USB ${this.endpoint}: babble on ${name} — the device sent a packet longer than the ${ep.packetSize} bytes its descriptor allows (wMaxPacketSize); its firmware and descriptor disagree on the packet size, and the data of that transfer is lost`));
        return;
      }
      const data = result.data;
      if (data && data.byteLength > 0) this.listeners.emitData(Buffer.from(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)));
    }
  }

  private async sendBulk(device: WebUsbDevice, link: ResolvedEndpoints, data: Buffer): Promise<void> {
    const out = link.out as WebUsbEndpoint;
    let offset = 0;
    for (const piece of transferPieces(data.length, out.packetSize, this.options.transferSize ?? DEFAULT_TRANSFER_SIZE)) {
      await this.transferOut(device, out, data.subarray(offset, offset + piece));
      offset += piece;
    }
    if ((this.options.zeroLengthPackets ?? true) && needsZeroLengthPacket(data.length, out.packetSize)) {
      await this.transferOut(device, out, Buffer.alloc(0));
      this.stats.zeroLengthPackets++;
    }
  }

  /** HID output: whole reports, zero-padded, on the interrupt OUT endpoint or else by SET_REPORT. */
  private async sendReports(device: WebUsbDevice, link: ResolvedEndpoints, data: Buffer): Promise<void> {
    const size = this.options.reportSize ?? link.in.packetSize;
    for (let offset = 0; offset < data.length; offset += size) {
      const report = Buffer.alloc(size);
      data.copy(report, 0, offset, offset + size);
      if (link.out) {
        await this.transferOut(device, link.out, report);
        continue;
      }
      const result = await this.timed(device.controlTransferOut({ requestType: 'class', recipient: 'interface', request: HID_SET_REPORT, value: HID_OUTPUT_REPORT, index: link.interfaceNumber }, report), 'SET_REPORT');
      if (result.status !== 'ok') throw new UsbStallError(`USB ${this.endpoint}: the device answered STALL to SET_REPORT (output report of ${size} bytes)`, 0);
    }
  }

  private async transferOut(device: WebUsbDevice, ep: WebUsbEndpoint, bytes: Buffer): Promise<void> {
    const name = endpointName(ep.type, 'out', ep.endpointNumber);
    if (this.device !== device) throw new LinkClosedError(`cannot send to USB ${this.endpoint}: the USB link is closed`);
    const timeoutMs = this.options.transferTimeoutMs ?? DEFAULT_TIMEOUT_MS;
    let result: WebUsbOutResult;
    try {
      result = await this.timed((device as unknown as TimedTransfers).transferOut(ep.endpointNumber, bytes, timeoutMs), `the ${bytes.length}-byte transfer on ${name}`);
    } catch (err) {
      if (err instanceof PoshilError) throw err;
      if (isTimeout(err as Error)) throw this.timeoutError(`the ${bytes.length}-byte transfer on ${name}`);
      const cause = new LinkClosedError(`USB ${this.endpoint}: ${isGone(err as Error) ? 'the USB device was unplugged' : `sending on ${name} failed: ${(err as Error).message}`}`, { cause: err });
      this.lost(device, cause);
      throw cause;
    }
    this.stats.transfersOut++;
    if (result.status === 'stall') {
      try {
        await device.clearHalt('out', ep.endpointNumber);
      } catch (err) {
        const cause = new LinkClosedError(`USB ${this.endpoint}: ${name} stalled and the halt could not be cleared: ${(err as Error).message}`, { cause: err });
        this.lost(device, cause);
        throw cause;
      }
      this.stats.stallsCleared++;
      this.note(`${name} answered STALL after ${result.bytesWritten} of ${bytes.length} bytes; halt cleared`);
      throw new UsbStallError(
        `USB ${this.endpoint}: the device answered STALL on ${name} after taking ${result.bytesWritten} of ${bytes.length} bytes — it refused the request; the halt was cleared and the link is usable, but this message was not delivered whole`,
        result.bytesWritten,
      );
    }
  }

  /** A transfer that must finish within the transfer timeout, or the device counts as not taking it. */
  private timed<T>(transfer: Promise<T>, what: string): Promise<T> {
    const ms = this.options.transferTimeoutMs ?? DEFAULT_TIMEOUT_MS;
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(this.timeoutError(what)), ms);
    });
    return Promise.race([transfer, expired]).finally(() => clearTimeout(timer));
  }

  private timeoutError(what: string): UsbTimeoutError {
    const ms = this.options.transferTimeoutMs ?? DEFAULT_TIMEOUT_MS;
    return new UsbTimeoutError(`USB ${this.endpoint}: ${what} did not complete within ${ms} ms — the device kept NAKing (busy, or not reading that endpoint)`);
  }

  private lost(device: WebUsbDevice, cause: Error): void {
    if (this.device !== device) return;
    this.teardown();
    void device.close().catch(() => undefined);
    if (!this.closing) this.listeners.emitDisconnect(cause);
  }

  private teardown(): void {
    this.stopWatching?.();
    this.stopWatching = undefined;
    this.device = undefined;
    this.link = undefined;
  }

  private note(text: string): void {
    for (const l of this.notes) l(text);
  }
}

/** Claims an interface; on Linux a kernel driver (usbhid, cdc_acm) may hold it and has to let go first. */
async function claim(device: WebUsbDevice, interfaceNumber: number, o: UsbTransportOptions): Promise<void> {
  try {
    await device.claimInterface(interfaceNumber);
    return;
  } catch (first) {
    const detachable = device as WebUsbDevice & { detachKernelDriver?: (n: number) => Promise<void> };
    if (detachable.detachKernelDriver) {
      try {
        await detachable.detachKernelDriver(interfaceNumber);
        await device.claimInterface(interfaceNumber);
        return;
      } catch {
        // fall through to the first error, which says what held the interface
      }
    }
    throw new DeviceUnreachableError(
      `USB device ${formatVidPid(o.vendorId, o.productId)}: cannot claim interface ${interfaceNumber}: ${(first as Error).message} (another program or a kernel driver holds it; a CDC-ACM device bound by the kernel is a serial port — use the serial transport on /dev/ttyACM*)`,
      { cause: first },
    );
  }
}

function describeOpenError(err: Error, o: UsbTransportOptions): string {
  const m = err.message;
  if (/access|permission|EACCES|EPERM/i.test(m)) {
    const vid = o.vendorId.toString(16).padStart(4, '0');
    const pid = o.productId.toString(16).padStart(4, '0');
    return `permission denied (add a udev rule such as SUBSYSTEM=="usb", ATTR{idVendor}=="${vid}", ATTR{idProduct}=="${pid}", MODE="0660", GROUP="plugdev" to /etc/udev/rules.d/50-poshil.rules, run udevadm control --reload, replug the device, and be in the plugdev group)`;
  }
  if (/busy|EBUSY/i.test(m)) return 'the device is busy: another program has it open';
  if (isGone(err)) return 'the device went away while it was being opened';
  return m;
}

function isTimeout(err: Error): boolean {
  return err.name === 'TimeoutError' || /timed?\s?out/i.test(err.message);
}

function isGone(err: Error): boolean {
  return err.name === 'NotFoundError' || /disconnected|no such device|not found/i.test(err.message);
}
