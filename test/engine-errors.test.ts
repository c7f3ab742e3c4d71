// Error messages name the op and the shapes involved. Each case asserts on the message text.

import t from 'tap';
import * as rg from '../index.js';
import { createCpuBackend } from '../backends/cpu/index.js';
import { grad, hvp, jacobian, tensor, valueAndGrad, type Tensor } from '../index.js';

const f64 = { dtype: 'float64' as const };
const z = (shape: number[]) => rg.zeros(shape, f64);

t.test('matmul', async (t) => {
  t.throws(() => rg.matmul(z([3, 4]), z([5, 6])), /matmul: \[3,4\] x \[5,6\]: inner dimensions 4 and 5 differ/);
  t.throws(() => rg.matmul(z([3, 4]), z([5, 4]), { transB: false }), /matmul: \[3,4\] x \[5,4\]: inner dimensions 4 and 5 differ/);
  t.throws(() => rg.matmul(z([3, 4]), z([4, 5]), { transB: true }), /matmul: \[3,4\] x \[4,5\]ᵀ: inner dimensions 4 and 5 differ/);
  t.throws(() => rg.matmul(z([4, 3]), z([3, 4]), { transA: true }), /matmul: \[4,3\]ᵀ x \[3,4\]: inner dimensions 4 and 3 differ/);
  t.throws(() => rg.matmul(z([2, 3, 4]), z([4, 5]), { transA: true }), /matmul: \[2,3,4\]ᵀ x \[1,4,5\]|matmul: \[2,3,4\]ᵀ x \[2,4,5\]: inner dimensions 3 and 4 differ/);
  t.throws(() => rg.matmul(z([2, 3, 4]), z([3, 4, 5])), /matmul: shapes \[2\] and \[3\] cannot be broadcast/);
  t.throws(() => rg.matmul(z([4]), z([4, 5])), /matmul: \[4\] x \[4,5\]: both need rank ≥ 2/);
});

t.test('broadcasting and element-wise ops', async (t) => {
  t.throws(() => rg.add(z([3, 4]), z([2, 4])), /add: shapes \[3,4\] and \[2,4\] cannot be broadcast: axis 0 has 3 vs 2/);
  t.throws(() => rg.mul(z([2, 3]), z([4])), /mul: shapes \[2,3\] and \[4\] cannot be broadcast/);
  t.throws(() => rg.maximum(z([2, 3]), z([3, 2])), /maximum: shapes \[2,3\] and \[3,2\] cannot be broadcast/);
  t.throws(() => rg.broadcastTo(z([2, 3]), [3]), /broadcastTo: cannot broadcast \[2,3\] to \[3\]/);
  t.throws(() => rg.broadcastTo(z([2, 3]), [4, 3]), /expand: cannot broadcast \[2,3\] to \[4,3\]/);
});

t.test('mixed dtypes and backends', async (t) => {
  const a = z([3]);
  const b = rg.zeros([3], { dtype: 'float32' });
  t.throws(() => rg.add(a, b), /add: dtypes differ \(float64 \[3\] and float32 \[3\]\); cast one first/);
  t.throws(() => rg.matmul(z([2, 2]), rg.zeros([2, 2], { dtype: 'float32' })), /matmul: dtypes differ \(float64 \[2,2\] and float32 \[2,2\]\)/);
  t.throws(() => rg.solve(rg.eye(2, f64), rg.zeros([2, 1], { dtype: 'float32' })), /solve: dtypes differ/);
  const other = rg.zeros([3], { dtype: 'float64', backend: createCpuBackend() });
  t.throws(() => rg.add(a, other), /add: inputs live on different backends \(cpu and cpu\)/);
  t.throws(() => rg.zeros([2], { dtype: 'int32' as never }), /tensor: unknown dtype 'int32'; expected float64 or float32/);
});

t.test('layout ops', async (t) => {
  const x = z([2, 3]);
  t.throws(() => rg.reshape(x, [4]), /reshape: cannot reshape \[2,3\] \(6 elements\) to \[4\]/);
  t.throws(() => rg.reshape(x, [4, -1]), /reshape: cannot reshape \[2,3\] to \[4,-1\]/);
  t.throws(() => rg.slice(x, [1, 0], [2, 2]), /slice: box begin \[1,0\] size \[2,2\] is outside \[2,3\]/);
  t.throws(() => rg.slice(x, [0, -1], [1, 1]), /slice: box begin \[0,-1\] size \[1,1\] is outside \[2,3\]/);
  t.throws(() => rg.slice(x, [0], [1]), /slice: begin \[0\] does not fit \[2,3\]/);
  t.throws(() => rg.pad(x, [1, -1], [0, 0]), /pad: widths \[1,-1\] \/ \[0,0\] do not fit \[2,3\]/);
  t.throws(() => rg.transpose(x, [0, 0]), /transpose: permutation \[0,0\] does not fit shape \[2,3\]/);
  t.throws(() => rg.transpose(x, [2, 0, 1]), /transpose: permutation \[2,0,1\] does not fit shape \[2,3\]/);
  t.throws(() => rg.concat([x, z([2, 4])], 0), /concat: \[2,4\] does not fit \[2,3\] along axis 0/);
  t.throws(() => rg.concat([]), /concat: needs at least one tensor/);
  t.throws(() => rg.swapLastAxes(z([3])), /swapLastAxes: needs rank ≥ 2, got \[3\]/);
});

