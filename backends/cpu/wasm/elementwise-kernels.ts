// WebAssembly SIMD element-wise kernels for the training step, emitted into the GEMM's module so
// that the worker threads have them too: one Adam step, the value, log σ' and input-gradient
// passes of σ(y) = αy + (1−α)·softplus(y) (a smooth leaky ReLU), and a full sum (train's
// finiteness check sums every new parameter). In JavaScript each element pays for V8's scalar
// Math.exp and Math.log1p (a polynomial in JavaScript is no faster: its Horner chain is
// latency-bound); here 4 (f32) or 2 (f64) lanes go through the same chain. The vector exp and logs are in simd-math.ts.
//
// Signatures (byte addresses, `count` whole vectors; the caller finishes a tail in JavaScript):
//   <dt>_adam(p, d, m, v, po, mo, vo, count, rate, epsHat, beta1, beta2)   as adamRange
//   <dt>_slrelu_value(y, out, count, alpha)                               as pointwiseRange pass 0
//   <dt>_slrelu_log_derivative(y, out, count, alpha)                      as pointwiseRange pass 1
//   <dt>_slrelu_input_gradient(y, back, out, count, alpha)                as pointwiseRange pass 2
// (the softplus map with inner 1 and outer 1 − alpha: σ = αy + (1−α)·softplus(y)).
//   <dt>_sum(x, count) → Σ x in float64                                  the finiteness check's sums

import { Code, F64, I32, V128, type FuncDef, type ValType } from './emit.js';
import { expNonPositive, Lanes, Locals, log1pUnit, logPositive, type Tmp } from './simd-math.js';

export type AdamKernel = (
  p: number, d: number, m: number, v: number, po: number, mo: number, vo: number, count: number,
  rate: number, epsHat: number, beta1: number, beta2: number,
) => void;
export type ActivationValueKernel = (y: number, out: number, count: number, alpha: number) => void;
export type ActivationBackpropKernel = (y: number, back: number, out: number, count: number, alpha: number) => void;

export interface ElementwiseExports {
  f64_adam: AdamKernel;
  f32_adam: AdamKernel;
  f64_slrelu_value: ActivationValueKernel;
  f32_slrelu_value: ActivationValueKernel;
  f64_slrelu_input_gradient: ActivationBackpropKernel;
  f64_slrelu_log_derivative: ActivationValueKernel;
  f32_slrelu_log_derivative: ActivationValueKernel;
  f32_slrelu_input_gradient: ActivationBackpropKernel;
  /** Σ of `count` whole vectors at byte address x, in float64. */
  f64_sum: (x: number, count: number) => number;
  f32_sum: (x: number, count: number) => number;
}

/** A loop over `count` vectors at byte offset OFF (local), body emitted by `each`. */
function vectorLoop(c: Code, count: number, off: number, end: number, each: () => void): void {
  c.i32(0).set(off);
  c.get(count).i32(16).i32Mul().set(end);
  c.block();
  c.get(off).get(end).i32LtU().i32Eqz().brIf(0);
  c.loop();
  each();
  c.get(off).i32(16).i32Add().tee(off).get(end).i32LtU().brIf(0);
  c.end();
  c.end();
}

function load(c: Code, base: number, off: number): Code {
  return c.get(base).get(off).i32Add().v128Load(0);
}

