// WebAssembly SIMD element-wise kernels for the training step, emitted into the GEMM's module so
// that the worker threads have them too: one Adam step, the smooth leaky ReLU's value, log σ'
// and backprop passes, and a full sum (train's finiteness check sums every new parameter). In JavaScript these run at 20–60 ns an element on the 2-core EPYC (V8's
// Math.exp and Math.log1p alone take ~22 ns each there; a polynomial in JavaScript is no faster,
// its Horner chain is latency-bound); here 4 (f32) or 2 (f64) lanes go through the same chain.
//
// e^x for x ≤ 0: x clamped to the smallest normal's logarithm, x = k·ln 2 + r with k = round(x/ln 2)
// (ln 2 split in two so that r is exact), e^r by Cephes' expf polynomial (f32, ~1 ulp) or exp's
// Padé form 1 + 2r·P(r²)/(Q(r²) − r·P(r²)) (f64, ~1 ulp), times 2^k built in the exponent bits.
// log(1 + e) for 0 ≤ e ≤ 1: 2·atanh(z) with z = e/(2 + e) ≤ 1/3, its odd series in w = z² up to
// w⁷ (f32) or w¹⁶ (f64): truncation below 2e-9 and 2e-18 relative. log u for u > 0 (log σ'):
// the exponent read off the bits, the mantissa's log by the same series (see logPositive).
// Source: S. L. Moshier, Cephes Math Library (expf.c, exp.c); series: Abramowitz & Stegun 4.1.27.
//
// Signatures (byte addresses, `count` whole vectors; the caller finishes a tail in JavaScript):
//   <dt>_adam(p, d, m, v, po, mo, vo, count, rate, epsHat, beta1, beta2)   as adamRange
//   <dt>_slrelu_value(y, out, count, alpha)                               as activationRange pass 0
//   <dt>_slrelu_log_derivative(y, out, count, alpha)                      as activationRange pass 1
//   <dt>_slrelu_backprop(y, back, out, count, alpha)                      as activationRange pass 2
//   <dt>_sum(x, count) → Σ x in float64                                  the finiteness check's sums

import { Code, F64, I32, V128, type FuncDef, type ValType } from './emit.js';

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
  f64_slrelu_backprop: ActivationBackpropKernel;
  f64_slrelu_log_derivative: ActivationValueKernel;
  f32_slrelu_log_derivative: ActivationValueKernel;
  f32_slrelu_backprop: ActivationBackpropKernel;
  /** Σ of `count` whole vectors at byte address x, in float64. */
  f64_sum: (x: number, count: number) => number;
  f32_sum: (x: number, count: number) => number;
}

/** Lane-type-generic instruction names over one Code. */
class Lanes {
  constructor(readonly c: Code, readonly f64: boolean) {}
  add(): Code { return this.f64 ? this.c.f64x2Add() : this.c.f32x4Add(); }
  sub(): Code { return this.f64 ? this.c.f64x2Sub() : this.c.f32x4Sub(); }
  mul(): Code { return this.f64 ? this.c.f64x2Mul() : this.c.f32x4Mul(); }
  div(): Code { return this.f64 ? this.c.f64x2Div() : this.c.f32x4Div(); }
  sqrt(): Code { return this.f64 ? this.c.f64x2Sqrt() : this.c.f32x4Sqrt(); }
  abs(): Code { return this.f64 ? this.c.f64x2Abs() : this.c.f32x4Abs(); }
  neg(): Code { return this.f64 ? this.c.f64x2Neg() : this.c.f32x4Neg(); }
  max(): Code { return this.f64 ? this.c.f64x2Max() : this.c.f32x4Max(); }
  nearest(): Code { return this.f64 ? this.c.f64x2Nearest() : this.c.f32x4Nearest(); }
  ge(): Code { return this.f64 ? this.c.f64x2Ge() : this.c.f32x4Ge(); }
  gt(): Code { return this.f64 ? this.c.f64x2Gt() : this.c.f32x4Gt(); }
  eq(): Code { return this.f64 ? this.c.f64x2Eq() : this.c.f32x4Eq(); }
  k(value: number): Code { return this.f64 ? this.c.f64x2Const(value) : this.c.f32x4Const(value); }
  /** Splat of an f64 parameter. */
  splat(local: number): Code { return this.f64 ? this.c.get(local).f64x2Splat() : this.c.get(local).f32DemoteF64().f32x4Splat(); }
  /** Horner: acc = ((c0·x + c1)·x + …)·x + c_last, x in a local. */
  horner(x: number, coeffs: readonly number[]): Code {
    this.k(coeffs[0]);
    for (let i = 1; i < coeffs.length; i++) {
      this.c.get(x);
      this.mul();
      this.k(coeffs[i]);
      this.add();
    }
    return this.c;
  }
}

