#!/usr/bin/env python3
"""numpy float32 matmul GFLOP/s at the shapes `./jdpo bench` times, for a side-by-side comparison.

Each product of [m, k] by [k, n] counts 2*m*k*n flops, as jdpo's MatmulBenchmark does. The six
products are the ones of jdpo's Kernels interface (transposes are views, as BLAS takes them):

    linearForward         x[m,k] @ w[k,n]          linearBackwardInput   dy[m,n] @ w.T
    linearBackwardWeight  x.T @ dy                 lmHeadForward         x[m,c] @ wte[v,c].T
    lmHeadBackwardInput   dlogits[m,v] @ wte       lmHeadBackwardWeight  dlogits.T @ x

Usage: /usr/bin/python3 scripts/bench/numpy_matmul.py [--threads N] [--m 512] [--seconds 1] [--json]

OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are removed from this process's environment before numpy
loads (some machines set them, and a forced core type can pick a slower kernel); the BLAS that
runs is reported (through threadpoolctl when it can be imported) on stderr.
"""
import argparse
import json
import os
import sys
import time


def parse():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--threads", type=int, default=os.cpu_count(), help="BLAS threads (default: all cores)")
    p.add_argument("--m", type=int, default=512, help="rows, batch * sequence length (default 512)")
    p.add_argument("--seconds", type=float, default=1.0, help="timed seconds per product (default 1)")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    return p.parse_args()


def cases(m):
    c, v = 768, 50257
    out = []
    for k, n in [(c, 3 * c), (c, c), (c, 4 * c), (4 * c, c)]:
        for op in ("linearForward", "linearBackwardInput", "linearBackwardWeight"):
            out.append((op, m, k, n))
    for op in ("lmHeadForward", "lmHeadBackwardInput", "lmHeadBackwardWeight"):
        out.append((op, m, c, v))
    return out


def product(np, rng, op, m, k, n):
    """The product as a call writing into a preallocated output."""
    def r(*shape):
        return rng.standard_normal(shape, dtype=np.float32)
    if op == "linearForward":
        x, w = r(m, k), r(k, n); out = np.empty((m, n), np.float32)
        return lambda: np.matmul(x, w, out=out)
    if op == "linearBackwardInput":
        dy, w = r(m, n), r(k, n); out = np.empty((m, k), np.float32)
        return lambda: np.matmul(dy, w.T, out=out)
    if op == "linearBackwardWeight":
        x, dy = r(m, k), r(m, n); out = np.empty((k, n), np.float32)
        return lambda: np.matmul(x.T, dy, out=out)
    if op == "lmHeadForward":
        x, wte = r(m, k), r(n, k); out = np.empty((m, n), np.float32)
        return lambda: np.matmul(x, wte.T, out=out)
    if op == "lmHeadBackwardInput":
        g, wte = r(m, n), r(n, k); out = np.empty((m, k), np.float32)
        return lambda: np.matmul(g, wte, out=out)
    if op == "lmHeadBackwardWeight":
        g, x = r(m, n), r(m, k); out = np.empty((n, k), np.float32)
        return lambda: np.matmul(g.T, x, out=out)
    raise ValueError(op)


def repeat_for(call, seconds):
    end = time.perf_counter() + seconds
    n = 0
    while True:
        call()
        n += 1
        if time.perf_counter() >= end:
            return n


def load_numpy(threads, who):
    """Imports numpy with `threads` BLAS threads and the BLAS's own choice of kernel, and names
    the BLAS on stderr (as `who`); the environment must be set before numpy loads."""
    for var in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        if os.environ.pop(var, None) is not None:
            print(f"{who}: unset {var} for this run", file=sys.stderr)
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(threads)
    import numpy as np
    try:
        import threadpoolctl
        for lib in threadpoolctl.threadpool_info():
            print("{who}: numpy {numpy}, {internal_api} {version} kernel={architecture} threads={num_threads} {filepath}"
                  .format(who=who, numpy=np.__version__,
                          **{k: lib.get(k) for k in ("internal_api", "version", "architecture", "num_threads", "filepath")}),
                  file=sys.stderr)
    except ImportError:
        print(f"{who}: threadpoolctl not importable; BLAS kernel not reported", file=sys.stderr)
    return np


def main():
    args = parse()
    np = load_numpy(args.threads, "numpy_matmul")
    rng = np.random.default_rng(42)
    results = []
    for op, m, k, n in cases(args.m):
        call = product(np, rng, op, m, k, n)
        repeat_for(call, min(0.5, args.seconds))
        start = time.perf_counter()
        it = repeat_for(call, args.seconds)
        sec = time.perf_counter() - start
        gflops = it * 2.0 * m * k * n / sec / 1e9
        results.append({"m": m, "k": k, "n": n, "op": op, "kernel": "numpy", "threads": args.threads,
                        "gflops": round(gflops, 2)})
        print(f"numpy_matmul: {op:<21} {m:>5} {k:>5} {n:>6} threads={args.threads} {gflops:8.2f} GFLOP/s",
              file=sys.stderr)
    if args.json:
        print(json.dumps({"matmul": results, "numpy": np.__version__}))
    else:
        print(f"{'op':<21} {'m':>5} {'k':>5} {'n':>6} {'threads':>7} {'GFLOP/s':>8}")
        for r in results:
            print(f"{r['op']:<21} {r['m']:>5} {r['k']:>5} {r['n']:>6} {r['threads']:>7} {r['gflops']:>8.2f}")


if __name__ == "__main__":
    main()
