import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ConfigError, type ConfigIssue } from '../../harness/errors';
import { checkSuiteFile, detectFileKind, loadDevice, loadSuite, loadSuiteAndDevice } from '../../harness/suite/load';

const FIXTURES = resolve(__dirname, '..', 'fixtures');
const GOOD_SUITE = join(FIXTURES, 'suites', 'good', 'latency-smoke.json');
const MINIMAL_SUITE = join(FIXTURES, 'suites', 'good', 'minimal.json');
const EMULATED_DEVICE = join(FIXTURES, 'devices', 'good', 'emulated-terminal.json');
const MINIMAL_DEVICE = join(FIXTURES, 'devices', 'good', 'minimal-tcp.json');

const sha256Of = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

function issuesOf(action: () => unknown): ConfigIssue[] {
  try {
    action();
  } catch (err) {
    if (err instanceof ConfigError) return err.issues;
    throw err;
  }
  throw new Error('no ConfigError was thrown');
}

describe('loadSuite', () => {
  it('returns the suite as written, with its file, hash and device resolved', () => {
    const suite = loadSuite(GOOD_SUITE);
    expect(suite).toMatchObject({
      name: 'Latency smoke',
      description: 'Sale and echo response times on the emulated terminal.',
      file: GOOD_SUITE,
      sha256: sha256Of(GOOD_SUITE),
      deviceFile: EMULATED_DEVICE,
      seed: 42,
      defaults: { timeoutMs: 2000 },
    });
    expect(suite.tests[0]).toEqual({
      id: 'lat.sale-12.34',
      kind: 'latency',
      requirement: 'REQ-LAT-001',
      description: 'A 12.34 EUR sale answers within 50 ms at p99.',
      interface: 'ecr',
      params: {
        transaction: { type: 'sale', amount: '12.34', currency: '978', card: { pan: '4761739001010010', expiry: '2512' } },
        warmup: { iterations: 5 },
        iterations: 200,
        duration: '2s',
      },
      thresholds: { p99_ms: { max: 50 }, error_rate: { max: 0.1 }, count: { min: 200 } },
      timeoutMs: 1000,
    });
    expect(suite.tests[1]).toEqual({
      id: 'lat_echo',
      kind: 'latency',
      interface: 'ecr',
      params: { transaction: { type: 'echo' }, iterations: 50 },
      thresholds: {},
      skip: 'echo is not enabled on this terminal yet',
    });
  });

  it('applies the defaults: seed 1, timeoutMs 5000, interface "ecr", no thresholds', () => {
    const suite = loadSuite(MINIMAL_SUITE);
    expect(suite.seed).toBe(1);
    expect(suite.defaults).toEqual({ timeoutMs: 5000 });
    expect(suite.tests).toEqual([{ id: 'echo', kind: 'latency', interface: 'ecr', params: { transaction: { type: 'echo' } }, thresholds: {} }]);
    expect(suite.deviceFile).toBe(MINIMAL_DEVICE);
  });

  it('loads the device profile with the suite', () => {
    const { suite, device } = loadSuiteAndDevice(GOOD_SUITE);
    expect(device.file).toBe(suite.deviceFile);
    expect(device.name).toBe('Emulated terminal');
  });
});

describe('loadDevice', () => {
  it('returns the profile with every layer option the file leaves out set to its default', () => {
    const device = loadDevice(EMULATED_DEVICE);
    expect(device).toMatchObject({ name: 'Emulated terminal', vendor: 'poshil', model: 'EMU-1', file: EMULATED_DEVICE, sha256: sha256Of(EMULATED_DEVICE) });
    expect(device.interfaces.ecr).toEqual({
      transport: { type: 'tcp', host: '127.0.0.1', port: 0, connectTimeoutMs: 2000, noDelay: true },
      framing: { type: 'length-prefix', lengthBytes: 2, lengthEncoding: 'binary', includesPrefix: false, tpdu: false, maxLength: 8192 },
      protocol: { type: 'iso8583', packager: 'iso87ascii', terminalId: 'POSHIL01', merchantId: '000000000000001', currency: '978' },
    });
    expect(device.emulator).toEqual({
      processingMs: { distribution: 'lognormal', mean: 8, stddev: 2, min: 2, max: 50 },
      defects: { slowMs: 0, dropEveryN: 0, latencyCreep: 0 },
      seed: 7,
    });
  });

  it('keeps what the file says over the defaults', () => {
    const device = loadDevice(MINIMAL_DEVICE);
    expect(device.interfaces.ecr.transport).toEqual({ type: 'tcp', host: '127.0.0.1', port: 5000, connectTimeoutMs: 3000, noDelay: true });
    expect(device.interfaces.ecr.protocol).toEqual({ type: 'iso8583', packager: 'iso87binary', currency: '978' });
    expect(device.emulator).toBeUndefined();
  });
});

