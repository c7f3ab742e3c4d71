// Refusing option keys a function does not know: `train(flow, data, { epoch: 1 })` would otherwise
// run the default 100 epochs without a word. The error names the key and the closest valid one
// (Levenshtein distance, case-insensitive, ties to the first in the list).

/** A table with one entry per key of T: the compiler refuses it when T gains or loses a key. */
export type KeyTable<T> = { readonly [K in keyof Required<T>]: true };

/** Edit distance (insertions, deletions, substitutions) between a and b; O(|a|·|b|). */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = row;
  }
  return previous[b.length];
}

/** The candidate closest to `name` (case-insensitive edit distance). */
export function closestName(name: string, candidates: readonly string[]): string {
  let best = candidates[0];
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(name.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return best;
}

/**
 * Throws when `options` has an own key that is not in `table`, naming the key and the closest
 * valid one: "train: unknown option 'epoch' (did you mean 'epochs'?)".
 */
export function assertKnownKeys(where: string, options: object, table: Readonly<Record<string, true>>): void {
  const valid = Object.keys(table);
  for (const key of Object.keys(options)) {
    if (!Object.hasOwn(table, key)) {
      throw new Error(`${where}: unknown option '${key}' (did you mean '${closestName(key, valid)}'?); the options are ${valid.join(', ')}`);
    }
  }
}
