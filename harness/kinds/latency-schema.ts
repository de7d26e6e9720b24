import type { JsonSchema, MetricSpec } from './kind';
import { transactionSpecSchema, type TransactionSpec } from './transaction-spec';

export interface LatencyParams {
  transaction: TransactionSpec;
  warmup?: { iterations?: number; duration?: string };
  iterations?: number;
  duration?: string;
}

const durationSchema = { type: 'string', pattern: '^[0-9]+(\\.[0-9]+)?(ms|s|m)$', description: 'A duration like "500ms", "5s" or "2m".' };

export const latencyParamsSchema: JsonSchema = {
  type: 'object',
  description: 'Closed-loop latency: one transaction at a time, measured from send to response.',
  properties: {
    transaction: transactionSpecSchema,
    warmup: {
      type: 'object',
      description: 'Transactions sent before measuring, so connection setup and JIT do not count.',
      properties: { iterations: { type: 'integer', minimum: 0 }, duration: durationSchema },
      additionalProperties: false,
    },
    iterations: { type: 'integer', minimum: 1, description: 'Measured transactions (at least this many).' },
    duration: { ...durationSchema, description: 'Measure for at least this long.' },
  },
  required: ['transaction'],
  additionalProperties: false,
};

export const latencyMetrics: readonly MetricSpec[] = [
  { name: 'count', unit: 'transactions', description: 'Measured transactions attempted.' },
  { name: 'errors', unit: 'transactions', description: 'Transactions that failed (timeout, link error, bad response).' },
  { name: 'timeouts', unit: 'transactions', description: 'Transactions with no response within the timeout.' },
  { name: 'error_rate', unit: '%', description: 'errors ÷ count × 100.' },
  { name: 'min_ms', unit: 'ms', description: 'Fastest response.' },
  { name: 'mean_ms', unit: 'ms', description: 'Mean response time.' },
  { name: 'stddev_ms', unit: 'ms', description: 'Standard deviation of response time.' },
  { name: 'p50_ms', unit: 'ms', description: 'Median response time.' },
  { name: 'p90_ms', unit: 'ms', description: '90th percentile response time.' },
  { name: 'p99_ms', unit: 'ms', description: '99th percentile response time.' },
  { name: 'p999_ms', unit: 'ms', description: '99.9th percentile response time.' },
  { name: 'max_ms', unit: 'ms', description: 'Slowest response.' },
  { name: 'tps', unit: 'transactions/s', description: 'Successful transactions per second, one at a time.' },
  { name: 'wire_floor_ms', unit: 'ms', description: 'Time request + response need on the wire at the line rate (null when the transport has none).' },
  { name: 'floor_ratio', unit: '×', description: 'p50 ÷ wire floor: how far the device is above its wire time (null without a line rate).' },
];
