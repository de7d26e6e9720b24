/**
 * `npm run fuzz [-- --runs N] [--seed S] [--only TEXT]`: every poshil decoder against N inputs
 * (default 10⁶ each), bounded in time per target. Prints per target the inputs run, the
 * failures and the smallest failing input fast-check found; exit 1 when any target failed.
 */
import fc from 'fast-check';
import { fuzzInput } from './inputs';
import { fuzzTargets, strayError } from './targets';

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  return at === -1 ? fallback : Number(process.argv[at + 1]);
}

const runs = option('runs', 1_000_000);
const seed = option('seed', 1);
const maxMinutes = option('max-minutes', 10);
const onlyAt = process.argv.indexOf('--only');
const only = onlyAt === -1 ? undefined : process.argv[onlyAt + 1];

let failed = 0;
for (const target of fuzzTargets().filter((t) => !only || t.name.includes(only))) {
  const started = Date.now();
  let inputs = 0;
  const result = fc.check(
    fc.property(fuzzInput(target), (bytes) => {
      inputs++;
      const err = strayError(target, bytes);
      if (err) throw err;
    }),
    // The time limit keeps a slow decoder from holding the whole run; the count says how far it got.
    { numRuns: runs, seed, interruptAfterTimeLimit: maxMinutes * 60_000, markInterruptAsFailure: false },
  );
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (result.failed) {
    failed++;
    const example = result.counterexample?.[0] as Buffer | undefined;
    console.log(`FAIL  ${target.name}: ${inputs} inputs in ${seconds} s; ${String((result.errorInstance as Error | undefined)?.message ?? "interrupted")}; smallest input ${example?.toString('hex') ?? '?'} (seed ${seed}, path ${result.counterexamplePath})`);
  } else {
    console.log(`ok    ${target.name}: ${result.numRuns} inputs in ${seconds} s${result.interrupted ? ' (time limit reached)' : ''}, 0 failures`);
  }
}
process.exitCode = failed ? 1 : 0;
