import fs from 'node:fs';

/**
 * The emulated terminal's transaction journal. It holds masked PANs only: a journal is a log,
 * and no full PAN may land in a log. With a file it is append-only NDJSON and survives restarts.
 *
 * Memory stays bounded for million-transaction soaks: totals are kept as running sums, and
 * only the most recent entries stay indexed for duplicate and reversal look-ups (a terminal
 * only reverses or de-duplicates recent transactions; STANs wrap at 999999 anyway).
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

interface Sum {
  count: number;
  amountMinor: number;
}

export interface Totals {
  sales: Sum;
  refunds: Sum;
  reversals: Sum;
}

/** Entries kept indexed in memory: far more than any realistic reversal or duplicate window. */
const DEFAULT_RECENT = 100_000;

export class TransactionJournal {
  private readonly recent = new Map<string, JournalEntry>();
  private count = 0;
  /** Subtracted from `count` for the next sequence number (restartSequence). */
  private seqBase = 0;
  private readonly sums: Totals = { sales: { count: 0, amountMinor: 0 }, refunds: { count: 0, amountMinor: 0 }, reversals: { count: 0, amountMinor: 0 } };

  constructor(
    private readonly file?: string,
    private readonly keepRecent = DEFAULT_RECENT,
  ) {
    if (file && fs.existsSync(file)) {
      for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
        if (line.trim()) this.replay(JSON.parse(line) as JournalEntry);
      }
    }
  }

  /** Entries ever booked (not only those still in memory). */
  get size(): number {
    return this.count;
  }

  nextSeq(): number {
    return this.count - this.seqBase + 1;
  }

  /** The sequence numbers start again at 1 (a defect: a front-end that keeps its own counter). */
  restartSequence(): void {
    this.seqBase = this.count;
  }

  /** Everything forgotten, on disk too (a defect: a journal that does not survive a migration). */
  clear(): void {
    this.recent.clear();
    this.count = 0;
    this.seqBase = 0;
    for (const sum of Object.values(this.sums)) {
      sum.count = 0;
      sum.amountMinor = 0;
    }
    if (this.file) fs.writeFileSync(this.file, '');
  }

  /** The recent entry a terminal's STAN identifies. */
  find(terminalId: string, stan: string): JournalEntry | undefined {
    return this.recent.get(`${terminalId}:${stan}`);
  }

  append(entry: JournalEntry): void {
    this.book(entry);
    if (this.file) fs.appendFileSync(this.file, JSON.stringify(entry) + '\n');
  }

  markReversed(entry: JournalEntry): void {
    if (entry.reversed) return;
    entry.reversed = true;
    this.uncount(entry);
    if (this.file) fs.appendFileSync(this.file, JSON.stringify(entry) + '\n');
  }

  /** Totals of approved, not reversed transactions — what a settlement (0500) reports. */
  totals(): Totals {
    return structuredClone(this.sums);
  }

  /** The entries still in memory, oldest first. */
  all(): JournalEntry[] {
    return [...this.recent.values()];
  }

  private book(entry: JournalEntry): void {
    this.count++;
    const key = `${entry.terminalId}:${entry.stan}`;
    // Re-inserting moves the key to the end, so the Map's order is age order.
    this.recent.delete(key);
    this.recent.set(key, entry);
    if (this.recent.size > this.keepRecent) {
      const oldest = this.recent.keys().next().value as string;
      this.recent.delete(oldest);
    }
    if (entry.responseCode !== '00') return;
    const sum = entry.type === 'sale' ? this.sums.sales : entry.type === 'refund' ? this.sums.refunds : this.sums.reversals;
    sum.count++;
    sum.amountMinor += entry.amountMinor;
  }

  private uncount(entry: JournalEntry): void {
    if (entry.responseCode !== '00' || entry.type === 'reversal') return;
    const sum = entry.type === 'sale' ? this.sums.sales : this.sums.refunds;
    sum.count--;
    sum.amountMinor -= entry.amountMinor;
  }

  /** Restart: a line repeating a known seq is an update (the entry was reversed later). */
  private replay(entry: JournalEntry): void {
    const known = this.find(entry.terminalId, entry.stan);
    if (known && known.seq === entry.seq) {
      if (entry.reversed) this.markReversedInMemory(known);
      return;
    }
    this.book(entry);
  }

  private markReversedInMemory(entry: JournalEntry): void {
    if (entry.reversed) return;
    entry.reversed = true;
    this.uncount(entry);
  }
}
