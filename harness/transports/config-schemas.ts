import type { JsonSchema } from '../json-schema';

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
} satisfies Record<string, JsonSchema>;

export type TransportType = keyof typeof transportSchemas;
