/**
 * The JSON Schema of a JSON run report (harness/reports/model.ts RunReport), so CI tools and
 * certifiers can check a report they are handed. schemas/report.schema.json is generated from
 * it (npx tsx harness/suite/write-schemas.ts); test/suite/report-schema.test.ts holds it to
 * the TypeScript model.
 */
import type { JsonSchema } from '../kinds/kind';
import { JSON_SCHEMA_DIALECT, limitSchema } from './suite-schema';

/** ISO 8601 UTC or offset timestamp as Date.toISOString() writes it. */
const timestamp: JsonSchema = {
  type: 'string',
  pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$',
  description: 'ISO 8601 timestamp, e.g. "2025-01-31T12:00:00.000Z".',
};

const count: JsonSchema = { type: 'integer', minimum: 0 };
const sha256: JsonSchema = { type: 'string', pattern: '^[0-9a-f]{64}$', description: 'sha256 of the file bytes, hex.' };
const nullableNumber: JsonSchema = { type: ['number', 'null'] };
const testState: JsonSchema = { enum: ['passed', 'failed', 'errored', 'skipped'] };

const measurementSchema: JsonSchema = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    unit: { type: 'string' },
    value: { ...nullableNumber, description: 'null when the run produced no value.' },
  },
  required: ['name', 'unit', 'value'],
  additionalProperties: false,
};

const thresholdResultSchema: JsonSchema = {
  type: 'object',
  properties: {
    metric: { type: 'string' },
    unit: { type: 'string' },
    limit: limitSchema,
    measured: { ...nullableNumber, description: 'null when the metric produced no value: that fails the threshold.' },
    passed: { type: 'boolean' },
    message: { type: 'string', description: 'e.g. "p99_ms = 62.4 ms, limit max 50 ms"' },
  },
  required: ['metric', 'unit', 'limit', 'measured', 'passed', 'message'],
  additionalProperties: false,
};

const testResultSchema: JsonSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    kind: { type: 'string' },
    requirement: { type: 'string' },
    description: { type: 'string' },
    interface: { type: 'string', description: 'Device interface used, e.g. "ecr".' },
    state: testState,
    startedAt: timestamp,
    endedAt: timestamp,
    durationMs: { type: 'number', minimum: 0 },
    measurements: { type: 'array', items: measurementSchema },
    thresholds: { type: 'array', items: thresholdResultSchema },
    error: {
      type: 'object',
      description: 'For an errored test: what went wrong.',
      properties: { code: { type: 'string' }, message: { type: 'string' } },
      required: ['code', 'message'],
      additionalProperties: false,
    },
    skipReason: { type: 'string' },
    notes: { type: 'array', items: { type: 'string' } },
    details: {
      type: 'object',
      description: "Kind-specific evidence (histogram, counts, wire floor…); its shape is the kind's own.",
    },
    wireTrace: { type: 'string', description: 'Masked wire trace, relative to the report directory.' },
  },
  required: ['id', 'kind', 'interface', 'state', 'startedAt', 'endedAt', 'durationMs', 'measurements', 'thresholds'],
  additionalProperties: false,
};

const deviceInfoSchema: JsonSchema = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    file: { type: 'string' },
    sha256,
    emulated: { type: 'boolean' },
    identity: {
      type: 'object',
      description: 'What the device says about itself: model, serial, firmware, terminal id.',
      additionalProperties: { type: 'string' },
    },
  },
  required: ['name', 'file', 'sha256', 'emulated', 'identity'],
  additionalProperties: false,
};

const runInfoSchema: JsonSchema = {
  type: 'object',
  properties: {
    id: { type: 'string', minLength: 1 },
    poshilVersion: { type: 'string' },
    node: { type: 'string' },
    host: { type: 'string' },
    platform: { type: 'string' },
    suite: {
      type: 'object',
      properties: { name: { type: 'string' }, file: { type: 'string' }, sha256 },
      required: ['name', 'file', 'sha256'],
      additionalProperties: false,
    },
    devices: { type: 'array', items: deviceInfoSchema },
    seed: { type: 'integer' },
    startedAt: timestamp,
    endedAt: timestamp,
    durationMs: { type: 'number', minimum: 0 },
    interrupted: { type: 'string', description: 'Why the run stopped early (SIGINT, device gone).' },
    signer: {
      type: 'object',
      description: 'Set when the run is signed (poshil run --sign-key): the key whose Ed25519 signature over manifest.json is in manifest.sig; check it with poshil verify.',
      properties: {
        algorithm: { const: 'Ed25519' },
        fingerprint: {
          type: 'string',
          pattern: '^sha256:[0-9a-f]{64}$',
          description: '"sha256:" + the hex sha-256 of the public key\'s SubjectPublicKeyInfo DER encoding.',
        },
      },
      required: ['algorithm', 'fingerprint'],
      additionalProperties: false,
    },
  },
  required: ['id', 'poshilVersion', 'node', 'host', 'platform', 'suite', 'devices', 'seed', 'startedAt', 'endedAt', 'durationMs'],
  additionalProperties: false,
};

const runSummarySchema: JsonSchema = {
  type: 'object',
  properties: {
    total: count,
    passed: count,
    failed: count,
    errored: count,
    skipped: count,
    verdict: { enum: ['passed', 'failed'] },
  },
  required: ['total', 'passed', 'failed', 'errored', 'skipped', 'verdict'],
  additionalProperties: false,
};

export const reportSchema: JsonSchema = {
  $schema: JSON_SCHEMA_DIALECT,
  title: 'poshil run report',
  description: 'Results of one poshil run: what ran, on which device, and every test with its measurements and threshold verdicts.',
  type: 'object',
  properties: {
    $schema: { type: 'string' },
    schemaVersion: { const: 1 },
    run: runInfoSchema,
    summary: runSummarySchema,
    tests: { type: 'array', items: testResultSchema },
  },
  required: ['schemaVersion', 'run', 'summary', 'tests'],
  additionalProperties: false,
};
