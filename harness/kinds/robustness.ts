import type { Channel } from '../channel/channel';
import { PoshilError } from '../errors';
import { mulberry32 } from '../faults/random';
import type { Frame } from '../framing/framer';
import { maskedViews } from '../masking/pan';
import { parseDurationMs } from '../metrics/duration';
import { applicableCategories, generateCases, type Category, type RobustnessCase } from '../robustness/cases';
import { Prober, type Verdict } from '../robustness/probe';
import { shrinkBytes } from '../robustness/shrink';
import { buildStackCodec, splitBytes, type StackCodec } from '../robustness/stack-codec';
import type { KindContext, KindOutcome, TestKind } from './kind';
import { robustnessMetrics, robustnessParamsSchema, type RobustnessParams } from './robustness-schema';
import { toTransactionRequest, type TransactionSpec } from './transaction-spec';

/**
 * Robustness: a seeded campaign of malformed input against one interface. Each case goes out
 * below framing and link layer, the answer is read, a health check follows; a failure (wrong
 * answer, hang, death) is shrunk to the smallest input that still causes it. A device that
 * dies or hangs is restarted when the harness can (emulated terminals) and the campaign goes
 * on; real hardware ends the campaign there, with a note to power-cycle it.
 */
const FAILURES: readonly Verdict[] = ['wrong-answer', 'hang', 'death'];

export interface Failure {
  case: string;
  category: Category;
  verdict: Verdict;
  answer: string;
  /** Masked hex of the input as generated, and of the smallest one that still failed the same way. */
  input: string;
  minimal: string;
  minimalBytes: number;
  shrinkTries: number;
}

export const robustnessKind: TestKind<RobustnessParams> = {
  name: 'robustness',
  description: 'Seeded malformed-input campaigns per protocol with a health check after each case; counts refusals, wrong answers, hangs and deaths and shrinks each failure to its smallest input.',
  paramsSchema: robustnessParamsSchema,
  metrics: robustnessMetrics,
  defaultThresholds: { wrong_answers: { max: 0 }, hangs: { max: 0 }, deaths: { max: 0 } },

  async run(ctx): Promise<KindOutcome> {
    const p = ctx.params;
    const channel = await ctx.channel();
    if (!channel.stack) throw new PoshilError('ROBUSTNESS_STACK', `${channel.endpoint}: this channel does not say its framing and protocol, so no malformed input can be built for it`, { exitCode: 1 });
    const codec = await buildStackCodec(channel.stack, p.rejectCodes ?? ['30', '12']);
    const healthSpec: TransactionSpec = p.healthCheck ?? { type: 'echo' };
    const pans = [healthSpec.card?.pan, p.transaction?.card?.pan].filter((x): x is string => x !== undefined);
    const perCase = (p.connection ?? (['tcp', 'tls', 'virtual'].includes(channel.stack.transport.type) ? 'per-case' : 'shared')) === 'per-case';
    const prober = new Prober(channel, codec, { answerMs: p.answerMs ?? 250, healthTimeoutMs: p.healthTimeoutMs ?? 1000, health: toTransactionRequest(healthSpec), perCase, signal: ctx.signal });
    const deadline = Date.now() + parseDurationMs(p.duration ?? '60s');

    if ((await prober.health()) !== 'ok') {
      throw new PoshilError('ROBUSTNESS_UNHEALTHY', `${channel.endpoint}: the device does not answer the health check (${healthSpec.type}) before the campaign has sent anything; check the device and the health check transaction`, { exitCode: 1 });
    }
    const seeds = await captureSeeds(ctx, channel, codec, p.transaction ?? healthSpec);
    const categories = p.categories ?? applicableCategories(codec);
    const cases = generateCases(codec, seeds, mulberry32(ctx.seed), p.cases ?? 200, categories);
    ctx.log(`robustness: ${cases.length} cases (${categories.join(', ')}), seed ${ctx.seed}`);

    const counts: Record<Verdict, number> = { rejected: 0, ignored: 0, accepted: 0, 'wrong-answer': 0, hang: 0, death: 0 };
    const byCategory: Record<string, Record<string, number>> = {};
    const failures: Failure[] = [];
    const notes: string[] = [];
    const shrunk: Record<string, number> = {};
    let recovered = 0;
    let run = 0;
    const shrink = { enabled: p.shrink?.enabled ?? true, maxTries: p.shrink?.maxTries ?? 64, maxMs: p.shrink?.maxMs ?? 10000, maxFailures: p.shrink?.maxFailures ?? 3 };

    /** After a hang or death: restart the device if the harness can; false when the campaign must stop. */
    const revive = async (): Promise<boolean> => {
      if (!ctx.rebootDevice) return false;
      await ctx.rebootDevice();
      await channel.close().catch(() => undefined);
      return (await prober.health()) !== 'death' && (await prober.health()) === 'ok';
    };

    for (const c of cases) {
      if (ctx.signal.aborted || Date.now() >= deadline) break;
      const result = await prober.probe(c.bytes);
      run++;
      counts[result.verdict]++;
      if (result.recovered) recovered++;
      (byCategory[c.category] ??= {})[result.verdict] = ((byCategory[c.category] ?? {})[result.verdict] ?? 0) + 1;
      if (FAILURES.includes(result.verdict)) {
        const broken = result.verdict !== 'wrong-answer';
        if (broken && !(await revive())) {
          failures.push(failureOf(c, result.verdict, result.answer, c.bytes, 0, pans));
          notes.push(`case ${c.id}: the device ${result.verdict === 'death' ? 'died' : 'hung'} and ${ctx.rebootDevice ? 'did not come back after a restart' : 'the harness cannot restart it'}; campaign stopped after ${run} of ${cases.length} cases — power-cycle the device`);
          break;
        }
        let minimal = c.bytes;
        let tries = 0;
        if (shrink.enabled && (shrunk[result.verdict] ?? 0) < shrink.maxFailures && (!broken || ctx.rebootDevice)) {
          shrunk[result.verdict] = (shrunk[result.verdict] ?? 0) + 1;
          const found = await shrinkBytes(c.bytes, async (candidate) => {
            const again = await prober.probe(candidate);
            if (again.verdict === 'hang' || again.verdict === 'death') await revive();
            return again.verdict === result.verdict;
          }, { maxTries: shrink.maxTries, maxMs: Math.max(0, Math.min(shrink.maxMs, deadline - Date.now())), signal: ctx.signal });
          minimal = found.bytes;
          tries = found.tries;
        }
        failures.push(failureOf(c, result.verdict, result.answer, minimal, tries, pans));
      }
      ctx.progress({ done: run, total: cases.length, message: c.id });
    }
    if (run < cases.length && !notes.length) notes.push(`${cases.length - run} of ${cases.length} cases not run: the campaign reached its duration (${p.duration ?? '60s'})`);
    for (const f of failures) notes.push(`${f.verdict} on ${f.case}: answer ${f.answer}; smallest input ${f.minimalBytes} byte${f.minimalBytes === 1 ? '' : 's'}: ${abbreviate(f.minimal)}`);

    const good = counts.rejected + counts.ignored + counts.accepted;
    return {
      measurements: {
        cases: run,
        rejected: counts.rejected,
        ignored: counts.ignored,
        accepted: counts.accepted,
        wrong_answers: counts['wrong-answer'],
        hangs: counts.hang,
        deaths: counts.death,
        recovered,
        correct_rate: run ? Math.round((good / run) * 10000) / 100 : null,
      },
      notes,
      details: { seed: ctx.seed, protocol: codec.protocol, framing: codec.framing.type, connection: perCase ? 'per-case' : 'shared', categories, byCategory, failures },
    };
  },
};

