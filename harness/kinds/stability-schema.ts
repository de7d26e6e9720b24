import type { JsonSchema, MetricSpec } from './kind';
import { transactionSpecSchema, type TransactionSpec } from './transaction-spec';
import { faultScheduleSchema, type FaultSpec } from '../faults/fault-spec';

export interface StabilityParams {
  transaction: TransactionSpec;
  /** Transactions per second offered (one at a time, paced). */
  rate: number;
  duration?: string;
  count?: number;
  /** Window for the time series and drift, e.g. "10s". */
  window?: string;
  /** Faults injected on the test's link (between transport and framing), and device reboots. */
  faults?: (FaultSpec | RebootFault)[];
  /** Reconnect attempts after the link drops, with exponential back-off from 50 ms up to 2 s. */
  reconnectAttempts?: number;
  /** Transactions at the start whose latency is not recorded (connection set-up, JIT warm-up). */
  warmup?: number;
}

const durationSchema = { type: 'string', pattern: '^[0-9]+(\\.[0-9]+)?(ms|s|m|h)$', description: 'A duration like "500ms", "30s", "5m" or "2h".' };

/** A device reboot in the schedule: not a link fault, the device itself restarts. */
export interface RebootFault {
  type: 'reboot';
  at: string;
}

const rebootSchema: JsonSchema = {
  type: 'object',
  description: 'The device reboots at `at` (emulated terminals only).',
  properties: { type: { const: 'reboot' }, at: { type: 'string', pattern: '^[0-9]+(\\.[0-9]+)?(ms|s|m|h)$', description: 'When, from the start of the test, e.g. "5s".' } },
  required: ['type', 'at'],
  additionalProperties: false,
};

export const stabilityParamsSchema: JsonSchema = {
  type: 'object',
  description:
    'Stability: transactions at a steady rate for a duration or a count, with faults injected on the link; per-window throughput and percentiles, drift, recovery time after each fault, and a reconciliation of every transaction against the device totals.',
  properties: {
    transaction: transactionSpecSchema,
    rate: { type: 'number', exclusiveMinimum: 0, maximum: 10000, description: 'Transactions per second offered, one at a time.' },
    duration: { ...durationSchema, description: 'Run this long (with count: whichever comes first).' },
    count: { type: 'integer', minimum: 1, maximum: 10000000, description: 'Run this many transactions.' },
    window: { ...durationSchema, default: '10s', description: 'Length of one row of the time series.' },
    faults: {
      type: 'array',
      description: `${(faultScheduleSchema as { description?: string }).description ?? 'Faults injected on the link.'} Also { "type": "reboot", "at": "5s" }: the device restarts (emulated terminals: the process ends and starts again on the same ports, keeping its journal on disk).`,
      items: {
        if: { type: 'object', properties: { type: { const: 'reboot' } }, required: ['type'] },
        then: rebootSchema,
        else: (faultScheduleSchema as { items: JsonSchema }).items,
      },
    },
    warmup: { type: 'integer', minimum: 0, default: 10, description: 'Transactions at the start whose latency is left out of the percentiles and windows (set-up, warm-up); they are reconciled like every other.' },
    reconnectAttempts: { type: 'integer', minimum: 0, maximum: 100, default: 10, description: 'Reconnects tried after the link drops (back-off 50 ms doubling to 2 s) before a transaction counts as failed.' },
  },
  required: ['transaction', 'rate'],
  // One of the two ends the run (both: whichever comes first).
  anyOf: [
    { properties: { duration: durationSchema }, required: ['duration'] },
    { properties: { count: { type: 'integer' } }, required: ['count'] },
  ],
  additionalProperties: false,
};

export const stabilityMetrics: readonly MetricSpec[] = [
  { name: 'transactions', unit: 'transactions', description: 'Transactions started.' },
  { name: 'approved', unit: 'transactions', description: 'Approved and confirmed at the ECR.' },
  { name: 'errors', unit: 'transactions', description: 'Transactions whose first attempt got no answer (timeout or lost link).' },
  { name: 'error_rate', unit: '%', description: 'errors ÷ transactions × 100.' },
  { name: 'reconnects', unit: 'reconnects', description: 'Times the link was reopened after dropping.' },
  { name: 'reversals', unit: 'transactions', description: 'Reversals (0400) sent for transactions left without an answer.' },
  { name: 'lost', unit: 'transactions', description: 'Approvals the ECR holds that the device totals do not: 0 passes.' },
  { name: 'duplicated', unit: 'transactions', description: 'Sales the device booked more than once (e.g. a retransmission booked again): 0 passes.' },
  { name: 'unresolved', unit: 'transactions', description: 'Transactions whose outcome stayed unknown: no answer, and the reversal got none either.' },
  { name: 'p50_ms', unit: 'ms', description: 'Median response time over the run.' },
  { name: 'p99_ms', unit: 'ms', description: '99th percentile over the run.' },
  { name: 'first_window_p99_ms', unit: 'ms', description: 'p99 of the first whole window with no fault in effect.' },
  { name: 'last_window_p99_ms', unit: 'ms', description: 'p99 of the last whole window with no fault in effect.' },
  { name: 'drift_p99_ratio', unit: '×', description: 'last_window_p99_ms ÷ first_window_p99_ms: latency creeping up over the run.' },
  { name: 'drift_error_rate', unit: '%', description: 'Error rate of the last window minus that of the first.' },
  { name: 'faults', unit: 'faults', description: 'Faults injected.' },
  { name: 'max_recovery_ms', unit: 'ms', description: 'Longest time from the end of a fault to the next successful transaction.' },
];
