import type { Channel } from '../channel/channel';
import { PoshilError } from '../errors';
import type { TransactionOutcome } from '../protocols/protocol';
import { operatorPromptSchema } from '../suite/operator-prompt-schema';
import type { JsonSchema, KindContext, MetricSpec, TestKind } from './kind';
import { transactionSpecSchema, toTransactionRequest, type TransactionSpec } from './transaction-spec';

/**
 * Migration: a terminal moves from one interface to another (RS232 to Ethernet, serial ZVT to
 * TCP) and nothing may be lost in the move. Before the switch the harness rings up sales on the
 * old interface and captures the device's state (settlement totals, its last trace/reference
 * number, the terminal id); then the interface is switched — by the emulated terminal itself
 * (its front-end moves, its state stays), or by an operator answering a prompt for hardware
 * ("move the cable to the USB port, then press Enter"); after it, sales on the new interface,
 * and the checks: the totals went on from where they were (nothing lost, nothing booked twice),
 * the device's trace numbers continue without reuse, and end-of-day totals read the same over
 * both interfaces when the old one is still there.
 *
 * The device's own sequence is what a migration breaks: for ISO 8583 the retrieval reference
 * number (field 37, the terminal's sequence; the STAN is the ECR's), for ZVT the trace number.
 */
export interface MigrationParams {
  /** The new interface; the test's own is the old one. */
  to: string;
  transaction: TransactionSpec;
  before?: number;
  after?: number;
  /** For a real device: what the operator must do, and the answer that confirms it. */
  prompt?: { message: string; timeoutMs?: number; expect?: string };
}

export const migrationParamsSchema: JsonSchema = {
  type: 'object',
  description:
    'Migration: sales on the test interface, the device state captured (totals, trace numbers, terminal id), the interface switched (the emulator moves its front-end; for hardware an operator prompt), sales on `to`, and continuity checked: totals, trace numbers without reuse, nothing lost or duplicated, end-of-day totals the same on both sides.',
  properties: {
    to: { type: 'string', minLength: 1, description: 'The interface the terminal moves to, e.g. "ecr-tcp".' },
    transaction: transactionSpecSchema,
    before: { type: 'integer', minimum: 1, maximum: 100000, default: 20, description: 'Transactions on the old interface before the switch.' },
    after: { type: 'integer', minimum: 1, maximum: 100000, default: 20, description: 'Transactions on the new interface after it.' },
    prompt: operatorPromptSchema('The operator step for a real device (an emulated one switches by itself). Answered at a terminal, by a piped line, or by --yes.'),
  },
  required: ['to', 'transaction'],
  additionalProperties: false,
};

export const MIGRATION_METRICS: readonly MetricSpec[] = [
  { name: 'approved_before', unit: 'transactions', description: 'Approved on the old interface.' },
  { name: 'approved_after', unit: 'transactions', description: 'Approved on the new interface.' },
  { name: 'lost', unit: 'transactions', description: 'Approvals the ECR holds that the device totals do not.' },
  { name: 'duplicated', unit: 'transactions', description: 'Sales the device totals hold beyond the ECR’s approvals.' },
  { name: 'totals_mismatch', unit: '', description: '1 when the device totals after the move are not the totals before plus the sales since (count or amount).' },
  { name: 'trace_reused', unit: 'transactions', description: 'Trace / reference numbers after the switch already used before it.' },
  { name: 'trace_restarted', unit: '', description: '1 when the device’s sequence did not continue (the first number after the switch is not above the last before).' },
  { name: 'eod_mismatch', unit: '', description: '1 when end-of-day totals differ between the old and the new interface (null when the old one is gone).' },
];

interface Totals {
  count: number;
  amountMinor: number;
}

