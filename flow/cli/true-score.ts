// The generating density's mean log-likelihood on a split (mean ± 2·std/√N, as the flow's), for
// the toy sets where it is known (flow/data/true-density.ts): the best any model can score there.

import type { HostMatrix } from '../data/dataset.js';
import { isToyName } from '../data/toy.js';
import { trueLogDensity } from '../data/true-density.js';
import { summarize, type Evaluation } from '../evaluate.js';

/** E[log p_true] over the rows of `x` for toy set `dataset`; null when it has no known density. */
export function trueTestScore(dataset: string, x: HostMatrix<Float64Array>): Evaluation | null {
  const density = isToyName(dataset) ? trueLogDensity(dataset) : undefined;
  return density === undefined ? null : summarize(density(x));
}
