import { summarise, type RunReport, type TestResult } from '../../harness/reports/model';
import { reportValidator } from '../../harness/suite/validators';

/** Every field of the report model set, optional ones included: the schema must accept it. */
const passed: TestResult = {
  id: 'lat.sale',
  kind: 'latency',
  requirement: 'REQ-LAT-001',
  description: 'sale latency',
  interface: 'ecr',
  state: 'passed',
  startedAt: '2025-01-31T12:00:00.000Z',
  endedAt: '2025-01-31T12:00:02.500Z',
  durationMs: 2500,
  measurements: [
    { name: 'p99_ms', unit: 'ms', value: 12.5 },
    { name: 'wire_floor_ms', unit: 'ms', value: null },
  ],
  thresholds: [{ metric: 'p99_ms', unit: 'ms', limit: { max: 50 }, measured: 12.5, passed: true, message: 'p99_ms = 12.5 ms, limit max 50 ms' }],
  notes: ['warm-up: 5 transactions'],
  details: { histogram: [[1, 2]], floor: null },
  wireTrace: 'lat.sale.trace.txt',
};

const errored: TestResult = {
  id: 'lat.echo',
  kind: 'latency',
  interface: 'ecr',
  state: 'errored',
  startedAt: '2025-01-31T12:00:02.500Z',
  endedAt: '2025-01-31T12:00:03.000Z',
  durationMs: 500,
  measurements: [],
  thresholds: [],
  error: { code: 'LINK_CLOSED', message: 'the terminal closed the connection' },
};

const { error: _error, ...notRun } = errored;
const skipped: TestResult = { ...notRun, id: 'skipped', state: 'skipped', skipReason: 'not enabled' };

function report(tests: TestResult[]): RunReport {
  return {
    $schema: '../../schemas/report.schema.json',
    schemaVersion: 1,
    run: {
      id: '20250131-120000-smoke',
      poshilVersion: '0.1.0',
      node: 'v20.19.0',
      host: 'bench-1',
      platform: 'linux',
      suite: { name: 'Smoke', file: '/work/suites/smoke.json', sha256: 'a'.repeat(64) },
      devices: [{ name: 'Emulated terminal', file: '/work/devices/emulated.json', sha256: 'b'.repeat(64), emulated: true, identity: { serial: 'EMU-000001' } }],
      seed: 1,
      startedAt: '2025-01-31T12:00:00.000Z',
      endedAt: '2025-01-31T12:00:03.000Z',
      durationMs: 3000,
      interrupted: 'SIGINT',
      signer: { algorithm: 'Ed25519', fingerprint: `sha256:${'c'.repeat(64)}` },
    },
    summary: summarise(tests),
    tests,
  };
}

describe('the report schema', () => {
  const validate = reportValidator();

  it('accepts a report with every field of the model', () => {
    expect(validate(report([passed, errored, skipped]))).toBe(true);
    expect(validate.errors ?? []).toEqual([]);
  });

  it('accepts a report without the optional fields', () => {
    const minimal = report([]) as unknown as Record<string, Record<string, unknown>>;
    delete minimal.$schema;
    delete minimal.run.interrupted;
    delete minimal.run.signer;
    expect(validate(minimal)).toBe(true);
  });

  it.each([
    ['an unknown test state', (r: RunReport) => ((r.tests[0] as { state: string }).state = 'ok')],
    ['a property the model does not have', (r: RunReport) => ((r.tests[0] as unknown as Record<string, unknown>).extra = 1)],
    ['another schema version', (r: RunReport) => ((r as { schemaVersion: number }).schemaVersion = 2)],
    ['a missing summary', (r: RunReport) => delete (r as Partial<RunReport>).summary],
    ['a timestamp that is not ISO 8601', (r: RunReport) => (r.run.startedAt = '31/01/2025 12:00')],
    ['a non-string identity value', (r: RunReport) => ((r.run.devices[0].identity as Record<string, unknown>).serial = 5)],
  ])('refuses %s', (_what, spoil) => {
    const r = report([passed]);
    spoil(r);
    expect(validate(r)).toBe(false);
  });
});
