import t from 'tap';
import { tensor, grad, sum, mul } from '../index.js';

t.test('grad of sum(x*x) is 2x', async (t) => {
  const [g] = grad((x) => sum(mul(x, x)))(tensor([1, 2, 3]));
  t.same(Array.from(g.dataSync()), [2, 4, 6]);
});