/** Allocates locals after the parameters. */
class Locals {
  readonly types: ValType[] = [];
  constructor(private readonly first: number) {}
  add(t: ValType): number {
    this.types.push(t);
    return this.first + this.types.length - 1;
  }
}

/** Scratch vector locals the exp/log1p emitters use. */
interface Tmp {
  x: number;
  k: number;
  r: number;
  w: number;
  p: number;
}

/** Pops x (≤ 0) and pushes e^x; uses tmp.x, tmp.k, tmp.r, tmp.w, tmp.p. */
function expNonPositive(L: Lanes, t: Tmp): void {
  const c = L.c;
  if (!L.f64) {
    L.k(-87.33654); // log of the smallest normal float32
    L.max();
    c.set(t.x);
    c.get(t.x);
    L.k(Math.LOG2E);
    L.mul();
    L.nearest();
    c.set(t.k);
    // r = x − k·C1 − k·C2, C1 + C2 = ln 2 (C1 exact in a few bits)
    c.get(t.x).get(t.k);
    L.k(0.693359375);
    L.mul();
    L.sub();
    c.get(t.k);
    L.k(-2.12194440e-4);
    L.mul();
    L.sub();
    c.set(t.r);
    c.get(t.r).get(t.r);
    L.mul();
    c.set(t.w);
    // e^r = 1 + r + r²·P(r)
    L.horner(t.r, [1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1]);
    c.get(t.w);
    L.mul();
    c.get(t.r);
    L.add();
    L.k(1);
    L.add();
    // · 2^k: (k + 127) << 23 as the bits of a float32
    c.get(t.k).i32x4TruncSatF32x4S().i32x4Const(127).i32x4Add().i32(23).i32x4Shl();
    L.mul();
    return;
  }
  L.k(-708.39641853226408); // log of the smallest normal float64
  L.max();
  c.set(t.x);
  c.get(t.x);
  L.k(Math.LOG2E);
  L.mul();
  L.nearest();
  c.set(t.k);
  c.get(t.x).get(t.k);
  L.k(6.93145751953125e-1);
  L.mul();
  L.sub();
  c.get(t.k);
  L.k(1.42860682030941723212e-6);
  L.mul();
  L.sub();
  c.set(t.r);
  c.get(t.r).get(t.r);
  L.mul();
  c.set(t.w);
  // p = r·P(r²); e^r = 1 + 2p/(Q(r²) − p)
  L.horner(t.w, [1.26177193074810590878e-4, 3.02994407707441961300e-2, 9.99999999999999999910e-1]);
  c.get(t.r);
  L.mul();
  c.set(t.p);
  c.get(t.p);
  L.k(2);
  L.mul();
  L.horner(t.w, [3.00198505138664455042e-6, 2.52448340349684104192e-3, 2.27265548208155028766e-1, 2.00000000000000000009e0]);
  c.get(t.p);
  L.sub();
  L.div();
  L.k(1);
  L.add();
  // · 2^k: (k + 1023) << 52 as the bits of a float64 (k fits 32 bits after the clamp)
  c.get(t.k).i32x4TruncSatF64x2SZero().i64x2ExtendLowI32x4S().i64x2Const(1023).i64x2Add().i32(52).i64x2Shl();
  L.mul();
}

