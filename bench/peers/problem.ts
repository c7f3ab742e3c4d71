// The numbers a peer comparison runs on: near-identity weights W = I + scale·G, small biases and a
// standard normal batch, drawn from the project's seeded Rng (so relgrad and the peer see the same).

import { Rng } from '../../engine/random.js';
import type { PeerProblem } from './tfjs.js';

export function peerProblemData(p: PeerProblem, scales = { weight: 0.4, bias: 0.3 }): { W: Float32Array[]; b: Float32Array[]; x: Float32Array } {
  const rng = new Rng(p.seed);
  const D = p.dim;
  const W = Array.from({ length: p.layers }, () =>
    Float32Array.from({ length: D * D }, (_, i) => scales.weight * rng.normal() + (i % (D + 1) === 0 ? 1 : 0)),
  );
  const b = Array.from({ length: p.layers }, () => Float32Array.from({ length: D }, () => scales.bias * rng.normal()));
  const x = Float32Array.from({ length: p.batch * D }, () => rng.normal());
  return { W, b, x };
}
