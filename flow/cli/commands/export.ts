// `relgrad export`: a saved flow's parameters and config as NumPy .npz or safetensors, for other
// tools (layout in docs/interchange.md); written atomically.

import { extname, resolve } from 'node:path';
import { loadCheckpoint } from '../../checkpoint.js';
import { encodeFlow, exportedArrayNames, EXPORT_FORMATS, type ExportFormat } from '../../interchange/export.js';
import { parseOrAnswer, UsageError, type FlagSpec } from '../args.js';
import { JSON_ALWAYS_FLAG } from '../common.js';
import { writeFileAtomic } from '../../safe-write.js';

const EXPORT_FLAGS: Record<string, FlagSpec> = {
  checkpoint: { type: 'string', help: 'checkpoint file (required)', placeholder: 'file' },
  format: { type: 'string', help: 'file format (default: from the --out extension)', choices: EXPORT_FORMATS },
  out: { type: 'string', help: 'output file, .npz or .safetensors (required)', placeholder: 'file' },
  json: JSON_ALWAYS_FLAG,
};

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

/** `relgrad export [flags]`. */
export async function commandExport(argv: string[]): Promise<void> {
  const parsed = parseOrAnswer('export', argv, EXPORT_FLAGS, 'Writes a saved flow\'s parameters (float64: W0, b0, W1, … for the paper\'s model; layer0.logScale, layer1.widths, … for a layer stack) and config for NumPy (.npz) or safetensors; see docs/interchange.md.');
  if (parsed === undefined) return;
  const { flags } = parsed;
  const path = flags.checkpoint === undefined ? undefined : String(flags.checkpoint);
  if (path === undefined) throw new UsageError('relgrad export: --checkpoint is required');
  if (flags.out === undefined) throw new UsageError('relgrad export: --out is required');
  const out = String(flags.out);
  const format = formatOf(out, flags.format === undefined ? undefined : String(flags.format));
  const ck = await loadCheckpoint(path);
  const bytes = encodeFlow(ck, format);
  // whole or not at all; a failure (a full disk) leaves no temp file and names the file
  writeFileAtomic(out, bytes);
  console.log(JSON.stringify({ out: resolve(out), format, bytes: bytes.length, arrays: exportedArrayNames(ck.config) }));
}

