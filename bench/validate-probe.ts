/**
 * Child-process probe for bench/startup.ts: times, in a fresh process, the first
 * read + JSON.parse of a suite file and then the first full validation of it (checkSuiteFile:
 * JSON.parse and the duplicate-key check, the schemas — validators loaded or compiled on first
 * use —, cross-checks, the device profile),
 * then warm figures of both with tinybench. Prints one JSON line on stdout.
 *
 *   node --import tsx bench/validate-probe.ts <suite.json> <warm time ms>
 */
import fs from 'node:fs';
import path from 'node:path';
import { Bench } from 'tinybench';
import * as fromSources from '../harness/suite/load';

/**
 * What `poshil validate` runs: the bundle (dist/poshil.cjs, generated validators in dist/validators/) when it is
 * built and current — as bin/poshil.js decides — else the sources.
 */
function pickValidator(): { checkSuiteFile: typeof fromSources.checkSuiteFile; from: string } {
  const bundle = path.resolve(__dirname, '..', 'dist', 'poshil.cjs');
  if (process.env.POSHIL_FROM_SOURCE !== '1' && fs.existsSync(bundle)) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the built bundle, loaded as the CLI loads it
    const bin = require(path.resolve(__dirname, '..', 'bin', 'bundle-check.js')) as { bundleIsCurrent(): boolean; loadBundle(file: string): unknown };
    if (bin.bundleIsCurrent()) return { checkSuiteFile: (bin.loadBundle(bundle) as typeof fromSources).checkSuiteFile, from: 'bundle' };
  }
  return { checkSuiteFile: fromSources.checkSuiteFile, from: 'sources' };
}
const { checkSuiteFile, from } = pickValidator();

async function main(): Promise<void> {
  const [file, warmArg] = process.argv.slice(2);
  if (!file) throw new Error('usage: validate-probe.ts <suite.json> [warm time ms]');
  const warmMs = Number(warmArg ?? '500');

  let t0 = process.hrtime.bigint();
  const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as { tests?: unknown[] };
  const parseFirstMs = Number(process.hrtime.bigint() - t0) / 1e6;

  t0 = process.hrtime.bigint();
  const checked = checkSuiteFile(file);
  const validateFirstMs = Number(process.hrtime.bigint() - t0) / 1e6;
  if (!checked.value) throw new Error(`the generated suite is not valid: ${checked.issues.slice(0, 3).map((i) => i.message).join('; ')}`);

  const bench = new Bench({ time: warmMs, iterations: 2, warmupIterations: 1, warmupTime: 0, throws: true });
  bench.add('parse', () => {
    JSON.parse(fs.readFileSync(file, 'utf8'));
  });
  bench.add('validate', () => {
    if (!checkSuiteFile(file).value) throw new Error('invalid');
  });
  await bench.warmup();
  await bench.run();
  const mean = (name: string) => bench.tasks.find((t) => t.name === name)?.result?.mean ?? null;
  process.stdout.write(
    JSON.stringify({
      tests: parsed.tests?.length ?? 0,
      validatedTests: checked.value.suite.tests.length,
      bytes: fs.statSync(file).size,
      parseFirstMs,
      validateFirstMs,
      parseWarmMs: mean('parse'),
      validateWarmMs: mean('validate'),
      from,
      warmSamples: bench.tasks.map((t) => t.result?.samples.length ?? 0),
    }) + '\n',
  );
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exitCode = 1;
});
