/**
 * The JSON Schema of a suite file: the one source of truth for what a suite may contain.
 * schemas/suite.schema.json is generated from it (npx tsx harness/suite/write-schemas.ts).
 *
 * Each test is a union on `kind`, written as one `if kind = X then …` per kind rather than a
 * `oneOf`: a validator then checks a test only against its own kind's branch, so a mistake in
 * a latency test's params is reported once, not once per kind. The kinds registry supplies
 * every branch: a kind's `paramsSchema` and the names of the metrics it produces (the only
 * names its thresholds may use).
 */
import type { JsonSchema, TestKind } from '../kinds/kind';
import { kinds } from '../kinds/registry';
import { operatorPromptSchema } from './operator-prompt-schema';

export const JSON_SCHEMA_DIALECT = 'https://json-schema.org/draft/2020-12/schema';

export const TEST_ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._-]*$';
export const INTERFACE_NAME_PATTERN = '^(ecr|host|peripheral)(-[a-z0-9]+)?$';
/** A test's interface: a name, or a name ending in `*` for every matching interface ("ecr-lane*": every lane on a bus). */
export const TEST_INTERFACE_PATTERN = '^(ecr|host|peripheral)(-[a-z0-9]+|-[a-z0-9]*\\*|\\*)?$';

export const DEFAULT_SEED = 1;
export const DEFAULT_TIMEOUT_MS = 5000;
export const DEFAULT_INTERFACE = 'ecr';

/** A pass/fail limit on one metric. */
export const limitSchema: JsonSchema = {
  type: 'object',
  description: 'Pass/fail limit on a measured value: the test fails when the value is below min or above max.',
  properties: {
    min: { type: 'number', description: 'Lowest passing value (inclusive).' },
    max: { type: 'number', description: 'Highest passing value (inclusive).' },
  },
  minProperties: 1,
  additionalProperties: false,
};

/** `thresholds` of one kind: keys limited to the metrics the kind produces. */
export function thresholdsSchema(kind: Pick<TestKind<unknown>, 'metrics'>): JsonSchema {
  const names = kind.metrics.map((m) => m.name);
  return {
    type: 'object',
    description: `Limits by metric name. Metrics: ${kind.metrics.map((m) => `${m.name} (${m.unit})`).join(', ')}.`,
    propertyNames: { enum: names },
    additionalProperties: limitSchema,
  };
}

/** A schema's `required` list names `params` when the kind cannot run without any. */
function paramsRequired(paramsSchema: JsonSchema): boolean {
  const required = paramsSchema.required;
  return Array.isArray(required) && required.length > 0;
}

function kindBranch(name: string, kind: TestKind<unknown>): JsonSchema {
  return {
    if: { type: 'object', properties: { kind: { const: name } }, required: ['kind'] },
    then: {
      type: 'object',
      properties: {
        params: kind.paramsSchema,
        thresholds: thresholdsSchema(kind),
      },
      ...(paramsRequired(kind.paramsSchema) ? { required: ['params'] } : {}),
    },
  };
}

export function buildSuiteSchema(registry: Record<string, TestKind<unknown>> = kinds as Record<string, TestKind<unknown>>): JsonSchema {
  const kindNames = Object.keys(registry);
  const testSchema: JsonSchema = {
    type: 'object',
    description: 'One test: what kind it is, what it evidences, how it runs and when it passes.',
    properties: {
      id: {
        type: 'string',
        pattern: TEST_ID_PATTERN,
        description: 'Unique within the suite: letters, digits, ".", "_" and "-", starting with a letter or digit.',
      },
      kind: {
        enum: kindNames,
        description: kindNames.map((k) => `${k}: ${registry[k].description}`).join('\n'),
      },
      requirement: { type: 'string', minLength: 1, description: 'The requirement this test evidences, e.g. "REQ-LAT-001".' },
      description: { type: 'string' },
      interface: {
        type: 'string',
        pattern: TEST_INTERFACE_PATTERN,
        default: DEFAULT_INTERFACE,
        description:
          'Device interface the test talks to: ecr, host or peripheral (optionally with a suffix, e.g. "ecr-usb"). A name ending in * runs the test once on every matching interface, e.g. "ecr-lane*" for every terminal on an RS485 bus.',
      },
      params: { type: 'object', description: "The kind's parameters." },
      thresholds: {
        type: 'object',
        description: 'Pass/fail limits by metric name.',
        additionalProperties: limitSchema,
      },
      skip: {
        type: ['boolean', 'string'],
        description: 'true, or the reason, to skip this test (it is reported as skipped).',
      },
      timeoutMs: { type: 'integer', minimum: 1, description: "Per-transaction timeout for this test; default: the suite's defaults.timeoutMs." },
      prompt: operatorPromptSchema('An operator step before the test starts (swap a cable, insert a card): asked at a terminal, answered by a piped line or by poshil run --yes; with no one to ask the test errors instead of hanging.'),
    },
    required: ['id', 'kind'],
    additionalProperties: false,
    allOf: kindNames.map((name) => kindBranch(name, registry[name])),
  };

  return {
    $schema: JSON_SCHEMA_DIALECT,
    title: 'poshil suite',
    description: 'A declarative suite of tests run by poshil against one POS device profile.',
    type: 'object',
    properties: {
      $schema: { type: 'string', description: 'Path or URL of this schema, for editors.' },
      name: { type: 'string', minLength: 1, description: 'Suite name, shown in reports.' },
      description: { type: 'string' },
      device: {
        type: 'string',
        minLength: 1,
        description: 'Device profile file, relative to this suite file, e.g. "../devices/emulated-terminal.json".',
      },
      seed: {
        type: 'integer',
        minimum: 0,
        maximum: 4294967295,
        default: DEFAULT_SEED,
        description: 'Seed for every random choice in the run (arrivals, faults, emulator), so a run can be repeated.',
      },
      defaults: {
        type: 'object',
        description: 'Values every test uses unless it sets its own.',
        properties: {
          timeoutMs: { type: 'integer', minimum: 1, default: DEFAULT_TIMEOUT_MS, description: 'Per-transaction timeout in ms.' },
        },
        additionalProperties: false,
      },
      tests: { type: 'array', minItems: 1, items: testSchema },
    },
    required: ['name', 'device', 'tests'],
    additionalProperties: false,
  };
}

/**
 * The suite schema in parts, for checking a valid suite quickly (validators.ts): `shape` is
 * the schema without the per-kind branches of a test, `kinds` the `then` of each kind's branch.
 * A suite is valid exactly when it matches `shape` — so every test is an object whose `kind` is
 * one of the kinds — and each test matches the part of its own kind: the branches of the other
 * kinds do not apply to it. Derived from buildSuiteSchema, so the two cannot disagree.
 */
export function suiteSchemaParts(registry?: Record<string, TestKind<unknown>>): { shape: JsonSchema; kinds: Record<string, JsonSchema> } {
  const full = buildSuiteSchema(registry);
  const properties = full.properties as Record<string, JsonSchema>;
  const tests = properties.tests;
  const { allOf, ...test } = tests.items as JsonSchema & { allOf: { if: { properties: { kind: { const: string } } }; then: JsonSchema }[] };
  const kinds: Record<string, JsonSchema> = {};
  // A part is compiled on its own: it keeps the root's shared definitions, should it refer to any.
  const defs = full.$defs === undefined ? {} : { $defs: full.$defs };
  for (const branch of allOf) kinds[branch.if.properties.kind.const] = { ...branch.then, ...defs };
  return { shape: { ...full, properties: { ...properties, tests: { ...tests, items: test } } }, kinds };
}
