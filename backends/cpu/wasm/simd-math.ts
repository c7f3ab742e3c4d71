// Vector math for the element-wise kernels, as WebAssembly SIMD instruction sequences over f32x4
// or f64x2 lanes: e^x for x ≤ 0, log(1 + e) for 0 ≤ e ≤ 1, log u for u > 0, and the helpers they
// share (lane-generic instruction names, locals). Each emitter pops its argument and pushes the
// result; scratch vector locals come in a Tmp.
//
// e^x for x ≤ 0: x clamped to the smallest normal's logarithm, x = k·ln 2 + r with k = round(x/ln 2)
// (ln 2 split in two so that r is exact), e^r by Cephes' expf polynomial (f32, ~1 ulp) or exp's
// Padé form 1 + 2r·P(r²)/(Q(r²) − r·P(r²)) (f64, ~1 ulp), times 2^k built in the exponent bits.
// log(1 + e) for 0 ≤ e ≤ 1: 2·atanh(z) with z = e/(2 + e) ≤ 1/3, its odd series in w = z² up to
// w⁷ (f32) or w¹⁶ (f64): truncation below 2e-9 and 2e-18 relative. log u: the exponent read off
// the bits, the mantissa's log by the same series.
// Source: S. L. Moshier, Cephes Math Library (expf.c, exp.c); series: Abramowitz & Stegun 4.1.27.

import { Code, type ValType } from './emit.js';

/** Lane-type-generic instruction names over one Code. */
export class Lanes {
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
export class Locals {
  readonly types: ValType[] = [];
  constructor(private readonly first: number) {}
  add(t: ValType): number {
    this.types.push(t);
    return this.first + this.types.length - 1;
  }
}

/** Scratch vector locals the exp/log1p emitters use. */
export interface Tmp {
  x: number;
  k: number;
  r: number;
  w: number;
  p: number;
}

/**
 * Range reduction for e^x: pops x, clamps it to log(smallest normal), sets tmp.k = round(x/ln 2),
 * tmp.r = x − k·c1 − k·c2 (c1 + c2 = ln 2, c1 exact in a few bits) and tmp.w = r².
 */
function reduceExp(L: Lanes, t: Tmp, floor: number, c1: number, c2: number): void {
  const c = L.c;
  L.k(floor);
  L.max();
  c.set(t.x);
  c.get(t.x);
  L.k(Math.LOG2E);
  L.mul();
  L.nearest();
  c.set(t.k);
  c.get(t.x).get(t.k);
  L.k(c1);
  L.mul();
  L.sub();
  c.get(t.k);
  L.k(c2);
  L.mul();
  L.sub();
  c.set(t.r);
  c.get(t.r).get(t.r);
  L.mul();
  c.set(t.w);
}

/** Pops x (≤ 0) and pushes e^x; uses tmp.x, tmp.k, tmp.r, tmp.w, tmp.p. */
export function expNonPositive(L: Lanes, t: Tmp): void {
  const c = L.c;
  if (!L.f64) {
    reduceExp(L, t, -87.33654, 0.693359375, -2.12194440e-4);
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
  reduceExp(L, t, -708.39641853226408, 6.93145751953125e-1, 1.42860682030941723212e-6);
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
export function log1pUnit(L: Lanes, t: Tmp): void {
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
export function logPositive(L: Lanes, t: Tmp): void {
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
