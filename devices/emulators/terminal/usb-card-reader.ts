import { PoshilError } from '../../../harness/errors';
import { encodeSwipeReport, EncodeType, SWIPE_REPORT_SIZE } from '../../../harness/protocols/msr/hid-report';
import { encodeTrack1, encodeTrack2, type StripeCard } from '../../../harness/protocols/msr/iso7811';
import { VirtualUsbGadget } from '../../../harness/transports/usb/virtual-device';
import { UsbClass } from '../../../harness/transports/usb/webusb';
import type { EmulatorConfig, InterfaceConfig } from '../../../harness/suite/types';
import { deviceIdentity, firmwareBehaviour, FULL_SPEED_PACKET } from './usb-gadgets';

/**
 * An emulated USB HID magnetic-stripe reader: one HID interface with an interrupt IN endpoint
 * (64-byte packets, polled every 2 ms), and for each swipe one 337-byte input report in the
 * layout of harness/protocols/msr/hid-report.ts with tracks 1 and 2 of the card (ISO 7813),
 * each with its LRC character when the profile's msr protocol says the reader passes it on.
 * The `msrBadLrc` defect makes those LRC characters wrong.
 */
export class EmulatedCardReader {
  readonly gadget: VirtualUsbGadget;
  private readonly withLrc: boolean;
  private readonly endpoint: number;

  constructor(
    iface: InterfaceConfig,
    private readonly defects: NonNullable<EmulatorConfig['defects']>,
    serial: string,
  ) {
    const t = iface.transport;
    this.withLrc = iface.protocol.lrc === true;
    const endpoint = (t.endpointIn as number | undefined) ?? 1;
    this.gadget = new VirtualUsbGadget(
      {
        ...deviceIdentity(t, 'poshil emulated card reader (HID MSR)', serial),
        configurations: [
          {
            configurationValue: (t.configuration as number | undefined) ?? 1,
            interfaces: [{ interfaceNumber: (t.interface as number | undefined) ?? 0, alternates: [{ interfaceClass: UsbClass.hid, interfaceName: 'MSR', endpoints: [{ endpointNumber: endpoint, direction: 'in', type: 'interrupt', packetSize: FULL_SPEED_PACKET, intervalMs: 2 }] }] }],
          },
        ],
      },
      {},
      firmwareBehaviour(defects),
    );
    this.endpoint = endpoint;
  }

  /** The card goes through the slot: one report with what the heads read. */
  swipe(card: StripeCard): void {
    if (!this.gadget.attached) throw new PoshilError('READER_UNPLUGGED', 'the emulated card reader is unplugged');
    const tracks = { 1: this.spoil(encodeTrack1(card, this.withLrc)), 2: this.spoil(encodeTrack2(card, this.withLrc)) };
    const report = encodeSwipeReport({ tracks, status: [0, 0, 0], encodeType: EncodeType.iso });
    if (report.length !== SWIPE_REPORT_SIZE) throw new Error('swipe report layout broken');
    this.gadget.send(this.endpoint, report);
  }

  /** msrBadLrc: the LRC character is off by one code. */
  private spoil(track: string): string {
    if (!this.withLrc || !this.defects.msrBadLrc) return track;
    const lrc = track.charCodeAt(track.length - 1);
    return track.slice(0, -1) + String.fromCharCode(lrc === 0x3f || lrc === 0x5f ? lrc - 1 : lrc + 1);
  }
}
