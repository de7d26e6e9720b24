import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { PoshilError } from '../errors';

/**
 * A pseudo-terminal pair, made by socat: what is written to one end comes out of the other,
 * through the kernel's tty layer. The emulated terminal opens one end and poshil opens the
 * other with the serialport library, so termios, buffering and the real binding are exercised
 * exactly as with a USB-serial adapter.
 */
export interface PtyPair {
  /** The end poshil opens. */
  harnessPath: string;
  /** The end the emulated terminal opens. */
  devicePath: string;
  close(): Promise<void>;
}

export async function createPtyPair(dir: string, name: string, timeoutMs = 5000): Promise<PtyPair> {
  fs.mkdirSync(dir, { recursive: true });
  const harnessPath = path.join(dir, `${name}-harness`);
  const devicePath = path.join(dir, `${name}-device`);
  for (const p of [harnessPath, devicePath]) fs.rmSync(p, { force: true });
  let child: ChildProcess;
  try {
    child = spawn('socat', [`pty,raw,echo=0,link=${harnessPath}`, `pty,raw,echo=0,link=${devicePath}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    throw noSocat(err);
  }
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const started = Date.now();
  await new Promise<void>((resolve, reject) => {
    child.once('error', (err) => reject(noSocat(err)));
    child.once('exit', (code) => reject(new PoshilError('PTY_FAILED', `socat exited (code ${code}) before the pseudo-terminal pair was ready: ${stderr.trim()}`, { exitCode: 2 })));
    const poll = () => {
      if (fs.existsSync(harnessPath) && fs.existsSync(devicePath)) return resolve();
      if (Date.now() - started > timeoutMs) {
        child.kill();
        return reject(new PoshilError('PTY_FAILED', `socat did not create the pseudo-terminal pair within ${timeoutMs} ms`, { exitCode: 2 }));
      }
      setTimeout(poll, 10);
    };
    poll();
  });
  child.removeAllListeners('exit');
  return {
    harnessPath,
    devicePath,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill();
      }),
  };
}

function noSocat(err: unknown): PoshilError {
  const missing = (err as NodeJS.ErrnoException)?.code === 'ENOENT';
  return new PoshilError(
    'NO_PTY_HELPER',
    missing ? 'emulated serial interfaces need socat to create a pseudo-terminal pair: install it (Debian/Ubuntu: apt-get install socat)' : `could not start socat: ${(err as Error).message}`,
    { cause: err, exitCode: 2 },
  );
}

/** True when socat is on the PATH (serial tests say how to enable themselves otherwise). */
export function hasSocat(): boolean {
  return (process.env.PATH ?? '').split(path.delimiter).some((d) => d && fs.existsSync(path.join(d, 'socat')));
}
