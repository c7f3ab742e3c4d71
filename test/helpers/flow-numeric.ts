// Independent references for flow tests: log p(x) of one row by the change of variables with the
// Jacobian of f taken by central differences of flow.forward (float64), and the CLI run in-process.

import { fromHost, slogdet, tidy, type Tensor } from '../../index.js';
import type { Flow } from '../../flow/model.js';
import { main } from '../../flow/cli/main.js';

/**
 * log p_s(f(x; c)) + log|det J_f(x; c)|, J[i][j] = (f_i(x + h e_j) − f_i(x − h e_j)) / 2h; `context`:
 * the row's context c for a conditional flow (its contextDim values).
 */
export function numericLogProb(flow: Flow, row: ArrayLike<number>, h = 1e-6, context?: ArrayLike<number>): number {
  const dim = flow.dim;
  const options = context === undefined ? {} : { context: fromHost(Float64Array.from(context), [1, flow.contextDim]) };
  const at = (v: ArrayLike<number>): Tensor => flow.forward(fromHost(Float64Array.from(v), [1, dim]), options);
  const J = new Float64Array(dim * dim);
  for (let j = 0; j < dim; j++) {
    const plus = Float64Array.from(row);
    const minus = Float64Array.from(row);
    plus[j] += h;
    minus[j] -= h;
    const sp = at(plus).dataSync();
    const sm = at(minus).dataSync();
    for (let i = 0; i < dim; i++) J[i * dim + j] = (sp[i] - sm[i]) / (2 * h);
  }
  const logDet = slogdet(fromHost(J, [dim, dim])).logabsdet.item();
  const s = at(row);
  return tidy(() => flow.base.logProb(s).sum().item()) + logDet;
}

/**
 * The worst relative error (|fd − g| / (1 + |fd|)) of `gradients` (one list per layer, as
 * flow.layerParams) against central differences of `loss` in every parameter entry, and how many
 * entries were compared; the flow's parameters are restored afterwards.
 */
export function worstParameterGradientError(flow: Flow, gradients: readonly (readonly Tensor[])[], loss: () => number, h = 1e-6): { worst: number; count: number } {
  const base = flow.layerParams.map((list) => list.map((p) => Float64Array.from(p.dataSync())));
  let worst = 0;
  let count = 0;
  base.forEach((list, k) => list.forEach((values, j) => {
    const g = gradients[k][j].dataSync();
    for (let i = 0; i < values.length; i++) {
      const at = (delta: number): number => {
        const moved = base.map((l) => l.map((v) => Float64Array.from(v)));
        moved[k][j][i] += delta;
        flow.setParams({ layers: moved });
        return loss();
      };
      const fd = (at(h) - at(-h)) / (2 * h);
      worst = Math.max(worst, Math.abs(fd - g[i]) / (1 + Math.abs(fd)));
      count++;
    }
  }));
  flow.setParams({ layers: base });
  return { worst, count };
}

/**
 * log p of every row of `data` ([rows, dim], row-major) the same way as numericLogProb, batched:
 * 2·dim + 1 forward passes over all rows, one batched slogdet of the [rows, dim, dim] Jacobians.
 */
export function numericLogProbRows(flow: Flow, data: ArrayLike<number>, rows: number, h = 1e-6): Float64Array {
  const dim = flow.dim;
  const J = new Float64Array(rows * dim * dim);
  for (let j = 0; j < dim; j++) {
    const plus = Float64Array.from(data);
    const minus = Float64Array.from(data);
    for (let r = 0; r < rows; r++) {
      plus[r * dim + j] += h;
      minus[r * dim + j] -= h;
    }
    const sp = flow.forward(fromHost(plus, [rows, dim])).dataSync();
    const sm = flow.forward(fromHost(minus, [rows, dim])).dataSync();
    for (let r = 0; r < rows; r++) {
      for (let i = 0; i < dim; i++) J[r * dim * dim + i * dim + j] = (sp[r * dim + i] - sm[r * dim + i]) / (2 * h);
    }
  }
  const logDet = slogdet(fromHost(J, [rows, dim, dim])).logabsdet.dataSync();
  const base = tidy(() => flow.base.logProb(flow.forward(fromHost(Float64Array.from(data), [rows, dim]))).dataSync());
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let lp = logDet[r];
    for (let i = 0; i < dim; i++) lp += base[r * dim + i];
    out[r] = lp;
  }
  return out;
}

/** Runs the CLI in-process, returning its exit code and what it printed on stdout. */
export async function relgradInProcess(...argv: string[]): Promise<{ code: number; stdout: string }> {
  const lines: string[] = [];
  const log = console.log;
  console.log = (...a: unknown[]) => void lines.push(a.map(String).join(' '));
  try {
    return { code: await main(argv), stdout: lines.join('\n') };
  } finally {
    console.log = log;
  }
}
