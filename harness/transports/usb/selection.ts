import { DeviceUnreachableError } from '../../errors';
import type { UsbCandidate } from './providers';
import { formatVidPid } from './webusb';

/**
 * Which attached device a profile means: vendor and product id, then the serial number, then
 * the port (bus path) when several identical devices are plugged in. A miss says what is
 * attached instead; two matches say how to tell them apart — never a silent pick of one.
 */
export interface DeviceFilter {
  vendorId: number;
  productId: number;
  serialNumber?: string;
  busPath?: string;
}

export function describeFilter(f: DeviceFilter): string {
  return `${formatVidPid(f.vendorId, f.productId)}${f.serialNumber !== undefined ? ` serial ${f.serialNumber}` : ''}${f.busPath !== undefined ? ` on port ${f.busPath}` : ''}`;
}

/** One attached device as `poshil devices` and error messages show it. */
export function describeCandidate(c: UsbCandidate): string {
  const d = c.device;
  const name = [d.manufacturerName, d.productName].filter(Boolean).join(' ');
  return `${formatVidPid(d.vendorId, d.productId)}${name ? ` "${name}"` : ''}${d.serialNumber ? ` serial ${d.serialNumber}` : ''}${c.busPath ? ` port ${c.busPath}` : ''}`;
}

export function selectDevice(candidates: UsbCandidate[], f: DeviceFilter, where: string): UsbCandidate {
  const sameIds = candidates.filter((c) => c.device.vendorId === f.vendorId && c.device.productId === f.productId);
  const matches = sameIds.filter((c) => (f.serialNumber === undefined || c.device.serialNumber === f.serialNumber) && (f.busPath === undefined || c.busPath === f.busPath));
  const wanted = describeFilter(f);
  if (matches.length === 1) return matches[0] as UsbCandidate;
  if (matches.length === 0) {
    const attached = candidates.length === 0 ? `nothing is attached to ${where}` : `attached to ${where}: ${candidates.map(describeCandidate).join('; ')}`;
    const hint = sameIds.length > 0 ? ' — a device with these ids is there, but its serial number or port differs from the profile' : ' — is it plugged in and powered?';
    throw new DeviceUnreachableError(`no USB device ${wanted}${hint} (${attached})`);
  }
  throw new DeviceUnreachableError(
    `${matches.length} USB devices match ${wanted} (${matches.map(describeCandidate).join('; ')}): give "serialNumber" or "busPath" in the profile's usb transport to say which one`,
  );
}
