import { PoshilError } from '../errors';
import type { JsonSchema } from '../json-schema';
import { parseDurationMs } from '../metrics/duration';

/**
 * Faults as data: what a suite writes under a test's params to make the link between poshil
 * and a device misbehave. Each fault is one JSON object with a `type`, a window on the
 * schedule's clock (`at`, `duration`) and, where it makes sense, a direction and a chance.
 *
 * Directions are seen from poshil: `in` = device → poshil, `out` = poshil → device.
 */
export type FaultDirection = 'in' | 'out' | 'both';

/** When a fault is in effect: from `at` (default "0ms") for `duration` (default: until the schedule stops). */
export interface FaultWindow {
  /** Start, measured from the schedule's start(): "500ms", "5s", "2m". */
  at?: string;
  /** How long it lasts; absent: until the schedule stops. */
  duration?: string;
}

export interface DirectedFault extends FaultWindow {
  /** Default 'both'. */
  direction?: FaultDirection;
}

/** A fault that acts chunk by chunk: `probability` is the chance it acts on a given chunk (default 1). */
export interface ChunkFault extends DirectedFault {
  probability?: number;
}

/** Every chunk (that the probability picks) is held `ms` ± uniform `jitterMs`; order is preserved. */
export interface LatencyFault extends ChunkFault {
  type: 'latency';
  ms: number;
  jitterMs?: number;
}

/** Bytes are paced to at most `bytesPerSecond`, arriving in pieces of about 10 ms worth. */
export interface BandwidthFault extends DirectedFault {
  type: 'bandwidth';
  bytesPerSecond: number;
}

/** Chunks are split into pieces of at most `maxBytes`, `gapMs` apart. */
export interface SliceFault extends ChunkFault {
  type: 'slice';
  maxBytes: number;
  gapMs?: number;
}

/** Whole chunks vanish (each with `probability`, default every chunk). */
export interface DropFault extends ChunkFault {
  type: 'drop';
}

/** Each byte vanishes with probability `rate`. */
export interface ByteDropFault extends ChunkFault {
  type: 'byteDrop';
  rate: number;
}

/** Each bit is inverted with probability `rate` (1e-4: one bit in ten thousand). */
export interface BitFlipFault extends ChunkFault {
  type: 'bitFlip';
  rate: number;
}

/** Nothing passes during the window; what arrived meanwhile is delivered, in order, when it ends. */
export interface StallFault extends DirectedFault {
  type: 'stall';
}

/** The link closes at `at` and cannot be reopened until `duration` has passed (absent: until the schedule stops). */
export interface DisconnectFault extends FaultWindow {
  type: 'disconnect';
}

/** The link closes abruptly once at `at`; it can be reopened at once. */
export interface ResetFault {
  type: 'reset';
  at?: string;
}

export type FaultSpec =
  | LatencyFault
  | BandwidthFault
  | SliceFault
  | DropFault
  | ByteDropFault
  | BitFlipFault
  | StallFault
  | DisconnectFault
  | ResetFault;

export type FaultType = FaultSpec['type'];

export const FAULT_TYPES: readonly FaultType[] = ['latency', 'bandwidth', 'slice', 'drop', 'byteDrop', 'bitFlip', 'stall', 'disconnect', 'reset'];

// ---------------------------------------------------------------------------------------------
// JSON Schema

const DURATION_PATTERN = '^[0-9]+(\\.[0-9]+)?(ms|s|m|h)$';

const durationProperty = (description: string): JsonSchema => ({ type: 'string', pattern: DURATION_PATTERN, description: `${description} Like "500ms", "5s", "2m" or "1h".` });

const timing = {
  at: durationProperty('When the fault starts, measured from the start of the fault schedule (the start of the test). Default "0ms".'),
  duration: durationProperty('How long the fault lasts. Default: until the end of the test.'),
};

const direction: JsonSchema = {
  enum: ['in', 'out', 'both'],
  default: 'both',
  description: 'Which way the fault acts: "in" = device → poshil, "out" = poshil → device, "both" (default).',
};

const probability: JsonSchema = {
  type: 'number',
  minimum: 0,
  maximum: 1,
  default: 1,
  description: 'Chance that the fault acts on a given chunk (0–1). Default 1: every chunk.',
};

const rate = (what: string): JsonSchema => ({ type: 'number', minimum: 0, maximum: 1, description: `Chance that each ${what} (0–1; 1e-4 is one in ten thousand).` });

