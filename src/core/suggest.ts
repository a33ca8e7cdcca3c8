/** "Did you mean …?" for unknown keys and enum values. */

/** Optimal string alignment distance (Levenshtein plus adjacent transpositions: `retires` → `retries` is 1). */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/** Words longer than this get no "did you mean" (keeps diagnostics linear in input size). */
export const MAX_SUGGEST_LENGTH = 64;

/** Case, `_` and `-` do not count: `agentId` matches `agent_id`, `StartTime` matches `startTime`. */
function fold(s: string): string {
  return s.toLowerCase().replace(/[_-]/g, "");
}

/**
 * The closest candidate when it is close enough to be a likely typo (at most 1 edit for short words,
 * 2 for words of 5+ characters, 3 for 9+), else undefined. Ties go to the first candidate.
 */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  // No field or value name is this long: a huge word is not a typo, and comparing it costs O(length²).
  if (word.length > MAX_SUGGEST_LENGTH) return undefined;
  const w = fold(word);
  const limit = w.length >= 9 ? 3 : w.length >= 5 ? 2 : 1;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    if (candidate === word) continue;
    const distance = editDistance(w, fold(candidate));
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return bestDistance <= limit ? best : undefined;
}

/** Up to five known addresses close to `address` (typos, another account or provider). */
export function nearMatches(address: string, candidates: Iterable<string>): string[] {
  const name = address.split("/").at(-1) ?? address;
  const scored: { c: string; d: number }[] = [];
  for (const c of new Set(candidates)) {
    if (c === address) continue;
    const d = editDistance(address.toLowerCase(), c.toLowerCase());
    const sameName = (c.split("/").at(-1) ?? "") === name;
    const contains = name.length >= 3 && c.includes(name);
    if (sameName || contains || d <= Math.max(2, Math.floor(address.length / 4))) scored.push({ c, d: sameName ? 0 : d });
  }
  return scored
    .sort((a, b) => a.d - b.d || a.c.localeCompare(b.c))
    .slice(0, 5)
    .map((s) => s.c);
}
