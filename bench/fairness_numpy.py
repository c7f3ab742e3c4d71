# The fairness suite's NumPy reference: relative and ordinary gradients of the same two-layer
# flow (smooth leaky ReLU, alpha 0.3, standard normal base, B = 100), float64, np.linalg.inv.
# Prints JSON [{dim, relative, ordinary}] with median seconds. Usage: fairness_numpy.py 100,300 7
import json, sys, time
import numpy as np

ALPHA = 0.3

def grads(x, W, b, method):
    B = x.shape[0]
    y1 = x @ W[0].T + b[0]
    z1 = ALPHA * y1 + (1 - ALPHA) * np.logaddexp(0, y1)
    s = z1 @ W[1].T + b[1]
    d2 = s
    sg = 1 / (1 + np.exp(-y1))
    d1p = ALPHA + (1 - ALPHA) * sg
    d1 = d1p * (d2 @ W[1]) - (1 - ALPHA) * sg * (1 - sg) / d1p
    out = []
    for delta, y, z, w, bb in ((d1, y1, x, W[0], b[0]), (d2, s, z1, W[1], b[1])):
        g = delta.mean(axis=0)
        if method == 'relative':
            out.append(delta.T @ (y @ w) / B - w)
            out.append(delta.T @ (y @ bb) / B + g - bb)
        else:
            out.append(delta.T @ z / B - np.linalg.inv(w).T)
            out.append(g)
    return out

def main():
    dims = [int(d) for d in sys.argv[1].split(',')]
    runs = int(sys.argv[2])
    rng = np.random.default_rng(0)
    res = []
    for d in dims:
        x = rng.standard_normal((100, d))
        W = [np.linalg.qr(rng.standard_normal((d, d)))[0] for _ in range(2)]
        b = [0.1 * rng.standard_normal(d) for _ in range(2)]
        row = {'dim': d}
        for method in ('relative', 'ordinary'):
            grads(x, W, b, method)
            t = []
            for _ in range(runs):
                t0 = time.perf_counter()
                grads(x, W, b, method)
                t.append(time.perf_counter() - t0)
            row[method] = float(np.median(t))
        res.append(row)
    print(json.dumps(res))

main()
