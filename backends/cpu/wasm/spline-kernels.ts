// WebAssembly SIMD kernels of the spline family (backends/cpu/spline.ts has the formulas and the
// JavaScript reference they must match), emitted into the GEMM's module so that the worker
// threads have them too. Lanes are consecutive units of one row, so the knots are read
// transposed, [K+1, dim] per kind (x, y, derivative): knot m of four (f32) or two (f64)
// neighbouring units is one vector load. The bin is found without branches: for m = 1..K−1 the
// lanes with v ≥ x_m take knots m and m+1 (a select per knot kind), O(K) per vector instead of a
// binary search per element, which mispredicts (the selects are relaxed SIMD's lane select where
// it validates: one blend instruction). The gradient passes scatter each lane's six knot partials
// lane by lane (bins differ per lane) into an accumulator in the knots' own layout, the two
// neighbours k and k+1 of each kind as one 8- or 16-byte read-add-write. A small kernel writes the
// knots' transposed layout from [dim, K+1].
//
// Signature (byte addresses; rows of `dim` elements; the units [0, dimV) of each row, dimV a
// multiple of the lane count; the caller finishes units [dimV, dim) in JavaScript):
//   <dt>_spline_<pass>(x, back, out, knots, grad, rows, dim, dimV, bins, bound)
//   knots: [3][K+1][dim] (xs, ys, ds transposed); grad: [3][dim][K+1] (the knots' own layout), added into
//   passes: value, log_derivative (out), backward (input gradient in out, knot gradient in grad),
//   knot_gradient (grad only)

import { Code, F64, I32, V128, type FuncDef, type ValType } from './emit.js';
import { Lanes, Locals, logPositive, type Tmp } from './simd-math.js';

/** One spline kernel; see the file comment. */
export type SplineKernel = (x: number, back: number, out: number, knots: number, grad: number, rows: number, dim: number, dimV: number, bins: number, bound: number) => void;

export interface SplineExports {
  f32_spline_value: SplineKernel;
  f64_spline_value: SplineKernel;
  f32_spline_log_derivative: SplineKernel;
  f64_spline_log_derivative: SplineKernel;
  f32_spline_backward: SplineKernel;
  f64_spline_backward: SplineKernel;
  f32_spline_knot_gradient: SplineKernel;
  f64_spline_knot_gradient: SplineKernel;
  f32_spline_knot_layout: KnotLayoutKernel;
  f64_spline_knot_layout: KnotLayoutKernel;
}

type KernelPass = 'value' | 'log_derivative' | 'backward' | 'knot_gradient';
const PASSES: readonly KernelPass[] = ['value', 'log_derivative', 'backward', 'knot_gradient'];

