// A readable one-line summary of a flow — what `String(flow)` should print instead of
// "[object Object]": size, activation with its parameters, base, biases, parameter count, dtype
// and backend. Pure: reads the resolved config, computes nothing on the backend.

import type { ResolvedFlowConfig } from './config.js';
import { layerTypes, type LayerTypes } from './layers/builtin.js';
import type { StoredLayerSpec } from './layers/layer.js';
import { definitionOf, layerParamLayout } from './layers/specs.js';

/** 'dense', 'spline(8 bins)', … (each type's label) with runs of the same layer pair collapsed: '(dense → spline) × 4'. */
function describeStack(stack: readonly StoredLayerSpec[], types: LayerTypes = layerTypes()): string {
  const name = (s: StoredLayerSpec): string => {
    const definition = definitionOf(s.type, types, 'summary');
    return definition.label(definition.resolve(s, 'summary'));
  };
  // pairs are grouped from the top (base) side, so a stack's odd first layers stay in front:
  // 'affine → spline → (dense → spline) × 4', the notation of deepStack's docs and the CLI help
  const names = stack.map(name).reverse();
  const parts: string[] = [];
  for (let i = 0; i < names.length; ) {
    let reps = 1;
    while (i + 2 * (reps + 1) <= names.length && names[i + 2 * reps] === names[i] && names[i + 2 * reps + 1] === names[i + 1]) reps++;
    if (reps > 1) {
      parts.push(`(${names[i + 1]} → ${names[i]}) × ${reps}`);
      i += 2 * reps;
    } else {
      parts.push(names[i]);
      i++;
    }
  }
  parts.reverse();
  return parts.join(' → ');
}

/** The one-line summary `String(flow)` prints; `layerTypes`: the flow's types (user-defined ones included). */
export function flowSummary(flow: { readonly config: ResolvedFlowConfig; readonly backend: { readonly name: string }; readonly layerTypes?: LayerTypes }): string {
  const c = flow.config;
  const types = flow.layerTypes ?? layerTypes();
  if (c.stack !== undefined) {
    const count = c.stack.reduce((n, spec) => n + layerParamLayout(spec, c.dim, types, c.context ?? 0).reduce((m, p) => m + p.shape.reduce((a, d) => a * d, 1), 0), 0);
    return `Flow(dim ${c.dim}, ${c.context ? `context ${c.context}, ` : ''}${c.stack.length} layers: ${describeStack(c.stack, types)}, base ${c.base}, ${count} parameters, ${c.dtype} on ${flow.backend.name})`;
  }
  const activation = c.activation === 'leaky-tanh' ? `leaky-tanh(β ${c.beta}, γ ${c.gamma})` : `${c.activation}(α ${c.alpha})`;
  // L dense layers of D×D weights (+ D biases each)
  const count = c.layers * c.dim * c.dim + (c.bias ? c.layers * c.dim : 0);
  return `Flow(dim ${c.dim}, ${c.layers} dense layer${c.layers === 1 ? '' : 's'}, ${activation}, base ${c.base}, ` +
    `${c.bias ? 'biases' : 'no biases'}, ${count} parameters, ${c.dtype} on ${flow.backend.name})`;
}
