// The spline knots' pass (backends/cpu/spline-knots.ts has the formulas and the JavaScript pass)
// as WebAssembly SIMD kernels: two units per f64x2 vector, float64 arithmetic whatever the
// storage dtype, in the JavaScript pass's order of operations with simd-math.ts's exp and log1p
// (its SIMD maps), so both give the same bits wherever that pass maps an element by the SIMD maps.
// For an odd last unit lane 1 repeats lane 0's unit and writes the same values to it. O(dim·K).
//
//   <dt>_spline_knots(uw, uh, ud, xs, ys, ds, scratch, dim, K, c, f, bound, minDerivative)
//   <dt>_spline_knots_backward(uw, uh, ud, gx, gy, gd, ∂uw, ∂uh, ∂ud, scratch, dim, K, scale·c, scale)
// Byte addresses; uw, uh, ∂uw, ∂uh [dim][K], ud, ∂ud [dim][K−1], xs, ys, ds and the knot
// gradient's three parts gx, gy, gd [dim][K+1]; scratch: 32·K bytes (a unit pair's K
// probabilities and K suffix sums of the knot gradient). `dim` units from those addresses on, so
// that threads can take ranges of units.

import { Code, F64, I32, V128, type FuncDef, type ValType } from './emit.js';
import { expNonPositive, Lanes, Locals, log1pUnit, type Tmp } from './simd-math.js';

/** The knots [xs, ys, ds] from the parameters (see the file comment). */
export type KnotsKernel = (uw: number, uh: number, ud: number, xs: number, ys: number, ds: number, scratch: number, dim: number, K: number, c: number, f: number, bound: number, minDerivative: number) => void;
/** The knot gradient g pulled back to the parameters, times `scale` (see the file comment). */
export type KnotsBackwardKernel = (uw: number, uh: number, ud: number, gx: number, gy: number, gd: number, outW: number, outH: number, outD: number, scratch: number, dim: number, K: number, scaleC: number, scale: number) => void;

export interface KnotExports {
  f32_spline_knots: KnotsKernel;
  f64_spline_knots: KnotsKernel;
  f32_spline_knots_backward: KnotsBackwardKernel;
  f64_spline_knots_backward: KnotsBackwardKernel;
}

/** Emission state of one kernel: the unit pair's locals and the gather/scatter of its two lanes. */
class PairCode {
  readonly c = new Code();
  readonly L = new Lanes(this.c, true);
  constructor(readonly es: number, readonly u0: number, readonly u1: number, readonly i: number) {}

  /** Pushes the byte address of element (unit, i + plus) of a [dim][rowLen] array at `base`. */
  private address(base: number, unit: number, rowLen: number, plus: number): void {
    const c = this.c;
    c.get(base).get(unit).get(rowLen).i32Mul().get(this.i).i32Add();
    if (plus !== 0) c.i32(plus).i32Add();
    c.i32(this.es).i32Mul().i32Add();
  }

  private loadScalar(): void {
    if (this.es === 8) this.c.f64Load(0);
    else this.c.f32Load(0).f64PromoteF32();
  }

  /** Pushes [a(u0, i + plus), a(u1, i + plus)] in float64. */
  gather(base: number, rowLen: number, plus = 0): void {
    this.address(base, this.u0, rowLen, plus);
    this.loadScalar();
    this.c.f64x2Splat();
    this.address(base, this.u1, rowLen, plus);
    this.loadScalar();
    this.c.f64x2ReplaceLane(1);
  }

  /** a(u_l, i + plus) ← lane l of the vector local `value`, in the storage dtype. */
  scatter(base: number, rowLen: number, plus: number, value: number): void {
    for (const [lane, unit] of [[0, this.u0], [1, this.u1]] as const) {
      this.address(base, unit, rowLen, plus);
      this.c.get(value).f64x2ExtractLane(lane);
      if (this.es === 8) this.c.f64Store(0);
      else this.c.f32DemoteF64().f32Store(0);
    }
  }

  /** Pushes the address of scratch vector i. */
  slot(scratch: number): void {
    this.c.get(scratch).get(this.i).i32(16).i32Mul().i32Add();
  }

  /** for i in [0, count): body (count a local; nothing when it is 0). */
  forI(count: number, body: () => void): void {
    const c = this.c;
    c.i32(0).set(this.i);
    c.block();
    c.get(this.i).get(count).i32GeU().brIf(0);
    c.loop();
    body();
    c.get(this.i).i32(1).i32Add().tee(this.i).get(count).i32LtU().brIf(0);
    c.end();
    c.end();
  }
}

/**
 * softmax of the pair's K logits of `u` into scratch[0, K): the maximum, e^{u − max} (summed in
 * order), then each divided by the sum (as softmaxRows in spline-knots.ts).
 */
