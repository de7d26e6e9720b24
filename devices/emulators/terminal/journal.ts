import fs from 'node:fs';

/**
 * The emulated terminal's transaction journal. It holds masked PANs only: a journal is a log,
 * and no full PAN may land in a log. With a file it is append-only NDJSON and survives restarts.
 */
export type JournalType = 'sale' | 'refund' | 'reversal';

export interface JournalEntry {
  seq: number;
  at: string;
  type: JournalType;
  terminalId: string;
  stan: string;
  amountMinor: number;
  currency: string;
  maskedPan?: string;
  responseCode: string;
  approvalCode?: string;
  rrn: string;
  /** For reversals: the STAN reversed. */
  originalStan?: string;
  reversed?: boolean;
}

export interface Totals {
  sales: { count: number; amountMinor: number };
  refunds: { count: number; amountMinor: number };
  reversals: { count: number; amountMinor: number };
}

export class TransactionJournal {
  private readonly entries: JournalEntry[] = [];
  private readonly byKey = new Map<string, JournalEntry>();

  constructor(private readonly file?: string) {
    if (file && fs.existsSync(file)) {
      for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
        if (line.trim()) this.index(JSON.parse(line) as JournalEntry);
      }
    }
  }

  get size(): number {
    return this.entries.length;
  }

  nextSeq(): number {
    return this.entries.length + 1;
  }

  /** The entry a terminal's STAN identifies (STANs are unique per terminal until they wrap). */
  find(terminalId: string, stan: string): JournalEntry | undefined {
    return this.byKey.get(`${terminalId}:${stan}`);
  }

  append(entry: JournalEntry): void {
    this.index(entry);
    if (this.file) fs.appendFileSync(this.file, JSON.stringify(entry) + '\n');
  }

  markReversed(entry: JournalEntry): void {
    entry.reversed = true;
    if (this.file) fs.appendFileSync(this.file, JSON.stringify(entry) + '\n');
  }

  /** Totals of approved, not reversed transactions — what a settlement (0500) reports. */
  totals(): Totals {
    const t: Totals = { sales: { count: 0, amountMinor: 0 }, refunds: { count: 0, amountMinor: 0 }, reversals: { count: 0, amountMinor: 0 } };
    for (const e of this.entries) {
      if (e.responseCode !== '00') continue;
      if (e.type === 'reversal') {
        t.reversals.count++;
        t.reversals.amountMinor += e.amountMinor;
      } else if (!e.reversed) {
        const bucket = e.type === 'sale' ? t.sales : t.refunds;
        bucket.count++;
        bucket.amountMinor += e.amountMinor;
      }
    }
    return t;
  }

  all(): readonly JournalEntry[] {
    return this.entries;
  }

  private index(entry: JournalEntry): void {
    const key = `${entry.terminalId}:${entry.stan}`;
    const existing = this.byKey.get(key);
    if (existing && existing.seq === entry.seq) {
      // A replayed update of an entry already loaded (e.g. marked reversed).
      Object.assign(existing, entry);
      return;
    }
    this.entries.push(entry);
    this.byKey.set(key, entry);
  }
}
