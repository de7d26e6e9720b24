import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runSuite } from '../../harness/runner/runner';
import type { RunReport } from '../../harness/reports/model';
import { loadDevice } from '../../harness/suite/load';
import type { DeviceProfile, EmulatorConfig, Suite, SuiteTest } from '../../harness/suite/types';

/**
 * The shipped USB profile (devices/emulated-terminal-usb.json) with a fixed processing time and
 * the defects a spec switches on, and a suite of a few tests run through the real runner —
 * the emulated terminal on its virtual USB devices, in this process.
 */
const ROOT = path.resolve(__dirname, '../..');
export const USB_PROFILE = path.join(ROOT, 'devices/emulated-terminal-usb.json');
export const USB_SUITE = path.join(ROOT, 'suites/usb.json');

export function usbTerminal(defects: NonNullable<EmulatorConfig['defects']> = {}, processingMs = 0.5): DeviceProfile {
  return { ...loadDevice(USB_PROFILE), emulator: { processingMs: { distribution: 'fixed', mean: processingMs }, defects } };
}

/** A test of suites/usb.json by id. */
export function shippedUsbTest(id: string): SuiteTest {
  const suite = JSON.parse(fs.readFileSync(USB_SUITE, 'utf8')) as { tests: (Omit<SuiteTest, 'interface' | 'thresholds'> & { interface?: string; thresholds?: SuiteTest['thresholds'] })[] };
  const t = suite.tests.find((x) => x.id === id);
  if (!t) throw new Error(`no test ${id} in suites/usb.json`);
  return { ...t, interface: t.interface ?? 'ecr', thresholds: t.thresholds ?? {} };
}

export async function runUsbTests(device: DeviceProfile, tests: SuiteTest[], timeoutMs = 1000): Promise<RunReport> {
  const suite: Suite = { name: 'usb spec', file: USB_SUITE, sha256: '', deviceFile: device.file, seed: 1, defaults: { timeoutMs }, tests };
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'poshil-usb-'));
  return runSuite({ suite, device, outDir, reporter: { name: 'none' } });
}
