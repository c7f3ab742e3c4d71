// Issue 12, items 14–20: engine and flow edges give errors that name the op the user called and
// what was wrong, at once, instead of a late or internal failure.
import t from 'tap';
import * as rg from '../../index.js';
import { Flow } from '../../flow/model.js';
import { train } from '../../flow/train.js';
import { toySplits } from '../../flow/data/toy.js';
import { Rng } from '../../engine/random.js';
import { relgradIn, tempFolder } from './cli-helper.js';

const f64 = { dtype: 'float64' as const };

t.test('14. tensor(values, options) takes options as the second argument', async (t) => {
  const x = rg.tensor([[1, 2]], { dtype: 'float32' });
  t.equal(x.dtype, 'float32');
  t.same(x.shape, [1, 2]);
  t.same(x.toArray(), [[1, 2]]);
  const y = rg.tensor(new Float64Array([1, 2, 3, 4]), [2, 2], { dtype: 'float32' });
  t.same([y.dtype, y.shape], ['float32', [2, 2]], 'shape then options still works');
  t.throws(() => rg.tensor([1, 2], 'float32' as never), /tensor: the second argument must be a shape \(an array of integers\) or options \{ dtype, backend \}, got string/);
  t.throws(() => rg.tensor([1, 2], { dtype: 'int8' as never }), /tensor: unknown dtype 'int8'/);
});

t.test('15. cast to an unknown dtype is refused', async (t) => {
  const x = rg.tensor([1, 2], f64);
  t.throws(() => rg.cast(x, 'int32' as never), /cast: unknown dtype 'int32'; expected float64 or float32/);
  t.throws(() => rg.cast(x, 'float16' as never), /cast: unknown dtype 'float16'/);
  t.equal(rg.cast(x, 'float32').dtype, 'float32');
});

t.test('16. tidy keeps tensors it can see and refuses what it cannot track', async (t) => {
  const live = (v: rg.Tensor): boolean => !v.isDisposed;
  const m = rg.tidy(() => new Map([['a', rg.tensor([1], f64)]]));
  t.ok(live(m.get('a') as rg.Tensor), 'a tensor in a Map survives');
  const s = rg.tidy(() => new Set([rg.tensor([1], f64)]));
  t.ok(live([...s][0]), 'a tensor in a Set survives');
  class Box {
    constructor(readonly value: rg.Tensor) {}
  }
  const box = rg.tidy(() => new Box(rg.tensor([1], f64)));
  t.ok(live(box.value), 'a tensor in a class instance survives');
  type Deep = { next?: Deep; x?: rg.Tensor };
  const deep = rg.tidy(() => {
    let d: Deep = { x: rg.tensor([2], f64) };
    for (let i = 0; i < 12; i++) d = { next: d };
    return d;
  });
  let leaf: Deep = deep;
  while (leaf.next) leaf = leaf.next;
  t.ok(live(leaf.x as rg.Tensor), 'a tensor 12 levels deep survives');
  t.same(leaf.x?.toArray(), [2]);
  const cyclic = rg.tidy(() => {
    const o: { self?: unknown; x: rg.Tensor } = { x: rg.tensor([3], f64) };
    o.self = o;
    return o;
  });
  t.ok(live(cyclic.x), 'a cycle is followed once');

  const before = rg.memory().tensors;
  t.throws(() => rg.tidy(() => { const x = rg.tensor([1], f64); return () => x; }), /tidy: result is a function: tensors a closure captures cannot be tracked/);
  t.throws(() => rg.tidy(() => ({ f: () => 1, x: rg.tensor([1], f64) })), /tidy: result\.f is a function/);
  t.throws(() => rg.tidy(() => Promise.resolve(rg.tensor([1], f64))), /tidy: result is a Promise: tidy is synchronous/);
  t.throws(() => rg.tidy(() => new WeakMap()), /tidy: result is a WeakMap/);
  t.throws(() => rg.tidy((async () => rg.tensor([1], f64)) as never), /tidy: fn is an async function/);
  t.equal(rg.memory().tensors, before, 'a refused result leaks nothing');
});

t.test('17. allocation failures name the op, the shape and the bytes', async (t) => {
  t.throws(() => rg.randn([-2]), /randn: invalid shape \[-2\]: every dimension must be a non-negative integer/);
  t.throws(() => rg.rand([1.5]), /rand: invalid shape \[1\.5\]/);
  const f = (x: rg.Tensor): rg.Tensor => rg.mul(x, 2);
  t.throws(() => rg.jacobian(f)(rg.zeros([100000], f64)), /jacobian: cannot allocate shape \[100000,100000\]: 10000000000 float64 values \(74\.5 GiB[;)]/);
});