function splineKernel(f64: boolean, pass: KernelPass, relaxed: boolean): FuncDef {
  const X = 0, BACK = 1, OUT = 2, KNOTS = 3, GRAD = 4, ROWS = 5, DIM = 6, DIMV = 7, K = 8, BOUND = 9;
  const es = f64 ? 8 : 4;
  const lanes = 16 / es;
  const gradientPass = pass === 'backward' || pass === 'knot_gradient';
  const loc = new Locals(10);
  const DIMB = loc.add(I32), DIMVB = loc.add(I32), YSB = loc.add(I32), DSB = loc.add(I32), KP1 = loc.add(I32);
  const ROW = loc.add(I32), ROWEND = loc.add(I32), J = loc.add(I32), P = loc.add(I32), Q = loc.add(I32), QEND = loc.add(I32), GA = loc.add(I32), AD = loc.add(I32);
  const v = (): number => loc.add(V128);
  const LO = v(), HI = v(), ONE = v(), V = v(), IN = v(), CM = v(), KF = v();
  const X0 = v(), X1 = v(), Y0 = v(), Y1 = v(), D0 = v(), D1 = v();
  const W = v(), H = v(), S = v(), XI = v(), OM = v(), T = v(), E = v(), DEN = v();
  const A = v(), CC = v(), G = v(), DEN2 = v(), DENXI = v(), LXI = v(), DENS = v(), EXI = v(), ES = v(), EH = v();
  const AX0 = v(), AX1 = v(), AY0 = v(), AY1 = v(), AD0 = v(), AD1 = v();
  const PAIRS = [v(), v(), v(), v(), v(), v()];
  const t: Tmp = { x: v(), k: v(), r: v(), w: v(), p: v() };
  const c = new Code();
  const L = new Lanes(c, f64);
  /** Pops [a, b, mask] (a comparison's lanes) and pushes a where the mask is set, else b. */
  const select = (): Code => (relaxed ? c.i8x16RelaxedLaneselect() : c.v128Bitselect());
  const load = (base: number, plus?: number): void => {
    c.get(base);
    if (plus !== undefined) c.get(plus).i32Add();
    c.v128Load(0);
  };
  /** pushes a·b for two locals */
  const mul = (a: number, b: number): void => {
    c.get(a).get(b);
    L.mul();
  };

  c.get(DIM).i32(es).i32Mul().set(DIMB);
  c.get(DIMV).i32(es).i32Mul().set(DIMVB);
  c.get(K).i32(1).i32Add().get(DIMB).i32Mul().set(YSB);
  c.get(YSB).get(YSB).i32Add().set(DSB);
  c.get(K).i32(1).i32Add().set(KP1);
  L.splat(BOUND).set(HI);
  c.get(HI);
  L.neg();
  c.set(LO);
  L.k(1).set(ONE);
  c.get(ROWS).get(DIMB).i32Mul().set(ROWEND);
  // The gradient passes run each vector of units down all rows (its knots and its accumulator
  // block stay in L1 while the lanes' partials are added); the others run row by row.
  const [outerStart, outerEnd, innerStart, innerEnd] = gradientPass ? [J, DIMVB, ROW, ROWEND] : [ROW, ROWEND, J, DIMVB];
  c.i32(0).set(outerStart);
  c.block();
  c.get(outerStart).get(outerEnd).i32GeU().brIf(0);
  c.loop();
  c.i32(0).set(innerStart);
  c.block();
  c.get(innerStart).get(innerEnd).i32GeU().brIf(0);
  c.loop();
  // v and whether it lies in [−bound, bound)
  c.get(X).get(ROW).i32Add().get(J).i32Add().v128Load(0).set(V);
  c.get(V).get(LO);
  L.ge();
  c.get(HI).get(V);
  L.gt();
  c.v128And().set(IN);
  // the bin: knots 0 and 1, then m and m+1 wherever v ≥ x_m (m = 1..K−1)
  c.get(KNOTS).get(J).i32Add().set(P);
  load(P); c.set(X0);
  load(P, DIMB); c.set(X1);
  c.get(P).get(YSB).i32Add().set(Q);
  load(Q); c.set(Y0);
  load(Q, DIMB); c.set(Y1);
  c.get(P).get(DSB).i32Add().set(Q);
  load(Q); c.set(D0);
  load(Q, DIMB); c.set(D1);
  if (gradientPass) c.v128Zero().set(KF);
  c.get(P).get(DIMB).i32Add().set(Q);
  c.get(K).get(DIMB).i32Mul().get(P).i32Add().set(QEND);
  c.block();
  c.get(Q).get(QEND).i32GeU().brIf(0);
  c.loop();
  c.get(V);
  load(Q);
  L.ge();
  c.set(CM);
  const pick = (into: number, offset: number | null, next: boolean): void => {
    c.get(Q);
    if (offset !== null) c.get(offset).i32Add();
    if (next) c.get(DIMB).i32Add();
    c.v128Load(0).get(into).get(CM);
    select().set(into);
  };
  pick(X0, null, false);
  pick(X1, null, true);
  pick(Y0, YSB, false);
  pick(Y1, YSB, true);
  pick(D0, DSB, false);
  pick(D1, DSB, true);
  if (gradientPass) {
    c.get(KF).get(CM).get(ONE).v128And();
    L.add();
    c.set(KF);
  }
  c.get(Q).get(DIMB).i32Add().tee(Q).get(QEND).i32LtU().brIf(0);
  c.end();
  c.end();
  // w, h, s = h/w, ξ = (v − x_k)/w, 1 − ξ, t = ξ(1 − ξ), e = d_k + d_{k+1} − 2s, den = s + e·t
  c.get(X1).get(X0); L.sub(); c.set(W);
  c.get(Y1).get(Y0); L.sub(); c.set(H);
  c.get(H).get(W); L.div(); c.set(S);
  c.get(V).get(X0); L.sub(); c.get(W); L.div(); c.set(XI);
  L.k(1); c.get(XI); L.sub(); c.set(OM);
  mul(XI, OM); c.set(T);
  c.get(D0).get(D1); L.add(); c.get(S).get(S); L.add(); L.sub(); c.set(E);
  c.get(S); mul(E, T); L.add(); c.set(DEN);
  // A = s ξ² + d_k t;  C = d_{k+1} ξ² + 2 s t + d_k (1 − ξ)²
  const pushA = (): void => {
    mul(S, XI); c.get(XI); L.mul(); mul(D0, T); L.add();
  };
  const pushC = (): void => {
    mul(D1, XI); c.get(XI); L.mul();
    mul(S, T); L.k(2); L.mul(); L.add();
    mul(D0, OM); c.get(OM); L.mul(); L.add();
  };
  if (pass === 'value') {
    // out = y_k + h·A/den inside, v outside
    c.get(OUT).get(ROW).i32Add().get(J).i32Add();
    c.get(Y0); c.get(H); pushA(); L.mul(); c.get(DEN); L.div(); L.add();
    c.get(V).get(IN);
    select();
    c.v128Store(0);
  } else if (pass === 'log_derivative') {
    // out = log(s²·C/den²) inside, 0 outside
    c.get(OUT).get(ROW).i32Add().get(J).i32Add();
    mul(S, S); pushC(); L.mul(); mul(DEN, DEN); L.div();
    logPositive(L, t);
    c.v128Zero().get(IN);
    select();
    c.v128Store(0);
  } else {
    // the partials of E = g·f − log f' (as `gradients` in spline.ts)
    c.get(BACK).get(ROW).i32Add().get(J).i32Add().v128Load(0).set(G);
    pushA(); c.set(A);
    pushC(); c.set(CC);
    mul(DEN, DEN); c.set(DEN2);
    // t.x = 1 − 2ξ, reused below
    L.k(1); c.get(XI).get(XI); L.add(); L.sub(); c.set(t.x);
    mul(E, t.x); c.set(DENXI);
    // lξ = (2 d1 ξ − 2 d0 (1−ξ) + 2 s (1 − 2ξ))/C − 2 denξ/den
    mul(D1, XI); mul(D0, OM); L.sub(); mul(S, t.x); L.add(); L.k(2); L.mul(); c.get(CC); L.div();
    c.get(DENXI).get(DENXI); L.add(); c.get(DEN); L.div(); L.sub(); c.set(LXI);
    // dens = 1 − 2t
    L.k(1); c.get(T).get(T); L.add(); L.sub(); c.set(DENS);
    // eξ = g·fξ − lξ, fξ = h((2 s ξ + d0 (1 − 2ξ))·den − A·denξ)/den²
    c.get(G);
    c.get(H);
    mul(S, XI); L.k(2); L.mul(); mul(D0, t.x); L.add(); c.get(DEN); L.mul();
    mul(A, DENXI); L.sub(); L.mul(); c.get(DEN2); L.div();
    L.mul(); c.get(LXI); L.sub(); c.set(EXI);
    // eS = g·fS − lS, fS = h(ξ²·den − A·dens)/den², lS = 2/s + 2t/C − 2 dens/den
    c.get(G);
    c.get(H); mul(XI, XI); c.get(DEN); L.mul(); mul(A, DENS); L.sub(); L.mul(); c.get(DEN2); L.div();
    L.mul();
    L.k(2); c.get(S); L.div();
    c.get(T).get(T); L.add(); c.get(CC); L.div(); L.add();
    c.get(DENS).get(DENS); L.add(); c.get(DEN); L.div(); L.sub();
    L.sub(); c.set(ES);
    // eH = g·A/den
    c.get(G); c.get(A).get(DEN); L.div(); L.mul(); c.set(EH);
    if (pass === 'backward') {
      // input gradient g·s²·C/den² − lξ/w inside, g outside
      c.get(OUT).get(ROW).i32Add().get(J).i32Add();
      c.get(G); mul(S, S); L.mul(); c.get(CC); L.mul(); c.get(DEN2); L.div();
      c.get(LXI).get(W); L.div(); L.sub();
      c.get(G).get(IN);
      select();
      c.v128Store(0);
    }
    const masked = (into: number): void => {
      c.get(IN).v128And().set(into);
    };
    // xs_k: (eξ(ξ − 1) + eS·s)/w;  xs_{k+1}: −(eξ ξ + eS·s)/w
    c.get(EXI); c.get(XI); L.k(1); L.sub(); L.mul(); mul(ES, S); L.add(); c.get(W); L.div(); masked(AX0);
    mul(EXI, XI); mul(ES, S); L.add(); L.neg(); c.get(W); L.div(); masked(AX1);
    // ys_k: g − eH − eS/w;  ys_{k+1}: eH + eS/w
    c.get(ES).get(W); L.div(); c.set(t.r);
    c.get(G).get(EH); L.sub(); c.get(t.r); L.sub(); masked(AY0);
    c.get(EH).get(t.r); L.add(); masked(AY1);
    // ds_k: g·fD0 − lD0, fD0 = h t (den − A)/den², lD0 = (1−ξ)²/C − 2t/den
    c.get(T).get(T); L.add(); c.get(DEN); L.div(); c.set(t.w); // 2t/den
    c.get(G); c.get(H); c.get(T); L.mul(); c.get(DEN).get(A); L.sub(); L.mul(); c.get(DEN2); L.div(); L.mul();
    mul(OM, OM); c.get(CC); L.div(); c.get(t.w); L.sub();
    L.sub(); masked(AD0);
    // ds_{k+1}: g·fD1 − lD1, fD1 = −h A t/den², lD1 = ξ²/C − 2t/den
    c.get(G); c.get(H); c.get(A); L.mul(); c.get(T); L.mul(); c.get(DEN2); L.div(); L.neg(); L.mul();
    mul(XI, XI); c.get(CC); L.div(); c.get(t.w); L.sub();
    L.sub(); masked(AD1);
    // scatter lane by lane: grad[kind][j + l][k] += a0, grad[kind][j + l][k+1] += a1, the two
    // neighbours as one 8-byte (f32) or 16-byte (f64) read-add-write: per kind, the lanes' pairs
    // (a0, a1) interleaved into PAIRS vectors first (f32: lanes 0, 1 in one vector, 2, 3 in the other)
    const pairs = [[AX0, AX1], [AY0, AY1], [AD0, AD1]] as const;
    pairs.forEach(([a0, a1], kind) => {
      for (let h = 0; h < 2; h++) {
        const lanesOf = f64 ? [h, h + 2] : [2 * h, 2 * h + 4, 2 * h + 1, 2 * h + 5];
        c.get(a0).get(a1).i8x16Shuffle(lanesOf.flatMap((lane) => Array.from({ length: es }, (_, b) => lane * es + b))).set(PAIRS[2 * kind + h]);
      }
    });
    for (let l = 0; l < lanes; l++) {
      c.get(KF);
      if (f64) c.f64x2ExtractLane(l).i32TruncF64S();
      else c.f32x4ExtractLane(l).i32TruncF32S();
      c.i32(es).i32Mul().get(GRAD).i32Add();
      c.get(J).i32(l * es).i32Add().get(KP1).i32Mul().i32Add().set(GA);
      [null, YSB, DSB].forEach((kindOffset, kind) => {
        c.get(GA);
        if (kindOffset !== null) c.get(kindOffset).i32Add();
        c.tee(AD).get(AD);
        if (f64) {
          c.v128Load(0).get(PAIRS[2 * kind + l]);
          L.add();
          c.v128Store(0);
        } else {
          const pair = PAIRS[2 * kind + (l >> 1)];
          c.get(pair).v128Load64Lane(0, l & 1).get(pair);
          L.add();
          c.v128Store64Lane(0, l & 1);
        }
      });
    }
  }
  const step = (at: number, end: number): void => {
    c.get(at);
    if (at === J) c.i32(16);
    else c.get(DIMB);
    c.i32Add().tee(at).get(end).i32LtU().brIf(0);
  };
  step(innerStart, innerEnd);
  c.end();
  c.end();
  step(outerStart, outerEnd);
  c.end();
  c.end();
  const params: ValType[] = [...new Array<ValType>(9).fill(I32), F64];
  return { name: `${f64 ? 'f64' : 'f32'}_spline_${pass}`, params, results: [], locals: loc.types, body: c };
}

