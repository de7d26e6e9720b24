/**
 * The JSON Schema of a device profile, composed from the layers' own config schemas: each
 * interface's `transport`, `framing` and `protocol` block is a union on `type`, one branch per
 * entry of transportSchemas / framingSchemas / protocolSchemas. schemas/device.schema.json is
 * generated from it (npx tsx harness/suite/write-schemas.ts).
 *
 * As in the suite schema, a union is written as `if type = X then <X's schema>`: a block is
 * only checked against its own type's schema, so one mistake gives one message.
 */
import type { JsonSchema } from '../kinds/kind';
import { framingSchemas } from '../framing/config-schemas';
import { protocolSchemas } from '../protocols/config-schemas';
import { transportSchemas } from '../transports/config-schemas';
import { securitySchema } from '../host/host-keys';
import { INTERFACE_NAME_PATTERN, JSON_SCHEMA_DIALECT } from './suite-schema';

/** The three layer blocks of an interface, with the schemas of each `type`. */
export const layerSchemas = {
  transport: transportSchemas as Record<string, JsonSchema>,
  framing: framingSchemas as Record<string, JsonSchema>,
  protocol: protocolSchemas as Record<string, JsonSchema>,
} as const;

export type LayerName = keyof typeof layerSchemas;

function unionOnType(layer: LayerName, description: string): JsonSchema {
  const branches = layerSchemas[layer];
  const types = Object.keys(branches);
  return {
    type: 'object',
    description,
    properties: {
      type: { enum: types, description: `One of: ${types.join(', ')}.` },
    },
    required: ['type'],
    // No additionalProperties here: each type's own schema (the `then` below) allows exactly
    // its own options, and an unknown type is reported by the enum above alone.
    allOf: types.map((type) => ({
      if: { type: 'object', properties: { type: { const: type } }, required: ['type'] },
      then: branches[type],
    })),
  };
}

const nonNegative = (description: string): JsonSchema => ({ type: 'number', minimum: 0, description });

