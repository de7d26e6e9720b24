import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEVICE_FILE, ROOT, SALE } from './device';
import { result, round, type BenchContext, type BenchResult, type Benchmark } from './results';
import { spawnNode, probeOutput, type Spawned } from './spawn';
import { median } from './stats';

/**
 * Start-up costs, each in fresh processes.
 * 1. Validation of a generated suite of 10,000 latency tests on the emulated-terminal device
 *    (bench/validate-probe.ts in a child): poshil = first checkSuiteFile in the process (schema
 *    validators loaded on first use, as in `poshil validate` or `poshil run`); baseline = the first
 *    read + JSON.parse of the same file in the same process. Warm figures in the details.
 * 2. `poshil run` cold start to the first transaction: wall time from spawning
 *    `node bin/poshil.js run <one echo test>` to the first 'out' entry of its wire trace. The
 *    trace's t_ns count from the recorder's start, which is when it creates the file, so the
 *    wall time of the first send is the file's birth time + t_ns. Baseline: spawn to exit of
 *    `node -e ""`. Breakdown in the details: `poshil --version` (Node + tsx + the CLI modules),
 *    spawn → recorder created (that plus suite load and the emulator child starting).
 */
const SIZES = {
  full: { tests: 10_000, probeWarmMs: 1000, spawns: 5 },
  tiny: { tests: 50, probeWarmMs: 20, spawns: 1 },
} as const;

export const MAX_VALIDATE_MS = 200;
export const MAX_COLD_START_MS = 300;
const SPAWN_LIMIT_MS = 30_000;

function run(args: string[]): Promise<Spawned> {
  return spawnNode(args, { timeoutMs: SPAWN_LIMIT_MS });
}

function writeSuite(dir: string, name: string, tests: unknown[]): string {
  const file = path.join(dir, `${name}.json`);
  const suite = { name, device: path.relative(dir, DEVICE_FILE), seed: 1, defaults: { timeoutMs: 2000 }, tests };
  fs.writeFileSync(file, JSON.stringify(suite, null, 2));
  return file;
}

function latencyTests(count: number): unknown[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `sale-${String(i + 1).padStart(5, '0')}`,
    kind: 'latency',
    requirement: `GEN-${i + 1} a sale is authorised within 250 ms`,
    params: { transaction: SALE, warmup: { iterations: 5 }, iterations: 100 },
    thresholds: { errors: { max: 0 }, p99_ms: { max: 250 }, tps: { min: 5 } },
  }));
}

interface ProbeOutput {
  tests: number;
  validatedTests: number;
  bytes: number;
  parseFirstMs: number;
  validateFirstMs: number;
  parseWarmMs: number | null;
  validateWarmMs: number | null;
}

async function validation(dir: string, size: (typeof SIZES)[keyof typeof SIZES]): Promise<BenchResult> {
  const file = writeSuite(dir, 'generated', latencyTests(size.tests));
  const firsts: ProbeOutput[] = [];
  for (let i = 0; i < size.spawns; i++) {
    const p = await run(['--import', 'tsx', path.join(__dirname, 'validate-probe.ts'), file, String(size.probeWarmMs)]);
    const out = probeOutput<ProbeOutput>(p, 'the validate probe');
    if (out.validatedTests !== size.tests) throw new Error(`the probe validated ${out.validatedTests} tests, expected ${size.tests}`);
    firsts.push(out);
  }
  const pick = (f: (o: ProbeOutput) => number | null) => median(firsts.map(f).filter((v): v is number => v !== null));
  const validateMs = pick((o) => o.validateFirstMs) ?? 0;
  const parseMs = pick((o) => o.parseFirstMs) ?? 0;
  const notes = [
    `${size.tests} latency tests, ${(firsts[0].bytes / 1024).toFixed(0)} KiB; median of ${size.spawns} fresh process(es); first call each (schema validators loaded on first use)`,
    `warm (tinybench mean): validate ${round(pick((o) => o.validateWarmMs) ?? 0, 2)} ms vs JSON.parse ${round(pick((o) => o.parseWarmMs) ?? 0, 2)} ms`,
  ];
  if (validateMs > MAX_VALIDATE_MS) notes.push(`MISSED by ${round(validateMs - MAX_VALIDATE_MS, 1)} ms`);
  return result({
    name: `validate ${size.tests}-test suite`,
    benchmark: 'startup',
    poshil: { value: round(validateMs, 2), unit: 'ms' },
    baseline: { value: round(parseMs, 2), unit: 'ms' },
    ratio: parseMs > 0 ? round(validateMs / parseMs, 1) : null,
    target: `poshil ≤ ${MAX_VALIDATE_MS} ms (ratio: × JSON.parse)`,
    met: validateMs <= MAX_VALIDATE_MS,
    notes,
    details: {
      validate_warm_ms: round(pick((o) => o.validateWarmMs) ?? 0, 3),
      parse_warm_ms: round(pick((o) => o.parseWarmMs) ?? 0, 3),
      file_bytes: firsts[0].bytes,
    },
  });
}

