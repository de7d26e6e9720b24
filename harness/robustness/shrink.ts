/**
 * Delta debugging (Zeller's ddmin) over bytes: the smallest input that still triggers a
 * failure, found by cutting chunks away and keeping every cut after which it still fails.
 * Every probe goes to a real device, so the search is bounded in probes and in time; what it
 * returns is always an input that was seen to fail (the original if nothing smaller was).
 */
export interface ShrinkBudget {
  maxTries: number;
  maxMs: number;
  signal?: AbortSignal;
}

export interface ShrinkResult {
  bytes: Buffer;
  tries: number;
  /** The search ran out of probes or time before ddmin finished: smaller may exist. */
  exhausted: boolean;
}

export async function shrinkBytes(input: Buffer, stillFails: (candidate: Buffer) => Promise<boolean>, budget: ShrinkBudget): Promise<ShrinkResult> {
  const deadline = Date.now() + budget.maxMs;
  let tries = 0;
  let current = input;
  let granularity = 2;
  const outOfBudget = () => tries >= budget.maxTries || Date.now() >= deadline || budget.signal?.aborted === true;
  const probe = async (candidate: Buffer): Promise<boolean> => {
    tries++;
    return stillFails(candidate);
  };

  while (current.length >= 2) {
    const chunks = split(current, Math.min(granularity, current.length));
    let reduced = false;
    // First a single chunk on its own, then everything but one chunk (ddmin's two reductions).
    for (const candidate of [...chunks, ...chunks.map((_, i) => Buffer.concat(chunks.filter((__, j) => j !== i)))]) {
      if (outOfBudget()) return { bytes: current, tries, exhausted: true };
      if (candidate.length === 0 || candidate.length >= current.length) continue;
      if (await probe(candidate)) {
        current = candidate;
        granularity = chunks.includes(candidate) ? 2 : Math.max(granularity - 1, 2);
        reduced = true;
        break;
      }
    }
    if (reduced) continue;
    if (granularity >= current.length) break;
    granularity = Math.min(current.length, granularity * 2);
  }
  return { bytes: current, tries, exhausted: false };
}

function split(bytes: Buffer, parts: number): Buffer[] {
  const out: Buffer[] = [];
  const size = bytes.length / parts;
  for (let i = 0; i < parts; i++) out.push(bytes.subarray(Math.round(i * size), Math.round((i + 1) * size)));
  return out;
}
