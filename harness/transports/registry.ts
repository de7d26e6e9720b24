import fs from 'node:fs';
import path from 'node:path';
import { PoshilError } from '../errors';
import type { TransportConfig } from '../suite/types';
import type { TransportType } from './config-schemas';
import { SerialTransport, type SerialOptions } from './serial';
import { Rs485Transport } from './rs485';
import { TcpTransport } from './tcp';
import type { Transport } from './transport';
import { connectVirtual } from './virtual';
import { UsbTransport, type UsbTransportOptions } from './usb/usb-transport';
import { virtualUsbProvider } from './usb/virtual-bus';
import { parseUsbId } from './usb/webusb';

/** What `tcp` and `tls` (TLS over the same socket) share. */
function socketOptions(c: TransportConfig) {
  return {
    host: c.host as string | undefined,
    port: c.port as number,
    connectTimeoutMs: c.connectTimeoutMs as number | undefined,
    noDelay: c.noDelay as boolean | undefined,
  };
}

/**
 * Builds a transport from a validated device-profile `transport` block. `overrides` carries
 * what only the run knows, e.g. the port an embedded emulator chose.
 */
const factories: Record<TransportType, (config: TransportConfig) => Transport> = {
  tcp: (c) => new TcpTransport(socketOptions(c)),
  tls: (c) =>
    new TcpTransport({
      ...socketOptions(c),
      tls: {
        servername: (c.servername as string | undefined) ?? 'localhost',
        ca: typeof c.ca === 'string' ? readCa(c.ca, c.baseDir as string | undefined) : undefined,
        minVersion: (c.minVersion as 'TLSv1.2' | 'TLSv1.3' | undefined) ?? 'TLSv1.2',
      },
    }),
  serial: (c) =>
    new SerialTransport({
      ...serialLine(c, 'serial transport needs a "path" (e.g. /dev/ttyUSB0)'),
      rtscts: c.rtscts as boolean | undefined,
      xon: c.xon as boolean | undefined,
      xoff: c.xoff as boolean | undefined,
    }),
  rs485: (c) =>
    new Rs485Transport({
      ...serialLine(c, 'rs485 transport needs the "path" of the RS485 adapter (e.g. /dev/ttyUSB0)'),
      address: c.address as number,
      turnaroundMs: c.turnaroundMs as number | undefined,
      idleGapMs: c.idleGapMs as number | undefined,
      rtsControl: c.rtsControl as boolean | undefined,
      rtsActiveLow: c.rtsActiveLow as boolean | undefined,
      echo: c.echo as boolean | undefined,
    }),
  usb: (c) => new UsbTransport(usbOptions(c)),
  virtual: (c) => connectVirtual((c.name as string | undefined) ?? 'default', { bitsPerSecond: c.bitsPerSecond as number | undefined }),
};

/** The CA file of a TLS client interface; a missing file is a profile problem (exit 2). */
function readCa(file: string, baseDir: string | undefined): string {
  const full = path.resolve(baseDir ?? process.cwd(), file);
  try {
    return fs.readFileSync(full, 'utf8');
  } catch (err) {
    throw new PoshilError('TLS_CA', `tls transport: cannot read the CA file ${full}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { exitCode: 2 });
  }
}

/**
 * A usb transport block. `virtualBus` is not a profile option: the runner sets it when the
 * emulated terminal has plugged its virtual devices into a bus of that name.
 */
function usbOptions(c: TransportConfig): UsbTransportOptions {
  const vendorId = parseUsbId(c.vendorId);
  const productId = parseUsbId(c.productId);
  if (vendorId === undefined || productId === undefined) {
    throw new PoshilError('USB_IDS', `usb transport needs "vendorId" and "productId" (a number, or 4 hex digits as lsusb shows them); got ${JSON.stringify(c.vendorId)} and ${JSON.stringify(c.productId)}`, { exitCode: 2 });
  }
  return {
    vendorId,
    productId,
    serialNumber: c.serialNumber as string | undefined,
    busPath: c.busPath as string | undefined,
    class: c.class as UsbTransportOptions['class'],
    configuration: c.configuration as number | undefined,
    interfaceNumber: c.interface as number | undefined,
    alternate: c.alternate as number | undefined,
    endpointIn: c.endpointIn as number | undefined,
    endpointOut: c.endpointOut as number | undefined,
    transferSize: c.transferSize as number | undefined,
    zeroLengthPackets: c.zeroLengthPackets as boolean | undefined,
    reportSize: c.reportSize as number | undefined,
    transferTimeoutMs: c.transferTimeoutMs as number | undefined,
    lineCoding: c.lineCoding as UsbTransportOptions['lineCoding'],
    controlInterface: c.controlInterface as number | undefined,
    provider: typeof c.virtualBus === 'string' ? virtualUsbProvider(c.virtualBus) : undefined,
  };
}

/** Port and character settings, shared by serial and rs485. */
function serialLine(c: TransportConfig, noPath: string): SerialOptions {
  if (typeof c.path !== 'string') throw new PoshilError('SERIAL_NO_PATH', noPath, { exitCode: 2 });
  return {
    path: c.path,
    baudRate: c.baudRate as number | undefined,
    dataBits: c.dataBits as SerialOptions['dataBits'],
    stopBits: c.stopBits as SerialOptions['stopBits'],
    parity: c.parity as SerialOptions['parity'],
  };
}

export function createTransport(config: TransportConfig, overrides: Partial<TransportConfig> = {}): Transport {
  const factory = (factories as Record<string, (config: TransportConfig) => Transport>)[config.type];
  if (!factory) {
    throw new PoshilError('UNKNOWN_TRANSPORT', `unknown transport "${config.type}"; known transports: ${Object.keys(factories).join(', ')}`);
  }
  return factory({ ...config, ...overrides });
}
