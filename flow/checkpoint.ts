// Checkpoints: config + parameters (+ optimiser state, epoch and history when training).
// Format: one JSON header line {format, version, bytes, sha256} then the JSON payload; arrays are
// base64 little-endian float64 (or float32 when saved so). Writes are atomic and durable (temp file,
// fsync, rename, fsync of the folder); temp files of dead processes are removed. A truncated,
// tampered or inconsistent file is refused with a message naming the problem.

import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { ResolvedFlowConfig } from './config.js';
import type { OptimizerState } from './optim.js';

export const CHECKPOINT_FORMAT = 'relgrad-checkpoint';
export const CHECKPOINT_VERSION = 1;

export interface HostParams {
  W: Float64Array[];
  b: Float64Array[];
}

export interface TrainingState {
  /** epochs completed */
  epoch: number;
  optimizer: OptimizerState;
  best: { epoch: number; validationLoss: number; params: HostParams } | null;
  badEpochs: number;
  history: unknown[];
  options: Record<string, unknown>;
}

export interface Checkpoint {
  config: ResolvedFlowConfig;
  params: HostParams;
  training?: TrainingState;
  meta?: Record<string, unknown>;
}

type Precision = 'float64' | 'float32';

function encode(a: Float64Array, precision: Precision): string {
  const typed = precision === 'float64' ? a : Float32Array.from(a);
  return Buffer.from(typed.buffer, typed.byteOffset, typed.byteLength).toString('base64');
}

function decode(s: unknown, precision: Precision, expected: number, what: string, path: string): Float64Array {
  if (typeof s !== 'string') throw new Error(`checkpoint ${path}: ${what} is missing`);
  const buf = Buffer.from(s, 'base64');
  const width = precision === 'float64' ? 8 : 4;
  if (buf.length !== expected * width) {
    throw new Error(`checkpoint ${path}: ${what} holds ${buf.length / width} values, the config implies ${expected}`);
  }
  const copy = new Uint8Array(buf.length);
  copy.set(buf);
  const typed = precision === 'float64' ? new Float64Array(copy.buffer) : new Float32Array(copy.buffer);
  const out = Float64Array.from(typed);
  for (let i = 0; i < out.length; i++) {
    if (!Number.isFinite(out[i])) throw new Error(`checkpoint ${path}: ${what} has a non-finite value at index ${i}`);
  }
  return out;
}

function encodeParams(p: HostParams, precision: Precision): { W: string[]; b: string[] } {
  return { W: p.W.map((w) => encode(w, precision)), b: p.b.map((v) => encode(v, precision)) };
}

function decodeParams(raw: unknown, config: ResolvedFlowConfig, precision: Precision, what: string, path: string): HostParams {
  const r = raw as { W?: unknown; b?: unknown } | undefined;
  if (!r || !Array.isArray(r.W) || !Array.isArray(r.b)) throw new Error(`checkpoint ${path}: ${what} is missing or malformed`);
  const { dim, layers, bias } = config;
  if (r.W.length !== layers) throw new Error(`checkpoint ${path}: ${what} has ${r.W.length} weight matrices, config says ${layers} layers`);
  const nb = bias ? layers : 0;
  if (r.b.length !== nb) throw new Error(`checkpoint ${path}: ${what} has ${r.b.length} bias vectors, config implies ${nb}`);
  return {
    W: r.W.map((w, l) => decode(w, precision, dim * dim, `${what}.W[${l}]`, path)),
    b: r.b.map((v, l) => decode(v, precision, dim, `${what}.b[${l}]`, path)),
  };
}

/** Writes a checkpoint atomically. `precision: 'float32'` halves the size (parameters only). */
export async function saveCheckpoint(path: string, ck: Checkpoint, options: { precision?: Precision } = {}): Promise<void> {
  const precision = options.precision ?? 'float64';
  const payload = JSON.stringify({
    config: ck.config,
    precision,
    params: encodeParams(ck.params, precision),
    training: ck.training && {
      ...ck.training,
      optimizer: {
        ...ck.training.optimizer,
        m: ck.training.optimizer.m.map((a) => encode(a, 'float64')),
        v: ck.training.optimizer.v.map((a) => encode(a, 'float64')),
      },
      best: ck.training.best && { ...ck.training.best, params: encodeParams(ck.training.best.params, 'float64') },
    },
    meta: ck.meta ?? {},
  });
  const bytes = Buffer.byteLength(payload);
  const sha256 = createHash('sha256').update(payload).digest('hex');
  const header = JSON.stringify({ format: CHECKPOINT_FORMAT, version: CHECKPOINT_VERSION, bytes, sha256 });
  await removeStaleTemps(path);
  const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
  try {
    // fsync the file before the rename and the folder after it: a power cut then leaves either
    // the old checkpoint or the new one, never an empty file under the final name
    const handle = await fs.open(tmp, 'w');
    try {
      await handle.writeFile(`${header}\n${payload}`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await syncFolder(dirname(path));
    await fs.rename(tmp, path);
    await syncFolder(dirname(path));
  } catch (err) {
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    throw err;
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

const TEMP_SUFFIX = /\.tmp-(\d+)-\d+$/;

/**
 * Removes `<path>.tmp-<pid>-<ms>` files left by processes that no longer run (killed, disk full,
 * closed pipe); temp files of live processes are theirs. Returns the removed paths.
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
    if (m === null || processAlive(Number(m[1]))) continue;
    const stale = join(folder, name);
    await fs.rm(stale, { force: true });
    removed.push(stale);
  }
  return removed;
}

export async function loadCheckpoint(path: string): Promise<Checkpoint> {
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
  if (header.version !== CHECKPOINT_VERSION) throw new Error(`checkpoint ${path}: version ${String(header.version)} is not supported (expected ${CHECKPOINT_VERSION})`);
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
  const precision = raw.precision === 'float32' ? 'float32' : 'float64';
  if (!config || !Number.isInteger(config.dim) || !Number.isInteger(config.layers)) {
    throw new Error(`checkpoint ${path}: config is missing dim/layers`);
  }
  const params = decodeParams(raw.params, config, precision, 'params', path);
  let training: TrainingState | undefined;
  if (raw.training) {
    const t = raw.training;
    const sizes = [...params.W.map((w) => w.length), ...params.b.map((v) => v.length)];
    const opt = t.optimizer;
    training = {
      ...t,
      optimizer: {
        ...opt,
        m: opt.m.map((s, i) => decode(s, 'float64', sizes[i], `optimizer.m[${i}]`, path)),
        v: opt.v.map((s, i) => decode(s, 'float64', sizes[i], `optimizer.v[${i}]`, path)),
      },
      best: t.best && { ...t.best, params: decodeParams(t.best.params, config, 'float64', 'best.params', path) },
    };
  }
  return { config, params, training, meta: raw.meta };
}
