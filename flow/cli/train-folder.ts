// What `relgrad train` may do with its output folder before it writes there. A folder that holds
// anything is refused unless the run continues the one there (--resume) or replaces it (--force);
// either way only files a relgrad run wrote (by content: flow/run-files.ts) are removed, and a
// file of the user's that the run would write over stops it before anything changes.

import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { MANIFEST, ownership, relgradWrote } from '../run-files.js';
import { runEntries } from '../run-folder.js';
import { UsageError } from './args.js';
import { Interrupted } from './interrupt.js';

/** Files a run writes at its end: a resume removes them (they describe an earlier epoch). */
const isEndProduct = (f: string): boolean => f === 'model.json' || /^(figure|density|samples|curve)\.(png|svg)$/.test(f);

/** Every name `train` writes into its folder (the lock and checkpoint temp files aside). */
const isTrainOutput = (f: string): boolean => isEndProduct(f) || f === 'checkpoint.json' || f === 'log.jsonl';

/** The folder `train` writes into and how the run relates to what is there. */
export interface TrainFolder {
  /** the output folder (resolved) */
  out: string;
  /** the run resumes the checkpoint in this folder */
  continuing: boolean;
  force: boolean;
  notice: (message: string) => void;
}

/**
 * Refuses a folder that holds files (unless continuing or --force) and any user file the run would
 * write over (always); then removes what the run replaces: on --force every file relgrad wrote, on a
 * resume the end products of the earlier epoch. Throws UsageError naming the files.
 */
export function prepareTrainFolder(f: TrainFolder): void {
  const entries = runEntries(f.out);
  if (entries.length === 0) return;
  const { relgrad, other } = ownership(f.out, entries);
  const clobbered = other.filter(isTrainOutput);
  if (clobbered.length > 0) {
    throw new UsageError(
      `relgrad train: ${f.out} holds ${clobbered.join(', ')}, which no relgrad run wrote (files are recognised by content, not name) ` +
        'and which this run would write over: move them away or choose another --out',
    );
  }
  if (!f.continuing && !f.force) {
    const checkpoint = relgrad.includes('checkpoint.json') ? `pass --resume ${join(f.out, 'checkpoint.json')} to continue it, ` : '';
    const replace = relgrad.length > 0 ? '--force to replace it' : '--force to write beside them (they are kept)';
    throw new UsageError(`relgrad train: ${f.out} already holds ${relgrad.length > 0 ? 'a run' : 'files'} (${entries.join(', ')}): ${checkpoint}${replace}, or another --out`);
  }
  const removed = f.continuing ? relgrad.filter(isEndProduct) : relgrad;
  for (const name of removed) rmSync(join(f.out, name), { force: true });
  if (!f.continuing && relgradWrote(f.out, MANIFEST)) rmSync(join(f.out, MANIFEST), { force: true });
  if (removed.length > 0) {
    f.notice(`${f.continuing ? 'continuing' : 'replacing (--force)'} the run in ${f.out}: removed ${removed.join(', ')}${f.continuing ? ' (they described an earlier epoch; rewritten when this run ends)' : ''}`);
  }
  if (!f.continuing && other.length > 0) f.notice(`kept ${other.join(', ')} in ${f.out} (not written by relgrad)`);
}

/**
 * A training run stopped by a signal, as an Interrupted that says what is kept: the checkpoint of
 * the last completed epoch (`epoch`, 0: none) and how to resume it. Other errors pass unchanged.
 */
export function interruptedTraining(err: unknown, checkpointPath: string, epoch: number): unknown {
  if (!(err instanceof Interrupted)) return err;
  const kept = epoch > 0
    ? `the checkpoint of epoch ${epoch} is ${checkpointPath}: continue with relgrad train --resume ${checkpointPath}`
    : 'no epoch was completed, so there is no checkpoint to resume (start again with --force)';
  return new Interrupted(err.signal, `train: interrupted by ${err.signal}; ${kept}`);
}

/** interruptedTraining for `experiment`, whose next run with the same flags resumes on its own. */
export function interruptedExperiment(err: unknown, checkpointPath: string): unknown {
  if (!(err instanceof Interrupted)) return err;
  const kept = existsSync(checkpointPath)
    ? `the checkpoint of the last completed epoch is ${checkpointPath}: the same command resumes it`
    : 'no epoch was completed, so there is no checkpoint to resume';
  return new Interrupted(err.signal, `experiment: interrupted by ${err.signal}; ${kept}`);
}