function softmaxPair(p: PairCode, u: number, K: number, scratch: number, max: number, sum: number, t: Tmp): void {
  const { c, L } = p;
  c.f64x2Const(-Infinity).set(max);
  p.forI(K, () => {
    p.slot(scratch);
    p.gather(u, K);
    c.tee(t.x).v128Store(0);
    c.get(max).get(t.x);
    L.max();
    c.set(max);
  });
  c.v128Zero().set(sum);
  p.forI(K, () => {
    p.slot(scratch);
    p.slot(scratch);
    c.v128Load(0).get(max);
    L.sub();
    expNonPositive(L, t);
    c.tee(t.x).v128Store(0);
    c.get(sum).get(t.x);
    L.add();
    c.set(sum);
  });
  p.forI(K, () => {
    p.slot(scratch);
    p.slot(scratch);
    c.v128Load(0).get(sum);
    L.div();
    c.v128Store(0);
  });
}

/** Pops v and pushes e^{−|v|}. */
function expMinusAbs(L: Lanes, t: Tmp): void {
  L.abs();
  L.neg();
  expNonPositive(L, t);
}

function knotsKernel(f64: boolean, backward: boolean): FuncDef {
  const es = f64 ? 8 : 4;
  // parameters (backward: the knot gradient's parts G, GY, GD before the outputs)
  const UW = 0, UH = 1, UD = 2, G = 3, GY = 4, GD = 5;
  const [OUT0, OUT1, OUT2, SCR, DIM, K] = backward ? [6, 7, 8, 9, 10, 11] : [3, 4, 5, 6, 7, 8];
  const params: ValType[] = backward ? [...new Array<ValType>(12).fill(I32), F64, F64] : [...new Array<ValType>(9).fill(I32), F64, F64, F64, F64];
  const loc = new Locals(params.length);
  const J = loc.add(I32), U1 = loc.add(I32), I = loc.add(I32), KM1 = loc.add(I32), KP1 = loc.add(I32);
  const MAX = loc.add(V128), SUM = loc.add(V128), ACC = loc.add(V128), PA = loc.add(V128), V = loc.add(V128), CV = loc.add(V128), FV = loc.add(V128);
  const t: Tmp = { x: loc.add(V128), k: loc.add(V128), r: loc.add(V128), w: loc.add(V128), p: loc.add(V128) };
  const p = new PairCode(es, J, U1, I);
  const { c, L } = p;
  c.get(K).i32(1).i32Sub().set(KM1);
  c.get(K).i32(1).i32Add().set(KP1);
  if (backward) {
    L.splat(12).set(CV); // scale·c
    L.splat(13).set(FV); // scale
  } else {
    L.splat(9).set(CV); // c
    L.splat(10).set(FV); // f
  }
  c.i32(0).set(J);
  c.loop(); // over unit pairs (J, U1)
  c.get(J).i32(1).i32Add().tee(U1).get(DIM).i32GeU();
  c.if().get(J).set(U1).end();
  if (!backward) {
    const BOUND = 11, MIND = 12;
    for (const [u, out] of [[UW, OUT0], [UH, OUT1]] as const) {
      softmaxPair(p, u, K, SCR, MAX, SUM, t);
      // edges: −bound, then edge += f + c·p_i
      L.splat(BOUND);
      L.neg();
      c.set(ACC);
      c.i32(0).set(I);
      p.scatter(out, KP1, 0, ACC);
      p.forI(K, () => {
        c.get(ACC).get(FV).get(CV);
        p.slot(SCR);
        c.v128Load(0);
        L.mul();
        L.add();
        L.add();
        c.set(ACC);
        p.scatter(out, KP1, 1, ACC);
      });
    }
    // derivatives: 1 at both ends, minDerivative + softplus(ud) inside
    L.k(1).set(V);
    c.i32(0).set(I);
    p.scatter(OUT2, KP1, 0, V);
    c.get(K).set(I);
    p.scatter(OUT2, KP1, 0, V);
    p.forI(KM1, () => {
      p.gather(UD, KM1);
      c.tee(V);
      expMinusAbs(L, t);
      log1pUnit(L, t);
      c.get(V);
      L.k(0);
      L.max();
      L.add();
      c.set(t.x);
      L.splat(MIND);
      c.get(t.x);
      L.add();
      c.set(V);
      p.scatter(OUT2, KP1, 1, V);
    });
  } else {
    for (const [u, gk, out] of [[UW, G, OUT0], [UH, GY, OUT1]] as const) {
      softmaxPair(p, u, K, SCR, MAX, SUM, t);
      // a_i = Σ_{k>i} g_k from the top down into scratch[K + i]; pa = Σ p_i a_i
      c.v128Zero().set(ACC);
      c.v128Zero().set(PA);
      c.get(K).set(I);
      c.loop();
      c.get(I).i32(1).i32Sub().set(I);
      c.get(ACC);
      p.gather(gk, KP1, 1);
      L.add();
      c.set(ACC);
      c.get(PA);
      p.slot(SCR);
      c.v128Load(0).get(ACC);
      L.mul();
      L.add();
      c.set(PA);
      p.slot(SCR);
      c.get(K).i32(16).i32Mul().i32Add(); // scratch[K + i]
      c.get(ACC).v128Store(0);
      c.get(I).brIf(0);
      c.end();
      // out_i = (scale·c)·p_i·(a_i − pa)
      p.forI(K, () => {
        c.get(CV);
        p.slot(SCR);
        c.v128Load(0);
        L.mul();
        p.slot(SCR);
        c.get(K).i32(16).i32Mul().i32Add().v128Load(0).get(PA);
        L.sub();
        L.mul();
        c.set(V);
        p.scatter(out, K, 0, V);
      });
    }
    // ∂ud_i = scale·g_{i+1}·σ(ud_i), σ(v) = (v ≥ 0 ? 1 : e)/(1 + e), e = e^{−|v|}
    p.forI(KM1, () => {
      c.get(FV);
      p.gather(GD, KP1, 1);
      L.mul();
      p.gather(UD, KM1);
      c.tee(V);
      expMinusAbs(L, t);
      c.set(t.p);
      L.k(1);
      c.get(t.p);
      c.get(V);
      L.k(0);
      L.ge();
      c.v128Bitselect();
      L.k(1);
      c.get(t.p);
      L.add();
      L.div();
      L.mul();
      c.set(V);
      p.scatter(OUT2, KM1, 0, V);
    });
  }
  c.get(J).i32(2).i32Add().tee(J).get(DIM).i32LtU().brIf(0);
  c.end();
  return { name: `${f64 ? 'f64' : 'f32'}_spline_knots${backward ? '_backward' : ''}`, params, results: [], locals: loc.types, body: c };
}

