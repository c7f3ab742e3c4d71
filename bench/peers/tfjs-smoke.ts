// Quick timing of the TensorFlow.js peer (not a test, not the benchmark): relative() for
// D ∈ {256, 1024}, B = 100, L = 2 on tfjs-cpu and tfjs-wasm, median of 5 after one warm-up call,
// each timed through the dataSync() read-back; also tfjs-wasm with tf.matMul's transpose flags
// instead of explicit transposes. `--all` adds tfjs-cpu with transpose flags, ordinary()
// (Gauss-Jordan inverse in tf ops) at D = 256 and autodiff() at D ∈ {16, 32}.
//   npx tsc -p tsconfig.json && node dist/bench/peers/tfjs-smoke.js [--all]

import { peerProblemData } from './problem.js';
import { createTfjsPeer, type Peer, type PeerProblem, type TfjsBackendName } from './tfjs.js';


function median(v: number[]): number {
  const s = [...v].sort((a, c) => a - c);
  return s[Math.floor(s.length / 2)];
}

function time(f: () => unknown, reps: number): { ms: number; unsupported?: string } {
  const first = f(); // warm-up (wasm packs weights, JIT)
  if (first !== null && typeof first === 'object' && 'unsupported' in first) return { ms: NaN, unsupported: String((first as { unsupported: unknown }).unsupported) };
  const ts: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    f();
    ts.push(performance.now() - t0);
  }
  return { ms: median(ts) };
}

async function main(): Promise<void> {
  const all = process.argv.includes('--all');
  const rows: string[] = [];
  const variants: [TfjsBackendName, boolean][] = [['cpu', false], ['wasm', false], ['wasm', true]];
  if (all) variants.push(['cpu', true]);
  for (const [backend, transposeFlags] of variants) {
    const peer: Peer = await createTfjsPeer(backend, { transposeFlags });
    if (backend === 'wasm' && !transposeFlags) console.log(`# ${peer.name} info: ${JSON.stringify(peer.info)}`);
    const run = (method: 'relative' | 'ordinary' | 'autodiff', D: number, reps: number): void => {
      const problem: PeerProblem = { dim: D, batch: 100, layers: 2, seed: 1, activation: 'smooth-leaky-relu', alpha: 0.3, base: 'normal' };
      const d = peerProblemData(problem, { weight: 1 / Math.sqrt(problem.dim), bias: 0.1 });
      peer.setup(problem, d.W, d.b, d.x);
      const r = time(() => peer[method](), reps);
      // relative: 4L-1 products of 2·B·D² flops (forward L, Δ backprop L-1, Y·W and Δᵀ(YW) per layer)
      const gflops = method === 'relative' ? ((4 * problem.layers - 1) * 2 * problem.batch * D * D) / (r.ms * 1e6) : NaN;
      rows.push(
        `${peer.name.padEnd(17)} ${method.padEnd(9)} D=${String(D).padEnd(5)} B=100 L=2  ` +
          (r.unsupported !== undefined ? `unsupported: ${r.unsupported}` : `median ${r.ms.toFixed(2).padStart(9)} ms (of ${reps})` + (Number.isFinite(gflops) ? `  ~${gflops.toFixed(2)} GFLOP/s` : '')),
      );
      console.log(rows[rows.length - 1]);
    };
    for (const D of [256, 1024]) run('relative', D, 5);
    if (all && !transposeFlags) {
      run('ordinary', 256, 3);
      for (const D of [16, 32]) run('autodiff', D, 3);
    }
    peer.dispose();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
