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
} satisfies Record<string, JsonSchema>;

export type TransportType = keyof typeof transportSchemas;
