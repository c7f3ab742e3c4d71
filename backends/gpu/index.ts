// The GPU backend on GPU.js: float32 tensors that stay on the device (pipeline + immutable
// kernels, textures on WebGL, storage buffers on WebGPU) and one compiled kernel per
// (op, output size, params), cached. Only reads bring values back. The LU family (solve, inv,
// slogdet) reads back, runs the host LU kernels it is given (the package root passes the CPU
// backend's blocked LU, backends/index.ts) and uploads: GPU.js kernels cannot pivot. The kernel class that actually ran is reported by describe(); a mode that
// cannot run throws instead of falling back to the CPU or WebAssembly.

import type { GPU, IGPUKernelSettings, IKernelRunShortcut } from 'gpu.js';
import type { Backend, BackendInfo, HostLinalg, KernelTable, MatmulParams, SquareParams } from '../../engine/backend.js';
import type { DType, TypedArray } from '../../engine/dtype.js';
import { fmt, removeAxes, sizeOf, stridesOf, type Shape } from '../../engine/shape.js';
import type { GpuBackendOptions, GpuMode } from './options.js';
import { DeviceArray, type DeviceValue } from './device-array.js';
import {
  adamSpec, pointwiseSpec, splineSpec, joinSpec, affineSpec, epilogueSpec, binarySpec, copySpec, matmulSpec, reduceSpec, remapSpec, unarySpec, type KernelSpec, type ReduceOp,
} from './kernels.js';
import { installNodeWebGpu, isNode } from './node-webgpu.js';
import { asMissing } from '../../engine/optional.js';

export { DeviceArray } from './device-array.js';
export type { GpuBackendOptions, GpuMode } from './options.js';

/** The gpu.js module (loaded on first use: an optional peer dependency). */
type GpuJs = typeof import('gpu.js');
type KernelExport = 'HeadlessGLKernel' | 'WebGL2Kernel' | 'WebGLKernel' | 'WebGPUKernel';

/**
 * The GPU.js kernel class each mode must run on, by its export name in the gpu.js module.
 * Checks compare the class object itself, never `constructor.name`: minifiers rename classes.
 */
const KERNEL_CLASS: Record<Exclude<GpuMode, 'auto'>, KernelExport> = {
  headlessgl: 'HeadlessGLKernel',
  webgl2: 'WebGL2Kernel',
  webgl: 'WebGLKernel',
  webgpu: 'WebGPUKernel',
};

/** Float index arithmetic in the shaders is exact up to 2²⁴. */
const MAX_INDEX = 2 ** 24;
/** Elements folded by one thread per reduction pass. */
const REDUCE_CHUNK = 256;

type RunKernel = (...args: unknown[]) => unknown;

interface KernelClassInfo {
  name: string;
  features?: { maxTextureSize?: number };
}

function kernelClassOf(shortcut: IKernelRunShortcut): KernelClassInfo {
  return shortcut.kernel.constructor as unknown as KernelClassInfo;
}

let gpuJsModule: Promise<GpuJs> | undefined;

/** Imports gpu.js once; a missing package is an error naming it and its install command. */
function loadGpuJs(): Promise<GpuJs> {
  gpuJsModule ??= (async () => {
    // `.catch` on the import itself: a bundler (esbuild) then builds without gpu.js installed and
    // leaves the import to fail at run time, where it becomes relgrad's install message
    const m = (await import('gpu.js').catch((err: unknown) => { throw asMissing('gpu.js', err); })) as GpuJs & { default?: GpuJs };
    // Node's ESM wrapper of the CommonJS module has named exports; some bundlers only `default`
    return typeof m.GPU === 'function' ? m : (m.default as GpuJs);
  })();
  return gpuJsModule;
}

/** True when `shortcut` ran on exactly the class gpu.js exports as `expected` (subclasses differ). */
function ranOn(lib: GpuJs, shortcut: IKernelRunShortcut, expected: KernelExport): boolean {
  // gpu.js's typings omit WebGPUKernel, which its module exports
  return (shortcut.kernel.constructor as unknown) === (lib as unknown as Record<KernelExport, unknown>)[expected];
}