/** Pops e (0 ≤ e ≤ 1) and pushes log(1 + e); uses tmp.r (z) and tmp.w (z²). */
function log1pUnit(L: Lanes, t: Tmp): void {
  const c = L.c;
  c.set(t.r);
  c.get(t.r);
  L.k(2);
  c.get(t.r);
  L.add();
  L.div();
  c.set(t.r); // z
  c.get(t.r).get(t.r);
  L.mul();
  c.set(t.w); // w = z²
  const terms = L.f64 ? 17 : 8; // 1/(2j+1) for j = terms−1 … 0
  const coeffs = Array.from({ length: terms }, (_, j) => 1 / (2 * (terms - 1 - j) + 1));
  L.horner(t.w, coeffs);
  c.get(t.r);
  L.mul();
  L.k(2);
  L.mul();
}

/**
 * Pops x (positive, normal) and pushes log x: x = 2^e·m with m in [√½, √2) read off the bits,
 * log x = e·ln 2 + log(1 + f), f = m − 1, by the atanh series in w = z², z = f/(2 + f) (|z| ≤ 0.172:
 * terms to w⁴ for float32, w¹⁰ for float64, truncation below 3e-9 and 1e-17). Uses tmp.p (x),
 * tmp.x (m), tmp.k (e as floats), tmp.r, tmp.w.
 */
