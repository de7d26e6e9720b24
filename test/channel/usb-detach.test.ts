import path from 'node:path';
import { EmulatedTerminal } from '../../devices/emulators/terminal/emulated-terminal';
import { DeviceChannel } from '../../harness/channel/device-channel';
import { resolveUnanswered } from '../../harness/channel/resilience';
import { LinkClosedError, type PoshilError } from '../../harness/errors';
import type { TransactionRequest } from '../../harness/protocols/protocol';
import { usbTerminal } from '../helpers/usb-terminal';

/**
 * The USB cable pulled while a sale is with the terminal: the channel reports the loss with the
 * transaction's STAN, and the transaction is settled as the stability kind settles one — after
 * the device is back, the same request goes again under the same STAN and the terminal answers
 * it from its journal, booked once. A device that never comes back leaves it unresolved, with
 * the cause, instead of forgotten.
 */
const sale: TransactionRequest = { type: 'sale', amountMinor: 1234, currency: '978', card: { pan: '4761739001010119', expiry: '3012' } };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function terminalWithChannel() {
  // 150 ms per transaction: long enough to pull the cable while the terminal is working on it.
  const profile = usbTerminal({}, 150);
  const terminal = new EmulatedTerminal(profile);
  const endpoints = await terminal.start();
  const ep = endpoints.find((e) => e.role === 'ecr');
  if (ep?.transport !== 'usb') throw new Error('no usb endpoint');
  const channel = new DeviceChannel({ role: 'ecr', iface: profile.interfaces.ecr!, baseDir: path.dirname(profile.file), transportOverrides: { virtualBus: ep.bus }, defaultTimeoutMs: 1000 });
  await channel.open();
  return { terminal, channel, gadget: terminal.usbGadgets.get('ecr')! };
}

/** A sale sent, the cable pulled 40 ms later, while the terminal is still working on it: the error the ECR gets. */
async function unplugDuringSale(channel: Awaited<ReturnType<typeof terminalWithChannel>>['channel'], gadget: { unplug(): void }): Promise<PoshilError & { stan?: string }> {
  const pending = channel.transact(sale, { timeoutMs: 1000 });
  await sleep(40);
  gadget.unplug();
  return (await pending.catch((e: unknown) => e)) as PoshilError & { stan?: string };
}

describe('USB detach in the middle of a transaction', () => {
  it('reports the lost answer with its STAN, and once the device is back settles it by the repeat — booked once', async () => {
    const { terminal, channel, gadget } = await terminalWithChannel();
    try {
      const err = await unplugDuringSale(channel, gadget);
      expect(err).toBeInstanceOf(LinkClosedError);
      expect(err.message).toMatch(/unplugged/);
      expect(err.stan).toBe('000001');
      expect(channel.recorder.entries().some((e) => /disconnected: .*unplugged/.test(e.note ?? ''))).toBe(true);

      // The terminal finished the sale with the cable out: booked, the answer lost.
      await sleep(150);
      expect(terminal.model.journal.all().filter((e) => e.stan === '000001')).toHaveLength(1);

      setTimeout(() => gadget.replug(), 100);
      const resolution = await resolveUnanswered(channel, sale, err, { reconnectAttempts: 10, timeoutMs: 1000, signal: new AbortController().signal });
      expect(resolution).toMatchObject({ kind: 'answered', outcome: { approved: true, stan: '000001' } });
      expect(terminal.model.journal.all().filter((e) => e.stan === '000001')).toHaveLength(1);
      expect(channel.counters.reconnects).toBe(1);
    } finally {
      await channel.close();
      await terminal.stop();
    }
  });

  it('leaves it unresolved, with the cause, when the device does not come back', async () => {
    const { terminal, channel, gadget } = await terminalWithChannel();
    try {
      const err = await unplugDuringSale(channel, gadget);
      const resolution = await resolveUnanswered(channel, sale, err, { reconnectAttempts: 1, timeoutMs: 300, signal: new AbortController().signal });
      expect(resolution.kind).toBe('unresolved');
      expect(resolution.kind === 'unresolved' && resolution.why).toMatch(/no USB device 1209:0001/);
    } finally {
      await channel.close();
      await terminal.stop();
    }
  });
});
