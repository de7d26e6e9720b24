import { PoshilError } from '../../errors';
import { UsbClass, type WebUsbAlternateInterface, type WebUsbConfiguration, type WebUsbEndpoint } from './webusb';

/**
 * Finds, in a configuration's descriptors, the interface and endpoints a profile means: the
 * first interface of the class (vendor-specific, CDC data, HID) that has the endpoints that
 * class needs, unless the profile names the interface and endpoint numbers. What is there is
 * described when nothing fits, so the profile can be corrected from the message alone.
 */
export type UsbLinkClass = 'vendor' | 'cdc-data' | 'hid';

export interface EndpointChoice {
  class: UsbLinkClass;
  interfaceNumber?: number;
  alternate?: number;
  endpointIn?: number;
  endpointOut?: number;
}

export interface ResolvedEndpoints {
  interfaceNumber: number;
  alternate: number;
  /** Bulk IN for vendor and CDC data, interrupt IN for HID. */
  in: WebUsbEndpoint;
  /** Bulk OUT; for HID the interrupt OUT endpoint if the device has one (else output reports go by SET_REPORT). */
  out?: WebUsbEndpoint;
}

const CLASS_CODE: Record<UsbLinkClass, number> = { vendor: UsbClass.vendor, 'cdc-data': UsbClass.cdcData, hid: UsbClass.hid };
const CLASS_NAME: Record<number, string> = { 0x02: 'CDC control', 0x03: 'HID', 0x08: 'mass storage', 0x0a: 'CDC data', 0xff: 'vendor-specific' };

export function resolveEndpoints(configuration: WebUsbConfiguration, choice: EndpointChoice, device: string): ResolvedEndpoints {
  const wanted = CLASS_CODE[choice.class];
  const transfer = choice.class === 'hid' ? 'interrupt' : 'bulk';
  for (const iface of configuration.interfaces) {
    if (choice.interfaceNumber !== undefined && iface.interfaceNumber !== choice.interfaceNumber) continue;
    const alternate = iface.alternates.find((a) => a.alternateSetting === (choice.alternate ?? 0));
    if (!alternate) continue;
    // A named interface is taken whatever class it claims: some devices declare vendor class on a CDC-like interface.
    if (choice.interfaceNumber === undefined && alternate.interfaceClass !== wanted) continue;
    const pick = (direction: 'in' | 'out', number: number | undefined) =>
      alternate.endpoints.find((e) => e.direction === direction && e.type === transfer && (number === undefined || e.endpointNumber === number));
    const inEp = pick('in', choice.endpointIn);
    const outEp = pick('out', choice.endpointOut);
    if (!inEp || (!outEp && choice.class !== 'hid')) continue;
    return { interfaceNumber: iface.interfaceNumber, alternate: alternate.alternateSetting, in: inEp, ...(outEp ? { out: outEp } : {}) };
  }
  const needs = choice.class === 'hid' ? 'an interrupt IN endpoint' : 'bulk IN and bulk OUT endpoints';
  const which = choice.interfaceNumber !== undefined ? `interface ${choice.interfaceNumber}` : `${CLASS_NAME[wanted]} interface`;
  throw new PoshilError(
    'USB_NO_ENDPOINTS',
    `${device}: configuration ${configuration.configurationValue} has no ${which} with ${needs}${choice.endpointIn !== undefined || choice.endpointOut !== undefined ? ' of the numbers given' : ''} (the device has: ${describeConfiguration(configuration)})`,
    { exitCode: 2 },
  );
}

/** "interface 0 HID (interrupt IN 1, 64 bytes); interface 1 …": a configuration as the profile must match it. */
export function describeConfiguration(configuration: WebUsbConfiguration): string {
  if (configuration.interfaces.length === 0) return 'no interfaces';
  return configuration.interfaces.map((i) => `interface ${i.interfaceNumber} ${describeAlternate(i.alternate)}`).join('; ');
}

function describeAlternate(a: WebUsbAlternateInterface): string {
  const cls = CLASS_NAME[a.interfaceClass] ?? `class 0x${a.interfaceClass.toString(16).padStart(2, '0')}`;
  const eps = a.endpoints.map((e) => `${e.type} ${e.direction.toUpperCase()} ${e.endpointNumber}, ${e.packetSize} bytes`);
  return `${cls}${eps.length ? ` (${eps.join('; ')})` : ' (no endpoints)'}`;
}
