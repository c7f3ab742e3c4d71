// The hand-written gradients (docs/layers.md): one forward pass keeping every layer's input, then
// the error signal from the top, G = -∂ log p_s(S)/∂S, handed down layer by layer; each layer
// gives its parameters' direction from the G at its output. With 'relative' the dense layers give
// the relative gradient (O(B·D²), no inverse) and every other layer its Euclidean gradient (the
// mixed update: any layer type that defines relativeBackward); with 'ordinary' every layer gives the Euclidean gradient (dense: O(D³) inverse).
// The bottom layer's G_in is never formed (nothing below needs it). A conditional flow's context
// [B, C] is handed to every layer (conditional ones read it; docs/conditional.md).

import type { Tensor } from '../../engine/tensor.js';
import type { Flow } from '../model.js';

/** Every layer's direction (aligned with flow.stack) for a batch x [B, D] and, for a conditional flow, its context [B, C]. */
export function handWrittenGradient(flow: Flow, x: Tensor, method: 'relative' | 'ordinary', context?: Tensor): Tensor[][] {
  const P = flow.layerParams;
  const { inputs, s } = flow.trace(x, P, context);
  const K = flow.stack.length;
  const out = new Array<Tensor[]>(K);
  let g = flow.base.negScore(s);
  for (let k = K - 1; k >= 0; k--) {
    const layer = flow.stack[k];
    const y = k + 1 < K ? inputs[k + 1] : s;
    const needInput = k > 0;
    const r = method === 'relative' && layer.relativeBackward !== undefined
      ? layer.relativeBackward(y, P[k], g, needInput, context)
      : layer.backward(inputs[k], y, P[k], g, needInput, context);
    out[k] = r.grads;
    if (r.gIn !== null) g = r.gIn;
  }
  return out;
}
