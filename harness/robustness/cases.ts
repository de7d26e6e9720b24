import type { Frame } from '../framing/framer';
import { createFramer } from '../framing/registry';
import type { Random } from '../faults/random';
import type { StackCodec } from './stack-codec';

/**
 * The malformed inputs of a robustness campaign, drawn from the suite seed so that a campaign
 * replays byte for byte. Each category attacks one layer: the framing (truncated frames, bad
 * checksums, oversize and negative lengths, random bytes), the protocol (invalid BCD, unknown
 * MTI or command) or both at once (mutations of the suite's own valid messages: bit flips,
 * inserted and deleted bytes, some re-framed so they get past the checksum to the decoder).
 */
export const CATEGORIES = ['truncated', 'bad-checksum', 'oversize-length', 'negative-length', 'invalid-bcd', 'unknown-command', 'random-bytes', 'mutation'] as const;
export type Category = (typeof CATEGORIES)[number];

export interface RobustnessCase {
  /** "mutation-17": category and position in the campaign. */
  id: string;
  category: Category;
  bytes: Buffer;
}

type Generator = (seed: Frame, random: Random) => Buffer | undefined;

/** The categories that mean something on this stack (no checksum to break on a bare length prefix). */
export function applicableCategories(codec: StackCodec): Category[] {
  return CATEGORIES.filter((c) => generatorFor(codec, c) !== undefined);
}

/**
 * `count` cases, the categories taking turns (round robin over `categories`), each built from
 * one of the seed frames (the suite's own valid messages, as they went over the wire).
 */
export function generateCases(codec: StackCodec, seeds: readonly Frame[], random: Random, count: number, categories: readonly Category[]): RobustnessCase[] {
  const usable = categories.map((c) => [c, generatorFor(codec, c)] as const).filter((e): e is readonly [Category, Generator] => e[1] !== undefined);
  const cases: RobustnessCase[] = [];
  if (usable.length === 0 || seeds.length === 0) return cases;
  // A generator may decline a seed (no BCD field to spoil): bounded, so a campaign always ends.
  for (let attempt = 0; cases.length < count && attempt < count * 4; attempt++) {
    const [category, generate] = usable[attempt % usable.length] as readonly [Category, Generator];
    const bytes = generate(pick(seeds, random), random);
    if (bytes && bytes.length > 0) cases.push({ id: `${category}-${cases.length + 1}`, category, bytes });
  }
  return cases;
}

function generatorFor(codec: StackCodec, category: Category): Generator | undefined {
  const encode = (frame: Frame): Buffer => codec.framer().encode(frame);
  const framing = codec.framing;
  switch (category) {
    case 'truncated':
      return (seed, random) => {
        const whole = encode(seed);
        return whole.subarray(0, 1 + Math.floor(random() * (whole.length - 1)));
      };
    case 'bad-checksum':
      if (framing.type !== 'stx-etx-lrc' && framing.type !== 'zvt-serial') return undefined;
      return (seed, random) => {
        const whole = Buffer.from(encode(seed));
        // The checksum is the last byte (LRC) or the last two (ZVT CRC-16): spoil one of them.
        const at = whole.length - 1 - (framing.type === 'zvt-serial' ? Math.floor(random() * 2) : 0);
        whole[at] = (whole[at] as number) ^ (1 + Math.floor(random() * 255));
        return whole;
      };
    case 'oversize-length':
      return oversize(codec);
    case 'negative-length':
      return negativeLength(codec);
    case 'invalid-bcd':
      return invalidBcd(codec);
    case 'unknown-command':
      return unknownCommand(codec, encode);
    case 'random-bytes':
      return (_seed, random) => randomBytes(random, 1 + Math.floor(random() * 64));
    case 'mutation':
      return (seed, random) => {
        // Half below the framing (the checksum or length catches them), half re-framed so the
        // decoder itself meets the damage.
        if (random() < 0.5) return mutate(encode(seed), random);
        const payload = mutate(seed.payload, random);
        return payload.length > 0 ? safeEncode(encode, { ...seed, payload }) : undefined;
      };
  }
}

