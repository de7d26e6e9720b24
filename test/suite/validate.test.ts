import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { validateFiles } from '../../harness/cli/validate';

const ROOT = resolve(__dirname, '..', '..');
const FIXTURES = join(ROOT, 'test', 'fixtures');
const fixture = (...parts: string[]) => join(FIXTURES, ...parts);

describe('validateFiles', () => {
  it('ticks every valid file and exits 0', () => {
    const { exitCode, output } = validateFiles([fixture('suites', 'good', 'latency-smoke.json'), fixture('devices', 'good', 'emulated-terminal.json')]);
    expect(exitCode).toBe(0);
    const lines = output.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^✓ .*latency-smoke\.json — suite 'Latency smoke', 2 tests, device 'Emulated terminal' \(.*emulated-terminal\.json\)$/);
    expect(lines[1]).toMatch(/^✓ .*emulated-terminal\.json — device 'Emulated terminal', interfaces ecr \(emulated\)$/);
    expect(lines[2]).toBe('2 files valid');
  });

  it('lists the problems of each bad file as file:line:column: path: message and exits 2', () => {
    const { exitCode, output } = validateFiles([fixture('suites', 'bad', 'unknown-kind.json'), fixture('devices', 'good', 'minimal-tcp.json'), fixture('devices', 'bad', 'bad-port.json')]);
    expect(exitCode).toBe(2);
    const lines = output.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^✗ .*unknown-kind\.json — 1 problem$/);
    expect(lines[1]).toMatch(/unknown-kind\.json:8:15: \/tests\/0\/kind: unknown test kind 'latncy'/);
    expect(lines[2]).toMatch(/^✓ .*minimal-tcp\.json/);
    expect(lines[3]).toMatch(/^✗ .*bad-port\.json — 1 problem$/);
    expect(lines[4]).toMatch(/bad-port\.json:6:69: \/interfaces\/ecr\/transport\/port: expected a whole number of at most 65535, found 70000$/);
    expect(lines[5]).toBe('2 of 3 files have problems');
  });

  it('checks a file as what it is, wherever it lies', () => {
    const { exitCode, output } = validateFiles([fixture('suites', 'bad', 'device-given-as-suite.json')]);
    expect(exitCode).toBe(0);
    expect(output).toMatch(/device 'A device profile, not a suite'/);
  });

  it('checks a suite whose "$schema" names the device schema as a suite, and says so', () => {
    const { exitCode, output } = validateFiles([fixture('suites', 'bad', 'wrong-schema-reference.json')]);
    expect(exitCode).toBe(2);
    expect(output.trimEnd().split('\n')).toHaveLength(2);
    expect(output).toMatch(/wrong-schema-reference\.json:2:14: \/\$schema: "\$schema" names the device schema, but this file is a suite/);
  });

  it('checks packager files too', () => {
    const good = validateFiles([join(ROOT, 'harness', 'protocols', 'iso8583', 'packagers', 'iso87ascii.json')]);
    expect(good.exitCode).toBe(0);
    expect(good.output).toMatch(/ISO 8583 packager 'iso87ascii'/);
    const bad = validateFiles([fixture('devices', 'bad', 'packagers', 'broken.json')]);
    expect(bad.exitCode).toBe(2);
    expect(bad.output).toMatch(/broken\.json:4:18: \/mtiEncoding: expected 'ascii' or 'bcd', found "ebcdic"/);
  });

  it('reports a missing file and a file it cannot classify', () => {
    const { exitCode, output } = validateFiles([fixture('suites', 'nope.json'), fixture('suites', 'bad', 'expected.json')]);
    expect(exitCode).toBe(2);
    expect(output).toMatch(/nope\.json:1:1: \/: file not found/);
    expect(output).toMatch(/expected\.json:1:1: \/: cannot tell what this file is: add "\$schema"/);
  });
});

describe('the ready suites and device profiles in the repository', () => {
  const files = ['suites', 'devices'].flatMap((dir) =>
    readdirSync(join(ROOT, dir))
      .filter((name) => name.endsWith('.json'))
      .map((name) => join(ROOT, dir, name)),
  );

  it('all validate', () => {
    const { exitCode, output } = validateFiles(files);
    if (exitCode !== 0) throw new Error(output);
  });
});
