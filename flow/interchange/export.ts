// A trained flow's parameters for other tools: NumPy .npz and safetensors (layout in
// docs/interchange.md). Arrays, float64, C order, rows are samples as in relgrad.
//   The paper's model (no `stack` in the config): W0, W1, … (D×D) and b0, b1, … (D; absent when
//   the flow has no biases), with y_l = z_{l-1} W_lᵀ + b_l, z_l = σ(y_l) for l < L-1, s = y_{L-1}.
//   A flow built from a stack: every layer's parameters as `layer<k>.<name>`, k the layer's place
//   in the stack (data side first), names and shapes from layerParamLayout (dense W, b; affine
//   logScale, shift; spline widths, heights, derivatives; activation none).
//   The flow's config (dim, layers, stack or activation, base, bias, …) as JSON: in the .npz the
//   uint8 array `config` (its bytes), in safetensors the metadata field `config`.

import type { Checkpoint, HostParams } from '../checkpoint.js';
import type { ResolvedFlowConfig } from '../config.js';
import { denseViews, layerParamLayout, resolveStack } from '../layers/specs.js';
import { stackOfConfig } from '../layers/config-stack.js';
import { layerTypes, type LayerTypes } from '../layers/builtin.js';
import type { LayerDefinition } from '../layers/definition.js';
import { encodeNpyArray } from './npy.js';
import { parseNpy, parseNpyHeader } from './npy-read.js';
import { readStoredZip, writeStoredZip } from './zip.js';
import { decodeSafetensors, encodeSafetensors, type SafeTensor } from './safetensors.js';

/** The formats a flow's parameters export to: NumPy .npz and safetensors. */
export const EXPORT_FORMATS = ['npz', 'safetensors'] as const;
/** A format a flow exports to: 'npz' or 'safetensors'. */
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/**
 * A flow's parameters as float64 arrays in C order: the config, every layer's parameters, and the
 * dense layers' W [D, D] and b [D] as a view of the same arrays (the paper's names).
 */
export interface FlowArrays {
  config: ResolvedFlowConfig;
  /** every layer's parameters in its paramNames order (empty for parameterless layers) */
  layers: Float64Array[][];
  /** the dense layers' weights and biases, in order (the same arrays as in `layers`) */
  W: Float64Array[];
  b: Float64Array[];
}

/** One exported array: its name in the file, its shape, and where it sits in the flow. */
interface ArraySlot {
  name: string;
  shape: number[];
  /** the layer's place in the stack and the parameter's place in the layer */
  layer: { k: number; j: number };
}

/** The arrays a config implies, in file order: W0…, b0… for the paper's model, layer<k>.<name> for a stack. */
function exportLayout(config: ResolvedFlowConfig, types: LayerTypes = layerTypes()): ArraySlot[] {
  const D = config.dim;
  if (config.stack === undefined) {
    const dense = stackOfConfig(config).flatMap((spec, k) => (spec.type === 'dense' ? [k] : []));
    const W = dense.map((k, l) => ({ name: `W${l}`, shape: [D, D], layer: { k, j: 0 } }));
    const b = config.bias ? dense.map((k, l) => ({ name: `b${l}`, shape: [D], layer: { k, j: 1 } })) : [];
    return [...W, ...b];
  }
  return config.stack.flatMap((spec, k) => layerParamLayout(spec, D, types, config.context ?? 0).map(({ name, shape }, j) => ({ name: `layer${k}.${name}`, shape, layer: { k, j } })));
}

const size = (shape: readonly number[]): number => shape.reduce((n, d) => n * d, 1);

function named(ck: Pick<Checkpoint, 'config' | 'params'>, types: LayerTypes): Record<string, SafeTensor> {
  const { config, params } = ck;
  const out: Record<string, SafeTensor> = {};
  for (const slot of exportLayout(config, types)) {
    const data = params.layers[slot.layer.k]?.[slot.layer.j];
    if (data === undefined || data.length !== size(slot.shape)) {
      throw new Error(`export: '${slot.name}' should hold ${size(slot.shape)} values (shape [${slot.shape.join(', ')}]), the parameters have ${data === undefined ? 'none' : data.length}`);
    }
    out[slot.name] = { data, shape: slot.shape };
  }
  return out;
}

/** The names of the arrays an export of this config holds (without `config`). */
export function exportedArrayNames(config: ResolvedFlowConfig, layers: readonly LayerDefinition[] = []): string[] {
  return exportLayout(config, layerTypes(layers)).map((s) => s.name);
}

/** The parameters and config as a .npz (what numpy.load reads; stored, not compressed); `layers`: the user-defined types the stack uses. */
export function encodeFlowNpz(ck: Pick<Checkpoint, 'config' | 'params'>, layers: readonly LayerDefinition[] = []): Uint8Array {
  const entries = Object.entries(named(ck, layerTypes(layers))).map(([name, t]) => ({ name: `${name}.npy`, data: encodeNpyArray(t) }));
  const config = new TextEncoder().encode(JSON.stringify(ck.config));
  entries.push({ name: 'config.npy', data: encodeNpyArray({ data: config, shape: [config.length] }) });
  return writeStoredZip(entries);
}

