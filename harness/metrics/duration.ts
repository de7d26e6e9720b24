import { PoshilError } from '../errors';

/** Parses suite durations: "500ms", "5s", "1.5m". The suite schema already checks the form. */
export function parseDurationMs(text: string): number {
  const m = /^([0-9]+(?:\.[0-9]+)?)(ms|s|m)$/.exec(text);
  if (!m) throw new PoshilError('BAD_DURATION', `"${text}" is not a duration; write it like "500ms", "5s" or "2m"`);
  const value = Number(m[1]);
  const factor = m[2] === 'ms' ? 1 : m[2] === 's' ? 1000 : 60_000;
  return value * factor;
}