function branch(type: FaultType, description: string, properties: Record<string, JsonSchema>, required: string[] = []): JsonSchema {
  return {
    type: 'object',
    description,
    properties: { type: { const: type, description: `The fault: "${type}".` }, ...properties },
    required: ['type', ...required],
    additionalProperties: false,
  };
}

/** One schema per fault type: each allows exactly its own properties. */
export const faultTypeSchemas: Record<FaultType, JsonSchema> = {
  latency: branch(
    'latency',
    'Delays every chunk (or those picked by `probability`) by `ms`, ± a uniform jitter. Chunk order is kept: a chunk never overtakes an earlier one.',
    {
      ms: { type: 'number', minimum: 0, maximum: 3_600_000, description: 'Added delay in ms.' },
      jitterMs: { type: 'number', minimum: 0, maximum: 3_600_000, default: 0, description: 'Uniform spread ± around `ms`, in ms (the delay never goes below 0). Default 0.' },
      direction,
      probability,
      ...timing,
    },
    ['ms'],
  ),
  bandwidth: branch(
    'bandwidth',
    'Paces bytes to a line rate: bytes wait in a queue (order kept, at most 1 MiB; bytes beyond it are dropped and counted) and arrive in pieces of about 10 ms worth.',
    {
      bytesPerSecond: { type: 'number', exclusiveMinimum: 0, maximum: 1e10, description: 'Bytes per second at most (a 9600 baud 8N1 line carries 960).' },
      direction,
      ...timing,
    },
    ['bytesPerSecond'],
  ),
  slice: branch(
    'slice',
    'Splits chunks into pieces of at most `maxBytes`, delivered `gapMs` apart: tests that the framer reassembles frames from fragments.',
    {
      maxBytes: { type: 'integer', minimum: 1, maximum: 1_048_576, description: 'Largest piece in bytes.' },
      gapMs: { type: 'number', minimum: 0, maximum: 60_000, default: 0, description: 'Pause between pieces in ms. Default 0 (separate chunks, no pause).' },
      direction,
      probability,
      ...timing,
    },
    ['maxBytes'],
  ),
  drop: branch(
    'drop',
    'Drops whole chunks: every chunk during the window, or each with `probability`.',
    { direction, probability: { ...probability, description: 'Chance that a chunk is dropped (0–1). Default 1: every chunk in the window.' }, ...timing },
  ),
  byteDrop: branch(
    'byteDrop',
    'Drops single bytes, each with probability `rate`.',
    { rate: rate('byte is dropped'), direction, probability, ...timing },
    ['rate'],
  ),
  bitFlip: branch(
    'bitFlip',
    'Inverts single bits, each with probability `rate` (line noise).',
    { rate: rate('bit is inverted'), direction, probability, ...timing },
    ['rate'],
  ),
  stall: branch(
    'stall',
    'No bytes pass during the window; what arrived meanwhile is held (at most 1 MiB) and delivered, in order, when it ends: a frozen UART FIFO.',
    { direction, ...timing },
  ),
  disconnect: branch(
    'disconnect',
    'The link closes at `at` (the layers above see a disconnect caused by the fault) and reopening it is refused until `duration` has passed.',
    { ...timing },
  ),
  reset: branch('reset', 'The link closes abruptly once at `at`; reopening works at once.', {
    at: durationProperty('When the link is reset, measured from the start of the fault schedule. Default "0ms".'),
  }),
};

/** One fault: a union on `type`, one `if type = X then …` per type so a mistake is reported once. */
export const faultSpecSchema: JsonSchema = {
  type: 'object',
  description: 'One injected link fault between the transport and the framer: what it does, which way, and when.',
  properties: {
    type: { enum: [...FAULT_TYPES], description: `The fault. One of: ${FAULT_TYPES.join(', ')}.` },
  },
  required: ['type'],
  allOf: FAULT_TYPES.map((type) => ({
    if: { type: 'object', properties: { type: { const: type } }, required: ['type'] },
    then: faultTypeSchemas[type],
  })),
};

export const faultScheduleSchema: JsonSchema = {
  type: 'array',
  description: 'Faults injected into the link during the test, each on its own window of the test clock. Windows may overlap.',
  items: faultSpecSchema,
  maxItems: 1000,
};

// ---------------------------------------------------------------------------------------------
// Run-time checks and wording (suites are schema-checked already; this guards programmatic use).

export class FaultSpecError extends PoshilError {
  constructor(message: string) {
    super('BAD_FAULT', message, { exitCode: 2 });
  }
}

