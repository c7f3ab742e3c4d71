// A CPU backend wrapped to count live storage: every upload and kernel result is an allocation,
// every free releases one. Lets memory tests check that scopes free exactly what they should
// (no leaks, no double frees) rather than only the `isDisposed` flags.

import { createCpuBackend } from '../../backends/cpu/index.js';
import type { Backend, KernelTable } from '../../index.js';

export interface CountingBackend {
  backend: Backend;
  /** Storage handles allocated and not yet freed. */
  live(): number;
  /** Frees of a handle that was not live (double frees or foreign handles). */
  badFrees(): number;
}

export function countingCpuBackend(): CountingBackend {
  const inner = createCpuBackend();
  const alive = new Set<unknown>();
  let bad = 0;
  const track = <T>(s: T): T => {
    alive.add(s);
    return s;
  };
  const k = inner.kernels;
  const kernels: KernelTable<unknown> = {
    unary: (op, x, size) => track(k.unary(op, x as never, size)),
    binary: (op, a, b, size) => track(k.binary(op, a as never, b as never, size)),
    affine: (x, size, scale, shift) => track(k.affine(x as never, size, scale, shift)),
    adam: (p, d, m, v, size, h) => {
      const r = k.adam(p as never, d as never, m as never, v as never, size, h);
      track(r.p);
      track(r.m);
      track(r.v);
      return r;
    },
    sum: (x, shape, axes) => track(k.sum(x as never, shape, axes)),
    max: (x, shape, axes) => track(k.max(x as never, shape, axes)),
    transpose: (x, shape, perm) => track(k.transpose(x as never, shape, perm)),
    expand: (x, shape, out) => track(k.expand(x as never, shape, out)),
    slice: (x, shape, begin, size) => track(k.slice(x as never, shape, begin, size)),
    pad: (x, shape, before, after) => track(k.pad(x as never, shape, before, after)),
    cast: (x, size, to) => track(k.cast(x as never, size, to)),
    matmul: (a, b, p) => track(k.matmul(a as never, b as never, p)),
    gemm: (a, b, p, alpha, c, beta, bias) => track(k.gemm(a as never, b as never, p, alpha, c as never, beta, bias as never)),
    activation: (pass, act, y, back, size) => track(k.activation(pass, act, y as never, back as never, size)),
    solve: (a, b, p, nrhs) => track(k.solve(a as never, b as never, p, nrhs)),
    inv: (a, p) => track(k.inv(a as never, p)),
    slogdet: (a, p) => {
      const r = k.slogdet(a as never, p);
      track(r.sign);
      track(r.logabsdet);
      return r;
    },
  };
  const backend: Backend = {
    name: 'cpu-counting',
    defaultDtype: 'float64',
    describe: () => ({ ...inner.describe(), name: 'cpu-counting' }),
    upload: (values, dtype) => track(inner.upload(values, dtype)),
    readSync: (s, dtype, size) => inner.readSync(s as never, dtype, size),
    read: (s, dtype, size) => inner.read(s as never, dtype, size),
    free: (s) => {
      if (!alive.delete(s)) bad++;
    },
    kernels,
  };
  return { backend, live: () => alive.size, badFrees: () => bad };
}
