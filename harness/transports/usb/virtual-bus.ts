import type { UsbCandidate, UsbDeviceProvider } from './providers';
import type { WebUsbDevice } from './webusb';

/**
 * A USB bus in this process: virtual devices are plugged into it and unplugged from it, and a
 * transport reaches it through its provider exactly as it reaches this machine's USB. Buses
 * have names so a device profile run against the emulated terminal, and a test, can say which
 * one (the emulated terminal plugs its devices into a bus of its own).
 */
export class VirtualUsbBus {
  private readonly attached = new Map<WebUsbDevice, string>();
  private readonly detachListeners = new Map<WebUsbDevice, Set<() => void>>();
  private nextPort = 1;

  constructor(readonly name: string) {}

  /** A port for a device that did not ask for one; a device keeps its port across replugs. */
  allocatePort(): string {
    return `1-${this.nextPort++}`;
  }

  plug(device: WebUsbDevice, busPath: string): void {
    this.attached.set(device, busPath);
  }

  unplug(device: WebUsbDevice): void {
    if (!this.attached.delete(device)) return;
    const listeners = this.detachListeners.get(device);
    this.detachListeners.delete(device);
    for (const l of listeners ?? []) l();
  }

  get devices(): UsbCandidate[] {
    return [...this.attached.entries()].map(([device, busPath]) => ({ device, busPath }));
  }

  provider(): UsbDeviceProvider {
    return {
      description: `virtual USB bus '${this.name}'`,
      list: async () => this.devices,
      onDetach: (device, listener) => {
        const set = this.detachListeners.get(device) ?? new Set();
        set.add(listener);
        this.detachListeners.set(device, set);
        return () => set.delete(listener);
      },
    };
  }
}

const buses = new Map<string, VirtualUsbBus>();

/** The bus of that name, made on first use. */
export function virtualUsbBus(name: string): VirtualUsbBus {
  let bus = buses.get(name);
  if (!bus) {
    bus = new VirtualUsbBus(name);
    buses.set(name, bus);
  }
  return bus;
}

export function removeVirtualUsbBus(name: string): void {
  buses.delete(name);
}

/**
 * The provider of a bus named, looked up at every use: an emulated terminal that reboots plugs
 * its devices into a bus of the same name again, and a transport made before must find them.
 */
export function virtualUsbProvider(name: string): UsbDeviceProvider {
  return {
    description: `virtual USB bus '${name}'`,
    list: () => virtualUsbBus(name).provider().list(),
    onDetach: (device, listener) => virtualUsbBus(name).provider().onDetach!(device, listener),
  };
}
