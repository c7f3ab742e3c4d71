// The flow's configuration: defaults, validation with messages that say what was wrong.

import { ACTIVATIONS, type ActivationConfig, type ActivationName } from './activations.js';
import { BASES, type BaseName } from './bases.js';
import { isDType, type DType } from '../engine/dtype.js';
import { assertSeed } from '../engine/seed.js';
import { resolveStack, type LayerSpec, type ResolvedLayerSpec } from './layers/specs.js';
import { layerTypes, type LayerTypes } from './layers/builtin.js';
import type { LayerDefinition } from './layers/definition.js';
import { refuseUnknownKeys } from './option-keys.js';

/** The keys of FlowConfig. */
const CONFIG_KEYS = ['dim', 'layers', 'activation', 'alpha', 'beta', 'gamma', 'base', 'bias', 'seed', 'init', 'dtype', 'stack', 'context'] as const;

/**
 * A flow's configuration as a user writes it: dimension D, the paper's model settings or a layer
 * `stack`; omitted fields take their defaults.
 */
export interface FlowConfig {
  /** data dimension D */
  dim: number;
  /** number of square layers L (default 2) */
  layers?: number;
  activation?: ActivationName;
  /** smooth-leaky-relu slope (default 0.3) */
  alpha?: number;
  /** leaky-tanh parameters (defaults 1 and 0.1) */
  beta?: number;
  gamma?: number;
  base?: BaseName;
  /** biases on every layer (default true) */
  bias?: boolean;
  /** seed of the initialisation (default 0) */
  seed?: number;
  /**
   * weight initialisation: 'orthogonal' (default; Haar-random, O(D³) on the host) or
   * 'near-identity' (I + 0.1·G/√D, O(D²): for very large D where initialisation time matters)
   */
  init?: 'orthogonal' | 'near-identity';
  /** default: the backend's (cpu float64, gpu float32) */
  dtype?: DType;
  /**
   * any stack of layers (docs/layers.md), e.g. deepStack(); when given, `layers` counts its dense
   * layers and the activation settings are unused (they belong to activation specs)
   */
  stack?: (LayerSpec | ResolvedLayerSpec)[];
  /**
   * the context width C of a conditional flow p(x | c) (docs/conditional.md): its stack's layers
   * with a `context` option read c [B, C]; 0 or absent: unconditional
   */
  context?: number;
}

/** A `FlowConfig` with every default filled in (and its stack's specs resolved), as checkpoints and exports store it. */
export type ResolvedFlowConfig = Required<Omit<FlowConfig, 'dtype' | 'stack' | 'context'>> & { dtype: DType; stack?: ResolvedLayerSpec[]; context?: number };

/** Defaults filled in and every setting checked (messages say what was wrong), and the layer types the stack uses (built-in and user-defined). */
export function resolveConfigWithTypes(config: FlowConfig, defaultDtype: DType, user: readonly LayerDefinition[] = []): { config: ResolvedFlowConfig; types: LayerTypes } {
  if (config === null || typeof config !== 'object') throw new Error(`flow config: expected an object like { dim: 2 }, got ${String(config)}`);
  refuseUnknownKeys(config, CONFIG_KEYS, 'flow config');
  let types = layerTypes(user, 'layer types');
  let stack: ResolvedLayerSpec[] | undefined;
  if (config.stack !== undefined) {
    if (!Array.isArray(config.stack) || config.stack.length === 0) throw new Error('flow config: stack must be a non-empty list of layer specs');
    ({ stack, types } = resolveStack(config.stack, 'flow config: stack', user));
    const dense = stack.filter((s) => s.type === 'dense').length;
    if (config.layers !== undefined && config.layers !== dense) {
      throw new Error(`flow config: layers is ${config.layers} but the stack has ${dense} dense layers (leave layers out with a stack)`);
    }
  }
  const c = {
    dim: config.dim,
    layers: stack === undefined ? (config.layers ?? 2) : stack.filter((s) => s.type === 'dense').length,
    activation: config.activation ?? 'smooth-leaky-relu',
    alpha: config.alpha ?? 0.3,
    beta: config.beta ?? 1,
    gamma: config.gamma ?? 0.1,
    base: config.base ?? 'normal',
    bias: config.bias ?? true,
    seed: config.seed ?? 0,
    init: config.init ?? 'orthogonal',
    dtype: config.dtype ?? defaultDtype,
    ...(stack === undefined ? {} : { stack }),
    ...(config.context === undefined || config.context === 0 ? {} : { context: config.context }),
  };
  checkContextWidth(config.context, stack);
  if (c.init !== 'orthogonal' && c.init !== 'near-identity') throw new Error(`flow config: unknown init '${String(c.init)}'; expected orthogonal or near-identity`);
  if (!Number.isInteger(c.dim) || c.dim < 1) throw new Error(`flow config: dim must be a positive integer, got ${c.dim}`);
  if (!Number.isInteger(c.layers) || (c.layers < 1 && stack === undefined)) throw new Error(`flow config: layers must be a positive integer, got ${c.layers}`);
  if (!ACTIVATIONS.includes(c.activation)) {
    throw new Error(`flow config: unknown activation '${c.activation}'; expected one of ${ACTIVATIONS.join(', ')}`);
  }
  if (!BASES.includes(c.base)) throw new Error(`flow config: unknown base '${c.base}'; expected one of ${BASES.join(', ')}`);
  if (!isDType(c.dtype)) throw new Error(`flow config: unknown dtype '${String(c.dtype)}'`);
  assertSeed('flow config', c.seed);
  return { config: c, types };
}

/** A context width must be a non-negative integer, and > 0 exactly when some layer of the stack is conditional. */
function checkContextWidth(context: unknown, stack: readonly ResolvedLayerSpec[] | undefined): void {
  if (context !== undefined && (typeof context !== 'number' || !Number.isInteger(context) || context < 0)) {
    throw new Error(`flow config: context must be the context width (a non-negative integer), got ${JSON.stringify(context)}`);
  }
  const conditional = (stack ?? []).flatMap((spec, i) => ((spec as { context?: unknown }).context === undefined ? [] : [i]));
  if ((context ?? 0) === 0 && conditional.length > 0) {
    throw new Error(`flow config: stack[${conditional[0]}] (${stack![conditional[0]].type}) has a context conditioner but the flow has no context width: give { dim, context: C }`);
  }
  if ((context ?? 0) > 0 && conditional.length === 0) {
    throw new Error(`flow config: context is ${String(context)} but no layer of the stack reads it: give some layers a conditioner, e.g. { type: 'spline', context: { hidden: [64, 64] } }`);
  }
}

export function activationConfig(c: ResolvedFlowConfig): ActivationConfig {
  return { name: c.activation, alpha: c.alpha, beta: c.beta, gamma: c.gamma };
}
