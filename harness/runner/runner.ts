import { LatencyHistogram } from '../metrics/latency-histogram';
import { expandInterfaceSelections } from '../suite/interface-selection';
import crypto from 'node:crypto';
import { setMaxListeners } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DeviceChannel } from '../channel/device-channel';
import { WireRecorder } from '../channel/wire-recorder';
import { StanSequence, type SessionShared } from '../protocols/registry';
import { PoshilError } from '../errors';
import type { KindContext, KindOutcome, OperatorPrompt, TestKind } from '../kinds/kind';
import { getKind } from '../kinds/registry';
import { maskDeep } from '../masking/pan';
import { evaluateThresholds } from '../metrics/thresholds';
import { summarise, type DeviceInfo, type Reporter, type RunReport, type RunSigner, type TestResult } from '../reports/model';
import type { DeviceProfile, EmulatorConfig, Suite, SuiteTest } from '../suite/types';
import { startEmulator, startInProcessEmulator, type RunningEmulator } from './emulator-process';
import { RunJournal, type JournalRunInfo } from './run-journal';
import { HostSimulator } from '../host/host-simulator';
import { isHostRole } from '../host/roles';
import { createTestPki, type TestPki } from '../tls/cert-factory';
import { FaultController, FaultyTransport } from '../faults';
import type { Transport } from '../transports/transport';
import { loadHostKeys } from '../host/host-keys';
import type { PresentedCard } from '../host/acquirer-contract';
import type { StripeCard } from '../protocols/msr/iso7811';
import type { EmulatorOverrides } from '../../devices/emulators/terminal/emulated-terminal';
import { POSHIL_VERSION } from '../version';
import { loadDevice } from '../suite/load';

/**
 * Runs a validated suite against a device: starts the embedded emulator when the profile has
 * one, opens a channel per interface the suite uses, runs each test through its kind, judges
 * thresholds, and streams every result to the journal and the reporters. A test that throws is
 * recorded as `errored` and the run goes on; only a device that cannot be reached at all
 * before the first test stops the run (DeviceUnreachableError, exit 2).
 */
export interface RunOptions {
  suite: Suite;
  device: DeviceProfile;
  /** The run directory: report files, journal and wire traces go here. */
  outDir: string;
  reporter: Reporter;
  /** Emulator defect switches set on the command line, on top of the profile's. */
  defects?: EmulatorConfig['defects'];
  seed?: number;
  signal?: AbortSignal;
  /** Only run tests whose id matches. */
  filter?: (test: SuiteTest) => boolean;
  /** Test kinds by name; default the built-in registry (tests and plug-ins add their own). */
  kinds?: Record<string, TestKind<unknown>>;
  /** Called once the embedded emulator is up (observability; tests use it to pull the plug). */
  onEmulatorStarted?: (emulator: RunningEmulator) => void;
  /**
   * Continue an interrupted run in `outDir` (poshil run --resume): tests in `done` are not run
   * again but carried into the report as they are; the journal gets a note, not a new run-start.
   */
  resume?: { done: TestResult[]; startedAt: string };
  /** The key that will sign the run's files once the reports are written (poshil run --sign-key): named in report.run. */
  signer?: RunSigner;
  /** Asks the operator (a migration test's cable move on real hardware); without it such a test errors. */
  prompt?: (p: OperatorPrompt) => Promise<string>;
}

