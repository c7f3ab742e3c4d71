// Float64 vector maps for the spline knots' O(dim·K) pass (backends/cpu/spline-knots.ts): e^u for
// u ≤ 0 (a softmax's shifted logits), softplus(u) = max(u, 0) + log(1 + e^{−|u|}) and the logistic
// σ(u) = (u ≥ 0 ? 1 : e)/(1 + e), e = e^{−|u|}, over f64x2 lanes with simd-math.ts's exp and log1p
// (~1 ulp; below log of the smallest normal, e^u is that normal). One call maps `count` whole
// vectors at byte address x into out (out may be x); the caller maps an odd last element itself.

import { Code, I32, V128, type FuncDef } from './emit.js';
import { expNonPositive, Lanes, Locals, log1pUnit, type Tmp } from './simd-math.js';

const VECTOR_MAPS = ['exp', 'softplus', 'sigmoid'] as const;
/** The maps' names. */
export type VectorMapName = (typeof VECTOR_MAPS)[number];

/** `count` f64x2 vectors at byte address x mapped into out. */
export type VectorMapKernel = (x: number, out: number, count: number) => void;

export interface MapExports {
  f64_map_exp: VectorMapKernel;
  f64_map_softplus: VectorMapKernel;
  f64_map_sigmoid: VectorMapKernel;
}

function mapKernel(map: VectorMapName): FuncDef {
  const X = 0, OUT = 1, COUNT = 2;
  const loc = new Locals(3);
  const OFF = loc.add(I32), END = loc.add(I32);
  const V = loc.add(V128), E = loc.add(V128);
  const t: Tmp = { x: loc.add(V128), k: loc.add(V128), r: loc.add(V128), w: loc.add(V128), p: loc.add(V128) };
  const c = new Code();
  const L = new Lanes(c, true);
  c.i32(0).set(OFF);
  c.get(COUNT).i32(16).i32Mul().set(END);
  c.block();
  c.get(OFF).get(END).i32LtU().i32Eqz().brIf(0);
  c.loop();
  c.get(X).get(OFF).i32Add().v128Load(0).set(V);
  c.get(OUT).get(OFF).i32Add(); // the store's address, under the value
  if (map === 'exp') {
    c.get(V);
    expNonPositive(L, t);
  } else {
    // e = e^{−|u|} ∈ (0, 1]
    c.get(V);
    L.abs();
    L.neg();
    expNonPositive(L, t);
    c.set(E);
    if (map === 'softplus') {
      c.get(E);
      log1pUnit(L, t);
      c.get(V);
      L.k(0);
      L.max();
      L.add();
    } else {
      L.k(1);
      c.get(E);
      c.get(V);
      L.k(0);
      L.ge();
      c.v128Bitselect();
      L.k(1);
      c.get(E);
      L.add();
      L.div();
    }
  }
  c.v128Store(0);
  c.get(OFF).i32(16).i32Add().tee(OFF).get(END).i32LtU().brIf(0);
  c.end();
  c.end();
  return { name: `f64_map_${map}`, params: [I32, I32, I32], results: [], locals: loc.types, body: c };
}

/** The three float64 maps. */
export function mapKernels(): FuncDef[] {
  return VECTOR_MAPS.map(mapKernel);
}
