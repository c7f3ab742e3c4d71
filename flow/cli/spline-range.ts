// The range of --bound the deep model's splines can use. Every spline acts on data of unit scale
// (the affine start standardises each column, each dense layer starts by whitening or as the
// identity on whitened data), and its K bins cut [-bound, bound] (spline-math.ts):
//   - bound ≥ 1: below it a third of the standardised data lies on the identity tails;
//   - 2·bound/K ≤ 4: the starting bins are no wider than 4 units, else the data's bulk sits in one
//     or two bins, a single rational-quadratic piece each (moons, 8 bins, 10 epochs: bound 4 gave
//     −2.68 nats, 16 gave −3.04, 50 −3.29, 200 −3.77 against the Gaussian's −3.30);
//   - 2·bound·MIN_BIN ≤ 0.1: the narrowest bin the softmax allows stays below a tenth of a unit, so
//     bins can still gather where the data is (bound ≤ 50). Far beyond, the knots lose the data in
//     rounding: bound 1e6 trapped in WebAssembly while sampling, 1e20 reported −6e32 nats.

import { MIN_BIN } from '../layers/spline-math.js';
import { UsageError } from './args.js';

/** The largest usable bound for `bins` bins per spline (see the header). */
function maxBound(bins: number): number {
  return Math.min(2 * bins, 0.1 / (2 * MIN_BIN));
}

/** Refuses a --bound outside [1, maxBound(bins)], naming both settings and the limit. */
export function assertSplineRange(command: string, bins: number, bound: number): void {
  const max = maxBound(bins);
  if (bound >= 1 && bound <= max) return;
  throw new UsageError(
    `relgrad ${command}: --bound ${bound} with --bins ${bins} is outside what the splines can use, 1 to ${max}: they act on standardised ` +
      `data (unit scale), so [-bound, bound] must cover its bulk (bound ≥ 1), in bins no wider than 4 units at the start ` +
      `(bound ≤ 2·bins) whose narrowest allowed width, ${2 * MIN_BIN}·bound, stays below 0.1 (bound ≤ ${0.1 / (2 * MIN_BIN)})`,
  );
}
