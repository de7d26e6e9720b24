import type { Channel } from '../channel/channel';
import type { PoshilError } from '../errors';
import type { ProtocolMessage } from '../protocols/protocol';
import type { KindContext, KindOutcome, TestKind } from './kind';
import { conformanceMetrics, conformanceParamsSchema, type ConformanceParams, type ConformanceStep, type FieldMatcher } from './conformance-schema';
import { toTransactionRequest } from './transaction-spec';
import { swipeStep } from './swipe-step';

/**
 * Conformance: scripted exchanges as data. Each step sends a transaction, a protocol message or
 * raw bytes (below framing and link layer — a frame with a broken checksum, garbage between
 * frames), or has a card swiped at a card reader, and checks what comes back within a time limit. Every step names the requirement it
 * evidences and keeps the wire excerpt behind its verdict (masked, like every trace).
 */
export interface Check {
  what: string;
  expected: string;
  actual: string;
  pass: boolean;
}

export interface StepResult {
  id: string;
  requirement?: string;
  verdict: 'pass' | 'fail';
  elapsedMs: number;
  checks: Check[];
  wire: { t_ns: number; dir: string; hex?: string; note?: string }[];
}

export const conformanceKind: TestKind<ConformanceParams> = {
  name: 'conformance',
  description: 'Scripted exchanges (transactions, protocol messages, raw bytes) with field, byte and timing checks; each step evidences a requirement.',
  paramsSchema: conformanceParamsSchema,
  metrics: conformanceMetrics,
  defaultThresholds: { failed_steps: { max: 0 } },

  async run(ctx): Promise<KindOutcome> {
    const channel = await ctx.channel();
    const results: StepResult[] = [];
    for (const [i, step] of ctx.params.steps.entries()) {
      if (ctx.signal.aborted) break;
      results.push(await runStep(step, channel, ctx));
      ctx.progress({ done: i + 1, total: ctx.params.steps.length, message: step.id });
    }
    const passed = results.filter((r) => r.verdict === 'pass').length;
    const failed = results.length - passed;
    return {
      measurements: { steps: results.length, passed_steps: passed, failed_steps: failed, pass_rate: results.length ? Math.round((passed / results.length) * 10000) / 100 : null },
      notes: results.filter((r) => r.verdict === 'fail').map((r) => `step ${r.id}${r.requirement ? ` (${r.requirement})` : ''}: ${r.checks.filter((c) => !c.pass).map((c) => `${c.what}: expected ${c.expected}, got ${c.actual}`).join('; ')}`),
      details: { steps: results },
    };
  },
};

async function runStep(step: ConformanceStep, channel: Channel, ctx: KindContext<ConformanceParams>): Promise<StepResult> {
  const mark = channel.mark();
  const checks: Check[] = [];
  const t0 = performance.now();
  const within = step.expect.withinMs ?? ctx.timeoutMs;
  const check = (what: string, expected: string, actual: string, pass: boolean) => checks.push({ what, expected, actual, pass });
  const silent = step.linkReplies === false;
  if (silent) channel.silenceLink?.(true);
  try {
    if ('raw' in step.send) {
      await channel.sendRaw(Buffer.from(step.send.raw, 'hex'));
      const pattern = step.expect.bytes ? new RegExp(step.expect.bytes) : undefined;
      const enough = pattern && !step.expect.wholeWindow ? (b: Buffer) => pattern.test(b.toString('hex').toUpperCase()) : undefined;
      const received = await channel.collectRaw(within, enough);
      const hex = received.toString('hex').toUpperCase();
      if (step.expect.noResponse) check('no response', `nothing within ${within} ms`, hex ? `${hex.length / 2} bytes` : 'nothing', hex === '');
      if (pattern) check('bytes', `/${step.expect.bytes}/`, hex ? abbreviate(hex) : `nothing within ${within} ms`, pattern.test(hex));
    } else if ('swipe' in step.send) {
      await swipeStep(step.send.swipe.card, step.expect, channel, { timeoutMs: within, signal: ctx.signal, swipeCard: ctx.swipeCard, log: ctx.log }, check);
    } else if ('transaction' in step.send) {
      const outcome = await channel.transact(toTransactionRequest(step.send.transaction), { timeoutMs: within, signal: ctx.signal });
      if (step.expect.approved !== undefined) check('approved', String(step.expect.approved), String(outcome.approved), outcome.approved === step.expect.approved);
      if (step.expect.responseCode !== undefined) check('response code', step.expect.responseCode, outcome.responseCode, outcome.responseCode === step.expect.responseCode);
      if (step.expect.noResponse) check('no response', `nothing within ${within} ms`, `response ${outcome.responseCode}`, false);
    } else {
      const { request, response } = await channel.exchangeMessage({ mti: step.send.message.mti, fields: step.send.message.fields ?? {} }, { timeoutMs: within, signal: ctx.signal });
      if (step.expect.noResponse) check('no response', `nothing within ${within} ms`, `MTI ${response.mti}`, false);
      if (step.expect.mti !== undefined) check('MTI', step.expect.mti, response.mti, response.mti === step.expect.mti);
      for (const [field, m] of Object.entries(step.expect.fields ?? {})) checkField(field, m, request, response, check);
    }
  } catch (err) {
    const e = err as PoshilError;
    const timedOut = e.code === 'RESPONSE_TIMEOUT';
    if (step.expect.noResponse && timedOut) check('no response', `nothing within ${within} ms`, 'nothing', true);
    else check('answer', `a response within ${within} ms`, e.message, false);
  } finally {
    if (silent) channel.silenceLink?.(false);
  }
  const elapsedMs = Math.round((performance.now() - t0) * 1000) / 1000;
  if (step.expect.withinMs !== undefined && !step.expect.noResponse && !step.expect.wholeWindow && checks.every((c) => c.pass)) {
    check('time', `≤ ${step.expect.withinMs} ms`, `${elapsedMs} ms`, elapsedMs <= step.expect.withinMs);
  }
  await new Promise((r) => setTimeout(r, 60)); // let the trace flush so the excerpt is complete
  return {
    id: step.id,
    ...(step.requirement ? { requirement: step.requirement } : {}),
    verdict: checks.length > 0 && checks.every((c) => c.pass) ? 'pass' : 'fail',
    elapsedMs,
    checks: checks.length ? checks : [{ what: 'checks', expected: 'at least one expectation', actual: 'none given', pass: false }],
    wire: channel.traceSince(mark).slice(0, 50),
  };
}

function checkField(field: string, m: FieldMatcher, request: ProtocolMessage, response: ProtocolMessage, check: (what: string, expected: string, actual: string, pass: boolean) => void): void {
  const value = response.fields[field];
  const shown = value === undefined ? 'absent' : JSON.stringify(value);
  const what = `field ${field}`;
  if (m.present) check(what, 'present', shown, value !== undefined);
  if (m.absent) check(what, 'absent', value === undefined ? 'absent' : 'present', value === undefined);
  if (m.equals !== undefined) check(what, JSON.stringify(m.equals), shown, value === m.equals);
  if (m.matches !== undefined) check(what, `/${m.matches}/`, shown, value !== undefined && new RegExp(m.matches).test(value));
  if (m.echoes !== undefined && m.echoes !== false) {
    const source = m.echoes === true ? field : m.echoes;
    const sent = request.fields[source];
    check(what, `echo of request field ${source} (${sent === undefined ? 'absent' : JSON.stringify(sent)})`, shown, sent !== undefined && value === sent);
  }
}

function abbreviate(hex: string): string {
  return hex.length > 64 ? `${hex.slice(0, 64)}… (${hex.length / 2} bytes)` : hex;
}
