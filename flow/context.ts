// The context of a conditional flow p(x | c) (docs/conditional.md) as callers give it: a [B, C]
// tensor, a host matrix, plain rows ([[0.3, 1.2], …]) or, where one row serves every sample, a
// plain list of C numbers. Checked here once, with messages that name both shapes: a context given
// to an unconditional flow, none given to a conditional one, a wrong width or a wrong row count.

import { Tensor } from '../engine/tensor.js';
import { fmt } from '../engine/shape.js';
import { assertFinite, assertHostMatrix, toHostMatrix, type DataInput, type HostMatrix } from './matrix.js';
import { hostMatrixOfRows, type NestedRows } from './rows.js';

/** Context rows: a [B, C] tensor, a host matrix, plain rows, or one row of C numbers (shared by every sample). */
export type ContextInput = DataInput | NestedRows | readonly number[];

/** Data with its context rows, row n of `context` belonging to row n of `x` (train, evaluate). */
export interface ConditionalData {
  x: DataInput | NestedRows;
  context: DataInput | NestedRows;
}

/** Options of a flow method that takes a context. */
export interface ContextOptions {
  /** the context rows of a conditional flow (one per sample); refused for an unconditional flow */
  context?: ContextInput;
}

/** True for `{ x, context }` data (as opposed to a bare matrix, tensor or rows). */
export function isConditionalData(data: unknown): data is ConditionalData {
  return data !== null && typeof data === 'object' && !(data instanceof Tensor) && !Array.isArray(data) && 'x' in data && 'context' in data;
}

/** A host matrix from any data form (rows are samples), its values checked finite, named `what`. */
export function hostRows(what: string, input: DataInput | NestedRows | readonly number[]): HostMatrix {
  if (Array.isArray(input)) {
    const rows = input.length > 0 && typeof input[0] === 'number' ? [input as number[]] : (input as NestedRows);
    const m = hostMatrixOfRows(what, rows);
    assertFinite(what, m);
    return m;
  }
  if (input instanceof Tensor) {
    if (input.rank !== 2) throw new Error(`${what}: expected a matrix [rows, columns], got a tensor of shape ${fmt(input.shape)}`);
    const m = toHostMatrix(input);
    assertFinite(what, m);
    return m;
  }
  if (input === null || typeof input !== 'object') throw new Error(`${what}: expected rows (a tensor, a host matrix or nested arrays), got ${input === null ? 'null' : typeof input}`);
  assertHostMatrix(what, input as HostMatrix);
  assertFinite(what, input as HostMatrix);
  return input as HostMatrix;
}

/**
 * The context for `rows` samples of a flow with context width `contextDim`, checked (see the
 * header); `shareOneRow` lets a single row stand for every sample (sample()). Undefined for an
 * unconditional flow.
 */
export function checkContext(op: string, context: ContextInput | undefined, contextDim: number, rows: number, shareOneRow = false): HostMatrix | undefined {
  if (contextDim === 0) {
    if (context !== undefined) throw new Error(`${op}: this flow is unconditional (context width 0) but a context was given; build it with Flow.fromLayers(stack, { dim, context: C }) to condition on one`);
    return undefined;
  }
  if (context === undefined) throw new Error(`${op}: this flow is conditional (context width ${contextDim}): pass { context } with ${rows} row${rows === 1 ? '' : 's'} of ${contextDim} values`);
  const m = hostRows(`${op}: context`, context);
  if (m.cols !== contextDim) throw new Error(`${op}: context has shape [${m.rows}, ${m.cols}], the flow's context width is ${contextDim} (expected [${rows}, ${contextDim}])`);
  if (m.rows === rows) return m;
  if (shareOneRow && m.rows === 1) {
    const data = new Float64Array(rows * contextDim);
    for (let r = 0; r < rows; r++) data.set(m.data.subarray(0, contextDim), r * contextDim);
    return { data, rows, cols: contextDim };
  }
  throw new Error(`${op}: context has shape [${m.rows}, ${m.cols}] but the data has ${rows} rows (expected [${rows}, ${contextDim}]${shareOneRow ? ` or one row [1, ${contextDim}] for every sample` : ''})`);
}
