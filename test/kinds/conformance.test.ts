import fs from 'node:fs';
import path from 'node:path';
import { measured, runOneTest, virtualTerminal } from '../helpers/run-one-test';
import type { DeviceProfile, EmulatorConfig } from '../../harness/suite/types';
import type { StepResult } from '../../harness/kinds/conformance';

/**
 * The conformance kind: scripted steps with field, byte and timing checks. Green on the healthy
 * emulated terminal, red on each defect switch — and red by default, without any threshold in
 * the suite, when a step fails.
 */
const ROOT = path.resolve(__dirname, '../..');
let n = 0;

function zvtTerminal(emulator: EmulatorConfig = {}): DeviceProfile {
  const name = `conformance-zvt-${++n}`;
  return {
    name,
    file: path.join(ROOT, 'devices/emulated-terminal-zvt.json'),
    sha256: '',
    interfaces: { ecr: { transport: { type: 'virtual', name }, framing: { type: 'zvt-serial' }, protocol: { type: 'zvt', password: '000000', currency: 978 } } },
    emulator: { processingMs: { distribution: 'fixed', mean: 1 }, ...emulator },
  };
}

function concertTerminal(emulator: EmulatorConfig = {}): DeviceProfile {
  const name = `conformance-concert-${process.pid}-${++n}`;
  return {
    name,
    file: path.join(ROOT, 'devices/emulated-terminal-concert.json'),
    sha256: '',
    interfaces: { ecr: { transport: { type: 'virtual', name }, framing: { type: 'stx-etx-lrc', preset: 'concert', t1Ms: 1000 }, protocol: { type: 'concert', posNumber: '01', currency: '978' } } },
    emulator: { processingMs: { distribution: 'fixed', mean: 1 }, ...emulator },
  };
}

/**
 * The shipped Concert script (suites/conformance-stx-etx.json), run here on an in-memory link
 * with the shipped profile's T1 of 1 s. Its last step listens 5.5 s for retransmissions that
 * must stop; the defect cases that are about other steps leave it out (`quickConcertSteps`).
 */
const concertSteps = (JSON.parse(fs.readFileSync(path.join(ROOT, 'suites/conformance-stx-etx.json'), 'utf8')) as { tests: { params: { steps: { id: string }[] } }[] }).tests[0]!.params.steps;
const quickConcertSteps = concertSteps.filter((s) => s.id !== 'retransmissions-stop');
const CONCERT_STEP_IDS = ['sale', 'decline', 'refund', 'short-answer-echoes', 'long-answer-rep-masked', 'bad-lrc-naked', 'retransmission-accepted', 'garbage-skipped', 'enq-acked'];
const concertVerdicts = (failing: string[]) => CONCERT_STEP_IDS.map((id) => `${id}:${failing.includes(id) ? 'fail' : 'pass'}`);

const isoSteps = [
  {
    id: 'sale',
    requirement: 'R-1',
    send: { message: { mti: '0200', fields: { '2': '4761739001010119', '3': '000000', '4': '000000001234', '41': 'POSHIL01', '49': '978' } } },
    expect: { mti: '0210', fields: { '39': { equals: '00' }, '11': { echoes: true }, '4': { echoes: true }, '38': { matches: '^[0-9]{6}$' }, '2': { absent: true } } },
  },
  { id: 'decline', send: { transaction: { type: 'sale', amount: '1.05', card: { pan: '4761739001010119' } } }, expect: { approved: false, responseCode: '05' } },
  { id: 'garbage', send: { raw: '00053132333435' }, expect: { noResponse: true, withinMs: 100 } },
];

const zvtSteps = [
  { id: 'status', send: { transaction: { type: 'echo' } }, expect: { approved: true } },
  { id: 'bad-crc', send: { raw: '10020501030000001003FFFF' }, expect: { bytes: '^15', withinMs: 200 } },
  { id: 'garbage', send: { raw: 'FFFE00100206B000100343F3' }, expect: { bytes: '^0610028483', withinMs: 300 } },
];

const steps = (r: { details?: Record<string, unknown> }) => (r.details?.steps as StepResult[]).map((s) => `${s.id}:${s.verdict}`);

