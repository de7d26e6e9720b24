import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createPtyPair, hasSocat, type PtyPair } from '../transports/pty-pair';
import { createPortPair } from '../transports/paired-binding';
import { EmulatedTerminal, type EmulatorEndpoint, type EmulatorOverrides } from '../../devices/emulators/terminal/emulated-terminal';
import { DeviceUnreachableError } from '../errors';
import { BUNDLED, PROJECT_ROOT } from '../project-root';
import type { DeviceProfile } from '../suite/types';
import type { PresentedCard } from '../host/acquirer-contract';
import type { StripeCard } from '../protocols/msr/iso7811';

/**
 * Starts the embedded emulated terminal of a device profile in a child process and tells the
 * runner where its interfaces listen. The child runs the TypeScript sources through tsx, as
 * the CLI does.
 */
export type { EmulatorEndpoint };

export interface RunningEmulator {
  endpoints: EmulatorEndpoint[];
  identity: Record<string, string>;
  defects: Record<string, number>;
  pid: number;
  /** The cardholder presents a card (swipe and PIN) at the terminal; it stays until replaced. */
  presentCard(card: PresentedCard): Promise<void>;
  /** A card is swiped through the emulated card reader on that interface (in-process emulators, which USB profiles always are). */
  swipeCard?(role: string, card: StripeCard): Promise<void>;
  /**
   * Restarts the terminal, as a power cycle: the process ends and a new one starts on the same
   * ports with the journal it kept on disk (unless the forgetOnReboot defect is on).
   */
  reboot(): Promise<void>;
  /** The terminal's front-end moves from one interface to another; its state stays (a migration). */
  switchInterface(from: string, to: string): Promise<void>;
  stop(): Promise<void>;
}

/** How long the emulator child may take to confirm a presented card. */
const PRESENT_CARD_TIMEOUT_MS = 5000;

// From the bundle, the emulator's own bundle runs on plain node; from the sources, tsx runs main.ts.
const ENTRY = BUNDLED ? path.join(PROJECT_ROOT, 'bin', 'run-bundle.js') : path.join(PROJECT_ROOT, 'devices', 'emulators', 'terminal', 'main.ts');
const ENTRY_ARGS = BUNDLED ? [path.join(PROJECT_ROOT, 'dist', 'emulator.cjs')] : [];

