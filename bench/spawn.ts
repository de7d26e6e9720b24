import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { ROOT } from './device';

/** Node child processes for the benchmarks that need a fresh process, always bounded in time. */
export interface Spawned {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Wall clock (ns) just before the spawn. */
  spawnedAtNs: number;
  /** Spawn to exit, ms. */
  wallMs: number;
}

/** Wall clock in ns with sub-ms resolution (the clock file timestamps use). */
export function wallNs(): number {
  return (performance.timeOrigin + performance.now()) * 1e6;
}

/**
 * Runs `node <args>` in the project root; killed (SIGKILL, this child only) after timeoutMs.
 * stderr lines go to onStderrLine as they come, if given.
 */
export function spawnNode(args: string[], options: { timeoutMs: number; onStderrLine?: (line: string) => void }): Promise<Spawned> {
  return new Promise((resolve, reject) => {
    const spawnedAtNs = wallNs();
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_OPTIONS: '' } });
    let stdout = '';
    let stderr = '';
    let partial = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      const text = d.toString();
      stderr += text;
      if (!options.onStderrLine) return;
      const lines = (partial + text).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) options.onStderrLine(line);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, spawnedAtNs, wallMs: (wallNs() - spawnedAtNs) / 1e6 });
    });
  });
}

/** The last stdout line of a probe, parsed; throws with its stderr when it failed. */
export function probeOutput<T>(p: Spawned, what: string): T {
  if (p.code !== 0) throw new Error(`${what} failed (exit ${p.code}): ${p.stderr.trim().split('\n').slice(-5).join(' | ')}`);
  const last = p.stdout.trim().split('\n').pop();
  if (!last) throw new Error(`${what} printed nothing`);
  return JSON.parse(last) as T;
}
