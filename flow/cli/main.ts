#!/usr/bin/env node
// The relgrad command line: a table from command name to the module that runs it (one file per
// command under commands/), the top-level help and the dispatcher. Exit status 0 on success, 2 on
// a usage error (unknown flag, bad value), 128 + n when signal n stopped the work, 1 on any other
// error; every error says what was wrong (under --json also as one JSON document on stdout:
// failure.ts).

import { existsSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { closest, flagTable, UsageError } from './args.js';
import { reportFailure } from './failure.js';
import { packageVersion } from './version.js';
import { commandEval } from './commands/eval.js';
import { commandExperiment } from './commands/experiment.js';
import { commandExport } from './commands/export.js';
import { commandGallery } from './commands/gallery.js';
import { commandInfo } from './commands/info.js';
import { commandSample } from './commands/sample.js';
import { commandTrain } from './commands/train.js';

/** Every command: the function that runs it and its line in the top-level help, in help order. */
const COMMANDS: Record<string, { run: (argv: string[]) => Promise<void>; what: string }> = {
  train: { run: commandTrain, what: 'train a dense flow by maximum likelihood (relative gradient by default)' },
  eval: { run: commandEval, what: 'log-likelihood of a data split under a saved flow, as JSON' },
  sample: { run: commandSample, what: 'draw samples from a saved flow into a PNG, CSV or .npy' },
  experiment: { run: commandExperiment, what: 'train with early stopping, evaluate next to a Gaussian baseline, write results JSON' },
  export: { run: commandExport, what: 'write a saved flow\'s parameters as .npz (NumPy) or safetensors' },
  info: { run: commandInfo, what: 'summary of a saved flow (layers, parameters, dtype, data set, log-likelihood), as JSON' },
  gallery: { run: commandGallery, what: 'train every toy set with its recipe; one figure, a row per set, and a table' },
};
const NAMES = Object.keys(COMMANDS);

const TOP_HELP = [
  'usage: relgrad <command> [flags]',
  '',
  'commands:',
  ...NAMES.map((name) => `  ${name.padEnd(14)}${COMMANDS[name].what}`),
  '',
  'flags:',
  ...flagTable({}),
  '',
  'relgrad <command> --help shows each command\'s flags; train, eval, sample, experiment, export and',
  'info take --json (stdout: exactly one JSON document; human lines on stderr).',
].join('\n');

/**
 * A reader that goes away (`relgrad train | head -1`) makes writes fail with EPIPE, emitted as an
 * 'error' event that would crash the run: output is dropped from then on and the run goes on.
 */
let closedOutputHandled = false;
function tolerateClosedOutput(): void {
  if (closedOutputHandled) return;
  closedOutputHandled = true;
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED') return;
      throw err;
    });
  }
}

/** Runs `relgrad <argv>` and resolves to its exit status (the program sets process.exitCode from it). */
export async function main(argv: string[]): Promise<number> {
  tolerateClosedOutput();
  const [command, ...rest] = argv;
  if (command === undefined) {
    // no command is a usage error (a script that lost its arguments should not pass)
    process.stderr.write(`${TOP_HELP}\n`);
    return 2;
  }
  if (command === '--help' || command === '-h' || command === 'help') {
    console.log(TOP_HELP);
    return 0;
  }
  if (command === '--version') {
    console.log(packageVersion());
    return 0;
  }
  const entry = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  try {
    if (entry === undefined) {
      const guess = closest(command, NAMES);
      const expected = `${NAMES.slice(0, -1).join(', ')} or ${NAMES[NAMES.length - 1]}`;
      throw new UsageError(`relgrad: unknown command '${command}' (${guess === undefined ? '' : `did you mean '${guess}'? `}expected ${expected})`);
    }
    await entry.run(rest);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    return reportFailure(err, rest);
  }
}

/** True when this file is the program (also through npm's bin symlink), false when imported. */
function invokedDirectly(): boolean {
  const script = process.argv[1];
  if (script === undefined || !existsSync(script)) return false;
  return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
}

if (invokedDirectly()) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
