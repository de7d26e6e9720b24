import { runUsbTests, shippedUsbTest, usbTerminal } from '../helpers/usb-terminal';
import type { StepResult } from '../../harness/kinds/conformance';
import type { SuiteTest } from '../../harness/suite/types';
import type { TestResult } from '../../harness/reports/model';

/**
 * The emulated terminal on USB, through the runner: its ECR protocol on the bulk endpoints of a
 * virtual vendor-class device and its HID card reader, green when healthy — and each USB
 * defect switch of its firmware turns a test red for the reason it exists.
 */
const sale = { type: 'sale', amount: '12.34', currency: '978', card: { pan: '4761739001010119', expiry: '3012' } };
const latency = (id: string, transaction: object, iterations = 60): SuiteTest => ({ id, kind: 'latency', interface: 'ecr', params: { transaction, iterations }, thresholds: { errors: { max: 0 } } });
const verdicts = (r: TestResult) => (r.details?.steps as StepResult[]).map((s) => `${s.id}:${s.verdict}`);
const failedChecks = (r: TestResult, step: string) => (r.details?.steps as StepResult[]).find((s) => s.id === step)!.checks.filter((c) => !c.pass).map((c) => c.what);
const byId = (tests: TestResult[], id: string) => tests.find((t) => t.id === id)!;

describe('emulated terminal on USB', () => {
  it('runs latency and conformance over the virtual USB devices, green, and the report says the USB link was virtual', async () => {
    const report = await runUsbTests(usbTerminal(), [latency('echo', { type: 'echo' }), latency('sale', sale), shippedUsbTest('ecr-messages'), shippedUsbTest('card-reader')]);
    expect(report.tests.map((t) => `${t.id}:${t.state}`)).toEqual(['echo:passed', 'sale:passed', 'ecr-messages:passed', 'card-reader:passed']);
    expect(report.run.devices[0]!.identity.usbLink).toMatch(/virtual USB devices/);
    const swipe = (byId(report.tests, 'card-reader').details?.steps as StepResult[])[0]!;
    expect(swipe.checks.map((c) => c.what)).toEqual(expect.arrayContaining(['track 1 start sentinel', 'track 2 end sentinel', 'track 1 field separators', 'track 2 LRC', 'card on track 2']));
    expect(JSON.stringify(report.tests)).not.toContain('4761739001010119');
  });

  it('usbWrongMaxPacketSize=512: answers longer than 64 bytes come in oversized packets, the host sees babble, and the sale test goes red saying so', async () => {
    const report = await runUsbTests(usbTerminal({ usbWrongMaxPacketSize: 512 }), [latency('sale', sale)]);
    const r = report.tests[0]!;
    expect(r.state).not.toBe('passed');
    expect(JSON.stringify(r)).toMatch(/babble on bulk IN 0x81 .*wMaxPacketSize/);
  });

  it('usbStallEveryN=5: every fifth request is refused with a STALL, cleared, and counted as an error', async () => {
    const report = await runUsbTests(usbTerminal({ usbStallEveryN: 5 }), [latency('sale', sale, 50)]);
    const r = report.tests[0]!;
    expect(r.state).toBe('failed');
    const errors = r.measurements.find((m) => m.name === 'errors')!.value as number;
    expect(errors).toBeGreaterThanOrEqual(9);
    expect(errors).toBeLessThanOrEqual(11);
    expect(r.notes?.join(' ')).toMatch(/STALL on bulk OUT 0x02 .*halt was cleared/);
  });

  it('usbDropZlp=1: the one answer that fills its last packet never completes; every other step still passes', async () => {
    const report = await runUsbTests(usbTerminal({ usbDropZlp: 1 }), [shippedUsbTest('ecr-messages')]);
    const r = report.tests[0]!;
    expect(r.state).toBe('failed');
    expect(verdicts(r)).toEqual(['echo:pass', 'answer-fills-last-packet:fail', 'sale-approved:pass', 'garbage-ignored:pass', 'still-alive:pass']);
  });

  it('healthy, that same 64-byte answer arrives because the device ends it with a zero-length packet', async () => {
    const report = await runUsbTests(usbTerminal(), [shippedUsbTest('ecr-messages')]);
    const step = (report.tests[0]!.details?.steps as StepResult[]).find((s) => s.id === 'answer-fills-last-packet')!;
    expect(step.verdict).toBe('pass');
    // 64 bytes in: the 2-byte length prefix and a 62-byte 0810.
    expect(step.wire.filter((w) => w.dir === 'in').map((w) => (w.hex ?? '').length / 2)).toEqual([64]);
  });

  it('msrBadLrc=1: the card reader swipes turn red on exactly the LRC checks', async () => {
    const report = await runUsbTests(usbTerminal({ msrBadLrc: 1 }), [shippedUsbTest('card-reader')]);
    const r = report.tests[0]!;
    expect(r.state).toBe('failed');
    expect(failedChecks(r, 'swipe')).toEqual(['track 1 LRC', 'track 2 LRC']);
  });

  it('a swipe step on an interface that is no card reader fails, saying why', async () => {
    const step = { id: 'swipe', send: { swipe: { card: { pan: '4761739001010119', expiry: '3012' } } }, expect: { iso7811: true } };
    const report = await runUsbTests(usbTerminal(), [{ id: 'wrong', kind: 'conformance', interface: 'ecr', params: { steps: [step] }, thresholds: {} }]);
    const r = report.tests[0]!;
    expect(r.state).toBe('failed');
    expect(r.notes?.join(' ')).toMatch(/reads no cards/);
  });
});