export async function runSuite(options: RunOptions): Promise<RunReport> {
  const { suite, device, outDir, reporter } = options;
  const seed = options.seed ?? suite.seed;
  const signal = options.signal ?? new AbortController().signal;
  // Every in-flight transaction listens for cancellation; thousands may be in flight.
  setMaxListeners(0, signal);
  const selected = expandInterfaceSelections(suite.tests, Object.keys(device.interfaces));
  const done = new Set(options.resume?.done.map((r) => r.id));
  const tests = (options.filter ? selected.filter(options.filter) : selected).filter((t) => !done.has(t.id));
  fs.mkdirSync(path.join(outDir, 'wire'), { recursive: true });
  const runId = path.basename(outDir);
  const startedAt = options.resume ? new Date(options.resume.startedAt) : new Date();
  const journal = new RunJournal(path.join(outDir, 'journal.ndjson'));
  const start = { runId, suiteName: suite.name, suiteFile: suite.file, tests: tests.map((t) => ({ id: t.id, kind: t.kind, interface: t.interface, ...(t.requirement ? { requirement: t.requirement } : {}) })), outDir };
  // What report.run holds besides the devices (journalled once set up): `poshil report` rebuilds from it.
  const run: JournalRunInfo = { id: runId, poshilVersion: POSHIL_VERSION, node: process.version, host: os.hostname(), platform: `${process.platform}-${process.arch}`, suite: { name: suite.name, file: relative(suite.file), sha256: suite.sha256 }, seed, startedAt: startedAt.toISOString() };
  if (options.resume) journal.append({ type: 'note', at: new Date().toISOString(), message: `resumed at ${new Date().toISOString()}: ${done.size} test result(s) carried over, ${tests.length} test(s) to run` });
  else journal.append({ type: 'run-start', at: startedAt.toISOString(), start, seed, run, ...(options.defects ? { defects: options.defects } : {}) });

  // Every test card in the suite is a secret from the start, whatever the device echoes.
  const suitePans = collectPans(suite);
  let emulator: RunningEmulator | undefined;
  let emulatedTls: EmulatedTls | undefined;
  const hosts: HostSimulator[] = [];
  const channels = new Map<string, DeviceChannel>();
  let channelFactory: ChannelFactory | undefined;
  // Devices a test compares against (compatibility with `compareWith: { device, interface }`).
  const others = new Map<string, OtherDevice>();
  const results: TestResult[] = [...(options.resume?.done ?? [])];
  let interrupted: string | undefined;

  try {
    // poshil is the acquirer on host interfaces: listening before the terminal starts, so an
    // emulated one can be told where to dial (and handed its keys, as by a key loader).
    hosts.push(...(await startHostSimulators(device, outDir, suitePans)));
    if (device.emulator) {
      // In-memory links and virtual USB devices live in this process: so must the terminal behind them.
      const inMemory = Object.values(device.interfaces).some((i) => i.transport.type === 'virtual' || i.transport.type === 'usb');
      const acquirer = acquirerFor(device, hosts);
      // An emulated terminal listening on TLS gets a certificate made for this run; the channels trust its CA.
      emulatedTls = emulatedTlsCertificates(device);
      // A suite that reboots the terminal needs its journal on disk, as a real terminal keeps it in flash.
      const journalFile = tests.some(rebootsDevice) ? path.join(outDir, 'device-journal.ndjson') : undefined;
      // A new run starts the terminal from scratch, even in a reused --out directory; a resumed one keeps its state.
      if (journalFile && !options.resume) fs.rmSync(journalFile, { force: true });
      const overrides = { defects: options.defects, seed, ...(acquirer ? { acquirer } : {}), ...(emulatedTls ? { tlsServers: emulatedTls.servers } : {}), ...(journalFile ? { journalFile } : {}) };
      const starting = inMemory ? startInProcessEmulator(device, overrides) : startEmulator(device, overrides);
      // While the emulator process starts, load what the first measurement needs.
      LatencyHistogram.preload();
      emulator = await starting;
      options.onEmulatorStarted?.(emulator);
    }
    const factory = new ChannelFactory(device, emulator, outDir, suitePans, suite.defaults.timeoutMs, emulatedTls?.caFile);
    for (const role of new Set(tests.filter((t) => !t.skip).map((t) => t.interface))) {
      if (isHostRole(role)) {
        throw new PoshilError('HOST_INTERFACE_TEST', `tests run on the terminal's interfaces; '${role}' is the acquirer side, which poshil itself serves (use "interface": "ecr" and an encryption test to inspect it)`, { exitCode: 2 });
      }
      const channel = factory.create(role);
      channels.set(role, channel);
      // Reach every interface before the first test: an unreachable device is a setup
      // problem (exit 2), not a test failure.
      await channel.open();
    }
    channelFactory = factory;
    await startOtherDevices(tests, suite, outDir, suitePans, seed, others);
    journal.append({ type: 'devices', at: new Date().toISOString(), devices: [deviceInfo(device, emulator), ...[...others.values()].map((o) => deviceInfo(o.device, o.emulator))] });
    const warnings = hosts.flatMap((h) => h.keys?.warnings ?? []);
    for (const message of warnings) journal.append({ type: 'note', at: new Date().toISOString(), message: `warning: ${message}` });
    await reporter.onRunStart?.(warnings.length > 0 ? { ...start, warnings } : start);

    for (const [index, test] of tests.entries()) {
      await reporter.onTestStart?.({ id: test.id, kind: test.kind, index, total: tests.length });
      let result: TestResult;
      if (signal.aborted) {
        interrupted ??= 'interrupted';
        result = skipped(test, 'the run was interrupted before this test');
      } else if (test.skip) {
        result = skipped(test, typeof test.skip === 'string' ? test.skip : 'skipped in the suite');
      } else {
        const device: RunDevice = { hosts, presentCard: emulator?.presentCard, swipeCard: emulator?.swipeCard, reboot: emulator?.reboot, switchInterface: emulator?.switchInterface, prompt: options.prompt, otherDevice: (file) => others.get(path.resolve(path.dirname(suite.file), file))?.factory, recorders: () => [...[...channels.entries()].map(([role, c]) => ({ role, recorder: c.recorder })), ...hosts.map((h) => ({ role: h.role, recorder: h.recorder }))] };
        result = await runTest(test, lookupKind(test.kind, options.kinds), channels.get(test.interface), channelFactory, suite, seed, signal, reporter, device, journal);
      }
      result = maskDeep(result, suitePans);
      results.push(result);
      journal.append({ type: 'test-result', at: new Date().toISOString(), result });
      await reporter.onTestResult?.(result);
    }
  } catch (err) {
    journal.append({ type: 'note', at: new Date().toISOString(), message: `run stopped: ${(err as Error).message}` });
    await closeAll(channels, emulator, hosts);
    await stopOtherDevices(others);
    emulatedTls?.pki.dispose();
    journal.close();
    throw err;
  }
  if (signal.aborted) interrupted ??= 'interrupted';
  await closeAll(channels, emulator, hosts);
  await stopOtherDevices(others);
  emulatedTls?.pki.dispose();

  const endedAt = new Date();
  const report: RunReport = {
    schemaVersion: 1,
    run: {
      ...run,
      devices: [deviceInfo(device, emulator), ...[...others.values()].map((o) => deviceInfo(o.device, o.emulator))],
      endedAt: endedAt.toISOString(),
      durationMs: endedAt.getTime() - startedAt.getTime(),
      ...(interrupted ? { interrupted } : {}),
      ...(options.signer ? { signer: options.signer } : {}),
    },
    summary: summarise(results),
    tests: results,
  };
  journal.append({ type: 'run-end', at: endedAt.toISOString(), verdict: report.summary.verdict, interrupted });
  journal.close();
  await reporter.onRunEnd?.(report, outDir);
  return report;
}

