// The checkpoint file format of flow/checkpoint.ts, written with Web APIs only (TextEncoder,
// crypto.subtle, btoa), so a browser page can hand out a model `relgrad eval` reads: a JSON
// header line {format, version, bytes, sha256 of the payload} and the JSON payload with the
// parameters of every layer (format 2) as base64 little-endian float64. test/demo.test.ts loads such a file with
// loadCheckpoint, which checks size and checksum.

import type { ResolvedFlowConfig } from './config.js';
import type { HostParams } from './checkpoint.js';
import { encodeLayerParams } from './layers/config-stack.js';
import { layerTypes } from './layers/builtin.js';
import type { LayerDefinition } from './layers/definition.js';

/** Same values as CHECKPOINT_FORMAT / CHECKPOINT_VERSION in checkpoint.ts (a test compares them). */
export const WEB_CHECKPOINT_FORMAT = 'relgrad-checkpoint';
export const WEB_CHECKPOINT_VERSION = 2;

function base64(a: Float64Array): string {
  const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** The text of a checkpoint file holding `params` (float64) under `config`; `layers`: the user-defined types its stack uses. */
export async function encodeCheckpointText(config: ResolvedFlowConfig, params: HostParams, meta: Record<string, unknown> = {}, layers: readonly LayerDefinition[] = []): Promise<string> {
  const payload = JSON.stringify({ config, precision: 'float64', params: encodeLayerParams(params, config, base64, layerTypes(layers)), meta });
  const bytes = new TextEncoder().encode(payload);
  const header = JSON.stringify({ format: WEB_CHECKPOINT_FORMAT, version: WEB_CHECKPOINT_VERSION, bytes: bytes.length, sha256: await sha256Hex(bytes) });
  return `${header}\n${payload}`;
}
