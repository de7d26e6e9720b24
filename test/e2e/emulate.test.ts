import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { DeviceChannel } from '../../harness/channel/device-channel';
import { loadDevice } from '../../harness/suite/load';

/**
 * `poshil emulate` serves the emulated terminal standalone, so other software can talk to it;
 * here the harness's own channel is that other software.
 */
const ROOT = path.resolve(__dirname, '../..');

const children: ChildProcess[] = [];
afterEach(() => {
  // A failed expectation must not leave an emulator running (it would hold jest open).
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

describe('poshil emulate', () => {
  it('serves the profile on a loopback port, answers transactions, and stops on SIGINT', async () => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/poshil.js'), 'emulate', 'devices/emulated-terminal.json', '--port', '0', '--defect', 'slowMs=5'], { cwd: ROOT });
    children.push(child);
    let out = '';
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /ecr on tcp 127\.0\.0\.1:(\d+)/.exec(out);
        if (m && out.includes('press Ctrl-C')) resolve(Number(m[1]));
      });
      child.once('exit', (code) => reject(new Error(`emulate exited ${code}: ${out}`)));
    });
    expect(out).toContain('defects on: slowMs=5');
    const device = loadDevice(path.join(ROOT, 'devices/emulated-terminal.json'));
    const channel = new DeviceChannel({ role: 'ecr', iface: device.interfaces.ecr!, baseDir: path.join(ROOT, 'devices'), transportOverrides: { port } });
    const t0 = Date.now();
    const outcome = await channel.transact({ type: 'sale', amountMinor: 999, currency: '978', card: { pan: '5413330089010434', expiry: '3012' } });
    expect(outcome.approved).toBe(true);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(5);
    await channel.close();
    const code = await new Promise<number | null>((resolve) => {
      child.once('exit', resolve);
      child.kill('SIGINT');
    });
    expect(code).toBe(0);
    expect(out).toContain('stopped after 1 journal entries');
  });

  it('refuses a profile without an emulator block, with exit code 2', async () => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/poshil.js'), 'emulate', 'test/fixtures/e2e/unreachable-device.json'], { cwd: ROOT });
    children.push(child);
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(2);
    expect(err).toContain('has no "emulator" block');
  });
});
