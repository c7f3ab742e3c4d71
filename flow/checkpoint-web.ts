// Checkpoints in a browser: the format of flow/checkpoint-format.ts written with Web APIs only
// (TextEncoder, crypto.subtle, btoa), so a page can hand out a model `relgrad eval` reads.
// Parameters are float64, without training state; loadCheckpoint checks size and checksum.

import type { ResolvedFlowConfig } from './config.js';
import { checkpointPayload, checkpointText, type HostParams } from './checkpoint-format.js';
import { layerTypes } from './layers/builtin.js';
import type { LayerDefinition } from './layers/definition.js';

/** base64 by btoa, in chunks (String.fromCharCode takes a bounded number of arguments). */
function base64(bytes: Uint8Array): string {
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
  const payload = checkpointPayload({ config, params, meta }, 'float64', layerTypes(layers), base64);
  const bytes = new TextEncoder().encode(payload);
  return checkpointText(payload, bytes.length, await sha256Hex(bytes));
}
