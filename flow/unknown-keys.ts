// Refusing option keys a function does not know (a typo must never be ignored silently), with the
// closest known key by edit distance (Levenshtein, O(|a|·|b|)) as a suggestion.

/** The edit distance between two strings (insertions, deletions, substitutions). */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = row;
  }
  return previous[b.length];
}

/** The known name closest to `name`, if it is close enough to be a likely typo (≤ 1/3 of its length, at least 2 edits allowed). */
export function closestName(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of known) {
    const d = editDistance(name.toLowerCase(), k.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

/** Throws for a key of `options` not in `known`, naming it, the closest known key and `where`. */
export function refuseUnknownKeys(options: object, known: readonly string[], where: string): void {
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const near = closestName(key, known);
    throw new Error(`${where}: unknown option '${key}'${near === undefined ? '' : ` (did you mean '${near}'?)`}; the options are ${known.join(', ')}`);
  }
}