function oversize(codec: StackCodec): Generator | undefined {
  const framing = codec.framing;
  const max = typeof framing.maxLength === 'number' ? framing.maxLength : undefined;
  if (framing.type === 'length-prefix') {
    const ascii = framing.lengthEncoding === 'ascii';
    const bytes = framing.lengthBytes === 4 ? 4 : 2;
    const limit = max ?? 8192;
    const capacity = ascii ? 10 ** bytes - 1 : bytes === 2 ? 0x7fff : 0x7fffffff;
    if (limit >= capacity) return undefined;
    return (seed, random) => {
      const announced = limit + 1 + Math.floor(random() * (capacity - limit));
      const prefix = Buffer.alloc(bytes);
      if (ascii) prefix.write(String(announced).padStart(bytes, '0'), 'latin1');
      else if (bytes === 2) prefix.writeUInt16BE(announced);
      else prefix.writeUInt32BE(announced);
      // The prefix promises far more than follows: a receiver that trusts it waits or allocates.
      return Buffer.concat([prefix, seed.header ?? Buffer.alloc(0), seed.payload]);
    };
  }
  if (framing.type === 'zvt-tcp') {
    // FF + a 2-byte length (low byte first) announcing up to 64 KiB, then a handful of bytes.
    return (seed, random) => Buffer.concat([seed.payload.subarray(0, 2), Buffer.from([0xff, 0xff, 0xf0 + Math.floor(random() * 16)]), seed.payload.subarray(3, 16)]);
  }
  if (framing.type === 'stx-etx-lrc' || framing.type === 'zvt-serial') {
    // A whole frame one byte longer than the receiver accepts, checksum correct.
    const limit = max ?? (framing.type === 'zvt-serial' ? 65540 : 1024);
    // Beyond what a length byte or the framing's own ceiling can express there is no frame to build.
    if (limit > 16384 || framing.lengthByte === true) return undefined;
    // Filled with digits, not random bytes: a control byte (STX, ETX, DLE) would end the frame early.
    return (seed, random) => {
      const filler = Buffer.alloc(limit + 1, 0x30 + Math.floor(random() * 10));
      const body = Buffer.concat([seed.payload, filler]).subarray(0, limit + 1);
      return frameUnchecked(codec, body);
    };
  }
  return undefined;
}

function negativeLength(codec: StackCodec): Generator | undefined {
  const framing = codec.framing;
  if (framing.type !== 'length-prefix') return undefined;
  if (framing.lengthEncoding === 'ascii') {
    // "-12" where digits belong: a parser reading it with atoi gets a negative length.
    return (seed, random) => Buffer.concat([Buffer.from(`-${String(1 + Math.floor(random() * 99)).padStart((framing.lengthBytes === 4 ? 4 : 2) - 1, '0')}`, 'latin1'), seed.payload]);
  }
  // The sign bit set: read as a signed number the length is negative.
  const bytes = framing.lengthBytes === 4 ? 4 : 2;
  return (seed, random) => {
    const prefix = Buffer.alloc(bytes);
    if (bytes === 2) prefix.writeUInt16BE(0x8000 + Math.floor(random() * 0x8000));
    else prefix.writeUInt32BE(0x80000000 + Math.floor(random() * 0x7fffffff));
    return Buffer.concat([prefix, seed.header ?? Buffer.alloc(0), seed.payload]);
  };
}

