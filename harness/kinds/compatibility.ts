import type { Channel } from '../channel/channel';
import { bootstrapPercentile, Distribution } from '../reports/compare';
import { LatencyHistogram } from '../metrics/latency-histogram';
import type { PoshilError } from '../errors';
import type { KindContext, MetricSpec, TestKind } from './kind';
import { compatibilityParamsSchema, type CompatibilityParams } from './compatibility-schema';
import { DEFAULT_VOLATILE, differences, normaliseOutcome, type FieldDifference, type NormalisedOutcome } from './outcome-normaliser';
import { toTransactionRequest } from './transaction-spec';

/**
 * Compatibility (A/B): the same transaction script over two interfaces of one device — the old
 * RS232 ECR link and the new Ethernet one — compared for what a cashier and an acquirer rely on
 * (outcomes normalised to one vocabulary, so ZVT and ISO 8583 compare), then the latency of
 * both side by side, interleaved A, B, A, B… so a drift of the device or the machine hits both
 * alike. A is the test's own interface, B is `compareWith`: another interface of the same device
 * or one of another device (old model vs new), started for the run like the suite's own.
 *
 * The performance verdict is a bootstrap of each percentile's difference from the two HDR
 * histograms (the method `poshil compare` uses), reported as the B/A ratio with its p-value:
 * "B p99 ≤ 1.1 × A p99" is the threshold `p99_ratio` max 1.1.
 */
export const COMPATIBILITY_METRICS: readonly MetricSpec[] = [
  { name: 'transactions', unit: 'transactions', description: 'Script entries run on both sides.' },
  { name: 'same', unit: 'transactions', description: 'Entries whose normalised outcome is the same on A and B.' },
  { name: 'different', unit: 'transactions', description: 'Entries whose outcome differs (approved/declined, reason, amount, totals, a field asked to be present).' },
  { name: 'unsupported', unit: 'transactions', description: 'Entries one side rejected as not supported (or could not answer).' },
  { name: 'p50_ratio', unit: '×', description: 'B p50 ÷ A p50.' },
  { name: 'p99_ratio', unit: '×', description: 'B p99 ÷ A p99.' },
  { name: 'p99_p_value', unit: '', description: 'Two-sided p-value of "p99 is the same on A and B" (bootstrap from the histograms).' },
  { name: 'tps_ratio', unit: '×', description: 'B throughput ÷ A throughput over the interleaved samples (1 ÷ mean latency).' },
];

export type MatrixVerdict = 'same' | 'different' | 'unsupported';

export interface MatrixRow {
  id: string;
  type: string;
  verdict: MatrixVerdict;
  a: NormalisedOutcome | { error: string };
  b: NormalisedOutcome | { error: string };
  differences: FieldDifference[];
}

const UNSUPPORTED_CODES = new Set(['UNSUPPORTED', 'NOT_SUPPORTED', 'UNSUPPORTED_TRANSACTION', 'NO_MESSAGE_API']);

export const compatibilityKind: TestKind<CompatibilityParams> = {
  name: 'compatibility',
  description: 'Compatibility (A/B): the same transaction script over two interfaces, outcomes compared semantically, latency side by side with a significance test.',
  paramsSchema: compatibilityParamsSchema,
  metrics: COMPATIBILITY_METRICS,
  defaultThresholds: { different: { max: 0 } },
  async run(ctx: KindContext<CompatibilityParams>) {
    const p = ctx.params;
    if (!ctx.channelTo) throw new Error('compatibility needs a runner that can open a second interface');
    const a = await ctx.channel();
    const b = typeof p.compareWith === 'string' ? await ctx.channelTo(p.compareWith) : await ctx.channelTo(p.compareWith.interface, p.compareWith.device);
    const ignore = p.ignore ?? [...DEFAULT_VOLATILE];
    const presence = p.presence ?? [];
    const call = async (c: Channel, spec: CompatibilityParams['script'][number]['transaction']) => {
      try {
        return { outcome: normaliseOutcome(c.protocol, await c.transact(toTransactionRequest(spec), { timeoutMs: ctx.timeoutMs, signal: ctx.signal })) };
      } catch (err) {
        const e = err as PoshilError;
        return { error: `${e.code ?? 'ERROR'}: ${e.message}`, unsupported: UNSUPPORTED_CODES.has(e.code) };
      }
    };

    const matrix: MatrixRow[] = [];
    for (const entry of p.script) {
      if (ctx.signal.aborted) break;
      const ra = await call(a, entry.transaction);
      const rb = await call(b, entry.transaction);
      const row: MatrixRow = { id: entry.id, type: entry.transaction.type, verdict: 'same', a: ra.outcome ?? { error: ra.error as string }, b: rb.outcome ?? { error: rb.error as string }, differences: [] };
      if (!ra.outcome || !rb.outcome) row.verdict = 'unsupported';
      else {
        row.differences = differences(ra.outcome, rb.outcome, { ignore, presence });
        if (row.differences.length > 0) row.verdict = 'different';
      }
      matrix.push(row);
      ctx.progress({ done: matrix.length, total: p.script.length + (p.performance?.iterations ?? 0), message: `${entry.id}: ${row.verdict}` });
    }

    const notes: string[] = [];
    for (const row of matrix.filter((r) => r.verdict !== 'same')) {
      const why = row.verdict === 'unsupported' ? [('error' in row.a ? `A: ${row.a.error}` : ''), ('error' in row.b ? `B: ${row.b.error}` : '')].filter(Boolean).join('; ') : row.differences.map((d) => `${d.field} A=${String(d.a)} B=${String(d.b)}`).join(', ');
      notes.push(`${row.id}: ${row.verdict} — ${why}`);
    }

    const measurements: Record<string, number | null> = {
      transactions: matrix.length,
      same: matrix.filter((r) => r.verdict === 'same').length,
      different: matrix.filter((r) => r.verdict === 'different').length,
      unsupported: matrix.filter((r) => r.verdict === 'unsupported').length,
      p50_ratio: null,
      p99_ratio: null,
      p99_p_value: null,
      tps_ratio: null,
    };
    const details: Record<string, unknown> = {
      a: { interface: a.role, endpoint: a.endpoint, protocol: a.protocol },
      b: { interface: b.role, endpoint: b.endpoint, protocol: b.protocol, ...(typeof p.compareWith === 'object' ? { device: p.compareWith.device } : {}) },
      ignore,
      presence,
      matrix,
    };

    if (p.performance) {
      const perf = await interleave(ctx, a, b, p.performance, matrix.length, p.script.length);
      if (perf) {
        Object.assign(measurements, perf.measurements);
        details.performance = perf.details;
        notes.push(...perf.notes);
      }
    }
    return { measurements, details, notes };
  },
};

