// Engine optimizers and schedules against host loops of their update rules (Adam with L2 weight
// decay as in PyTorch's Adam; SGD with heavy-ball momentum), state saved through JSON and restored,
// and the three learning-rate schedules against their closed forms.

import t from 'tap';
import { adam, grad, schedules, sgd, tensor, type OptimizerState, type Tensor } from '../index.js';
import * as rg from '../index.js';
import { maxRelErr } from './helpers/numeric.js';

const p0 = [[0.5, -1.2, 2.0], [0.1, 0.0, -0.3]];
const gradsAt = (step: number): number[][] => p0.map((row, i) => row.map((_, j) => Math.sin(1 + step + 3 * i + j)));

t.test('adam: three steps against a host loop (betas, eps, weight decay)', async (t) => {
  const [b1, b2, eps, lr, wd] = [0.8, 0.99, 1e-6, 0.05, 0.01];
  const opt = adam({ lr, betas: [b1, b2], eps, weightDecay: wd });
  let params: Tensor[] = p0.map((row) => tensor(row));
  // host
  const hp = p0.map((r) => [...r]);
  const m = p0.map((r) => r.map(() => 0));
  const v = p0.map((r) => r.map(() => 0));
  for (let step = 1; step <= 3; step++) {
    const g = gradsAt(step);
    params = opt.step(params, g.map((row) => tensor(row)));
    for (let i = 0; i < hp.length; i++) {
      for (let j = 0; j < hp[i].length; j++) {
        const d = g[i][j] + wd * hp[i][j];
        m[i][j] = b1 * m[i][j] + (1 - b1) * d;
        v[i][j] = b2 * v[i][j] + (1 - b2) * d * d;
        hp[i][j] -= (lr * (m[i][j] / (1 - b1 ** step))) / (Math.sqrt(v[i][j] / (1 - b2 ** step)) + eps);
      }
    }
  }
  params.forEach((p, i) => t.ok(maxRelErr(p.dataSync(), hp[i]) < 1e-14, `parameter ${i} after 3 steps`));
  t.equal(opt.steps, 3);
});

t.test('sgd: plain and with momentum against a host loop', async (t) => {
  for (const momentum of [0, 0.9]) {
    const lr = 0.1;
    const opt = sgd({ lr, momentum });
    let params: Tensor[] = p0.map((row) => tensor(row));
    const hp = p0.map((r) => [...r]);
    const buf = p0.map((r) => r.map(() => 0));
    for (let step = 1; step <= 3; step++) {
      const g = gradsAt(step);
      params = opt.step(params, g.map((row) => tensor(row)));
      for (let i = 0; i < hp.length; i++) {
        for (let j = 0; j < hp[i].length; j++) {
          buf[i][j] = momentum * buf[i][j] + g[i][j];
          hp[i][j] -= lr * buf[i][j];
        }
      }
    }
    params.forEach((p, i) => t.ok(maxRelErr(p.dataSync(), hp[i]) < 1e-14, `momentum ${momentum}: parameter ${i}`));
  }
});

t.test('state: JSON round trip continues bit for bit; wrong states are refused', async (t) => {
  for (const make of [() => adam({ lr: 0.01 }), () => sgd({ lr: 0.1, momentum: 0.5 })]) {
    const a = make();
    let pa: Tensor[] = p0.map((row) => tensor(row));
    pa = a.step(pa, gradsAt(1).map((row) => tensor(row)));
    pa = a.step(pa, gradsAt(2).map((row) => tensor(row)));
    const saved = JSON.parse(JSON.stringify(a.state())) as OptimizerState;
    const b = make();
    b.load(saved);
    t.equal(b.steps, 2, `${a.name}: step restored`);
    const next = gradsAt(3).map((row) => tensor(row));
    const fromA = a.step(pa, next);
    const fromB = b.step(pa, next);
    fromA.forEach((p, i) => t.same(Array.from(p.dataSync()), Array.from(fromB[i].dataSync()), `${a.name}: parameter ${i} identical`));
  }
  const a = adam();
  t.throws(() => a.load({ name: 'sgd', step: 0, lr: 0.1, slots: {} }), /adam.load: the state is sgd's, not adam's/);
  a.load({ name: 'adam', step: 1, lr: 0.1, slots: { m: [[0, 0]], v: [[0, 0]] } });
  t.throws(() => a.step([tensor([1, 2, 3])], [tensor([1, 1, 1])]), /adam.load: the saved 'm' slots \(2 values\) do not fit the parameters \(3\)/);
});