function lookupKind(name: string, kinds: Record<string, TestKind<unknown>> | undefined): TestKind<unknown> | undefined {
  return kinds ? kinds[name] : getKind(name);
}

async function runTest(
  test: SuiteTest,
  kind: TestKind<unknown> | undefined,
  channel: DeviceChannel | undefined,
  factory: ChannelFactory | undefined,
  suite: Suite,
  seed: number,
  signal: AbortSignal,
  reporter: Reporter,
  device: RunDevice,
  journal: RunJournal,
): Promise<TestResult> {
  const startedAt = new Date();
  const t0 = process.hrtime.bigint();
  const base = {
    id: test.id,
    kind: test.kind,
    interface: test.interface,
    ...(test.requirement ? { requirement: test.requirement } : {}),
    ...(test.description ? { description: test.description } : {}),
    startedAt: startedAt.toISOString(),
    wireTrace: `wire/${test.interface}.ndjson`,
  };
  const finish = (fields: Partial<TestResult> & Pick<TestResult, 'state'>): TestResult => ({
    ...base,
    measurements: [],
    thresholds: [],
    ...fields,
    endedAt: new Date().toISOString(),
    durationMs: Number(process.hrtime.bigint() - t0) / 1e6,
  });
  if (!kind) return finish({ state: 'errored', error: { code: 'UNKNOWN_KIND', message: `unknown test kind '${test.kind}'` } });
  if (!channel) return finish({ state: 'errored', error: { code: 'NO_CHANNEL', message: `no channel for interface '${test.interface}'` } });

  // The operator's step comes first: a test on a cable nobody moved measures the wrong thing.
  if (test.prompt) {
    if (!device.prompt) return finish({ state: 'errored', error: { code: 'NO_OPERATOR', message: `test ${test.id} needs an operator ("${test.prompt.message}") and this run cannot ask one` } });
    try {
      const answer = await device.prompt(test.prompt);
      channel.recorder.event(`operator: "${test.prompt.message}" answered "${answer}"`);
    } catch (err) {
      const e = err as PoshilError;
      return finish({ state: 'errored', error: { code: e.code ?? 'NO_OPERATOR', message: e.message } });
    }
  }
  channel.recorder.event(`test ${test.id} start`);
  const extra: DeviceChannel[] = [];
  const ctx: KindContext<unknown> = {
    testId: test.id,
    params: test.params,
    timeoutMs: test.timeoutMs ?? suite.defaults.timeoutMs,
    seed,
    channel: async () => {
      await channel.open();
      return channel;
    },
    channels: async (count) => {
      await channel.open();
      while (extra.length < count - 1 && factory) {
        const c = factory.create(test.interface);
        extra.push(c);
        await c.open();
      }
      return [channel, ...extra.slice(0, Math.max(0, count - 1))];
    },
    progress: (p) => reporter.onProgress?.(test.id, p),
    checkpoint: (data) => journal.append({ type: 'checkpoint', at: new Date().toISOString(), test: test.id, data }),
    log: (message) => channel.recorder.event(`${test.id}: ${message}`),
    signal,
    hosts: device.hosts,
    presentCard: device.presentCard,
    swipeCard: device.swipeCard ? (card) => device.swipeCard!(test.interface, card) : undefined,
    rebootDevice: device.reboot,
    channelWithFaults: async (faults) => {
      if (!factory) throw new PoshilError('NO_CHANNEL', `no channel factory for interface '${test.interface}'`);
      const trace: { recorder?: WireRecorder } = {};
      // Faults in the connection's own wire trace, so a report shows what was injected when.
      const controller = new FaultController(faults, { seed, onEvent: (note) => trace.recorder?.event(note) });
      const c = factory.create(test.interface, (transport) => new FaultyTransport(transport, controller));
      trace.recorder = c.recorder;
      extra.push(c);
      // A serial port takes one opener: the faulted connection replaces the test's own for the
      // test (which reopens by itself when a later test uses it).
      await channel.close();
      await c.open();
      return { channel: c, start: () => controller.start(), stop: () => controller.stop(), injected: () => controller.injected() };
    },
    channelTo: async (role, otherDevice) => {
      const from = otherDevice ? device.otherDevice?.(otherDevice) : factory;
      if (!from) throw new PoshilError('NO_CHANNEL', `no channel factory for interface '${role}'${otherDevice ? ` of device ${otherDevice}` : ''}`);
      if (!otherDevice && role === test.interface) throw new PoshilError('SAME_INTERFACE', `test ${test.id}: the second interface must differ from the test's own ('${role}')`, { exitCode: 2 });
      const c = from.create(role);
      extra.push(c);
      await c.open();
      return c;
    },
    ...(device.switchInterface ? { switchInterface: device.switchInterface } : {}),
    ...(device.prompt ? { prompt: device.prompt } : {}),
    tapWire: (listener) => {
      const all = [...device.recorders(), ...extra.map((c) => ({ role: c.role, recorder: c.recorder }))];
      const offs = all.map(({ role, recorder }) => recorder.tap((dir, data) => listener(role, dir, data)));
      return () => offs.forEach((off) => off());
    },
  };
  let outcome: KindOutcome;
  try {
    outcome = await kind.run(ctx);
  } catch (err) {
    const e = err as PoshilError;
    channel.recorder.event(`test ${test.id} errored: ${e.message}`);
    return finish({ state: 'errored', error: { code: e.code ?? 'INTERNAL_ERROR', message: e.message ?? String(err) } });
  } finally {
    channel.recorder.event(`test ${test.id} end`);
    for (const c of extra) {
      await c.close().catch(() => undefined);
      c.recorder.close();
    }
  }
  const measurements = kind.metrics.map((m) => ({ name: m.name, unit: m.unit, value: outcome.measurements[m.name] ?? null }));
  const thresholds = evaluateThresholds({ ...(kind.defaultThresholds ?? {}), ...test.thresholds }, outcome.measurements, kind.metrics);
  return finish({
    state: thresholds.every((t) => t.passed) ? 'passed' : 'failed',
    measurements,
    thresholds,
    ...(outcome.notes?.length ? { notes: outcome.notes } : {}),
    ...(outcome.details ? { details: outcome.details } : {}),
  });
}

