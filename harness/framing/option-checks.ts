/**
 * Checks shared by the framers' option resolvers. A framing block comes from a device profile
 * (already shape-checked by the JSON schema) or from code (not checked at all), and a wrong
 * framing setting only shows on the bench as mysterious timeouts, so every framer checks its
 * own options again and says exactly what is wrong.
 */
import { PoshilError } from '../errors';

/** A PoshilError code FRAMING_CONFIG whose message starts with the framing type. */
export function framingConfigError(type: string, problem: string): PoshilError {
  return new PoshilError('FRAMING_CONFIG', `${type} framing: ${problem}`);
}

/** Throws unless `raw` is a plain object with only `known` keys and a matching (or absent) `type`. */
export function checkOptionNames(type: string, raw: unknown, known: readonly string[]): Readonly<Record<string, unknown>> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw framingConfigError(type, `the framing block must be an object such as { "type": "${type}" }`);
  }
  const block = raw as Readonly<Record<string, unknown>>;
  for (const key of Object.keys(block)) {
    if (key !== 'type' && !known.includes(key)) {
      throw framingConfigError(type, `unknown option "${key}"; the options are ${known.join(', ')}`);
    }
  }
  if (block.type !== undefined && block.type !== type) {
    throw framingConfigError(type, `type is ${JSON.stringify(block.type)}, expected "${type}"`);
  }
  return block;
}

export function booleanOption(type: string, name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw framingConfigError(type, `${name} is ${JSON.stringify(value)}; it must be true or false`);
  return value;
}

export function integerOption(type: string, name: string, value: unknown, fallback: number, min: number, max: number, unit = ''): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw framingConfigError(type, `${name} is ${JSON.stringify(value)}; it must be a whole number${unit ? ` of ${unit}` : ''} from ${min} to ${max}`);
  }
  return value;
}

/** "0x4A" */
export function hexByte(b: number): string {
  return `0x${b.toString(16).toUpperCase().padStart(2, '0')}`;
}

/** "10 02 06 00" */
export function hexBytes(bytes: Uint8Array | readonly number[]): string {
  return Array.from(bytes, (b) => b.toString(16).toUpperCase().padStart(2, '0')).join(' ');
}

/**
 * A byte buffer that grows as a frame is assembled, so a frame delivered one byte at a time
 * (usual on serial links) costs amortised O(1) per byte and one copy when the frame is done.
 */
export class FrameAccumulator {
  private bytes: Buffer;
  private used = 0;

  constructor(initial = 256) {
    this.bytes = Buffer.allocUnsafe(initial);
  }

  get length(): number {
    return this.used;
  }

  push(b: number): void {
    if (this.used === this.bytes.length) {
      const bigger = Buffer.allocUnsafe(this.bytes.length * 2);
      this.bytes.copy(bigger, 0, 0, this.used);
      this.bytes = bigger;
    }
    this.bytes[this.used++] = b;
  }

  /** A copy of the bytes collected so far (it shares no memory with later frames). */
  copy(): Buffer {
    return Buffer.from(this.bytes.subarray(0, this.used));
  }

  clear(): void {
    this.used = 0;
  }
}
