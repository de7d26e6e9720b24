import type { JsonSchema, MetricSpec } from './kind';
import { transactionSpecSchema, type TransactionSpec } from './transaction-spec';

export interface FieldMatcher {
  equals?: string;
  present?: boolean;
  absent?: boolean;
  /** The response carries the request's value of this field (true: the same field number). */
  echoes?: boolean | string;
  matches?: string;
}

export interface ConformanceStep {
  id: string;
  requirement?: string;
  description?: string;
  /** false: the harness's link layer sends no ACK, NAK or ENQ answer during the step. */
  linkReplies?: boolean;
  send: { transaction: TransactionSpec } | { message: { mti: string; fields?: Record<string, string> } } | { raw: string };
  expect: {
    approved?: boolean;
    responseCode?: string;
    mti?: string;
    fields?: Record<string, FieldMatcher>;
    /** Regular expression over the hex of the raw bytes received (e.g. "^15" for a NAK). */
    bytes?: string;
    noResponse?: boolean;
    withinMs?: number;
    /** Raw steps: collect for all of withinMs before matching `bytes` (to show something stops). */
    wholeWindow?: boolean;
  };
}

export interface ConformanceParams {
  steps: ConformanceStep[];
}

/** An ISO 8583 MTI ("0200") or a message name of a protocol with named messages (Concert: "request", "response"). */
const MTI_PATTERN = '^([0-9]{4}|[a-z][A-Za-z0-9-]*)$';
/** An ISO 8583 field number ("11") or a field name of a protocol with named fields (Concert: "privateData"). */
const FIELD_NAME_PATTERN = '^([0-9]{1,3}|[A-Za-z][A-Za-z0-9]*)$';

const matcher: JsonSchema = {
  type: 'object',
  properties: {
    equals: { type: 'string', description: 'The field has exactly this value.' },
    present: { const: true, description: 'The field is there.' },
    absent: { const: true, description: 'The field is not there (e.g. no PAN in a response).' },
    echoes: { type: ['boolean', 'string'], description: 'The field equals the request\'s field (true: the same field; or another field, by number or name).' },
    matches: { type: 'string', description: 'The field matches this regular expression.' },
  },
  minProperties: 1,
  additionalProperties: false,
};

export const conformanceParamsSchema: JsonSchema = {
  type: 'object',
  description: 'Scripted exchanges: each step sends a transaction, a protocol message or raw bytes, and checks what comes back.',
  properties: {
    steps: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        properties: {
          id: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$' },
          requirement: { type: 'string', description: 'The requirement this step evidences.' },
          description: { type: 'string' },
          linkReplies: {
            type: 'boolean',
            default: true,
            description:
              "false: during this step the harness's link layer answers nothing (no ACK, NAK, or ACK to ENQ), as an ECR that never acknowledges — to check that the device's retransmissions stop after N.",
          },
          send: {
            type: 'object',
            description: 'Exactly one of transaction, message or raw.',
            properties: {
              transaction: transactionSpecSchema,
              message: {
                type: 'object',
                description:
                  'A protocol message as written (ISO 8583: MTI and fields by number, field 11 filled in when left out; Concert: mti "request" and fields by name, privateData filled in when left out).',
                properties: {
                  mti: { type: 'string', pattern: MTI_PATTERN },
                  fields: { type: 'object', propertyNames: { pattern: FIELD_NAME_PATTERN }, additionalProperties: { type: 'string' } },
                },
                required: ['mti'],
                additionalProperties: false,
              },
              raw: { type: 'string', pattern: '^([0-9A-Fa-f]{2})+$', description: 'Bytes in hex, sent below framing and link layer (e.g. a frame with a broken checksum).' },
            },
            minProperties: 1,
            maxProperties: 1,
            additionalProperties: false,
          },
          expect: {
            type: 'object',
            properties: {
              approved: { type: 'boolean' },
              responseCode: { type: 'string', pattern: '^[0-9A-Za-z]{2}$' },
              mti: { type: 'string', pattern: MTI_PATTERN },
              fields: { type: 'object', propertyNames: { pattern: FIELD_NAME_PATTERN }, additionalProperties: matcher },
              bytes: { type: 'string', description: 'Regular expression over the hex (upper case) of the bytes received, e.g. "^15" for a NAK.' },
              noResponse: { const: true, description: 'Nothing may come back within withinMs.' },
              withinMs: { type: 'integer', minimum: 1, description: 'Time limit for the answer.' },
              wholeWindow: {
                type: 'boolean',
                default: false,
                description: 'Raw steps: collect everything for the whole withinMs before matching "bytes", instead of stopping at the first match — to show that something stops (e.g. retransmissions after N).',
              },
            },
            additionalProperties: false,
          },
        },
        required: ['id', 'send', 'expect'],
        additionalProperties: false,
      },
    },
  },
  required: ['steps'],
  additionalProperties: false,
};

export const conformanceMetrics: readonly MetricSpec[] = [
  { name: 'steps', unit: 'steps', description: 'Steps run.' },
  { name: 'passed_steps', unit: 'steps', description: 'Steps whose every check held.' },
  { name: 'failed_steps', unit: 'steps', description: 'Steps with at least one broken check (default threshold: max 0).' },
  { name: 'pass_rate', unit: '%', description: 'passed_steps ÷ steps × 100.' },
];
