import { UsbTransport } from '../../../harness/transports/usb/usb-transport';
import { parseVidPid } from '../../../harness/transports/usb/webusb';
import type { UsbLinkClass } from '../../../harness/transports/usb/endpoints';

/**
 * The usb transport against a real device, only when one is named: POSHIL_USB_DEVICE=VID:PID
 * (hex, as lsusb shows it), with POSHIL_USB_CLASS=vendor|cdc-data|hid for the interface
 * (default vendor) and POSHIL_USB_SERIAL to pick one of several. Without it — as on CI, which
 * has no USB at all — these show as skipped, and the title says how to run them.
 */
const HOW = 'set POSHIL_USB_DEVICE=VID:PID (e.g. 0801:0002) on the machine the device is plugged into; POSHIL_USB_CLASS=vendor|cdc-data|hid, POSHIL_USB_SERIAL optional';
const named = process.env.POSHIL_USB_DEVICE;
const ids = named ? parseVidPid(named) : undefined;

(named ? describe : describe.skip)(`usb transport on real hardware (${named ? `POSHIL_USB_DEVICE=${named}` : `skipped — ${HOW}`})`, () => {
  const transport = () =>
    new UsbTransport({
      vendorId: ids?.vendorId ?? -1,
      productId: ids?.productId ?? -1,
      class: (process.env.POSHIL_USB_CLASS as UsbLinkClass | undefined) ?? 'vendor',
      ...(process.env.POSHIL_USB_SERIAL ? { serialNumber: process.env.POSHIL_USB_SERIAL } : {}),
    });

  it('names a device as VID:PID in hex', () => {
    expect(ids).toBeDefined();
  });

  it('finds the device, claims its interface, names endpoints whose packet size is a USB one, and closes', async () => {
    const t = transport();
    await t.open();
    try {
      expect(t.isOpen).toBe(true);
      const size = Number(/(\d+)-byte packets/.exec(t.endpoint)?.[1]);
      expect([8, 16, 32, 64, 512, 1024]).toContain(size);
    } finally {
      await t.close();
    }
    expect(t.isOpen).toBe(false);
  });

  it('opens again after a close (the interface was released)', async () => {
    const t = transport();
    await t.open();
    await t.close();
    await t.open();
    await t.close();
  });
});
