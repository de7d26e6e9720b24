import type { EmulatorConfig } from '../../../harness/suite/types';
import { luhnValid, maskPan } from '../../../harness/masking/pan';
import { TransactionJournal, type JournalEntry, type JournalType, type Totals } from './journal';
import { ServiceTime, seededRandom } from './service-time';

/**
 * The emulated POS terminal, independent of any protocol: it authorises, reverses and settles
 * against its journal, decides how long each request takes, and carries the defect switches
 * that let every test kind prove it catches what it exists for.
 */
export interface AuthorisationRequest {
  type: 'sale' | 'refund';
  terminalId: string;
  stan: string;
  amountMinor: number;
  currency: string;
  pan?: string;
  /** YYMM */
  expiry?: string;
}

export interface Decision {
  responseCode: string;
  approvalCode?: string;
  rrn: string;
  /** True when this STAN was already processed: the earlier answer is repeated, nothing booked twice. */
  duplicate: boolean;
}

/** ISO 8583 response codes (field 39) the terminal uses. */
export const ResponseCodes = {
  approved: '00',
  doNotHonour: '05',
  invalidTransaction: '12',
  invalidAmount: '13',
  invalidCardNumber: '14',
  unableToLocateOriginal: '25',
  expiredCard: '54',
} as const;

export class TerminalModel {
  readonly journal: TransactionJournal;
  private readonly random: () => number;
  private readonly serviceTime: ServiceTime;
  private requests = 0;
  private processed = 0;
  private readonly defects: NonNullable<EmulatorConfig['defects']>;
  private stalledUntil = 0;
  private frozen = false;
  /**
   * ZVT trace and receipt numbers belong to the terminal, not to one connection: an ECR that
   * reconnects must not see them start again (they would collide with the journal). They go on
   * from the journal's size, so a reboot does not reuse them either.
   */
  zvtNumbers: { trace: number; receipt: number };
  /** The last transaction's result as the ZVT face reported it, for Repeat Receipt (06 20). */
  lastZvtResult: { resultCode: number; fields: { bmp: number; value: number }[] } | undefined;

  constructor(
    config: EmulatorConfig = {},
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.random = seededRandom(config.seed ?? 1);
    this.serviceTime = new ServiceTime(config.processingMs ?? { distribution: 'normal', mean: 1, stddev: 0.25, min: 0.2 }, this.random);
    this.defects = config.defects ?? {};
    this.journal = new TransactionJournal(config.journal);
    this.zvtNumbers = { trace: this.journal.size % 999999, receipt: this.journal.size % 9999 };
  }

  /**
   * Called once per request as it arrives. Returns how long to take and whether to swallow the
   * response (the `dropEveryN` defect: the Nth, 2Nth, … request is processed but never answered).
   */
  admit(): { delayMs: number; drop: boolean } {
    this.requests++;
    const hangEvery = this.defects.hangEvery ?? 0;
    if ((this.defects.stallAfterN && this.requests === this.defects.stallAfterN) || (hangEvery > 0 && this.requests % hangEvery === 0)) {
      // The whole terminal freezes: every request, on every connection, waits it out.
      this.stalledUntil = Date.now() + (this.defects.stallMs ?? 1000);
    }
    const creep = (this.defects.latencyCreep ?? 0) * this.processed;
    const delayMs = this.serviceTime.sample() + (this.defects.slowMs ?? 0) + creep;
    const n = this.defects.dropEveryN ?? 0;
    return { delayMs, drop: n > 0 && this.requests % n === 0 };
  }

  /** Frozen for good (the hangOnBadBcd defect): nothing is answered until the terminal restarts. */
  get hung(): boolean {
    return this.frozen;
  }

  /** Freezes the terminal for good, on every connection, as firmware stuck in a loop does. */
  hang(): void {
    this.frozen = true;
  }

  /** ms a request about to be processed must still wait because the terminal is stalled. */
  stallRemainingMs(now = Date.now()): number {
    return Math.max(0, this.stalledUntil - now);
  }

  authorise(req: AuthorisationRequest): Decision {
    this.processed++;
    const existing = this.journal.find(req.terminalId, req.stan);
    // duplicateOnRetry: the terminal does not recognise the retransmission and books it again.
    if (existing && !this.defects.duplicateOnRetry) return { responseCode: existing.responseCode, approvalCode: existing.approvalCode, rrn: existing.rrn, duplicate: true };
    const responseCode = this.decide(req);
    const approved = responseCode === ResponseCodes.approved;
    const entry = this.book(req.type, req, responseCode, approved ? this.approvalCode() : undefined);
    return { responseCode, approvalCode: entry.approvalCode, rrn: entry.rrn, duplicate: false };
  }