/**
 * Builds channels to the device's interfaces. Every channel to one interface shares the
 * protocol state a device expects to be unique per terminal (the STAN sequence); each
 * connection has its own wire trace file.
 */
class ChannelFactory {
  private readonly shared = new Map<string, SessionShared>();
  private readonly counts = new Map<string, number>();

  constructor(
    private readonly device: DeviceProfile,
    private readonly emulator: RunningEmulator | undefined,
    private readonly outDir: string,
    private readonly pans: string[],
    private readonly timeoutMs: number,
    /** CA of the certificates made for an emulated terminal's TLS interfaces. */
    private readonly emulatedCaFile?: string,
    /** Before each wire trace's name: a second device's traces must not overwrite the first's. */
    private readonly wirePrefix = '',
  ) {}

  create(role: string, wrapTransport?: (transport: Transport) => Transport): DeviceChannel {
    const iface = this.device.interfaces[role];
    if (!iface) throw new PoshilError('NO_SUCH_INTERFACE', `device '${this.device.name}' has no interface '${role}'`);
    const n = (this.counts.get(role) ?? 0) + 1;
    this.counts.set(role, n);
    const ep = this.emulator?.endpoints.find((e) => e.role === role);
    const recorder = new WireRecorder({ file: path.join(this.outDir, 'wire', n === 1 ? `${this.wirePrefix}${role}.ndjson` : `${this.wirePrefix}${role}.${n}.ndjson`) });
    for (const pan of this.pans) recorder.addPan(pan);
    // One STAN sequence per terminal: two interfaces of one terminal id (its RS232 and its
    // Ethernet port) must not reuse each other's STANs, or the terminal answers the second
    // sale from its journal as a repeat of the first.
    const key = typeof iface.protocol.terminalId === 'string' ? `terminal ${iface.protocol.terminalId}` : `interface ${role}`;
    let shared = this.shared.get(key);
    if (!shared) {
      shared = { stans: new StanSequence() };
      this.shared.set(key, shared);
    }
    return new DeviceChannel({
      role,
      iface,
      baseDir: path.dirname(this.device.file),
      transportOverrides:
        ep?.transport === 'tcp'
          ? { host: ep.host, port: ep.port, ...(iface.transport.type === 'tls' && this.emulatedCaFile ? { ca: this.emulatedCaFile } : {}) }
          : ep?.transport === 'serial' || ep?.transport === 'rs485'
            ? { path: ep.path }
            : ep?.transport === 'usb'
              ? { virtualBus: ep.bus }
              : {},
      recorder,
      defaultTimeoutMs: this.timeoutMs,
      shared,
      wrapTransport,
    });
  }
}

