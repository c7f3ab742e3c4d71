// Independent references for flow tests: log p(x) of one row by the change of variables with the
// Jacobian of f taken by central differences of flow.forward (float64), and the CLI run in-process.

import { fromHost, slogdet, tidy } from '../../index.js';
import type { Flow } from '../../flow/model.js';
import { main } from '../../flow/cli/main.js';

/** log p_s(f(x)) + log|det J_f(x)|, J[i][j] = (f_i(x + h e_j) − f_i(x − h e_j)) / 2h. */
export function numericLogProb(flow: Flow, row: ArrayLike<number>, h = 1e-6): number {
  const dim = flow.dim;
  const J = new Float64Array(dim * dim);
  for (let j = 0; j < dim; j++) {
    const plus = Float64Array.from(row);
    const minus = Float64Array.from(row);
    plus[j] += h;
    minus[j] -= h;
    const sp = flow.forward(fromHost(plus, [1, dim])).dataSync();
    const sm = flow.forward(fromHost(minus, [1, dim])).dataSync();
    for (let i = 0; i < dim; i++) J[i * dim + j] = (sp[i] - sm[i]) / (2 * h);
  }
  const logDet = slogdet(fromHost(J, [dim, dim])).logabsdet.item();
  const s = flow.forward(fromHost(Float64Array.from(row), [1, dim]));
  return tidy(() => flow.base.logProb(s).sum().item()) + logDet;
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
