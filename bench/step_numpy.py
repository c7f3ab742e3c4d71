# The NumPy anchor of the step suite (bench/step.ts): the relative-gradient step of the same
# two-layer flow (smooth leaky ReLU alpha 0.3, standard normal base, biases, B = 100) with the
# same formulas as relgrad's flow/gradients/relative.ts in plain NumPy (fairness_numpy.py's,
# loaded from it); the GEMM shapes that step uses; and inv / slogdet. Run with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset (the
# caller does that), it reports which OpenBLAS kernel ran and how many threads it used.
# Usage: step_numpy.py '{"dims":[100,784],"dtypes":["float32","float64"],"seconds":2,"linalg":[2048]}'
# Prints one JSON document.
import ctypes, glob, json, os, sys, time
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def load_grads():
    """The relative and ordinary gradients of fairness_numpy.py (one copy of the formulas, which
    test/bench-fairness.test.ts checks against flow.gradient); its definitions run without the
    main() call it ends with."""
    with open(os.path.join(HERE, 'fairness_numpy.py')) as f:
        source = f.read()
    defs = {}
    exec(source[:source.rstrip().rfind('main()')], defs)
    return defs['grads']


grads = load_grads()


def relative_step(x, W, b):
    """dW_l = (1/B) Δ_lᵀ (Y_l W_l) - W_l,  db_l = (1/B) Δ_lᵀ (Y_l b_l) + mean(Δ_l) - b_l."""
    return grads(x, W, b, 'relative')


def timed(fn, seconds):
    fn()
    times = []
    start = time.perf_counter()
    while len(times) < 5 or (time.perf_counter() - start < seconds and len(times) < 200):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times)), len(times)


def openblas_info():
    info = {'corename': 'unknown', 'config': 'unknown', 'threads': None}
    here = os.path.dirname(np.__file__)
    for lib in glob.glob(os.path.join(here, '..', 'numpy.libs', '*openblas*')) + glob.glob(os.path.join(here, '..', 'scipy_openblas64', 'lib', '*.so*')):
        try:
            handle = ctypes.CDLL(lib)
        except OSError:
            continue
        for prefix in ('scipy_openblas_', 'openblas_'):
            for suffix in ('64_', ''):
                core = getattr(handle, f'{prefix}get_corename{suffix}', None)
                if core is None:
                    continue
                core.restype = ctypes.c_char_p
                info['corename'] = core().decode()
                cfg = getattr(handle, f'{prefix}get_config{suffix}', None)
                if cfg is not None:
                    cfg.restype = ctypes.c_char_p
                    info['config'] = cfg().decode()
                threads = getattr(handle, f'{prefix}get_num_threads{suffix}', None)
                if threads is not None:
                    info['threads'] = int(threads())
                return info
    return info


def main():
    o = json.loads(sys.argv[1])
    rng = np.random.default_rng(0)
    steps, gemms, linalg = [], [], []
    for dtype in o['dtypes']:
        dt = np.dtype(dtype)
        for d in o['dims']:
            x = rng.standard_normal((100, d)).astype(dt)
            W = [np.linalg.qr(rng.standard_normal((d, d)))[0].astype(dt) for _ in range(2)]
            b = [(0.1 * rng.standard_normal(d)).astype(dt) for _ in range(2)]
            median, runs = timed(lambda: relative_step(x, W, b), o['seconds'])
            steps.append({'dtype': dtype, 'dim': d, 'seconds': median, 'runs': runs})
            # the step's product shapes: (100×D)·(D×D)ᵀ, (100×D)·(D×D), (100×D)ᵀ·(100×D)
            a = rng.standard_normal((100, d)).astype(dt)
            w = rng.standard_normal((d, d)).astype(dt)
            for name, fn in (('XWt', lambda: a @ w.T), ('XW', lambda: a @ w), ('AtB', lambda: a.T @ a)):
                m = timed(fn, o['seconds'] / 3)[0]
                gemms.append({'dtype': dtype, 'dim': d, 'shape': name, 'seconds': m})
        for d in o.get('linalg', []):
            a = (rng.standard_normal((d, d)) / np.sqrt(d) + 2 * np.eye(d)).astype(dt)
            linalg.append({'dtype': dtype, 'dim': d, 'op': 'inv', 'seconds': timed(lambda: np.linalg.inv(a), o['seconds'])[0]})
            linalg.append({'dtype': dtype, 'dim': d, 'op': 'slogdet', 'seconds': timed(lambda: np.linalg.slogdet(a), o['seconds'])[0]})
    print(json.dumps({'numpy': np.__version__, 'openblas': openblas_info(), 'env': {k: os.environ.get(k) for k in ('OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE', 'OPENBLAS_NUM_THREADS')},
                      'steps': steps, 'gemms': gemms, 'linalg': linalg}))


main()
