/**
 * The report model: plain data built from the run journal, rendered by writers. Nothing here
 * holds a key or a full PAN: the channel masks traces before they exist, and results only
 * carry masked values.
 */
export type TestState = 'passed' | 'failed' | 'errored' | 'skipped';

export interface Limit {
  min?: number;
  max?: number;
}

export interface ThresholdResult {
  metric: string;
  unit: string;
  limit: Limit;
  /** null when the metric produced no value: that fails the threshold. */
  measured: number | null;
  passed: boolean;
  /** e.g. "p99_ms = 62.4 ms, limit max 50 ms" */
  message: string;
}

export interface Measurement {
  name: string;
  unit: string;
  value: number | null;
}

export interface TestResult {
  id: string;
  kind: string;
  requirement?: string;
  description?: string;
  /** Device interface used, e.g. "ecr". */
  interface: string;
  state: TestState;
  startedAt: string; // ISO 8601
  endedAt: string;
  durationMs: number;
  measurements: Measurement[];
  thresholds: ThresholdResult[];
  /** For `errored`: what went wrong; for `skipped`: why. */
  error?: { code: string; message: string };
  skipReason?: string;
  notes?: string[];
  details?: Record<string, unknown>;
  /** Path of the masked wire trace, relative to the report directory. */
  wireTrace?: string;
}

export interface DeviceInfo {
  name: string;
  file: string;
  sha256: string;
  emulated: boolean;
  /** Whatever the device says about itself: model, serial, firmware, terminal id. */
  identity: Record<string, string>;
}

export interface RunInfo {
  id: string;
  poshilVersion: string;
  node: string;
  host: string;
  platform: string;
  suite: { name: string; file: string; sha256: string };
  devices: DeviceInfo[];
  seed: number;
  startedAt: string;
  endedAt: string;
  durationMs: number;
  /** Set when the run stopped early (SIGINT, device gone). */
  interrupted?: string;
  /** Set when the run is signed (poshil run --sign-key): the key whose signature is in manifest.sig. */
  signer?: RunSigner;
}

/**
 * Who signed a run's evidence. `fingerprint` is "sha256:" + the hex sha-256 of the public key's
 * SubjectPublicKeyInfo DER encoding (harness/reports/evidence-signing.ts).
 */
export interface RunSigner {
  algorithm: 'Ed25519';
  fingerprint: string;
}

export interface RunSummary {
  total: number;
  passed: number;
  failed: number;
  errored: number;
  skipped: number;
  verdict: 'passed' | 'failed';
}

export interface RunReport {
  $schema?: string;
  schemaVersion: 1;
  run: RunInfo;
  summary: RunSummary;
  tests: TestResult[];
}

/** What a reporter knows before the first test runs. */
export interface RunStart {
  runId: string;
  suiteName: string;
  suiteFile: string;
  /** `interface` and `requirement` (optional: older journals lack them) let a rebuilt report list a test that never ran. */
  tests: { id: string; kind: string; interface?: string; requirement?: string }[];
  outDir: string;
  /** Set-up warnings a technician should see before results (e.g. a key file others can read). */
  warnings?: string[];
}

/**
 * Reporters are optional lifecycle hooks. The runner calls them through a multiplexer that
 * catches every throw, so a broken reporter cannot stop a run.
 */
export interface Reporter {
  readonly name: string;
  onRunStart?(start: RunStart): void | Promise<void>;
  onTestStart?(test: { id: string; kind: string; index: number; total: number }): void | Promise<void>;
  onProgress?(testId: string, progress: { done: number; total?: number; message?: string }): void;
  onTestResult?(result: TestResult): void | Promise<void>;
  /** Called once with the complete report; file writers write into `outDir` here. */
  onRunEnd?(report: RunReport, outDir: string): void | Promise<void>;
}

export function summarise(tests: TestResult[]): RunSummary {
  const count = (s: TestState) => tests.filter((t) => t.state === s).length;
  const failed = count('failed');
  const errored = count('errored');
  return {
    total: tests.length,
    passed: count('passed'),
    failed,
    errored,
    skipped: count('skipped'),
    verdict: failed + errored === 0 ? 'passed' : 'failed',
  };
}