t.test('18. errors name the op the user called', async (t) => {
  const a = rg.zeros([2, 3], f64);
  t.throws(() => rg.stack([a, rg.zeros([2, 4], f64)]), /^stack: tensor 1 has shape \[2,4\], tensor 0 has \[2,3\]/);
  t.throws(() => rg.stack([]), /stack: needs at least one tensor/);
  t.throws(() => rg.logsumexp(rg.zeros([0, 3], f64), 0), /logsumexp: cannot reduce an empty tensor \[0,3\]/);
  t.throws(() => rg.sub(rg.zeros([3], f64), rg.zeros([4], f64)), /sub: shapes \[3\] and \[4\] cannot be broadcast/);
  t.throws(() => rg.div(rg.zeros([3], f64), rg.zeros([4], f64)), /div: shapes \[3\] and \[4\] cannot be broadcast/);
  t.throws(() => rg.minimum(rg.zeros([3], f64), rg.zeros([3], { dtype: 'float32' })), /minimum: dtypes differ/);
  const gone = rg.zeros([2], f64);
  gone.dispose();
  t.throws(() => rg.grad((x) => rg.sum(x))(gone), /grad: argument 0 \(tensor #\d+ of shape \[2\]\) was disposed/);
  t.throws(() => rg.logsumexp(gone), /logsumexp: tensor #\d+ of shape \[2\] was disposed/);
  t.throws(() => rg.sub(gone, a), /sub: tensor #\d+ of shape \[2\] was disposed/);
  t.throws(() => rg.stack([gone]), /stack: tensor #\d+/);
});

t.test('19. ragged parameters, bad seeds and sloppy numbers are refused', async (t) => {
  const flow = Flow.create({ dim: 2, layers: 1, bias: false });
  t.throws(() => flow.setParams({ W: [[[1, 0, 0], [1]]] }), /setParams: W\[0\]\[0\] has 3 entries, expected 2 \(shape \[2,2\]\)/);
  t.throws(() => flow.setParams({ W: [[1, 0, 0, 1] as never] }), /setParams: W\[0\] has 4 entries, expected 2/);
  flow.setParams({ W: [[[2, 0], [0, 1]]] });
  t.same(flow.params.W[0].toArray(), [[2, 0], [0, 1]]);

  const data = toySplits('moons', { seed: 0, train: 50, validation: 10, test: 10 });
  for (const seed of ['x', 1.5, 2 ** 32, -1]) {
    await t.rejects(train(Flow.create({ dim: 2 }), data, { epochs: 1, seed: seed as number }), /train: seed must be an integer from 0 to 4294967295/, `train seed ${String(seed)}`);
  }
  t.throws(() => Flow.create({ dim: 2, seed: 2 ** 32 }), /flow config: seed must be an integer from 0 to 4294967295/);
  t.throws(() => rg.randn([2], { seed: 2 ** 32 }), /random: seed must be an integer/);
  t.throws(() => rg.setSeed(1.5), /setSeed: seed must be an integer/);
  t.notSame(Array.from(new Rng(2 ** 32 - 1).permutation(8)), Array.from(new Rng(0).permutation(8)), 'the largest seed is not seed 0');

  const dir = tempFolder(t, 'flags');
  for (const [flag, value] of [['--epochs', '0x3'], ['--epochs', '1e'], ['--lr', '0b1'], ['--seed', '4294967296'], ['--seed', '-1']]) {
    const r = relgradIn(dir, 'train', flag, value);
    t.equal(r.code, 2, `${flag} ${value} refused`);
    t.match(r.stderr, new RegExp(`${flag} (expects|must be from)`), r.stderr.trim());
  }
});

t.test('20. logProb refuses NaN/Inf in a tensor as it does in a host matrix', async (t) => {
  const flow = Flow.create({ dim: 2 });
  const bad = rg.tensor([[0, 1], [2, NaN]], f64);
  t.throws(() => flow.logProb(bad), /logProb: value NaN at row 1, column 1 is not finite/);
  t.throws(() => flow.logProb({ data: new Float64Array([0, 1, 2, NaN]), rows: 2, cols: 2 }), /logProb: value NaN at row 1, column 1 is not finite/);
  t.throws(() => flow.loss(rg.tensor([[Infinity, 0]], f64)), /loss: value Infinity at row 0, column 0 is not finite/);
  t.throws(() => flow.forward(rg.tensor([[0, -Infinity]], f64)), /forward: value -Infinity at row 0, column 1/);
  t.equal(flow.logProb(rg.tensor([[0, 1]], f64)).shape[0], 1, 'finite input still works');
});