export async function startEmulator(
  profile: DeviceProfile,
  overrides: Omit<EmulatorOverrides, 'serialPaths'> = {},
  startTimeoutMs = 15_000,
): Promise<RunningEmulator> {
  const lines = serialLines(profile);
  if (lines.length > 0 && (!hasSocat() || process.env.POSHIL_SERIAL_LINK === 'in-process')) {
    return startWithPairedPorts(profile, overrides, lines);
  }
  // Serial lines: a pseudo-terminal pair per serial interface and per RS485 bus; the terminal gets one end.
  const ptys: PtyPair[] = [];
  const serialPaths: Record<string, string> = {};
  const ptyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'poshil-pty-'));
  try {
    for (const line of lines) {
      const pair = await createPtyPair(ptyDir, line.replace(/[^A-Za-z0-9-]/g, '-'));
      ptys.push(pair);
      serialPaths[line] = pair.devicePath;
    }
    const running = await forkEmulator(profile, { ...overrides, serialPaths }, startTimeoutMs);
    const harnessEnds = Object.fromEntries(ptys.map((p, i) => [lines[i] as string, p.harnessPath]));
    return {
      ...running,
      identity: ptys.length ? { ...running.identity, serialLink: 'kernel pseudo-terminal pair (socat)' } : running.identity,
      endpoints: running.endpoints.map((e) => harnessEnd(e, harnessEnds)),
      stop: async () => {
        await running.stop();
        await Promise.all(ptys.map((p) => p.close()));
        fs.rmSync(ptyDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await Promise.all(ptys.map((p) => p.close()));
    fs.rmSync(ptyDir, { recursive: true, force: true });
    throw err;
  }
}

function spawnEmulatorChild(): ChildProcess {
  return fork(ENTRY, ENTRY_ARGS, {
    // The CJS loader alone: --import tsx would also start tsx's ESM loader thread, ~35 MB and ~150 ms.
    execArgv: [...(BUNDLED ? [] : ['--require', 'tsx/cjs']), ...emulatorNodeArgs()],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, POSHIL_EMULATOR: '1' },
  });
}

/**
 * Extra node options for the emulator child only (POSHIL_EMULATOR_NODE_ARGS, space-separated):
 * `--cpu-prof` is refused in NODE_OPTIONS, and profiling the device side of a benchmark
 * needs it.
 */
function emulatorNodeArgs(): string[] {
  return (process.env.POSHIL_EMULATOR_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
}

let prewarmed: ChildProcess | undefined;

/**
 * bin/poshil.js forks the bundled emulator for `poshil run` before it even loads the CLI
 * bundle, so the child's start-up overlaps the harness's own; it leaves the child here.
 */
function takeLauncherChild(): ChildProcess | undefined {
  const holder = globalThis as { __poshilEmulatorChild?: ChildProcess };
  const child = holder.__poshilEmulatorChild;
  holder.__poshilEmulatorChild = undefined;
  return BUNDLED && child && child.exitCode === null ? child : undefined;
}

/**
 * Starts an emulator process before the suite is even loaded, so its start-up (Node, the
 * TypeScript loader, the model's modules) overlaps the harness's own. The next startEmulator()
 * takes it; discardPrewarmedEmulator() ends it when the device turns out to be real hardware.
 */
export function prewarmEmulator(): void {
  if (prewarmed) return;
  prewarmed = takeLauncherChild() ?? spawnEmulatorChild();
  prewarmed.once('exit', () => {
    prewarmed = undefined;
  });
}

/** The child ignores SIGTERM (a job runner's signal to the whole group), so it is ended with SIGKILL. */
export function discardPrewarmedEmulator(): void {
  prewarmed?.kill('SIGKILL');
  prewarmed = undefined;
}

async function forkEmulator(profile: DeviceProfile, overrides: EmulatorOverrides, startTimeoutMs: number): Promise<RunningEmulator> {
  let child: ChildProcess = prewarmed ?? spawnEmulatorChild();
  prewarmed = undefined;
  let ready = await startChild(child, profile, overrides, startTimeoutMs);
  const handle: RunningEmulator = {
    ...ready,
    pid: child.pid ?? 0,
    // Closures over `child`: after a reboot they reach the new process.
    presentCard: (card) => presentCardTo(child, card),
    switchInterface: (from, to) => controlChild(child, { type: 'switch-interface', from, to }),
    stop: () => stopChild(child),
    reboot: async () => {
      await stopChild(child);
      child = spawnEmulatorChild();
      ready = await startChild(child, profile, { ...overrides, ports: { ...overrides.ports, ...tcpPorts(ready.endpoints) }, rebooted: true }, startTimeoutMs);
      handle.pid = child.pid ?? 0;
    },
  };
  return handle;
}

/** The ports a terminal listened on: after a reboot it listens on the same ones, as hardware would. */
function tcpPorts(endpoints: EmulatorEndpoint[]): Record<string, number> {
  return Object.fromEntries(endpoints.flatMap((e) => (e.transport === 'tcp' ? [[e.role, e.port] as const] : [])));
}

async function startChild(
  child: ChildProcess,
  profile: DeviceProfile,
  overrides: EmulatorOverrides,
  startTimeoutMs: number,
): Promise<{ endpoints: EmulatorEndpoint[]; identity: Record<string, string>; defects: Record<string, number> }> {
  child.removeAllListeners('exit');
  const ready = await new Promise<{ endpoints: EmulatorEndpoint[]; identity: Record<string, string>; defects: Record<string, number> }>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new DeviceUnreachableError(`the emulated terminal for '${profile.name}' did not start within ${startTimeoutMs} ms`));
    }, startTimeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new DeviceUnreachableError(`could not start the emulated terminal: ${err.message}`, { cause: err }));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new DeviceUnreachableError(`the emulated terminal exited during start-up (exit code ${code})`));
    });
    const onMessage = (m: { type: string; message?: string; endpoints?: EmulatorEndpoint[]; identity?: Record<string, string>; defects?: Record<string, number> }) => {
      if (m.type === 'ready') {
        clearTimeout(timer);
        child.off('message', onMessage);
        resolve({ endpoints: m.endpoints ?? [], identity: m.identity ?? {}, defects: m.defects ?? {} });
      } else if (m.type === 'error') {
        clearTimeout(timer);
        child.off('message', onMessage);
        child.kill('SIGKILL');
        reject(new DeviceUnreachableError(`the emulated terminal could not start: ${m.message}`));
      }
    };
    child.on('message', onMessage);
    child.send({ type: 'start', profile, overrides });
  });
  child.removeAllListeners('exit');
  return ready;
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const kill = setTimeout(() => child.kill('SIGKILL'), 2000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    if (child.connected) child.send({ type: 'stop' });
    else child.kill('SIGKILL');
  });
}

/**
 * The emulator in this process, for profiles whose interfaces are `virtual` or `usb` (in-memory
 * links and virtual USB devices cannot cross a process boundary). Used by tests and by suites that measure the harness itself.
 */
export async function startInProcessEmulator(profile: DeviceProfile, overrides: EmulatorOverrides = {}): Promise<RunningEmulator> {
  let terminal = new EmulatedTerminal(profile, overrides);
  let endpoints = await terminal.start();
  return {
    endpoints,
    identity: terminal.identity(),
    defects: terminal.activeDefects(),
    pid: process.pid,
    presentCard: async (card) => terminal.presentCard(card),
    switchInterface: async (from, to) => terminal.switchInterface(from, to),
    swipeCard: async (role, card) => terminal.swipe(role, card),
    stop: () => terminal.stop(),
    reboot: async () => {
      await terminal.stop();
      const usb = endpoints.find((e) => e.transport === 'usb');
      terminal = new EmulatedTerminal(profile, { ...overrides, ports: { ...overrides.ports, ...tcpPorts(endpoints) }, rebooted: true, ...(usb?.transport === 'usb' ? { usbBus: usb.bus } : {}) });
      endpoints = await terminal.start();
    },
  };
}

