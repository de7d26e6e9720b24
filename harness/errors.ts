/**
 * Typed errors. Every error poshil raises on purpose carries a stable `code` (for scripts and
 * tests) and a message a lab technician can act on. `exitCode` says how the CLI ends when the
 * error reaches it: 2 = the suite or device could not be loaded or reached.
 */
export class PoshilError extends Error {
  readonly code: string;
  readonly exitCode: number;
  constructor(code: string, message: string, options?: { cause?: unknown; exitCode?: number }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.exitCode = options?.exitCode ?? 2;
  }
}

/** Where in a JSON file a problem is: used for every suite/device/packager error. */
export interface SourceLocation {
  file: string;
  line: number; // 1-based
  column: number; // 1-based
  /** JSON Pointer style path as a user reads it, e.g. `/tests/0/thresholds/p99_ms`. */
  path: string;
}

export interface ConfigIssue extends SourceLocation {
  /** What was expected, in words ("a number", "one of: latency, stress"). */
  expected: string;
  /** The full sentence shown to the user. */
  message: string;
}

/** A suite, device profile or packager file is malformed: nothing runs, exit code 2. */
export class ConfigError extends PoshilError {
  readonly issues: ConfigIssue[];
  constructor(issues: ConfigIssue[]) {
    super('CONFIG_INVALID', issues.map(formatIssue).join('\n'), { exitCode: 2 });
    this.issues = issues;
  }
}

export function formatIssue(i: ConfigIssue): string {
  return `${i.file}:${i.line}:${i.column}: ${i.path || '/'}: ${i.message}`;
}

/** The device could not be reached (nothing listening, port missing, emulator would not start). */
export class DeviceUnreachableError extends PoshilError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('DEVICE_UNREACHABLE', message, { cause: options?.cause, exitCode: 2 });
  }
}

/** The link dropped while a test used it. `stan`: the transaction left without an answer. */
export class LinkClosedError extends PoshilError {
  readonly stan?: string;
  constructor(message: string, options?: { cause?: unknown; stan?: string }) {
    super('LINK_CLOSED', message, { cause: options?.cause, exitCode: 1 });
    this.stan = options?.stan;
  }
}

/** No answer within the protocol's timeout. `stan`: the transaction that went unanswered. */
export class ResponseTimeoutError extends PoshilError {
  readonly stan?: string;
  constructor(message: string, options?: { stan?: string }) {
    super('RESPONSE_TIMEOUT', message, { exitCode: 1 });
    this.stan = options?.stan;
  }
}

/** Bytes on the wire that cannot be split into frames (bad length, garbage, oversize). */
export class FramingError extends PoshilError {
  constructor(message: string) {
    super('FRAMING_ERROR', message, { exitCode: 1 });
  }
}

/** An ISO 8583 message could not be packed or unpacked; names the field and byte offset. */
export class Iso8583Error extends PoshilError {
  readonly field?: number | 'mti' | 'bitmap';
  readonly offset?: number;
  constructor(message: string, details?: { field?: number | 'mti' | 'bitmap'; offset?: number }) {
    super('ISO8583_ERROR', message, { exitCode: 1 });
    this.field = details?.field;
    this.offset = details?.offset;
  }
}
