// TensorFlow.js peer of the benchmark suite: the three gradients of docs/method.md written the way a
// tfjs user would write them, on tfjs-backend-cpu (plain JS) or tfjs-backend-wasm (XNNPACK, SIMD
// when the runtime has it, single-threaded in Node). Float32 throughout (tfjs has no float64).
//
//  - relative: docs/method.md, "Relative", exactly; O(L·B·D²). Transposed products use an explicit
//    tf.transpose then tf.matMul by default: tfjs-backend-wasm 4.22's matMul with transposeA or
//    transposeB leaves the fast XNNPACK path (measured ~10× slower at B = 100, D = 256..1024);
//    `createTfjsPeer(backend, { transposeFlags: true })` uses tf.matMul's flags instead.
//  - ordinary: G = (1/B) Δᵀ Z - W⁻ᵀ. tf.linalg has only bandPart, gramSchmidt and qr: no inverse,
//    solve, LU, determinant or triangular solve. W⁻ᵀ = (Wᵀ)⁻¹ is computed by Gauss-Jordan
//    elimination with partial pivoting written in tf ops (D steps, each a rank-1 update of the
//    D×2D augmented matrix; pivot rows chosen by argMax among unused rows, so no row swaps and no
//    host read-back inside the loop).
//  - autodiff: per-sample Jacobians J(x_n) = ∂s/∂x by tf.grad (the D cotangents batched: X tiled
//    D times, one backward pass with block one-hot cotangents), log|det J| by a tf.customGrad op
//    (forward: the same batched Gauss-Jordan, log|det| = Σ log|pivot|; backward: J⁻ᵀ, the textbook
//    rule), and tf.grads of the whole objective w.r.t. every W and b, which differentiates
//    through tfjs's own backward pass (second order; tfjs records a nested backward on the tape).
//
// Gradients: tfjs-core's Node entry (dist/tf-core.node.js) registers NO gradient functions, and
// neither do the backends; the @tensorflow/tfjs union package normally does it by importing
// '@tensorflow/tfjs-core/dist/register_all_gradients', an ES-module file with extensionless
// imports that Node cannot load. With only tfjs-core installed, tf.grad fails on any op
// ("gradient function not found for Sum"). The peer therefore bundles that file with esbuild (a
// dev dependency) once and imports the bundle; its copy of the core shares the global engine and
// gradient registry, so tfjs's own gradient functions get registered.
//
// Every result is read back with dataSync(), so a timed call includes the device sync.

import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { version_cpu } from '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths, version_wasm } from '@tensorflow/tfjs-backend-wasm';

export type TfjsBackendName = 'cpu' | 'wasm';

export interface PeerProblem {
  dim: number;
  batch: number;
  layers: number;
  seed: number;
  activation: 'smooth-leaky-relu';
  alpha: number;
  base: 'normal';
}

export interface PeerGradient {
  dW: Float32Array[];
  db: Float32Array[];
}

export interface PeerUnsupported {
  unsupported: string;
}

export interface TfjsPeerOptions {
  /** Use tf.matMul's transposeA/transposeB flags instead of an explicit tf.transpose (default false). */
  transposeFlags?: boolean;
}

export interface Peer {
  readonly name: string;
  readonly info: Record<string, string | number | boolean>;
  /** Uploads the parameters and the batch (W_l row-major D×D, b_l length D, x row-major B×D). */
  setup(problem: PeerProblem, W: Float32Array[], b: Float32Array[], x: Float32Array): void;
  /** One relative-gradient step: dW, db read back to the host (includes the device sync). */
  relative(): PeerGradient;
  /** Ordinary gradient; W⁻ᵀ by Gauss-Jordan with partial pivoting in tf ops (see `info.inverse`). */
  ordinary(): PeerGradient | PeerUnsupported;
  /** Autodiff baseline: per-sample Jacobians by tf.grad, log|det J|, tf.grads through it all. */
  autodiff(): PeerGradient | PeerUnsupported;
  dispose(): void;
}

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

let wasmPathsSet = false;
let gradientsLoaded: Promise<string | null> | null = null;

/**
 * Registers tfjs's own gradient functions (see the header); resolves to null on success or to
 * the reason they are unavailable (then autodiff() reports it as unsupported).
 */
