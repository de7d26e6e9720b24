import type { JsonSchema, MetricSpec } from './kind';
import { transactionSpecSchema, type TransactionSpec } from './transaction-spec';

export interface StressPhaseSpec {
  rate: number;
  to?: number;
  duration: string;
}

export interface StressParams {
  transaction: TransactionSpec;
  load?: { phases: StressPhaseSpec[]; count?: number };
  capacity?: {
    start: number;
    step?: number;
    factor?: number;
    max: number;
    stepDuration: string;
    objective?: { p99_ms?: number; error_rate?: number; min_achieved_ratio?: number };
  };
  concurrency?: number;
  maxInFlight?: number;
  dropAfter?: string;
  window?: string;
}

const duration = (description: string) => ({ type: 'string', pattern: '^[0-9]+(\\.[0-9]+)?(ms|s|m|h)$', description: `${description} Like "500ms", "30s", "2m" or "1h".` });
const rate = (description: string) => ({ type: 'number', exclusiveMinimum: 0, maximum: 1_000_000, description });


export const stressParamsSchema: JsonSchema = {
  type: 'object',
  description: 'Open-loop load: transactions sent on a schedule whatever the device does, latency measured from the intended send time.',
  properties: {
    transaction: transactionSpecSchema,
    load: {
      type: 'object',
      description: 'The arrival schedule: phases run one after another.',
      properties: {
        phases: {
          type: 'array',
          minItems: 1,
          items: {
            type: 'object',
            properties: {
              rate: { type: 'number', minimum: 0, maximum: 1_000_000, description: 'Arrivals per second (may be below 1: 0.2 is one every 5 s).' },
              to: { type: 'number', minimum: 0, maximum: 1_000_000, description: 'Ramp linearly to this rate by the end of the phase.' },
              duration: duration('How long the phase lasts.'),
            },
            required: ['rate', 'duration'],
            additionalProperties: false,
          },
        },
        count: { type: 'integer', minimum: 1, description: 'Fixed-count mode: stop after this many arrivals (the last rate continues past the phases).' },
      },
      required: ['phases'],
      additionalProperties: false,
    },
    capacity: {
      type: 'object',
      description: 'Capacity search: constant-rate steps, rising until the objective breaks; reports the highest sustainable rate.',
      properties: {
        start: rate('First step rate, transactions per second.'),
        step: rate('Add this much to the rate each step.'),
        factor: { type: 'number', exclusiveMinimum: 1, maximum: 10, description: 'Multiply the rate by this each step (instead of step).' },
        max: rate('Stop searching at this rate.'),
        stepDuration: duration('How long each step runs.'),
        objective: {
          type: 'object',
          description: 'What "sustainable" means; a step that breaks any of these ends the search.',
          properties: {
            p99_ms: { type: 'number', exclusiveMinimum: 0, description: 'p99 latency limit (from intended send time).' },
            error_rate: { type: 'number', minimum: 0, maximum: 100, description: 'Error budget in % of sent (default 1).' },
            min_achieved_ratio: { type: 'number', exclusiveMinimum: 0, maximum: 1, description: 'Achieved ÷ offered at least this (default 0.95).' },
          },
          additionalProperties: false,
        },
      },
      required: ['start', 'max', 'stepDuration'],
      additionalProperties: false,
    },
    concurrency: { type: 'integer', minimum: 1, maximum: 256, description: 'Connections (sessions) to the interface; arrivals are shared round-robin. Default 1.' },
    maxInFlight: { type: 'integer', minimum: 1, maximum: 10_000, description: 'Requests outstanding per connection at most; more wait in the harness (and count from their intended time). Default 8.' },
    dropAfter: duration('An arrival still waiting for a free slot after this long is dropped (not sent). Default: the transaction timeout.'),
    window: duration('Time-series window. Default "1s".'),
  },
  required: ['transaction'],
  // Exactly one of load (a schedule) or capacity (a search).
  oneOf: [
    { properties: { load: true }, required: ['load'], not: { properties: { capacity: true }, required: ['capacity'] } },
    { properties: { capacity: true }, required: ['capacity'], not: { properties: { load: true }, required: ['load'] } },
  ],
  additionalProperties: false,
};

export const stressMetrics: readonly MetricSpec[] = [
  { name: 'count', unit: 'transactions', description: 'Arrivals the schedule offered.' },
  { name: 'sent', unit: 'transactions', description: 'Arrivals actually sent.' },
  { name: 'completed', unit: 'transactions', description: 'Responses received (approved or declined).' },
  { name: 'errors', unit: 'transactions', description: 'Sent transactions that failed (timeout, link error).' },
  { name: 'timeouts', unit: 'transactions', description: 'Sent transactions with no response within the timeout.' },
  { name: 'error_rate', unit: '%', description: 'errors ÷ sent × 100.' },
  { name: 'dropped', unit: 'transactions', description: 'Arrivals the harness could not send in time (no free slot within dropAfter).' },
  { name: 'late_sends', unit: 'transactions', description: 'Sends more than 1 ms after their intended time.' },
  { name: 'send_lag_p99_ms', unit: 'ms', description: '99th percentile of send time minus intended time.' },
  { name: 'offered_tps', unit: 'transactions/s', description: 'Rate the schedule offered.' },
  { name: 'achieved_tps', unit: 'transactions/s', description: 'Responses per second actually achieved.' },
  { name: 'achieved_ratio', unit: '%', description: 'achieved_tps ÷ offered_tps × 100.' },
  { name: 'min_ms', unit: 'ms', description: 'Fastest response, from intended send time.' },
  { name: 'mean_ms', unit: 'ms', description: 'Mean response time, from intended send time.' },
  { name: 'p50_ms', unit: 'ms', description: 'Median response time, from intended send time.' },
  { name: 'p90_ms', unit: 'ms', description: '90th percentile, from intended send time.' },
  { name: 'p99_ms', unit: 'ms', description: '99th percentile, from intended send time.' },
  { name: 'p999_ms', unit: 'ms', description: '99.9th percentile, from intended send time.' },
  { name: 'max_ms', unit: 'ms', description: 'Slowest response, from intended send time.' },
  { name: 'capacity_tps', unit: 'transactions/s', description: 'Capacity search: highest step rate that met the objective (null when not searching or none did).' },
  { name: 'broke_at_tps', unit: 'transactions/s', description: 'Capacity search: the step rate that broke the objective (null if none did).' },
];