/** The parameters as safetensors (F64), the config in the metadata. */
export function encodeFlowSafetensors(ck: Pick<Checkpoint, 'config' | 'params'>, layers: readonly LayerDefinition[] = []): Uint8Array {
  return encodeSafetensors(named(ck, layerTypes(layers)), { format: 'relgrad-flow', config: JSON.stringify(ck.config) });
}

/** The export in `format`; `layers`: the user-defined types the stack uses (e.g. flow.userLayerTypes). */
export function encodeFlow(ck: Pick<Checkpoint, 'config' | 'params'>, format: ExportFormat, layers: readonly LayerDefinition[] = []): Uint8Array {
  return format === 'npz' ? encodeFlowNpz(ck, layers) : encodeFlowSafetensors(ck, layers);
}

interface StoredArray {
  data: Float64Array;
  shape: number[];
}

/** The config's arrays, checked by name, size and shape; arrays the config does not imply are refused. */
function collect(config: ResolvedFlowConfig, arrays: Map<string, StoredArray>, file: string, userTypes: readonly LayerDefinition[]): FlowArrays {
  let types = layerTypes(userTypes);
  if (config.stack !== undefined) {
    if (!Array.isArray(config.stack) || config.stack.length === 0) throw new Error(`${file}: config.stack must be a non-empty list of layer specs`);
    ({ types } = resolveStack(config.stack, `${file}: config.stack`, userTypes));
  }
  const layout = exportLayout(config, types);
  for (const name of arrays.keys()) {
    if (!layout.some((s) => s.name === name)) {
      throw new Error(`${file}: unexpected array '${name}'; the config implies ${layout.map((s) => s.name).join(', ')}`);
    }
  }
  const take = ({ name, shape }: ArraySlot): Float64Array => {
    const a = arrays.get(name);
    if (a === undefined) throw new Error(`${file}: array '${name}' is missing`);
    if (a.data.length !== size(shape)) throw new Error(`${file}: array '${name}' holds ${a.data.length} values, the config implies ${size(shape)} (shape (${shape.join(', ')}))`);
    if (a.shape.length !== shape.length || a.shape.some((d, i) => d !== shape[i])) {
      throw new Error(`${file}: array '${name}' has shape (${a.shape.join(', ')}), the config implies (${shape.join(', ')})`);
    }
    return a.data;
  };
  const stack = stackOfConfig(config);
  const layers: Float64Array[][] = stack.map(() => []);
  for (const slot of layout) layers[slot.layer.k][slot.layer.j] = take(slot);
  return { config, layers, ...denseViews(stack, layers) };
}

/** Reads an export back (either format, told apart by the ZIP signature); `layers`: user-defined types its stack uses. */
export function decodeFlow(bytes: Uint8Array, file: string, layers: readonly LayerDefinition[] = []): FlowArrays {
  const isZip = bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
  const arrays = new Map<string, StoredArray>();
  let configText: string | undefined;
  if (isZip) {
    for (const e of readStoredZip(bytes, file)) {
      const name = e.name.replace(/\.npy$/, '');
      if (name === 'config') {
        const m = parseNpyBytes(e.data, `${file}:${e.name}`);
        configText = new TextDecoder().decode(m);
      } else {
        const where = `${file}:${e.name}`;
        arrays.set(name, { data: parseNpy(e.data, where).data, shape: parseNpyHeader(e.data, where).shape });
      }
    }
  } else {
    const { tensors, metadata } = decodeSafetensors(bytes, file);
    for (const [name, t] of Object.entries(tensors)) arrays.set(name, { data: Float64Array.from(t.data), shape: [...t.shape] });
    configText = metadata.config;
  }
  if (configText === undefined) throw new Error(`${file}: no relgrad config (not exported by relgrad export)`);
  let config: ResolvedFlowConfig;
  try {
    config = JSON.parse(configText) as ResolvedFlowConfig;
  } catch (err) {
    throw new Error(`${file}: the config is not valid JSON (${(err as Error).message})`);
  }
  return collect(config, arrays, file, layers);
}

/** The raw bytes of a 1-D '|u1' .npy (the config entry). */
function parseNpyBytes(npy: Uint8Array, file: string): Uint8Array {
  const headerLength = new DataView(npy.buffer, npy.byteOffset, npy.byteLength).getUint16(8, true);
  const header = new TextDecoder('latin1').decode(npy.subarray(10, 10 + headerLength));
  if (!header.includes("'descr': '|u1'")) throw new Error(`${file}: expected a uint8 array`);
  return npy.subarray(10 + headerLength);
}
