// A readable one-line summary of a flow — what `String(flow)` should print instead of
// "[object Object]": size, activation with its parameters, base, biases, parameter count, dtype
// and backend. Pure: reads the resolved config, computes nothing on the backend.

import type { ResolvedFlowConfig } from './config.js';
import { layerParamLayout, type ResolvedLayerSpec } from './layers/specs.js';

/** 'dense', 'spline(8 bins)', … with runs of the same layer pair collapsed: '(dense → spline) × 4'. */
function describeStack(stack: readonly ResolvedLayerSpec[]): string {
  const name = (s: ResolvedLayerSpec): string =>
    s.type === 'spline' ? `spline(${s.bins} bins, ±${s.bound})` : s.type === 'activation' ? s.name : s.type === 'dense' && !s.bias ? 'dense(no bias)' : s.type;
  const names = stack.map(name);
  const parts: string[] = [];
  for (let i = 0; i < names.length; ) {
    let reps = 1;
    while (i + 2 * (reps + 1) <= names.length && names[i + 2 * reps] === names[i] && names[i + 2 * reps + 1] === names[i + 1]) reps++;
    if (reps > 1) {
      parts.push(`(${names[i]} → ${names[i + 1]}) × ${reps}`);
      i += 2 * reps;
    } else {
      parts.push(names[i]);
      i++;
    }
  }
  return parts.join(' → ');
}

export function flowSummary(flow: { readonly config: ResolvedFlowConfig; readonly backend: { readonly name: string } }): string {
  const c = flow.config;
  if (c.stack !== undefined) {
    const count = c.stack.reduce((n, spec) => n + layerParamLayout(spec, c.dim).reduce((m, p) => m + p.shape.reduce((a, d) => a * d, 1), 0), 0);
    return `Flow(dim ${c.dim}, ${c.stack.length} layers: ${describeStack(c.stack)}, base ${c.base}, ${count} parameters, ${c.dtype} on ${flow.backend.name})`;
  }
  const activation = c.activation === 'leaky-tanh' ? `leaky-tanh(β ${c.beta}, γ ${c.gamma})` : `${c.activation}(α ${c.alpha})`;
  // L dense layers of D×D weights (+ D biases each)
  const count = c.layers * c.dim * c.dim + (c.bias ? c.layers * c.dim : 0);
  return `Flow(dim ${c.dim}, ${c.layers} dense layer${c.layers === 1 ? '' : 's'}, ${activation}, base ${c.base}, ` +
    `${c.bias ? 'biases' : 'no biases'}, ${count} parameters, ${c.dtype} on ${flow.backend.name})`;
}
