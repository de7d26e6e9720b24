import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Limit, RunReport } from '../../harness/reports/model';
import { runSuite, type RunOptions } from '../../harness/runner/runner';
import { loadDevice } from '../../harness/suite/load';
import type { EmulatorConfig, SuiteTest } from '../../harness/suite/types';

/**
 * Tests of a shipped device profile through the real runner: the embedded emulator started for
 * the profile (serial lines over socat pseudo-terminals when socat is there), one suite of the
 * given tests, the report returned.
 */
const ROOT = path.resolve(__dirname, '../..');

export interface ProfileTest {
  id: string;
  kind: string;
  interface: string;
  params: Record<string, unknown>;
  thresholds?: Record<string, Limit>;
  prompt?: SuiteTest['prompt'];
}

export async function runOnProfile(profile: string, tests: ProfileTest[], options: { defects?: EmulatorConfig['defects']; timeoutMs?: number; prompt?: RunOptions['prompt'] } = {}): Promise<RunReport> {
  const device = loadDevice(path.join(ROOT, profile));
  const suiteTests: SuiteTest[] = tests.map((t) => ({ ...t, thresholds: t.thresholds ?? {} }));
  return runSuite({
    suite: { name: `${tests[0]?.kind ?? 'profile'} on ${profile}`, file: path.join(ROOT, 'suites/smoke.json'), sha256: '', deviceFile: device.file, seed: 1, defaults: { timeoutMs: options.timeoutMs ?? 2000 }, tests: suiteTests },
    device,
    outDir: fs.mkdtempSync(path.join(os.tmpdir(), 'poshil-profile-')),
    reporter: { name: 'none' },
    ...(options.defects ? { defects: options.defects } : {}),
    ...(options.prompt ? { prompt: options.prompt } : {}),
  });
}