describe('conformance kind', () => {
  it('passes every step of an ISO 8583 script on the healthy terminal, with the wire excerpt per step (PAN masked)', async () => {
    const r = await runOneTest(virtualTerminal({}), 'conformance', { steps: isoSteps }, {}, 500);
    expect(r.state).toBe('passed');
    expect(steps(r)).toEqual(['sale:pass', 'decline:pass', 'garbage:pass']);
    const sale = (r.details?.steps as StepResult[])[0]!;
    expect(sale.requirement).toBe('R-1');
    expect(sale.wire.some((w) => w.dir === 'out')).toBe(true);
    expect(JSON.stringify(sale.wire)).not.toContain('4761739001010119');
    expect(measured(r, 'pass_rate')).toBe(100);
  });

  it('fails by default (failed_steps max 0) when a step breaks, naming the check, expected and actual', async () => {
    const r = await runOneTest(virtualTerminal({}), 'conformance', { steps: [{ id: 'wrong', send: { transaction: { type: 'echo' } }, expect: { responseCode: '99' } }] }, {}, 500);
    expect(r.state).toBe('failed');
    expect(r.thresholds[0]).toMatchObject({ metric: 'failed_steps', passed: false });
    expect(r.notes?.[0]).toBe('step wrong: response code: expected 99, got 00');
  });

  it('turns the answered-in-time check red with the dropEveryN defect', async () => {
    const r = await runOneTest(virtualTerminal({ defects: { dropEveryN: 1 } }), 'conformance', { steps: isoSteps.slice(0, 1) }, {}, 200);
    expect(r.state).toBe('failed');
    expect(r.notes?.[0]).toMatch(/answer: expected a response within 200 ms/);
  });

  it('turns a withinMs check red with the slowMs defect', async () => {
    const r = await runOneTest(virtualTerminal({ defects: { slowMs: 80 } }), 'conformance', { steps: [{ id: 'quick', send: { transaction: { type: 'echo' } }, expect: { approved: true, withinMs: 300 } }, { id: 'quicker', send: { transaction: { type: 'echo' } }, expect: { approved: true, withinMs: 50 } }] }, {}, 500);
    expect(steps(r)).toEqual(['quick:pass', 'quicker:fail']);
  });

  it('passes the ZVT serial link-layer script on the healthy terminal', async () => {
    const r = await runOneTest(zvtTerminal(), 'conformance', { steps: zvtSteps }, {}, 1000);
    expect(steps(r)).toEqual(['status:pass', 'bad-crc:pass', 'garbage:pass']);
  });

  it('catches a terminal that never NAKs (neverNak): the broken frame is ACKed', async () => {
    const r = await runOneTest(zvtTerminal({ defects: { neverNak: 1 } }), 'conformance', { steps: zvtSteps }, {}, 1000);
    expect(steps(r)).toEqual(['status:pass', 'bad-crc:fail', 'garbage:pass']);
  });

  it('catches a terminal that ACKs late (slowAckMs)', async () => {
    const step = { id: 'ack', send: { raw: '100206B000100343F3' }, expect: { bytes: '^06', withinMs: 100 } };
    expect(steps(await runOneTest(zvtTerminal(), 'conformance', { steps: [step] }, {}, 1000))).toEqual(['ack:pass']);
    expect(steps(await runOneTest(zvtTerminal({ defects: { slowAckMs: 300 } }), 'conformance', { steps: [step] }, {}, 1000))).toEqual(['ack:fail']);
  });

  it('catches a terminal that does not double DLE (noDleDoubling): an amount whose BCD holds 10 never completes', async () => {
    const step = { id: 'ten', send: { transaction: { type: 'sale', amount: '10.00' } }, expect: { approved: true } };
    expect(steps(await runOneTest(zvtTerminal(), 'conformance', { steps: [step] }, {}, 1000))).toEqual(['ten:pass']);
    expect(steps(await runOneTest(zvtTerminal({ defects: { noDleDoubling: 1 } }), 'conformance', { steps: [step] }, {}, 1000))).toEqual(['ten:fail']);
  });

  it('catches a terminal that ignores the retransmission after its NAK (ignoresRetransmits) in the ZVT script: the next frame gets no ACK', async () => {
    const r = await runOneTest(zvtTerminal({ defects: { ignoresRetransmits: 1 } }), 'conformance', { steps: zvtSteps }, {}, 1000);
    expect(steps(r)).toEqual(['status:pass', 'bad-crc:pass', 'garbage:fail']);
  });

  it('catches a terminal whose frames carry a bad checksum (badChecksum): the dialogue never completes', async () => {
    const r = await runOneTest(zvtTerminal({ defects: { badChecksum: 1 } }), 'conformance', { steps: zvtSteps.slice(0, 1) }, {}, 500);
    expect(steps(r)).toEqual(['status:fail']);
  });
});

