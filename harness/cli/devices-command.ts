import fs from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../errors';
import { loadDevice } from '../suite/load';
import { listSerialPaths } from '../transports/serial';
import { hasSocat } from '../transports/pty-pair';

/**
 * `poshil devices [dir]`: what this bench can talk to — serial ports on this machine and the
 * device profiles in devices/ (with their interfaces, and whether poshil emulates them).
 */
export function devicesCommand(args: string[], io: { stdout: { write(s: string): unknown } }): number {
  const dir = args[0] ?? 'devices';
  const out: string[] = [];
  const ports = listSerialPaths();
  out.push('Serial ports:');
  out.push(...(ports.length ? ports.map((p) => `  ${p}`) : ['  none found in /dev (ttyS*, ttyUSB*, ttyACM*, ttyAMA*) — USB CDC-ACM terminals appear here as ttyACM*']));
  out.push(`  emulated serial interfaces: ${hasSocat() ? 'available (socat found)' : 'unavailable — install socat (apt-get install socat)'}`);
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
    } catch (err) {
      const first = err instanceof ConfigError ? err.issues[0]?.message : (err as Error).message;
      out.push(`  ${file} — invalid: ${first ?? 'unknown problem'} (run: poshil validate ${file})`);
    }
  }
  io.stdout.write(out.join('\n') + '\n');
  return 0;
}
