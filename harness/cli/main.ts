import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PoshilError } from '../errors';
import { createReporters, defaultReporterNames } from '../reports/registry';
import { ReporterMultiplexer } from '../reports/multiplexer';
import { newRunId, runSuite } from '../runner/runner';
import { discardPrewarmedEmulator, prewarmEmulator } from '../runner/emulator-process';
import { loadSuiteAndDevice } from '../suite/load';
import { POSHIL_VERSION } from '../version';
import { validateFiles } from './validate';
import { emulate } from './emulate';
import { devicesCommand } from './devices-command';
import { cryptoCommand } from './crypto-command';
import { tlsProbeCommand } from './tls-probe-command';
import { parseDefects } from './defects';
import { reportCommand } from './report-command';
import { baselineRequest, compareAfterRun, compareCommand, type BaselineRequest } from './compare-command';
import { prepareRunSigning, signRunDirectory, verifyCommand } from './evidence-command';
import { planResume } from '../runner/journal-recovery';
import { showReportCommand } from './show-report-command';
import { trendCommand } from './trend-command';
import { createPrompter } from './operator-prompt';

/**
 * The `poshil` command. Exit codes (ARCHITECTURE.md): 0 every test passed, 1 a test failed or
 * errored, 2 the suite or device could not be loaded or reached (or the command line is wrong).
 */
const USAGE = `poshil ${POSHIL_VERSION} — hardware-in-the-loop tests for POS interfaces

Usage:
  poshil run <suite.json> [options]     run a suite; reports go to reports/<run-id>/
      --out DIR                 write the run's reports into DIR instead
      --reporter a,b            reporters (${defaultReporterNames.join(', ')}; default: all)
      --seed N                  seed for the emulator and randomised tests (default: the suite's)
      --defect NAME=VALUE       switch on an emulator defect, e.g. slowMs=20, dropEveryN=10
      --only ID[,ID]            run only these tests
      --resume DIR              continue the interrupted run in DIR: run only the tests its
                                journal has no result for, then write the report of all of them
      --baseline RUN            afterwards compare with an earlier run (report.json or run dir):
                                table, comparison.json and comparison.md in the run directory
      --tolerance PCT           with --baseline: changes within PCT % are no change (default 10)
      --fail-on-regression      with --baseline: exit 1 when a metric regressed
      --yes                     answer every operator prompt (e.g. a migration's cable move)
                                with its expected answer; otherwise asked on the terminal or
                                read line by line from piped input
      --sign-key FILE           sign the run: manifest.json (sha-256 of every file) and
                                manifest.sig (Ed25519) with this PEM private key
  poshil verify <run-dir> --pub FILE   check a signed run against the signer's public key:
                                       fails on any changed, missing or added file
  poshil report <run-dir> [--reporter a,b]
                                       rebuild a run's report files from its journal alone
                                       (a killed or crashed run: the rest reported as not run)
  poshil compare <baseline> <current> [--tolerance PCT] [--fail-on-regression] [--markdown]
                                       compare two runs metric by metric: p50/p99 as distributions
                                       (bootstrap from the histograms), the rest by tolerance
  poshil trend <runs…> [--last N] [--out FILE] [--fail-on-drift]
                                       follow each measurement over nightly runs (report.json, run
                                       or reports directories): trend.html and a drift verdict
  poshil show-report [dir] [--port N]  serve a run's HTML report on http://127.0.0.1 (default: the
                                       latest run under reports/) until Ctrl-C
  poshil validate <file.json…>         check suites and device profiles; run nothing
  poshil emulate <device.json> [--port N] [--defect NAME=VALUE]
                                       serve the device's emulated terminal until Ctrl-C
  poshil devices [dir]                 list serial ports and the device profiles in devices/
  poshil crypto dukpt|pinblock|mac|kcv …
                                       payment-crypto calculator (DUKPT keys, ISO 9564 PIN blocks,
                                       ISO 9797-1 / CMAC MACs, key check values); poshil crypto --help
  poshil tls-probe <host:port> [--servername N] [--ca FILE] [--json]
                                       what a device listening on TLS accepts (versions, weak
                                       suites, certificate) against the TLS 1.2+ policy
  poshil --version | --help

Exit codes: 0 all passed, 1 a test failed, 2 suite/device could not be loaded or reached.`;

/** The validation entry point, exported from the bundle too (bench/validate-probe.ts times it there). */
export { checkSuiteFile } from '../suite/load';

export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream;
}

const defaultIo: CliIo = { stdout: process.stdout, stderr: process.stderr };

export async function main(argv: string[], io: CliIo = defaultIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'run':
        return await runCommand(rest, io);
      case 'report':
        return await reportCommand(rest, io);
      case 'compare':
        return await compareCommand(rest, io);
      case 'verify':
        return verifyCommand(rest, io);
      case 'show-report':
        return await showReportCommand(rest, io);
      case 'trend':
        return await trendCommand(rest, io);
      case 'validate': {
        if (rest.length === 0) throw usageError('validate needs at least one file');
        const { exitCode, output } = validateFiles(rest);
        (exitCode === 0 ? io.stdout : io.stderr).write(output.endsWith('\n') ? output : output + '\n');
        return exitCode;
      }
      case 'emulate':
        return await emulate(rest, io);
      case 'devices':
        return devicesCommand(rest, io);
      case 'crypto':
        return await cryptoCommand(rest, io);
      case 'tls-probe':
        return await tlsProbeCommand(rest, io);
      case '--version':
      case '-v':
        io.stdout.write(`${POSHIL_VERSION}\n`);
        return 0;
      case undefined:
      case '--help':
      case '-h':
      case 'help':
        io.stdout.write(USAGE + '\n');
        return command === undefined ? 2 : 0;
      default:
        throw usageError(`unknown command '${command}'`);
    }
  } catch (err) {
    if (err instanceof PoshilError) {
      io.stderr.write(`poshil: ${err.message}\n`);
      return err.exitCode;
    }
    io.stderr.write(`poshil: internal error: ${(err as Error).stack ?? String(err)}\n`);
    return 2;
  }
}

