import { PoshilError } from '../../../harness/errors';
import { CdcRequest, decodeLineCoding, encodeLineCoding, type LineCoding } from '../../../harness/transports/usb/cdc';
import { VirtualUsbGadget, type ControlReply, type FirmwareBehaviour, type UsbFunction } from '../../../harness/transports/usb/virtual-device';
import type { VirtualDeviceSpec } from '../../../harness/transports/usb/virtual-descriptors';
import { parseUsbId, UsbClass, type WebUsbControlSetup } from '../../../harness/transports/usb/webusb';
import type { EmulatorConfig, TransportConfig } from '../../../harness/suite/types';
import type { ServedLink } from './served-link';

/**
 * The emulated terminal's USB side: a virtual USB device per `usb` interface of the profile,
 * with the ids and endpoint numbers the profile gives, full-speed packet sizes (64 bytes on
 * bulk and interrupt endpoints), and the terminal's firmware defects. An ECR interface is a
 * vendor-class (or CDC data) bulk pair carrying the interface's framing and protocol; each
 * enumeration of the device is one served link, as each TCP connection is.
 */
export const FULL_SPEED_PACKET = 64;

/** The USB defect switches, as the firmware's behaviour. */
export function firmwareBehaviour(defects: NonNullable<EmulatorConfig['defects']>): FirmwareBehaviour {
  return {
    ...(defects.usbWrongMaxPacketSize ? { inPacketSize: defects.usbWrongMaxPacketSize } : {}),
    ...(defects.usbStallEveryN ? { stallOutEvery: defects.usbStallEveryN } : {}),
    ...(defects.usbDropZlp ? { dropZlp: true } : {}),
  };
}

/** Ids and strings every emulated USB device shares; the profile's ids win. */
export function deviceIdentity(t: TransportConfig, productName: string, serial: string): Omit<VirtualDeviceSpec, 'configurations'> {
  const vendorId = parseUsbId(t.vendorId);
  const productId = parseUsbId(t.productId);
  if (vendorId === undefined || productId === undefined) throw new PoshilError('EMULATOR_USB', 'an emulated usb interface needs "vendorId" and "productId"');
  return { vendorId, productId, manufacturerName: 'poshil', productName, serialNumber: (t.serialNumber as string | undefined) ?? serial, ...(typeof t.busPath === 'string' ? { busPath: t.busPath } : {}) };
}

/** A served link for one enumeration of an ECR device: OUT transfers in, IN transfers out. */
class EnumerationLink implements ServedLink {
  private readonly data: ((chunk: Buffer) => void)[] = [];
  private readonly close: (() => void)[] = [];
  private ended = false;

  constructor(
    private readonly transmit: (bytes: Buffer) => void,
    private readonly pull: () => void,
  ) {}

  onData(listener: (chunk: Buffer) => void): void {
    this.data.push(listener);
  }

  onClose(listener: () => void): void {
    this.close.push(listener);
  }

  write(bytes: Buffer): void {
    if (!this.ended) this.transmit(bytes);
  }

  get closed(): boolean {
    return this.ended;
  }

  destroy(): void {
    this.pull();
  }

  deliver(chunk: Buffer): void {
    if (!this.ended) for (const l of this.data) l(chunk);
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    for (const l of this.close) l();
  }
}

/**
 * The ECR device: vendor class (interface 0, bulk IN 1 / OUT 2 unless the profile numbers them)
 * or CDC ACM (communication interface 0 with its notification endpoint, data interface 1),
 * which also answers the CDC line-coding requests a host driving it directly sends.
 */
export function ecrGadget(t: TransportConfig, defects: NonNullable<EmulatorConfig['defects']>, serial: string, serve: (link: ServedLink) => void): VirtualUsbGadget {
  const kind = (t.class as string | undefined) ?? 'vendor';
  if (kind !== 'vendor' && kind !== 'cdc-data') throw new PoshilError('EMULATOR_USB', `the emulated terminal serves its ECR protocol on a vendor or cdc-data USB interface, not '${kind}'`);
  const inEp = (t.endpointIn as number | undefined) ?? 1;
  const outEp = (t.endpointOut as number | undefined) ?? 2;
  const bulk = [
    { endpointNumber: inEp, direction: 'in' as const, type: 'bulk' as const, packetSize: FULL_SPEED_PACKET },
    { endpointNumber: outEp, direction: 'out' as const, type: 'bulk' as const, packetSize: FULL_SPEED_PACKET },
  ];
  const dataInterface = (t.interface as number | undefined) ?? (kind === 'vendor' ? 0 : 1);
  const interfaces =
    kind === 'vendor'
      ? [{ interfaceNumber: dataInterface, alternates: [{ interfaceClass: UsbClass.vendor, interfaceName: 'ECR', endpoints: bulk }] }]
      : [
          { interfaceNumber: (t.controlInterface as number | undefined) ?? 0, alternates: [{ interfaceClass: UsbClass.cdcControl, interfaceSubclass: 2, interfaceProtocol: 1, endpoints: [{ endpointNumber: 3, direction: 'in' as const, type: 'interrupt' as const, packetSize: 16, intervalMs: 16 }] }] },
          { interfaceNumber: dataInterface, alternates: [{ interfaceClass: UsbClass.cdcData, endpoints: bulk }] },
        ];
  let current: EnumerationLink | undefined;
  let lineCoding: LineCoding = { baudRate: 9600 };
  const fn: UsbFunction = {
    enumerated: () => {
      current = new EnumerationLink(
        (bytes) => gadget.send(inEp, bytes),
        () => gadget.unplug(),
      );
      serve(current);
    },
    detached: () => {
      current?.end();
      current = undefined;
    },
    received: (ep, data) => {
      if (ep === outEp) current?.deliver(data);
    },
    control: kind === 'cdc-data' ? (setup, data) => cdcControl(setup, data, lineCoding, (c) => (lineCoding = c)) : undefined,
  };
  const gadget = new VirtualUsbGadget(
    { ...deviceIdentity(t, kind === 'vendor' ? 'poshil emulated terminal (ECR)' : 'poshil emulated terminal (CDC ECR)', serial), configurations: [{ configurationValue: (t.configuration as number | undefined) ?? 1, interfaces }] },
    fn,
    firmwareBehaviour(defects),
  );
  return gadget;
}

function cdcControl(setup: WebUsbControlSetup, data: Buffer | undefined, coding: LineCoding, store: (c: LineCoding) => void): ControlReply {
  if (setup.request === CdcRequest.setLineCoding) {
    const decoded = data ? decodeLineCoding(data) : undefined;
    if (!decoded) return 'stall';
    store(decoded);
    return 'ok';
  }
  if (setup.request === CdcRequest.getLineCoding) return encodeLineCoding(coding);
  if (setup.request === CdcRequest.setControlLineState) return 'ok';
  return 'stall';
}
