// A flow trained on standardised columns z = (x − mean)/std, as a flow of the original columns:
// a leading affine layer fixed to the standardisation (logScale = −log std, shift = −mean/std;
// its log|det| −Σ log std is the change of units), then the flow's own layers. What `relgrad train
// --standardize` saves as model.json, so Flow.load, logProb, sample, export and the NumPy reader
// all work in the data's units with nothing applied by hand.

import { Flow } from './model.js';
import { stackOfConfig } from './layers/config-stack.js';

/** Column means and standard deviations (what `relgrad train --standardize` records). */
export interface ColumnScaling {
  mean: readonly number[];
  std: readonly number[];
}

/** The flow x ↦ flow((x − mean)/std) with log p including −Σ log std (see the header). */
export function withStandardization(flow: Flow, s: ColumnScaling): Flow {
  const D = flow.dim;
  if (s.mean.length !== D || s.std.length !== D) throw new Error(`withStandardization: ${s.mean.length} means and ${s.std.length} scales for a flow of dim ${D}`);
  s.std.forEach((v, j) => {
    if (!(v > 0) || !Number.isFinite(v)) throw new Error(`withStandardization: column ${j} has scale ${v}; scales must be positive`);
  });
  const c = flow.config;
  const stack = stackOfConfig(c);
  const out = Flow.fromLayers([{ type: 'affine' }, ...stack], { dim: D, base: c.base, seed: c.seed, dtype: c.dtype }, { backend: flow.backend, layers: flow.userLayerTypes });
  const logScale = Float64Array.from(s.std, (v) => -Math.log(v));
  const shift = Float64Array.from(s.mean, (m, j) => -m / s.std[j]);
  out.paramsFromHost({ layers: [[logScale, shift], ...flow.paramsToHost().layers] });
  return out;
}
