// GPU.js kernel sources, one factory per op family: a template plus a one-line body per op.
// Every kernel writes a flat float32 output of `size` elements indexed by this.thread.x and reads
// flat inputs; shapes, strides and loop bounds arrive as GPU.js constants, which are compiled into
// the shader (so loops have constant bounds, as GLSL ES 1.0 requires). Index arithmetic is float
// in the generated shaders; it is exact below 2²⁴ elements, which the backend enforces.

import type { BinaryKernelOp, MatmulParams, PointwiseMap, PointwisePass, SplinePass, UnaryKernelOp } from '../../engine/backend.js';

/** A kernel to compile: JavaScript source for GPU.js plus the constants it reads. */
export interface KernelSpec {
  /** Cache key part naming the template and op. */
  family: string;
  source: string;
  constants: Record<string, number>;
  /** Largest loop trip count (GPU.js truncates loops at loopMaxIterations, default 1000). */
  loop: number;
}

// ---------------------------------------------------------------------------------------------
// element-wise: out[i] = f(x[i]) and out[i] = f(u[i], v[i])

const UNARY_BODY: Record<UnaryKernelOp, string> = {
  neg: 'return -v;',
  exp: 'return Math.exp(v);',
  log: 'return Math.log(v);',
  // log1p(v) = log(u)·v/(u−1) with u = 1+v (Goldberg): exact near 0 where log(1+v) is not
  log1p: 'let u = 1.0 + v; if (u == 1.0) { return v; } return Math.log(u) * v / (u - 1.0);',
  // tanh(v) = sign(v)·(1−t)/(1+t), t = e^{−2|v|} ≤ 1: no overflow for large |v|
  tanh: 'let t = Math.exp(-2.0 * Math.abs(v)); let r = (1.0 - t) / (1.0 + t); if (v < 0.0) { return -r; } return r;',
  abs: 'return Math.abs(v);',
  sign: 'if (v > 0.0) { return 1.0; } if (v < 0.0) { return -1.0; } return 0.0;',
  sqrt: 'return Math.sqrt(v);',
  reciprocal: 'return 1.0 / v;',
  sin: 'return Math.sin(v);',
  cos: 'return Math.cos(v);',
};

export function unarySpec(op: UnaryKernelOp): KernelSpec {
  return {
    family: `unary:${op}`,
    source: `function (x) { let v = x[this.thread.x]; ${UNARY_BODY[op]} }`,
    constants: {},
    loop: 0,
  };
}

const BINARY_BODY: Record<BinaryKernelOp, string> = {
  add: 'return u + v;',
  mul: 'return u * v;',
  // NaN propagates from either operand, as on the CPU (u != u only for NaN)
  maximum: 'if (u != u || u > v) { return u; } return v;',
  greater: 'if (u > v) { return 1.0; } return 0.0;',
  equal: 'if (u == v) { return 1.0; } return 0.0;',
};

export function binarySpec(op: BinaryKernelOp): KernelSpec {
  return {
    family: `binary:${op}`,
    source: `function (a, b) { let u = a[this.thread.x]; let v = b[this.thread.x]; ${BINARY_BODY[op]} }`,
    constants: {},
    loop: 0,
  };
}

/** out[i] = c[0]·x[i] + c[1]: the constants travel as a 2-element input, so one kernel serves all. */
export function affineSpec(): KernelSpec {
  return { family: 'affine', source: 'function (x, c) { return c[0] * x[this.thread.x] + c[1]; }', constants: {}, loop: 0 };
}

/**
 * One output of a fused Adam step (see KernelTable.adam): 'm', 'v' or 'p'. The constants
 * [lr, β1, β2, ε, c1, c2] travel as a 6-element input so one compiled kernel serves every step.
 */
export function adamSpec(out: 'm' | 'v' | 'p'): KernelSpec {
  const body = {
    m: 'return h[1] * m[i] + (1.0 - h[1]) * g;',
    v: 'return h[2] * v[i] + (1.0 - h[2]) * g * g;',
    p: 'let mi = h[1] * m[i] + (1.0 - h[1]) * g; let vi = h[2] * v[i] + (1.0 - h[2]) * g * g; ' +
      'return p[i] - h[0] * (mi / h[4]) / (Math.sqrt(vi / h[5]) + h[3]);',
  }[out];
  return { family: `adam:${out}`, source: `function (p, d, m, v, h) { let i = this.thread.x; let g = d[i]; ${body} }`, constants: {}, loop: 0 };
}

