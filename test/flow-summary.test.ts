// flowSummary: the readable description a Flow prints (String(flow), template literals).

import t from 'tap';
import { Flow, flowSummary } from '../flow/index.js';

t.test('size, activation, base, biases, parameter count, dtype and backend', async (t) => {
  const a = Flow.create({ dim: 3, layers: 2, seed: 0 });
  t.equal(flowSummary(a), 'Flow(dim 3, 2 dense layers, smooth-leaky-relu(α 0.3), base normal, biases, 24 parameters, float64 on cpu)');
  const b = Flow.create({ dim: 2, layers: 1, activation: 'leaky-tanh', beta: 2, gamma: 0.05, base: 'laplace', bias: false, dtype: 'float32', seed: 0 });
  t.equal(flowSummary(b), 'Flow(dim 2, 1 dense layer, leaky-tanh(β 2, γ 0.05), base laplace, no biases, 4 parameters, float32 on cpu)');
  const { W, b: bias } = a.params;
  t.equal(W.reduce((n, w) => n + w.size, 0) + bias.reduce((n, v) => n + v.size, 0), 24, 'the count is the parameters the flow holds');
  t.equal(String(a), flowSummary(a), 'String(flow) prints the summary');
  t.equal(`${b}`, flowSummary(b), 'so does a template literal');
});
