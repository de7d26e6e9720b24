import type { JsonSchema } from './kind';
import type { TransactionRequest, TransactionType } from '../protocols/protocol';

/**
 * How a suite writes the transaction a test sends, shared by every kind that sends
 * transactions. Amounts are decimal strings as a cashier types them ("12.34").
 */
export interface TransactionSpec {
  type: TransactionType;
  amount?: string;
  currency?: string;
  card?: { pan: string; expiry?: string };
}

export const transactionSpecSchema: JsonSchema = {
  type: 'object',
  description: 'The transaction sent on every iteration.',
  properties: {
    type: { enum: ['sale', 'refund', 'reversal', 'echo', 'settlement'], description: 'Transaction type.' },
    amount: { type: 'string', pattern: '^[0-9]{1,10}(\\.[0-9]{1,2})?$', description: 'Amount as a decimal string, e.g. "12.34".' },
    currency: { type: 'string', pattern: '^[0-9]{3}$', description: 'ISO 4217 numeric code, e.g. "978" (EUR).' },
    card: {
      type: 'object',
      properties: {
        pan: { type: 'string', pattern: '^[0-9]{12,19}$', description: 'Test card number; masked in every trace and report.' },
        expiry: { type: 'string', pattern: '^[0-9]{4}$', description: 'YYMM' },
      },
      required: ['pan'],
      additionalProperties: false,
    },
  },
  required: ['type'],
  additionalProperties: false,
};

export function toTransactionRequest(spec: TransactionSpec): TransactionRequest {
  const request: TransactionRequest = { type: spec.type };
  if (spec.amount !== undefined) request.amountMinor = Math.round(Number(spec.amount) * 100);
  if (spec.currency !== undefined) request.currency = spec.currency;
  if (spec.card !== undefined) request.card = { ...spec.card };
  return request;
}
