// Checkpoints on Node: config + parameters (+ optimiser state, epoch and history when training),
// in the format flow/checkpoint-format.ts owns (a header line, then the JSON payload). Version 2
// stores the layer list and the optimiser's moments per parameter; version 1 files (dense W/b lists
// of the paper's model) still load. Writes are atomic and durable (temp file,
// fsync, rename, fsync of the folder); temp files of dead processes are removed. A truncated,
// tampered or inconsistent file is refused with a message naming the problem.

import { createHash } from 'node:crypto';
import { constants as fsConstants, promises as fs } from 'node:fs';
import { writeError } from './safe-write.js';
import { processStartedAtMs } from './process-identity.js';
import { basename, dirname, join } from 'node:path';
import type { ResolvedFlowConfig } from './config.js';
import type { OptimizerState } from './optim.js';
import {
  BEST_IS_PARAMS, CHECKPOINT_FORMAT, checkpointPayload, checkpointText, READABLE_VERSIONS,
  type Base64, type Checkpoint, type CheckpointPrecision, type HostParams, type TrainingState,
} from './checkpoint-format.js';
import { denseViews, layerParamLayout, resolveLayerSpec, resolveStack } from './layers/specs.js';
import { layerTypes, type LayerTypes } from './layers/builtin.js';
import type { LayerDefinition } from './layers/definition.js';
import { paperParamsByLayer, stackOfConfig } from './layers/config-stack.js';

export type { Checkpoint, HostParams, TrainingState } from './checkpoint-format.js';

type Precision = CheckpointPrecision;

/** Node's base64 of bytes (as the format wants it). */
const base64: Base64 = (bytes) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');

function decode(s: unknown, precision: Precision, expected: number, what: string, path: string): Float64Array {
  if (typeof s !== 'string') throw new Error(`checkpoint ${path}: field ${what} is missing`);
  if (s.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(s)) throw new Error(`checkpoint ${path}: field ${what} is not valid base64`);
  const buf = Buffer.from(s, 'base64');
  const width = precision === 'float64' ? 8 : 4;
  if (buf.length % width !== 0) throw new Error(`checkpoint ${path}: field ${what} holds ${buf.length} bytes, not a whole number of ${precision} values (${width} bytes each)`);
  if (buf.length !== expected * width) {
    throw new Error(`checkpoint ${path}: field ${what} holds ${buf.length / width} values, the config implies ${expected}`);
  }
  const copy = new Uint8Array(buf.length);
  copy.set(buf);
  const typed = precision === 'float64' ? new Float64Array(copy.buffer) : new Float32Array(copy.buffer);
  const out = Float64Array.from(typed);
  for (let i = 0; i < out.length; i++) {
    if (!Number.isFinite(out[i])) throw new Error(`checkpoint ${path}: field ${what} has a non-finite value at index ${i}`);
  }
  return out;
}

export { stackOfConfig } from './layers/config-stack.js';

function decodeParams(raw: unknown, config: ResolvedFlowConfig, precision: Precision, what: string, path: string, types: LayerTypes): HostParams {
  const r = raw as { W?: unknown; b?: unknown; layers?: unknown } | undefined;
  if (r && Array.isArray(r.layers)) return decodeLayers(r.layers, config, precision, what, path, types);
  if (!r || !Array.isArray(r.W) || !Array.isArray(r.b)) throw new Error(`checkpoint ${path}: ${what} is missing or malformed`);
  // version 1: the paper's model as W/b lists, converted to per-layer lists on read
  const { dim, layers, bias } = config;
  if (config.stack !== undefined) throw new Error(`checkpoint ${path}: ${what} holds W/b lists but the config describes a layer stack`);
  if (r.W.length !== layers) throw new Error(`checkpoint ${path}: ${what} has ${r.W.length} weight matrices, config says ${layers} layers`);
  const nb = bias ? layers : 0;
  if (r.b.length !== nb) throw new Error(`checkpoint ${path}: ${what} has ${r.b.length} bias vectors, config implies ${nb}`);
  const W = r.W.map((w, l) => decode(w, precision, dim * dim, `${what}.W[${l}]`, path));
  const b = r.b.map((v, l) => decode(v, precision, dim, `${what}.b[${l}]`, path));
  return { layers: paperParamsByLayer({ W, b }, stackOfConfig(config)) };
}