function loadGradients(): Promise<string | null> {
  gradientsLoaded ??= (async (): Promise<string | null> => {
    if (tf.getGradient('Sum') != null) return null;
    try {
      const require = createRequire(import.meta.url);
      const entry = join(dirname(require.resolve('@tensorflow/tfjs-core/package.json')), 'dist', 'register_all_gradients.js');
      const { build } = await import('esbuild');
      const out = await build({ entryPoints: [entry], bundle: true, format: 'esm', platform: 'node', write: false, logLevel: 'silent' });
      await import(`data:text/javascript;base64,${Buffer.from(out.outputFiles[0].text).toString('base64')}`);
    } catch (err) {
      return `tfjs-core ${tf.version_core} registers no gradients in Node (tf.grad: 'gradient function not found'); bundling @tensorflow/tfjs-core/dist/register_all_gradients with esbuild failed: ${(err as Error).message}`;
    }
    return tf.getGradient('Sum') != null ? null : `tfjs-core ${tf.version_core}: the bundled register_all_gradients did not register into this engine's gradient registry`;
  })();
  return gradientsLoaded;
}

function wasmDir(): string {
  // main of @tensorflow/tfjs-backend-wasm is dist/tf-backend-wasm.node.js; the .wasm files sit beside it.
  const require = createRequire(import.meta.url);
  return dirname(require.resolve('@tensorflow/tfjs-backend-wasm')) + '/';
}

async function activate(backend: TfjsBackendName): Promise<void> {
  if (backend === 'wasm' && !wasmPathsSet) {
    setWasmPaths(wasmDir());
    wasmPathsSet = true;
  }
  const ok = await tf.setBackend(backend);
  if (!ok || tf.getBackend() !== backend) throw new Error(`tfjs peer: could not initialise the '${backend}' backend`);
  await tf.ready();
}

/** Makes `backend` current; it is already initialised, so tf.setBackend completes synchronously. */
function use(backend: TfjsBackendName): void {
  if (tf.getBackend() === backend) return;
  void tf.setBackend(backend);
  if (tf.getBackend() !== backend) throw new Error(`tfjs peer: switching to the '${backend}' backend did not complete synchronously`);
}

function host(t: tf.Tensor): Float32Array {
  const d = t.dataSync();
  return d instanceof Float32Array ? new Float32Array(d) : Float32Array.from(d);
}

/**
 * Runs `f` in a tf.tidy and reads its tensors back inside it. The host arrays must not be the
 * tidy's return value: tf.tidy walks a returned container element by element looking for
 * tensors, typed arrays included (measured: ~1.8 s of a 2 s call at D = 1024).
 */
function readBack(f: () => { dW: tf.Tensor[]; db: tf.Tensor[] }): PeerGradient {
  let out: PeerGradient | null = null;
  tf.tidy(() => {
    const g = f();
    out = { dW: g.dW.map(host), db: g.db.map(host) };
  });
  if (out === null) throw new Error('tfjs peer: no result');
  return out;
}

/**
 * Batched Gauss-Jordan with partial pivoting, in tf ops. M: [n, D, D]. Returns M⁻¹ [n, D, D] and
 * log|det M| [n]. Pivot k is the unused row with the largest |entry| in column k (argMax), so rows
 * are never swapped; the inverse's row k is the right half's row p_k (one gather at the end).
 */
