import type { JsonSchema } from '../json-schema';

/** Device-profile `protocol` blocks, one JSON sub-schema per protocol. */
export const protocolSchemas = {
  iso8583: {
    type: 'object',
    description: 'ISO 8583 request/response messages, laid out by a packager.',
    properties: {
      type: { const: 'iso8583' },
      packager: {
        type: 'string',
        description: 'Built-in packager name (iso87ascii, iso87binary) or a path to a packager JSON file, relative to the profile.',
      },
      terminalId: { type: 'string', minLength: 8, maxLength: 8, description: 'Field 41, card acceptor terminal id.' },
      merchantId: { type: 'string', minLength: 15, maxLength: 15, description: 'Field 42, card acceptor id.' },
      currency: { type: 'string', pattern: '^[0-9]{3}$', default: '978', description: 'ISO 4217 numeric currency code (field 49).' },
      timeoutMs: { type: 'integer', minimum: 1, description: 'Response timeout; defaults to the suite default.' },
    },
    required: ['type', 'packager'],
    additionalProperties: false,
  },
  zvt: {
    type: 'object',
    description: 'ZVT (the German ECR–terminal protocol): Authorisation 06 01, Refund 06 31, Reversal 06 30, End-of-day 06 50, Status enquiry 05 01, with the terminal dialogue (80 00 00, 04 0F, 04 FF, 06 D1, 06 0F / 06 1E). Use zvt-serial framing on RS232, zvt-tcp on TCP (port 20007 by default on terminals).',
    properties: {
      type: { const: 'zvt' },
      password: { type: 'string', pattern: '^[0-9]{6}$', default: '000000', description: 'Terminal password for administrative commands (6 digits).' },
      currency: { type: 'integer', minimum: 1, maximum: 999, default: 978, description: 'ISO 4217 numeric currency sent with amounts.' },
    },
    required: ['type'],
    additionalProperties: false,
  },
  concert: {
    type: 'object',
    description:
      'Ingenico Concert V2 ("E+"), the STX/ETX cash-register protocol: a 34-character request (POS number, amount, answer flag, payment mode, transaction type, currency, private data, delay, authorisation) and a 25-character answer (80 with the rep card-data field). Sale, refund and reversal (cancellation); Concert has no echo or settlement. Use stx-etx-lrc framing with "preset": "concert".',
    properties: {
      type: { const: 'concert' },
      posNumber: { type: 'string', pattern: '^[0-9]{2}$', default: '01', description: 'Cash register (POS) number, 2 digits; the terminal echoes it.' },
      currency: { type: 'string', pattern: '^[0-9]{3}$', default: '978', description: 'ISO 4217 numeric currency code sent with amounts.' },
      answerFlag: { type: 'boolean', default: false, description: "Ask for the long answer with the 55-character rep field (card data) (answer flag '1')." },
      paymentMode: { enum: ['1', 'C'], default: '1', description: "Payment mode: '1' card, 'C' cheque." },
    },
    required: ['type'],
    additionalProperties: false,
  },
  msr: {
    type: 'object',
    description:
      'A USB HID magnetic-stripe reader (a peripheral interface): each swipe is one 337-byte input report — decode status and length per track, card encode type, then three 110-byte track fields (the layout of common HID swipe readers; harness/protocols/msr/hid-report.ts). Use hid-report framing with reportSize 337; tests read swipes with a conformance "swipe" step.',
    properties: {
      type: { const: 'msr' },
      layout: { enum: ['hid-337'], default: 'hid-337', description: 'Report layout (hid-337: 7 header bytes, then tracks 1, 2 and 3 in 110-byte fields).' },
      lrc: { type: 'boolean', default: false, description: 'The reader passes each track\'s LRC character on after the end sentinel (then it is checked).' },
    },
    required: ['type'],
    additionalProperties: false,
  },
} satisfies Record<string, JsonSchema>;

export type ProtocolType = keyof typeof protocolSchemas;