/** Version 2: the layer list must match the config's stack, type by type and parameter by parameter. */
function decodeLayers(raw: unknown[], config: ResolvedFlowConfig, precision: Precision, what: string, path: string, types: LayerTypes): HostParams {
  const stack = stackOfConfig(config);
  if (raw.length !== stack.length) throw new Error(`checkpoint ${path}: ${what} has ${raw.length} layers, the config describes ${stack.length}`);
  const layers = raw.map((entry, k) => {
    const e = entry as Partial<{ type: string; spec: unknown; params: Record<string, string> }> | null;
    const where = `checkpoint ${path}: ${what}.layers[${k}]`;
    const { spec } = resolveLayerSpec(e?.spec, where, types);
    if (e?.type !== spec.type) throw new Error(`${where}: type ${JSON.stringify(e?.type)} disagrees with its spec's ${JSON.stringify(spec.type)}`);
    if (spec.type !== stack[k].type) throw new Error(`${where}: a ${spec.type} layer where the config has a ${stack[k].type} layer`);
    const params = e.params ?? {};
    const layout = layerParamLayout(stack[k], config.dim, types, config.context ?? 0);
    for (const name of Object.keys(params)) {
      if (!layout.some((l) => l.name === name)) throw new Error(`${where}: unknown parameter '${name}' for a ${spec.type} layer (expected ${layout.map((l) => l.name).join(', ') || 'none'})`);
    }
    return layout.map(({ name, shape }) => decode(params[name], precision, shape.reduce((n, d) => n * d, 1), `${what}.layers[${k}].${name}`, path));
  });
  return { layers };
}


/** Options of saveCheckpoint. */
export interface SaveCheckpointOptions {
  /** 'float32' halves the size (parameters only; default 'float64') */
  precision?: Precision;
  /** the user-defined layer types the config's stack uses (Flow.userLayerTypes) */
  layers?: readonly LayerDefinition[];
}

/** Writes a checkpoint atomically. */
export async function saveCheckpoint(path: string, ck: Checkpoint, options: SaveCheckpointOptions = {}): Promise<void> {
  const precision = options.precision ?? 'float64';
  const types = layerTypes(options.layers, 'saveCheckpoint: layers');
  const payload = checkpointPayload(ck, precision, types, base64);
  const text = checkpointText(payload, Buffer.byteLength(payload), createHash('sha256').update(payload).digest('hex'));
  await removeStaleTemps(path);
  const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
  try {
    // fsync the file before the rename and the folder after it: a power cut then leaves either
    // the old checkpoint or the new one, never an empty file under the final name
    // created exclusively and never through a link: a file or symlink planted at the temp name is refused
    const handle = await fs.open(tmp, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL | (fsConstants.O_NOFOLLOW ?? 0), 0o666);
    try {
      await handle.writeFile(text);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await syncFolder(dirname(path));
    await fs.rename(tmp, path);
    await syncFolder(dirname(path));
  } catch (err) {
    // remove our temp file only (not one that was already there when the exclusive open failed)
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST' && (err as NodeJS.ErrnoException).code !== 'ELOOP') await fs.rm(tmp, { force: true }).catch(() => undefined);
    throw writeError(`checkpoint ${path}`, err);
  }
}

/** fsync a folder so a rename in it is durable; platforms that cannot open folders skip it. */
async function syncFolder(folder: string): Promise<void> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(folder, 'r');
    await handle.sync();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL' && code !== 'EBADF') throw err;
  } finally {
    await handle?.close();
  }
}

/** True when a process with this id runs (EPERM: it runs under another user). */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const TEMP_SUFFIX = /\.tmp-(\d+)-(\d+)$/;

/**
 * Removes `<path>.tmp-<pid>-<ms>` files left by processes that no longer run (killed, disk full,
 * closed pipe), or whose pid now belongs to a process started after `<ms>`; temp files of live
 * writers are theirs. Returns the removed paths.
 */
export async function removeStaleTemps(path: string): Promise<string[]> {
  const folder = dirname(path);
  const prefix = `${basename(path)}.tmp-`;
  let names: string[];
  try {
    names = await fs.readdir(folder);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const m = TEMP_SUFFIX.exec(name);
    if (m === null) continue;
    const pid = Number(m[1]);
    if (processAlive(pid)) {
      // still the writer's, unless the pid now belongs to a process started after the temp file was
      // named (a reused pid; 2 s of slack for the clock-tick rounding)
      const startedAt = processStartedAtMs(pid);
      if (startedAt === null || startedAt <= Number(m[2]) + 2000) continue;
    }
    const stale = join(folder, name);
    await fs.rm(stale, { force: true });
    removed.push(stale);
  }
  return removed;
}

/** Options of loadCheckpoint. */
export interface LoadCheckpointOptions {
  /** the user-defined layer types the file's stack uses (an unknown type name is refused) */
  layers?: readonly LayerDefinition[];
}