function gaussJordan(M: tf.Tensor3D): { inv: tf.Tensor3D; logAbsDet: tf.Tensor1D } {
  const [n, D] = M.shape;
  let A = tf.concat([M, tf.tile(tf.expandDims(tf.eye(D), 0), [n, 1, 1])], 2) as tf.Tensor3D; // [n, D, 2D]
  let unused = tf.ones([n, D]) as tf.Tensor2D;
  let logAbsDet = tf.zeros([n]) as tf.Tensor1D;
  const pivots: tf.Tensor1D[] = [];
  const offsets = tf.range(0, n * D, D, 'int32') as tf.Tensor1D; // row offset of each matrix in [n·D, ·]
  for (let k = 0; k < D; k++) {
    const next = tf.tidy(() => {
      const col = tf.reshape(tf.slice(A, [0, 0, k], [n, D, 1]), [n, D]);
      const p = tf.argMax(tf.mul(tf.abs(col), unused), 1) as tf.Tensor1D; // [n] int32
      const ep = tf.cast(tf.oneHot(p, D), 'float32') as tf.Tensor2D; // [n, D]
      // pivot rows; a flat gather on axis 0, because tfjs-backend-wasm 4.22's GatherV2 with
      // batchDims = 1 is broken (tensorflow/tfjs#8658; here: 'memory access out of bounds')
      const flatIdx = tf.add(p, offsets);
      const row = tf.reshape(tf.gather(tf.reshape(A, [n * D, 2 * D]), flatIdx), [n, 1, 2 * D]);
      const piv = tf.sum(tf.mul(ep, col), 1); // [n]
      const rowN = tf.div(row, tf.reshape(piv, [n, 1, 1]));
      const f = tf.reshape(tf.sub(col, ep), [n, D, 1]);
      return {
        A: tf.sub(A, tf.matMul(f, rowN)) as tf.Tensor3D, // rank-1 update as a [D,1]·[1,2D] product
        unused: tf.sub(unused, ep) as tf.Tensor2D,
        logAbsDet: tf.add(logAbsDet, tf.log(tf.abs(piv))) as tf.Tensor1D,
        p,
      };
    });
    A.dispose();
    unused.dispose();
    logAbsDet.dispose();
    ({ A, unused, logAbsDet } = next);
    pivots.push(next.p);
  }
  const inv = tf.tidy(() => {
    const right = tf.reshape(tf.slice(A, [0, 0, D], [n, D, D]), [n * D, D]);
    const idx = tf.reshape(tf.add(tf.stack(pivots, 1), tf.reshape(offsets, [n, 1])), [n * D]); // [n·D]
    return tf.reshape(tf.gather(right, idx), [n, D, D]) as tf.Tensor3D;
  });
  A.dispose();
  unused.dispose();
  offsets.dispose();
  for (const p of pivots) p.dispose();
  return { inv, logAbsDet };
}

/** log|det J| per sample, J: [n, D, D]; gradient dy·J⁻ᵀ (first order is all the objective needs). */
const logAbsDetOp = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const J = args[0] as tf.Tensor3D;
  const save = args[1] as tf.GradSaveFunc;
  const { inv, logAbsDet } = gaussJordan(J);
  save([inv]);
  return {
    value: logAbsDet,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [n, D] = (saved[0] as tf.Tensor3D).shape;
      return tf.mul(tf.reshape(dy, [n, 1, 1]), tf.transpose(saved[0], [0, 2, 1]));
    },
  };
}) as (J: tf.Tensor3D) => tf.Tensor1D;

class TfjsPeer implements Peer {
  readonly name: string;
  readonly info: Record<string, string | number | boolean>;
  private problem: PeerProblem | null = null;
  private W: tf.Tensor2D[] = [];
  private b: tf.Tensor1D[] = [];
  private x: tf.Tensor2D | null = null;

  constructor(
    private readonly backend: TfjsBackendName,
    private readonly gradientsMissing: string | null,
    private readonly transposeFlags: boolean,
  ) {
    this.name = `tfjs-${backend}` + (transposeFlags ? '-tflags' : '');
    const env = tf.env();
    this.info = {
      'tfjs-core': tf.version_core,
      [`tfjs-backend-${backend}`]: backend === 'wasm' ? version_wasm : version_cpu,
      backend,
      dtype: 'float32',
      floatPrecision: tf.backend().floatPrecision(),
      simd: backend === 'wasm' ? env.getBool('WASM_HAS_SIMD_SUPPORT') : false,
      threads: backend === 'wasm' ? (env.getBool('WASM_HAS_MULTITHREAD_SUPPORT') ? 'multi' : 'single') : 'single (JS)',
      inverse: 'Gauss-Jordan, partial pivoting, tf ops',
      logdet: 'tf.customGrad: Gauss-Jordan forward, J^-T backward',
      jacobian: 'tf.grad over X tiled D times (batched VJPs)',
      transposes: transposeFlags ? 'tf.matMul transpose flags' : 'explicit tf.transpose before tf.matMul',
      gradients: gradientsMissing === null ? 'tfjs-core/dist/register_all_gradients, bundled by esbuild at load' : 'unavailable',
    };
  }

