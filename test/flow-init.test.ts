// The orthogonal initialisation (engine/random.ts orthogonalHost, block Gram–Schmidt on the
// engine's gemm) against an independent column-by-column modified Gram–Schmidt of the same seeded
// Gaussian draw, written here: the Q factor of a QR with a positive diagonal is unique, so both
// must give the same matrix up to rounding; and QᵀQ = I by a naive triple loop.

import t from 'tap';
import '../index.js';
import { orthogonalHost, Rng } from '../engine/random.js';
import { Flow, initializeFromData } from '../flow/index.js';

/** Reference: scalar MGS, twice per column, on the columns q_j = draw[j*n .. j*n+n). O(n³). */
function scalarGramSchmidt(n: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  const q = new Float64Array(n * n);
  for (let i = 0; i < q.length; i++) q[i] = rng.normal();
  const norm = (c: number): number => {
    let s = 0;
    for (let i = 0; i < n; i++) s += q[c + i] * q[c + i];
    return Math.sqrt(s);
  };
  for (let j = 0; j < n; j++) {
    const cj = j * n;
    for (let pass = 0; pass < 2; pass++) {
      for (let p = 0; p < j; p++) {
        let dot = 0;
        for (let i = 0; i < n; i++) dot += q[p * n + i] * q[cj + i];
        for (let i = 0; i < n; i++) q[cj + i] -= dot * q[p * n + i];
      }
    }
    const r = norm(cj);
    for (let i = 0; i < n; i++) q[cj + i] /= r;
  }
  const out = new Float64Array(n * n); // row-major: out[i, j] = q_j[i]
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[i * n + j] = q[j * n + i];
  return out;
}

for (const n of [1, 2, 5, 31, 32, 33, 70, 129]) {
  t.test(`n = ${n}`, async (t) => {
    const fast = orthogonalHost(n, 7 + n);
    const ref = scalarGramSchmidt(n, 7 + n);
    let maxDiff = 0;
    for (let i = 0; i < fast.length; i++) maxDiff = Math.max(maxDiff, Math.abs(fast[i] - ref[i]));
    t.ok(maxDiff < 1e-11, `same matrix as the scalar Gram–Schmidt reference (max diff ${maxDiff.toExponential(2)})`);
    let maxOff = 0;
    for (let a = 0; a < n; a++) {
      for (let b = 0; b < n; b++) {
        let dot = 0;
        for (let i = 0; i < n; i++) dot += fast[i * n + a] * fast[i * n + b];
        maxOff = Math.max(maxOff, Math.abs(dot - (a === b ? 1 : 0)));
      }
    }
    t.ok(maxOff < 1e-13, `QᵀQ = I (max error ${maxOff.toExponential(2)})`);
  });
}

t.test('a different seed gives a different matrix', async (t) => {
  const a = orthogonalHost(40, 1);
  const b = orthogonalHost(40, 2);
  t.ok(a.some((v, i) => Math.abs(v - b[i]) > 1e-3));
});

t.test('a duplicated column is refused by initializeFromData, naming it', async (t) => {
  const rows = 50;
  const data = new Float64Array(rows * 3);
  for (let i = 0; i < rows; i++) {
    data[3 * i] = Math.sin(i);
    data[3 * i + 1] = Math.cos(3 * i);
    data[3 * i + 2] = data[3 * i]; // column 3 copies column 1
  }
  const flow = Flow.fromLayers([{ type: 'affine' }, { type: 'dense' }], { dim: 3 });
  t.throws(() => initializeFromData(flow, { data, rows, cols: 3 }), /singular covariance \(column 3 is a copy of column 1; 1-based\)/);
});
