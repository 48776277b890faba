/** "Did you mean ...?" for a mistyped command, variable or config key. Pure. */

/** Levenshtein distance, giving up (Infinity) once it exceeds `limit`. */
export function editDistance(a: string, b: string, limit = 2): number {
  if (Math.abs(a.length - b.length) > limit) return Number.POSITIVE_INFINITY;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(
        (prev[j] ?? 0) + 1,
        (row[j - 1] ?? 0) + 1,
        (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    prev = row;
  }
  const d = prev[b.length] ?? Number.POSITIVE_INFINITY;
  return d > limit ? Number.POSITIVE_INFINITY : d;
}

/** The candidate nearest to `word` (case-insensitive), if any is within `limit` edits. */
export function closest(
  word: string,
  candidates: readonly string[],
  limit = 2,
): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase(), limit);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}
