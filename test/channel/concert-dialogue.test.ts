import path from 'node:path';
import { DeviceChannel } from '../../harness/channel/device-channel';
import { WireRecorder } from '../../harness/channel/wire-recorder';
import { EmulatedTerminal } from '../../devices/emulators/terminal/emulated-terminal';
import { createFramer } from '../../harness/framing/registry';
import type { StxEtxLrcFramer } from '../../harness/framing/stx-etx-lrc';
import { loadDevice } from '../../harness/suite/load';
import type { DeviceProfile, EmulatorConfig } from '../../harness/suite/types';

/**
 * A Concert exchange end to end: the ECR session on one side, the emulated terminal's Concert
 * face on the other, over an in-memory link with the STX/ETX/LRC framing (concert preset) and
 * its ENQ/ACK … EOT link layer on both ends.
 */
const ROOT = path.resolve(__dirname, '../..');
let n = 0;

function profile(protocol: Record<string, unknown> = {}, emulator: EmulatorConfig = {}): DeviceProfile {
  const name = `concert-spec-${process.pid}-${++n}`;
  return {
    name,
    file: path.join(ROOT, 'devices/emulated-terminal-concert.json'),
    sha256: '',
    interfaces: { ecr: { transport: { type: 'virtual', name }, framing: { type: 'stx-etx-lrc', preset: 'concert' }, protocol: { type: 'concert', ...protocol } } },
    emulator: { processingMs: { distribution: 'fixed', mean: 1 }, ...emulator },
  };
}

async function connect(p: DeviceProfile, recorder = new WireRecorder()) {
  const terminal = new EmulatedTerminal(p);
  await terminal.start();
  const channel = new DeviceChannel({ role: 'ecr', iface: p.interfaces.ecr!, baseDir: ROOT, recorder, defaultTimeoutMs: 2000 });
  await channel.open();
  return {
    channel,
    terminal,
    recorder,
    done: async () => {
      await channel.close();
      await terminal.stop();
    },
  };
}

async function until(condition: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!condition() && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
}

const hexOf = (recorder: WireRecorder, dir: 'in' | 'out') =>
  recorder
    .entries()
    .filter((e) => e.dir === dir)
    .map((e) => e.hex)
    .join('');

describe('Concert dialogue', () => {
  it('debits 12.34: ENQ/ACK, the request frame, ACK, EOT; then the terminal’s ENQ, its answer (status 0), ACK, EOT', async () => {
    const recorder = new WireRecorder();
    const { channel, done } = await connect(profile(), recorder);
    const o = await channel.transact({ type: 'sale', amountMinor: 1234, currency: '978' });
    expect(o).toEqual({ type: 'sale', approved: true, responseCode: '00', stan: '000001', amountMinor: 1234 });
    const request = Buffer.from('0100001234010978000001    A010B010', 'latin1').toString('hex').toUpperCase();
    const response = Buffer.from('010000012341978000001    ', 'latin1').toString('hex').toUpperCase();
    // ECR: ENQ, the frame, EOT after the terminal's ACK, then ACK of the terminal's ENQ and frame.
    expect(hexOf(recorder, 'out')).toMatch(new RegExp(`^05 02${request}03.. 04 06 06$`.replace(/ /g, '')));
    // Terminal: ACK of ENQ, ACK of the frame, its ENQ, its answer frame, EOT (after our ACK).
    await until(() => hexOf(recorder, 'in').endsWith('04'));
    expect(hexOf(recorder, 'in')).toMatch(new RegExp(`^06 06 05 02${response}03.. 04$`.replace(/ /g, '')));
    await done();
  });

  it('declines 10.05 with status 7, response code 07', async () => {
    const { channel, done } = await connect(profile());
    expect(await channel.transact({ type: 'sale', amountMinor: 1005, currency: '978' })).toMatchObject({ approved: false, responseCode: '07', amountMinor: 1005 });
    await done();
  });

  it('credits a refund and cancels the last transaction (reversal); a second cancellation finds nothing to cancel', async () => {
    const { channel, terminal, done } = await connect(profile());
    expect(await channel.transact({ type: 'refund', amountMinor: 500, currency: '978' })).toMatchObject({ approved: true, responseCode: '00' });
    expect(await channel.transact({ type: 'sale', amountMinor: 700, currency: '978' })).toMatchObject({ approved: true });
    expect(await channel.transact({ type: 'reversal', amountMinor: 700 })).toMatchObject({ approved: true, responseCode: '00' });
    expect(await channel.transact({ type: 'reversal', amountMinor: 700 })).toMatchObject({ approved: false, responseCode: '07' });
    const types = terminal.model.journal.all().map((e) => `${e.type}:${e.responseCode}`);
    expect(types).toEqual(['refund:00', 'sale:00', 'reversal:00', 'reversal:25']);
    await done();
  });

  it('rejects echo and settlement with CONCERT_UNSUPPORTED, and the line stays usable', async () => {
    const { channel, done } = await connect(profile());
    await expect(channel.transact({ type: 'echo' })).rejects.toMatchObject({ code: 'CONCERT_UNSUPPORTED' });
    await expect(channel.transact({ type: 'settlement' })).rejects.toMatchObject({ code: 'CONCERT_UNSUPPORTED' });
    expect((await channel.transact({ type: 'sale', amountMinor: 100 })).approved).toBe(true);
    await done();
  });

  it('with answerFlag on in the profile, gets the 80-character answer with the masked card number in rep', async () => {
    const { channel, done } = await connect(profile({ answerFlag: true }));
    const { request, response } = await channel.exchangeMessage({ mti: 'request', fields: { amount: '1234' } });
    expect(request.fields.answerFlag).toBe('1');
    expect(response.fields.rep).toBe('476173******0119' + ' '.repeat(39));
    expect(await channel.transact({ type: 'sale', amountMinor: 1234 })).toMatchObject({ approved: true });
    await done();
  });

  it('answers a duplicate request (type 4) with the last answer, under the duplicate’s own privateData', async () => {
    const { channel, done } = await connect(profile());
    await channel.transact({ type: 'sale', amountMinor: 1005 });
    const { request, response } = await channel.exchangeMessage({ mti: 'request', fields: { transactionType: '4' } });
    expect(response.fields).toMatchObject({ status: '7', amount: '00001005', privateData: request.fields.privateData });
    await done();
  });

  it('keeps the concert preset’s ENQ handshake when the shipped profile is loaded (schema defaults do not override the preset)', () => {
    const device = loadDevice(path.join(ROOT, 'devices/emulated-terminal-concert.json'));
    for (const role of ['ecr', 'ecr-tcp']) {
      const framer = createFramer(device.interfaces[role]!.framing) as StxEtxLrcFramer;
      expect(framer.options).toMatchObject({ enqHandshake: true, lrcIncludesEtx: true, lrcIncludesStx: false });
    }
    expect(device.interfaces.ecr!.transport).toMatchObject({ type: 'serial', baudRate: 9600, dataBits: 7, parity: 'even', stopBits: 1 });
    expect(device.interfaces.ecr!.protocol).toMatchObject({ type: 'concert', posNumber: '01', currency: '978', answerFlag: false, paymentMode: '1' });
  });
});