  /**
   * An authorisation the acquirer decided (the terminal went online): booked as authorise books
   * a local decision, masked PAN only, with the host's response code, approval code and RRN.
   * The caller has already answered a repeated STAN from the journal.
   */
  bookOnline(req: AuthorisationRequest, host: { responseCode: string; approvalCode?: string; rrn?: string }): Decision {
    this.processed++;
    const entry = this.book(req.type, req, host.responseCode, host.approvalCode, undefined, host.rrn);
    return { responseCode: entry.responseCode, approvalCode: entry.approvalCode, rrn: entry.rrn, duplicate: false };
  }

  /** A request answered without a decision to book (no card, host unreachable): no journal entry, no RRN. */
  unbooked(responseCode: string): Decision {
    this.processed++;
    return { responseCode, rrn: '', duplicate: false };
  }

  /** Reverse an earlier transaction of this terminal, named by its STAN. */
  reverse(req: { terminalId: string; stan: string; originalStan: string; amountMinor: number; currency: string }): Decision {
    this.processed++;
    const existing = this.journal.find(req.terminalId, req.stan);
    if (existing) return { responseCode: existing.responseCode, rrn: existing.rrn, duplicate: true };
    const original = this.journal.find(req.terminalId, req.originalStan);
    let responseCode: string = ResponseCodes.approved;
    if (!original || original.type === 'reversal' || original.responseCode !== ResponseCodes.approved || original.reversed) {
      responseCode = ResponseCodes.unableToLocateOriginal;
    }
    const entry = this.book('reversal', { ...req, amountMinor: original?.amountMinor ?? req.amountMinor }, responseCode, undefined, req.originalStan);
    if (original && responseCode === ResponseCodes.approved) this.journal.markReversed(original);
    return { responseCode, rrn: entry.rrn, duplicate: false };
  }

  /**
   * After a move to another interface. resetTraceOnSwitch: the new front-end starts its
   * sequences again (RRN sequence, ZVT trace and receipt numbers) — numbers get reused;
   * dropJournalOnSwitch: the journal does not come along — totals and repeats are lost.
   */
  switchFrontEnd(): void {
    if (this.defects.dropJournalOnSwitch) this.journal.clear();
    if (this.defects.resetTraceOnSwitch) {
      this.journal.restartSequence();
      this.zvtNumbers = { trace: 0, receipt: 0 };
    }
  }

  totals(): Totals {
    this.processed++;
    return this.journal.totals();
  }

  echo(): void {
    this.processed++;
  }

  private decide(req: AuthorisationRequest): string {
    if (!req.pan || !luhnValid(req.pan)) return ResponseCodes.invalidCardNumber;
    if (req.expiry && this.expired(req.expiry)) return ResponseCodes.expiredCard;
    if (req.amountMinor <= 0) return ResponseCodes.invalidAmount;
    // Test-host convention: amounts ending in .05 are declined "do not honour".
    if (req.amountMinor % 100 === 5) return ResponseCodes.doNotHonour;
    return ResponseCodes.approved;
  }

  private expired(yymm: string): boolean {
    const now = this.clock();
    const year = 2000 + Number(yymm.slice(0, 2));
    const month = Number(yymm.slice(2, 4));
    return year < now.getUTCFullYear() || (year === now.getUTCFullYear() && month < now.getUTCMonth() + 1);
  }

  private approvalCode(): string {
    return String(Math.floor(this.random() * 1_000_000)).padStart(6, '0');
  }

  private book(
    type: JournalType,
    req: { terminalId: string; stan: string; amountMinor: number; currency: string; pan?: string },
    responseCode: string,
    approvalCode?: string,
    originalStan?: string,
    hostRrn?: string,
  ): JournalEntry {
    const seq = this.journal.nextSeq();
    const now = this.clock();
    // RRN (field 37, an 12): YDDD + HH + 6-digit sequence, unique per terminal per year.
    const start = Date.UTC(now.getUTCFullYear(), 0, 0);
    const dayOfYear = Math.floor((now.getTime() - start) / 86_400_000);
    const rrn = hostRrn ?? String(now.getUTCFullYear() % 10) + String(dayOfYear).padStart(3, '0') + String(now.getUTCHours()).padStart(2, '0') + String(seq % 1_000_000).padStart(6, '0');
    const entry: JournalEntry = {
      seq,
      at: now.toISOString(),
      type,
      terminalId: req.terminalId,
      stan: req.stan,
      amountMinor: req.amountMinor,
      currency: req.currency,
      responseCode,
      rrn,
    };
    if (req.pan) entry.maskedPan = maskPan(req.pan);
    if (approvalCode) entry.approvalCode = approvalCode;
    if (originalStan) entry.originalStan = originalStan;
    this.journal.append(entry);
    return entry;
  }
}