/** The knot kernels of both dtypes. */
export function knotKernels(): FuncDef[] {
  return [false, true].flatMap((f64) => [knotsKernel(f64, false), knotsKernel(f64, true)]);
}

/**
 * Runs a knot kernel on `dim` units from the given byte addresses. Forward: extra = [c, f, bound,
 * minDerivative]; backward: extra = [gx, gy, gd, scale·c, scale]. Self-contained: the worker
 * threads evaluate its source.
 */
export function knotsSimd(
  ex: KnotExports, f64: boolean, backward: boolean, w: number, h: number, d: number, o0: number, o1: number, o2: number,
  scratch: number, dim: number, K: number, extra: readonly number[],
): void {
  if (backward) (f64 ? ex.f64_spline_knots_backward : ex.f32_spline_knots_backward)(w, h, d, extra[0], extra[1], extra[2], o0, o1, o2, scratch, dim, K, extra[3], extra[4]);
  else (f64 ? ex.f64_spline_knots : ex.f32_spline_knots)(w, h, d, o0, o1, o2, scratch, dim, K, extra[0], extra[1], extra[2], extra[3]);
}

/**
 * Claims blocks of units from `ctrl[word]` (Atomics.add) until none of `chunks` is left and runs
 * each by knotsSimd: addresses and extra as knotsSimd's for all `dim` units, `scratch` this
 * thread's. Threads that share the counter split the units between them, a late one taking fewer.
 * Self-contained: the worker threads evaluate its source.
 */
export function runKnotChunks(
  ex: KnotExports, f64: boolean, backward: boolean, w: number, h: number, d: number, o0: number, o1: number, o2: number,
  scratch: number, dim: number, K: number, chunks: number, extra: readonly number[], ctrl: Int32Array, word: number,
): void {
  const es = f64 ? 8 : 4;
  const outRow = backward ? K : K + 1;
  for (;;) {
    const chunk = Atomics.add(ctrl, word, 1);
    if (chunk >= chunks) return;
    const first = Math.round((dim * chunk) / chunks);
    const units = Math.round((dim * (chunk + 1)) / chunks) - first;
    if (units <= 0) continue;
    const row = (at: number, len: number): number => at + first * len * es;
    const moved = backward ? [row(extra[0], K + 1), row(extra[1], K + 1), row(extra[2], K + 1), extra[3], extra[4]] : extra;
    knotsSimd(ex, f64, backward, row(w, K), row(h, K), row(d, K - 1), row(o0, outRow), row(o1, outRow), row(o2, backward ? K - 1 : K + 1), scratch, units, K, moved);
  }
}
