// A readable one-line summary of a flow — what `String(flow)` should print instead of
// "[object Object]": size, activation with its parameters, base, biases, parameter count, dtype
// and backend. Pure: reads the resolved config, computes nothing on the backend.

import type { ResolvedFlowConfig } from './config.js';

export function flowSummary(flow: { readonly config: ResolvedFlowConfig; readonly backend: { readonly name: string } }): string {
  const c = flow.config;
  const activation = c.activation === 'leaky-tanh' ? `leaky-tanh(β ${c.beta}, γ ${c.gamma})` : `${c.activation}(α ${c.alpha})`;
  // L dense layers of D×D weights (+ D biases each)
  const count = c.layers * c.dim * c.dim + (c.bias ? c.layers * c.dim : 0);
  return `Flow(dim ${c.dim}, ${c.layers} dense layer${c.layers === 1 ? '' : 's'}, ${activation}, base ${c.base}, ` +
    `${c.bias ? 'biases' : 'no biases'}, ${count} parameters, ${c.dtype} on ${flow.backend.name})`;
}
