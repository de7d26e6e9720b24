import { PoshilError } from '../errors';
import type { EmulatorConfig } from '../suite/types';

/** `--defect NAME=VALUE` options: emulator defect switches from the command line. */
export function parseDefects(values: string[] | undefined): EmulatorConfig['defects'] {
  const known = ['slowMs', 'dropEveryN', 'latencyCreep', 'stallAfterN', 'stallMs', 'badChecksum', 'neverNak', 'slowAckMs', 'noDleDoubling', 'ignoresRetransmits', 'extraRetransmits', 'rs485NoTurnaround', 'rs485AnswersAll'] as const;
  const defects: Record<string, number> = {};
  for (const v of values ?? []) {
    const m = /^([A-Za-z][A-Za-z0-9]*)=([0-9]+(?:\.[0-9]+)?)$/.exec(v);
    if (!m) throw new PoshilError('USAGE', `--defect expects NAME=NUMBER, got '${v}'`, { exitCode: 2 });
    const name = m[1] as string;
    if (!(known as readonly string[]).includes(name)) throw new PoshilError('USAGE', `unknown emulator defect '${name}'; known defects: ${known.join(', ')}`, { exitCode: 2 });
    defects[name] = Number(m[2]);
  }
  return defects;
}