/** out[i] = x[i]: uploads a host array, and copies (cast to float32). */
export function copySpec(): KernelSpec {
  return { family: 'copy', source: 'function (x) { return x[this.thread.x]; }', constants: {}, loop: 0 };
}

// ---------------------------------------------------------------------------------------------
// index remaps (transpose, expand, slice, pad): out[i] = x[offset + Σ_a c_a(i)·stride_a]

/**
 * Splits the flat index `rest` into the coordinate of axis `a` (extent this.constants.d{a}) and
 * the index of the axes before it. floor(rest/d) may be off by one in float arithmetic, so the
 * remainder is corrected into [0, d).
 */
function splitAxis(a: number): string {
  const d = `this.constants.d${a}`;
  return [
    `let q${a} = Math.floor(rest / ${d});`,
    `let c${a} = rest - q${a} * ${d};`,
    `if (c${a} < 0.0) { c${a} = c${a} + ${d}; q${a} = q${a} - 1.0; }`,
    `if (c${a} >= ${d}) { c${a} = c${a} - ${d}; q${a} = q${a} + 1.0; }`,
    `rest = q${a};`,
  ].join(' ');
}

/**
 * Gather: outShape with per-axis input strides (0 on broadcast axes) and a start offset.
 * `window` (pad): input coordinate c − lo must lie in [0, extent), else the output is 0.
 */
export function remapSpec(
  kind: string,
  outShape: readonly number[],
  strides: readonly number[],
  offset: number,
  window?: { lo: readonly number[]; extent: readonly number[] },
): KernelSpec {
  const constants: Record<string, number> = { offset };
  const lines: string[] = ['let rest = this.thread.x * 1.0;', 'let src = this.constants.offset * 1.0;', 'let inside = 1.0;'];
  for (let a = outShape.length - 1; a >= 0; a--) {
    if (outShape[a] === 1) continue; // coordinate is always 0
    constants[`d${a}`] = outShape[a];
    constants[`s${a}`] = strides[a];
    lines.push(splitAxis(a));
    if (window === undefined) {
      lines.push(`src = src + c${a} * this.constants.s${a};`);
    } else {
      constants[`lo${a}`] = window.lo[a];
      constants[`n${a}`] = window.extent[a];
      lines.push(`let w${a} = c${a} - this.constants.lo${a};`);
      lines.push(`if (w${a} < 0.0 || w${a} >= this.constants.n${a}) { inside = 0.0; }`);
      lines.push(`src = src + w${a} * this.constants.s${a};`);
    }
  }
  lines.push(window === undefined ? 'return x[src];' : 'if (inside < 0.5) { return 0.0; } return x[src];');
  return { family: `remap:${kind}:${outShape.length}`, source: `function (x) { ${lines.join(' ')} }`, constants, loop: 0 };
}

// ---------------------------------------------------------------------------------------------
// reductions over the last axis, in chunks: out[o·g + c] = fold_{j<ch, c·ch+j<n} x[o·n + c·ch + j]

export type ReduceOp = 'sum' | 'max';

const FOLD: Record<ReduceOp, string> = {
  sum: 'acc = acc + v;',
  max: 'if (v > acc || v != v) { acc = v; }', // a NaN sticks: nothing compares greater than it
};

/** One pass: rows of length n become rows of g = ⌈n/ch⌉ partial results. Cost n reads per row. */
export function reduceSpec(op: ReduceOp, n: number, ch: number): KernelSpec {
  const g = Math.ceil(n / ch);
  const source = [
    'function (x) {',
    'let rest = this.thread.x * 1.0;',
    splitAxis(0).replace(/d0/g, 'g'),
    'let base = q0 * this.constants.n + c0 * this.constants.ch;',
    'let left = this.constants.n - c0 * this.constants.ch;',
    'let acc = x[base];',
    'for (let j = 1; j < this.constants.ch; j++) {',
    `if (j < left) { let v = x[base + j]; ${FOLD[op]} }`,
    '}',
    'return acc;',
    '}',
  ].join(' ');
  return { family: `reduce:${op}`, source, constants: { n, ch, g }, loop: ch };
}

