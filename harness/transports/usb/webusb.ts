/// <reference types="w3c-web-usb" />
/**
 * The W3C WebUSB types (USBDevice and its descriptors), as the `usb` package and the virtual USB
 * device both implement them. Everything USB in poshil is written against these, so the
 * transport cannot tell a virtual device from hardware.
 */
export type WebUsbDevice = USBDevice;
export type WebUsbConfiguration = USBConfiguration;
export type WebUsbInterface = USBInterface;
export type WebUsbAlternateInterface = USBAlternateInterface;
export type WebUsbEndpoint = USBEndpoint;
export type WebUsbDirection = USBDirection;
export type WebUsbControlSetup = USBControlTransferParameters;
export type WebUsbInResult = USBInTransferResult;
export type WebUsbOutResult = USBOutTransferResult;

/** USB interface class codes poshil selects interfaces by. */
export const UsbClass = {
  hid: 0x03,
  cdcControl: 0x02,
  cdcData: 0x0a,
  vendor: 0xff,
} as const;

/** "0801:0002": how lsusb, udev rules and technicians write a vendor and product id. */
export function formatVidPid(vendorId: number, productId: number): string {
  return `${hex4(vendorId)}:${hex4(productId)}`;
}

export function hex4(n: number): string {
  return n.toString(16).padStart(4, '0');
}

/**
 * A vendor or product id as a profile writes it: a number (2049) or hex as lsusb prints it
 * ("0801", "0x0801"). Undefined when it is neither.
 */
export function parseUsbId(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 0xffff) return value;
  if (typeof value === 'string' && /^(0x)?[0-9a-fA-F]{1,4}$/.test(value)) return parseInt(value.replace(/^0x/, ''), 16);
  return undefined;
}

/** "VID:PID" as an environment variable names a device (POSHIL_USB_DEVICE=0801:0002). */
export function parseVidPid(text: string): { vendorId: number; productId: number } | undefined {
  const m = /^(?:0x)?([0-9a-fA-F]{1,4}):(?:0x)?([0-9a-fA-F]{1,4})$/.exec(text.trim());
  if (!m) return undefined;
  return { vendorId: parseInt(m[1] as string, 16), productId: parseInt(m[2] as string, 16) };
}
