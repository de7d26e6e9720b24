import type { JsonSchema } from './kind';
import { NORMALISED_FIELDS } from './outcome-normaliser';
import { transactionSpecSchema, type TransactionSpec } from './transaction-spec';

export interface CompatibilityParams {
  /** The other interface (B) of this device, or an interface of another device; A is the test's own. */
  compareWith: string | { device: string; interface: string };
  /** Transactions run once on each side and compared. */
  script: { id: string; transaction: TransactionSpec }[];
  /** Normalised fields left out of the comparison; default the volatile ones (stan, rrn, approvalCode). */
  ignore?: string[];
  /** Fields that must be present on both sides or neither, whatever their value. */
  presence?: string[];
  /** Latency of A and B side by side, interleaved. */
  performance?: { transaction: TransactionSpec; iterations: number; warmup?: number };
}

const fieldName = { enum: [...NORMALISED_FIELDS] };

export const compatibilityParamsSchema: JsonSchema = {
  type: 'object',
  description:
    'Compatibility (A/B): the same script over the test interface (A) and `compareWith` (B); outcomes normalised (approved/declined, reason in one vocabulary across ISO 8583, ZVT and Concert, amount, totals) and compared; optional interleaved latency comparison with the B/A ratio and a bootstrap significance test.',
  properties: {
    compareWith: {
      description: 'B: another interface of the device ("ecr-tcp"), or an interface of another device ({ "device": "../devices/new-model.json", "interface": "ecr" }, the path relative to the suite; its emulator is started for the run when it has one).',
      oneOf: [
        { type: 'string', minLength: 1 },
        {
          type: 'object',
          properties: { device: { type: 'string', minLength: 1, description: 'Device profile file, relative to the suite.' }, interface: { type: 'string', minLength: 1 } },
          required: ['device', 'interface'],
          additionalProperties: false,
        },
      ],
    },
    script: {
      type: 'array',
      minItems: 1,
      maxItems: 1000,
      description: 'Transactions run once on each side; one row each in the compatibility matrix.',
      items: {
        type: 'object',
        properties: { id: { type: 'string', minLength: 1 }, transaction: { ...transactionSpecSchema, description: 'The transaction, sent the same way to A and B.' } },
        required: ['id', 'transaction'],
        additionalProperties: false,
      },
    },
    ignore: { type: 'array', items: fieldName, description: 'Volatile fields not compared. Default: stan, rrn, approvalCode.' },
    presence: { type: 'array', items: fieldName, description: 'Fields compared by presence only (e.g. approvalCode: both sides must give one).' },
    performance: {
      type: 'object',
      description: 'Latency of A and B side by side: `iterations` transactions each, interleaved.',
      properties: {
        transaction: transactionSpecSchema,
        iterations: { type: 'integer', minimum: 10, maximum: 100000 },
        warmup: { type: 'integer', minimum: 0, default: 10 },
      },
      required: ['transaction', 'iterations'],
      additionalProperties: false,
    },
  },
  required: ['compareWith', 'script'],
  additionalProperties: false,
};
