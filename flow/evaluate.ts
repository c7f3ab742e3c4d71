// Test log-likelihood: mean of log p(x_n) ± 2·std/√N (the convention of the MAF paper); for a
// conditional flow the data is `{ x, context }` and the numbers are log p(x_n | c_n).

import { tidy } from '../engine/scope.js';
import { rowsToTensor, type DataInput, type HostMatrix } from './matrix.js';
import type { Flow } from './model.js';
import { checkContext, hostRows, isConditionalData, type ConditionalData } from './context.js';

/** A test log-likelihood: the mean of log p(x_n) in nats ± 2·std/√N over N samples (the MAF paper's convention). */
export interface Evaluation {
  /** mean log-likelihood in nats */
  mean: number;
  /** 2·std/√N */
  err: number;
  n: number;
  /** number of samples whose log p is not finite (they make mean NaN/-Infinity) */
  nonFinite: number;
}

/**
 * Per-sample log p(x) (a conditional flow: log p(x | c), data `{ x, context }`) in batches (host
 * array). The rows are checked once here (columns, finiteness, context shape); the batches then
 * go straight to the flow's log-density, one read-back each.
 */
export function logProbs(flow: Flow, data: DataInput | ConditionalData, batchSize = 1000): Float64Array {
  const conditional = isConditionalData(data);
  const xs = conditional ? data.x : data;
  const m = hostRows('evaluate', xs); // finite, or an error naming row and column
  if (m.cols !== flow.dim) throw new Error(`evaluate: data has ${m.cols} columns, the flow has dim ${flow.dim}`);
  if (m.rows === 0) throw new Error('evaluate: the data is empty (0 rows): a mean log-likelihood needs at least 1 row');
  const context = checkContext('evaluate', conditional ? data.context : undefined, flow.contextDim, m.rows);
  return logProbsOfChecked(flow, m, context, batchSize);
}

/** log p per row of rows already checked (columns, finiteness, context shape), `batchSize` rows at a time. */
function logProbsOfChecked(flow: Flow, m: HostMatrix, context: HostMatrix | undefined, batchSize: number): Float64Array {
  const out = new Float64Array(m.rows);
  const P = flow.layerParams;
  for (let start = 0; start < m.rows; start += batchSize) {
    const end = Math.min(m.rows, start + batchSize);
    const values = tidy(() => {
      const x = rowsToTensor(m, null, start, end, flow.dtype, flow.backend);
      const c = context === undefined ? undefined : rowsToTensor(context, null, start, end, flow.dtype, flow.backend);
      return flow.logProbWith(x, P, c).dataSync();
    });
    out.set(values, start);
  }
  return out;
}

/** Mean ± 2·std/√N of per-sample log-likelihoods (nats), counting the non-finite ones. */
export function summarize(values: Float64Array): Evaluation {
  const n = values.length;
  let sum = 0;
  let nonFinite = 0;
  for (const v of values) {
    sum += v;
    if (!Number.isFinite(v)) nonFinite++;
  }
  const mean = sum / n;
  let ss = 0;
  for (const v of values) ss += (v - mean) * (v - mean);
  const std = n > 1 ? Math.sqrt(ss / (n - 1)) : 0;
  return { mean, err: (2 * std) / Math.sqrt(n), n, nonFinite };
}

/** The flow's mean log-likelihood in nats on `data` ([N, D] rows, or `{ x, context }` for a conditional flow), ± 2·std/√N; `batchSize` rows at a time. */
export function evaluate(flow: Flow, data: DataInput | ConditionalData, batchSize = 1000): Evaluation {
  return summarize(logProbs(flow, data, batchSize));
}

/**
 * evaluate() on host rows in batches of `batchSize`, awaiting `between()` after each (train() hands
 * the thread back there, so a large validation set does not freeze a page). The rows are those
 * train() checked where they entered (columns, finiteness, context), so they are not checked
 * again. Each row's log p is the same in any batch up to rounding (a batch in the CPU backend's
 * shared memory runs the SIMD kernels, a small one JavaScript), so the result equals evaluate()'s
 * to about 1e-15 relative.
 */
export async function evaluatePaced(flow: Flow, m: HostMatrix, batchSize: number, between: () => Promise<void>, context?: HostMatrix): Promise<Evaluation> {
  const out = new Float64Array(m.rows);
  const rows = (a: HostMatrix, start: number, end: number): HostMatrix => ({ data: a.data.subarray(start * a.cols, end * a.cols), rows: end - start, cols: a.cols });
  for (let start = 0; start < m.rows; start += batchSize) {
    const end = Math.min(m.rows, start + batchSize);
    out.set(logProbsOfChecked(flow, rows(m, start, end), context === undefined ? undefined : rows(context, start, end), batchSize), start);
    await between();
  }
  return summarize(out);
}