/**
 * One request to the emulator child and its confirmation: resolves on `ok`, rejects on `refused`
 * (with the child's reason), on the child's exit, or after PRESENT_CARD_TIMEOUT_MS. `what` words
 * the errors ("present a card"); a message never repeats the request (it may be card data).
 */
function requestChild(child: ChildProcess, message: { type: string } & Record<string, unknown>, replies: { ok: string; refused: string }, what: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (!child.connected) {
      reject(new DeviceUnreachableError(`cannot ${what}: the emulated terminal process is gone`));
      return;
    }
    const done = (err?: Error) => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (err) reject(err);
      else resolve();
    };
    const onMessage = (m: { type: string; message?: string }) => {
      if (m.type === replies.ok) done();
      else if (m.type === replies.refused) done(new DeviceUnreachableError(`the emulated terminal could not ${what}: ${m.message ?? 'no reason given'}`));
    };
    const onExit = () => done(new DeviceUnreachableError(`the emulated terminal exited before it could ${what}`));
    const timer = setTimeout(() => done(new DeviceUnreachableError(`the emulated terminal did not confirm within ${PRESENT_CARD_TIMEOUT_MS} ms that it could ${what}`)), PRESENT_CARD_TIMEOUT_MS);
    child.on('message', onMessage);
    child.once('exit', onExit);
    child.send(message, (err) => {
      if (err) done(new DeviceUnreachableError(`could not ask the emulated terminal to ${what}: ${err.message}`, { cause: err }));
    });
  });
}

/** A control request ({type, …}), answered 'control-done' or 'control-failed'. */
function controlChild(child: ChildProcess, message: { type: string } & Record<string, unknown>): Promise<void> {
  return requestChild(child, message, { ok: 'control-done', refused: 'control-failed' }, message.type.replace(/-/g, ' '));
}

/** Sends the card to the emulator child and waits for its confirmation. Errors never carry the card. */
function presentCardTo(child: ChildProcess, card: PresentedCard): Promise<void> {
  return requestChild(child, { type: 'present-card', card }, { ok: 'card-presented', refused: 'card-refused' }, 'take the presented card');
}

/**
 * Without socat there is no kernel pseudo-terminal pair: the emulator then runs in this process
 * on in-process paired serial ports (the serialport stream and binding contract, no tty layer),
 * and the device identity in the report says so.
 */
async function startWithPairedPorts(profile: DeviceProfile, overrides: EmulatorOverrides, roles: string[]): Promise<RunningEmulator> {
  const pairs = roles.map((role) => ({ role, ...createPortPair(`${process.pid}-${Date.now()}-${role.replace(/[^A-Za-z0-9-]/g, '-')}`) }));
  try {
    const running = await startInProcessEmulator(profile, { ...overrides, serialPaths: Object.fromEntries(pairs.map((p) => [p.role, p.devicePath])) });
    const harnessEnds = Object.fromEntries(pairs.map((p) => [p.role, p.harnessPath]));
    return {
      ...running,
      identity: {
        ...running.identity,
        serialLink: `in-process serialport binding (${hasSocat() ? 'chosen by POSHIL_SERIAL_LINK=in-process' : 'socat is not installed'}: no kernel pseudo-terminal)`,
      },
      endpoints: running.endpoints.map((e) => harnessEnd(e, harnessEnds)),
      stop: async () => {
        await running.stop();
        for (const p of pairs) p.remove();
      },
    };
  } catch (err) {
    for (const p of pairs) p.remove();
    throw err;
  }
}

/**
 * The serial lines an emulated profile needs: one per `serial` interface (keyed by role) and
 * one per RS485 bus (keyed `rs485:<bus>`), whatever number of terminals sits on it.
 */
function serialLines(profile: DeviceProfile): string[] {
  const lines = new Set<string>();
  for (const [role, iface] of Object.entries(profile.interfaces)) {
    if (iface.transport.type === 'serial') lines.add(role);
    if (iface.transport.type === 'rs485') lines.add(`rs485:${(iface.transport.bus as string | undefined) ?? 'rs485'}`);
  }
  return [...lines];
}

/** An endpoint as the harness opens it: the harness's end of the line the terminal got. */
function harnessEnd(e: EmulatorEndpoint, harnessEnds: Record<string, string>): EmulatorEndpoint {
  if (e.transport === 'serial') return { ...e, path: harnessEnds[e.role] ?? e.path };
  if (e.transport === 'rs485') return { ...e, path: harnessEnds[`rs485:${e.bus}`] ?? e.path };
  return e;
}
