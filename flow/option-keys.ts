// Refusing option keys a function does not know: `train(flow, data, { epoch: 1 })` would otherwise
// run the default 100 epochs without a word. The error names the key and the closest valid one
// (edit distance with transpositions, case-insensitive, ties to the first in the list); used by
// the library's option bags and the CLI's commands and flags alike.

/** A table with one entry per key of T: the compiler refuses it when T gains or loses a key. */
export type KeyTable<T> = { readonly [K in keyof Required<T>]: true };

/**
 * Edit distance with adjacent transpositions (optimal string alignment): the fewest insertions,
 * deletions, substitutions and swaps of neighbours turning a into b ('trian' → 'train' is 1).
 * O(|a|·|b|) time and memory.
 */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/**
 * The candidate nearest to `word` by edit distance (case-insensitive), when it is near enough to
 * be a typo: at most 1 edit for words of up to 4 letters, 2 for longer ones, and fewer edits than
 * the word has letters; or the first candidate it begins (4 letters or more). Ties go to the
 * earlier candidate. Undefined when none is near.
 */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const w = word.toLowerCase();
  // a word that begins a candidate of at least 4 letters is a shortened name: 'checkpoint' → 'checkpointPath'
  if (w.length >= 4) {
    const longer = candidates.find((c) => c.toLowerCase().startsWith(w));
    if (longer !== undefined) return longer;
  }
  const limit = Math.min(w.length <= 4 ? 1 : 2, w.length - 1);
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(w, c.toLowerCase());
    if (d <= limit && d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

/**
 * Throws when `options` has an own key that is not in `table`, naming the key and the closest
 * valid one when it is near: "train: unknown option 'epoch' (did you mean 'epochs'?)".
 */
export function assertKnownKeys(where: string, options: object, table: Readonly<Record<string, true>>): void {
  refuseUnknownKeys(options, Object.keys(table), where);
}

/** Throws for a key of `options` not in `known`, naming it, the closest known key (when one is near) and `where`. */
export function refuseUnknownKeys(options: object, known: readonly string[], where: string): void {
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const near = closest(key, known);
    throw new Error(`${where}: unknown option '${key}' (${near === undefined ? 'none is close' : `did you mean '${near}'?`}); the options are ${known.join(', ')}`);
  }
}
