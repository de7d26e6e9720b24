import fs from 'node:fs';
import type * as UsbPackage from 'usb';
import { PoshilError } from '../../errors';
import type { WebUsbDevice } from './webusb';

/**
 * Where USB devices come from: this machine's USB (the `usb` package) or a virtual bus in this
 * process (virtual-bus.ts). The transport only ever asks a provider, which is how tests and
 * the emulated terminal put a virtual device where hardware would be.
 */
export interface UsbCandidate {
  device: WebUsbDevice;
  /** Where it is plugged, as Linux names ports ("1-1.4"): tells identical devices apart. */
  busPath?: string;
}

export interface UsbDeviceProvider {
  /** For messages: "this machine's USB", "virtual USB bus 'x'". */
  readonly description: string;
  list(): Promise<UsbCandidate[]>;
  /** Called when that device is unplugged (hot-plug events); returns a function that stops listening. */
  onDetach?(device: WebUsbDevice, listener: () => void): () => void;
}

/** This machine has no USB to look at (CI runners, containers): nothing can be listed or opened. */
export class NoUsbSubsystemError extends PoshilError {
  constructor(reason: string) {
    super('NO_USB_SUBSYSTEM', reason, { exitCode: 2 });
  }
}

export interface HostUsbOptions {
  /** Where Linux shows its USB devices; a test points it elsewhere to act out a machine without USB. */
  sysBusUsb?: string;
}

/** Why this machine cannot have USB devices, or undefined when it can. */
export function usbSubsystemMissing(options: HostUsbOptions = {}): string | undefined {
  if (process.platform !== 'linux') return undefined;
  const dir = options.sysBusUsb ?? '/sys/bus/usb';
  if (fs.existsSync(dir)) return undefined;
  return `this machine has no USB subsystem (no ${dir}: a container or CI runner without USB passthrough, or a kernel without USB support) — run on the bench machine the device is plugged into, or use the emulated profile`;
}

type UsbModule = typeof UsbPackage;
type HostUsbDevice = WebUsbDevice & { bus?: string; ports?: number[]; handle?: string };

/** The `usb` package, loaded on first use: its native binding costs start-up time a TCP run should not pay. */
function loadUsb(): UsbModule {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('usb') as UsbModule;
  } catch (err) {
    throw new PoshilError('USB_LIBRARY', `the usb library could not load its native binding for ${process.platform}-${process.arch}: ${(err as Error).message}`, { exitCode: 2 });
  }
}

export function hostUsb(options: HostUsbOptions = {}): UsbDeviceProvider {
  return {
    description: "this machine's USB",
    async list() {
      const missing = usbSubsystemMissing(options);
      if (missing) throw new NoUsbSubsystemError(missing);
      let devices: HostUsbDevice[];
      try {
        devices = (await loadUsb().usb.getDevices()) as HostUsbDevice[];
      } catch (err) {
        if (err instanceof PoshilError) throw err;
        throw new NoUsbSubsystemError(`the USB devices of this machine cannot be listed: ${(err as Error).message}`);
      }
      return devices.map((device) => ({ device, ...(busPathOf(device) ? { busPath: busPathOf(device) } : {}) }));
    },
    onDetach(device, listener) {
      const usb = loadUsb().usb;
      const mine = device as HostUsbDevice;
      const handler = (event: { device: HostUsbDevice }) => {
        const gone = event.device;
        if (gone === mine || (gone.handle !== undefined && gone.handle === mine.handle)) listener();
      };
      usb.addEventListener('disconnect', handler as never);
      return () => usb.removeEventListener('disconnect', handler as never);
    },
  };
}

/** Linux's name for a port: bus number, then the hub ports down to the device ("1-1.4"). */
function busPathOf(device: HostUsbDevice): string | undefined {
  if (!device.bus) return undefined;
  if (device.bus.includes('-') || !device.ports?.length) return device.bus;
  return `${device.bus}-${device.ports.join('.')}`;
}
