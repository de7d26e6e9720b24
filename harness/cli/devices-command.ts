import fs from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../errors';
import { loadDevice } from '../suite/load';
import type { DeviceProfile } from '../suite/types';
import { listSerialPaths } from '../transports/serial';
import { hasSocat } from '../transports/pty-pair';
import { hostUsb, usbSubsystemMissing, type HostUsbOptions } from '../transports/usb/providers';
import { describeCandidate } from '../transports/usb/selection';

/**
 * `poshil devices [dir]`: what this bench can talk to — serial ports and USB devices on this
 * machine and the device profiles in devices/ (with their interfaces, and whether poshil
 * emulates them). A machine without USB (a CI runner, a container) says so, and so does every
 * profile that needs USB hardware there.
 */
export async function devicesCommand(args: string[], io: { stdout: { write(s: string): unknown } }, usb: HostUsbOptions = {}): Promise<number> {
  const dir = args[0] ?? 'devices';
  const out: string[] = [];
  const ports = listSerialPaths();
  out.push('Serial ports:');
  out.push(...(ports.length ? ports.map((p) => `  ${p}`) : ['  none found in /dev (ttyS*, ttyUSB*, ttyACM*, ttyAMA*) — USB CDC-ACM terminals appear here as ttyACM*']));
  out.push(`  emulated serial interfaces: ${hasSocat() ? 'available (socat found)' : 'unavailable — install socat (apt-get install socat)'}`);
  out.push('');
  const noUsb = usbSubsystemMissing(usb);
  out.push('USB devices:');
  out.push(...(await usbLines(noUsb, usb)));
  out.push('  (a CDC-ACM device the kernel has bound is a serial port above: use the serial transport for it)');
  out.push('');
  out.push(`Device profiles in ${dir}/:`);
  const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort() : [];
  if (files.length === 0) out.push('  none');
  for (const f of files) {
    const file = path.join(dir, f);
    try {
      const d = loadDevice(file);
      const ifaces = Object.entries(d.interfaces).map(([role, i]) => `${role}: ${i.transport.type}/${i.framing.type}/${i.protocol.type}`);
      out.push(`  ${file} — ${d.name}${d.emulator ? ' (emulated)' : ''}`);
      out.push(`      ${ifaces.join('; ')}`);
      const usbNote = usbProfileNote(d, noUsb);
      if (usbNote) out.push(`      ${usbNote}`);
    } catch (err) {
      const first = err instanceof ConfigError ? err.issues[0]?.message : (err as Error).message;
      out.push(`  ${file} — invalid: ${first ?? 'unknown problem'} (run: poshil validate ${file})`);
    }
  }
  io.stdout.write(out.join('\n') + '\n');
  return 0;
}

async function usbLines(noUsb: string | undefined, options: HostUsbOptions): Promise<string[]> {
  if (noUsb) return [`  none: ${noUsb}`];
  try {
    const found = await hostUsb(options).list();
    return found.length ? found.map((c) => `  ${describeCandidate(c)}`) : ['  none attached'];
  } catch (err) {
    return [`  cannot be listed: ${(err as Error).message}`];
  }
}

/** What a profile with USB interfaces means on this machine. */
function usbProfileNote(d: DeviceProfile, noUsb: string | undefined): string | undefined {
  const usb = Object.entries(d.interfaces).filter(([, i]) => i.transport.type === 'usb').map(([role]) => role);
  if (usb.length === 0) return undefined;
  if (d.emulator) return `USB (${usb.join(', ')}): virtual USB devices inside the poshil process — runs on any machine`;
  return noUsb ? `USB (${usb.join(', ')}): needs the USB hardware, and this machine has no USB subsystem — it cannot run here` : `USB (${usb.join(', ')}): needs the devices attached (see USB devices above)`;
}