// ---------------------------------------------------------------------------------------------
// matmul: C[b,i,j] = Σ_p op(A)[b,i,p]·op(B)[b,p,j], k unrolled in tiles of 4. Cost 2·batch·m·n·k.

export function matmulSpec(p: MatmulParams): KernelSpec {
  const { m, n, k, transA, transB } = p;
  const k4 = Math.floor(k / 4);
  const constants: Record<string, number> = {
    m, n, k, mn: m * n, mk: m * k, kn: k * n, k4, k4x4: k4 * 4, kr: k - k4 * 4,
    // op(A)[i,p] = A[b·mk + i·ai + p·ap];  op(B)[p,j] = B[b·kn + p·bp + j·bj]
    ai: transA ? 1 : k, ap: transA ? m : 1,
    bp: transB ? 1 : n, bj: transB ? k : 1,
  };
  const term = (dp: number): string =>
    `a[ia + (p + ${dp}.0) * this.constants.ap] * b[ib + (p + ${dp}.0) * this.constants.bp]`;
  const source = [
    'function (a, b) {',
    'let rest = this.thread.x * 1.0;',
    splitAxis(0).replace(/d0/g, 'mn'), // c0: index inside the matrix, q0: batch
    'let bt = q0;',
    'rest = c0;',
    splitAxis(1).replace(/d1/g, 'n'), // c1: column j, q1: row i
    'let ia = bt * this.constants.mk + q1 * this.constants.ai;',
    'let ib = bt * this.constants.kn + c1 * this.constants.bj;',
    'let acc = 0.0;',
    'for (let t = 0; t < this.constants.k4; t++) {',
    'let p = t * 4.0;',
    `acc = acc + ${term(0)} + ${term(1)} + ${term(2)} + ${term(3)};`,
    '}',
    'for (let r = 0; r < this.constants.kr; r++) {',
    'let p = this.constants.k4x4 + r;',
    `acc = acc + ${term(0)};`,
    '}',
    'return acc;',
    '}',
  ].join(' ');
  return { family: `matmul:${transA ? 'T' : 'N'}${transB ? 'T' : 'N'}`, source, constants, loop: Math.max(k4, 4) };
}

// ---------------------------------------------------------------------------------------------
// fused kernels for hand-written gradients (see KernelTable.gemm and KernelTable.pointwise)

/**
 * Epilogue of a product: out[i] = h[0]·p[i] (+ h[1]·c[i]) (+ bias[i mod n]); the scales travel
 * as a 2-element input so one compiled kernel serves every alpha and beta.
 */
export function epilogueSpec(hasC: boolean, hasBias: boolean, n: number): KernelSpec {
  const params = ['p', ...(hasC ? ['c'] : []), ...(hasBias ? ['bias'] : []), 'h'];
  const lines = ['let i = this.thread.x * 1.0;', 'let v = h[0] * p[i];'];
  if (hasC) lines.push('v = v + h[1] * c[i];');
  if (hasBias) {
    lines.push('let q = Math.floor(i / this.constants.n); let j = i - q * this.constants.n;');
    lines.push('if (j < 0.0) { j = j + this.constants.n; } if (j >= this.constants.n) { j = j - this.constants.n; }');
    lines.push('v = v + bias[j];');
  }
  lines.push('return v;');
  return { family: `epilogue:${hasC}:${hasBias}`, source: `function (${params.join(', ')}) { ${lines.join(' ')} }`, constants: hasBias ? { n } : {}, loop: 0 };
}

/**
 * Bodies of the pointwise passes of σ(y) = linear·y + outer·φ(inner·y); `v` = y[i], `g` = back[i],
 * `h` = [linear, outer, inner], `x` = inner·v. Formulas as on the CPU (backends/cpu/fused.ts).
 */
