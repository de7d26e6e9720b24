import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { hasSocat } from '../../harness/transports/pty-pair';

/**
 * What ships in suites/ and devices/ stays valid, and the quick shipped suites stay green on
 * the healthy emulator (the longer ones — stress, serial latency — are run by hand; see README).
 */
const ROOT = path.resolve(__dirname, '../..');

function poshil(args: string[]) {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin/poshil.js'), ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000, env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const files = (dir: string) =>
  fs
    .readdirSync(path.join(ROOT, dir))
    .filter((f) => f.endsWith('.json'))
    .map((f) => `${dir}/${f}`);

describe('shipped suites and device profiles', () => {
  it('all validate', () => {
    const r = poshil(['validate', ...files('suites'), ...files('devices')]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('suites/conformance-iso8583.json is green on the emulated terminal', () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'poshil-shipped-')), 'run');
    const r = poshil(['run', 'suites/conformance-iso8583.json', '--out', out, '--reporter', 'json']);
    expect(r.code).toBe(0);
  });

  it('suites/usb.json is green over the virtual USB devices (no USB hardware needed), and red with usbDropZlp=1', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'poshil-shipped-'));
    const ok = poshil(['run', 'suites/usb.json', '--out', path.join(dir, 'ok'), '--reporter', 'json']);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(poshil(['run', 'suites/usb.json', '--out', path.join(dir, 'bad'), '--reporter', 'json', '--defect', 'usbDropZlp=1']).code).toBe(1);
  });

  (hasSocat() ? it : it.skip)('suites/conformance-zvt.json is green over emulated RS232, and red with the neverNak defect', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'poshil-shipped-'));
    expect(poshil(['run', 'suites/conformance-zvt.json', '--out', path.join(dir, 'ok'), '--reporter', 'json']).code).toBe(0);
    expect(poshil(['run', 'suites/conformance-zvt.json', '--out', path.join(dir, 'bad'), '--reporter', 'json', '--defect', 'neverNak=1']).code).toBe(1);
  });

  (hasSocat() ? it : it.skip)('suites/rs485.json is green: three terminals on one emulated RS485 bus, one addressed alone, then every lane', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'poshil-shipped-'));
    const r = poshil(['run', 'suites/rs485.json', '--out', path.join(dir, 'ok'), '--reporter', 'json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(fs.readFileSync(path.join(dir, 'ok', 'report.json'), 'utf8')) as { tests: { id: string; state: string }[] };
    expect(report.tests.map((t) => `${t.id}:${t.state}`)).toEqual(['echo-lane1:passed', 'sale@ecr-lane1:passed', 'sale@ecr-lane2:passed', 'sale@ecr-lane3:passed']);
  });

  (hasSocat() ? it : it.skip)('suites/conformance-stx-etx.json is green over emulated RS232 (9600 7E1), and red with the ignoresRetransmits defect', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'poshil-shipped-'));
    const ok = poshil(['run', 'suites/conformance-stx-etx.json', '--out', path.join(dir, 'ok'), '--reporter', 'json']);
    expect(ok.code).toBe(0);
    const bad = poshil(['run', 'suites/conformance-stx-etx.json', '--out', path.join(dir, 'bad'), '--reporter', 'json', '--defect', 'ignoresRetransmits=1']);
    expect(bad.code).toBe(1);
    const report = JSON.parse(fs.readFileSync(path.join(dir, 'bad', 'report.json'), 'utf8')) as { tests: { details: { steps: { id: string; verdict: string }[] } }[] };
    expect(report.tests[0]!.details.steps.find((s) => s.id === 'retransmission-accepted')?.verdict).toBe('fail');
  });

  (hasSocat() ? it : it.skip)('suites/migration-rs232-to-tcp.json is green (RS232 vs Ethernet vs ZVT compared, then the move), and red with divergentSerialCodes or resetTraceOnSwitch', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'poshil-shipped-'));
    const ok = poshil(['run', 'suites/migration-rs232-to-tcp.json', '--out', path.join(dir, 'ok'), '--reporter', 'json']);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    for (const defect of ['divergentSerialCodes=1', 'resetTraceOnSwitch=1']) {
      const bad = poshil(['run', 'suites/migration-rs232-to-tcp.json', '--out', path.join(dir, defect), '--reporter', 'json', '--defect', defect]);
      const report = JSON.parse(fs.readFileSync(path.join(dir, defect, 'report.json'), 'utf8')) as { tests: { id: string; state: string }[] };
      expect({ defect, code: bad.code, failed: report.tests.filter((t) => t.state === 'failed').map((t) => t.id) }).toEqual({
        defect,
        code: 1,
        failed: [defect.startsWith('divergent') ? 'same-answers-rs232-vs-tcp' : 'move-rs232-to-tcp'],
      });
    }
  }, 120_000);
});
