import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runSuite } from '../../harness/runner/runner';
import type { RunReport, TestResult } from '../../harness/reports/model';
import { loadDevice, loadSuite } from '../../harness/suite/load';
import type { EmulatorConfig } from '../../harness/suite/types';
import type { CheckResult } from '../../harness/kinds/encryption';

/**
 * The encryption kind against the emulated terminal with its acquirer leg (TLS, TDES DUKPT),
 * poshil as the host: suites/encryption.json is green on a healthy terminal, and each security
 * defect switch turns exactly its own check red.
 *
 * Keys: the ANSI X9.24-1:2009 test BDK (Annex A.4) and the X9.24-3-2017 AES test BDK — published
 * test values, given through the environment as a lab would give its own.
 */
const ROOT = path.resolve(__dirname, '../..');
const TDES_BDK = '0123456789ABCDEFFEDCBA9876543210';
const AES_BDK = 'FEDCBA9876543210F1F1F1F1F1F1F1F1';

async function runEncryption(defects: EmulatorConfig['defects'] = {}, deviceFile?: string): Promise<{ report: RunReport; outDir: string }> {
  const suite = loadSuite(path.join(ROOT, 'suites/encryption.json'));
  const device = loadDevice(deviceFile ?? suite.deviceFile);
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'poshil-encryption-'));
  const report = await runSuite({ suite, device, outDir, reporter: { name: 'none' }, defects });
  return { report, outDir };
}

const byId = (report: RunReport) => Object.fromEntries(report.tests.map((t) => [t.id, t])) as Record<string, TestResult>;
const failedIds = (report: RunReport) => report.tests.filter((t) => t.state !== 'passed').map((t) => t.id);
const findings = (t: TestResult) => (t.details?.checks as CheckResult[]).flatMap((c) => c.findings);

describe('encryption kind', () => {
  const saved = { tdes: process.env.POSHIL_BDK, aes: process.env.POSHIL_AES_BDK };
  beforeAll(() => {
    process.env.POSHIL_BDK = TDES_BDK;
    process.env.POSHIL_AES_BDK = AES_BDK;
  });
  afterAll(() => {
    for (const [name, value] of [['POSHIL_BDK', saved.tdes], ['POSHIL_AES_BDK', saved.aes]] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  it('passes every check on a healthy terminal, with evidence for each', async () => {
    const { report } = await runEncryption();
    expect(failedIds(report)).toEqual([]);
    const t = byId(report);
    const pin = (t['pin-block']!.details!.checks as CheckResult[])[0]!;
    expect(pin.evidence).toHaveLength(3);
    expect(pin.evidence[0]).toMatch(/format 0 PIN block .* KSN FFFF9876543210E00001 \(counter 1\) holds the card PIN/);
    expect(t['mac']!.measurements.find((m) => m.name === 'host_requests')?.value).toBe(3);
    const tls = (t['tls']!.details!.checks as CheckResult[])[0]!;
    expect(tls.evidence.join('\n')).toMatch(/expired certificate refused/);
    expect(tls.evidence.join('\n')).toMatch(/self-signed certificate refused/);
    expect(tls.evidence.join('\n')).toMatch(/wrong-name certificate refused/);
    expect(tls.evidence.join('\n')).toMatch(/negotiated: TLSv1\.[23]/);
    // The ECR link is TLS too: the terminal, listening, accepts nothing below 1.2.
    expect(tls.evidence[0]).toMatch(/^ecr interface accepts TLSv1\.2, TLSv1\.3; default TLSv1\.3 .*; certificate verifies$/);
  }, 60_000);

  it('passes pin-block and mac under AES DUKPT (format 4, AES-CMAC)', async () => {
    const { report } = await runEncryption({}, path.join(ROOT, 'devices/emulated-terminal-acquirer-aes.json'));
    expect(failedIds(report)).toEqual([]);
    const pin = (byId(report)['pin-block']!.details!.checks as CheckResult[])[0]!;
    expect(pin.evidence[0]).toMatch(/format 4 PIN block/);
  }, 60_000);

  // Each defect must turn exactly its own check red: a check that fails for every defect
  // would prove nothing about any one of them.
  const cases: [keyof NonNullable<EmulatorConfig['defects']>, string, RegExp][] = [
    ['leakPan', 'no-clear-pan', /ascii PAN 541333\*{6}0011 \(the test card\)/],
    ['reuseKsn', 'pin-block', /was already used in this run/],
    ['wrongPinKey', 'pin-block', /not a format 0 PIN block|not the test card's/],
    ['badMac', 'mac', /does not verify/],
    ['weakTls', 'tls', /offers TLSv1\.1, TLSv1 \(policy: TLS 1\.2 or later only\)/],
    ['noCertCheck', 'tls', /accepted an expired host certificate|accepted a self-signed host certificate|accepted a wrong-name host certificate/],
  ];
  it.each(cases)('the %s defect turns exactly the %s test red', async (defect, test, finding) => {
    const { report } = await runEncryption({ [defect]: 1 });
    expect(failedIds(report)).toEqual([test]);
    expect(findings(byId(report)[test]!).join('\n')).toMatch(finding);
    // weakTls is caught from both sides: what the terminal accepts on its ECR link, what it offers the host.
    if (defect === 'weakTls') expect(findings(byId(report)[test]!).join('\n')).toMatch(/ecr interface \(device listening on TLS\): .* accepts TLS 1\.0/);
  }, 60_000);

  it('takes the BDK from a key file too, and warns at run start when others can read that file', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'poshil-keyfile-'));
    const keyFile = path.join(dir, 'bdk.hex');
    fs.writeFileSync(keyFile, TDES_BDK + '\n', { mode: 0o644 });
    fs.chmodSync(keyFile, 0o644);
    const profile = JSON.parse(fs.readFileSync(path.join(ROOT, 'devices/emulated-terminal-acquirer.json'), 'utf8'));
    profile.interfaces.host.security.bdk = { file: keyFile };
    const deviceFile = path.join(ROOT, 'devices', `.keyfile-test-${process.pid}.json`);
    fs.writeFileSync(deviceFile, JSON.stringify(profile));
    try {
      const suite = loadSuite(path.join(ROOT, 'suites/encryption.json'));
      const device = loadDevice(deviceFile);
      const warnings: string[] = [];
      const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'poshil-encryption-'));
      const report = await runSuite({ suite, device, outDir, reporter: { name: 'spy', onRunStart: (s) => void warnings.push(...(s.warnings ?? [])) }, filter: (t) => t.id === 'pin-block' });
      expect(failedIds(report)).toEqual([]);
      expect(warnings).toEqual([`key file ${keyFile} is readable by group and others (mode 0644); restrict it with: chmod 600 ${keyFile}`]);
    } finally {
      fs.rmSync(deviceFile, { force: true });
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('stops before any test with a clear error when the BDK is not in the environment', async () => {
    delete process.env.POSHIL_BDK;
    try {
      await expect(runEncryption()).rejects.toMatchObject({ code: 'HOST_KEYS', exitCode: 2, message: expect.stringMatching(/environment variable POSHIL_BDK is not set/) });
    } finally {
      process.env.POSHIL_BDK = TDES_BDK;
    }
  });
});
