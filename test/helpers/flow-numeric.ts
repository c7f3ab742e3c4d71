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
