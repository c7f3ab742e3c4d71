// The checkpoint file format, owned here for both writers (flow/checkpoint.ts on Node,
// flow/checkpoint-web.ts in a browser): one JSON header line {format, version, bytes, sha256} (bytes
// and SHA-256 of the UTF-8 payload), then the JSON payload {config, precision, params, training,
// meta}; every array is base64 of its little-endian values, float64 (parameters float32 when saved
// so). Version 2 stores the layer list (type, spec, named parameters per layer; docs/layers.md).
// Platform-free: the writers pass in their base64 encoder and do the hashing and the file I/O.

import type { ResolvedFlowConfig } from './config.js';
import type { OptimizerState } from './optim.js';
import type { ScheduleState } from '../engine/lr-schedules.js';
import type { LayerTypes } from './layers/builtin.js';
import { encodeLayerParams } from './layers/config-stack.js';

/** The header's `format` field of every relgrad checkpoint. */
export const CHECKPOINT_FORMAT = 'relgrad-checkpoint';
/** The version the writers write. */
const CHECKPOINT_VERSION = 2;
/** The versions loadCheckpoint reads (version 1: the paper's model as W/b lists). */
export const READABLE_VERSIONS: readonly number[] = [1, 2];

/** How parameters are stored: 'float64', or 'float32' at half the size. */
export type CheckpointPrecision = 'float64' | 'float32';

/**
 * Parameters on the host (float64), the one representation of a flow's parameters off the
 * backend: `layers[k]` holds layer k's arrays in the order of its `paramNames` (empty for a
 * parameterless layer), for the paper's model as for any stack. The paper's `{ W, b }` is a view
 * of it (`denseViews(flow.stack, params.layers)`), taken only at the API edge.
 */
export interface HostParams {
  layers: Float64Array[][];
}

/**
 * Where training stands in a checkpoint: epochs done, optimiser and schedule state, best epoch,
 * history; enough to resume bit for bit.
 */
export interface TrainingState {
  /** epochs completed */
  epoch: number;
  optimizer: OptimizerState;
  /** the learning-rate schedule's state (absent: constant, or an older file) */
  schedule?: ScheduleState;
  best: { epoch: number; validationLoss: number; params: HostParams } | null;
  badEpochs: number;
  history: unknown[];
  options: Record<string, unknown>;
}

/** A checkpoint's content: the resolved config, the parameters and, when saved while training, the training state. */
export interface Checkpoint {
  config: ResolvedFlowConfig;
  params: HostParams;
  training?: TrainingState;
  meta?: Record<string, unknown>;
}

/**
 * training.best.params when the best epoch is the last one (train() hands both the same host copy):
 * the parameters are written once, under params; files with two copies read as before.
 */
export const BEST_IS_PARAMS = 'params';

/** Encodes bytes as base64 (Buffer on Node, btoa in a browser). */
export type Base64 = (bytes: Uint8Array) => string;

/** The bytes an array is stored as: its values in `precision`, in the platform's (little-endian) order. */
function stored(a: Float64Array, precision: CheckpointPrecision): Uint8Array {
  const typed = precision === 'float64' ? a : Float32Array.from(a);
  return new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength);
}

/**
 * The payload text of a checkpoint: config, precision, params (`precision`), training (optimiser
 * moments and best parameters always float64; absent when not training) and meta, in this order.
 * Throws when the parameters disagree with the config's layers.
 */
export function checkpointPayload(ck: Checkpoint, precision: CheckpointPrecision, types: LayerTypes, base64: Base64): string {
  const encode = (a: Float64Array, p: CheckpointPrecision): string => base64(stored(a, p));
  const params = (p: HostParams, at: CheckpointPrecision): ReturnType<typeof encodeLayerParams> => encodeLayerParams(p, ck.config, (a) => encode(a, at), types);
  return JSON.stringify({
    config: ck.config,
    precision,
    params: params(ck.params, precision),
    training: ck.training && {
      ...ck.training,
      optimizer: {
        ...ck.training.optimizer,
        m: ck.training.optimizer.m.map((a) => encode(a, 'float64')),
        v: ck.training.optimizer.v.map((a) => encode(a, 'float64')),
      },
      // the best epoch's parameters, or BEST_IS_PARAMS when they are the float64 params above (one copy)
      best: ck.training.best && {
        ...ck.training.best,
        params: ck.training.best.params === ck.params && precision === 'float64' ? BEST_IS_PARAMS : params(ck.training.best.params, 'float64'),
      },
    },
    meta: ck.meta ?? {},
  });
}

/** The whole file: the header line for a payload of `bytes` UTF-8 bytes with this SHA-256 (hex), then the payload. */
export function checkpointText(payload: string, bytes: number, sha256: string): string {
  const header = JSON.stringify({ format: CHECKPOINT_FORMAT, version: CHECKPOINT_VERSION, bytes, sha256 });
  return `${header}\n${payload}`;
}
