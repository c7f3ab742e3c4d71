"""An independent NumPy reference of a relgrad flow's log-likelihood, from an export.

Reads what `relgrad export` writes (.npz or .safetensors; docs/interchange.md) for either kind of
flow, the paper's model (arrays W0, b0, ...) or a layer stack (arrays layer<k>.<name>), and computes
log p(x) per row from the formulas of docs/method.md and docs/layers.md:

    log p(x) = sum_i log p_s(s_i) + sum_k log|det dh_{k+1}/dh_k|,   x = h_0 -> h_1 -> ... -> h_K = s

Plain NumPy, vectorised over rows and units; nothing here is taken from relgrad's TypeScript.

    python3 tools/relgrad_flow.py model.npz rows.npy     # prints a JSON list, one log p per row
    from relgrad_flow import load, log_prob              # log_prob(load('model.npz'), x)
"""

import json
import struct
import sys

import numpy as np

# spline floors (docs/layers.md, "Spline"): every bin at least MIN_BIN of the interval, every
# interior knot derivative at least MIN_DERIVATIVE
MIN_BIN = 1e-3
MIN_DERIVATIVE = 1e-3
HALF_LOG_2PI = 0.5 * np.log(2 * np.pi)


def load(path):
    """(config, {name: float64 array}) of an export, told apart by the ZIP signature."""
    with open(path, 'rb') as f:
        raw = f.read()
    if raw[:4] == b'PK\x03\x04':
        z = np.load(path)
        config = json.loads(bytes(z['config']))
        arrays = {k: np.asarray(z[k], dtype=np.float64) for k in z.files if k != 'config'}
        return config, arrays
    n = struct.unpack('<Q', raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    meta = header.pop('__metadata__', {})
    if 'config' not in meta:
        raise ValueError(f'{path}: no relgrad config in the safetensors metadata')
    dtypes = {'F64': '<f8', 'F32': '<f4'}
    arrays = {}
    for name, t in header.items():
        begin, end = t['data_offsets']
        data = np.frombuffer(raw[8 + n + begin: 8 + n + end], dtypes[t['dtype']])
        arrays[name] = data.astype(np.float64).reshape(t['shape'])
    return json.loads(meta['config']), arrays


def layer_list(config, arrays):
    """[(spec, {param name: array})], data side first, for either kind of export."""
    if config.get('stack') is None:
        # the paper's model: dense, activation, dense, ..., dense (docs/method.md)
        act = {'type': 'activation', 'name': config['activation'],
               'alpha': config['alpha'], 'beta': config['beta'], 'gamma': config['gamma']}
        out = []
        for l in range(config['layers']):
            if l > 0:
                out.append((act, {}))
            params = {'W': arrays[f'W{l}']}
            if config['bias']:
                params['b'] = arrays[f'b{l}']
            out.append(({'type': 'dense', 'bias': config['bias']}, params))
        return out
    names = {'affine': ('logScale', 'shift'), 'spline': ('widths', 'heights', 'derivatives'), 'activation': ()}
    out = []
    for k, spec in enumerate(config['stack']):
        if spec['type'] == 'dense':
            wanted = ('W', 'b') if spec.get('bias', True) else ('W',)
        elif spec['type'] in names:
            wanted = names[spec['type']]
        else:
            raise ValueError(f'layer {k}: unknown layer type {spec["type"]!r}')
        missing = [f'layer{k}.{n}' for n in wanted if f'layer{k}.{n}' not in arrays]
        if missing:
            raise ValueError(f'layer {k} ({spec["type"]}): the export has no {", ".join(missing)}')
        out.append((spec, {n: arrays[f'layer{k}.{n}'] for n in wanted}))
    return out


def softplus(u):
    return np.logaddexp(0.0, u)


def dense(x, p):
    """y = x W^T + b;  log|det J| = log|det W| for every row."""
    W = p['W']
    y = x @ W.T + p.get('b', 0.0)
    return y, np.full(len(x), np.linalg.slogdet(W)[1])


def activation(x, spec):
    """The paper's fixed sigma, element-wise; log|det J| = sum_j log sigma'(x_j)."""
    if spec.get('name', 'smooth-leaky-relu') == 'smooth-leaky-relu':
        a = spec.get('alpha', 0.3)
        y = a * x + (1 - a) * softplus(x)            # sigma = a x + (1-a) softplus(x)
        deriv = a + (1 - a) / (1 + np.exp(-x))       # sigma' = a + (1-a) sigmoid(x)
    else:
        beta, gamma = spec.get('beta', 1.0), spec.get('gamma', 0.1)
        y = np.tanh(beta * x) + gamma * x
        deriv = beta * (1 - np.tanh(beta * x) ** 2) + gamma
    return y, np.log(deriv).sum(1)


def affine(x, p):
    """y = x e^u + t per unit;  log|det J| = sum_j u_j."""
    u = p['logScale']
    return x * np.exp(u) + p['shift'], np.full(len(x), u.sum())


def softmax(u):
    e = np.exp(u - u.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def spline_knots(p, bound):
    """Knot positions xs, ys and derivatives ds, each (D, K+1), per unit (one row per unit)."""
    uw, uh, ud = p['widths'], p['heights'], p['derivatives']
    D, K = uw.shape

    def positions(logits):
        # bin sizes 2B (m + (1 - K m) softmax), knots from -B by their running sum; the last is B
        sizes = 2 * bound * (MIN_BIN + (1 - K * MIN_BIN) * softmax(logits))
        knots = np.concatenate([np.full((D, 1), -bound), -bound + np.cumsum(sizes[:, :-1], axis=1), np.full((D, 1), bound)], axis=1)
        return knots

    ones = np.ones((D, 1))
    ds = np.concatenate([ones, MIN_DERIVATIVE + softplus(ud), ones], axis=1)
    return positions(uw), positions(uh), ds


def spline(x, p, spec):
    """Monotone rational-quadratic spline per unit on [-B, B), identity outside (docs/layers.md)."""
    bound = spec.get('bound', 4)
    xs, ys, ds = spline_knots(p, bound)
    K = xs.shape[1] - 1
    inside = (x >= -bound) & (x < bound)
    v = np.where(inside, x, 0.0)
    # bin of v: the number of interior knots at or left of it
    k = (xs[None, :, 1:K] <= v[:, :, None]).sum(axis=2)
    rows = np.arange(x.shape[1])[None, :]

    def at(a, idx):
        return a[rows, idx]

    x0, x1 = at(xs, k), at(xs, k + 1)
    y0, y1 = at(ys, k), at(ys, k + 1)
    d0, d1 = at(ds, k), at(ds, k + 1)
    w, h = x1 - x0, y1 - y0
    s = h / w
    xi = (v - x0) / w
    t = xi * (1 - xi)
    den = s + (d0 + d1 - 2 * s) * t
    f = y0 + h * (s * xi ** 2 + d0 * t) / den
    log_deriv = 2 * np.log(s) + np.log(d1 * xi ** 2 + 2 * s * t + d0 * (1 - xi) ** 2) - 2 * np.log(den)
    return np.where(inside, f, x), np.where(inside, log_deriv, 0.0).sum(1)


def log_base(s, name):
    """log p_s element-wise: normal, hyperbolic secant, Laplace, logistic."""
    if name == 'normal':
        return -s ** 2 / 2 - HALF_LOG_2PI
    if name == 'hypsecant':  # -log 2 - log cosh(pi s / 2)
        return -np.logaddexp(np.pi * s / 2, -np.pi * s / 2)
    if name == 'laplace':
        return -np.abs(s) - np.log(2)
    if name == 'logistic':
        return -softplus(s) - softplus(-s)
    raise ValueError(f'unknown base density {name!r}')


def log_prob(model, x):
    """log p(x) per row; `model` is load()'s (config, arrays)."""
    config, arrays = model
    h = np.asarray(x, dtype=np.float64)
    if h.ndim != 2 or h.shape[1] != config['dim']:
        raise ValueError(f'x has shape {h.shape}, expected (rows, {config["dim"]})')
    total = np.zeros(len(h))
    for spec, params in layer_list(config, arrays):
        kind = spec['type']
        if kind == 'dense':
            h, ld = dense(h, params)
        elif kind == 'activation':
            h, ld = activation(h, spec)
        elif kind == 'affine':
            h, ld = affine(h, params)
        elif kind == 'spline':
            h, ld = spline(h, params, spec)
        else:
            raise ValueError(f'unknown layer type {kind!r}')
        total += ld
    return total + log_base(h, config['base']).sum(1)


if __name__ == '__main__':
    if len(sys.argv) != 3:
        sys.exit('usage: python3 tools/relgrad_flow.py MODEL.npz|MODEL.safetensors ROWS.npy')
    print(json.dumps(log_prob(load(sys.argv[1]), np.load(sys.argv[2])).tolist()))
