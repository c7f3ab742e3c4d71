// The threaded tier keeps tensor storage in its shared memory (backends/cpu/threads/arena.ts).
// Checked here: the allocator (blocks never overlap, freed blocks coalesce and are reused, the
// top comes down, a full memory says no, views stay recognised across a grow, collected views
// are freed); products whose operands and result live there, in every mix with ordinary arrays,
// against naive float64 loops; element-wise passes over such arrays against the formulas; and
// a chain of products on the backend that places its storage there.

import t from 'tap';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { SharedArena, SLACK } from '../backends/cpu/threads/arena.js';
import { createThreadedRuntime } from '../backends/cpu/threads/index.js';
import { CTRL_NEXT_CHUNK, CTRL_SEQ, CTRL_STATUS, JOB_BYTES_AT, JOB_WORDS, MAX_THREADS } from '../backends/cpu/threads/worker.js';
import { createCpuBackend } from '../backends/cpu/index.js';
import { ArrayPool } from '../backends/cpu/pool.js';
import { PAGE } from '../backends/cpu/wasm/kernel.js';
import { Rng } from '../engine/random.js';
import type { TypedArray } from '../engine/dtype.js';

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

const sharedMemory = (pages: number, maximum: number): WebAssembly.Memory => new WebAssembly.Memory({ initial: pages, maximum, shared: true });

t.test('arena: disjoint blocks, reuse, coalescing, the top comes down, full says no', async (t) => {
  const memory = sharedMemory(1, 64);
  const arena = new SharedArena(memory, 1000, 64 * PAGE);
  const rng = new Rng(7);
  const live = new Map<number, number>();
  for (let round = 0; round < 400; round++) {
    if (live.size > 0 && rng.uniform() < 0.45) {
      const keys = [...live.keys()];
      const at = keys[Math.floor(rng.uniform() * keys.length)];
      arena.release(at);
      live.delete(at);
    } else {
      const bytes = 1 + Math.floor(rng.uniform() * 20000);
      const at = arena.allocBytes(bytes);
      if (at === undefined) continue;
      t.equal(at % 64, 0, 'aligned') || t.fail(`block at ${at}`);
      for (const [other, len] of live) {
        if (at < other + len && other < at + bytes) t.fail(`block ${at}+${bytes} overlaps ${other}+${len}`);
      }
      t.ok(at >= 1000 && at + bytes + SLACK <= memory.buffer.byteLength, 'inside the memory with slack above');
      live.set(at, bytes);
    }
  }
  for (const at of live.keys()) arena.release(at);
  t.equal(arena.bytesInUse, 0, 'everything freed');
  // all freed: the top is back at the start, so one block of everything fits again
  const first = arena.allocBytes(64);
  t.equal(first, 1024, 'the next block starts at the (aligned) start again');
  t.equal(arena.allocBytes(64 * PAGE), undefined, 'a block beyond the maximum is refused');
  t.equal(arena.bytesInUse, 64, 'a refused block takes nothing');
});