async function interleave(ctx: KindContext<CompatibilityParams>, a: Channel, b: Channel, perf: NonNullable<CompatibilityParams['performance']>, done: number, scripted: number) {
  const request = toTransactionRequest(perf.transaction);
  const warmup = perf.warmup ?? 10;
  const sides = [
    { channel: a, histogram: new LatencyHistogram(), totalMs: 0, errors: 0 },
    { channel: b, histogram: new LatencyHistogram(), totalMs: 0, errors: 0 },
  ];
  const total = perf.iterations + warmup;
  for (let i = 0; i < total && !ctx.signal.aborted; i++) {
    // A first on even rounds, B first on odd: neither side always follows the other.
    for (const side of i % 2 === 0 ? sides : [...sides].reverse()) {
      const t0 = process.hrtime.bigint();
      try {
        await side.channel.transact(request, { timeoutMs: ctx.timeoutMs, signal: ctx.signal });
      } catch {
        side.errors++;
        continue;
      }
      const ns = process.hrtime.bigint() - t0;
      if (i >= warmup) {
        side.histogram.recordNs(ns);
        side.totalMs += Number(ns) / 1e6;
      }
    }
    if (i % 20 === 0) ctx.progress({ done: done + Math.max(0, i - warmup), total: scripted + perf.iterations, message: `latency A/B ${Math.max(0, i - warmup)}/${perf.iterations}` });
  }
  const [sa, sb] = sides as [(typeof sides)[0], (typeof sides)[0]];
  if (sa.histogram.count === 0 || sb.histogram.count === 0) return { measurements: {}, details: { errors: { a: sa.errors, b: sb.errors } }, notes: ['no latency comparison: one side answered no transaction'] };
  const da = new Distribution(sa.histogram);
  const db = new Distribution(sb.histogram);
  const p50 = bootstrapPercentile(da, db, 50, { seed: ctx.seed });
  const p99 = bootstrapPercentile(da, db, 99, { seed: ctx.seed + 1 });
  const ratio = (x: number, y: number) => (x > 0 ? Math.round((y / x) * 1000) / 1000 : null);
  const summaryA = sa.histogram.summary();
  const summaryB = sb.histogram.summary();
  const tpsA = sa.histogram.count / (sa.totalMs / 1000);
  const tpsB = sb.histogram.count / (sb.totalMs / 1000);
  const pText = (v: number) => (v < 0.001 ? 'p<0.001' : `p=${v.toFixed(3)}`);
  return {
    measurements: {
      p50_ratio: ratio(p50.baselineNs, p50.currentNs),
      p99_ratio: ratio(p99.baselineNs, p99.currentNs),
      p99_p_value: Math.round(p99.pValue * 10000) / 10000,
      tps_ratio: ratio(tpsA, tpsB),
    },
    details: {
      a: { ...summaryA, errors: sa.errors, tps: Math.round(tpsA * 10) / 10, histogram: { unit: 'ns', encoding: 'HdrHistogram V2 compressed base64', value: sa.histogram.encode() } },
      b: { ...summaryB, errors: sb.errors, tps: Math.round(tpsB * 10) / 10, histogram: { unit: 'ns', encoding: 'HdrHistogram V2 compressed base64', value: sb.histogram.encode() } },
      p50: { pValue: p50.pValue, intervalMs: p50.intervalNs.map((v) => v / 1e6) },
      p99: { pValue: p99.pValue, intervalMs: p99.intervalNs.map((v) => v / 1e6) },
    },
    notes: [`latency B/A: p50 ${summaryA.p50_ms} → ${summaryB.p50_ms} ms (${pText(p50.pValue)}), p99 ${summaryA.p99_ms} → ${summaryB.p99_ms} ms (${pText(p99.pValue)}), over ${sa.histogram.count}/${sb.histogram.count} interleaved samples`],
  };
}
