import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestResult } from '../harness/reports/model';
import { runSuite } from '../harness/runner/runner';
import { startEmulator, type RunningEmulator } from '../harness/runner/emulator-process';
import { loadDevice } from '../harness/suite/load';
import type { DeviceProfile, Suite, SuiteTest } from '../harness/suite/types';
import type { TransactionSpec } from '../harness/kinds/transaction-spec';

/**
 * What the benchmarks share about the device: the emulated terminal of
 * devices/emulated-terminal.json with a fixed processing time, started once per benchmark on
 * loopback, and the sale every benchmark sends.
 */
export const ROOT = path.resolve(__dirname, '..');
export const DEVICE_FILE = path.join(ROOT, 'devices/emulated-terminal.json');

export const SALE: TransactionSpec = { type: 'sale', amount: '12.34', currency: '978', card: { pan: '4761739001010119', expiry: '3012' } };

/** The emulated-terminal profile with a fixed processing time (0 = answer at once). */
export function benchProfile(processingMs: number): DeviceProfile {
  const base = loadDevice(DEVICE_FILE);
  return { ...base, emulator: { ...base.emulator, processingMs: { distribution: 'fixed', mean: processingMs } } };
}

/**
 * The same profile with no emulator block, pointing at an emulator already running: the harness
 * then talks to it as to hardware, so poshil and the raw client measure against one process.
 */
export function attachedProfile(profile: DeviceProfile, endpoint: TcpEndpoint): DeviceProfile {
  const ecr = profile.interfaces.ecr;
  const { emulator: _unused, ...rest } = profile;
  return { ...rest, interfaces: { ...profile.interfaces, ecr: { ...ecr, transport: { ...ecr.transport, host: endpoint.host, port: endpoint.port } } } };
}

export interface TcpEndpoint {
  host: string;
  port: number;
}

export function tcpEndpoint(emulator: RunningEmulator, role = 'ecr'): TcpEndpoint {
  const ep = emulator.endpoints.find((e) => e.role === role);
  if (!ep || ep.transport !== 'tcp') throw new Error(`the emulator has no TCP endpoint for '${role}'`);
  if (ep.host !== '127.0.0.1') throw new Error(`benchmarks run on 127.0.0.1 only; the emulator listens on ${ep.host}`);
  return { host: ep.host, port: ep.port };
}

/** Starts the profile's emulator, runs fn, always stops it. */
export async function withEmulator<T>(profile: DeviceProfile, fn: (endpoint: TcpEndpoint, emulator: RunningEmulator) => Promise<T>): Promise<T> {
  const emulator = await startEmulator(profile, { seed: 1 });
  try {
    return await fn(tcpEndpoint(emulator), emulator);
  } finally {
    await emulator.stop();
  }
}

/** An in-memory suite of one test, as runSuite takes it. */
export function oneTestSuite(device: DeviceProfile, test: Omit<SuiteTest, 'interface' | 'thresholds'> & Partial<SuiteTest>, timeoutMs = 2000): Suite {
  return {
    name: `bench ${test.id}`,
    file: path.join(ROOT, 'bench', `${test.id}.suite.json`),
    sha256: '',
    deviceFile: device.file,
    seed: 1,
    defaults: { timeoutMs },
    tests: [{ interface: 'ecr', thresholds: {}, ...test }],
  };
}

/** Runs one test through the real runner (journal, wire trace, thresholds) in a temporary run directory. */
export async function runOneTest(device: DeviceProfile, test: Parameters<typeof oneTestSuite>[1], timeoutMs = 2000): Promise<TestResult> {
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'poshil-bench-run-'));
  try {
    const report = await runSuite({ suite: oneTestSuite(device, test, timeoutMs), device, outDir, reporter: { name: 'bench' } });
    const r = report.tests[0];
    if (!r) throw new Error(`the run of '${test.id}' produced no test result`);
    return r;
  } finally {
    fs.rmSync(outDir, { recursive: true, force: true });
  }
}

/** A measurement of a test result by metric name (null when absent or not measured). */
export function measurement(r: TestResult, name: string): number | null {
  return r.measurements.find((m) => m.name === name)?.value ?? null;
}

/** Why a test result carries no usable figures, or undefined when it does. */
export function unusable(r: TestResult): string | undefined {
  if (r.state === 'errored') return `test errored: ${r.error?.code ?? ''} ${r.error?.message ?? ''}`.trim();
  if (r.state === 'skipped') return `test skipped: ${r.skipReason ?? ''}`;
  return undefined;
}
