import type { MetricSpec } from '../kinds/kind';
import type { Limit, ThresholdResult } from '../reports/model';

/**
 * Evaluates a test's thresholds on its measurements. A threshold whose metric produced no
 * value fails: a missing figure must never pass silently (the k6 lesson).
 */
export function evaluateThresholds(
  thresholds: Record<string, Limit>,
  measurements: Record<string, number | null>,
  metrics: readonly MetricSpec[],
): ThresholdResult[] {
  return Object.entries(thresholds).map(([metric, limit]) => {
    const unit = metrics.find((m) => m.name === metric)?.unit ?? '';
    const measured = measurements[metric] ?? null;
    const limitText = describeLimit(limit, unit);
    if (measured === null || Number.isNaN(measured)) {
      return { metric, unit, limit, measured: null, passed: false, message: `${metric}: no value was measured (limit ${limitText})` };
    }
    const tooLow = limit.min !== undefined && measured < limit.min;
    const tooHigh = limit.max !== undefined && measured > limit.max;
    const passed = !tooLow && !tooHigh;
    const shown = `${metric} = ${formatNumber(measured)}${unit ? ' ' + unit : ''}`;
    const verdict = passed ? 'within' : tooHigh ? 'exceeds' : 'is below';
    return { metric, unit, limit, measured, passed, message: `${shown} ${verdict} limit ${limitText}` };
  });
}

export function describeLimit(limit: Limit, unit: string): string {
  const u = unit ? ' ' + unit : '';
  const parts: string[] = [];
  if (limit.min !== undefined) parts.push(`min ${formatNumber(limit.min)}${u}`);
  if (limit.max !== undefined) parts.push(`max ${formatNumber(limit.max)}${u}`);
  return parts.join(', ');
}

function formatNumber(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(3).replace(/0+$/, '').replace(/\.$/, '');
}
