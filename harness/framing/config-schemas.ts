import type { JsonSchema } from '../json-schema';

/** Device-profile `framing` blocks, one JSON sub-schema per framing type. */
export const framingSchemas = {
  'length-prefix': {
    type: 'object',
    description: 'Each message is preceded by its length: 2-byte binary big-endian or 4-digit ASCII, optionally followed by a 5-byte TPDU.',
    properties: {
      type: { const: 'length-prefix' },
      lengthBytes: { enum: [2, 4], default: 2 },
      lengthEncoding: { enum: ['binary', 'ascii'], default: 'binary' },
      /** Whether the length counts itself (some hosts do). */
      includesPrefix: { type: 'boolean', default: false },
      tpdu: { type: 'boolean', default: false, description: 'A 5-byte TPDU header follows the length.' },
      maxLength: { type: 'integer', minimum: 1, maximum: 99999, default: 8192, description: 'Longest accepted frame in bytes; longer is a framing error.' },
    },
    required: ['type'],
    additionalProperties: false,
  },
} satisfies Record<string, JsonSchema>;

export type FramingType = keyof typeof framingSchemas;
