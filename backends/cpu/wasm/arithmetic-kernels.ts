// WebAssembly SIMD kernels of two plain passes that the CPU backend ran as JavaScript loops over
// whole activations: element-wise a + b and a·b, and the column sums of a row-major matrix (the
// sum over its leading axis, as a bias gradient), accumulated in float64 row after row, the
// order of backends/cpu/reduce.ts sumLeading, so that both give the same bits.
//
// Signatures (byte addresses):
//   <dt>_add(a, b, out, count), <dt>_mul(a, b, out, count)       over `count` whole vectors
//   <dt>_column_sums(x, acc, rows, vectors, rowBytes)            acc[j] += Σ_r x[r][j] over the
//     first `vectors` whole vectors of columns of `rows` rows `rowBytes` apart; acc is float64

import { Code, I32, type FuncDef, type ValType } from './emit.js';
import { Lanes, Locals } from './simd-math.js';

/** out = a ∘ b over `count` whole vectors. */
export type BinaryVectorKernel = (a: number, b: number, out: number, count: number) => void;
/** acc (float64) += the column sums of the first `vectors` vectors of columns of `rows` rows. */
export type ColumnSumsKernel = (x: number, acc: number, rows: number, vectors: number, rowBytes: number) => void;

export interface ArithmeticExports {
  f32_add: BinaryVectorKernel;
  f64_add: BinaryVectorKernel;
  f32_mul: BinaryVectorKernel;
  f64_mul: BinaryVectorKernel;
  f32_column_sums: ColumnSumsKernel;
  f64_column_sums: ColumnSumsKernel;
}

function binaryKernel(f64: boolean, op: 'add' | 'mul'): FuncDef {
  const A = 0, B = 1, OUT = 2, COUNT = 3;
  const loc = new Locals(4);
  const OFF = loc.add(I32), END = loc.add(I32);
  const c = new Code();
  const L = new Lanes(c, f64);
  c.i32(0).set(OFF);
  c.get(COUNT).i32(16).i32Mul().set(END);
  c.block();
  c.get(OFF).get(END).i32GeU().brIf(0);
  c.loop();
  c.get(OUT).get(OFF).i32Add();
  c.get(A).get(OFF).i32Add().v128Load(0);
  c.get(B).get(OFF).i32Add().v128Load(0);
  if (op === 'add') L.add();
  else L.mul();
  c.v128Store(0);
  c.get(OFF).i32(16).i32Add().tee(OFF).get(END).i32LtU().brIf(0);
  c.end();
  c.end();
  return { name: `${f64 ? 'f64' : 'f32'}_${op}`, params: [I32, I32, I32, I32], results: [], locals: loc.types, body: c };
}

/** Row after row: each vector of columns widened to float64 (f32: two f64x2) and added into acc. */
function columnSumsKernel(f64: boolean): FuncDef {
  const X = 0, ACC = 1, ROWS = 2, VECTORS = 3, ROW_BYTES = 4;
  const loc = new Locals(5);
  const R = loc.add(I32), XP = loc.add(I32), AP = loc.add(I32), END = loc.add(I32);
  const c = new Code();
  c.i32(0).set(R);
  c.block();
  c.get(R).get(ROWS).i32GeU().brIf(0);
  c.loop();
  c.get(X).get(R).get(ROW_BYTES).i32Mul().i32Add().tee(XP);
  c.get(VECTORS).i32(16).i32Mul().i32Add().set(END);
  c.get(ACC).set(AP);
  c.block();
  c.get(XP).get(END).i32GeU().brIf(0);
  c.loop();
  if (f64) {
    c.get(AP).get(AP).v128Load(0).get(XP).v128Load(0).f64x2Add().v128Store(0);
    c.get(AP).i32(16).i32Add().set(AP);
  } else {
    c.get(AP).get(AP).v128Load(0).get(XP).v128Load64Zero(0).f64x2PromoteLowF32x4().f64x2Add().v128Store(0);
    c.get(AP).get(AP).v128Load(16).get(XP).v128Load64Zero(8).f64x2PromoteLowF32x4().f64x2Add().v128Store(16);
    c.get(AP).i32(32).i32Add().set(AP);
  }
  c.get(XP).i32(16).i32Add().tee(XP).get(END).i32LtU().brIf(0);
  c.end();
  c.end();
  c.get(R).i32(1).i32Add().tee(R).get(ROWS).i32LtU().brIf(0);
  c.end();
  c.end();
  const params: ValType[] = [I32, I32, I32, I32, I32];
  return { name: `${f64 ? 'f64' : 'f32'}_column_sums`, params, results: [], locals: loc.types, body: c };
}

/** The arithmetic kernels of both dtypes. */
export function arithmeticKernels(): FuncDef[] {
  return [false, true].flatMap((f64) => [binaryKernel(f64, 'add'), binaryKernel(f64, 'mul'), columnSumsKernel(f64)]);
}
