// The CLI and the bench runners as scripts see them: --version, aligned --help listing the valid
// names, --json (stdout is exactly one JSON document, human lines on stderr), train's Gaussian
// baseline on the same split (checked against a naive 2-D Gaussian fit), plain progress lines when
// stderr is not a terminal, the experiment's per-epoch and Gaussian-phase lines, and the one flag
// parser's errors. The built binaries (npm test builds first) run where the process is the point
// (the bench runners, --version, the progress output's stderr, a terminal); the commands' output
// and exit status are checked through main() in this process (`here`), which is what the binary
// runs, without a Node start-up per command.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseFlags, flagTable, UsageError, type FlagSpec } from '../flow/cli/args.js';
import { resolveDataset, MAF_SETS } from '../flow/cli/datasets.js';
import { packageVersion } from '../flow/cli/version.js';
import { TOY_SETS } from '../flow/data/toy.js';
import { loadCheckpoint, saveCheckpoint } from '../flow/checkpoint.js';
import { Flow } from '../flow/index.js';
import { numericLogProbRows } from './helpers/flow-numeric.js';
import { relgradHere } from './helpers/cli-in-process.js';

const bin = resolve('dist/flow/cli/main.js');
const dir = mkdtempSync(join(tmpdir(), 'relgrad-cli-scripting-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const version = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;

interface Run { code: number | null; stdout: string; stderr: string }

function node(script: string, args: string[], env: Record<string, string> = {}): Run {
  const r = spawnSync(process.execPath, [script, ...args], { cwd: dir, encoding: 'utf8', timeout: 120_000, env: { ...process.env, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const relgrad = (...args: string[]): Run => node(bin, args);
/** The same command through main() in this process, in the same folder. */
const here = (...args: string[]): Promise<Run> => relgradHere(dir, ...args);

/**
 * The offsets where descriptions start in a --help flag table: for a flag line, after the flag
 * text and a gap of ≥ 2 spaces; for a continuation line, its indentation. One value when aligned.
 */
function descriptionColumns(help: string): Set<number> {
  const lines = help.split('\n');
  const rest = lines.slice(lines.indexOf('flags:') + 1);
  const end = rest.indexOf('');
  const table = end < 0 ? rest : rest.slice(0, end); // the table ends at the first blank line
  const columns = new Set<number>();
  for (const line of table) {
    if (/^ {2}-/.test(line)) {
      const gap = /^( {2}\S+(?: \S+)*?)( {2,})\S/.exec(line);
      if (gap) columns.add(gap[1].length + gap[2].length); // else: a long flag on a line of its own
    } else {
      columns.add(line.length - line.trimStart().length);
    }
  }
  return columns;
}

t.test('--version prints package.json\'s version', async (t) => {
  t.equal(packageVersion(), version, 'from the TypeScript source');
  const bare = relgrad('--version');
  t.equal(bare.code, 0, bare.stderr);
  t.equal(bare.stdout, `${version}\n`, 'relgrad --version (the binary)');
  for (const args of [['train', '--version'], ['info', '--version']]) {
    const r = await here(...args);
    t.equal(r.code, 0, r.stderr);
    t.equal(r.stdout, `${version}\n`, `relgrad ${args.join(' ')}`);
  }
});

t.test('--version from an installed layout: the nearest package.json named relgrad', async (t) => {
  // node_modules/relgrad/dist/flow/cli/version.js, with a package.json of another name in between
  const pkg = join(dir, 'installed', 'node_modules', 'relgrad');
  mkdirSync(join(pkg, 'dist', 'flow', 'cli'), { recursive: true });
  copyFileSync(resolve('dist/flow/cli/version.js'), join(pkg, 'dist', 'flow', 'cli', 'version.js'));
  writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: 'relgrad', version: '9.8.7-test', type: 'module' }));
  writeFileSync(join(pkg, 'dist', 'package.json'), JSON.stringify({ name: 'not-relgrad', version: '0.0.0', type: 'module' }));
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', `import { packageVersion } from ${JSON.stringify(join(pkg, 'dist', 'flow', 'cli', 'version.js'))}; console.log(packageVersion());`], { encoding: 'utf8' });
  t.equal(r.status, 0, r.stderr);
  t.equal(r.stdout.trim(), '9.8.7-test');
});

t.test('--help: aligned columns, long <choices> on their own line, the valid names listed', async (t) => {
  for (const cmd of ['train', 'eval', 'sample', 'experiment', 'export', 'info']) {
    const r = await here(cmd, '--help');
    t.equal(r.code, 0, r.stderr);
    t.match(r.stdout, new RegExp(`^usage: relgrad ${cmd} \\[flags\\]`));
    const columns = descriptionColumns(r.stdout);
    t.equal(columns.size, 1, `${cmd}: descriptions start at one offset (${[...columns].join(', ')})`);
    t.ok(r.stdout.split('\n').every((l) => l.length <= 100), `${cmd}: no line over 100 characters`);
    t.match(r.stdout, /--help, -h/);
    t.match(r.stdout, /--version/);
  }
  const train = (await here('train', '--help')).stdout;
  const col = [...descriptionColumns(train)][0];
  const lines = train.split('\n');
  const method = lines.findIndex((l) => l.startsWith('  --method <relative|ordinary|autodiff>'));
  t.equal(lines[method].trimEnd(), '  --method <relative|ordinary|autodiff>', 'a long <choices> stands alone');
  t.equal(lines[method + 1], `${' '.repeat(col)}gradient method (default: relative)`, 'its description is on the next line, at the column');
  t.match(train, /--\[no-\]bias {2,}use biases \(paper model\) \(default: true\)/, 'a switch that is on by default shows --no-');
  t.match(train, /--epochs <int> {2,}maximum epochs \(default: 50\)/, 'defaults shown');
  for (const cmd of ['train', 'experiment', 'eval']) {
    const flat = (await here(cmd, '--help')).stdout.replace(/\s+/g, ' ');
    for (const name of [...Object.keys(TOY_SETS), 'mnist', ...MAF_SETS]) t.match(flat, new RegExp(`[:;,] ${name}[ ,;]`), `${cmd} --dataset lists ${name}`);
    t.match(flat, /a \.csv\/\.npy path/);
  }
  const top = await here('--help');
  t.equal(top.code, 0);
  t.equal(descriptionColumns(top.stdout).size, 1, 'relgrad --help is aligned too');
});

t.test('bench runners: --help lists the names and is aligned; an unknown flag exits 2 naming it', async (t) => {
  const run = node(resolve('dist/bench/run.js'), ['--help']);
  t.equal(run.code, 0, run.stderr);
  t.match(run.stdout, /^usage: npm run bench -- \[flags\]/);
  t.equal(descriptionColumns(run.stdout).size, 1, 'aligned');
  t.match(run.stdout, /any of: step, deep, gradients, throughput, peer, fairness/, '--suites lists the suite names');
  t.match(run.stdout, /--gpu-mode <auto\|headlessgl\|webgl2\|webgl\|webgpu>\n {10,}GPU\.js mode/, 'long choices wrapped');
  for (const runner of ['run', 'browser-run', 'gemm-benchmarkjs', 'gemm', 'gpu-paths', 'builds']) {
    const script = resolve(`dist/bench/${runner}.js`);
    const help = node(script, ['--help']);
    t.equal(help.code, 0, `${runner} --help: ${help.stderr}`);
    t.equal(descriptionColumns(help.stdout).size, 1, `${runner}: aligned`);
    t.match(help.stdout, /--out <dir>/);
    // a bad flag is refused before any benchmark (or Chromium) starts
    const bad = node(script, ['--dimz', '4'], { RELGRAD_BENCH_RESULTS: join(dir, 'never') });
    t.equal(bad.code, 2, `${runner} --dimz exits 2`);
    t.match(bad.stderr, /unknown flag --dimz \((did you mean --dims\? )?see (npm run bench\S* --|node dist\/bench\/\S+\.js) --help\)/, `${runner}: ${bad.stderr.trim()}`);
    t.notOk(existsSync(join(dir, 'never')), 'nothing written');
    if (runner === 'gemm' || runner === 'gpu-paths') continue; // no --dims
    t.match(help.stdout, /--dims <n,n,…>/);
    const value = node(script, ['--dims', '4,x'], { RELGRAD_BENCH_RESULTS: join(dir, 'never') });
    t.equal(value.code, 2, `${runner} --dims 4,x exits 2`);
    t.match(value.stderr, /--dims expects a positive integer in each item, got '4,x'/);
  }
  const suite = node(resolve('dist/bench/run.js'), ['--suites', 'step,nope'], { RELGRAD_BENCH_RESULTS: join(dir, 'never') });
  t.equal(suite.code, 2);
  t.match(suite.stderr, /bench: --suites takes any of step, deep, gradients, throughput, peer, fairness; got 'nope'/);
});

/** log N(x; μ, Σ) averaged over `test`, μ and Σ (divisor N) from `train`: the 2-D closed form. */
function naiveGaussian2d(train: { data: Float64Array; rows: number }, test: { data: Float64Array; rows: number }): number {
  let [m0, m1] = [0, 0];
  for (let r = 0; r < train.rows; r++) [m0, m1] = [m0 + train.data[2 * r], m1 + train.data[2 * r + 1]];
  [m0, m1] = [m0 / train.rows, m1 / train.rows];
  let [a, b, c] = [0, 0, 0];
  for (let r = 0; r < train.rows; r++) {
    const [u, v] = [train.data[2 * r] - m0, train.data[2 * r + 1] - m1];
    [a, b, c] = [a + u * u, b + u * v, c + v * v];
  }
  [a, b, c] = [a / train.rows, b / train.rows, c / train.rows];
  const det = a * c - b * b;
  let sum = 0;
  for (let r = 0; r < test.rows; r++) {
    const [u, v] = [test.data[2 * r] - m0, test.data[2 * r + 1] - m1];
    sum += -0.5 * ((c * u * u - 2 * b * u * v + a * v * v) / det) - Math.log(2 * Math.PI) - 0.5 * Math.log(det);
  }
  return sum / test.rows;
}

t.test('train --json: one JSON document on stdout, with the Gaussian of the same split; human lines on stderr', async (t) => {
  const out = join(dir, 'json-run');
  const r = await here('train', '--json', '--epochs', '2', '--limit', '200', '--out', out);
  t.equal(r.code, 0, r.stderr);
  const summary = JSON.parse(r.stdout) as { testLogLikelihood: number; gaussianTestLogLikelihood: number; epochs: number; pictures: string[]; model: string };
  t.equal(summary.epochs, 2);
  t.ok(summary.pictures.length > 0, 'pictures listed in the JSON');
  t.match(r.stderr, /epoch 2\/2 {2}train loss/, 'epoch lines on stderr');
  t.match(r.stderr, /fitting the full-covariance Gaussian baseline on 200 training rows/);
  t.match(r.stderr, /^pictures: /m, 'pictures line on stderr');
  t.notMatch(r.stdout, /^epoch |^pictures:|^fitting/m, 'no human line on stdout');

  const data = await resolveDataset({ name: 'moons', seed: 0, limit: 200 });
  t.equal(data.train.rows, 200);
  const reference = naiveGaussian2d(data.train, data.test);
  t.ok(Math.abs(summary.gaussianTestLogLikelihood - reference) < 1e-9, `Gaussian ${summary.gaussianTestLogLikelihood} vs the naive 2-D fit ${reference}`);
  // the flow's number against the change of variables with a finite-difference Jacobian
  const flow = await Flow.load(summary.model);
  const numeric = numericLogProbRows(flow, data.test.data, data.test.rows).reduce((a, v) => a + v, 0) / data.test.rows;
  t.ok(Math.abs(summary.testLogLikelihood - numeric) < 1e-6, `testLogLikelihood ${summary.testLogLikelihood} vs the numeric-Jacobian reference ${numeric}`);

  // --standardize: the flow trains on standardised rows; both numbers are reported in the data's
  // units, and the Gaussian family is closed under affine maps, so the baseline is the same number
  const std = await here('train', '--json', '--standardize', '--epochs', '1', '--limit', '200', '--out', join(dir, 'json-std'));
  t.equal(std.code, 0, std.stderr);
  const s = JSON.parse(std.stdout) as { testLogLikelihood: number; gaussianTestLogLikelihood: number };
  t.ok(Math.abs(s.gaussianTestLogLikelihood - reference) < 1e-9, `standardised: Gaussian ${s.gaussianTestLogLikelihood} in the original units`);

  // eval, info and sample print exactly one JSON document with --json as well
  const outputs: string[] = [];
  for (const args of [['eval', '--json', '--checkpoint', summary.model], ['info', '--json', '--checkpoint', summary.model], ['sample', '--json', '--checkpoint', summary.model, '--n', '10', '--out', join(dir, 's.csv')]]) {
    const e = await here(...args);
    t.equal(e.code, 0, e.stderr);
    t.doesNotThrow(() => JSON.parse(e.stdout), `${args[0]} --json: stdout is one JSON document`);
    outputs.push(e.stdout);
  }
  const ev = JSON.parse(outputs[0]) as { logLikelihood: number };
  t.ok(Math.abs(ev.logLikelihood - summary.testLogLikelihood) < 1e-12, 'eval reproduces the flow\'s number');

  const human = await here('train', '--epochs', '1', '--limit', '200', '--out', join(dir, 'human-run'));
  t.equal(human.code, 0, human.stderr);
  t.match(human.stdout, /epoch 1\/1 {2}train loss/, 'without --json, human lines stay on stdout');
  t.match(human.stdout, /test log-likelihood -?\d+\.\d+ ± \d+\.\d+; full-covariance Gaussian on the same split -?\d+\.\d+/);
});

t.test('progress: plain periodic lines when stderr is not a terminal, never a bar', async (t) => {
  const r = node(bin, ['train', '--epochs', '2', '--limit', '300', '--batch-size', '50', '--out', join(dir, 'progress')], { RELGRAD_PROGRESS_INTERVAL_MS: '0' });
  t.equal(r.code, 0, r.stderr);
  const lines = r.stderr.split('\n').filter((l) => /^epoch \d\/2 {2}batch \d+\/6 {2}\d+\.\d s {2}last validation loss (n\/a|\d+\.\d{4})$/.test(l));
  t.equal(lines.length, 12, `one line per batch with a 0 ms interval (2 epochs × 6 batches): ${lines.length}`);
  t.ok(lines.some((l) => /last validation loss \d/.test(l)), 'later lines carry the last validation loss');
  t.notMatch(r.stderr, /[\x1b\r]/, 'no control characters');
  const quiet = node(bin, ['train', '--epochs', '2', '--limit', '300', '--batch-size', '50', '--out', join(dir, 'progress-default')]);
  t.equal(quiet.code, 0, quiet.stderr);
  t.notMatch(quiet.stderr, /batch \d+\/6/, 'the default 10 s interval prints nothing in a run this short');
  const bad = node(bin, ['train', '--epochs', '1', '--limit', '200', '--out', join(dir, 'progress-bad')], { RELGRAD_PROGRESS_INTERVAL_MS: 'soon' });
  t.equal(bad.code, 1);
  t.match(bad.stderr, /RELGRAD_PROGRESS_INTERVAL_MS must be a number of milliseconds ≥ 0, got 'soon'/);
});

// util-linux `script` runs a command on a pseudo-terminal: there stderr is a TTY and gets the bar
const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;
t.test('progress: a bar when stderr is a terminal, while --json keeps stdout one document', { skip: hasScript ? false : 'no util-linux script(1) for a pseudo-terminal' }, async (t) => {
  const json = join(dir, 'tty.json');
  const command = `${JSON.stringify(process.execPath)} ${JSON.stringify(bin)} train --json --epochs 2 --limit 1000 --batch-size 10 --out tty > ${JSON.stringify(json)}`;
  const r = spawnSync('script', ['-qec', command, '/dev/null'], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
  t.equal(r.status, 0, r.stdout);
  t.match(r.stdout, /\x1b\[/, 'the terminal got control sequences');
  t.match(r.stdout, /epoch 1 \|.*\| \d+% \| ETA/, 'the bar');
  t.notMatch(r.stdout, /batch \d+\/100 {2}/, 'no plain progress lines on a terminal');
  t.ok(Number.isFinite((JSON.parse(readFileSync(json, 'utf8')) as { testLogLikelihood: number }).testLogLikelihood), 'stdout (a file) is one JSON document');
});

t.test('experiment: per-epoch lines and the Gaussian phase announced before and after', async (t) => {
  const r = await here('experiment', '--dataset', 'moons', '--epochs', '2', '--limit', '200', '--out', join(dir, 'exp'), '--json');
  t.equal(r.code, 0, r.stderr);
  const result = JSON.parse(r.stdout) as { gaussianBaseline: { mean: number }; test: { mean: number }; epochs: number };
  const err = r.stderr.split('\n');
  t.ok(err.some((l) => /^epoch 1\/2 {2}train loss \d+\.\d{4} {2}validation loss \d+\.\d{4} {2}\d+\.\d+ s/.test(l)), 'epoch 1 line');
  t.ok(err.some((l) => /^epoch 2\/2 {2}train loss/.test(l)), 'epoch 2 line');
  const before = err.findIndex((l) => l === 'fitting the full-covariance Gaussian baseline on 200 training rows (dim 2)…');
  const after = err.findIndex((l) => l.startsWith('Gaussian baseline: test log-likelihood '));
  t.ok(before >= 0 && after > before, 'announced before, reported after');
  t.equal(Number(/test log-likelihood (-?\d+\.\d+)/.exec(err[after])?.[1]), Number(result.gaussianBaseline.mean.toFixed(4)), 'the reported number is the JSON\'s');
  const data = await resolveDataset({ name: 'moons', seed: 0, limit: 200 });
  t.ok(Math.abs(result.gaussianBaseline.mean - naiveGaussian2d(data.train, data.test)) < 1e-9, 'the same Gaussian as train reports');
  const none = await here('experiment', '--dataset', 'moons', '--epochs', '1', '--limit', '200', '--out', join(dir, 'exp-none'), '--no-gaussian');
  t.equal(none.code, 0, none.stderr);
  t.notMatch(none.stdout, /Gaussian baseline/, '--no-gaussian: no phase lines');
  t.match(none.stdout, /^epoch 1\/1 {2}train loss/m, 'without --json the lines are on stdout');
});

t.test('the parser (flow/cli/args.ts) in-process', async (t) => {
  const spec: Record<string, FlagSpec> = {
    lr: { type: 'number', help: 'rate', default: 0.1, positive: true },
    bias: { type: 'boolean', help: 'biases', default: true },
    dims: { type: 'int-list', help: 'grid', positive: true },
    suites: { type: 'list', help: 'suites', choices: ['a', 'b'], default: ['a', 'b'] },
    seed: { type: 'int', help: 'seed', default: 0, min: 0, max: 9 },
  };
  const p = (...argv: string[]) => parseFlags('x', argv, spec);
  t.same(p().flags, { lr: 0.1, bias: true, dims: undefined, suites: ['a', 'b'], seed: 0 }, 'defaults');
  const r = p('--lr', '2e-3', '--no-bias', '--dims', '4,8', '--suites=b', '--seed=9');
  t.same(r.flags, { lr: 0.002, bias: false, dims: [4, 8], suites: ['b'], seed: 9 });
  t.same([...r.given].sort(), ['bias', 'dims', 'lr', 'seed', 'suites']);
  t.equal(p('--bias=false').flags.bias, false);
  t.ok(p('-h').help);
  t.ok(p('--version').version);
  const refuses: [string[], RegExp][] = [
    [['--lr', '-1'], /^relgrad x: --lr expects a positive number, got '-1'$/],
    [['--lr', '0x3'], /--lr expects a positive number, got '0x3'/],
    [['--lr'], /--lr needs a value/],
    [['--lr', '--bias'], /--lr needs a value/],
    [['--bias=maybe'], /--bias takes no value other than true\/false, got 'maybe'/],
    [['--seed', '10'], /--seed must be from 0 to 9, got '10'/],
    [['--seed', '1', '--seed', '2'], /--seed is given twice/],
    [['--dims', '4,,8'], /--dims expects a comma-separated list, got '4,,8'/],
    [['--suites', 'a,c'], /--suites takes any of a, b; got 'c'/],
    [['--nope'], /^relgrad x: unknown flag --nope \(see relgrad x --help\)$/],
    [['-q'], /unknown flag -q/],
    [['stray'], /unexpected argument 'stray'/],
    [['--version=1'], /--version takes no value/],
  ];
  for (const [argv, message] of refuses) {
    t.throws(() => p(...argv), message, argv.join(' '));
    try {
      p(...argv);
    } catch (err) {
      t.ok(err instanceof UsageError, `${argv.join(' ')}: a UsageError (exit 2)`);
    }
  }
  const table = flagTable(spec);
  t.equal(descriptionColumns(['flags:', ...table].join('\n')).size, 1);
});

t.test('model flags: the deep model by default, the paper model on request, flags of the other model refused', async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'relgrad-model-'));
  t.teardown(() => rmSync(out, { recursive: true, force: true }));
  const deep = await here('train', '--epochs', '3', '--limit', '300', '--depth', '2', '--bins', '5', '--schedule', 'step', '--clip-norm', '5', '--out', join(out, 'deep'), '--json');
  t.equal(deep.code, 0, deep.stderr);
  t.match(deep.stderr, /Flow\(dim 2, 6 layers: affine → spline\(5 bins, ±4\) → \(dense → spline\(5 bins, ±4\)\) × 2/);
  const ck = await loadCheckpoint(join(out, 'deep', 'checkpoint.json'));
  t.equal(ck.config.stack?.length, 6, 'the checkpoint holds the layer list');
  t.match(JSON.stringify(ck.meta), /"clipNorm":5/);
  // resume takes the stack and the schedule from the checkpoint; a different depth is refused
  const more = await here('train', '--resume', join(out, 'deep', 'checkpoint.json'), '--epochs', '4', '--json');
  t.equal(more.code, 0, more.stderr);
  const other = await here('train', '--resume', join(out, 'deep', 'checkpoint.json'), '--epochs', '4', '--depth', '3');
  t.equal(other.code, 1);
  t.match(other.stderr, /layer stack: the checkpoint has/);
  const paper = await here('train', '--model', 'paper', '--depth', '3', '--out', join(out, 'p'));
  t.equal(paper.code, 2);
  t.match(paper.stderr, /--depth applies to the deep model; this run uses the paper model/);
  const deepLayers = await here('train', '--layers', '3', '--out', join(out, 'q'));
  t.equal(deepLayers.code, 2);
  t.match(deepLayers.stderr, /--layers applies to the paper model; this run uses the deep model/);
});

t.test('the default demo beats the Gaussian fitted to the same split by more than 0.3 nats', async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'relgrad-demo-'));
  t.teardown(() => rmSync(out, { recursive: true, force: true }));
  const r = await here('train', '--out', join(out, 'run'), '--json');
  t.equal(r.code, 0, r.stderr);
  const result = JSON.parse(r.stdout) as { testLogLikelihood: number; gaussianTestLogLikelihood: number };
  t.ok(result.testLogLikelihood > result.gaussianTestLogLikelihood + 0.3, `flow ${result.testLogLikelihood.toFixed(3)} vs Gaussian ${result.gaussianTestLogLikelihood.toFixed(3)}`);
});

t.test('a checkpoint from before schedules resumes at its constant rate without --schedule', async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'relgrad-oldck-'));
  t.teardown(() => rmSync(out, { recursive: true, force: true }));
  const first = await here('train', '--model', 'paper', '--schedule', 'constant', '--epochs', '1', '--limit', '200', '--out', join(out, 'r'));
  t.equal(first.code, 0, first.stderr);
  const path = join(out, 'r', 'checkpoint.json');
  const ck = await loadCheckpoint(path);
  // what an older relgrad wrote: no schedule, clipping or weight decay in the run record
  const run = (ck.meta as { run: { optimizer: Record<string, unknown> } }).run;
  delete run.optimizer.schedule;
  delete run.optimizer.clipNorm;
  delete run.optimizer.weightDecay;
  delete ck.training?.schedule;
  await saveCheckpoint(path, ck);
  const more = await here('train', '--resume', path, '--epochs', '2');
  t.equal(more.code, 0, more.stderr);
  const cosine = await here('train', '--resume', path, '--epochs', '3', '--schedule', 'cosine');
  t.equal(cosine.code, 1);
  t.match(cosine.stderr, /learning-rate schedule: the checkpoint has 'constant', this run has/);
});
