import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { devicesCommand } from '../../harness/cli/devices-command';

/** `poshil devices` on a machine without USB: it says so, and so does every profile that needs USB hardware. */
const ROOT = path.resolve(__dirname, '../..');

async function devices(dir: string, sysBusUsb: string): Promise<string> {
  let out = '';
  const code = await devicesCommand([dir], { stdout: { write: (s: string) => (out += s) } }, { sysBusUsb });
  expect(code).toBe(0);
  return out;
}

describe('poshil devices and USB', () => {
  it('says the machine has no USB subsystem, that the emulated USB profile runs anyway, and that a hardware USB profile cannot', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'poshil-devices-'));
    fs.copyFileSync(path.join(ROOT, 'devices/emulated-terminal-usb.json'), path.join(dir, 'emulated-usb.json'));
    const hardware = JSON.parse(fs.readFileSync(path.join(ROOT, 'devices/emulated-terminal-usb.json'), 'utf8')) as Record<string, unknown>;
    delete hardware.emulator;
    delete hardware.$schema;
    fs.writeFileSync(path.join(dir, 'lab-usb.json'), JSON.stringify({ ...hardware, name: 'lab terminal on USB' }));
    const out = await devices(dir, '/nonexistent/sys/bus/usb');
    expect(out).toMatch(/USB devices:\n {2}none: this machine has no USB subsystem \(no \/nonexistent\/sys\/bus\/usb/);
    expect(out).toMatch(/emulated-usb\.json.*\n.*\n {6}USB \(ecr, peripheral\): virtual USB devices inside the poshil process — runs on any machine/);
    expect(out).toMatch(/lab-usb\.json — lab terminal on USB\n.*\n {6}USB \(ecr, peripheral\): needs the USB hardware, and this machine has no USB subsystem — it cannot run here/);
  });
});