function skipped(test: SuiteTest, reason: string): TestResult {
  const now = new Date().toISOString();
  return {
    id: test.id,
    kind: test.kind,
    interface: test.interface,
    ...(test.requirement ? { requirement: test.requirement } : {}),
    state: 'skipped',
    skipReason: reason,
    startedAt: now,
    endedAt: now,
    durationMs: 0,
    measurements: [],
    thresholds: [],
  };
}

function deviceInfo(device: DeviceProfile, emulator: RunningEmulator | undefined): DeviceInfo {
  const identity: Record<string, string> = { ...(emulator?.identity ?? {}) };
  if (!emulator) {
    if (device.vendor) identity.vendor = device.vendor;
    if (device.model) identity.model = device.model;
  }
  for (const [k, v] of Object.entries(emulator?.defects ?? {})) identity[`defect.${k}`] = String(v);
  return { name: device.name, file: relative(device.file), sha256: device.sha256, emulated: emulator !== undefined, identity };
}

async function closeAll(channels: Map<string, DeviceChannel>, emulator: RunningEmulator | undefined, hosts: HostSimulator[]): Promise<void> {
  for (const c of channels.values()) {
    await c.close().catch(() => undefined);
    c.recorder.close();
  }
  await emulator?.stop();
  for (const h of hosts) {
    await h.stop().catch(() => undefined);
    h.recorder.close();
  }
}

