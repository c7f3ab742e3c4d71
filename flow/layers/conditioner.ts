// The conditioner of a conditional layer (docs/conditional.md): a small MLP on engine ops that maps
// the context c [B, C] to a layer's context-dependent parameter offsets Δθ(c) [B, P]:
//   h_0 = c,   h_i = σ(h_{i-1} W_i + b_i)  (i = 1..H),   Δθ(c) = h_H W_out + b_out,
// W_i [in, out] (rows are samples, so no transpose). Hidden layers start at N(0, 1/fan_in) (seeded),
// the output layer at zero: Δθ(c) = 0 for every c, so a fresh conditional layer equals its
// unconditional start. Its weights get the Euclidean gradient (never the relative one).
// Cost O(B·(C·H_1 + Σ H_i·H_{i+1} + H_last·P)) per pass.

import * as ops from '../../engine/ops.js';
import { Rng } from '../../engine/random.js';
import type { Tensor } from '../../engine/tensor.js';
import type { ParamLayout } from './definition.js';

/** The hidden activations a conditioner may use. */
export const CONDITIONER_ACTIVATIONS = ['tanh', 'relu'] as const;

/** A conditioner's spec, the `context` option of a conditional layer: hidden widths and activation. */
export interface ConditionerSpec {
  /** hidden layer widths, e.g. [64, 64] (default [32, 32]; [] makes Δθ(c) affine in c) */
  hidden?: number[];
  /** hidden activation (default 'tanh') */
  activation?: (typeof CONDITIONER_ACTIVATIONS)[number];
}

/** A conditioner spec with its defaults filled in (what checkpoints store). */
export type ResolvedConditionerSpec = Required<ConditionerSpec>;

/** Checks a layer's `context` option (unknown keys refused) and fills its defaults, naming `where`. */
export function resolveConditioner(raw: unknown, where: string): ResolvedConditionerSpec {
  if (raw === true) return { hidden: [32, 32], activation: 'tanh' };
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new Error(`${where}: context must be an object like { hidden: [64, 64], activation: 'tanh' } (or true for the defaults), got ${JSON.stringify(raw)}`);
  }
  for (const key of Object.keys(raw)) {
    if (key !== 'hidden' && key !== 'activation') throw new Error(`${where}: context has no setting '${key}' (it takes hidden, activation)`);
  }
  const { hidden = [32, 32], activation = 'tanh' } = raw as ConditionerSpec;
  if (!Array.isArray(hidden) || hidden.some((h) => !Number.isInteger(h) || h < 1)) {
    throw new Error(`${where}: context.hidden must be a list of positive integers (hidden widths), got ${JSON.stringify(hidden)}`);
  }
  if (!(CONDITIONER_ACTIVATIONS as readonly string[]).includes(activation)) {
    throw new Error(`${where}: context.activation must be one of ${CONDITIONER_ACTIVATIONS.join(', ')}, got ${JSON.stringify(activation)}`);
  }
  return { hidden: [...hidden], activation };
}

/** The conditioner's parameters for C inputs and `outputs` outputs: ctx.W0, ctx.b0, …, the output layer last. */
export function conditionerLayout(spec: ResolvedConditionerSpec, contextDim: number, outputs: number): ParamLayout[] {
  if (!Number.isInteger(contextDim) || contextDim < 1) {
    throw new Error(`a conditional layer needs the flow's context width (a positive integer), got ${String(contextDim)}: give Flow.fromLayers(stack, { dim, context: C })`);
  }
  const widths = [contextDim, ...spec.hidden, outputs];
  return widths.slice(1).flatMap((out, i) => [
    { name: `ctx.W${i}`, shape: [widths[i], out] },
    { name: `ctx.b${i}`, shape: [out] },
  ]);
}

/** Starting values: hidden weights N(0, 1/fan_in) from `seed`, hidden biases 0, the output layer 0. */
export function conditionerInit(layout: readonly ParamLayout[], seed: number): Float64Array[] {
  const rng = new Rng(seed);
  const last = layout.length - 2;
  return layout.map(({ name, shape }, i) => {
    const size = shape.reduce((n, d) => n * d, 1);
    const out = new Float64Array(size);
    if (name.startsWith('ctx.W') && i < last) {
      const scale = 1 / Math.sqrt(shape[0]);
      for (let k = 0; k < size; k++) out[k] = scale * rng.normal();
    }
    return out;
  });
}

/** Δθ(c) [B, outputs] from the context c [B, C] and the conditioner's parameters (differentiable engine ops). */
export function applyConditioner(spec: ResolvedConditionerSpec, c: Tensor, params: readonly Tensor[]): Tensor {
  let h = c;
  const layers = params.length / 2;
  for (let i = 0; i < layers; i++) {
    h = ops.add(ops.matmul(h, params[2 * i]), params[2 * i + 1]);
    if (i < layers - 1) h = spec.activation === 'tanh' ? ops.tanh(h) : ops.relu(h);
  }
  return h;
}

/** The suffix a conditional layer's label carries, e.g. ' | c→mlp(64, 64, tanh)'. */
export function conditionerLabel(spec: ResolvedConditionerSpec | undefined): string {
  return spec === undefined ? '' : ` | c→mlp(${[...spec.hidden, spec.activation].join(', ')})`;
}