function adamKernel(f64: boolean): FuncDef {
  const P = 0, D = 1, M = 2, V = 3, PO = 4, MO = 5, VO = 6, COUNT = 7, RATE = 8, EPS = 9, B1 = 10, B2 = 11;
  const loc = new Locals(12);
  const OFF = loc.add(I32), END = loc.add(I32);
  const vRate = loc.add(V128), vEps = loc.add(V128), vB1 = loc.add(V128), vB2 = loc.add(V128), vA1 = loc.add(V128), vA2 = loc.add(V128);
  const G = loc.add(V128), MI = loc.add(V128), VI = loc.add(V128);
  const c = new Code();
  const L = new Lanes(c, f64);
  L.splat(RATE).set(vRate);
  L.splat(EPS).set(vEps);
  L.splat(B1).set(vB1);
  L.splat(B2).set(vB2);
  // 1 − β in f64, then splat (as adamRange computes it)
  c.f64Const(1).get(B1).f64Sub();
  if (f64) c.f64x2Splat(); else c.f32DemoteF64().f32x4Splat();
  c.set(vA1);
  c.f64Const(1).get(B2).f64Sub();
  if (f64) c.f64x2Splat(); else c.f32DemoteF64().f32x4Splat();
  c.set(vA2);
  vectorLoop(c, COUNT, OFF, END, () => {
    load(c, D, OFF).set(G);
    // m' = β1·m + (1−β1)·g;  v' = β2·v + (1−β2)·g²
    c.get(vB1);
    load(c, M, OFF);
    L.mul();
    c.get(vA1).get(G);
    L.mul();
    L.add();
    c.set(MI);
    c.get(vB2);
    load(c, V, OFF);
    L.mul();
    c.get(vA2).get(G);
    L.mul();
    c.get(G);
    L.mul();
    L.add();
    c.set(VI);
    c.get(MO).get(OFF).i32Add().get(MI).v128Store(0);
    c.get(VO).get(OFF).i32Add().get(VI).v128Store(0);
    // p' = p − rate·m'/(√v' + epsHat)
    c.get(PO).get(OFF).i32Add();
    load(c, P, OFF);
    c.get(vRate).get(MI);
    L.mul();
    c.get(VI);
    L.sqrt();
    c.get(vEps);
    L.add();
    L.div();
    L.sub();
    c.v128Store(0);
  });
  return { name: `${f64 ? 'f64' : 'f32'}_adam`, params: [...new Array<ValType>(8).fill(I32), F64, F64, F64, F64], results: [], locals: loc.types, body: c };
}

/** value (pass 0), log-derivative (pass 1) or input gradient (pass 2) of σ(y) = αy + (1−α)·softplus(y). */
function smoothLeakyReluKernel(f64: boolean, pass: 'value' | 'log-derivative' | 'input-gradient'): FuncDef {
  const inputGradient = pass === 'input-gradient';
  const Y = 0, BACK = 1, OUT = inputGradient ? 2 : 1, COUNT = inputGradient ? 3 : 2, ALPHA = inputGradient ? 4 : 3;
  const loc = new Locals(ALPHA + 1);
  const OFF = loc.add(I32), END = loc.add(I32);
  const vAl = loc.add(V128), vBl = loc.add(V128), Yv = loc.add(V128), E = loc.add(V128), S = loc.add(V128), Dv = loc.add(V128);
  const t: Tmp = { x: loc.add(V128), k: loc.add(V128), r: loc.add(V128), w: loc.add(V128), p: loc.add(V128) };
  const c = new Code();
  const L = new Lanes(c, f64);
  L.splat(ALPHA).set(vAl);
  c.f64Const(1).get(ALPHA).f64Sub();
  if (f64) c.f64x2Splat(); else c.f32DemoteF64().f32x4Splat();
  c.set(vBl);
  /** Sets S = s = 1/(1+e) (y ≥ 0) or e/(1+e), the sigmoid from e = exp(−|y|), and pushes σ' = α + (1−α)s. */
  const derivative = (): void => {
    L.k(1);
    c.get(E);
    L.k(1);
    L.add();
    L.div();
    c.set(t.r); // 1/(1+e)
    c.get(t.r);
    c.get(E).get(t.r);
    L.mul();
    c.get(Yv);
    L.k(0);
    L.ge();
    c.v128Bitselect();
    c.set(S);
    c.get(vAl).get(vBl).get(S);
    L.mul();
    L.add();
  };
  vectorLoop(c, COUNT, OFF, END, () => {
    load(c, Y, OFF).set(Yv);
    c.get(Yv);
    L.abs();
    L.neg();
    expNonPositive(L, t);
    c.set(E); // e = exp(−|y|)
    c.get(OUT).get(OFF).i32Add();
    if (pass === 'log-derivative') {
      // log σ' = log(α + (1−α)s)
      derivative();
      logPositive(L, t);
    } else if (!inputGradient) {
      // αy + (1−α)(max(y, 0) + log1p(e))
      c.get(vAl).get(Yv);
      L.mul();
      c.get(vBl);
      c.get(Yv);
      L.k(0);
      L.max();
      c.get(E);
      log1pUnit(L, t);
      L.add();
      L.mul();
      L.add();
    } else {
      // out = d·back − (1−α)s(1−s)/d, d = σ' = α + (1−α)s
      derivative();
      c.set(Dv);
      c.get(Dv);
      load(c, BACK, OFF);
      L.mul();
      c.get(vBl).get(S);
      L.mul();
      L.k(1);
      c.get(S);
      L.sub();
      L.mul();
      c.get(Dv);
      L.div();
      L.sub();
    }
    c.v128Store(0);
  });
  const params: ValType[] = [...new Array<ValType>(inputGradient ? 4 : 3).fill(I32), F64];
  return { name: `${f64 ? 'f64' : 'f32'}_slrelu_${pass.replace('-', '_')}`, params, results: [], locals: loc.types, body: c };
}