function usageError(message: string): PoshilError {
  return new PoshilError('USAGE', `${message}\n\n${USAGE}`, { exitCode: 2 });
}

async function runCommand(args: string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        out: { type: 'string' },
        reporter: { type: 'string' },
        seed: { type: 'string' },
        defect: { type: 'string', multiple: true },
        only: { type: 'string' },
        resume: { type: 'string' },
        baseline: { type: 'string' },
        tolerance: { type: 'string' },
        'fail-on-regression': { type: 'boolean' },
        'sign-key': { type: 'string' },
        yes: { type: 'boolean' },
      },
    });
  } catch (err) {
    throw usageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1) throw usageError('run needs exactly one suite file');
  const suiteFile = positionals[0] as string;
  const seed = values.seed === undefined ? undefined : Number(values.seed);
  if (seed !== undefined && !Number.isInteger(seed)) throw usageError(`--seed expects an integer, got '${values.seed}'`);
  const defects = parseDefects(values.defect);
  const reporterNames = values.reporter ? values.reporter.split(',').map((s) => s.trim()).filter(Boolean) : [...defaultReporterNames];
  const reporters = createReporters(reporterNames, { console: { stream: io.stdout } });

  // Most runs use the embedded emulator: start its process now, while the suite loads. Any way
  // out of here that did not hand it to the runner ends it (finally, below).
  prewarmEmulator();
  try {
    // The baseline is read here, inside the try, so a bad one also ends the prewarmed emulator.
    return await loadAndRun(suiteFile, values, reporters, seed, defects, io, baselineRequest(values));
  } finally {
    discardPrewarmedEmulator();
  }
}

async function loadAndRun(
  suiteFile: string,
  values: { out?: string; only?: string; resume?: string; 'sign-key'?: string; yes?: boolean },
  reporters: ReturnType<typeof createReporters>,
  seed: number | undefined,
  defects: ReturnType<typeof parseDefects>,
  io: CliIo,
  baseline?: BaselineRequest,
): Promise<number> {
  // Load and validate everything before anything runs.
  const { suite, device } = loadSuiteAndDevice(suiteFile);
  if (!device.emulator) discardPrewarmedEmulator();
  const only = values.only ? new Set(values.only.split(',').map((s) => s.trim())) : undefined;
  if (only) {
    const unknown = [...only].filter((id) => !suite.tests.some((t) => t.id === id));
    if (unknown.length) throw usageError(`--only names tests the suite does not have: ${unknown.join(', ')}; tests: ${suite.tests.map((t) => t.id).join(', ')}`);
  }
  const signing = prepareRunSigning(values['sign-key'], io);

  // --resume: the interrupted run's directory, tests, seed and defects (refused when they do not fit).
  if (values.resume && values.out && path.resolve(values.out) !== path.resolve(values.resume)) throw usageError('--resume continues the run in its own directory; leave --out out');
  const resume = values.resume ? planResume(values.resume, suite, device, { seed, defects, only: only !== undefined }) : undefined;
  for (const w of resume?.warnings ?? []) io.stderr.write(`poshil: warning: ${w}\n`);
  const outDir = resume?.outDir ?? path.resolve(values.out ?? path.join('reports', newRunId(suite.name)));
  fs.mkdirSync(outDir, { recursive: true });

  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(130);
    io.stderr.write('\nposhil: interrupted — finishing the current measurement and writing the report (Ctrl-C again to quit now)\n');
    controller.abort();
  };
  // SIGTERM (a CI job's timeout, systemd, `kill`): the same orderly stop — drain, mark the run
  // interrupted, write every report; a second one quits at once.
  const onSigterm = () => {
    if (controller.signal.aborted) process.exit(143);
    io.stderr.write('\nposhil: terminated — finishing the current measurement and writing the report\n');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigterm);
  try {
    const report = await runSuite({
      suite,
      device,
      outDir,
      reporter: new ReporterMultiplexer(reporters),
      defects: resume?.defects ?? defects,
      seed: resume?.seed ?? seed,
      signal: controller.signal,
      filter: resume ? (t) => resume.planned.has(t.id) : only ? (t) => only.has(t.id) || only.has(t.id.replace(/@[^@]*$/, '')) : undefined,
      ...(resume ? { resume: { done: resume.done, startedAt: resume.startedAt } } : {}),
      ...(signing ? { signer: signing.signer } : {}),
      prompt: createPrompter({ yes: values.yes, output: io.stderr }),
    });
    const regressed = baseline ? await compareAfterRun(baseline, report, outDir, io) : 0;
    if (signing) signRunDirectory(outDir, signing, io);
    if (!values.out && !resume) linkLatest(outDir);
    // An interrupted run did not test everything it was asked to: never report it as a pass.
    return report.summary.verdict === 'passed' && !report.run.interrupted && !regressed ? 0 : 1;
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigterm);
  }
}

/** reports/latest → the newest run, so "open reports/latest/summary.md" always works. */
function linkLatest(outDir: string): void {
  const link = path.join(path.dirname(outDir), 'latest');
  try {
    fs.rmSync(link, { force: true });
    fs.symlinkSync(path.basename(outDir), link);
  } catch {
    // A file system without symlinks loses only the convenience.
  }
}
