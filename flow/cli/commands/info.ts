// `relgrad info`: a JSON summary of a saved flow or of an .npz/safetensors export: its layers
// (type, spec, parameter shapes), parameter count, dtype, data set and recorded test log-likelihood.

import { readFileSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { loadCheckpoint, stackOfConfig, type Checkpoint } from '../../checkpoint.js';
import { decodeFlow, type ExportFormat } from '../../interchange/export.js';
import { definitionOf, layerParamLayout } from '../../layers/specs.js';
import { runRecordOf } from '../../run-record.js';
import { layerTypes } from '../../layers/builtin.js';
import type { StoredLayerSpec } from '../../layers/layer.js';
import { parseOrAnswer, UsageError, type FlagSpec } from '../args.js';
import { JSON_ALWAYS_FLAG } from '../common.js';

const INFO_FLAGS: Record<string, FlagSpec> = {
  checkpoint: { type: 'string', help: 'checkpoint file, or a .npz/.safetensors export (required)', placeholder: 'file' },
  json: JSON_ALWAYS_FLAG,
};

/** One layer of the flow, data side first. */
export interface LayerInfo {
  type: string;
  spec: StoredLayerSpec;
  /** its type's one-line description */
  description: string;
  /** its parameters' names and shapes (layerParamLayout) */
  params: { name: string; shape: number[] }[];
  parameters: number;
}

export interface ModelInfo {
  file: string;
  kind: 'checkpoint' | ExportFormat;
  dim: number;
  /** the context width C of a conditional flow p(x | c); 0 for an unconditional one */
  context: number;
  /** the number of layers of every type (the paper's model: dense, activation, dense, …) */
  layers: number;
  /** the number of dense layers */
  denseLayers: number;
  /** every layer (for the paper's model: dense, activation, dense, …) */
  stack: LayerInfo[];
  /** the paper's activation, or for a stack its activation layers' (`none` when it has none) */
  activation: string;
  base: string;
  /** whether every dense layer has a bias */
  bias: boolean;
  /** scalar parameters of all layers (Flow.parameterCount) */
  parameters: number;
  dtype: string;
  dataset: string | null;
  testLogLikelihood: { mean: number; err: number; n: number } | null;
  epochs: number | null;
}

function modelInfo(file: string, ck: Pick<Checkpoint, 'config' | 'params' | 'meta' | 'training'>, kind: ModelInfo['kind']): ModelInfo {
  const c = ck.config;
  const meta = (ck.meta ?? {}) as { dataset?: unknown; test?: { mean?: unknown; err?: unknown; n?: unknown }; result?: { epochs?: unknown } };
  const test = meta.test;
  const describe = (a: { name: string; alpha: number; beta: number; gamma: number }): string =>
    a.name === 'smooth-leaky-relu' ? `smooth-leaky-relu (alpha ${a.alpha})` : `leaky-tanh (beta ${a.beta}, gamma ${a.gamma})`;
  const specs = stackOfConfig(c);
  const types = layerTypes();
  const stack = specs.map((spec, k): LayerInfo => {
    const params = layerParamLayout(spec, c.dim, types, c.context ?? 0);
    const { description } = definitionOf(spec.type, types, `${file}: layer ${k}`);
    return { type: spec.type, spec, description, params, parameters: params.reduce((n, p) => n + p.shape.reduce((m, d) => m * d, 1), 0) };
  });
  const activations = specs.flatMap((s) => {
    if (s.type !== 'activation') return [];
    const a = s as { name?: string; alpha?: number; beta?: number; gamma?: number };
    return [describe({ name: a.name ?? 'smooth-leaky-relu', alpha: a.alpha ?? 0.3, beta: a.beta ?? 1, gamma: a.gamma ?? 0.1 })];
  });
  const activation = c.stack === undefined ? describe({ name: c.activation, alpha: c.alpha, beta: c.beta, gamma: c.gamma }) : [...new Set(activations)].join(', ') || 'none';
  // the arrays themselves (checked against the config when they were read)
  const arrays = ck.params.layers;
  const epochs = ck.training?.epoch ?? (typeof meta.result?.epochs === 'number' ? meta.result.epochs : null);
  return {
    file: resolve(file),
    kind,
    dim: c.dim,
    context: c.context ?? 0,
    layers: stack.length,
    denseLayers: c.layers,
    stack,
    activation,
    base: c.base,
    bias: specs.every((s) => s.type !== 'dense' || (s as { bias?: boolean }).bias !== false),
    parameters: arrays.reduce((n, list) => n + list.reduce((m, a) => m + a.length, 0), 0),
    dtype: c.dtype,
    // a run's model names its data set in meta; a training checkpoint in its run record
    dataset: typeof meta.dataset === 'string' ? meta.dataset : runRecordOf(ck).dataset?.name ?? null,
    testLogLikelihood: test && typeof test.mean === 'number' && typeof test.err === 'number' && typeof test.n === 'number'
      ? { mean: test.mean, err: test.err, n: test.n } : null,
    epochs,
  };
}

/** `relgrad info [flags]`. */
export async function commandInfo(argv: string[]): Promise<void> {
  const parsed = parseOrAnswer('info', argv, INFO_FLAGS, 'Prints a JSON summary of a saved flow: layers, parameter count, dtype, data set, recorded test log-likelihood.');
  if (parsed === undefined) return;
  const { flags } = parsed;
  if (flags.checkpoint === undefined) throw new UsageError('relgrad info: --checkpoint is required');
  const path = String(flags.checkpoint);
  const ext = extname(path).toLowerCase();
  if (ext === '.npz' || ext === '.safetensors') {
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(path);
    } catch (err) {
      throw new Error(`relgrad info: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    }
    if (ext === '.npz' && !(bytes.length >= 2 && bytes[0] === 0x50 && bytes[1] === 0x4b)) {
      throw new Error(`relgrad info: ${path}: not a .npz file (${bytes.length === 0 ? 'empty, 0 bytes' : 'no ZIP signature'})`);
    }
    const f = decodeFlow(bytes, path);
    console.log(JSON.stringify(modelInfo(path, { config: f.config, params: { layers: f.layers } }, ext === '.npz' ? 'npz' : 'safetensors'), null, 2));
    return;
  }
  console.log(JSON.stringify(modelInfo(path, await loadCheckpoint(path), 'checkpoint'), null, 2));
}
