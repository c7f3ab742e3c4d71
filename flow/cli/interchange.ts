// CLI commands for other tools: `relgrad export` (parameters to .npz or safetensors, layout in
// docs/interchange.md), `relgrad info` (a model summary as JSON), and the .npy writer behind
// `relgrad sample --out x.npy`.

import { readFileSync, writeFileSync, renameSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { loadCheckpoint, type Checkpoint } from '../checkpoint.js';
import type { HostMatrix } from '../data/dataset.js';
import { decodeFlow, encodeFlow, EXPORT_FORMATS, type ExportFormat } from '../interchange/export.js';
import { encodeNpyArray } from '../interchange/npy.js';
import { parseOrAnswer, UsageError, type FlagSpec } from './args.js';

/** Accepted for scripts: these commands print exactly one JSON document on stdout in any case. */
const JSON_FLAG: FlagSpec = { type: 'boolean', help: 'the result is one JSON document on stdout (it always is; accepted for scripts)', default: false };

const EXPORT_FLAGS: Record<string, FlagSpec> = {
  checkpoint: { type: 'string', help: 'checkpoint file (required)', placeholder: 'file' },
  format: { type: 'string', help: 'file format (default: from the --out extension)', choices: EXPORT_FORMATS },
  out: { type: 'string', help: 'output file, .npz or .safetensors (required)', placeholder: 'file' },
  json: JSON_FLAG,
};

const INFO_FLAGS: Record<string, FlagSpec> = {
  checkpoint: { type: 'string', help: 'checkpoint file, or a .npz/.safetensors export (required)', placeholder: 'file' },
  json: JSON_FLAG,
};

/** Writes through a temp file and a rename, so an interrupted write never leaves half a file. */
export function writeAtomic(path: string, bytes: Uint8Array | string): void {
  const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, path);
}

/** Samples (or any matrix) as a float64 .npy, shape (rows, cols). */
export function matrixNpy(m: HostMatrix<Float64Array>): Uint8Array {
  return encodeNpyArray({ data: m.data, shape: [m.rows, m.cols] });
}

function formatOf(out: string, given: string | undefined): ExportFormat {
  const ext = extname(out).toLowerCase().slice(1);
  const fromExt = (EXPORT_FORMATS as readonly string[]).includes(ext) ? (ext as ExportFormat) : undefined;
  if (given !== undefined && fromExt !== undefined && given !== fromExt) {
    throw new UsageError(`relgrad export: --format ${given} does not match the extension of --out '${out}'`);
  }
  const format = (given as ExportFormat | undefined) ?? fromExt;
  if (format === undefined) throw new UsageError(`relgrad export: cannot tell the format from '${out}': pass --format npz or --format safetensors`);
  return format;
}

export async function commandExport(argv: string[]): Promise<void> {
  const parsed = parseOrAnswer('export', argv, EXPORT_FLAGS, 'Writes a saved flow\'s parameters (W0, b0, W1, …, float64) and config for NumPy (.npz) or safetensors; see docs/interchange.md.');
  if (parsed === undefined) return;
  const { flags } = parsed;
  const path = flags.checkpoint === undefined ? undefined : String(flags.checkpoint);
  if (path === undefined) throw new UsageError('relgrad export: --checkpoint is required');
  if (flags.out === undefined) throw new UsageError('relgrad export: --out is required');
  const out = String(flags.out);
  const format = formatOf(out, flags.format === undefined ? undefined : String(flags.format));
  const ck = await loadCheckpoint(path);
  const bytes = encodeFlow(ck, format);
  writeAtomic(out, bytes);
  console.log(JSON.stringify({ out: resolve(out), format, bytes: bytes.length, arrays: [...ck.params.W.map((_, l) => `W${l}`), ...ck.params.b.map((_, l) => `b${l}`)] }));
}

export interface ModelInfo {
  file: string;
  kind: 'checkpoint' | ExportFormat;
  dim: number;
  layers: number;
  activation: string;
  base: string;
  bias: boolean;
  /** L·D² weights plus L·D biases when the flow has them */
  parameters: number;
  dtype: string;
  dataset: string | null;
  testLogLikelihood: { mean: number; err: number; n: number } | null;
  epochs: number | null;
}

export function modelInfo(file: string, ck: Pick<Checkpoint, 'config' | 'params' | 'meta' | 'training'>, kind: ModelInfo['kind']): ModelInfo {
  const c = ck.config;
  const meta = (ck.meta ?? {}) as { dataset?: unknown; test?: { mean?: unknown; err?: unknown; n?: unknown }; result?: { epochs?: unknown } };
  const test = meta.test;
  const activation = c.activation === 'smooth-leaky-relu' ? `smooth-leaky-relu (alpha ${c.alpha})` : `leaky-tanh (beta ${c.beta}, gamma ${c.gamma})`;
  const epochs = ck.training?.epoch ?? (typeof meta.result?.epochs === 'number' ? meta.result.epochs : null);
  return {
    file: resolve(file),
    kind,
    dim: c.dim,
    layers: c.layers,
    activation,
    base: c.base,
    bias: c.bias,
    parameters: ck.params.W.reduce((s, w) => s + w.length, 0) + ck.params.b.reduce((s, b) => s + b.length, 0),
    dtype: c.dtype,
    dataset: typeof meta.dataset === 'string' ? meta.dataset : null,
    testLogLikelihood: test && typeof test.mean === 'number' && typeof test.err === 'number' && typeof test.n === 'number'
      ? { mean: test.mean, err: test.err, n: test.n } : null,
    epochs,
  };
}

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
    const f = decodeFlow(bytes, path);
    console.log(JSON.stringify(modelInfo(path, { config: f.config, params: { W: f.W, b: f.b } }, ext === '.npz' ? 'npz' : 'safetensors'), null, 2));
    return;
  }
  console.log(JSON.stringify(modelInfo(path, await loadCheckpoint(path), 'checkpoint'), null, 2));
}
