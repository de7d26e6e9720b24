/**
 * "Did you mean …?" for names a person typed: property names, test kinds, metric names,
 * transport types. A suggestion is only offered when it is clearly the one meant; a wrong
 * guess is worse than none.
 */

/**
 * Edit distance counting insertions, deletions, substitutions and swaps of two neighbouring
 * characters as one edit each (optimal string alignment), so "tpc" is one edit from "tcp".
 */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  // Three rolling rows: the swap rule looks two rows back.
  let twoBack = new Array<number>(b.length + 1).fill(0);
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  let current = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    current[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, twoBack[j - 2] + 1);
      }
      current[j] = best;
    }
    [twoBack, previous, current] = [previous, current, twoBack];
  }
  return previous[b.length];
}

/** Edits tolerated for a name of this length: 1 for short names, about a third for long ones. */
function tolerance(length: number): number {
  return Math.max(1, Math.floor(length / 3));
}

/**
 * The candidate the user most likely meant, or undefined when none is close enough or two are
 * equally close. Compares case-insensitively. Also matches a name the user shortened or
 * lengthened at a separator: "p99" → "p99_ms", "mean_ms_total" → "mean_ms".
 */
export function suggest(input: string, candidates: readonly string[]): string | undefined {
  if (input.length === 0 || candidates.length === 0) return undefined;
  const typed = input.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  let tie = false;
  for (const candidate of candidates) {
    if (candidate === input) return undefined; // nothing to correct
    const d = editDistance(typed, candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
      tie = false;
    } else if (d === bestDistance && candidate !== best) {
      tie = true;
    }
  }
  if (best !== undefined && !tie && bestDistance <= tolerance(Math.max(typed.length, best.length))) return best;

  const separated = candidates.filter((c) => {
    const name = c.toLowerCase();
    return isSeparatedPrefix(typed, name) || isSeparatedPrefix(name, typed);
  });
  return separated.length === 1 && typed.length >= 2 ? separated[0] : undefined;
}

/** `short` followed by a separator starts `long`: "p99" and "p99_ms", not "p99" and "p999_ms". */
function isSeparatedPrefix(short: string, long: string): boolean {
  return long.length > short.length && long.startsWith(short) && /[-_.]/.test(long[short.length]);
}

/** "'a', 'b' or 'c'" — for sentences that list what is allowed. */
export function listNames(names: readonly string[], conjunction = 'or'): string {
  const quoted = names.map((n) => `'${n}'`);
  if (quoted.length <= 1) return quoted.join('');
  return `${quoted.slice(0, -1).join(', ')} ${conjunction} ${quoted[quoted.length - 1]}`;
}