/**
 * One kind of knots into the kernels' layout: dst[m·dim + j] = src[j·(K+1) + m] (byte addresses,
 * bits copied), writes along dst's rows.
 */
export type KnotLayoutKernel = (src: number, dst: number, dim: number, kp1: number) => void;

function knotLayoutKernel(f64: boolean): FuncDef {
  const SRC = 0, DST = 1, DIM = 2, KP1 = 3;
  const M = 4, S = 5, D = 6, END = 7, STRIDE = 8;
  const es = f64 ? 8 : 4;
  const c = new Code();
  c.get(KP1).i32(es).i32Mul().set(STRIDE);
  c.i32(0).set(M);
  c.loop(); // over knots m: dst row m from src column m
  c.get(SRC).get(M).i32(es).i32Mul().i32Add().set(S);
  c.get(DST).get(M).get(DIM).i32Mul().i32(es).i32Mul().i32Add().tee(D);
  c.get(DIM).i32(es).i32Mul().i32Add().set(END);
  c.loop();
  c.get(D).get(S);
  if (f64) c.i64Load(0).i64Store(0);
  else c.i32Load(0).i32Store(0);
  c.get(S).get(STRIDE).i32Add().set(S);
  c.get(D).i32(es).i32Add().tee(D).get(END).i32LtU().brIf(0);
  c.end();
  c.get(M).i32(1).i32Add().tee(M).get(KP1).i32LtU().brIf(0);
  c.end();
  return { name: `${f64 ? 'f64' : 'f32'}_spline_knot_layout`, params: [I32, I32, I32, I32], results: [], locals: [I32, I32, I32, I32, I32], body: c };
}

