// A layer type: everything about one kind of layer in one object — its name, its options (checked,
// with defaults), its named parameter shapes, how to build the runnable layer, a label for
// summaries and, optionally, a start from data. Built-in types live in builtin.ts's constant
// table; a user's type comes from defineLayer (define.ts) and is passed explicitly (a stack entry
// `{ type: myLayer }`, or `{ layers: [myLayer] }` when loading): nothing is registered globally.

import type { HostMatrix } from '../matrix.js';
import type { Layer, LayerContext, StoredLayerSpec } from './layer.js';

/** One parameter's name and shape. */
export interface ParamLayout {
  name: string;
  shape: number[];
}

/** Where a layer sits among the layers of its own type in a stack (for data-dependent starts). */
export interface StackPosition {
  /** the number of earlier layers of the same type */
  sameTypeBefore: number;
}

/** A layer type. `S` is its resolved spec (every option filled in). */
export interface LayerDefinition<S extends StoredLayerSpec = StoredLayerSpec> {
  /** the name checkpoints and configs record; unique among the types a flow uses */
  readonly type: string;
  /** one line: what the layer computes */
  readonly description: string;
  /** its option keys (besides `type`); any other key is refused */
  readonly options: readonly string[];
  /** Checks a spec's option values and fills the defaults; throws naming `where` and the option. */
  resolve(spec: StoredLayerSpec, where: string): S;
  /** The parameters' names and shapes at dimension `dim` (context width `contextDim`, default 0), in the layer's order. */
  parameters(spec: S, dim: number, contextDim?: number): ParamLayout[];
  /** A short label for summaries, e.g. 'spline(8 bins, ±4)'. */
  label(spec: S): string;
  /** The runnable layer. */
  build(spec: S, ctx: LayerContext): Layer;
  /**
   * Optional data-dependent start (flow/init-data.ts): the layer's parameters from the training
   * rows as they arrive at its input (float64 on the host), or null to keep its own. It may give
   * only its leading parameters: the rest (a conditional layer's conditioner) are kept.
   */
  initFromData?(layer: Layer, input: () => HostMatrix<Float64Array>, position: StackPosition): Float64Array[] | null;
}