/** The export name of the kernel class `shortcut` ran on (its GPU.js mode when not exported). */
function ranName(lib: GpuJs, shortcut: IKernelRunShortcut): string {
  const ctor = shortcut.kernel.constructor as unknown as { mode?: unknown };
  const entry = Object.entries(lib).find(([, v]) => v === ctor);
  if (entry !== undefined) return entry[0];
  return typeof ctor.mode === 'string' ? `a GPU.js '${ctor.mode}' kernel` : 'an unknown GPU.js kernel class';
}

function checkFloat32(op: string, dtype: DType): void {
  if (dtype !== 'float32') {
    throw new Error(`gpu backend: ${op}: ${dtype} storage is not supported; the GPU backend stores float32 only (cast on the CPU backend first)`);
  }
}

function toFloat32(values: unknown, size: number, what: string): Float32Array {
  if (!(values instanceof Float32Array) && !Array.isArray(values)) {
    throw new Error(`gpu backend: ${what}: unexpected read-back value ${Object.prototype.toString.call(values)}`);
  }
  const out = new Float32Array(size);
  const src = values as ArrayLike<number>;
  if (src.length < size) throw new Error(`gpu backend: ${what}: read back ${src.length} values, expected ${size}`);
  for (let i = 0; i < size; i++) out[i] = src[i];
  return out;
}

/** Compiles, caches and launches kernels on one GPU.js instance. */
class Device {
  readonly kernels = new Map<string, IKernelRunShortcut>();
  readonly maxElements: number;
  launches = 0;

  constructor(
    readonly lib: GpuJs,
    readonly gpu: GPU,
    readonly mode: Exclude<GpuMode, 'auto'>,
    maxTextureSize: number,
  ) {
    // a flat array of N floats occupies a ⌈√N⌉² texture on WebGL; WebGPU buffers are 1-D
    this.maxElements = mode === 'webgpu' ? MAX_INDEX : Math.min(MAX_INDEX, maxTextureSize * maxTextureSize);
  }

  get async(): boolean {
    return this.mode === 'webgpu';
  }

  private compile(spec: KernelSpec, size: number, inputSizes: readonly number[]): IKernelRunShortcut {
    const key = `${spec.family}|${size}|${inputSizes.join(',')}|${JSON.stringify(spec.constants)}`;
    const cached = this.kernels.get(key);
    if (cached !== undefined) return cached;
    const expected = KERNEL_CLASS[this.mode];
    // loopMaxIterations is a GPU.js kernel setting its typings omit
    const settings: IGPUKernelSettings & { loopMaxIterations: number } = {
      output: [size],
      pipeline: true,
      immutable: true,
      precision: 'single',
      constants: spec.constants,
      loopMaxIterations: Math.max(1000, spec.loop + 1),
      dynamicOutput: false,
      dynamicArguments: false,
      onRequestFallback: () => {
        throw new Error(`gpu backend: kernel ${spec.family} (output ${size}) cannot run on ${expected}; refusing GPU.js's CPU fallback`);
      },
    };
    if (this.mode !== 'webgpu') settings.tactic = 'precision';
    const shortcut = this.gpu.createKernel(spec.source, settings);
    this.kernels.set(key, shortcut);
    return shortcut;
  }

  private checkClass(shortcut: IKernelRunShortcut, spec: KernelSpec): void {
    const expected = KERNEL_CLASS[this.mode];
    if (!ranOn(this.lib, shortcut, expected)) {
      throw new Error(`gpu backend: kernel ${spec.family} ran on ${ranName(this.lib, shortcut)}, not ${expected}; refusing the fallback`);
    }
  }

  /**
   * Runs `spec` over an output of `size` elements. Inputs are device arrays (left alive) or host
   * arrays (uploaded by GPU.js). WebGL runs now; WebGPU queues behind the inputs' promises.
   */
  launch(spec: KernelSpec, inputs: readonly (DeviceArray | Float32Array)[], size: number, what: string): DeviceArray {
    if (size === 0) return DeviceArray.settled(0, null);
    if (size > this.maxElements) {
      throw new Error(`gpu backend: ${what}: ${size} elements exceed the ${this.maxElements} this device can index ` +
        `(float32 shader index arithmetic is exact to 2^24; max texture ${Math.sqrt(this.maxElements)}²)`);
    }
    const sizes = inputs.map((x) => (x instanceof DeviceArray ? x.size : x.length));
    const shortcut = this.compile(spec, size, sizes);
    const run = shortcut as unknown as RunKernel;
    this.launches++;
    if (!this.async) {
      const args = inputs.map((x) => (x instanceof DeviceArray ? x.now(what) : x));
      const value = run(...args) as DeviceValue;
      this.checkClass(shortcut, spec);
      return DeviceArray.settled(size, value);
    }
    const waits = inputs.flatMap((x) => (x instanceof DeviceArray && x.ready !== null ? [x.ready] : []));
    const produce = Promise.all(waits).then(async () => {
      const args = inputs.map((x) => (x instanceof DeviceArray ? x.value : x));
      const value = (await run(...args)) as DeviceValue;
      this.checkClass(shortcut, spec);
      return value;
    });
    const out = DeviceArray.pending(size, produce);
    for (const x of inputs) if (x instanceof DeviceArray && out.ready !== null) x.uses.push(out.ready);
    return out;
  }