/**
 * The spline kernels of both dtypes; `relaxed` (where relaxed SIMD validates) picks the bins by
 * relaxed lane selects (one blend instruction on x86) instead of bitselect (three).
 */
export function splineKernels(relaxed: boolean): FuncDef[] {
  return [false, true].flatMap((f64) => [...PASSES.map((pass) => splineKernel(f64, pass, relaxed)), knotLayoutKernel(f64)]);
}

/**
 * Runs the SIMD kernel of pass `pass` (0 value, 1 log-derivative, 2 backward, 3 knot-gradient) over
 * `rows` rows, units [0, dimV). Self-contained: the worker threads evaluate its source.
 */
export function splineSimd(
  ex: SplineExports, f64: boolean, pass: number, x: number, back: number, out: number, knots: number, grad: number,
  rows: number, dim: number, dimV: number, bins: number, bound: number,
): void {
  const kernel = pass === 0 ? (f64 ? ex.f64_spline_value : ex.f32_spline_value)
    : pass === 1 ? (f64 ? ex.f64_spline_log_derivative : ex.f32_spline_log_derivative)
      : pass === 2 ? (f64 ? ex.f64_spline_backward : ex.f32_spline_backward)
        : (f64 ? ex.f64_spline_knot_gradient : ex.f32_spline_knot_gradient);
  kernel(x, back, out, knots, grad, rows, dim, dimV, bins, bound);
}