  setup(problem: PeerProblem, W: Float32Array[], b: Float32Array[], x: Float32Array): void {
    const { dim: D, batch: B, layers: L } = problem;
    if (problem.activation !== 'smooth-leaky-relu') throw new Error(`tfjs peer: unsupported activation '${String(problem.activation)}'`);
    if (problem.base !== 'normal') throw new Error(`tfjs peer: unsupported base '${String(problem.base)}'`);
    if (!(problem.alpha > 0 && problem.alpha < 1)) throw new Error(`tfjs peer: alpha must be in (0, 1), got ${problem.alpha}`);
    if (W.length !== L || b.length !== L) throw new Error(`tfjs peer: expected ${L} weight matrices and bias vectors, got ${W.length} and ${b.length}`);
    W.forEach((w, l) => {
      if (w.length !== D * D) throw new Error(`tfjs peer: W[${l}] has ${w.length} values, expected ${D * D}`);
    });
    b.forEach((v, l) => {
      if (v.length !== D) throw new Error(`tfjs peer: b[${l}] has ${v.length} values, expected ${D}`);
    });
    if (x.length !== B * D) throw new Error(`tfjs peer: x has ${x.length} values, expected ${B}×${D}`);
    this.release();
    use(this.backend);
    this.problem = { ...problem };
    this.W = W.map((w) => tf.tensor2d(w, [D, D], 'float32'));
    this.b = b.map((v) => tf.tensor1d(v, 'float32'));
    this.x = tf.tensor2d(x, [B, D], 'float32');
  }

  private ready(): { p: PeerProblem; x: tf.Tensor2D } {
    if (this.problem === null || this.x === null) throw new Error(`${this.name}: call setup() first`);
    use(this.backend);
    return { p: this.problem, x: this.x };
  }

  /** a·b with optional transposes (flags, or an explicit tf.transpose; see the header). */
  private mm(a: tf.Tensor, b: tf.Tensor, transposeA = false, transposeB = false): tf.Tensor {
    if (this.transposeFlags) return tf.matMul(a, b, transposeA, transposeB);
    return tf.matMul(transposeA ? tf.transpose(a) : a, transposeB ? tf.transpose(b) : b);
  }

  /** Forward pass keeping Z_{l-1} and Y_l (rows = samples): Y_l = Z_{l-1} W_lᵀ + b_l. */
  private forward(x: tf.Tensor2D, W: readonly tf.Tensor[], b: readonly tf.Tensor[], alpha: number): { zs: tf.Tensor[]; ys: tf.Tensor[] } {
    const zs: tf.Tensor[] = [x];
    const ys: tf.Tensor[] = [];
    for (let l = 0; l < W.length; l++) {
      const y = tf.add(this.mm(zs[l], W[l], false, true), b[l]);
      ys.push(y);
      if (l < W.length - 1) zs.push(tf.add(tf.mul(y, alpha), tf.mul(tf.softplus(y), 1 - alpha)));
    }
    return { zs, ys };
  }

  /** Δ_L = S (normal base); Δ_l = σ'(Y_l) ⊙ (Δ_{l+1} W_{l+1}) - σ''(Y_l)/σ'(Y_l). */
  private deltas(ys: tf.Tensor[], alpha: number): tf.Tensor[] {
    const L = ys.length;
    const out = new Array<tf.Tensor>(L);
    out[L - 1] = ys[L - 1];
    for (let l = L - 2; l >= 0; l--) {
      const s = tf.sigmoid(ys[l]);
      const d1 = tf.add(tf.mul(s, 1 - alpha), alpha);
      const dLog = tf.div(tf.mul(tf.mul(s, tf.sub(1, s)), 1 - alpha), d1);
      out[l] = tf.sub(tf.mul(d1, tf.matMul(out[l + 1], this.W[l + 1])), dLog);
    }
    return out;
  }

  relative(): PeerGradient {
    const { p, x } = this.ready();
    return readBack(() => {
      const B = p.batch;
      const { ys } = this.forward(x, this.W, this.b, p.alpha);
      const deltas = this.deltas(ys, p.alpha);
      const dW: tf.Tensor[] = [];
      const db: tf.Tensor[] = [];
      for (let l = 0; l < p.layers; l++) {
        const y = ys[l];
        const delta = deltas[l];
        // dW = (1/B) Δᵀ (Y W) - W
        const deltaT = this.transposeFlags ? null : tf.transpose(delta); // Δᵀ once for both products
        const tmm = (m: tf.Tensor): tf.Tensor => (deltaT === null ? tf.matMul(delta, m, true, false) : tf.matMul(deltaT, m));
        dW.push(tf.sub(tf.div(tmm(tf.matMul(y, this.W[l])), B), this.W[l]));
        // db = (1/B) Δᵀ (Y b) + g - b,  g = (1/B) Δᵀ 1
        const yb = tf.matMul(y, tf.reshape(this.b[l], [p.dim, 1]));
        const term = tf.reshape(tf.div(tmm(yb), B), [p.dim]);
        db.push(tf.sub(tf.add(term, tf.mean(delta, 0)), this.b[l]));
      }
      return { dW, db };
    });
  }