  upload(values: ArrayLike<number>): DeviceArray {
    const host = new Float32Array(values.length); // a copy: WebGPU may upload after the caller moved on
    host.set(values);
    return this.launch(copySpec(), [host], host.length, `upload of ${host.length} values`);
  }

  zeros(size: number): DeviceArray {
    return this.upload(new Float32Array(size));
  }

  readSync(s: DeviceArray, size: number): Float32Array {
    if (size === 0) return new Float32Array(0);
    if (this.async) {
      throw new Error('gpu backend: readSync: WebGPU has no synchronous read-back; use `await tensor.data()` (backend.read)');
    }
    const value = s.now('readSync');
    if (value === null) throw new Error('gpu backend: readSync: no device value');
    return toFloat32(value.toArray(), size, 'readSync');
  }

  async read(s: DeviceArray, size: number, issued = false): Promise<Float32Array> {
    if (size === 0) return new Float32Array(0);
    const value = issued ? await s.forIssuedUse() : await s.settle('read');
    if (value === null) throw new Error('gpu backend: read: no device value');
    return toFloat32(await value.toArray(), size, 'read');
  }

  /**
   * Runs a host computation on read-back inputs and uploads its outputs (the LU family).
   * WebGL: now. WebGPU: the outputs are pending until the read-back and upload finish.
   */
  viaHost(inputs: readonly DeviceArray[], outSizes: readonly number[], compute: (hosts: Float32Array[]) => TypedArray[]): DeviceArray[] {
    if (!this.async) {
      const outs = compute(inputs.map((x) => this.readSync(x, x.size)));
      return outs.map((o) => this.upload(o));
    }
    const computed = Promise.all(inputs.map((x) => this.read(x, x.size, true))).then(compute);
    const outs = outSizes.map((size, i) =>
      DeviceArray.pending(size, computed.then(async (hosts) => {
        const up = this.upload(hosts[i]);
        return up.settle('upload');
      })));
    for (const x of inputs) for (const o of outs) if (o.ready !== null) x.uses.push(o.ready);
    return outs;
  }
}

// ---------------------------------------------------------------------------------------------
// the kernel table