describe('problems in several places', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'poshil-load-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const device = (interfaces: string, extra = '') =>
    `{\n  "name": "Bench 1",${extra}\n  "interfaces": {${interfaces}}\n}\n`;
  const ecr = '"ecr": { "transport": { "type": "tcp", "port": 5000 }, "framing": { "type": "length-prefix" }, "protocol": { "type": "iso8583", "packager": "iso87ascii" } }';
  const host = ecr.replace('"ecr"', '"host"');

  it('reports the suite\'s and the device profile\'s problems together, each in its own file', () => {
    const deviceText = device(ecr.replace('5000', '"5000"'));
    const testsLine = '  "tests": [{ "id": "a", "kind": "latency", "params": { "transaction": { "type": "echo" }, "iterations": 0 } }]';
    writeFileSync(join(dir, 'bad-device.json'), deviceText);
    writeFileSync(join(dir, 'suite.json'), `{\n  "name": "S",\n  "device": "bad-device.json",\n${testsLine}\n}\n`);
    const issues = issuesOf(() => loadSuite(join(dir, 'suite.json')));
    const column = (line: string, before: string) => line.indexOf(before) + before.length + 1;
    expect(issues.map((i) => `${i.file.split(/[\\/]/).pop()}:${i.line}:${i.column} ${i.path}`)).toEqual([
      `suite.json:4:${column(testsLine, '"iterations": ')} /tests/0/params/iterations`,
      `bad-device.json:3:${column(deviceText.split('\n')[2], '"port": ')} /interfaces/ecr/transport/port`,
    ]);
  });

  it('says when a test relies on the default interface and the device has no "ecr"', () => {
    writeFileSync(join(dir, 'host-only.json'), device(host));
    writeFileSync(join(dir, 'suite2.json'), '{\n  "name": "S",\n  "device": "host-only.json",\n  "tests": [\n    { "id": "a", "kind": "latency", "params": { "transaction": { "type": "echo" } } }\n  ]\n}\n');
    const issues = issuesOf(() => loadSuite(join(dir, 'suite2.json')));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ line: 5, column: 5, path: '/tests/0' });
    expect(issues[0].message).toBe("test 'a' uses interface 'ecr' (the default) but device 'Bench 1' has: host — set \"interface\" to one of them");
  });

  it('names the device directory when "device" is a directory', () => {
    writeFileSync(join(dir, 'suite3.json'), '{ "name": "S", "device": ".", "tests": [{ "id": "a", "kind": "latency", "params": { "transaction": { "type": "echo" } } }] }');
    const issues = issuesOf(() => loadSuite(join(dir, 'suite3.json')));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ path: '/device', line: 1, column: 26 }); // the value "."
    expect(issues[0].message).toContain('is a directory');
  });

  it('returns the issues instead of throwing from checkSuiteFile', () => {
    const result = checkSuiteFile(join(dir, 'no-such-suite.json'));
    expect(result.value).toBeUndefined();
    expect(result.issues[0].message).toContain('file not found');
  });

  it('refuses a suite where a device profile is expected, in one sentence', () => {
    const issues = issuesOf(() => loadDevice(GOOD_SUITE));
    expect(issues).toHaveLength(1);
    expect(issues[0].message).toBe('this file is a suite, not a device profile: name a device profile (one with "interfaces")');
  });
});

describe('detectFileKind', () => {
  it.each([
    [{ $schema: '../schemas/suite.schema.json' }, 'suite'],
    [{ $schema: 'https://example.org/poshil/device.schema.json', name: 'x' }, 'device'],
    [{ $schema: '../schemas/device.schema.json', tests: [] }, 'suite'], // the shape wins; the loader flags "$schema"
    [{ $schema: '../schemas/packager.schema.json' }, 'packager'],
    [{ tests: [] }, 'suite'],
    [{ device: 'x.json' }, 'suite'],
    [{ interfaces: {} }, 'device'],
    [{ fields: {}, mtiEncoding: 'ascii' }, 'packager'],
    [{ schemaVersion: 1, run: {}, tests: [] }, 'report'],
    [{ name: 'x' }, undefined],
    [[], undefined],
    ['text', undefined],
  ])('%j → %s', (value, kind) => {
    expect(detectFileKind(value)).toBe(kind);
  });
});