function logPositive(L: Lanes, t: Tmp): void {
  const c = L.c;
  c.tee(t.p).set(t.x);
  if (!L.f64) {
    // exponent: (bits >> 23) − 127; mantissa bits with the exponent of 1
    c.get(t.x).i32(23).i32x4ShrS().i32x4Const(127).i32x4Sub().f32x4ConvertI32x4S().set(t.k);
    c.get(t.x).i32x4Const(0x007fffff).v128And().i32x4Const(0x3f800000).v128Or().set(t.x);
  } else {
    // the high word of each lane holds sign, exponent and 20 mantissa bits
    c.get(t.x).get(t.x).i8x16Shuffle([4, 5, 6, 7, 12, 13, 14, 15, 4, 5, 6, 7, 12, 13, 14, 15]);
    c.i32(20).i32x4ShrS().i32x4Const(1023).i32x4Sub().f64x2ConvertLowI32x4S().set(t.k);
    c.get(t.x).i64x2Const(0x000fffffffffffff).v128And().i64x2Const(0x3ff0000000000000).v128Or().set(t.x);
  }
  // m > √2: m/2 and e + 1
  c.get(t.x);
  L.k(0.5);
  L.mul();
  c.get(t.x);
  c.get(t.x);
  L.k(Math.SQRT2);
  L.gt();
  c.set(t.w);
  c.get(t.w);
  c.v128Bitselect().set(t.x);
  c.get(t.k);
  L.k(1);
  L.k(0);
  c.get(t.w);
  c.v128Bitselect();
  L.add();
  c.set(t.k);
  // z = f/(2 + f), f = m − 1
  c.get(t.x);
  L.k(1);
  L.sub();
  c.set(t.r);
  c.get(t.r);
  L.k(2);
  c.get(t.r);
  L.add();
  L.div();
  c.set(t.r);
  c.get(t.r).get(t.r);
  L.mul();
  c.set(t.w);
  const terms = L.f64 ? 11 : 5;
  L.horner(t.w, Array.from({ length: terms }, (_, j) => 1 / (2 * (terms - 1 - j) + 1)));
  c.get(t.r);
  L.mul();
  L.k(2);
  L.mul();
  // + e·ln 2 (ln 2 in two parts for float64, so that e·LN2_HI is exact)
  if (!L.f64) {
    c.get(t.k);
    L.k(Math.LN2);
    L.mul();
    L.add();
  } else {
    c.get(t.k);
    L.k(1.42860682030941723212e-6);
    L.mul();
    L.add();
    c.get(t.k);
    L.k(6.93145751953125e-1);
    L.mul();
    L.add();
  }
  // NaN in, NaN out (its bits would otherwise read as some number)
  c.get(t.p);
  c.get(t.p).get(t.p);
  L.eq();
  c.v128Bitselect();
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

/** value (pass 0), log-derivative (pass 1) or backprop (pass 2) of σ(y) = αy + (1−α)·softplus(y). */
function smoothLeakyReluKernel(f64: boolean, pass: 'value' | 'log-derivative' | 'backprop'): FuncDef {
  const backprop = pass === 'backprop';
  const Y = 0, BACK = 1, OUT = backprop ? 2 : 1, COUNT = backprop ? 3 : 2, ALPHA = backprop ? 4 : 3;
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
  vectorLoop(c, COUNT, OFF, END, () => {
    load(c, Y, OFF).set(Yv);
    c.get(Yv);
    L.abs();
    L.neg();
    expNonPositive(L, t);
    c.set(E); // e = exp(−|y|)
    c.get(OUT).get(OFF).i32Add();
    if (pass === 'log-derivative') {
      // log σ' = log(α + (1−α)s), s = 1/(1+e) (y ≥ 0) or e/(1+e)
      L.k(1);
      c.get(E);
      L.k(1);
      L.add();
      L.div();
      c.set(t.r);
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
      logPositive(L, t);
    } else if (!backprop) {
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
      // s = 1/(1+e) (y ≥ 0) or e/(1+e); d = α + (1−α)s; out = d·back − (1−α)s(1−s)/d
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
  const params: ValType[] = [...new Array<ValType>(backprop ? 4 : 3).fill(I32), F64];
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
    adamKernel(f64), smoothLeakyReluKernel(f64, 'value'), smoothLeakyReluKernel(f64, 'log-derivative'), smoothLeakyReluKernel(f64, 'backprop'), sumKernel(f64),
  ]);
}

/**
 * Elements [0, count) of an activation pass on arrays in linear memory (byte addresses): the
 * SIMD kernel over whole vectors, then `tail(from)` for the rest in JavaScript. False when no
 * kernel covers the pass (leaky tanh; log σ' with α below 1e-30): the caller runs JavaScript.
 * Self-contained: the worker threads evaluate its source.
 */
export function activationSimd(
  ex: ElementwiseExports, f64: boolean, pass: number, kind: number, alpha: number,
  y: number, back: number, out: number, count: number, tail: (from: number) => void,
): boolean {
  // log σ' reads the bits of α + (1−α)s, which must be a normal number
  if (kind !== 0 || (pass === 1 && !(alpha >= 1e-30))) return false;
  const vectors = Math.floor(count / (f64 ? 2 : 4));
  if (pass === 0) (f64 ? ex.f64_slrelu_value : ex.f32_slrelu_value)(y, out, vectors, alpha);
  else if (pass === 1) (f64 ? ex.f64_slrelu_log_derivative : ex.f32_slrelu_log_derivative)(y, out, vectors, alpha);
  else (f64 ? ex.f64_slrelu_backprop : ex.f32_slrelu_backprop)(y, back, out, vectors, alpha);
  tail(vectors * (f64 ? 2 : 4));
  return true;
}

/** Elements [0, count) of an Adam step on arrays in linear memory (byte addresses); as activationSimd. */
export function adamSimd(
  ex: ElementwiseExports, f64: boolean, p: number, d: number, m: number, v: number, po: number, mo: number, vo: number,
  count: number, rate: number, epsHat: number, beta1: number, beta2: number, tail: (from: number) => void,
): void {
  const vectors = Math.floor(count / (f64 ? 2 : 4));
  (f64 ? ex.f64_adam : ex.f32_adam)(p, d, m, v, po, mo, vo, vectors, rate, epsHat, beta1, beta2);
  tail(vectors * (f64 ? 2 : 4));
}
