/**
 * Child-process entry of the emulated terminal. The harness forks this file so the emulator
 * never shares the harness's event loop (its timers cannot distort the harness's clock, and a
 * later "device reboot" fault is a real process restart).
 *
 * Protocol over the IPC channel: parent sends {type:'start', profile, overrides}; child answers
 * {type:'ready', endpoints, identity, defects} or {type:'error', message}; {type:'stop'} ends it.
 * {type:'present-card', card} presents a card at the terminal; the child answers
 * {type:'card-presented'} or {type:'card-refused', message}. The card is never logged.
 * If the parent dies, the IPC channel closes and the child exits.
 */
import type { DeviceProfile } from '../../../harness/suite/types';
import type { PresentedCard } from '../../../harness/host/acquirer-contract';
import { EmulatedTerminal, type EmulatorOverrides } from './emulated-terminal';

interface StartMessage {
  type: 'start';
  profile: DeviceProfile;
  overrides?: EmulatorOverrides;
}

interface PresentCardMessage {
  type: 'present-card';
  card: PresentedCard;
}

let terminal: EmulatedTerminal | undefined;

function send(message: unknown): void {
  process.send?.(message);
}

process.on('message', (message: { type: string }) => {
  if (message.type === 'start') {
    const { profile, overrides } = message as StartMessage;
    terminal = new EmulatedTerminal(profile, overrides);
    // A crash (crashOnOversize) is the whole process ending, as a terminal's firmware dying would.
    terminal.onCrash = (reason) => {
      process.stderr.write(`emulated terminal crashed: ${reason}\n`);
      process.exit(70);
    };
    terminal.start().then(
      (endpoints) => send({ type: 'ready', endpoints, identity: terminal?.identity(), defects: terminal?.activeDefects() }),
      (err: Error) => send({ type: 'error', message: err.message }),
    );
  } else if (message.type === 'present-card') {
    try {
      if (!terminal) throw new Error('the emulated terminal is not started');
      terminal.presentCard((message as PresentCardMessage).card);
      send({ type: 'card-presented' });
    } catch (err) {
      send({ type: 'card-refused', message: (err as Error).message });
    }
  } else if (message.type === 'switch-interface') {
    try {
      if (!terminal) throw new Error('the emulated terminal is not started');
      const m = message as unknown as { from: string; to: string };
      terminal.switchInterface(m.from, m.to);
      send({ type: 'control-done' });
    } catch (err) {
      send({ type: 'control-failed', message: (err as Error).message });
    }
  } else if (message.type === 'stop') {
    void (terminal?.stop() ?? Promise.resolve()).then(() => process.exit(0));
  }
});

// Ctrl-C in a terminal (and a job runner's SIGTERM) reaches the whole process group. The harness
// decides when its device goes away (it finishes the current measurement first), so the child
// ignores both; it still ends when the harness stops it or the IPC channel closes.
process.on('SIGINT', () => undefined);
process.on('SIGTERM', () => undefined);

process.on('disconnect', () => {
  void (terminal?.stop() ?? Promise.resolve()).then(() => process.exit(0));
});
