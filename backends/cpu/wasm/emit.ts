// A tiny WebAssembly binary emitter: LEB128, the module sections this project needs (type,
// import of one memory, function, export, code) and the few opcodes its kernels use, including
// the 0xFD-prefixed SIMD ones. Enough to write the GEMM micro-kernels from TypeScript at load
// time; no prebuilt binary. Spec: https://webassembly.github.io/spec/core/binary/

/** Value types (binary encoding). */
export const I32 = 0x7f;
const F32 = 0x7d;
export const F64 = 0x7c;
export const V128 = 0x7b;
export type ValType = typeof I32 | typeof F32 | typeof F64 | typeof V128;

/** Unsigned LEB128. */
function uleb(value: number): number[] {
  const out: number[] = [];
  let v = value >>> 0;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
  return out;
}

/** Signed LEB128 (32-bit). */
function sleb(value: number): number[] {
  const out: number[] = [];
  let v = value | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    const done = (v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

function utf8(name: string): number[] {
  const bytes = Array.from(new TextEncoder().encode(name));
  return [...uleb(bytes.length), ...bytes];
}

function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

/** Instruction writer: each method appends one instruction's bytes; returns `this` for chaining. */
export class Code {
  readonly bytes: number[] = [];

  private op(...bytes: number[]): this {
    for (const b of bytes) this.bytes.push(b);
    return this;
  }

  private simd(opcode: number, ...rest: number[]): this {
    return this.op(0xfd, ...uleb(opcode), ...rest);
  }

  // control (block types: 0x40 = no result)
  block(): this { return this.op(0x02, 0x40); }
  loop(): this { return this.op(0x03, 0x40); }
  if(): this { return this.op(0x04, 0x40); }
  else(): this { return this.op(0x05); }
  end(): this { return this.op(0x0b); }
  br(depth: number): this { return this.op(0x0c, ...uleb(depth)); }
  brIf(depth: number): this { return this.op(0x0d, ...uleb(depth)); }
  drop(): this { return this.op(0x1a); }

  // locals
  get(index: number): this { return this.op(0x20, ...uleb(index)); }
  set(index: number): this { return this.op(0x21, ...uleb(index)); }
  tee(index: number): this { return this.op(0x22, ...uleb(index)); }

  // i32 arithmetic
  i32(value: number): this { return this.op(0x41, ...sleb(value)); }
  i32Eqz(): this { return this.op(0x45); }
  i32Ne(): this { return this.op(0x47); }
  i32LtU(): this { return this.op(0x49); }
  i32Add(): this { return this.op(0x6a); }
  i32Sub(): this { return this.op(0x6b); }
  i32Mul(): this { return this.op(0x6c); }
  i32GeU(): this { return this.op(0x4f); }
  i32TruncF32S(): this { return this.op(0xa8); }
  i32TruncF64S(): this { return this.op(0xaa); }

  f32DemoteF64(): this { return this.op(0xb6); }
  f64PromoteF32(): this { return this.op(0xbb); }
  f64Const(value: number): this { return this.op(0x44, ...new Uint8Array(new Float64Array([value]).buffer)); }
  f64Sub(): this { return this.op(0xa1); }
  f64Add(): this { return this.op(0xa0); }
  f32Add(): this { return this.op(0x92); }

  // scalar memory; memarg = (log2 alignment, byte offset)
  i32Load(offset: number): this { return this.op(0x28, 2, ...uleb(offset)); }
  i64Load(offset: number): this { return this.op(0x29, 3, ...uleb(offset)); }
  i32Store(offset: number): this { return this.op(0x36, 2, ...uleb(offset)); }
  i64Store(offset: number): this { return this.op(0x37, 3, ...uleb(offset)); }
  f32Load(offset: number): this { return this.op(0x2a, 2, ...uleb(offset)); }
  f64Load(offset: number): this { return this.op(0x2b, 3, ...uleb(offset)); }
  f32Store(offset: number): this { return this.op(0x38, 2, ...uleb(offset)); }
  f64Store(offset: number): this { return this.op(0x39, 3, ...uleb(offset)); }

  // SIMD; memarg = (log2 alignment, byte offset)
  v128Load(offset: number): this { return this.simd(0x00, 4, ...uleb(offset)); }
  v128Load32Splat(offset: number): this { return this.simd(0x09, 2, ...uleb(offset)); }
  v128Load64Splat(offset: number): this { return this.simd(0x0a, 3, ...uleb(offset)); }
  v128Store(offset: number): this { return this.simd(0x0b, 4, ...uleb(offset)); }
  v128Zero(): this { return this.simd(0x0c, ...new Array<number>(16).fill(0)); }
  i32x4Splat(): this { return this.simd(0x11); }
  f32x4Splat(): this { return this.simd(0x13); }
  f64x2Splat(): this { return this.simd(0x14); }
  f32x4Add(): this { return this.simd(0xe4); }
  f32x4Mul(): this { return this.simd(0xe6); }
  f64x2Add(): this { return this.simd(0xf0); }
  f64x2Mul(): this { return this.simd(0xf2); }
  // constants: one value in every lane (v128.const)
  f32x4Const(value: number): this { return this.lanes(new Float32Array(4).fill(value)); }
  f64x2Const(value: number): this { return this.lanes(new Float64Array(2).fill(value)); }
  i32x4Const(value: number): this { return this.lanes(new Int32Array(4).fill(value)); }
  i64x2Const(value: number): this { return this.lanes(new BigInt64Array(2).fill(BigInt(value))); }
  private lanes(v: Float32Array | Float64Array | Int32Array | BigInt64Array): this { return this.simd(0x0c, ...new Uint8Array(v.buffer)); }
  // lane-wise arithmetic, comparisons (all-ones masks) and bit operations
  f32x4Sub(): this { return this.simd(0xe5); }
  f32x4Div(): this { return this.simd(0xe7); }
  f32x4Sqrt(): this { return this.simd(0xe3); }
  f32x4Abs(): this { return this.simd(0xe0); }
  f32x4Neg(): this { return this.simd(0xe1); }
  f32x4Max(): this { return this.simd(0xe9); }
  f32x4Nearest(): this { return this.simd(0x6a); }
  f32x4Ge(): this { return this.simd(0x46); }
  f64x2Sub(): this { return this.simd(0xf1); }
  f64x2Div(): this { return this.simd(0xf3); }
  f64x2Sqrt(): this { return this.simd(0xef); }
  f64x2Abs(): this { return this.simd(0xec); }
  f64x2Neg(): this { return this.simd(0xed); }
  f64x2Max(): this { return this.simd(0xf5); }
  f64x2Nearest(): this { return this.simd(0x94); }
  f64x2Ge(): this { return this.simd(0x4c); }
  v128Bitselect(): this { return this.simd(0x52); }
  /** i8x16.shuffle of the two vectors on the stack: result byte i = byte bytes[i] of (a ‖ b). */
  i8x16Shuffle(bytes: readonly number[]): this { return this.simd(0x0d, ...bytes); }
  i32x4Add(): this { return this.simd(0xae); }
  i32x4Shl(): this { return this.simd(0xab); }
  i32x4TruncSatF32x4S(): this { return this.simd(0xf8); }
  i32x4TruncSatF64x2SZero(): this { return this.simd(0xfc); }
  i64x2ExtendLowI32x4S(): this { return this.simd(0xc7); }
  i64x2Add(): this { return this.simd(0xce); }
  i64x2Shl(): this { return this.simd(0xcb); }
  f64x2PromoteLowF32x4(): this { return this.simd(0x5f); }
  f32x4Gt(): this { return this.simd(0x44); }
  f32x4Eq(): this { return this.simd(0x41); }
  f64x2Eq(): this { return this.simd(0x47); }
  f64x2Gt(): this { return this.simd(0x4a); }
  v128And(): this { return this.simd(0x4e); }
  v128Or(): this { return this.simd(0x50); }
  i32x4ShrS(): this { return this.simd(0xac); }
  i32x4Sub(): this { return this.simd(0xb1); }
  f32x4ConvertI32x4S(): this { return this.simd(0xfa); }
  f64x2ConvertLowI32x4S(): this { return this.simd(0xfe); }
  f64x2ExtractLane(lane: number): this { return this.simd(0x21, lane); }
  f64x2ReplaceLane(lane: number): this { return this.simd(0x22, lane); }
  f32x4ExtractLane(lane: number): this { return this.simd(0x1f, lane); }
  v128Load64Zero(offset: number): this { return this.simd(0x5d, 3, ...uleb(offset)); }
  /** 8 bytes from memory into 64-bit lane `lane` of the vector (stack [address, vector]) */
  v128Load64Lane(offset: number, lane: number): this { return this.simd(0x57, 3, ...uleb(offset), lane); }
  /** 64-bit lane `lane` of the vector to memory (stack [address, vector]) */
  v128Store64Lane(offset: number, lane: number): this { return this.simd(0x5b, 3, ...uleb(offset), lane); }
  // relaxed SIMD (a·b + c with the stack [a, b, c]; fused where the hardware has FMA)
  f32x4RelaxedMadd(): this { return this.simd(0x105); }
  f64x2RelaxedMadd(): this { return this.simd(0x107); }
  /** relaxed lane select (a where the mask's bytes are set, else b; the stack [a, b, mask]); equal to v128.bitselect for masks whose lanes are all ones or all zeros (comparison results) */
  i8x16RelaxedLaneselect(): this { return this.simd(0x109); }
}

export interface FuncDef {
  name: string;
  params: ValType[];
  results: ValType[];
  /** Extra locals after the parameters, in order. */
  locals: ValType[];
  body: Code;
}

export interface MemoryImport {
  module: string;
  field: string;
  initialPages: number;
  maximumPages?: number;
  shared?: boolean;
}

function section(id: number, payload: number[]): number[] {
  return [id, ...uleb(payload.length), ...payload];
}

/** A whole module: optional imported memory (index 0) and exported functions. */
export function emitModule(funcs: FuncDef[], memory?: MemoryImport): Uint8Array<ArrayBuffer> {
  const out: number[] = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  // one type per function (no dedup needed for a handful of functions)
  out.push(...section(1, vec(funcs.map((f) => [0x60, ...vec(f.params.map((t) => [t])), ...vec(f.results.map((t) => [t]))]))));
  if (memory) {
    const limits = memory.shared
      ? [0x03, ...uleb(memory.initialPages), ...uleb(memory.maximumPages ?? memory.initialPages)]
      : memory.maximumPages === undefined
        ? [0x00, ...uleb(memory.initialPages)]
        : [0x01, ...uleb(memory.initialPages), ...uleb(memory.maximumPages)];
    out.push(...section(2, vec([[...utf8(memory.module), ...utf8(memory.field), 0x02, ...limits]])));
  }
  out.push(...section(3, vec(funcs.map((_, i) => uleb(i)))));
  out.push(...section(7, vec(funcs.map((f, i) => [...utf8(f.name), 0x00, ...uleb(i)]))));
  const bodies = funcs.map((f) => {
    const locals = vec(f.locals.map((t) => [1, t])); // one entry per local: simple, fine for ≤ 64
    const body = [...locals, ...f.body.bytes, 0x0b];
    return [...uleb(body.length), ...body];
  });
  out.push(...section(10, vec(bodies)));
  return new Uint8Array(out);
}

/**
 * True when this engine validates a module that uses relaxed SIMD's f32x4.relaxed_madd. Node 20
 * (V8 11.3) has relaxed SIMD behind --experimental-wasm-relaxed-simd; V8 lets a running process
 * turn that flag on (node:v8 setFlagsFromString), which this function does once before checking.
 * Browsers that ship relaxed SIMD validate without it.
 */
export function relaxedSimdSupported(): boolean {
  if (relaxedChecked !== undefined) return relaxedChecked;
  const body = new Code().v128Zero().v128Zero().v128Zero().f32x4RelaxedMadd().drop();
  const bytes = emitModule([{ name: 'f', params: [], results: [], locals: [], body }]);
  const validates = (): boolean => {
    try {
      return typeof WebAssembly === 'object' && WebAssembly.validate(bytes);
    } catch {
      return false;
    }
  };
  if (!validates() && typeof process !== 'undefined' && typeof process.getBuiltinModule === 'function') {
    const v8 = process.getBuiltinModule('node:v8') as { setFlagsFromString?: (flags: string) => void } | undefined;
    try {
      v8?.setFlagsFromString?.('--experimental-wasm-relaxed-simd');
    } catch {
      // an engine without the flag: stays on plain SIMD
    }
  }
  relaxedChecked = validates();
  return relaxedChecked;
}
let relaxedChecked: boolean | undefined;

/**
 * Compiles a kernel module with the optimising compiler right away. V8 first runs WebAssembly
 * in its baseline compiler (Liftoff, which spills the SIMD accumulators to the stack) and tiers
 * a function up only after it has used its budget, which for a GEMM called a few times can take
 * many calls; in Node the flag --no-liftoff is switched on for this one compilation and back off.
 * Elsewhere this is a plain `new WebAssembly.Module`.
 */
export function compileKernels(bytes: Uint8Array<ArrayBuffer>): WebAssembly.Module {
  const v8 = typeof process !== 'undefined' && typeof process.getBuiltinModule === 'function'
    ? (process.getBuiltinModule('node:v8') as { setFlagsFromString?: (flags: string) => void } | undefined)
    : undefined;
  const userSet = typeof process !== 'undefined' && process.execArgv.some((a) => /^--(no-)?liftoff$/.test(a));
  if (!v8?.setFlagsFromString || userSet) return new WebAssembly.Module(bytes);
  v8.setFlagsFromString('--no-liftoff');
  try {
    return new WebAssembly.Module(bytes);
  } finally {
    v8.setFlagsFromString('--liftoff');
  }
}

/** True when this engine validates a module that uses a 128-bit SIMD instruction. */
export function simdSupported(): boolean {
  if (typeof WebAssembly !== 'object' || typeof WebAssembly.validate !== 'function') return false;
  const body = new Code().i32(0).i32x4Splat().drop();
  try {
    return WebAssembly.validate(emitModule([{ name: 'f', params: [], results: [], locals: [], body }]));
  } catch {
    return false;
  }
}
