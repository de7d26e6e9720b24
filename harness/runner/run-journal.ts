import fs from 'node:fs';
import type { RunStart, TestResult } from '../reports/model';

/**
 * Append-only NDJSON record of a run, written and fsync'd after every test, so a crash, a
 * SIGINT or a dead device never loses what was already measured. The report is built from
 * the same results; the journal is the evidence if the report never gets written.
 */
export type JournalRecord =
  | { type: 'run-start'; at: string; start: RunStart; seed: number }
  | { type: 'test-result'; at: string; result: TestResult }
  | { type: 'note'; at: string; message: string }
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
