import type { JsonSchema } from '../json-schema';

/** Device-profile `framing` blocks, one JSON sub-schema per framing type. */
/** ACK/NAK link-layer timing, for the serial ECR framings that carry a link layer. */
const LINK_OPTIONS = {
  t1Ms: { type: 'integer', minimum: 1, maximum: 600_000, description: 'T1: how long the link waits for ACK/NAK after sending a frame (or ENQ) before it retransmits, in ms. Default 3000.' },
  retries: { type: 'integer', minimum: 0, maximum: 20, description: 'Retransmissions after the first try, on NAK or T1 timeout; then the send fails. Default 3.' },
  t2Ms: { type: 'integer', minimum: 1, maximum: 600_000, description: 'T2: inter-character timeout while receiving a frame, in ms; a frame that stops arriving for longer is abandoned and NAKed. Default: off.' },
} as const;

export const framingSchemas = {
  'length-prefix': {
    type: 'object',
    description: 'Each message is preceded by its length: 2-byte binary big-endian or 4-digit ASCII, optionally followed by a 5-byte TPDU.',
    properties: {
      type: { const: 'length-prefix' },
      lengthBytes: { enum: [2, 4], default: 2 },
      lengthEncoding: { enum: ['binary', 'ascii'], default: 'binary' },
      /** Whether the length counts itself (some hosts do). */
      includesPrefix: { type: 'boolean', default: false },
      tpdu: { type: 'boolean', default: false, description: 'A 5-byte TPDU header follows the length.' },
      maxLength: { type: 'integer', minimum: 1, maximum: 99999, default: 8192, description: 'Longest accepted frame in bytes; longer is a framing error.' },
    },
    required: ['type'],
    additionalProperties: false,
  },
  'stx-etx-lrc': {
    type: 'object',
    description:
      'Serial ECR character framing: STX [length] payload ETX LRC, where LRC is the XOR of the covered bytes (by default every byte after STX up to and including ETX). Bytes before STX are skipped; a bad LRC is a framing error the link answers with NAK.',
    properties: {
      type: { const: 'stx-etx-lrc' },
      preset: { enum: ['concert'], description: "Device family whose settings are the defaults; explicit options still win. 'concert': Ingenico Concert (LRC over every byte after STX up to and including ETX, ENQ/ACK handshake, EOT after)." },
      // No schema `default` on the options a preset sets: the loader fills schema defaults into
      // the profile, which would override the preset. stx-etx-lrc.ts applies the defaults.
      lengthByte: { type: 'boolean', description: 'A 1-byte binary payload length follows STX (covered by the LRC); the payload may then contain STX/ETX. Default false.' },
      lrcIncludesStx: { type: 'boolean', description: 'The LRC also covers the STX byte. Default false.' },
      lrcIncludesEtx: { type: 'boolean', description: 'The LRC covers the ETX byte. Default true.' },
      lrcSeed: { type: 'integer', minimum: 0, maximum: 255, description: 'Start value of the LRC XOR (some devices use e.g. 0x7F = 127). Default 0.' },
      enqHandshake: { type: 'boolean', description: "The link sends ENQ and waits for ACK before each frame, and sends EOT after the frame is acknowledged (Concert-style). Default false; true with the 'concert' preset." },
      maxLength: { type: 'integer', minimum: 1, maximum: 65535, description: 'Longest accepted payload in bytes (255 at most with a length byte); longer is a framing error. Default 1024 (255 with a length byte).' },
      ackNak: {
        type: 'boolean',
        description: 'The link acknowledges every frame (ACK 06 / NAK 15, retransmission on NAK or T1). Default true; false for devices that send bare STX…ETX frames (a bad LRC is then only dropped), which also rules out enqHandshake.',
      },
      ...LINK_OPTIONS,
    },
    required: ['type'],
    additionalProperties: false,
  },
  'zvt-serial': {
    type: 'object',
    description:
      'ZVT serial transport: DLE STX APDU DLE ETX CRC-low CRC-high, with every DLE (0x10) in the APDU doubled and a CRC-16 (polynomial 0x1021, start 0, LSB first) over the APDU and ETX. A bad CRC is a framing error the link answers with NAK.',
    properties: {
      type: { const: 'zvt-serial' },
      maxLength: { type: 'integer', minimum: 3, maximum: 65540, default: 65540, description: 'Longest accepted APDU in bytes (without DLE doubling); longer is a framing error.' },
      ...LINK_OPTIONS,
    },
    required: ['type'],
    additionalProperties: false,
  },
  'zvt-tcp': {
    type: 'object',
    description: 'ZVT over TCP/IP: bare APDUs, each delimited by its own length byte (FF + 2-byte little-endian length for 255 data bytes or more); no checksum, no ACK/NAK.',
    properties: {
      type: { const: 'zvt-tcp' },
      maxLength: { type: 'integer', minimum: 3, maximum: 65540, default: 65540, description: 'Longest accepted APDU in bytes, header included; longer is a framing error.' },
    },
    required: ['type'],
    additionalProperties: false,
  },
  'hid-report': {
    type: 'object',
    description: 'HID reports: every message is one report of a fixed size (the report descriptor\'s), whatever packets carry it. For a usb transport of class hid.',
    properties: {
      type: { const: 'hid-report' },
      reportSize: { type: 'integer', minimum: 1, maximum: 4096, default: 64, description: 'Bytes per report: the usb transport\'s reportSize (default 64, a full-speed interrupt packet).' },
    },
    required: ['type'],
    additionalProperties: false,
  },
} satisfies Record<string, JsonSchema>;

export type FramingType = keyof typeof framingSchemas;