function invalidBcd(codec: StackCodec): Generator | undefined {
  const encode = (frame: Frame) => safeEncode((f) => codec.framer().encode(f), frame);
  if (codec.protocol === 'zvt') {
    // Amount (BMP 04, 6 bytes BCD), currency (BMP 49) or the password of an End-of-day, each with a nibble above 9.
    const shapes = [
      (bad: number) => Buffer.from([0x06, 0x01, 0x07, 0x04, 0x00, 0x00, 0x00, 0x00, 0x12, bad]),
      (bad: number) => Buffer.from([0x06, 0x01, 0x0a, 0x04, 0x00, 0x00, 0x00, 0x00, 0x12, 0x34, 0x49, 0x09, bad]),
      (bad: number) => Buffer.from([0x06, 0x50, 0x03, 0x00, 0x00, bad]),
    ];
    return (_seed, random) => encode({ payload: (pick(shapes, random) as (bad: number) => Buffer)(badBcdByte(random)) });
  }
  const iso = codec.iso8583;
  if (!iso) return undefined;
  const bcdFields = Object.entries(iso.packager.fields)
    .filter(([, f]) => (f as { type?: string }).type === 'n' && (f as { dataEncoding?: string }).dataEncoding === 'bcd')
    .map(([n]) => Number(n));
  if (bcdFields.length === 0 && iso.packager.mtiEncoding !== 'bcd') return undefined;
  return (seed, random) => {
    let message;
    try {
      message = iso.unpack(seed.payload);
    } catch {
      return undefined;
    }
    // Where a BCD field sits: pack it with two different values and see which bytes change.
    const candidates = Object.keys(message.fields).map(Number).filter((n) => bcdFields.includes(n));
    const field = candidates.length > 0 ? pick(candidates, random) : undefined;
    const bytes = Buffer.from(seed.payload);
    if (field === undefined) {
      bytes[0] = badBcdByte(random);
    } else {
      const value = message.fields[field] as string;
      const a = iso.pack({ ...message, fields: { ...message.fields, [field]: '1'.repeat(value.length) } });
      const b = iso.pack({ ...message, fields: { ...message.fields, [field]: '8'.repeat(value.length) } });
      const changed = [...a.keys()].filter((i) => a[i] !== b[i]);
      if (changed.length === 0) return undefined;
      bytes[pick(changed, random)] = badBcdByte(random);
    }
    return encode({ ...seed, payload: bytes });
  };
}

function unknownCommand(codec: StackCodec, encode: (f: Frame) => Buffer): Generator | undefined {
  if (codec.protocol === 'zvt') {
    // Classes and instructions ZVT does not define for an ECR (06 EE, 0A 0B, …).
    const controls = [[0x06, 0xee], [0x0a, 0x0b], [0x06, 0x99], [0x33, 0x01], [0x05, 0x7f]];
    return (_seed, random) => safeEncode(encode, { payload: Buffer.from([...(pick(controls, random) as number[]), 0x00]) });
  }
  const iso = codec.iso8583;
  if (!iso) return undefined;
  const mtis = ['0300', '0900', '0990', '9200', '0210', '0600', '0700'];
  return (seed, random) => {
    try {
      const message = iso.unpack(seed.payload);
      return safeEncode(encode, { ...seed, payload: iso.pack({ ...message, mti: pick(mtis, random) as string }) });
    } catch {
      return undefined;
    }
  };
}

/**
 * A whole frame with a correct checksum around a body longer than the device accepts: the
 * interface's own framer, told a larger maxLength, writes it.
 */
function frameUnchecked(codec: StackCodec, body: Buffer): Buffer | undefined {
  try {
    return createFramer({ ...codec.framing, maxLength: body.length }).encode({ payload: body });
  } catch {
    return undefined;
  }
}

function mutate(bytes: Buffer, random: Random): Buffer {
  const out = [...bytes];
  const edits = 1 + Math.floor(random() * 3);
  for (let i = 0; i < edits; i++) {
    const at = Math.floor(random() * Math.max(1, out.length));
    const kind = random();
    if (kind < 0.5 && out.length > 0) out[at] = (out[at] as number) ^ (1 << Math.floor(random() * 8));
    else if (kind < 0.75) out.splice(at, 0, Math.floor(random() * 256));
    else if (out.length > 1) out.splice(at, 1);
  }
  return Buffer.from(out);
}

function safeEncode(encode: (f: Frame) => Buffer, frame: Frame): Buffer | undefined {
  try {
    return encode(frame);
  } catch {
    return undefined; // a mutation the framing cannot even carry: the generator declines it
  }
}

function badBcdByte(random: Random): number {
  // A nibble from A to F in the high or the low half.
  const bad = 0x0a + Math.floor(random() * 6);
  return random() < 0.5 ? (bad << 4) | Math.floor(random() * 10) : (Math.floor(random() * 10) << 4) | bad;
}

function randomBytes(random: Random, n: number): Buffer {
  const out = Buffer.alloc(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(random() * 256);
  return out;
}

function pick<T>(items: readonly T[], random: Random): T {
  return items[Math.floor(random() * items.length)] as T;
}
