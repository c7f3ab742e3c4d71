// Dynamic split of a product between threads: C is cut along its longer side into `chunks`
// blocks of whole register tiles, of falling sizes, and each thread claims the next unclaimed
// block from a shared counter (Atomics.add) until none is left. A thread whose core is slower (a busy neighbour on a
// shared machine, a late wake-up) simply takes fewer blocks, where a fixed half-and-half split
// would leave the faster thread waiting. Used when every operand lives in shared memory, so a
// block costs no copies; the shared operand is packed once per block (O(k·short side) copies
// against 2·k·short side·block width flops).
//
// Self-contained (the worker threads evaluate its source).

import type { GemmArgs } from '../gemm.js';

/**
 * Claims blocks of the product `g` (m, n and offsets of the whole problem) from `ctrl[word]`
 * and runs each with `run`; `unit` is the register tile along the split side.
 */
export function runClaimedChunks(g: GemmArgs, chunks: number, unit: number, ctrl: Int32Array, word: number, run: (block: GemmArgs) => void): void {
  const alongN = g.n >= g.m;
  const total = alongN ? g.n : g.m;
  const tilesAlong = Math.ceil(total / unit);
  for (;;) {
    const chunk = Atomics.add(ctrl, word, 1);
    if (chunk >= chunks) return;
    // chunk sizes falling linearly from 1.5× to 0.5× the mean (a guided split, edges at
    // x(1.5 − x/2) of the way): the threads take the large ones first, and the last ones, where
    // one thread ends up waiting for the other, are small
    const edge = (i: number): number => {
      const x = i / chunks;
      return Math.floor(tilesAlong * x * (1.5 - 0.5 * x));
    };
    const from = edge(chunk) * unit;
    const to = Math.min(edge(chunk + 1) * unit, total);
    if (to <= from) continue;
    if (alongN) {
      run({ ...g, n: to - from, bOffset: g.bOffset + (g.transB ? from * g.ldb : from), cOffset: g.cOffset + from });
    } else {
      run({ ...g, m: to - from, aOffset: g.aOffset + (g.transA ? from : from * g.lda), cOffset: g.cOffset + from * g.ldc });
    }
  }
}