interface ColdStart {
  firstOutMs: number;
  recorderMs: number;
}

async function coldStartOnce(dir: string, suite: string, i: number): Promise<ColdStart> {
  const out = path.join(dir, `run-${i}`);
  const p = await run([path.join(ROOT, 'bin/poshil.js'), 'run', suite, '--out', out, '--reporter', 'json']);
  if (p.code !== 0) throw new Error(`poshil run exited ${p.code}: ${p.stderr.trim() || p.stdout.trim()}`);
  const trace = path.join(out, 'wire', 'ecr.ndjson');
  const birthNs = Number(fs.statSync(trace, { bigint: true }).birthtimeNs);
  if (birthNs === 0) throw new Error('this file system records no birth time, so the wire trace cannot be placed on the wall clock');
  const first = fs
    .readFileSync(trace, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as { t_ns: number; dir: string })
    .find((e) => e.dir === 'out');
  if (!first) throw new Error('the wire trace has no outgoing frame');
  return { firstOutMs: (birthNs + first.t_ns - p.spawnedAtNs) / 1e6, recorderMs: (birthNs - p.spawnedAtNs) / 1e6 };
}

async function coldStart(dir: string, size: (typeof SIZES)[keyof typeof SIZES]): Promise<BenchResult> {
  const suite = writeSuite(dir, 'one-echo', [{ id: 'echo', kind: 'latency', params: { transaction: { type: 'echo' }, warmup: { iterations: 0 }, iterations: 1 }, thresholds: {} }]);
  const poshil: ColdStart[] = [];
  const node: number[] = [];
  const version: number[] = [];
  // Interleaved so a page cache warming up or a busy neighbour hits all three alike.
  for (let i = 0; i < size.spawns; i++) {
    const n = await run(['-e', '']);
    if (n.code !== 0) throw new Error(`node -e "" exited ${n.code}`);
    node.push(n.wallMs);
    const v = await run([path.join(ROOT, 'bin/poshil.js'), '--version']);
    if (v.code !== 0) throw new Error(`poshil --version exited ${v.code}`);
    version.push(v.wallMs);
    poshil.push(await coldStartOnce(dir, suite, i));
  }
  const firstOut = median(poshil.map((c) => c.firstOutMs)) ?? 0;
  const nodeMs = median(node) ?? 0;
  const versionMs = median(version) ?? 0;
  const recorderMs = median(poshil.map((c) => c.recorderMs)) ?? 0;
  const notes = [
    `median of ${size.spawns} spawn(s) each; first transaction = first 'out' entry of wire/ecr.ndjson placed on the wall clock by the file's birth time`,
    `breakdown: node -e "" ${round(nodeMs, 1)} ms; poshil --version (node + the CLI bundle) ${round(versionMs, 1)} ms; spawn → wire recorder created (suite loaded, emulator child up, channel opening) ${round(recorderMs, 1)} ms; → first send +${round(firstOut - recorderMs, 1)} ms`,
  ];
  if (firstOut > MAX_COLD_START_MS) notes.push(`MISSED by ${round(firstOut - MAX_COLD_START_MS, 1)} ms (${round(firstOut, 1)} ms vs ${MAX_COLD_START_MS} ms)`);
  return result({
    name: 'cold start to first transaction',
    benchmark: 'startup',
    poshil: { value: round(firstOut, 1), unit: 'ms' },
    baseline: { value: round(nodeMs, 1), unit: 'ms' },
    target: `poshil ≤ ${MAX_COLD_START_MS} ms (ratio: × node -e "")`,
    met: firstOut <= MAX_COLD_START_MS,
    notes,
    details: { node_e_ms: round(nodeMs, 1), poshil_version_ms: round(versionMs, 1), to_recorder_ms: round(recorderMs, 1), first_out_ms: round(firstOut, 1) },
  });
}

export const startup: Benchmark = {
  name: 'startup',
  title: 'Validation of a 10,000-test suite and `poshil run` cold start',
  async run(ctx: BenchContext): Promise<BenchResult[]> {
    const size = SIZES[ctx.scale];
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'poshil-bench-startup-'));
    try {
      const v = await validation(dir, size);
      ctx.log(`startup: validation ${v.poshil.value} ms vs JSON.parse ${v.baseline.value} ms`);
      const c = await coldStart(dir, size);
      ctx.log(`startup: cold start ${c.poshil.value} ms vs node -e "" ${c.baseline.value} ms`);
      return [v, c];
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
};