t.test('arena: views are recognised across a grow; collected views are freed', async (t) => {
  const memory = sharedMemory(1, 256);
  const arena = new SharedArena(memory, 0, 256 * PAGE);
  const early = arena.alloc('float32', 10) as Float32Array;
  const bufferBefore = memory.buffer;
  const big = arena.alloc('float64', 200_000) as Float64Array; // grows the memory
  t.not(memory.buffer, bufferBefore, 'the memory grew (a new buffer object)');
  t.ok(arena.owns(early) && arena.owns(big), 'views from before and after the grow are owned');
  t.notOk(arena.owns(new Float32Array(10)), 'an ordinary array is not');
  t.notOk(arena.owns(new Float32Array(new SharedArrayBuffer(64))), "another SharedArrayBuffer's view is not");
  early.fill(3);
  big.fill(-1);
  t.same([...early], new Array(10).fill(3), 'blocks do not overlap');
  const inUse = arena.bytesInUse;
  (() => {
    for (let i = 0; i < 50; i++) arena.alloc('float32', 1000);
  })();
  t.ok(arena.bytesInUse >= inUse + 50 * 4000, 'fifty more blocks in use');
  for (let i = 0; i < 5 && arena.bytesInUse > inUse; i++) {
    collectGarbage();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  t.equal(arena.bytesInUse, inUse, 'the unreachable views were freed after a collection');
  t.equal(big[199_999], -1, 'live views keep their contents');
});

t.test('arena: a soft limit, raised a turn later for blocks still in use (issue 22, smaller)', async (t) => {
  const turn = () => new Promise((ok) => setTimeout(ok, 5));
  const memory = sharedMemory(1, 256);
  const arena = new SharedArena(memory, 0, 256 * PAGE, 1 << 20);
  const block = 64 * 1024;
  const held: number[] = [];
  for (let i = 0; i < 64; i++) {
    const at = arena.allocBytes(block);
    if (at !== undefined) held.push(at);
  }
  // a loop that never yields gets 1 MiB of blocks, the rest falls back to ordinary arrays
  t.equal(held.length, 16, 'the blocks up to the soft limit');
  t.ok(arena.memoryBytes <= (1 << 20) + SLACK + PAGE, `memory ${arena.memoryBytes} stays within the soft limit and slack`);
  await turn();
  // still in use a turn later: the limit becomes 2 × 1 MiB
  for (let i = 0; i < 64; i++) {
    const at = arena.allocBytes(block);
    if (at !== undefined) held.push(at);
  }
  t.equal(held.length, 32, 'raised to twice the bytes in use');
  for (const at of held) arena.release(at);
  t.equal(arena.bytesInUse, 0);
  await turn();
  t.ok(arena.memoryBytes <= (2 << 20) + SLACK + PAGE, `memory ${arena.memoryBytes}: never past what was in use`);
  // garbage: views dropped without release are freed by the collector, and the limit stays
  let views = 0;
  for (let i = 0; i < 16; i++) if (arena.alloc('float64', block / 8) !== undefined) views++;
  t.equal(views, 16, 'dropped views, within the limit');
  await turn();
  collectGarbage();
  await turn();
  t.equal(arena.bytesInUse, 0, 'collected views returned their blocks');
  const limitBefore = arena.memoryBytes;
  await turn();
  t.equal(arena.memoryBytes, limitBefore, 'no growth from garbage');
});

t.test('threaded tier: a loop of 64×64 products\' outputs without dispose stays within the arena\'s soft limit', async (t) => {
  const small = createThreadedRuntime({ threads: 2, arenaBytes: 4 << 20 });
  if (!small) {
    t.pass('no threaded tier here (fewer than 2 cores or no shared memory)');
    return;
  }
  t.teardown(() => small.close());
  const start = small.arena.memoryBytes;
  let placed = 0;
  // 2000 outputs of 64×64 float64 (32 KiB each, 62.5 MiB in all), none released, no turn taken
  for (let i = 0; i < 2000; i++) if (small.alloc('float64', 64 * 64) !== undefined) placed++;
  t.equal(placed, 128, '4 MiB of them in the arena, the rest ordinary arrays');
  t.ok(small.arena.memoryBytes <= start + (4 << 20) + SLACK + PAGE, `shared memory ${small.arena.memoryBytes} bytes (started at ${start})`);
  // the old behaviour, for contrast: with the whole maximum as the soft limit the memory grows with the loop
  const unbounded = createThreadedRuntime({ threads: 2, arenaBytes: 2 ** 30 });
  if (!unbounded) return;
  t.teardown(() => unbounded.close());
  for (let i = 0; i < 2000; i++) unbounded.alloc('float64', 64 * 64);
  t.ok(unbounded.arena.memoryBytes > 60 * 2 ** 20, `without a soft limit: ${unbounded.arena.memoryBytes} bytes`);
});

t.test('arena + pool: arrays the pool does not keep go back to the arena at once (a loop that never yields stays in place)', async (t) => {
  const memory = sharedMemory(1, 256);
  const arena = new SharedArena(memory, 1000, 256 * PAGE);
  const pool = new ArrayPool({ place: (dtype, size) => arena.alloc(dtype, size), unplace: (a) => arena.freeArray(a), perSize: 8 });
  const size = 4096;
  const arrays = Array.from({ length: 20 }, () => pool.take('float32', size));
  t.ok(arrays.every((a) => arena.owns(a)), 'placed in the arena');
  const inUse = arena.bytesInUse;
  t.equal(inUse, 20 * size * 4, '20 blocks in use');
  for (const a of arrays) pool.give(a);
  t.equal(arena.bytesInUse, 8 * size * 4, 'the 12 the pool does not keep are freed now (8 kept for reuse)');
  arena.freeArray(arrays[19]);
  t.equal(arena.bytesInUse, 8 * size * 4, 'freeing a freed array again changes nothing');
  t.equal(arena.alloc('float32', size)?.byteOffset, arrays[8].byteOffset, 'the lowest freed block is reused first');
  // a steady loop: take 20, give 20, many times, never yielding: the arena's use does not grow
  for (let round = 0; round < 50; round++) {
    const batch = Array.from({ length: 20 }, () => pool.take('float32', size));
    for (const a of batch) pool.give(a);
  }
  t.ok(arena.bytesInUse <= 21 * size * 4, `after 50 rounds: ${arena.bytesInUse} bytes in use`);
});

t.test('the thread count is capped where the control words and job slots end', async (t) => {
  const many = createThreadedRuntime({ threads: 40 });
  if (many) {
    t.equal(many.threads, MAX_THREADS, `40 asked, ${many.threads} used`);
    await many.close();
  } else t.comment('no threaded tier here');
  t.ok(JOB_BYTES_AT + MAX_THREADS * JOB_WORDS * 8 <= 4096 && CTRL_SEQ + MAX_THREADS <= CTRL_NEXT_CHUNK && CTRL_STATUS + MAX_THREADS <= CTRL_SEQ, 'the slots of MAX_THREADS threads fit the 4096 control bytes without overlapping');
});

type Ctor = Float64ArrayConstructor | Float32ArrayConstructor;
const threaded = createThreadedRuntime({ threads: 2, minFlops: 0 });

if (threaded) {
  t.teardown(() => threaded.close());
  const th = threaded;
  const rng = new Rng(99);
  /** A copy of `src` in the arena, or an ordinary copy. */
  const place = (src: TypedArray, inArena: boolean): TypedArray => {
    const dtype = src instanceof Float64Array ? 'float64' : 'float32';
    const out = inArena ? th.alloc(dtype, src.length) : src instanceof Float64Array ? new Float64Array(src.length) : new Float32Array(src.length);
    if (out === undefined) throw new Error('arena full');
    out.set(src);
    return out;
  };
  const fill = (T: Ctor, n: number): TypedArray => {
    const out = new T(n);
    for (let i = 0; i < n; i++) out[i] = rng.normal();
    return out;
  };

  t.test('products with operands and result in the arena, in every mix, against naive loops', async (t) => {
    const shapes: [number, number, number][] = [[37, 53, 29], [100, 150, 100], [150, 100, 100], [150, 150, 17], [5, 300, 64]];
    for (const [T, tol] of [[Float64Array, 1e-12], [Float32Array, 1e-4]] as const) {
      for (const [m, n, k] of shapes) {
        for (let mix = 0; mix < 8; mix++) {
          const transA = (mix + m) % 2 === 1;
          const transB = (mix + n) % 3 === 0;
          const pad = mix % 3;
          const lda = (transA ? m : k) + pad;
          const ldb = (transB ? k : n) + pad;
          const ldc = n + pad;
          const [aOffset, bOffset, cOffset] = [2 * pad, 3 * pad, pad];
          const beta = [0, 1, -0.5][mix % 3];
          const alpha = mix % 2 === 0 ? 1 : 0.25;
          const a0 = fill(T, aOffset + (transA ? k : m) * lda);
          const b0 = fill(T, bOffset + (transB ? n : k) * ldb);
          const c0 = fill(T, cOffset + m * ldc);
          const a = place(a0, (mix & 1) !== 0);
          const b = place(b0, (mix & 2) !== 0);
          const c = place(c0, (mix & 4) !== 0);
          th.gemm({ transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc });
          let worst = 0;
          let touched = 0;
          const inside = new Set<number>();
          for (let i = 0; i < m; i++) {
            for (let j = 0; j < n; j++) {
              let sum = 0;
              let scale = 0;
              for (let p = 0; p < k; p++) {
                const x = (transA ? a0[aOffset + p * lda + i] : a0[aOffset + i * lda + p]) * (transB ? b0[bOffset + j * ldb + p] : b0[bOffset + p * ldb + j]);
                sum += x;
                scale += Math.abs(x);
              }
              const at = cOffset + i * ldc + j;
              inside.add(at);
              const want = alpha * sum + (beta === 0 ? 0 : beta * c0[at]);
              worst = Math.max(worst, Math.abs(c[at] - want) / (tol * (Math.abs(alpha) * scale + Math.abs(beta * c0[at])) + 1e-300));
            }
          }
          for (let q = 0; q < c.length; q++) if (!inside.has(q) && !Object.is(c[q], c0[q])) touched++;
          t.ok(worst <= 1 && touched === 0, `${T.name} [${m}x${k}]${transA ? 'ᵀ' : ''}·[${k}x${n}]${transB ? 'ᵀ' : ''} β=${beta} in arena: ${(mix & 1) ? 'A ' : ''}${(mix & 2) ? 'B ' : ''}${(mix & 4) ? 'C' : ''}`, { worst, touched });
        }
      }
    }
  });

  t.test('SIMD smooth leaky ReLU passes (value, log σ\', backprop; arrays in the arena) against the formulas, special values included', async (t) => {
    const softplus = (v: number): number => (v > 30 ? v : v < -700 ? 0 : Math.log(1 + Math.exp(v)));
    // the stable form: 0.5(1 + tanh(v/2)) rounds e^v below 1e-17 to 0, which matters for α = 1e-20
    const sigmoid = (v: number): number => (v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v)));
    const special = [0, -0, 1e-30, -1e-30, 1e-7, -1e-7, 20, -20, 90, -90, 800, -800, Infinity, -Infinity, NaN];
    for (const size of [70_001, 40_003, 9]) {
      for (const T of [Float64Array, Float32Array]) {
        const tol = T === Float64Array ? 1e-12 : 2e-6;
        const y0 = fill(T, size).map((v, i) => (i % 13 === 0 ? 30 * v : 3 * v));
        // special values at the start (this thread's range) and past the middle (the worker's)
        special.forEach((v, i) => {
          y0[i % size] = v;
          y0[(Math.floor(size / 2) + 5 + i) % size] = v;
        });
        const y = place(y0, true);
        const back = place(fill(T, size), true);
        for (const alpha of [0.3, 0.05, 1e-20]) {
          const refs = [
            (v: number) => alpha * v + (1 - alpha) * softplus(v),
            (v: number) => Math.log(alpha + (1 - alpha) * sigmoid(v)),
            (v: number, g: number) => {
              const s = sigmoid(v);
              const d = alpha + (1 - alpha) * s;
              return d * g - ((1 - alpha) * s * (1 - s)) / d;
            },
          ];
          for (const [pass, ref] of [[0, refs[0]], [1, refs[1]], [2, refs[2]]] as const) {
            const out = place(new T(size).fill(NaN), true);
            th.pointwise(pass, 0, alpha, 1 - alpha, 1, y, pass === 2 ? back : null, out, size);
            let worst = 0;
            let nanMismatch = 0;
            for (let i = 0; i < size; i++) {
              const want = ref(y[i], back[i]);
              if (Number.isNaN(want) || Number.isNaN(out[i])) {
                if (Number.isNaN(want) !== Number.isNaN(out[i])) nanMismatch++;
                continue;
              }
              if (!Number.isFinite(want)) {
                if (want !== out[i]) nanMismatch++;
                continue;
              }
              worst = Math.max(worst, Math.abs(out[i] - want) / Math.max(1, Math.abs(want)));
            }
            t.ok(worst <= tol && nanMismatch === 0, `${T.name} ${size} elements, α = ${alpha}, pass ${pass}: ${worst.toExponential(2)}`, { nanMismatch });
          }
        }
      }
    }
  });

  t.test('SIMD full sums of arrays in the arena against a float64 loop; NaN and ∞ propagate', async (t) => {
    for (const T of [Float64Array, Float32Array]) {
      for (const size of [0, 1, 3, 4, 7, 1000, 100_003]) {
        const x = place(fill(T, size), true);
        let want = 0;
        for (let i = 0; i < size; i++) want += x[i];
        const got = th.sumAll(x) as number;
        t.ok(Math.abs(got - want) <= 1e-12 * (1 + size), `${T.name} ${size} elements: ${got} vs ${want}`);
      }
      const x = place(fill(T, 1001), true);
      x[500] = Infinity;
      t.equal(th.sumAll(x), Infinity, `${T.name}: +∞ inside`);
      x[999] = -Infinity;
      t.ok(Number.isNaN(th.sumAll(x)), `${T.name}: +∞ and −∞ give NaN`);
      x[500] = 0;
      x[999] = 0;
      x[1000] = NaN; // past the last whole vector: the JavaScript tail
      t.ok(Number.isNaN(th.sumAll(x)), `${T.name}: NaN in the tail propagates`);
      t.equal(th.sumAll(new T(8)), undefined, `${T.name}: an ordinary array is left to the caller`);
    }
  });

  t.test('element-wise passes over arrays in the arena, mixed with ordinary arrays', async (t) => {
    const size = 70_001;
    for (const T of [Float64Array, Float32Array]) {
      const tol = T === Float64Array ? 1e-12 : 2e-6;
      for (const inArena of [true, false]) {
        const y = place(fill(T, size), inArena);
        const out = place(new T(size).fill(NaN), !inArena);
        th.pointwise(0, 1, 0.1, 1, 1.5, y, null, out, size);
        let worst = 0;
        for (let i = 0; i < size; i++) worst = Math.max(worst, Math.abs(out[i] - (Math.tanh(1.5 * y[i]) + 0.1 * y[i])) / Math.max(1, Math.abs(y[i])));
        t.ok(worst <= tol, `${T.name} leaky tanh, input ${inArena ? 'in' : 'outside'} the arena: ${worst.toExponential(2)}`);
        const p = place(fill(T, size), inArena);
        const d = place(fill(T, size), !inArena);
        const m = place(fill(T, size), inArena);
        const v = place(fill(T, size).map(Math.abs), inArena);
        const [po, mo, vo] = [place(new T(size), inArena), place(new T(size), true), place(new T(size), false)];
        const lr = 1e-3, b1 = 0.9, b2 = 0.999, eps = 1e-8, c1 = 1 - b1 ** 2, c2 = 1 - b2 ** 2;
        th.adam(p, d, m, v, po, mo, vo, size, (lr * Math.sqrt(c2)) / c1, eps * Math.sqrt(c2), b1, b2);
        worst = 0;
        for (let i = 0; i < size; i++) {
          const mi = b1 * m[i] + (1 - b1) * d[i];
          const vi = b2 * v[i] + (1 - b2) * d[i] * d[i];
          const pi = p[i] - (lr * (mi / c1)) / (Math.sqrt(vi / c2) + eps);
          worst = Math.max(worst, Math.abs(mo[i] - mi), Math.abs(vo[i] - vi), Math.abs(po[i] - pi) / Math.max(1, Math.abs(pi)));
        }
        t.ok(worst <= tol, `${T.name} Adam, mixed placement: ${worst.toExponential(2)}`);
      }
    }
  });

  t.test('a chain of products on the backend that keeps its storage in the arena', async (t) => {
    const backend = createCpuBackend({ tier: 'wasm-threads' });
    const n = 160; // 25,600 elements: pooled, so placed in the arena
    const x0 = fill(Float64Array, n * n);
    const x = backend.upload(x0, 'float64');
    const p = { batch: 1, m: n, n, k: n, transA: false, transB: true };
    const y = backend.kernels.matmul(x, x, p); // X Xᵀ
    const z = backend.kernels.matmul(y, x, { ...p, transB: false }); // (X Xᵀ) X
    t.ok(x.buffer instanceof SharedArrayBuffer && y.buffer instanceof SharedArrayBuffer, 'upload and product outputs live in the shared memory');
    const got = backend.readSync(z, 'float64', n * n);
    const ref = new Float64Array(n * n);
    const xxT = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) { let s = 0; for (let q = 0; q < n; q++) s += x0[i * n + q] * x0[j * n + q]; xxT[i * n + j] = s; }
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) { let s = 0; for (let q = 0; q < n; q++) s += xxT[i * n + q] * x0[q * n + j]; ref[i * n + j] = s; }
    let worst = 0;
    for (let i = 0; i < n * n; i++) worst = Math.max(worst, Math.abs(got[i] - ref[i]) / (1 + Math.abs(ref[i])));
    t.ok(worst < 1e-10, `(X Xᵀ) X against naive loops: ${worst.toExponential(2)}`);
    t.ok(got.buffer instanceof ArrayBuffer, 'what readSync hands out is an ordinary copy, not a view of the shared memory');
    t.match(String(backend.describe().details?.storage), /shared WebAssembly\.Memory/, 'describe() says where storage lives');
    t.equal(createCpuBackend({ tier: 'wasm' }).describe().details?.storage, 'ordinary typed arrays', 'the one-thread tier keeps ordinary arrays');
  });
}
