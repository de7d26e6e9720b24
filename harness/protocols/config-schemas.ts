import type { JsonSchema } from '../json-schema';

/** Device-profile `protocol` blocks, one JSON sub-schema per protocol. */
export const protocolSchemas = {
  iso8583: {
    type: 'object',
    description: 'ISO 8583 request/response messages, laid out by a packager.',
    properties: {
      type: { const: 'iso8583' },
      packager: {
        type: 'string',
        description: 'Built-in packager name (iso87ascii, iso87binary) or a path to a packager JSON file, relative to the profile.',
      },
      terminalId: { type: 'string', minLength: 8, maxLength: 8, description: 'Field 41, card acceptor terminal id.' },
      merchantId: { type: 'string', minLength: 15, maxLength: 15, description: 'Field 42, card acceptor id.' },
      currency: { type: 'string', pattern: '^[0-9]{3}$', default: '978', description: 'ISO 4217 numeric currency code (field 49).' },
      timeoutMs: { type: 'integer', minimum: 1, description: 'Response timeout; defaults to the suite default.' },
    },
    required: ['type', 'packager'],
    additionalProperties: false,
  },
} satisfies Record<string, JsonSchema>;

export type ProtocolType = keyof typeof protocolSchemas;
