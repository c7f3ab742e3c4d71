// Seeds: integers in [0, 2³²), the generator's seed space. Anything else would be silently
// truncated (2³² would equal 0, 1.5 would equal 1, 'x' would equal 0), so it is refused.

export const MAX_SEED = 2 ** 32 - 1;

/** Throws naming `where` unless `seed` is an integer in [0, 2³² − 1]. */
export function assertSeed(where: string, seed: unknown): asserts seed is number {
  if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed > MAX_SEED) {
    const shown = typeof seed === 'string' ? `'${seed}'` : String(seed);
    throw new Error(`${where}: seed must be an integer from 0 to ${MAX_SEED} (2³² − 1), got ${shown}`);
  }
}