/** Reads a checkpoint, checking its size, checksum, layer types and every parameter's size. */
export async function loadCheckpoint(path: string, options: LoadCheckpointOptions = {}): Promise<Checkpoint> {
  let text: string;
  try {
    text = await fs.readFile(path, 'utf8');
  } catch (err) {
    throw new Error(`checkpoint ${path}: cannot read it (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  const newline = text.indexOf('\n');
  let header: { format?: unknown; version?: unknown; bytes?: unknown; sha256?: unknown };
  try {
    header = JSON.parse(newline < 0 ? text : text.slice(0, newline)) as typeof header;
  } catch {
    throw new Error(`checkpoint ${path}: not a relgrad checkpoint (unreadable header line)`);
  }
  if (header.format !== CHECKPOINT_FORMAT) throw new Error(`checkpoint ${path}: not a relgrad checkpoint (format ${String(header.format)})`);
  if (!READABLE_VERSIONS.includes(header.version as number)) {
    throw new Error(`checkpoint ${path}: version ${String(header.version)} is not supported (this relgrad reads versions ${READABLE_VERSIONS.join(' and ')})`);
  }
  const payload = newline < 0 ? '' : text.slice(newline + 1);
  const bytes = Buffer.byteLength(payload);
  if (bytes !== header.bytes) {
    throw new Error(`checkpoint ${path}: truncated or extended: payload has ${bytes} bytes, header says ${String(header.bytes)}`);
  }
  const sha256 = createHash('sha256').update(payload).digest('hex');
  if (sha256 !== header.sha256) throw new Error(`checkpoint ${path}: checksum mismatch: the file was modified or corrupted`);
  const raw = JSON.parse(payload) as {
    config: ResolvedFlowConfig;
    precision: Precision;
    params: unknown;
    training?: Omit<TrainingState, 'optimizer' | 'best'> & {
      optimizer: Omit<OptimizerState, 'm' | 'v'> & { m: string[]; v: string[] };
      best: { epoch: number; validationLoss: number; params: unknown } | null;
    };
    meta?: Record<string, unknown>;
  };
  const config = raw.config;
  if (raw.precision !== undefined && raw.precision !== 'float64' && raw.precision !== 'float32') {
    throw new Error(`checkpoint ${path}: field "precision" is ${JSON.stringify(raw.precision)}; this relgrad reads "float64" and "float32"`);
  }
  const precision: Precision = raw.precision ?? 'float64';
  if (!config || !Number.isInteger(config.dim) || !Number.isInteger(config.layers)) {
    throw new Error(`checkpoint ${path}: config is missing dim/layers`);
  }
  let types = layerTypes(options.layers, 'loadCheckpoint: layers');
  if (config.stack !== undefined) {
    if (!Array.isArray(config.stack) || config.stack.length === 0) throw new Error(`checkpoint ${path}: config.stack must be a non-empty list of layer specs`);
    ({ types } = resolveStack(config.stack, `checkpoint ${path}: config.stack`, options.layers));
  }
  const params = decodeParams(raw.params, config, precision, 'params', path, types);
  let training: TrainingState | undefined;
  if (raw.training) {
    const t = raw.training;
    // moments per parameter in the flat order of the layers (version 1: all W, then all b)
    const dense = denseViews(stackOfConfig(config), params.layers);
    const sizes = header.version === 1 ? [...dense.W.map((w) => w.length), ...dense.b.map((v) => v.length)] : params.layers.flat().map((a) => a.length);
    const opt = t.optimizer;
    const moments = (list: string[], name: string): Float64Array[] => {
      const decoded = list.map((s, i) => decode(s, 'float64', sizes[i], `optimizer.${name}[${i}]`, path));
      return header.version === 1 ? v1MomentsByLayer(decoded, dense) : decoded;
    };
    training = {
      ...t,
      optimizer: { ...opt, m: moments(opt.m, 'm'), v: moments(opt.v, 'v') },
      best: t.best && { ...t.best, params: t.best.params === BEST_IS_PARAMS ? params : decodeParams(t.best.params, config, 'float64', 'best.params', path, types) },
    };
  }
  return { config, params, training, meta: raw.meta };
}

/** Version 1 kept Adam's moments as [W_0..W_{L-1}, b_0..b_{L-1}]; now they follow the layers: W_0, b_0, W_1, … */
function v1MomentsByLayer(moments: Float64Array[], params: { W: Float64Array[]; b: Float64Array[] }): Float64Array[] {
  if (moments.length === 0) return moments;
  const L = params.W.length;
  const out: Float64Array[] = [];
  for (let l = 0; l < L; l++) {
    out.push(moments[l]);
    if (params.b.length > 0) out.push(moments[L + l]);
  }
  return out;
}
