import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runSuite } from '../../harness/runner/runner';
import type { Limit, TestResult } from '../../harness/reports/model';
import type { DeviceProfile, EmulatorConfig, FramingConfig, Suite } from '../../harness/suite/types';

/**
 * Test helpers: the emulated terminal on an in-memory link in this process (fast, no ports),
 * and a one-test suite run through the real runner.
 */
const ROOT = path.resolve(__dirname, '../..');
let n = 0;

export function virtualTerminal(emulator: EmulatorConfig, options: { bitsPerSecond?: number; framing?: FramingConfig } = {}): DeviceProfile {
  const name = `virtual-terminal-${process.pid}-${++n}`;
  return {
    name,
    file: path.join(ROOT, 'devices/emulated-terminal.json'),
    sha256: '',
    interfaces: {
      ecr: {
        transport: { type: 'virtual', name, ...(options.bitsPerSecond ? { bitsPerSecond: options.bitsPerSecond } : {}) },
        framing: options.framing ?? { type: 'length-prefix', lengthBytes: 2 },
        protocol: { type: 'iso8583', packager: 'iso87ascii', terminalId: 'POSHIL01' },
      },
    },
    emulator: { processingMs: { distribution: 'fixed', mean: 0.5 }, ...emulator },
  };
}

export async function runOneTest(
  device: DeviceProfile,
  kind: string,
  params: Record<string, unknown>,
  thresholds: Record<string, Limit> = {},
  timeoutMs = 200,
): Promise<TestResult> {
  const suite: Suite = {
    name: `${kind} spec`,
    file: path.join(ROOT, 'suites/smoke.json'),
    sha256: '',
    deviceFile: device.file,
    seed: 1,
    defaults: { timeoutMs },
    tests: [{ id: kind, kind, interface: 'ecr', params, thresholds }],
  };
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), `poshil-${kind}-`));
  const report = await runSuite({ suite, device, outDir, reporter: { name: 'none' } });
  return report.tests[0] as TestResult;
}

export const measured = (r: TestResult, name: string): number | null | undefined => r.measurements.find((m) => m.name === name)?.value;

export const testSale = { type: 'sale', amount: '12.34', currency: '978', card: { pan: '4761739001010119', expiry: '3012' } };
