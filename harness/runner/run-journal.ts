import fs from 'node:fs';
import type { DeviceInfo, RunInfo, RunStart, TestResult } from '../reports/model';
import type { EmulatorConfig } from '../suite/types';

/**
 * report.run as far as it is known when the run starts: with the `devices` record and the
 * test results it lets `poshil report` rebuild report.json from the journal alone. Not the
 * signer: a report rebuilt from the journal is not what was signed.
 */
export type JournalRunInfo = Omit<RunInfo, 'devices' | 'endedAt' | 'durationMs' | 'interrupted' | 'signer'>;

/**
 * Append-only NDJSON record of a run, written and fsync'd after every test, so a crash, a
 * SIGINT or a dead device never loses what was already measured. The report is built from
 * the same results; the journal is the evidence if the report never gets written.
 */
export type JournalRecord =
  // `run` and `defects` are optional: journals written before `poshil report` existed lack them.
  | { type: 'run-start'; at: string; start: RunStart; seed: number; run?: JournalRunInfo; defects?: EmulatorConfig['defects'] }
  /** The devices as the report names them, once set-up is done (an emulator's identity is known only then). */
  | { type: 'devices'; at: string; devices: DeviceInfo[] }
  | { type: 'test-result'; at: string; result: TestResult }
  | { type: 'note'; at: string; message: string }
  /** Evidence a long test streams while it runs (a stability window), so a crash keeps it. */
  | { type: 'checkpoint'; at: string; test: string; data: Record<string, unknown> }
  | { type: 'run-end'; at: string; verdict: string; interrupted?: string };

export class RunJournal {
  private readonly fd: number;

  constructor(readonly file: string) {
    this.fd = fs.openSync(file, 'a');
  }

  append(record: JournalRecord): void {
    fs.writeSync(this.fd, JSON.stringify(record) + '\n');
    fs.fsyncSync(this.fd);
  }

  close(): void {
    fs.closeSync(this.fd);
  }

  static read(file: string): JournalRecord[] {
    return fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as JournalRecord);
  }
}
