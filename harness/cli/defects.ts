import { PoshilError } from '../errors';
import type { EmulatorConfig } from '../suite/types';
import { emulatorSchema } from '../suite/device-schema';

/** `--defect NAME=VALUE` options: emulator defect switches from the command line. */
export function parseDefects(values: string[] | undefined): EmulatorConfig['defects'] {
  // The device schema's list is the one list of defect switches.
  const known = Object.keys((emulatorSchema.properties as { defects: { properties: Record<string, unknown> } }).defects.properties);
  const defects: Record<string, number> = {};
  for (const v of values ?? []) {
    const m = /^([A-Za-z][A-Za-z0-9]*)=([0-9]+(?:\.[0-9]+)?)$/.exec(v);
    if (!m) throw new PoshilError('USAGE', `--defect expects NAME=NUMBER, got '${v}'`, { exitCode: 2 });
    const name = m[1] as string;
    if (!known.includes(name)) throw new PoshilError('USAGE', `unknown emulator defect '${name}'; known defects: ${known.join(', ')}`, { exitCode: 2 });
    defects[name] = Number(m[2]);
  }
  return defects;
}
