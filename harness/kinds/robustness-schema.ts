import type { JsonSchema, MetricSpec } from './kind';
import { transactionSpecSchema, type TransactionSpec } from './transaction-spec';
import { CATEGORIES, type Category } from '../robustness/cases';

export interface RobustnessParams {
  /** Sent after every case: the device must still answer it within healthTimeoutMs. Default: echo. */
  healthCheck?: TransactionSpec;
  /** The valid message the mutations start from (sent once, its bytes captured). Default: the health check. */
  transaction?: TransactionSpec;
  /** Cases in the campaign, the categories taking turns. */
  cases?: number;
  categories?: Category[];
  /** The campaign stops after this long, whatever is left ("45s"). */
  duration?: string;
  /** How long to listen for the device's answer to a case. */
  answerMs?: number;
  healthTimeoutMs?: number;
  /** ISO 8583 field 39 values that count as refusing a malformed request. */
  rejectCodes?: string[];
  /** "per-case": each case on a connection of its own, the health check on a fresh one; "shared": one link throughout (serial lines). */
  connection?: 'per-case' | 'shared';
  shrink?: { enabled?: boolean; maxTries?: number; maxMs?: number; maxFailures?: number };
}

const durationSchema = { type: 'string', pattern: '^[0-9]+(\\.[0-9]+)?(ms|s|m|h)$' };

export const robustnessParamsSchema: JsonSchema = {
  type: 'object',
  description:
    'Robustness: a seeded campaign of malformed input (truncated frames, bad checksums, oversize and negative lengths, invalid BCD, unknown MTI/commands, random bytes, mutations of a valid message); after each case a health check must succeed. Counts refusals, wrong answers, hangs and deaths, and keeps the smallest input that still triggers each failure.',
  properties: {
    healthCheck: { ...transactionSpecSchema, description: 'Sent after every case; the device must answer it within healthTimeoutMs. Default { "type": "echo" }.' },
    transaction: { ...transactionSpecSchema, description: 'The valid message the mutations start from: sent once, its bytes captured as they went over the wire. Default: the health check.' },
    cases: { type: 'integer', minimum: 1, maximum: 100000, default: 200, description: 'Malformed inputs in the campaign; the categories take turns.' },
    categories: { type: 'array', items: { enum: [...CATEGORIES] }, minItems: 1, uniqueItems: true, description: 'Categories to run (default: every one that means something on the interface — no checksum to break on a bare length prefix).' },
    duration: { ...durationSchema, default: '60s', description: 'The campaign stops after this long, with the cases run so far (shrinking included).' },
    answerMs: { type: 'integer', minimum: 10, maximum: 60000, default: 250, description: "How long to listen for the device's answer to each case." },
    healthTimeoutMs: { type: 'integer', minimum: 10, maximum: 120000, default: 1000, description: 'The health check after each case must be answered within this; a second try on a fresh connection decides between a hang (no answer) and a death (no connection).' },
    rejectCodes: { type: 'array', items: { type: 'string', pattern: '^[0-9A-Za-z]{2}$' }, minItems: 1, default: ['30', '12'], description: 'ISO 8583: field 39 values that refuse a malformed request (30 format error, 12 invalid transaction).' },
    connection: { enum: ['per-case', 'shared'], description: 'per-case (default on TCP, TLS and virtual links): each case on its own connection and the health check on a fresh one, as an ECR reconnects after garbage; shared (default on serial lines): one link throughout.' },
    shrink: {
      type: 'object',
      description: 'For each failure, the smallest input that still triggers it (delta debugging over the bytes), bounded in probes and time.',
      properties: {
        enabled: { type: 'boolean', default: true },
        maxTries: { type: 'integer', minimum: 1, maximum: 10000, default: 64, description: 'Probes per failure.' },
        maxMs: { type: 'integer', minimum: 100, maximum: 600000, default: 10000, description: 'Time per failure.' },
        maxFailures: { type: 'integer', minimum: 0, maximum: 1000, default: 3, description: 'Failures shrunk per kind of failure (wrong answer, hang, death); the rest are kept as found.' },
      },
      additionalProperties: false,
    },
  },
  additionalProperties: false,
};

export const robustnessMetrics: readonly MetricSpec[] = [
  { name: 'cases', unit: 'cases', description: 'Malformed inputs sent.' },
  { name: 'rejected', unit: 'cases', description: 'Refused as the protocol says: NAK, ISO 8583 field 39 in rejectCodes, ZVT 84 xx.' },
  { name: 'ignored', unit: 'cases', description: 'No answer, and the device still healthy (input with nothing to answer: a cut-off frame, bytes that are no frame).' },
  { name: 'accepted', unit: 'cases', description: 'Mutations that still were well-formed requests, served normally.' },
  { name: 'wrong_answers', unit: 'cases', description: 'A malformed request answered as if it were good (default threshold: max 0).' },
  { name: 'hangs', unit: 'cases', description: 'After the case the device stopped answering (default threshold: max 0).' },
  { name: 'deaths', unit: 'cases', description: 'After the case the device refused connections: it died (default threshold: max 0).' },
  { name: 'recovered', unit: 'cases', description: 'The health check failed once and passed on a fresh connection.' },
  { name: 'correct_rate', unit: '%', description: '(rejected + ignored + accepted) ÷ cases × 100.' },
];
