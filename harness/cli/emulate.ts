import { parseArgs } from 'node:util';
import { EmulatedTerminal } from '../../devices/emulators/terminal/emulated-terminal';
import { PoshilError } from '../errors';
import { loadDevice } from '../suite/load';
import type { CliIo } from './main';
import { parseDefects } from './defects';

/**
 * `poshil emulate <device.json>`: serve the profile's emulated terminal on loopback until
 * Ctrl-C, so other software (a cash-register app, another harness) can talk to it.
 */
export async function emulate(args: string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, options: { port: { type: 'string' }, defect: { type: 'string', multiple: true }, seed: { type: 'string' } } });
  } catch (err) {
    throw new PoshilError('USAGE', (err as Error).message, { exitCode: 2 });
  }
  const file = parsed.positionals[0];
  if (!file) throw new PoshilError('USAGE', 'emulate needs a device profile: poshil emulate devices/emulated-terminal.json [--port N]', { exitCode: 2 });
  const device = loadDevice(file);
  if (!device.emulator) {
    throw new PoshilError('NO_EMULATOR', `${file}: device '${device.name}' has no "emulator" block, so there is nothing to emulate`, { exitCode: 2 });
  }
  const port = parsed.values.port === undefined ? undefined : Number(parsed.values.port);
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) {
    throw new PoshilError('USAGE', `--port expects 0–65535, got '${parsed.values.port}'`, { exitCode: 2 });
  }
  const terminal = new EmulatedTerminal(device, {
    defects: parseDefects(parsed.values.defect),
    seed: parsed.values.seed === undefined ? undefined : Number(parsed.values.seed),
    ports: port === undefined ? undefined : { ecr: port },
  });
  const endpoints = await terminal.start();
  // A virtual USB device lives in one process: nothing outside it can open it.
  if (endpoints.every((e) => e.transport === 'usb')) {
    await terminal.stop();
    throw new PoshilError('USB_EMULATE', `${file}: every interface of '${device.name}' is USB, and the emulated USB devices are virtual devices inside one process that no other program can open: run a suite against it with poshil run instead`, { exitCode: 2 });
  }
  for (const e of endpoints) if (e.transport === 'tcp') io.stdout.write(`emulating '${device.name}': ${e.role} on tcp ${e.host}:${e.port}\n`);
  for (const e of endpoints) if (e.transport === 'usb') io.stdout.write(`not served: ${e.role} is a virtual USB device inside this process (poshil run reaches it; other programs cannot)\n`);
  const defects = terminal.activeDefects();
  if (Object.keys(defects).length) io.stdout.write(`defects on: ${Object.entries(defects).map(([k, v]) => `${k}=${v}`).join(', ')}\n`);
  io.stdout.write('press Ctrl-C to stop\n');
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await terminal.stop();
  io.stdout.write(`stopped after ${terminal.model.journal.size} journal entries\n`);
  return 0;
}