export const emulatorSchema: JsonSchema = {
  type: 'object',
  description: 'Present when poshil starts this device itself as an emulated terminal (no hardware needed).',
  properties: {
    processingMs: {
      type: 'object',
      description: 'How long the emulated terminal takes to process a transaction, in ms.',
      properties: {
        distribution: { enum: ['fixed', 'uniform', 'normal', 'lognormal'], description: 'Shape of the processing-time distribution.' },
        mean: nonNegative('Mean processing time in ms.'),
        stddev: nonNegative('Standard deviation in ms (normal, lognormal; uniform: spread around the mean).'),
        min: nonNegative('Shortest processing time in ms.'),
        max: nonNegative('Longest processing time in ms.'),
      },
      required: ['distribution', 'mean'],
      additionalProperties: false,
    },
    defects: {
      type: 'object',
      description: 'Defect switches, so that each test kind can be shown to catch the defect it exists for.',
      properties: {
        slowMs: nonNegative('Extra ms added to every response.'),
        dropEveryN: { type: 'integer', minimum: 0, description: 'Silently drop every Nth response (0: never).' },
        latencyCreep: nonNegative('Processing time grows by this many ms per transaction processed.'),
        stallAfterN: { type: 'integer', minimum: 0, description: 'After this many requests the terminal freezes for stallMs; every connection waits (0: never).' },
        hangEvery: { type: 'integer', minimum: 0, description: 'Every Nth request the terminal freezes for stallMs, again and again: a periodic hang (0: never).' },
        forgetOnReboot: { enum: [0, 1], description: 'The terminal comes back from a reboot with an empty journal: approvals made before it are gone from its totals (1: on).' },
        duplicateOnRetry: { enum: [0, 1], description: 'A repeated terminal id + STAN (a retransmission after a lost answer) is booked a second time instead of being answered from the journal (1: on).' },
        resetTraceOnSwitch: { enum: [0, 1], description: 'After a migration to another interface the terminal starts its sequences again (RRN sequence, ZVT trace and receipt numbers): numbers are reused (1: on).' },
        dropJournalOnSwitch: { enum: [0, 1], description: 'After a migration to another interface the terminal has lost its journal: totals restart and repeats are not recognised (1: on).' },
        divergentSerialCodes: { enum: [0, 1], description: 'The terminal\'s serial front-ends map a "do not honour" decline to 51 (insufficient funds) where its network front-ends answer 05 (1: on).' },
        stallMs: nonNegative('How long a stall lasts, in ms (default 1000).'),
        badChecksum: { enum: [0, 1], description: 'Serial link layer: every frame the terminal sends carries a wrong checksum (1: on).' },
        neverNak: { enum: [0, 1], description: 'Serial link layer: the terminal ACKs broken frames instead of NAKing them (1: on).' },
        slowAckMs: nonNegative('Serial link layer: the terminal sends its ACK/NAK this many ms late.'),
        noDleDoubling: { enum: [0, 1], description: 'ZVT serial: the terminal does not double DLE (10) bytes inside its frames (1: on).' },
        ignoresRetransmits: { enum: [0, 1], description: 'Serial link layer: after NAKing a frame the terminal silently discards the next complete frame it receives — the retransmission — with no ACK, no NAK, no processing (1: on).' },
        extraRetransmits: { type: 'integer', minimum: 0, maximum: 20, description: "Serial link layer: the terminal retransmits (and repeats ENQ) this many times more than the link's retries allow." },
        rs485NoTurnaround: { enum: [0, 1], description: 'RS485: the terminals answer without waiting the bus turnaround; what they send while the master still drives the line is lost (1: on).' },
        rs485AnswersAll: { enum: [0, 1], description: 'RS485: every terminal on the bus answers every address, so two stations drive the line at once and garble each other (1: on).' },
        usbWrongMaxPacketSize: { type: 'integer', minimum: 0, maximum: 1024, description: 'USB: the firmware sends packets of this many bytes on its IN endpoints while its descriptors promise 64 — firmware built for another bus speed; above 64 the host sees babble (0: off).' },
        usbStallEveryN: { type: 'integer', minimum: 0, description: 'USB: the device answers every Nth transfer on its bulk OUT endpoint with STALL (0: never).' },
        usbDropZlp: { enum: [0, 1], description: 'USB: the device sends no zero-length packet after a bulk IN transfer that fills its last packet, so such an answer never completes at the host (1: on).' },
        msrBadLrc: { enum: [0, 1], description: "USB card reader: the LRC character after each track's end sentinel is wrong (profiles whose msr protocol has lrc: true) (1: on)." },
        leakPan: { enum: [0, 1], description: 'Host leg: the terminal also sends the clear PAN (field 2) and track 2 (field 35) to the acquirer (1: on).' },
        reuseKsn: { enum: [0, 1], description: 'Host leg: the DUKPT transaction counter never advances after the first transaction, so every transaction reuses one KSN (1: on).' },
        wrongPinKey: { enum: [0, 1], description: 'Host leg: the PIN block is enciphered under the DUKPT data key instead of the PIN key (1: on).' },
        badMac: { enum: [0, 1], description: 'Host leg: the MAC in field 64 is wrong, its last byte inverted (1: on).' },
        weakTls: { enum: [0, 1], description: "Host leg: the terminal's TLS client offers TLS 1.0 to 1.3 and weak cipher suites (1: on)." },
        noCertCheck: { enum: [0, 1], description: "Host leg: the terminal does not check the acquirer's certificate; expired, self-signed and wrong-name certificates are accepted (1: on)." },
        crashOnOversize: { enum: [0, 1], description: 'Length-prefixed links: a frame announcing more than maxLength bytes kills the terminal — its process (or, in-process, its whole interface stack) ends and every connection is refused until it is restarted (1: on).' },
        hangOnBadBcd: { enum: [0, 1], description: 'A message with a nibble above 9 in a packed-BCD field (ZVT, binary ISO 8583) freezes the terminal: it stops answering anything on any connection until it is restarted (1: on).' },
      },
      additionalProperties: false,
    },
    journal: { type: 'string', minLength: 1, description: 'Transaction journal file, relative to the profile; default: in memory only.' },
    seed: { type: 'integer', minimum: 0, maximum: 4294967295, description: "Seed of the emulator's random choices; default: the suite seed." },
  },
  additionalProperties: false,
};

export function buildDeviceSchema(): JsonSchema {
  return {
    $schema: JSON_SCHEMA_DIALECT,
    title: 'poshil device profile',
    description: 'A POS device (real or emulated) and how to reach each of its interfaces.',
    type: 'object',
    properties: {
      $schema: { type: 'string', description: 'Path or URL of this schema, for editors.' },
      name: { type: 'string', minLength: 1, description: 'Device name, shown in reports.' },
      description: { type: 'string' },
      vendor: { type: 'string' },
      model: { type: 'string' },
      interfaces: {
        type: 'object',
        description: 'The device\'s interfaces by role: "ecr" (cash-register side), "host" (acquirer side), "peripheral" (card reader, PIN pad); a suffix tells two apart ("ecr-usb").',
        propertyNames: { pattern: INTERFACE_NAME_PATTERN },
        minProperties: 1,
        additionalProperties: {
          type: 'object',
          properties: {
            description: { type: 'string', description: 'What this interface is, for people reading the profile and the report.' },
            transport: unionOnType('transport', 'How bytes reach the device.'),
            framing: unionOnType('framing', 'How messages are delimited on the link.'),
            protocol: unionOnType('protocol', 'The message protocol spoken on the link.'),
            security: securitySchema,
          },
          required: ['transport', 'framing', 'protocol'],
          additionalProperties: false,
        },
      },
      emulator: emulatorSchema,
    },
    required: ['name', 'interfaces'],
    additionalProperties: false,
  };
}