/** Σ x over `count` vectors, accumulated in float64 (two f64x2 partial sums). */
function sumKernel(f64: boolean): FuncDef {
  const X = 0, COUNT = 1;
  const loc = new Locals(2);
  const OFF = loc.add(I32), END = loc.add(I32), A0 = loc.add(V128), A1 = loc.add(V128);
  const c = new Code();
  c.v128Zero().set(A0).v128Zero().set(A1);
  vectorLoop(c, COUNT, OFF, END, () => {
    if (f64) {
      c.get(A0);
      load(c, X, OFF);
      c.f64x2Add().set(A0);
    } else {
      // lanes 0–1 and 2–3 of the vector, each widened to f64x2
      c.get(A0).get(X).get(OFF).i32Add().v128Load64Zero(0).f64x2PromoteLowF32x4().f64x2Add().set(A0);
      c.get(A1).get(X).get(OFF).i32Add().v128Load64Zero(8).f64x2PromoteLowF32x4().f64x2Add().set(A1);
    }
  });
  c.get(A0).get(A1).f64x2Add().set(A0);
  c.get(A0).f64x2ExtractLane(0).get(A0).f64x2ExtractLane(1).f64Add();
  return { name: `${f64 ? 'f64' : 'f32'}_sum`, params: [I32, I32], results: [F64], locals: loc.types, body: c };
}

/** The element-wise kernels of both dtypes. */
export function elementwiseKernels(): FuncDef[] {
  return [false, true].flatMap((f64) => [
    adamKernel(f64), smoothLeakyReluKernel(f64, 'value'), smoothLeakyReluKernel(f64, 'log-derivative'), smoothLeakyReluKernel(f64, 'input-gradient'), sumKernel(f64),
  ]);
}

/**
 * Elements [0, count) of a pointwise pass (fused.ts pointwiseRange) on arrays in linear memory
 * (byte addresses): the SIMD kernel over whole vectors, then `tail(from)` for the rest in
 * JavaScript. The kernels cover σ(y) = αy + (1−α)·softplus(y) (base softplus, inner 1,
 * outer 1 − α); false for any other map, and for log σ' with α below 1e-30: the caller runs
 * JavaScript. Self-contained: the worker threads evaluate its source.
 */
export function pointwiseSimd(
  ex: ElementwiseExports, f64: boolean, pass: number, base: number, linear: number, outer: number, inner: number,
  y: number, back: number, out: number, count: number, tail: (from: number) => void,
): boolean {
  const alpha = linear;
  // log σ' reads the bits of α + (1−α)s, which must be a normal number
  if (base !== 0 || inner !== 1 || outer !== 1 - alpha || (pass === 1 && !(alpha >= 1e-30))) return false;
  const vectors = Math.floor(count / (f64 ? 2 : 4));
  if (pass === 0) (f64 ? ex.f64_slrelu_value : ex.f32_slrelu_value)(y, out, vectors, alpha);
  else if (pass === 1) (f64 ? ex.f64_slrelu_log_derivative : ex.f32_slrelu_log_derivative)(y, out, vectors, alpha);
  else (f64 ? ex.f64_slrelu_input_gradient : ex.f32_slrelu_input_gradient)(y, back, out, vectors, alpha);
  tail(vectors * (f64 ? 2 : 4));
  return true;
}

/** Elements [0, count) of an Adam step on arrays in linear memory (byte addresses); as pointwiseSimd. */
export function adamSimd(
  ex: ElementwiseExports, f64: boolean, p: number, d: number, m: number, v: number, po: number, mo: number, vo: number,
  count: number, rate: number, epsHat: number, beta1: number, beta2: number, tail: (from: number) => void,
): void {
  const vectors = Math.floor(count / (f64 ? 2 : 4));
  (f64 ? ex.f64_adam : ex.f32_adam)(p, d, m, v, po, mo, vo, vectors, rate, epsHat, beta1, beta2);
  tail(vectors * (f64 ? 2 : 4));
}