t.test('bad input names the optimizer, the option and the value', async (t) => {
  t.throws(() => adam({ lr: -1 }), /adam: lr must be a non-negative number, got -1/);
  t.throws(() => adam({ betas: [1, 0.9] }), /adam: betas\[0\] must be in \[0, 1\), got 1/);
  t.throws(() => sgd({ lr: 0.1, momentum: 1.5 }), /sgd: momentum must be in \[0, 1\), got 1.5/);
  const opt = sgd({ lr: 0.1 });
  t.throws(() => opt.step([tensor([1, 2])], [tensor([1, 2, 3])]), /sgd.step: gradient 0 \(\[3\] float64\) does not match parameter 0 \(\[2\] float64\)/);
  opt.step([tensor([1, 2])], [tensor([1, 2])]);
  t.throws(() => opt.step([tensor([1, 2, 3])], [tensor([1, 2, 3])]), /sgd.step: parameters \[3\] differ from the first step's \[2\]/);
  t.throws(() => { opt.lr = Number.NaN; }, /sgd: lr must be a non-negative number, got NaN/);
});

t.test('schedules: cosine, step and plateau against their closed forms; state round trip', async (t) => {
  const c = schedules.cosine({ lr: 1, steps: 4, minLr: 0.2 });
  const seen = [c.lr, c.next(), c.next(), c.next(), c.next(), c.next()];
  const want = [0, 1, 2, 3, 4, 4].map((k) => 0.2 + 0.8 * (1 + Math.cos((Math.PI * k) / 4)) / 2);
  t.ok(maxRelErr(seen, want) < 1e-15, `cosine ${seen.map((x) => x.toFixed(3)).join(' ')}`);
  const s = schedules.step({ lr: 0.1, every: 2, gamma: 0.5 });
  t.same([s.lr, s.next(), s.next(), s.next(), s.next()], [0.1, 0.1, 0.05, 0.05, 0.025]);
  const p = schedules.plateau({ lr: 1, factor: 0.5, patience: 1 });
  const rates = [3, 2, 2, 2, 2, 1, 1, 1].map((loss) => p.next(loss));
  // improvements at 3, 2, 1; two steps without one (patience 1) halve the rate
  t.same(rates, [1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.25]);
  const q = schedules.plateau({ lr: 1, factor: 0.5, patience: 1 });
  q.load(JSON.parse(JSON.stringify(p.state())));
  t.same([q.next(1), q.next(1)], [p.next(1), p.next(1)], 'plateau continues after a JSON round trip');
  t.throws(() => p.next(), /plateau.next: needs the monitored value/);
  t.throws(() => schedules.cosine({ lr: 1, steps: 0 }), /cosine: steps must be a positive integer, got 0/);
});

t.test('a custom model trains with adam + cosine (least squares reaches the solution)', async (t) => {
  // y = X w* exactly; minimise mean (X w - y)²
  const X = tensor([[1, 2], [3, -1], [0.5, 0.5], [-2, 1]]);
  const wStar = [0.7, -1.3];
  const y = tensor([[1 * 0.7 + 2 * -1.3], [3 * 0.7 + 1.3], [0.5 * 0.7 - 0.5 * 1.3], [-1.4 - 1.3]]);
  const loss = (w: Tensor): Tensor => rg.mean(rg.square(rg.sub(rg.matmul(X, w), y)));
  const opt = adam({ lr: 0.1 });
  const sched = schedules.cosine({ lr: 0.1, steps: 300, minLr: 1e-3 });
  let [w] = [tensor([[0], [0]])];
  for (let i = 0; i < 300; i++) {
    const [g] = grad(loss)(w);
    [w] = opt.step([w], [g]);
    opt.lr = sched.next();
  }
  t.ok(maxRelErr(w.dataSync(), wStar) < 1e-4, `w = ${Array.from(w.dataSync()).map((v) => v.toFixed(5))}`);
});
