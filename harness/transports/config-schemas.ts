import type { JsonSchema } from '../json-schema';

/** A USB vendor or product id: a number, or hex as lsusb prints it. */
const usbId = (description: string): JsonSchema => ({
  type: ['integer', 'string'],
  minimum: 0,
  maximum: 65535,
  pattern: '^(0x)?[0-9A-Fa-f]{4}$',
  description,
});

/**
 * Device-profile `transport` blocks, one JSON sub-schema per transport type. The device schema
 * is composed from this map, so adding a transport means adding an entry here and a factory in
 * registry.ts.
 */
export const transportSchemas = {
  tcp: {
    type: 'object',
    description: 'TCP client connection (Ethernet ECR or host link).',
    properties: {
      type: { const: 'tcp' },
      host: { type: 'string', description: 'Host name or address; default 127.0.0.1.', default: '127.0.0.1' },
      port: { type: 'integer', minimum: 0, maximum: 65535, description: 'TCP port. 0 with an emulator block: the emulator picks a free port.' },
      connectTimeoutMs: { type: 'integer', minimum: 1, default: 3000 },
      noDelay: { type: 'boolean', default: true, description: 'Disable Nagle (TCP_NODELAY).' },
    },
    required: ['type', 'port'],
    additionalProperties: false,
  },
  tls: {
    type: 'object',
    description:
      'TLS over TCP. On an ECR interface poshil connects as the client and checks the device certificate against `ca`; on a host interface poshil listens as the acquirer and presents a certificate from a throwaway test PKI it makes at start (openssl).',
    properties: {
      type: { const: 'tls' },
      host: { type: 'string', description: 'Host name or address; default 127.0.0.1 (on a host interface: the address poshil listens on).', default: '127.0.0.1' },
      port: { type: 'integer', minimum: 0, maximum: 65535, description: 'TCP port. 0: any free port (the emulator, or the host simulator, picks one).' },
      connectTimeoutMs: { type: 'integer', minimum: 1, default: 3000 },
      servername: { type: 'string', minLength: 1, description: 'Name the certificate must carry (SNI); default localhost.' },
      ca: { type: 'string', minLength: 1, description: 'ECR client: PEM file of the CA that signed the device certificate, relative to the profile. Default: the system CAs.' },
      minVersion: { enum: ['TLSv1.2', 'TLSv1.3'], default: 'TLSv1.2', description: 'Lowest TLS version poshil agrees to.' },
      noDelay: { type: 'boolean', default: true, description: 'Disable Nagle (TCP_NODELAY).' },
    },
    required: ['type', 'port'],
    additionalProperties: false,
  },
  virtual: {
    type: 'object',
    description: 'In-memory pair, for tests and the in-process emulator.',
    properties: {
      type: { const: 'virtual' },
      name: { type: 'string' },
      bitsPerSecond: { type: 'integer', minimum: 1, description: 'Pretend line rate, for wire-time floors.' },
    },
    required: ['type'],
    additionalProperties: false,
  },
  serial: {
    type: 'object',
    description: 'RS232 serial line through the serialport library (also USB CDC-ACM adapters, which appear as serial ports).',
    properties: {
      type: { const: 'serial' },
      path: { type: 'string', minLength: 1, description: 'Port path, e.g. /dev/ttyUSB0 or /dev/ttyS0. Omit with an emulator block: poshil creates a pseudo-terminal pair.' },
      baudRate: { type: 'integer', minimum: 50, maximum: 4_000_000, default: 9600, description: 'Line rate in baud.' },
      dataBits: { enum: [5, 6, 7, 8], default: 8 },
      stopBits: { enum: [1, 1.5, 2], default: 1 },
      parity: { enum: ['none', 'even', 'odd', 'mark', 'space'], default: 'none' },
      rtscts: { type: 'boolean', default: false, description: 'RTS/CTS hardware flow control.' },
      xon: { type: 'boolean', default: false, description: 'XON/XOFF software flow control (input).' },
      xoff: { type: 'boolean', default: false, description: 'XON/XOFF software flow control (output).' },
    },
    required: ['type'],
    additionalProperties: false,
  },
  rs485: {
    type: 'object',
    description:
      'One addressed device on a half-duplex RS485 multi-drop bus on a serial port. Every transmission starts with the address byte (the device answers with its own), and silence ends it. Interfaces naming the same path share the bus and must agree on the line settings.',
    properties: {
      type: { const: 'rs485' },
      path: { type: 'string', minLength: 1, description: 'Port of the RS485 adapter, e.g. /dev/ttyUSB0. Omit with an emulator block: poshil creates one pseudo-terminal pair per bus.' },
      bus: { type: 'string', minLength: 1, default: 'rs485', description: 'Name of the bus, for emulated profiles without a path: interfaces with the same bus name share one emulated line.' },
      address: { type: 'integer', minimum: 1, maximum: 247, description: 'Device address on the bus (1-247).' },
      baudRate: { type: 'integer', minimum: 50, maximum: 4_000_000, default: 9600, description: 'Line rate in baud.' },
      dataBits: { enum: [5, 6, 7, 8], default: 8 },
      stopBits: { enum: [1, 1.5, 2], default: 1 },
      parity: { enum: ['none', 'even', 'odd', 'mark', 'space'], default: 'none' },
      turnaroundMs: { type: 'number', minimum: 0, maximum: 1000, default: 2, description: 'Silence after the last byte heard before anyone may drive the bus (driver release time).' },
      idleGapMs: { type: 'number', exclusiveMinimum: 0, maximum: 1000, description: 'Silence that ends a transmission; default 3.5 character times, at least 2 ms.' },
      rtsControl: { type: 'boolean', default: false, description: 'Switch the adapter driver with RTS (adapters without automatic direction control).' },
      rtsActiveLow: { type: 'boolean', default: false, description: 'RTS low enables the driver.' },
      echo: { type: 'boolean', default: false, description: 'The adapter hears its own transmissions: remove the echo, and treat a differing echo as a collision.' },
    },
    required: ['type', 'address'],
    additionalProperties: false,
  },
  usb: {
    type: 'object',
    description:
      'A USB interface poshil drives itself (the usb library, WebUSB API): bulk IN/OUT endpoints of a vendor-class or CDC data interface, or the interrupt endpoints of a HID interface. A CDC-ACM device the operating system has bound appears as a serial port (/dev/ttyACM*): use the serial transport for it. With an emulator block, poshil plugs a virtual USB device with these ids into a bus inside its own process.',
    properties: {
      type: { const: 'usb' },
      vendorId: usbId('idVendor: a number, or 4 hex digits as lsusb shows them ("0801" or "0x0801").'),
      productId: usbId('idProduct: a number, or 4 hex digits as lsusb shows them.'),
      serialNumber: { type: 'string', minLength: 1, description: 'The device serial number (iSerialNumber): picks one of several devices with the same ids.' },
      busPath: { type: 'string', pattern: '^[0-9]+-[0-9]+(\\.[0-9]+)*$', description: 'The port the device is plugged into, as Linux names it and poshil devices shows it ("1-1.4"): picks one of several identical devices.' },
      class: {
        enum: ['vendor', 'cdc-data', 'hid'],
        default: 'vendor',
        description: "What kind of interface carries the link: 'vendor' (vendor-specific class, bulk IN and OUT), 'cdc-data' (CDC data interface, bulk IN and OUT), 'hid' (interrupt IN, and interrupt OUT or SET_REPORT, in whole reports).",
      },
      configuration: { type: 'integer', minimum: 1, maximum: 255, default: 1, description: 'bConfigurationValue to select.' },
      interface: { type: 'integer', minimum: 0, maximum: 255, description: 'bInterfaceNumber; default the first interface of the class that has the endpoints it needs.' },
      alternate: { type: 'integer', minimum: 0, maximum: 255, default: 0, description: 'Alternate setting of the interface.' },
      endpointIn: { type: 'integer', minimum: 1, maximum: 15, description: 'IN endpoint number (0x81 is 1); default the first of the right type.' },
      endpointOut: { type: 'integer', minimum: 1, maximum: 15, description: 'OUT endpoint number; default the first of the right type.' },
      transferSize: { type: 'integer', minimum: 8, maximum: 1_048_576, default: 4096, description: 'Largest transfer poshil asks for at once, rounded down to whole packets (writes are cut into such transfers; bulk reads ask for this much).' },
      zeroLengthPackets: { type: 'boolean', default: true, description: 'End a bulk write that fills its last packet exactly with a zero-length packet, as CDC and most vendor protocols need.' },
      reportSize: { type: 'integer', minimum: 1, maximum: 4096, description: 'HID: bytes per report; default the interrupt endpoint packet size.' },
      transferTimeoutMs: { type: 'integer', minimum: 1, maximum: 600_000, default: 1000, description: 'How long one OUT or control transfer may take before the device counts as not taking it.' },
      lineCoding: {
        type: 'object',
        description: 'CDC devices driven directly: SET_LINE_CODING sent to the communication interface at open (then DTR and RTS set).',
        properties: {
          baudRate: { type: 'integer', minimum: 50, maximum: 16_000_000 },
          dataBits: { enum: [5, 6, 7, 8, 16], default: 8 },
          parity: { enum: ['none', 'odd', 'even', 'mark', 'space'], default: 'none' },
          stopBits: { enum: [1, 1.5, 2], default: 1 },
        },
        required: ['baudRate'],
        additionalProperties: false,
      },
      controlInterface: { type: 'integer', minimum: 0, maximum: 255, description: 'CDC communication interface for lineCoding; default the first CDC control interface.' },
    },
    required: ['type', 'vendorId', 'productId'],
    additionalProperties: false,
  },
} satisfies Record<string, JsonSchema>;

export type TransportType = keyof typeof transportSchemas;
