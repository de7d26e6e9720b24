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
} satisfies Record<string, JsonSchema>;

export type TransportType = keyof typeof transportSchemas;
