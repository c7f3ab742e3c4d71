// A learnable per-unit leaky map: y_j = x_j for x_j ≥ 0 and x_j·e^{a_j} for x_j < 0, with one
// log-slope a_j per unit; log|det J| = Σ_j a_j·[x_j < 0] per sample; inverse in closed form,
// y_j·e^{-a_j} for y_j < 0. The paper's fixed activation with its negative slope learned per unit
// (a piecewise-linear monotone map, cf. the learnable PReLU of He et al. 2015). Written with
// engine ops through defineLayer, so its gradient is the engine's autodiff: O(B·D).

import * as ops from '../../engine/ops.js';
import { defineLayerAs, type UserLayerSpec } from './define.js';

/** Options of the leaky layer. */
export interface LeakySpec {
  type: 'leaky';
  /** the starting negative-side slope e^a of every unit (default 0.5; > 0) */
  slope?: number;
}

/** The leaky layer type (parameter `logSlope` [D]). */
export const leakyLayer = defineLayerAs<{ slope: number }>(
  {
    type: 'leaky',
    description: 'y = x for x ≥ 0, x·e^a for x < 0 per unit, with a learnable log-slope a per unit',
    options: { slope: 0.5 },
    check(spec) {
      if (!(spec.slope > 0) || !Number.isFinite(spec.slope)) throw new Error(`slope must be a positive number, got ${spec.slope}`);
    },
    parameters: (_spec, dim) => ({ logSlope: [dim] }),
    init: (spec, dim) => ({ logSlope: new Float64Array(dim).fill(Math.log(spec.slope)) }),
    forward(x, { logSlope }) {
      const negative = ops.greater(0, x); // a constant 0/1 mask (piecewise constant in x)
      return { y: ops.where(negative, ops.mul(x, ops.exp(logSlope)), x), logDet: ops.sum(ops.mul(negative, logSlope), 1) };
    },
    inverse(y, { logSlope }) {
      return ops.where(ops.greater(0, y), ops.mul(y, ops.exp(ops.neg(logSlope))), y);
    },
    label: (spec: UserLayerSpec<{ slope: number }>) => `leaky(slope ${spec.slope})`,
  },
  'leaky',
  false,
);
