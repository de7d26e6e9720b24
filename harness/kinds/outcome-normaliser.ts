import type { TransactionOutcome } from '../protocols/protocol';

/**
 * One vocabulary for transaction outcomes across protocols, so an answer over ZVT on RS232 and
 * one over ISO 8583 on Ethernet can be compared for what a cashier and an acquirer rely on —
 * approved or not, why not, how much — rather than byte by byte.
 *
 * - ISO 8583 field 39 codes map by their meaning (ISO 8583:1987 response codes).
 * - ZVT result codes 01–63 carry the authorisation system's code as a binary number (ZVT spec,
 *   "Result-code": "error-codes from network-operator system / authorisation-system"), so 0x05
 *   is host code 05 and 0x36 is host code 54; 0x64 and above are the terminal's own.
 * - Ingenico Concert answers only accepted (0) or refused.
 */
export type OutcomeReason =
  | 'approved'
  | 'declined'
  | 'refer-to-issuer'
  | 'invalid-transaction'
  | 'invalid-amount'
  | 'invalid-card'
  | 'original-not-found'
  | 'format-error'
  | 'insufficient-funds'
  | 'expired-card'
  | 'pin-error'
  | 'unavailable'
  | 'card-unreadable'
  | 'aborted'
  | 'terminal-error'
  | 'other';

const ISO_CODES: Record<string, OutcomeReason> = {
  '00': 'approved',
  '01': 'refer-to-issuer',
  '02': 'refer-to-issuer',
  '05': 'declined',
  '12': 'invalid-transaction',
  '13': 'invalid-amount',
  '14': 'invalid-card',
  '25': 'original-not-found',
  '30': 'format-error',
  '51': 'insufficient-funds',
  '54': 'expired-card',
  '55': 'pin-error',
  '91': 'unavailable',
  '96': 'unavailable',
};

const ZVT_TERMINAL_CODES: Record<number, OutcomeReason> = {
  0x64: 'card-unreadable',
  0x65: 'card-unreadable',
  0x6c: 'aborted',
  0x9a: 'terminal-error',
  0xa0: 'unavailable',
  0xff: 'terminal-error',
};

/** The reason an outcome gives, in the shared vocabulary. */
export function outcomeReason(protocol: string, outcome: TransactionOutcome): OutcomeReason {
  const code = outcome.responseCode;
  if (protocol === 'zvt') {
    const n = Number.parseInt(code, 16);
    if (n === 0) return 'approved';
    if (n >= 0x01 && n <= 0x63) return ISO_CODES[String(n).padStart(2, '0')] ?? 'other';
    return ZVT_TERMINAL_CODES[n] ?? 'terminal-error';
  }
  if (protocol === 'concert') return code === '00' ? 'approved' : 'declined';
  return ISO_CODES[code] ?? 'other';
}

/** An outcome as compared: each field named as a suite's `ignore` list names it. */
export interface NormalisedOutcome {
  result: 'approved' | 'declined';
  reason: OutcomeReason;
  amountMinor: number | null;
  /** The device's own reference numbers: volatile (ignored by default), compared by presence when asked. */
  stan: string | null;
  rrn: string | null;
  approvalCode: string | null;
  totalsCount: number | null;
  totalsAmountMinor: number | null;
}

export const NORMALISED_FIELDS = ['result', 'reason', 'amountMinor', 'stan', 'rrn', 'approvalCode', 'totalsCount', 'totalsAmountMinor'] as const;
export type NormalisedField = (typeof NORMALISED_FIELDS)[number];

/** Fields that differ between two devices by nature (reference numbers, codes the host draws). */
export const DEFAULT_VOLATILE: readonly NormalisedField[] = ['stan', 'rrn', 'approvalCode'];

export function normaliseOutcome(protocol: string, outcome: TransactionOutcome): NormalisedOutcome {
  return {
    result: outcome.approved ? 'approved' : 'declined',
    reason: outcomeReason(protocol, outcome),
    amountMinor: outcome.amountMinor ?? null,
    stan: outcome.stan ?? null,
    rrn: outcome.rrn ?? null,
    approvalCode: outcome.approvalCode ?? null,
    totalsCount: outcome.totals?.count ?? null,
    totalsAmountMinor: outcome.totals?.amountMinor ?? null,
  };
}

export interface FieldDifference {
  field: NormalisedField;
  a: string | number | null;
  b: string | number | null;
}

/**
 * Where two outcomes differ, field by field. `ignore`d fields are left out; `presence` fields
 * only need to be there on both sides or on neither (an approval code, whatever its value). A
 * field one protocol never carries (amount in a ZVT status without BMP 04) is compared only when
 * both sides have it.
 */
export function differences(a: NormalisedOutcome, b: NormalisedOutcome, options: { ignore: readonly string[]; presence: readonly string[] }): FieldDifference[] {
  const out: FieldDifference[] = [];
  for (const field of NORMALISED_FIELDS) {
    if (options.ignore.includes(field) && !options.presence.includes(field)) continue;
    const va = a[field];
    const vb = b[field];
    if (options.presence.includes(field)) {
      if ((va === null) !== (vb === null)) out.push({ field, a: va === null ? 'absent' : 'present', b: vb === null ? 'absent' : 'present' });
      continue;
    }
    if (va === null || vb === null) continue;
    if (va !== vb) out.push({ field, a: va, b: vb });
  }
  return out;
}