function kernelTable(dev: Device, linalg: HostLinalg): KernelTable<DeviceArray> {
  const remap = (what: string, x: DeviceArray, outShape: Shape, strides: readonly number[], offset: number, window?: {
    lo: readonly number[]; extent: readonly number[];
  }): DeviceArray => dev.launch(remapSpec(what.split(' ')[0], outShape, strides, offset, window), [x], sizeOf(outShape), what);

  const transpose = (x: DeviceArray, shape: Shape, perm: readonly number[]): DeviceArray => {
    const inStrides = stridesOf(shape);
    return remap(`transpose ${fmt(shape)} by [${perm.join(',')}]`, x, perm.map((p) => shape[p]), perm.map((p) => inStrides[p]), 0);
  };

  /** Moves the reduced axes last (one remap), then folds rows in passes of REDUCE_CHUNK. */
  const reduce = (op: ReduceOp, x: DeviceArray, shape: Shape, axes: readonly number[]): DeviceArray => {
    const outSize = sizeOf(removeAxes(shape, axes));
    const n = sizeOf(axes.map((a) => shape[a]));
    const what = `${op} of ${fmt(shape)} over [${axes.join(',')}]`;
    if (outSize === 0) return DeviceArray.settled(0, null);
    if (n === 0) return dev.zeros(outSize); // an empty sum; max of nothing is refused by the engine
    const kept = shape.map((_, i) => i).filter((i) => !axes.includes(i));
    const perm = [...kept, ...axes];
    const moved = perm.every((p, i) => p === i) ? x : transpose(x, shape, perm);
    if (n === 1) return moved === x ? dev.launch(copySpec(), [x], outSize, what) : moved;
    let current = moved;
    for (let len = n; len > 1;) {
      const ch = Math.min(len, REDUCE_CHUNK);
      const groups = Math.ceil(len / ch);
      const next = dev.launch(reduceSpec(op, len, ch), [current], outSize * groups, what);
      if (current !== x) current.release();
      current = next;
      len = groups;
    }
    return current;
  };

  return {
    unary: (op, x, size) => dev.launch(unarySpec(op), [x], size, `unary '${op}' of ${size} elements`),
    binary: (op, a, b, size) => dev.launch(binarySpec(op), [a, b], size, `binary '${op}' of ${size} elements`),
    adam: (p, d, m, v, size, h) => {
      const hyper = Float32Array.of(h.lr, h.beta1, h.beta2, h.eps, h.c1, h.c2);
      const run = (out: 'm' | 'v' | 'p'): DeviceArray => dev.launch(adamSpec(out), [p, d, m, v, hyper], size, `adam '${out}' of ${size} elements`);
      return { m: run('m'), v: run('v'), p: run('p') };
    },
    affine: (x, size, scale, shift) => dev.launch(affineSpec(), [x, Float32Array.of(scale, shift)], size, `affine of ${size} elements`),
    sum: (x, shape, axes) => reduce('sum', x, shape, axes),
    max: (x, shape, axes) => reduce('max', x, shape, axes),
    transpose,
    expand: (x, shape, outShape) => {
      const inStrides = stridesOf(shape);
      return remap(`expand ${fmt(shape)} to ${fmt(outShape)}`, x, outShape, shape.map((d, i) => (d === 1 ? 0 : inStrides[i])), 0);
    },
    slice: (x, shape, begin, size) => {
      const strides = stridesOf(shape);
      const offset = begin.reduce((acc, b, i) => acc + b * strides[i], 0);
      return remap(`slice ${fmt(shape)} at [${begin.join(',')}] size ${fmt(size)}`, x, size, strides, offset);
    },
    pad: (x, shape, before, after) => {
      const outShape = shape.map((d, i) => d + before[i] + after[i]);
      if (sizeOf(shape) === 0) return dev.zeros(sizeOf(outShape));
      return remap(`pad ${fmt(shape)} by [${before.join(',')}]/[${after.join(',')}]`, x, outShape, stridesOf(shape), 0, {
        lo: before, extent: shape,
      });
    },
    cast: (x, size, to) => {
      checkFloat32('cast', to);
      return dev.launch(copySpec(), [x], size, `cast of ${size} elements`);
    },
    matmul: (a, b, p: MatmulParams) => {
      const { batch, m, n, k, transA, transB } = p;
      const what = `matmul [${batch},${transA ? `${k},${m}` : `${m},${k}`}]${transA ? 'ᵀ' : ''} x ` +
        `[${batch},${transB ? `${n},${k}` : `${k},${n}`}]${transB ? 'ᵀ' : ''}`;
      if (batch * m * n === 0) return DeviceArray.settled(0, null);
      if (k === 0) return dev.zeros(batch * m * n);
      return dev.launch(matmulSpec(p), [a, b], batch * m * n, what);
    },
    gemm: (a, b, p: MatmulParams, alpha, c, beta, bias) => {
      const { batch, m, n, k, transA, transB } = p;
      const size = batch * m * n;
      if (size === 0) return DeviceArray.settled(0, null);
      const what = `gemm [${batch},${m},${k}]·[${batch},${k},${n}] with epilogue`;
      const product = k === 0 ? dev.zeros(size) : dev.launch(matmulSpec({ batch, m, n, k, transA, transB }), [a, b], size, what);
      const inputs = [product, ...(c ? [c] : []), ...(bias ? [bias] : []), Float32Array.of(alpha, beta)];
      const out = dev.launch(epilogueSpec(c !== null, bias !== null, n), inputs, size, what);
      product.release();
      return out;
    },
    pointwise: (pass, map, y, back, size) => {
      if (pass === 'input-gradient' && back === null) throw new Error("pointwise: the 'input-gradient' pass needs the back-propagated error");
      const h = Float32Array.of(map.linear, map.outer, map.inner);
      const inputs = pass === 'input-gradient' ? [y, back as DeviceArray, h] : [y, h];
      return dev.launch(pointwiseSpec(pass, map.base), inputs, size, `pointwise '${map.base}' ${pass} of ${size} elements`);
    },
    spline: (pass, x, knots, back, p) => {
      const needsBack = pass === 'input-gradient' || pass === 'knot-gradient' || pass === 'backward';
      if (needsBack && back === null) throw new Error(`spline: the '${pass}' pass needs the back-propagated error`);
      if (pass === 'backward') {
        // two shaders (an output element each) and a join: GPU.js kernels write one array
        const n = p.rows * p.dim;
        const inputs = [x, back as DeviceArray, knots.xs, knots.ys, knots.ds];
        const gIn = dev.launch(splineSpec('input-gradient', p.dim, p.bins, p.bound, p.rows), inputs, n, `spline input-gradient of [${p.rows}, ${p.dim}]`);
        const gKnots = dev.launch(splineSpec('knot-gradient', p.dim, p.bins, p.bound, p.rows), inputs, 3 * p.dim * (p.bins + 1), `spline knot-gradient of [${p.rows}, ${p.dim}]`);
        const out = dev.launch(joinSpec(n), [gIn, gKnots], n + 3 * p.dim * (p.bins + 1), 'spline backward join');
        gIn.release();
        gKnots.release();
        return out;
      }
      const size = pass === 'knot-gradient' ? 3 * p.dim * (p.bins + 1) : p.rows * p.dim;
      const inputs = needsBack ? [x, back as DeviceArray, knots.xs, knots.ys, knots.ds] : [x, knots.xs, knots.ys, knots.ds];
      return dev.launch(splineSpec(pass, p.dim, p.bins, p.bound, p.rows), inputs, size, `spline ${pass} of [${p.rows}, ${p.dim}] with ${p.bins} bins`);
    },
    // the LU family runs on the CPU through read-back and upload (see the file header)
    solve: (a, b, p: SquareParams, nrhs) =>
      dev.viaHost([a, b], [p.batch * p.n * nrhs], ([ha, hb]) => [linalg.solve(ha, hb, p, nrhs)])[0],
    inv: (a, p) => dev.viaHost([a], [p.batch * p.n * p.n], ([ha]) => [linalg.inv(ha, p)])[0],
    slogdet: (a, p) => {
      const [sign, logabsdet] = dev.viaHost([a], [p.batch, p.batch], ([ha]) => {
        const r = linalg.slogdet(ha, p);
        return [r.sign, r.logabsdet];
      });
      return { sign, logabsdet };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// construction: pick the mode, prove a kernel runs on the expected class, build the backend

function candidateModes(mode: GpuMode): Exclude<GpuMode, 'auto'>[] {
  if (mode !== 'auto') return [mode];
  return isNode() ? ['headlessgl'] : ['webgl2', 'webgl'];
}

function whyUnsupported(mode: Exclude<GpuMode, 'auto'>): string {
  switch (mode) {
    case 'headlessgl':
      return 'headless-gl (npm gl) could not create a WebGL context; in Node it needs an X server (run under `xvfb-run -a`)';
    case 'webgpu':
      return 'no WebGPU adapter answered (navigator.gpu.requestAdapter() gave null)';
    default:
      return `this platform offers no ${mode} context`;
  }
}

async function openDevice(lib: GpuJs, mode: Exclude<GpuMode, 'auto'>, options: GpuBackendOptions): Promise<{ dev: Device; provider: string }> {
  const { GPU } = lib;
  let provider = 'gpu.js';
  if (mode === 'webgpu') {
    if (isNode() && options.gpu === undefined) {
      provider = await installNodeWebGpu({ dawnFlags: options.dawnFlags, featureLevel: options.webgpuFeatureLevel });
    }
    if (!(await GPU.isWebGPUAvailable())) throw new Error(`gpu backend: mode 'webgpu': ${whyUnsupported(mode)}`);
  }
  let gpu: GPU;
  try {
    gpu = (options.gpu as GPU | undefined) ?? new GPU({ mode });
  } catch (err) {
    throw new Error(`gpu backend: mode '${mode}' cannot run: ${whyUnsupported(mode)} (GPU.js: ${String(err)})`);
  }
  // probe: upload, one kernel, read back; proves the class and the float32 round trip
  const probe = new Device(lib, gpu, mode, Number.MAX_SAFE_INTEGER);
  const values = [1, -2.5, 3.25, 1e-3];
  let got: Float32Array;
  try {
    const up = probe.upload(values);
    const neg = probe.launch(unarySpec('neg'), [up], values.length, 'probe');
    got = await probe.read(neg, values.length);
    up.release();
    neg.release();
  } catch (err) {
    throw new Error(`gpu backend: mode '${mode}' cannot run a kernel: ${String(err)}`);
  }
  if (values.some((v, i) => Math.abs(got[i] + v) > 1e-6)) {
    throw new Error(`gpu backend: mode '${mode}': probe kernel returned [${Array.from(got).join(',')}], expected the negated [${values.join(',')}]`);
  }
  const first = probe.kernels.values().next().value as IKernelRunShortcut;
  const info = kernelClassOf(first);
  const maxTexture = info.features?.maxTextureSize ?? Number.POSITIVE_INFINITY;
  const dev = new Device(lib, gpu, mode, Number.isFinite(maxTexture) ? maxTexture : Number.MAX_SAFE_INTEGER);
  for (const [key, k] of probe.kernels) dev.kernels.set(key, k);
  return { dev, provider: `${provider}; maxTextureSize ${maxTexture}` };
}

function refuseWithoutHost(op: string): never {
  throw new Error(`${op} on the GPU backend runs on the host and needs host LU kernels: create the backend with ` +
    "setBackend('gpu') from 'relgrad', or pass hostLinalg() from 'relgrad/backends/cpu' as createGpuBackend's second argument");
}

/** Stands in where no host LU kernels were given: each of the three names what is missing. */
const missingHostLinalg: HostLinalg = {
  name: 'no host LU kernels given',
  solve: () => refuseWithoutHost('solve'),
  inv: () => refuseWithoutHost('inv'),
  slogdet: () => refuseWithoutHost('slogdet'),
};

/**
 * A GPU.js backend. `mode` picks the GPU.js kernel class ('auto': headlessgl in Node, webgl2 then
 * webgl in a browser; webgpu only when asked, since its read-back is asynchronous only).
 * `host`: the LU kernels solve, inv and slogdet run on after a read-back (hostLinalg() from
 * 'relgrad/backends/cpu'; setBackend('gpu') passes them); without them those three throw.
 * Rejects with a clear error when that class cannot run; never falls back to CPU or WebAssembly.
 */
export async function createGpuBackend(options: GpuBackendOptions = {}, host?: HostLinalg): Promise<Backend<DeviceArray>> {
  if (options.dtype !== undefined) checkFloat32('createGpuBackend', options.dtype);
  const lib = await loadGpuJs();
  const failures: string[] = [];
  let opened: { dev: Device; provider: string } | undefined;
  for (const mode of candidateModes(options.mode ?? 'auto')) {
    try {
      opened = await openDevice(lib, mode, options);
      break;
    } catch (err) {
      failures.push(err instanceof Error ? err.message : String(err));
    }
  }
  if (opened === undefined) throw new Error(failures.join('\n'));
  const { dev, provider } = opened;
  const kernelClass = KERNEL_CLASS[dev.mode];
  const describe = (): BackendInfo => ({
    name: 'gpu',
    implementation: `GPU.js ${kernelClass} (mode ${dev.mode}), float32; LU family (solve, inv, slogdet) on the CPU ` +
      `via read-back + ${(host ?? missingHostLinalg).name} + upload`,
    dtypes: ['float32'],
    details: {
      kernelClass,
      mode: dev.mode,
      provider,
      maxElements: dev.maxElements,
      compiledKernels: dev.kernels.size,
      launches: dev.launches,
      luOnCpu: true,
      syncReadback: !dev.async,
    },
  });
  return {
    name: 'gpu',
    defaultDtype: 'float32',
    describe,
    upload: (values: TypedArray, dtype: DType) => {
      checkFloat32('upload', dtype);
      return values.length === 0 ? DeviceArray.settled(0, null) : dev.upload(values);
    },
    readSync: (s: DeviceArray, dtype: DType, size: number) => {
      checkFloat32('readSync', dtype);
      return dev.readSync(s, size);
    },
    read: async (s: DeviceArray, dtype: DType, size: number) => {
      checkFloat32('read', dtype);
      return dev.read(s, size);
    },
    free: (s: DeviceArray) => s.release(),
    kernels: kernelTable(dev, host ?? missingHostLinalg),
  };
}
