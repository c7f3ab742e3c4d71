// The fast orthogonal initialisation (flow/init.ts, block Gram–Schmidt on the GEMM) against the
// column-by-column reference of engine/random.ts for the same seed: the Q factor of a QR with a
// positive diagonal is unique, so both must give the same matrix up to rounding; and QᵀQ = I.

import t from 'tap';
import { orthogonalHost } from '../engine/random.js';
import { orthogonalFast } from '../flow/init.js';
import { Flow, initializeFromData } from '../flow/index.js';

for (const n of [1, 2, 5, 31, 32, 33, 70, 129]) {
  t.test(`n = ${n}`, async (t) => {
    const fast = orthogonalFast(n, 7 + n);
    const ref = orthogonalHost(n, 7 + n);
    let maxDiff = 0;
    for (let i = 0; i < fast.length; i++) maxDiff = Math.max(maxDiff, Math.abs(fast[i] - ref[i]));
    t.ok(maxDiff < 1e-11, `same matrix as the scalar Gram–Schmidt reference (max diff ${maxDiff.toExponential(2)})`);
    // QᵀQ = I by a naive triple loop
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
  const a = orthogonalFast(40, 1);
  const b = orthogonalFast(40, 2);
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