const POINTWISE_BODY: Record<PointwiseMap['base'], Record<PointwisePass, string>> = {
  softplus: {
    value: 'let e = Math.exp(-Math.abs(x)); let r = 0.0; if (x > 0.0) { r = x; } let u = 1.0 + e; let l1p = e; if (u != 1.0) { l1p = Math.log(u) * e / (u - 1.0); } return h[0] * v + h[1] * (r + l1p);',
    'log-derivative': 'let e = Math.exp(-Math.abs(x)); let s = e / (1.0 + e); if (x >= 0.0) { s = 1.0 / (1.0 + e); } return Math.log(h[0] + h[1] * h[2] * s);',
    'input-gradient': 'let e = Math.exp(-Math.abs(x)); let s = e / (1.0 + e); if (x >= 0.0) { s = 1.0 / (1.0 + e); } let d = h[0] + h[1] * h[2] * s; return d * g - h[1] * h[2] * h[2] * s * (1.0 - s) / d;',
  },
  tanh: {
    value: 'let t = Math.exp(-2.0 * Math.abs(x)); let r = (1.0 - t) / (1.0 + t); if (x < 0.0) { r = -r; } return h[0] * v + h[1] * r;',
    'log-derivative': 'let t = Math.exp(-2.0 * Math.abs(x)); let r = (1.0 - t) / (1.0 + t); return Math.log(h[0] + h[1] * h[2] * (1.0 - r * r));',
    'input-gradient': 'let t = Math.exp(-2.0 * Math.abs(x)); let r = (1.0 - t) / (1.0 + t); if (x < 0.0) { r = -r; } let sech2 = 1.0 - r * r; let d = h[0] + h[1] * h[2] * sech2; return d * g + 2.0 * h[1] * h[2] * h[2] * r * sech2 / d;',
  },
};

/** One pass of a pointwise map with base φ; the coefficients travel as the input h, so one compiled kernel serves every map of a base. */
export function pointwiseSpec(pass: PointwisePass, base: PointwiseMap['base']): KernelSpec {
  const withBack = pass === 'input-gradient';
  const params = withBack ? 'y, back, h' : 'y, h';
  const load = withBack ? 'let v = y[this.thread.x]; let g = back[this.thread.x];' : 'let v = y[this.thread.x];';
  return { family: `pointwise:${base}:${pass}`, source: `function (${params}) { ${load} let x = h[2] * v; ${POINTWISE_BODY[base][pass]} }`, constants: {}, loop: 0 };
}

// ---------------------------------------------------------------------------------------------
// spline passes (see KernelTable.spline; the formulas of backends/cpu/spline.ts). The knots are
// three flat inputs xs, ys, ds [dim, K+1]; the bin is found by a linear scan over the K-1 interior knots.

/** Loads the bin of v for unit j from the x-knots or the y-knots (`search`) and its six values. */
function splineBin(search: 'xs' | 'ys'): string {
  return [
    'let o = j * this.constants.k1;',
    'let bin = 0.0;',
    `for (let q = 1; q < this.constants.bins; q++) { if (${search}[o + q] <= v) { bin = q * 1.0; } }`,
    'let kx = o + bin;',
    'let x0 = xs[kx]; let w = xs[kx + 1.0] - x0;',
    'let y0 = ys[kx]; let h = ys[kx + 1.0] - y0;',
    'let s = h / w;',
    'let d0 = ds[kx]; let d1 = ds[kx + 1.0];',
    'let e = d0 + d1 - 2.0 * s;',
  ].join(' ');
}

/** ξ, t, the denominator and the numerators A (of f) and C (of f') for v in its bin, and ∂log f'/∂ξ. */
const SPLINE_TERMS = 'let xi = (v - x0) / w; let om = 1.0 - xi; let t = xi * om; let den = s + e * t; ' +
  'let A = s * xi * xi + d0 * t; let C = d1 * xi * xi + 2.0 * s * t + d0 * om * om; ' +
  'let lXi = (2.0 * d1 * xi - 2.0 * d0 * om + 2.0 * s * (1.0 - 2.0 * xi)) / C - 2.0 * e * (1.0 - 2.0 * xi) / den;';

/** out = [a (the first `n` values), b (the rest)]: the 'backward' pass's two parts joined. */
export function joinSpec(n: number): KernelSpec {
  return { family: 'join', source: 'function (a, b) { let i = this.thread.x * 1.0; if (i < this.constants.n) { return a[i]; } return b[i - this.constants.n]; }', constants: { n }, loop: 0 };
}

