import type { WebUsbAlternateInterface, WebUsbConfiguration, WebUsbEndpoint, WebUsbInterface } from './webusb';

/**
 * The descriptors of a virtual USB device, written as data, and the W3C descriptor objects
 * (USBConfiguration, USBInterface, …) a host sees for them. `intervalMs` is the interrupt
 * polling interval (bInterval); WebUSB does not show it to the host, the device keeps to it.
 */
export interface VirtualEndpointSpec {
  endpointNumber: number;
  direction: 'in' | 'out';
  type: 'bulk' | 'interrupt';
  /** wMaxPacketSize as the descriptor states it. */
  packetSize: number;
  /** Interrupt endpoints: at most one packet per this many ms (bInterval at full speed). */
  intervalMs?: number;
}

export interface VirtualAlternateSpec {
  alternateSetting?: number;
  interfaceClass: number;
  interfaceSubclass?: number;
  interfaceProtocol?: number;
  interfaceName?: string;
  endpoints: VirtualEndpointSpec[];
}

export interface VirtualInterfaceSpec {
  interfaceNumber: number;
  alternates: VirtualAlternateSpec[];
}

export interface VirtualConfigurationSpec {
  configurationValue: number;
  configurationName?: string;
  interfaces: VirtualInterfaceSpec[];
}

export interface VirtualDeviceSpec {
  vendorId: number;
  productId: number;
  serialNumber?: string;
  manufacturerName?: string;
  productName?: string;
  deviceClass?: number;
  deviceSubclass?: number;
  deviceProtocol?: number;
  /** bcdDevice, e.g. [1, 0, 0]. */
  deviceVersion?: [number, number, number];
  /** Port it is plugged into ("1-4"); default: the bus gives it the next free one. */
  busPath?: string;
  configurations: VirtualConfigurationSpec[];
}

/** The host's view of interface state (claimed, alternate in use) that the descriptor objects read live. */
export interface InterfaceState {
  claimed(interfaceNumber: number): boolean;
  alternate(interfaceNumber: number): number;
}

export function buildConfigurations(spec: VirtualDeviceSpec, state: InterfaceState): WebUsbConfiguration[] {
  return spec.configurations.map((c) => {
    const configuration = { configurationValue: c.configurationValue, configurationName: c.configurationName ?? null, interfaces: [] as WebUsbInterface[] };
    for (const i of c.interfaces) {
      const alternates: WebUsbAlternateInterface[] = i.alternates.map((a) => ({
        alternateSetting: a.alternateSetting ?? 0,
        interfaceClass: a.interfaceClass,
        interfaceSubclass: a.interfaceSubclass ?? 0,
        interfaceProtocol: a.interfaceProtocol ?? 0,
        interfaceName: a.interfaceName ?? null,
        endpoints: a.endpoints.map((e): WebUsbEndpoint => ({ endpointNumber: e.endpointNumber, direction: e.direction, type: e.type, packetSize: e.packetSize })),
      }));
      configuration.interfaces.push({
        interfaceNumber: i.interfaceNumber,
        alternates,
        get alternate() {
          const setting = state.alternate(i.interfaceNumber);
          return alternates.find((a) => a.alternateSetting === setting) ?? (alternates[0] as WebUsbAlternateInterface);
        },
        get claimed() {
          return state.claimed(i.interfaceNumber);
        },
      });
    }
    return configuration;
  });
}

/** The endpoint spec behind an endpoint number and direction in the alternates currently selected. */
export function findEndpoint(spec: VirtualDeviceSpec, configurationValue: number, state: InterfaceState, direction: 'in' | 'out', endpointNumber: number): { endpoint: VirtualEndpointSpec; interfaceNumber: number } | undefined {
  const configuration = spec.configurations.find((c) => c.configurationValue === configurationValue);
  for (const i of configuration?.interfaces ?? []) {
    const alternate = i.alternates.find((a) => (a.alternateSetting ?? 0) === state.alternate(i.interfaceNumber));
    const endpoint = alternate?.endpoints.find((e) => e.direction === direction && e.endpointNumber === endpointNumber);
    if (endpoint) return { endpoint, interfaceNumber: i.interfaceNumber };
  }
  return undefined;
}
