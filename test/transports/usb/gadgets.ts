import { VirtualUsbGadget, type FirmwareBehaviour, type UsbFunction } from '../../../harness/transports/usb/virtual-device';
import type { VirtualDeviceSpec } from '../../../harness/transports/usb/virtual-descriptors';
import { virtualUsbBus, type VirtualUsbBus } from '../../../harness/transports/usb/virtual-bus';
import { UsbClass } from '../../../harness/transports/usb/webusb';

/**
 * Virtual devices for the USB specs: a vendor-class loopback (firmware that sends every
 * transfer it receives straight back) and the bus each test plugs it into.
 */
let n = 0;

export function freshBus(): VirtualUsbBus {
  return virtualUsbBus(`usb-spec-${process.pid}-${++n}`);
}

export function vendorSpec(packetSize: number, ids: Partial<VirtualDeviceSpec> = {}): VirtualDeviceSpec {
  return {
    vendorId: 0x1d6b,
    productId: 0x0104,
    manufacturerName: 'poshil',
    productName: 'loopback',
    serialNumber: 'LOOP-1',
    ...ids,
    configurations: [
      {
        configurationValue: 1,
        interfaces: [
          {
            interfaceNumber: 0,
            alternates: [
              {
                interfaceClass: UsbClass.vendor,
                endpoints: [
                  { endpointNumber: 1, direction: 'in', type: 'bulk', packetSize },
                  { endpointNumber: 2, direction: 'out', type: 'bulk', packetSize },
                ],
              },
            ],
          },
        ],
      },
    ],
  };
}

/** Firmware that records every OUT transfer and sends it back on bulk IN 1. */
export function loopback(packetSize: number, behaviour: FirmwareBehaviour = {}, ids: Partial<VirtualDeviceSpec> = {}): { gadget: VirtualUsbGadget; received: Buffer[] } {
  const received: Buffer[] = [];
  const fn: UsbFunction = {
    received: (_ep, data) => {
      received.push(data);
      gadget.send(1, data);
    },
  };
  const gadget = new VirtualUsbGadget(vendorSpec(packetSize, ids), fn, behaviour);
  return { gadget, received };
}
