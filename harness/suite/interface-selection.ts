import type { SuiteTest } from './types';

/**
 * A test names one interface ("ecr-lane1") or, with a trailing `*`, every interface whose name
 * starts with what comes before it ("ecr-lane*": every terminal on a bus). Such a test runs once
 * per matching interface, in profile order, as `<id>@<interface>`.
 */
export function selectInterfaces(name: string, available: readonly string[]): string[] {
  if (!name.endsWith('*')) return available.includes(name) ? [name] : [];
  const prefix = name.slice(0, -1);
  return available.filter((a) => a.startsWith(prefix));
}

export function expandInterfaceSelections(tests: readonly SuiteTest[], available: readonly string[]): SuiteTest[] {
  return tests.flatMap((t) => (t.interface.endsWith('*') ? selectInterfaces(t.interface, available).map((role) => ({ ...t, id: `${t.id}@${role}`, interface: role })) : [t]));
}