/** What a test may reach of the device beyond its channel: host simulators, card presentation, raw wire taps. */
interface RunDevice {
  hosts: HostSimulator[];
  reboot?: () => Promise<void>;
  presentCard?: (card: PresentedCard) => Promise<void>;
  swipeCard?: (role: string, card: StripeCard) => Promise<void>;
  switchInterface?: (from: string, to: string) => Promise<void>;
  prompt?: (p: OperatorPrompt) => Promise<string>;
  /** The channel factory of another device the suite names (by its file, as the suite wrote it). */
  otherDevice?: (file: string) => ChannelFactory | undefined;
  recorders(): { role: string; recorder: WireRecorder }[];
}

interface OtherDevice {
  device: DeviceProfile;
  emulator?: RunningEmulator;
  factory: ChannelFactory;
}

/** The device files compatibility tests compare against, resolved from the suite's directory. */
function otherDeviceFiles(tests: SuiteTest[], suite: Suite): string[] {
  const files = new Set<string>();
  for (const t of tests) {
    const target = (t.params as { compareWith?: unknown } | undefined)?.compareWith;
    if (!t.skip && target && typeof target === 'object' && typeof (target as { device?: unknown }).device === 'string') {
      files.add(path.resolve(path.dirname(suite.file), (target as { device: string }).device));
    }
  }
  return [...files];
}

/**
 * Starts each other device a suite compares against (its emulator when it has one) and reaches
 * its interfaces, as for the suite's own device: a problem here stops the run before any test.
 */
async function startOtherDevices(tests: SuiteTest[], suite: Suite, outDir: string, pans: string[], seed: number, into: Map<string, OtherDevice>): Promise<void> {
  for (const [i, file] of otherDeviceFiles(tests, suite).entries()) {
    const device = loadDevice(file);
    let emulator: RunningEmulator | undefined;
    if (device.emulator) {
      const inMemory = Object.values(device.interfaces).some((iface) => iface.transport.type === 'virtual');
      emulator = await (inMemory ? startInProcessEmulator(device, { seed }) : startEmulator(device, { seed }));
    }
    const factory = new ChannelFactory(device, emulator, outDir, pans, suite.defaults.timeoutMs, undefined, `device${i + 2}-`);
    into.set(file, { device, ...(emulator ? { emulator } : {}), factory });
  }
}

