// A trained flow's parameters for other tools: NumPy .npz and safetensors (layout in
// docs/interchange.md). Arrays, float64, C order, rows are samples as in relgrad:
//   W0, W1, … (D×D)  and  b0, b1, … (D; absent when the flow has no biases), with
//   y_l = z_{l-1} W_lᵀ + b_l,  z_l = σ(y_l) for l < L-1,  s = y_{L-1};
//   the flow's config (dim, layers, activation, alpha, beta, gamma, base, bias, …) as JSON: in the
//   .npz the uint8 array `config` (its bytes), in safetensors the metadata field `config`.

import type { Checkpoint } from '../checkpoint.js';
import type { ResolvedFlowConfig } from '../config.js';
import { encodeNpyArray } from './npy.js';
import { parseNpy } from '../data/files.js';
import { readStoredZip, writeStoredZip } from './zip.js';
import { decodeSafetensors, encodeSafetensors, type SafeTensor } from './safetensors.js';

export const EXPORT_FORMATS = ['npz', 'safetensors'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface FlowArrays {
  config: ResolvedFlowConfig;
  W: Float64Array[];
  b: Float64Array[];
}

function named(ck: Pick<Checkpoint, 'config' | 'params'>): Record<string, SafeTensor> {
  const D = ck.config.dim;
  const out: Record<string, SafeTensor> = {};
  ck.params.W.forEach((w, l) => (out[`W${l}`] = { data: w, shape: [D, D] }));
  ck.params.b.forEach((b, l) => (out[`b${l}`] = { data: b, shape: [D] }));
  return out;
}

/** The parameters and config as a .npz (what numpy.load reads; stored, not compressed). */
export function encodeFlowNpz(ck: Pick<Checkpoint, 'config' | 'params'>): Uint8Array {
  const entries = Object.entries(named(ck)).map(([name, t]) => ({ name: `${name}.npy`, data: encodeNpyArray(t) }));
  const config = new TextEncoder().encode(JSON.stringify(ck.config));
  entries.push({ name: 'config.npy', data: encodeNpyArray({ data: config, shape: [config.length] }) });
  return writeStoredZip(entries);
}

/** The parameters as safetensors (F64), the config in the metadata. */
export function encodeFlowSafetensors(ck: Pick<Checkpoint, 'config' | 'params'>): Uint8Array {
  return encodeSafetensors(named(ck), { format: 'relgrad-flow', config: JSON.stringify(ck.config) });
}

export function encodeFlow(ck: Pick<Checkpoint, 'config' | 'params'>, format: ExportFormat): Uint8Array {
  return format === 'npz' ? encodeFlowNpz(ck) : encodeFlowSafetensors(ck);
}

function collect(config: ResolvedFlowConfig, arrays: Map<string, Float64Array>, file: string): FlowArrays {
  const take = (name: string, size: number): Float64Array => {
    const a = arrays.get(name);
    if (a === undefined) throw new Error(`${file}: array '${name}' is missing`);
    if (a.length !== size) throw new Error(`${file}: array '${name}' holds ${a.length} values, the config implies ${size}`);
    return a;
  };
  const D = config.dim;
  const W = Array.from({ length: config.layers }, (_, l) => take(`W${l}`, D * D));
  const b = config.bias ? Array.from({ length: config.layers }, (_, l) => take(`b${l}`, D)) : [];
  return { config, W, b };
}

/** Reads an export back (either format, told apart by the ZIP signature). */
export function decodeFlow(bytes: Uint8Array, file: string): FlowArrays {
  const isZip = bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
  const arrays = new Map<string, Float64Array>();
  let configText: string | undefined;
  if (isZip) {
    for (const e of readStoredZip(bytes, file)) {
      const name = e.name.replace(/\.npy$/, '');
      if (name === 'config') {
        const m = parseNpyBytes(e.data, `${file}:${e.name}`);
        configText = new TextDecoder().decode(m);
      } else {
        arrays.set(name, parseNpy(e.data, `${file}:${e.name}`).data);
      }
    }
  } else {
    const { tensors, metadata } = decodeSafetensors(bytes, file);
    for (const [name, t] of Object.entries(tensors)) arrays.set(name, Float64Array.from(t.data));
    configText = metadata.config;
  }
  if (configText === undefined) throw new Error(`${file}: no relgrad config (not exported by relgrad export)`);
  return collect(JSON.parse(configText) as ResolvedFlowConfig, arrays, file);
}

/** The raw bytes of a 1-D '|u1' .npy (the config entry). */
function parseNpyBytes(npy: Uint8Array, file: string): Uint8Array {
  const headerLength = new DataView(npy.buffer, npy.byteOffset, npy.byteLength).getUint16(8, true);
  const header = new TextDecoder('latin1').decode(npy.subarray(10, 10 + headerLength));
  if (!header.includes("'descr': '|u1'")) throw new Error(`${file}: expected a uint8 array`);
  return npy.subarray(10 + headerLength);
}
