import { PoshilError } from '../../errors';

/**
 * What can go wrong on a USB link besides it being unplugged (LinkClosedError) or absent
 * (DeviceUnreachableError). Each message names the endpoint as a USB analyser shows it
 * ("bulk OUT 0x02") so a technician can line it up with a capture.
 */

/** The device answered a transfer with STALL. The halt was cleared; the transfer was not delivered whole. */
export class UsbStallError extends PoshilError {
  constructor(
    message: string,
    readonly bytesAccepted: number,
  ) {
    super('USB_STALL', message, { exitCode: 1 });
  }
}

/** A transfer did not complete in time: the device kept NAKing (busy, or not reading the endpoint). */
export class UsbTimeoutError extends PoshilError {
  constructor(message: string) {
    super('USB_TIMEOUT', message, { exitCode: 1 });
  }
}

/** The device sent more than a packet may hold (babble): its firmware and its descriptor disagree on the packet size. */
export class UsbBabbleError extends PoshilError {
  constructor(message: string) {
    super('USB_BABBLE', message, { exitCode: 1 });
  }
}

/** An endpoint address as analysers and datasheets write it: "bulk IN 0x81", "interrupt OUT 0x02". */
export function endpointName(type: string, direction: 'in' | 'out', endpointNumber: number): string {
  const address = direction === 'in' ? 0x80 | endpointNumber : endpointNumber;
  return `${type} ${direction.toUpperCase()} 0x${address.toString(16).padStart(2, '0')}`;
}