/** The parsed window of a fault, in ms on the schedule clock; `endMs` undefined = open-ended. */
export interface FaultTimes {
  startMs: number;
  endMs: number | undefined;
}

export function faultTimes(spec: FaultSpec): FaultTimes {
  const startMs = spec.at === undefined ? 0 : parseDurationMs(spec.at);
  if (spec.type === 'reset') return { startMs, endMs: startMs };
  const endMs = spec.duration === undefined ? undefined : startMs + parseDurationMs(spec.duration);
  return { startMs, endMs };
}

export function faultDirection(spec: FaultSpec): FaultDirection {
  return 'direction' in spec && spec.direction !== undefined ? spec.direction : 'both';
}

/** Throws FaultSpecError naming the fault and the property when a spec cannot run. */
export function checkFaultSpec(spec: FaultSpec, index: number): void {
  const where = `fault ${index} (${String((spec as { type?: unknown }).type)})`;
  const fail = (what: string): never => {
    throw new FaultSpecError(`${where}: ${what}`);
  };
  if (!FAULT_TYPES.includes(spec.type)) fail(`unknown type; use one of ${FAULT_TYPES.join(', ')}`);
  const number = (name: string, value: unknown, min: number, max: number, required: boolean) => {
    if (value === undefined) {
      if (required) fail(`"${name}" is missing`);
      return;
    }
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) fail(`"${name}" must be a number from ${min} to ${max}`);
  };
  const s = spec as unknown as Record<string, unknown>;
  if (s.direction !== undefined && !['in', 'out', 'both'].includes(s.direction as string)) fail('"direction" must be "in", "out" or "both"');
  number('probability', s.probability, 0, 1, false);
  switch (spec.type) {
    case 'latency':
      number('ms', spec.ms, 0, 3_600_000, true);
      number('jitterMs', spec.jitterMs, 0, 3_600_000, false);
      break;
    case 'bandwidth':
      number('bytesPerSecond', spec.bytesPerSecond, 0, 1e10, true);
      if (spec.bytesPerSecond === 0) fail('"bytesPerSecond" must be above 0');
      break;
    case 'slice':
      number('maxBytes', spec.maxBytes, 1, 1_048_576, true);
      if (!Number.isInteger(spec.maxBytes)) fail('"maxBytes" must be a whole number');
      number('gapMs', spec.gapMs, 0, 60_000, false);
      break;
    case 'byteDrop':
    case 'bitFlip':
      number('rate', spec.rate, 0, 1, true);
      break;
    default:
      break;
  }
  try {
    faultTimes(spec);
  } catch (err) {
    fail(err instanceof Error ? err.message : String(err));
  }
}

/** "bitFlip rate 0.0001 out", "latency 50 ms ±10 ms in", "disconnect for 3000 ms": for trace notes. */
export function describeFault(spec: FaultSpec): string {
  const dir = faultDirection(spec);
  const chance = 'probability' in spec && spec.probability !== undefined && spec.probability < 1 ? ` p=${spec.probability}` : '';
  switch (spec.type) {
    case 'latency':
      return `latency ${spec.ms} ms${spec.jitterMs ? ` ±${spec.jitterMs} ms` : ''}${chance} ${dir}`;
    case 'bandwidth':
      return `bandwidth ${spec.bytesPerSecond} B/s ${dir}`;
    case 'slice':
      return `slice ${spec.maxBytes} B${spec.gapMs ? ` gap ${spec.gapMs} ms` : ''}${chance} ${dir}`;
    case 'drop':
      return `drop${chance} ${dir}`;
    case 'byteDrop':
      return `byteDrop rate ${spec.rate}${chance} ${dir}`;
    case 'bitFlip':
      return `bitFlip rate ${spec.rate}${chance} ${dir}`;
    case 'stall':
      return `stall ${dir}`;
    case 'disconnect': {
      const { startMs, endMs } = faultTimes(spec);
      return endMs === undefined ? 'disconnect until the end of the schedule' : `disconnect for ${formatMs(endMs - startMs)} ms`;
    }
    case 'reset':
      return 'reset';
  }
}

/** "5.0 s", "0.15 s": a moment on the schedule clock for messages. */
export function formatSeconds(ms: number): string {
  const text = (ms / 1000).toFixed(3).replace(/0+$/, '');
  return text.endsWith('.') ? `${text}0 s` : `${text} s`;
}

export function formatMs(ms: number): string {
  return Number.isInteger(ms) ? String(ms) : ms.toFixed(1);
}
