/**
 * Two builds of poshil in one process, against one emulator: which one's closed loop is faster?
 *
 *   npx tsx bench/compare-builds.ts <other checkout> [blocks]
 *
 * `git worktree add /tmp/before <commit>` makes the other checkout (link or install its
 * node_modules). The raw client, this checkout's channel and the other checkout's channel
 * (each with its wire trace to a file, as in closed-loop.ts) take turns in blocks of 500
 * transactions, the order rotated every block. Separate benchmark runs minutes apart differ by
 * ±0.03× or more on a 2-core VM whose speed drifts; blocks a second apart share its mood, so a
 * change of a few µs a transaction shows. Reports per task the median wall time and harness
 * CPU time (all threads, process.cpuUsage) per transaction, and the median of the blocks'
 * ratios to the raw client.
 */
import fs from 'node:fs';
import path from 'node:path';
import { openContenders, type Contenders } from './closed-loop';
import { SALE, benchProfile, withEmulator } from './device';
import { toTransactionRequest } from '../harness/kinds/transaction-spec';
import type * as specModule from '../harness/kinds/transaction-spec';
import type * as closedLoopModule from './closed-loop';
import { median, pairedMedian, divide } from './stats';

export interface CompareOptions {
  /** Root of the other checkout. */
  other: string;
  blocks: number;
  perBlock: number;
  /** Blocks run first and not counted (the emulator and both builds warm up). */
  warmupBlocks: number;
  log?: (line: string) => void;
}

export interface TaskFigures {
  wallUs: number;
  cpuUs: number;
  ratioToRaw: number;
}

export type Comparison = Record<'raw' | 'this' | 'other', TaskFigures>;

type ClosedLoopModule = typeof closedLoopModule;
type SpecModule = typeof specModule;

export async function compareBuilds(o: CompareOptions): Promise<Comparison> {
  // The other build's own modules, so its channel runs its code (require's cache is per path).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const other = require(`${o.other}/bench/closed-loop`) as ClosedLoopModule;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const otherSpec = require(`${o.other}/harness/kinds/transaction-spec`) as SpecModule;
  const profile = benchProfile(0);
  return withEmulator(profile, async (endpoint) => {
    const mine: Contenders = await openContenders(profile, endpoint, 'POSHILME');
    const theirs = await other.openContenders(profile, endpoint, 'POSHILOT').catch(async (err: Error) => {
      await mine.close();
      throw err;
    });
    try {
      const request = toTransactionRequest(SALE);
      const otherRequest = otherSpec.toTransactionRequest(SALE);
      const tasks = {
        raw: () => mine.raw.transact(mine.rawFrames.next()),
        this: () => mine.channel.transact(request),
        other: () => theirs.channel.transact(otherRequest),
      };
      const names = Object.keys(tasks) as (keyof typeof tasks)[];
      const wall = { raw: [] as number[], this: [] as number[], other: [] as number[] };
      const cpu = { raw: [] as number[], this: [] as number[], other: [] as number[] };
      for (let b = -o.warmupBlocks; b < o.blocks; b++) {
        for (let k = 0; k < names.length; k++) {
          const name = names[(k + b + o.warmupBlocks) % names.length]!;
          const run = tasks[name];
          const cpu0 = process.cpuUsage();
          const t0 = performance.now();
          for (let i = 0; i < o.perBlock; i++) await run();
          const t1 = performance.now();
          const used = process.cpuUsage(cpu0);
          if (b < 0) continue;
          wall[name].push(((t1 - t0) * 1000) / o.perBlock);
          cpu[name].push((used.user + used.system) / o.perBlock);
        }
        if (b >= 0 && (b + 1) % 10 === 0) o.log?.(`block ${b + 1}/${o.blocks}`);
      }
      const figures = (name: keyof typeof tasks): TaskFigures => ({
        wallUs: median(wall[name]) ?? 0,
        cpuUs: median(cpu[name]) ?? 0,
        ratioToRaw: pairedMedian(wall.raw, wall[name], divide) ?? 0,
      });
      return { raw: figures('raw'), this: figures('this'), other: figures('other') };
    } finally {
      await mine.close();
      await theirs.close();
    }
  });
}

if (require.main === module) {
  const [other, blocks] = process.argv.slice(2);
  if (!other) {
    console.error('usage: npx tsx bench/compare-builds.ts <other checkout> [blocks, default 50]');
    process.exit(2);
  }
  const root = path.resolve(other);
  if (!fs.existsSync(path.join(root, 'bench', 'closed-loop.ts')) || !fs.existsSync(path.join(root, 'node_modules'))) {
    console.error(`compare-builds: ${root} is not a poshil checkout with its node_modules (it needs bench/closed-loop.ts and node_modules/; link them with ln -s "$PWD/node_modules" ${root}/)`);
    process.exit(2);
  }
  const log = (line: string) => console.error(`[compare] ${line}`);
  compareBuilds({ other: root, blocks: Number(blocks ?? 50), perBlock: 500, warmupBlocks: 3, log })
    .then((c) => {
      for (const [name, f] of Object.entries(c)) {
        console.log(`${name.padEnd(6)} ${f.wallUs.toFixed(1).padStart(7)} µs wall  ${f.cpuUs.toFixed(1).padStart(6)} µs CPU  ${f.ratioToRaw.toFixed(3)}× raw`);
      }
    })
    .catch((err: Error) => {
      console.error(`compare-builds: ${err.message}`);
      process.exit(1);
    });
}
