// Which files in an output folder a relgrad run wrote, so that `--force` (or a resume that
// rewrites a run's end products) removes those and nothing else. Names never count; content does.
// A file is relgrad's when
//  - it is a checkpoint or saved model: its header line names relgrad's format and its payload
//    matches the header's byte count and sha256 (an edited file no longer matches and is kept);
//  - it is a training log whose every line is one of relgrad's epoch records;
//  - it is an experiment's results JSON (dataset, config, training, validationCurve, test, model);
//  - or the folder's manifest (.relgrad-files.json, written after the files) lists it with the
//    sha256 of its current content: the pictures, a log created empty. A changed file is kept.
// Node only. Cost: every candidate file is read and hashed once, O(its size).

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { CHECKPOINT_FORMAT } from './checkpoint-format.js';
import { writeFileAtomic } from './safe-write.js';

/** The manifest's name in a run folder. */
export const MANIFEST = '.relgrad-files.json';
const MANIFEST_FORMAT = 'relgrad-files';

const sha256 = (bytes: Uint8Array | string): string => createHash('sha256').update(bytes).digest('hex');

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function parse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** A relgrad checkpoint whose payload matches its header (format, byte count, sha256). */
export function isRelgradCheckpoint(text: string): boolean {
  const newline = text.indexOf('\n');
  if (newline < 0) return false;
  const header = parse(text.slice(0, newline));
  if (!isObject(header) || header.format !== CHECKPOINT_FORMAT) return false;
  const payload = text.slice(newline + 1);
  return header.bytes === Buffer.byteLength(payload) && header.sha256 === sha256(payload);
}

/** Every line one of relgrad's epoch records ({ epoch, trainLoss, validationLoss, seconds, … }). */
export function isTrainingLog(text: string): boolean {
  const lines = text.split('\n').filter((l) => l !== '');
  return lines.length > 0 && lines.every((line) => {
    const r = parse(line);
    return isObject(r) && Number.isInteger(r.epoch) && typeof r.trainLoss === 'number' && typeof r.seconds === 'number' &&
      (r.validationLoss === null || typeof r.validationLoss === 'number');
  });
}

/** An experiment's results document (flow/experiment.ts, ExperimentResult). */
export function isExperimentResults(text: string): boolean {
  const r = parse(text);
  return isObject(r) && typeof r.dataset === 'string' && isObject(r.config) && isObject(r.training) &&
    Array.isArray(r.validationCurve) && isObject(r.test) && typeof r.test.mean === 'number' && typeof r.model === 'string';
}

/** The manifest's entries (file name → sha256); empty when there is none or it is not relgrad's. */
function readManifest(folder: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(join(folder, MANIFEST), 'utf8');
  } catch {
    return {};
  }
  const m = parse(text);
  if (!isObject(m) || m.format !== MANIFEST_FORMAT || !isObject(m.files)) return {};
  return Object.fromEntries(Object.entries(m.files).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

/** Adds `files` (paths in `folder`) with the hashes of their current content to the folder's manifest. */
export function recordWritten(folder: string, files: readonly string[]): void {
  const entries = readManifest(folder);
  for (const file of files) entries[basename(file)] = sha256(readFileSync(join(folder, basename(file))));
  writeFileAtomic(join(folder, MANIFEST), JSON.stringify({ format: MANIFEST_FORMAT, version: 1, files: entries }, null, 1) + '\n');
}

/** Whether relgrad wrote `name` in `folder`, by the rules above; `manifest` from readManifest. */
export function relgradWrote(folder: string, name: string, manifest: Record<string, string> = readManifest(folder)): boolean {
  let bytes: Buffer;
  try {
    bytes = readFileSync(join(folder, name));
  } catch {
    return false; // a folder, unreadable or gone: not ours to remove
  }
  if (name === MANIFEST) {
    const m = parse(bytes.toString('utf8'));
    return isObject(m) && m.format === MANIFEST_FORMAT;
  }
  if (manifest[name] === sha256(bytes)) return true;
  if (/\.(png|svg)$/i.test(name)) return false;
  const text = bytes.toString('utf8');
  return isRelgradCheckpoint(text) || isTrainingLog(text) || isExperimentResults(text);
}

/** Splits folder entries into those relgrad wrote and the others (the user's, kept). */
export function ownership(folder: string, names: readonly string[]): { relgrad: string[]; other: string[] } {
  const manifest = readManifest(folder);
  const relgrad: string[] = [];
  const other: string[] = [];
  for (const name of names) (relgradWrote(folder, name, manifest) ? relgrad : other).push(name);
  return { relgrad, other };
}
