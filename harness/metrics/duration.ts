import { PoshilError } from '../errors';

/** Parses suite durations: "500ms", "5s", "1.5m", "8h". The suite schema already checks the form. */
export function parseDurationMs(text: string): number {
  const m = /^([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)$/.exec(text);
  if (!m) throw new PoshilError('BAD_DURATION', `"${text}" is not a duration; write it like "500ms", "5s", "2m" or "1h"`);
  const value = Number(m[1]);
  const factor = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
  return value * factor;
}