export const migrationKind: TestKind<MigrationParams> = {
  name: 'migration',
  description: 'Migration: switch the terminal to another interface and prove continuity — totals, trace numbers, nothing lost or duplicated.',
  paramsSchema: migrationParamsSchema,
  metrics: MIGRATION_METRICS,
  defaultThresholds: { lost: { max: 0 }, duplicated: { max: 0 }, totals_mismatch: { max: 0 }, trace_reused: { max: 0 }, trace_restarted: { max: 0 }, eod_mismatch: { max: 0 } },
  async run(ctx: KindContext<MigrationParams>) {
    const p = ctx.params;
    if (!ctx.channelTo) throw new Error('migration needs a runner that can open a second interface');
    const before = p.before ?? 20;
    const after = p.after ?? 20;
    const request = toTransactionRequest(p.transaction);
    const old = await ctx.channel();
    const totalsOf = async (c: Channel, when: string): Promise<Totals> => {
      const outcome = await c.transact({ type: 'settlement' }, { timeoutMs: ctx.timeoutMs, signal: ctx.signal });
      if (!outcome.totals) throw new PoshilError('NO_TOTALS', `${c.endpoint}: the device gave no totals ${when} (ISO 8583 0510 field 76/88, ZVT end-of-day); migration continuity cannot be checked without them`);
      return { count: outcome.totals.count, amountMinor: outcome.totals.amountMinor };
    };
    const ring = async (c: Channel, n: number, phase: string, base: number) => {
      const outcomes: TransactionOutcome[] = [];
      for (let i = 0; i < n && !ctx.signal.aborted; i++) {
        outcomes.push(await c.transact(request, { timeoutMs: ctx.timeoutMs, signal: ctx.signal }));
        if (i % 10 === 0) ctx.progress({ done: base + i, total: before + after, message: phase });
      }
      return outcomes;
    };

    const start = await totalsOf(old, 'before the first sale');
    const sold = await ring(old, before, `on ${old.role}`, 0);
    const captured = await totalsOf(old, 'before the switch');
    const traceBefore = sold.map((o) => traceOf(old.protocol, o)).filter((t): t is string => t !== undefined);
    ctx.checkpoint({ phase: 'captured', interface: old.role, totals: captured, lastTrace: traceBefore.at(-1) ?? null });
    ctx.log(`state before the switch: totals ${captured.count} sales / ${captured.amountMinor} minor units, last trace ${traceBefore.at(-1) ?? 'none'}`);

    // The switch itself.
    let how: string;
    if (ctx.switchInterface) {
      await ctx.switchInterface(old.role, p.to);
      how = `the emulated terminal moved its front-end from ${old.role} to ${p.to}`;
    } else {
      if (!ctx.prompt) throw new PoshilError('NO_OPERATOR', 'this migration needs an operator to switch the interface, and the run has no way to ask one');
      const message = p.prompt?.message ?? `Switch the terminal from interface '${old.role}' to '${p.to}', then press Enter`;
      const answer = await ctx.prompt({ message, ...(p.prompt?.timeoutMs ? { timeoutMs: p.prompt.timeoutMs } : {}), ...(p.prompt?.expect ? { expect: p.prompt.expect } : {}) });
      how = `operator confirmed: "${answer}"`;
    }
    ctx.log(how);
    const next = await ctx.channelTo(p.to);
    const soldAfter = await ring(next, after, `on ${next.role}`, before);
    const end = await totalsOf(next, 'after the switch');
    const traceAfter = soldAfter.map((o) => traceOf(next.protocol, o)).filter((t): t is string => t !== undefined);

    // End of day over the old interface too, when it is still there (an emulator keeps both).
    let oldEnd: Totals | null = null;
    if (ctx.switchInterface) oldEnd = await totalsOf(old, 'over the old interface after the switch').catch(() => null);

    const approved = (os: TransactionOutcome[]) => os.filter((o) => o.approved);
    const amount = (os: TransactionOutcome[]) => approved(os).reduce((s, o) => s + (o.amountMinor ?? request.amountMinor ?? 0), 0);
    const ledgerCount = approved(sold).length + approved(soldAfter).length;
    const deviceCount = end.count - start.count;
    const expected = { count: captured.count + approved(soldAfter).length, amountMinor: captured.amountMinor + amount(soldAfter) };
    const seen = new Set(traceBefore);
    const reused = traceAfter.filter((t) => seen.has(t)).length;
    const lastBefore = traceBefore.at(-1);
    const firstAfter = traceAfter[0];
    const restarted = lastBefore !== undefined && firstAfter !== undefined ? (sequenceOf(firstAfter) <= sequenceOf(lastBefore) ? 1 : 0) : null;
    // The terminal id the ECR uses on each side: a different one makes the device see another
    // terminal (its own totals, its own STANs), which is rarely what a migration intends.
    const tidOld = terminalIdOf(old);
    const tidNew = terminalIdOf(next);
    const notes = [
      how,
      ...(tidOld !== tidNew ? [`terminal id changes with the interface: ${tidOld ?? 'none'} on ${old.role}, ${tidNew ?? 'none'} on ${next.role}`] : []),
      `totals: ${start.count} at the start, ${captured.count} before the switch, ${end.count} after it (expected ${expected.count}); ${approved(sold).length} + ${approved(soldAfter).length} approved on ${old.role} + ${next.role}`,
      `trace numbers: last before ${lastBefore ?? 'none'}, first after ${firstAfter ?? 'none'}${reused ? `; ${reused} reused` : ''}`,
    ];
    if (oldEnd) notes.push(`end of day over ${old.role}: ${oldEnd.count} sales / ${oldEnd.amountMinor}; over ${next.role}: ${end.count} / ${end.amountMinor}`);
    return {
      measurements: {
        approved_before: approved(sold).length,
        approved_after: approved(soldAfter).length,
        lost: Math.max(0, ledgerCount - deviceCount),
        duplicated: Math.max(0, deviceCount - ledgerCount),
        totals_mismatch: end.count === expected.count && end.amountMinor === expected.amountMinor ? 0 : 1,
        trace_reused: reused,
        trace_restarted: restarted,
        eod_mismatch: oldEnd === null ? null : oldEnd.count === end.count && oldEnd.amountMinor === end.amountMinor ? 0 : 1,
      },
      notes,
      details: {
        from: { interface: old.role, endpoint: old.endpoint, protocol: old.protocol, terminalId: tidOld ?? null },
        to: { interface: next.role, endpoint: next.endpoint, protocol: next.protocol, terminalId: tidNew ?? null },
        totals: { start, beforeSwitch: captured, afterSwitch: end, expected, ...(oldEnd ? { oldInterfaceAfter: oldEnd } : {}) },
        traces: { before: traceBefore.slice(-5), after: traceAfter.slice(0, 5) },
      },
    };
  },
};

function terminalIdOf(c: Channel): string | undefined {
  const id = c.stack?.protocol.terminalId;
  return typeof id === 'string' ? id : undefined;
}

/** The device's own sequence number in an answer: ISO 8583 RRN (field 37), else the trace number. */
function traceOf(protocol: string, o: TransactionOutcome): string | undefined {
  return protocol === 'iso8583' ? o.rrn : o.stan;
}

/** The running part of a trace: an RRN ends in the terminal's sequence, a trace number is one. */
function sequenceOf(trace: string): number {
  const digits = trace.replace(/\D/g, '');
  return Number(digits.slice(-6) || '0');
}