/**
 * The suite's own valid messages as they went over the wire: the transaction is sent once
 * and the request frames it put on the link are kept (acknowledgements and the like left out).
 */
async function captureSeeds(ctx: KindContext<RobustnessParams>, channel: Channel, codec: StackCodec, spec: TransactionSpec): Promise<Frame[]> {
  const out: Buffer[] = [];
  const untap = ctx.tapWire((role, dir, data) => {
    if (role === channel.role && dir === 'out') out.push(Buffer.from(data));
  });
  try {
    await channel.transact(toTransactionRequest(spec), { timeoutMs: ctx.timeoutMs, signal: ctx.signal });
  } catch (err) {
    // Declined or refused is fine: what matters is the request that went out.
    if (!(err instanceof PoshilError)) throw err;
  } finally {
    untap();
  }
  const seeds = out.flatMap((chunk) => splitBytes(codec, chunk).frames).filter((f) => codec.isWellFormedRequest(f.payload));
  if (seeds.length === 0) {
    throw new PoshilError('ROBUSTNESS_NO_SEED', `${channel.endpoint}: sending the ${spec.type} put no well-formed request on the wire to build the campaign from`, { exitCode: 1 });
  }
  return seeds;
}

function failureOf(c: RobustnessCase, verdict: Verdict, answer: string, minimal: Buffer, tries: number, pans: string[]): Failure {
  return { case: c.id, category: c.category, verdict, answer, input: maskedViews(c.bytes, pans).hex, minimal: maskedViews(minimal, pans).hex, minimalBytes: minimal.length, shrinkTries: tries };
}

function abbreviate(hex: string): string {
  return hex.length > 96 ? `${hex.slice(0, 96)}…` : hex;
}