  ordinary(): PeerGradient {
    const { p, x } = this.ready();
    return readBack(() => {
      const B = p.batch;
      const D = p.dim;
      const { zs, ys } = this.forward(x, this.W, this.b, p.alpha);
      const deltas = this.deltas(ys, p.alpha);
      const dW: tf.Tensor[] = [];
      const db: tf.Tensor[] = [];
      for (let l = 0; l < p.layers; l++) {
        const invT = gaussJordan(tf.reshape(tf.transpose(this.W[l]), [1, D, D]) as tf.Tensor3D); // (Wᵀ)⁻¹ = W⁻ᵀ
        const wInvT = tf.reshape(invT.inv, [D, D]);
        dW.push(tf.sub(tf.div(this.mm(deltas[l], zs[l], true, false), B), wInvT));
        db.push(tf.mean(deltas[l], 0));
      }
      return { dW, db };
    });
  }

  autodiff(): PeerGradient | PeerUnsupported {
    const { p, x } = this.ready();
    if (this.gradientsMissing !== null) return { unsupported: this.gradientsMissing };
    try {
      return readBack(() => {
        const { dim: D, batch: B, layers: L, alpha } = p;
        // D copies of the batch (block i = X) and block one-hot cotangents: one backward pass of
        // f over the tiled batch gives, in block i, row i of every per-sample Jacobian.
        const Xr = tf.tile(x, [D, 1]) as tf.Tensor2D; // [D·B, D]
        const blockIdx = tf.reshape(tf.tile(tf.reshape(tf.range(0, D, 1, 'int32'), [D, 1]), [1, B]), [D * B]) as tf.Tensor1D;
        const dy = tf.cast(tf.oneHot(blockIdx, D), 'float32') as tf.Tensor2D; // [D·B, D]
        const loss = (...params: tf.Tensor[]): tf.Scalar => {
          const Ws = params.slice(0, L);
          const bs = params.slice(L);
          const f = (X: tf.Tensor): tf.Tensor => {
            const { ys } = this.forward(X as tf.Tensor2D, Ws, bs, alpha);
            return ys[L - 1];
          };
          const Jr = tf.grad(f)(Xr, dy); // [D·B, D]: Jr[i·B + n, j] = ∂s_{n,i}/∂x_{n,j}
          const J = tf.transpose(tf.reshape(Jr, [D, B, D]), [1, 0, 2]) as tf.Tensor3D; // [B, D, D]
          const logDet = logAbsDetOp(J); // [B]
          const s = f(x);
          const logBase = tf.sum(tf.sub(tf.mul(tf.square(s), -0.5), HALF_LOG_2PI), 1); // [B]
          return tf.neg(tf.mean(tf.add(logBase, logDet))) as tf.Scalar;
        };
        const grads = tf.grads(loss)([...this.W, ...this.b]);
        return { dW: grads.slice(0, L), db: grads.slice(L) };
      });
    } catch (err) {
      return { unsupported: `tfjs ${tf.version_core} (${this.backend}): second-order gradient through tf.grad failed: ${(err as Error).message}` };
    }
  }

  private release(): void {
    for (const t of [...this.W, ...this.b]) t.dispose();
    this.x?.dispose();
    this.W = [];
    this.b = [];
    this.x = null;
    this.problem = null;
  }

  dispose(): void {
    this.release();
  }
}

/** Initialises the tfjs backend (wasm: binaries from the installed package, SIMD when available). */
export async function createTfjsPeer(backend: TfjsBackendName, options: TfjsPeerOptions = {}): Promise<Peer> {
  if (backend !== 'cpu' && backend !== 'wasm') throw new Error(`tfjs peer: unknown backend '${String(backend)}'; expected 'cpu' or 'wasm'`);
  await activate(backend);
  return new TfjsPeer(backend, await loadGradients(), options.transposeFlags ?? false);
}