export function splineSpec(pass: Exclude<SplinePass, 'backward'>, dim: number, bins: number, bound: number, rows: number): KernelSpec {
  const constants = { dim, bins, k1: bins + 1, stride: dim * (bins + 1), bound, rows };
  const inside = 'v >= -this.constants.bound && v < this.constants.bound';
  const unit = 'let i = this.thread.x * 1.0; let row = Math.floor(i / this.constants.dim); let j = i - row * this.constants.dim; ' +
    'if (j < 0.0) { j = j + this.constants.dim; } if (j >= this.constants.dim) { j = j - this.constants.dim; }';
  const family = `spline:${pass}`;
  if (pass === 'knot-gradient') {
    // thread q owns knot (which, j, kk) of the [3, dim, K+1] output; it sums the rows whose bin touches it
    const source = [
      'function (x, back, xs, ys, ds) {',
      'let q = this.thread.x * 1.0; let which = Math.floor(q / this.constants.stride); let r = q - which * this.constants.stride;',
      'let j = Math.floor(r / this.constants.k1); let kk = r - j * this.constants.k1;',
      'let acc = 0.0;',
      'for (let n = 0; n < this.constants.rows; n++) {',
      'let v = x[n * this.constants.dim + j]; let g = back[n * this.constants.dim + j];',
      `if (${inside}) {`,
      splineBin('xs'),
      'if (bin == kk || bin == kk - 1.0) {',
      SPLINE_TERMS,
      'let den2 = den * den; let denXi = e * (1.0 - 2.0 * xi); let denS = 1.0 - 2.0 * t;',
      'let fXi = h * ((2.0 * s * xi + d0 * (1.0 - 2.0 * xi)) * den - A * denXi) / den2;',
      'let fS = h * (xi * xi * den - A * denS) / den2; let fH = A / den;',
      'let lS = 2.0 / s + 2.0 * t / C - 2.0 * denS / den;',
      'let eXi = g * fXi - lXi; let eS = g * fS - lS; let eH = g * fH;',
      'if (bin == kk) {',
      'if (which == 0.0) { acc = acc + eXi * (xi - 1.0) / w + eS * s / w; }',
      'if (which == 1.0) { acc = acc + g - eH - eS / w; }',
      'if (which == 2.0) { acc = acc + g * h * t * (den - A) / den2 - (om * om / C - 2.0 * t / den); }',
      '} else {',
      'if (which == 0.0) { acc = acc - eXi * xi / w - eS * s / w; }',
      'if (which == 1.0) { acc = acc + eH + eS / w; }',
      'if (which == 2.0) { acc = acc - g * h * A * t / den2 - (xi * xi / C - 2.0 * t / den); }',
      '}',
      '}',
      '}',
      '}',
      'return acc;',
      '}',
    ].join(' ');
    return { family, source, constants, loop: Math.max(rows, bins) };
  }
  if (pass === 'inverse') {
    const source = [
      'function (x, xs, ys, ds) {',
      unit,
      'let v = x[this.thread.x];',
      `if (!(${inside})) { return v; }`,
      splineBin('ys'),
      'let dy = v - y0; let a = h * (s - d0) + dy * e; let b = h * d0 - dy * e; let c = -s * dy;',
      'let disc = Math.max(0.0, b * b - 4.0 * a * c);',
      'let xi = Math.min(1.0, Math.max(0.0, 2.0 * c / (-b - Math.sqrt(disc))));',
      'return x0 + xi * w;',
      '}',
    ].join(' ');
    return { family, source, constants, loop: bins };
  }
  const withBack = pass === 'input-gradient';
  const outside = pass === 'value' ? 'return v;' : pass === 'log-derivative' ? 'return 0.0;' : 'return back[this.thread.x];';
  const result = pass === 'value' ? 'return y0 + h * A / den;'
    : pass === 'log-derivative' ? 'return Math.log(s * s * C / (den * den));'
    : 'let g = back[this.thread.x]; return g * s * s * C / (den * den) - lXi / w;';
  const source = [
    `function (x, ${withBack ? 'back, ' : ''}xs, ys, ds) {`,
    unit,
    'let v = x[this.thread.x];',
    `if (!(${inside})) { ${outside} }`,
    splineBin('xs'),
    SPLINE_TERMS,
    result,
    '}',
  ].join(' ');
  return { family, source, constants, loop: bins };
}