t.test('reductions', async (t) => {
  const x = z([2, 3]);
  t.throws(() => rg.sum(x, 2), /sum: axis 2 is out of range for a tensor of rank 2/);
  t.throws(() => rg.mean(x, [-3]), /mean: axis -3 is out of range for a tensor of rank 2/);
  t.throws(() => rg.logsumexp(x, 5), /logsumexp: axis 5 is out of range/);
  t.throws(() => rg.max(z([0, 3])), /max: cannot reduce an empty tensor \[0,3\]/);
});

t.test('linear algebra: shapes, singular and non-finite input', async (t) => {
  t.throws(() => rg.slogdet(z([3, 4])), /slogdet: expected square matrices \[\.\.\., n, n\], got \[3,4\]/);
  t.throws(() => rg.logAbsDet(z([3])), /slogdet: expected square matrices \[\.\.\., n, n\], got \[3\]/);
  t.throws(() => rg.inv(z([2, 3, 4])), /inv: expected square matrices \[\.\.\., n, n\], got \[2,3,4\]/);
  t.throws(() => rg.solve(z([3, 4]), z([3, 1])), /solve: expected square matrices \[\.\.\., n, n\], got \[3,4\]/);
  t.throws(() => rg.solve(rg.eye(3, f64), z([4, 2])), /solve: A \[3,3\] and B \[4,2\] do not fit: B must be \[\.\.\., 3, r\]/);
  const singular = tensor([[1, 2], [2, 4]], undefined, f64);
  t.throws(() => rg.inv(singular), /inv: matrix 0 of the batch \(\[2,2\]\) is singular/);
  t.throws(() => rg.solve(singular, z([2, 1])), /solve: matrix 0 of the batch \(\[2,2\]\) is singular/);
  t.throws(() => rg.inv(rg.stack([rg.eye(2, f64), singular])), /inv: matrix 1 of the batch \(\[2,2\]\) is singular/);
  const nan = tensor([[1, NaN], [0, 1]], undefined, f64);
  const inf = tensor([[1, 0], [0, Infinity]], undefined, f64);
  t.throws(() => rg.inv(nan), /inv: matrix 0 of the batch has a non-finite entry NaN at \[0,1\]/);
  t.throws(() => rg.solve(inf, z([2, 1])), /solve: matrix 0 of the batch has a non-finite entry Infinity at \[1,1\]/);
  t.throws(() => rg.solve(rg.eye(2, f64), tensor([[1], [NaN]], undefined, f64)), /solve: right-hand side 0 of the batch has a non-finite entry NaN at \[1,0\]/);
  t.throws(() => rg.slogdet(nan), /slogdet: matrix 0 of the batch has a non-finite entry NaN at \[0,1\]/);
  t.throws(() => rg.logAbsDet(inf), /slogdet: matrix 0 of the batch has a non-finite entry Infinity/);
});

t.test('autodiff misuse', async (t) => {
  const x = z([3]);
  t.throws(() => grad((y) => rg.exp(y))(x), /grad: the function must return a scalar tensor, got shape \[3\]/);
  t.throws(() => valueAndGrad((y) => rg.exp(y))(x), /valueAndGrad: the function must return a scalar tensor, got shape \[3\]/);
  t.throws(() => grad((_y: Tensor) => 3 as never)(x), /grad: the function must return a Tensor, got number/);
  t.throws(() => grad((y) => rg.sum(y))([1, 2] as never), /grad: argument 0 is not a Tensor \(got object\)/);
  t.throws(() => jacobian((y) => y, 2)(x), /jacobian: argnum 2 but 1 arguments/);
  t.throws(() => hvp((y) => rg.sum(y))(x, z([4])), /hvp: v \[4\] must have x's shape \[3\]/);
  t.throws(() => rg.vjp((y) => y, x).vjp(z([2])), /vjp: cotangent of shape \[2\] does not match the output \[3\]/);
});

t.test('tensor creation', async (t) => {
  t.throws(() => tensor([[1, 2], [3]]), /tensor: ragged nested array: length 1 at depth 1, expected 2/);
  t.throws(() => tensor([[1, 2], 3] as never), /tensor: ragged nested array at depth 1/);
  t.throws(() => tensor([1, [2, 3]] as never), /tensor: ragged nested array: an array at depth 1 where numbers were found before/);
  t.same(tensor([[], []]).shape, [2, 0], 'empty rows are fine');
  t.throws(() => tensor([[], [1]]), /tensor: ragged nested array: length 1 at depth 1, expected 0/);
  t.throws(() => tensor([1, 2, 3], [2, 2]), /tensor: 3 values do not fill shape \[2,2\] \(4 elements\)/);
  t.throws(() => tensor(new Float64Array(4), [2, 3]), /tensor: 4 values do not fill shape \[2,3\] \(6 elements\)/);
  t.throws(() => rg.zeros([2, -1]), /^zeros: invalid shape \[2,-1\]: every dimension must be a non-negative integer/);
  t.throws(() => rg.zeros([1.5]), /^zeros: invalid shape \[1.5\]/);
  t.throws(() => tensor([1, 'a'] as never), /tensor: expected a number or an array at depth 1, got string/);
  t.throws(() => z([2]).item(), /item: tensor of shape \[2\] has 2 elements, not 1/);
  t.throws(() => rg.add('a' as never, 'b' as never), /add: at least one operand must be a Tensor/);
});