describe('conformance kind, ZVT retransmission limit (suites/conformance-zvt.json)', () => {
  const shipped = (JSON.parse(fs.readFileSync(path.join(ROOT, 'suites/conformance-zvt.json'), 'utf8')) as { tests: { params: { steps: { id: string }[] } }[] }).tests[0]!.params.steps;
  const stop = shipped.filter((s) => s.id === 'retransmissions-stop');
  // The shipped profile's T1 of 1 s, on an in-memory link.
  const withT1 = (emulator: EmulatorConfig = {}): DeviceProfile => {
    const p = zvtTerminal(emulator);
    p.interfaces.ecr!.framing = { type: 'zvt-serial', t1Ms: 1000 };
    return p;
  };

  it('passes when the terminal gives up after 3 retransmissions of its 80 00 00', async () => {
    expect(steps(await runOneTest(withT1(), 'conformance', { steps: stop }, {}, 1500))).toEqual(['retransmissions-stop:pass']);
  });

  it('catches a terminal that keeps retransmitting (extraRetransmits)', async () => {
    const r = await runOneTest(withT1({ defects: { extraRetransmits: 1 } }), 'conformance', { steps: stop }, {}, 1500);
    expect(steps(r)).toEqual(['retransmissions-stop:fail']);
    expect(r.notes?.[0]).toMatch(/expected \/\^06\(10028000001003F51F\)\{4\}\$\//);
  });
});

describe('conformance kind, Concert script (suites/conformance-stx-etx.json)', () => {
  it('passes every step on the healthy terminal', async () => {
    const r = await runOneTest(concertTerminal(), 'conformance', { steps: concertSteps }, {}, 1500);
    expect(steps(r)).toEqual([...concertVerdicts([]), 'retransmissions-stop:pass']);
    expect(r.state).toBe('passed');
  });

  it('catches a terminal that keeps retransmitting past the limit when the ECR never answers (extraRetransmits)', async () => {
    const stop = concertSteps.filter((s) => s.id === 'retransmissions-stop');
    const r = await runOneTest(concertTerminal({ defects: { extraRetransmits: 1 } }), 'conformance', { steps: stop }, {}, 1500);
    expect(steps(r)).toEqual(['retransmissions-stop:fail']);
    expect(r.notes?.[0]).toMatch(/bytes: expected \/\^0606\(05\)\{4\}\$\/, got 06060505050505/);
  });

  it('catches a terminal that never NAKs (neverNak): the frame with the wrong LRC is ACKed', async () => {
    const r = await runOneTest(concertTerminal({ defects: { neverNak: 1 } }), 'conformance', { steps: quickConcertSteps }, {}, 1500);
    expect(steps(r)).toEqual(concertVerdicts(['bad-lrc-naked']));
    expect(r.state).toBe('failed');
  });

  it('catches a terminal that ignores the retransmission after its NAK (ignoresRetransmits): the next debit waits out T1', async () => {
    const r = await runOneTest(concertTerminal({ defects: { ignoresRetransmits: 1 } }), 'conformance', { steps: quickConcertSteps }, {}, 1500);
    const verdicts = steps(r);
    expect(verdicts.slice(0, 7)).toEqual(concertVerdicts(['retransmission-accepted']).slice(0, 7));
    expect(r.state).toBe('failed');
    expect(r.notes?.join('\n')).toMatch(/step retransmission-accepted \(CONF-STX-007 .*\): answer: expected a response within 900 ms, got Concert sale .*no response/);
  });

  it('catches a terminal that ACKs late (slowAckMs): ENQ is not acknowledged within 200 ms', async () => {
    const r = await runOneTest(concertTerminal({ defects: { slowAckMs: 400 } }), 'conformance', { steps: quickConcertSteps }, {}, 3000);
    expect(steps(r)).toContain('enq-acked:fail');
    expect(r.state).toBe('failed');
  });

  it('catches a terminal whose frames carry a bad LRC (badChecksum): no answer ever gets through, though NAK and ACK still do', async () => {
    const r = await runOneTest(concertTerminal({ defects: { badChecksum: 1 } }), 'conformance', { steps: quickConcertSteps }, {}, 1500);
    expect(steps(r)).toEqual(concertVerdicts(['sale', 'decline', 'refund', 'short-answer-echoes', 'long-answer-rep-masked', 'retransmission-accepted', 'garbage-skipped']));
    expect(r.state).toBe('failed');
  });
});
