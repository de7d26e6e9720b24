import type { TestKind } from './kind';
import { latencyKind } from './latency';
import { stressKind } from './stress';
import { conformanceKind } from './conformance';
import { encryptionKind } from './encryption';
import { stabilityKind } from './stability';
import { robustnessKind } from './robustness';
import { compatibilityKind } from './compatibility';
import { migrationKind } from './migration';

/**
 * Every built-in test kind. The suite schema is composed from this map (each kind's
 * `paramsSchema` and `metrics`), so a kind is added here and nowhere else.
 */
export const kinds = {
  latency: latencyKind,
  stress: stressKind,
  conformance: conformanceKind,
  encryption: encryptionKind,
  stability: stabilityKind,
  robustness: robustnessKind,
  compatibility: compatibilityKind,
  migration: migrationKind,
} as const satisfies Record<string, TestKind<never>>;

export type KindName = keyof typeof kinds;

export function kindNames(): string[] {
  return Object.keys(kinds);
}

export function getKind(name: string): TestKind<unknown> | undefined {
  return (kinds as Record<string, TestKind<unknown>>)[name];
}