async function stopOtherDevices(others: Map<string, OtherDevice>): Promise<void> {
  // Stopped, not forgotten: the report still lists them among the run's devices.
  for (const o of others.values()) await o.emulator?.stop().catch(() => undefined);
}

async function startHostSimulators(device: DeviceProfile, outDir: string, pans: string[]): Promise<HostSimulator[]> {
  const hosts: HostSimulator[] = [];
  try {
    for (const [role, iface] of Object.entries(device.interfaces)) {
      if (!isHostRole(role)) continue;
      const baseDir = path.dirname(device.file);
      const keys = iface.security ? loadHostKeys(role, iface.security, baseDir) : undefined;
      const recorder = new WireRecorder({ file: path.join(outDir, 'wire', `${role}.ndjson`) });
      for (const pan of pans) recorder.addPan(pan);
      for (const w of keys?.warnings ?? []) recorder.event(`warning: ${w}`);
      const host = new HostSimulator({ role, iface, baseDir, recorder, keys });
      hosts.push(host);
      await host.start();
    }
    return hosts;
  } catch (err) {
    for (const h of hosts) {
      await h.stop().catch(() => undefined);
      h.recorder.close();
    }
    throw err;
  }
}

interface EmulatedTls {
  pki: TestPki;
  caFile: string;
  servers: Record<string, { cert: string; key: string }>;
}

/** Certificates for the TLS interfaces an emulated terminal listens on (none: undefined). */
function emulatedTlsCertificates(device: DeviceProfile): EmulatedTls | undefined {
  const roles = Object.entries(device.interfaces).filter(([role, iface]) => iface.transport.type === 'tls' && !isHostRole(role));
  if (roles.length === 0) return undefined;
  const pki = createTestPki();
  const servers: EmulatedTls['servers'] = {};
  for (const [role, iface] of roles) {
    const name = (iface.transport.servername as string | undefined) ?? 'localhost';
    const files = pki.issue({ commonName: name, altNames: [`DNS:${name}`, 'IP:127.0.0.1'] });
    servers[role] = { cert: files.certPem, key: files.keyPem };
  }
  return { pki, caFile: pki.ca.certFile, servers };
}

/** Where the emulated terminal dials its acquirer (the first host interface), with its injected keys. */
function acquirerFor(device: DeviceProfile, hosts: HostSimulator[]): EmulatorOverrides['acquirer'] {
  const host = hosts[0];
  if (!host || !host.keys) return undefined;
  const iface = device.interfaces[host.role]!;
  const ca = host.caPem;
  return {
    endpoint: { role: host.role, host: host.endpoint.host, port: host.endpoint.port, ...(ca ? { tls: { ca, servername: host.serverName } } : {}) },
    keys: host.keys.injection,
    packager: iface.protocol.packager as string,
    framing: iface.framing,
    terminalId: iface.protocol.terminalId as string | undefined,
    merchantId: iface.protocol.merchantId as string | undefined,
  };
}

function rebootsDevice(test: SuiteTest): boolean {
  const faults = (test.params as { faults?: { type?: string }[] }).faults;
  return Array.isArray(faults) && faults.some((f) => f?.type === 'reboot');
}

function collectPans(suite: Suite): string[] {
  const pans: string[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (k === 'pan' && typeof x === 'string') pans.push(x);
        else walk(x);
      }
    }
  };
  walk(suite.tests);
  return pans;
}

function relative(file: string): string {
  const r = path.relative(process.cwd(), file);
  return r.startsWith('..') ? file : r;
}

export function newRunId(suiteName: string, at = new Date()): string {
  const stamp = at.toISOString().replace(/[-:]/g, '').replace(/\..*/, '');
  const slug = suiteName.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'run';
  return `${stamp}-${slug}-${crypto.randomBytes(2).toString('hex')}`;
}

