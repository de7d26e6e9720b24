import type { JsonSchema, MetricSpec } from './kind';
import { transactionSpecSchema, type TransactionSpec } from './transaction-spec';
import type { StripeCard, TrackNumber } from '../protocols/msr/iso7811';

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
  send: { transaction: TransactionSpec } | { message: { mti: string; fields?: Record<string, string> } } | { raw: string } | { swipe: { card: StripeCard } };
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
    /** Swipe steps: tracks that must have been read. */
    tracks?: TrackNumber[];
    /** Swipe steps: every track read is well formed (ISO 7811/7813). */
    iso7811?: boolean;
    /** Swipe steps: the tracks carry the swiped card's PAN and expiry. */
    cardMatches?: boolean;
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
            description: 'Exactly one of transaction, message, raw or swipe.',
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
              swipe: {
                type: 'object',
                description: 'Card readers (protocol msr): a test card is swiped — by the emulated reader, or by a person at a real one within withinMs — and the swipe report is checked.',
                properties: {
                  card: {
                    type: 'object',
                    properties: {
                      pan: { type: 'string', pattern: '^[0-9]{12,19}$', description: 'Test card number; masked in every trace and report.' },
                      expiry: { type: 'string', pattern: '^[0-9]{2}(0[1-9]|1[0-2])$', description: 'YYMM' },
                      name: { type: 'string', pattern: '^[A-Z0-9 /.-]{2,26}$', description: 'Track 1 name, "SURNAME/GIVEN NAME".' },
                      serviceCode: { type: 'string', pattern: '^[0-9]{3}$', default: '101' },
                    },
                    required: ['pan', 'expiry'],
                    additionalProperties: false,
                  },
                },
                required: ['card'],
                additionalProperties: false,
              },
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
              tracks: { type: 'array', items: { enum: [1, 2, 3] }, minItems: 1, uniqueItems: true, description: 'Swipe steps: tracks the reader must have read (decode status 0, data present).' },
              iso7811: { const: true, description: 'Swipe steps: every track read is well formed — start and end sentinel, field separators, character set, length, and the LRC when the reader passes it on (ISO/IEC 7811, 7813).' },
              cardMatches: { const: true, description: 'Swipe steps: tracks 1 and 2 carry the PAN and expiry of the card swiped.' },
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
