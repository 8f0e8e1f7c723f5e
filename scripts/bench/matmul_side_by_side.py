#!/usr/bin/env python3
"""jdpo's vector kernels against numpy's BLAS, product by product, taking turns.

On a shared machine each core can slow down by a third for a second or more at a time, each on
its own, so two benchmarks run a minute apart can differ for reasons of their own. This script
makes the two sides take turns instead: jdpo's products run in a Java process that times one
request at a time (`scripts/bench/MatmulServer.java`), numpy's in this one. For every product
both sides warm up, then run --rounds turns of --seconds each, jdpo first in odd turns and numpy
first in even ones. Two neighbouring turns see nearly the same machine, so the ratio of each
pair of turns is a fair comparison even when the machine is slow; the table gives the median of
those paired ratios next to each side's best GFLOP/s.

Every turn starts after --gap seconds of quiet. OpenBLAS's threads keep spinning for about a
tenth of a second after a product returns (its thread timeout, 2^28 cycles by default), and
without the gap jdpo's turns right after numpy's ran some 40% slower, on a core shared with a
spinning thread.

Usage (from the repository root; numpy and, for the kernel report, threadpoolctl importable):

    python3 scripts/bench/matmul_side_by_side.py --threads 2 [--rounds 15] [--json]

The jar is built first with `./jdpo --version` if needed. OPENBLAS_CORETYPE and
OPENBLAS_L2_SIZE are removed from the environment before numpy loads (a forced core type can
pick a slower kernel), and the BLAS that runs is named on stderr.
"""
import argparse
import json
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "scripts", "bench"))


def parse():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--threads", type=int, default=os.cpu_count(), help="threads on both sides (default: all cores)")
    p.add_argument("--rounds", type=int, default=15, help="turns per side and product (default 15)")
    p.add_argument("--seconds", type=float, default=0.15, help="seconds per turn (default 0.15; at least one call)")
    p.add_argument("--warmup", type=float, default=1.0, help="warm-up seconds per side and product (default 1)")
    p.add_argument("--gap", type=float, default=0.3, help="idle seconds before every turn (default 0.3)")
    p.add_argument("--m", type=int, default=512, help="rows, batch * sequence length (default 512)")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    return p.parse_args()


def median(xs):
    xs = sorted(xs)
    n = len(xs)
    return xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2


class Jdpo:
    """The Java side: one request, one answer, in GFLOP/s."""

    def __init__(self, threads):
        subprocess.run([os.path.join(ROOT, "jdpo"), "--version"], cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        java = os.path.join(os.environ["JAVA_HOME"], "bin", "java") if os.environ.get("JAVA_HOME") else "java"
        self.proc = subprocess.Popen(
            [java, "--add-modules", "jdk.incubator.vector", "-cp", os.path.join(ROOT, "target", "jdpo.jar"),
             os.path.join(ROOT, "scripts", "bench", "MatmulServer.java"), str(threads)],
            cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        if self.proc.stdout.readline().strip() != "ready":
            raise SystemExit("matmul_side_by_side: the Java side did not start")

    def measure(self, op, m, k, n, seconds):
        self.proc.stdin.write(f"{op} {m} {k} {n} {seconds}\n")
        self.proc.stdin.flush()
        return float(self.proc.stdout.readline())

    def close(self):
        self.proc.stdin.write("\n")
        self.proc.stdin.flush()
        self.proc.wait()


def main():
    args = parse()
    import numpy_matmul
    np = numpy_matmul.load_numpy(args.threads, "matmul_side_by_side")

    def numpy_turn(call, flops, seconds):
        start = time.perf_counter()
        calls = numpy_matmul.repeat_for(call, seconds)
        return calls * flops / (time.perf_counter() - start) / 1e9

    jdpo = Jdpo(args.threads)
    rng = np.random.default_rng(42)
    rows = []
    try:
        for op, m, k, n in numpy_matmul.cases(args.m):
            flops = 2.0 * m * k * n
            call = numpy_matmul.product(np, rng, op, m, k, n)
            jdpo.measure(op, m, k, n, args.warmup)
            time.sleep(args.gap)
            numpy_turn(call, flops, args.warmup)
            turns = {"jdpo": [], "numpy": []}
            for r in range(args.rounds):
                for side in (("jdpo", "numpy") if r % 2 == 0 else ("numpy", "jdpo")):
                    time.sleep(args.gap)
                    g = jdpo.measure(op, m, k, n, args.seconds) if side == "jdpo" else numpy_turn(call, flops, args.seconds)
                    turns[side].append(g)
            paired = [j / q for j, q in zip(turns["jdpo"], turns["numpy"])]
            row = {"op": op, "m": m, "k": k, "n": n,
                   "jdpo_best": round(max(turns["jdpo"]), 1), "numpy_best": round(max(turns["numpy"]), 1),
                   "jdpo_median": round(median(turns["jdpo"]), 1), "numpy_median": round(median(turns["numpy"]), 1),
                   "paired_ratio": round(median(paired), 3),
                   "best_ratio": round(max(turns["jdpo"]) / max(turns["numpy"]), 3),
                   "turns": {side: [round(g, 1) for g in v] for side, v in turns.items()}}
            rows.append(row)
            print(f"matmul_side_by_side: {op} {k}x{n}: jdpo median {row['jdpo_median']}, numpy median "
                  f"{row['numpy_median']}, paired ratio {row['paired_ratio']}", file=sys.stderr)
    finally:
        jdpo.close()
    if args.json:
        print(json.dumps({"threads": args.threads, "rounds": args.rounds, "seconds": args.seconds, "gap": args.gap,
                          "numpy": np.__version__, "products": rows}))
        return
    print(f"{args.rounds} turns of {args.seconds} s per side and product, {args.threads} threads each side (GFLOP/s)")
    print(f"{'op':<21} {'m':>5} {'k':>5} {'n':>6} {'jdpo best':>10} {'numpy best':>11} {'ratio':>6} {'paired':>7}")
    for r in rows:
        print(f"{r['op']:<21} {r['m']:>5} {r['k']:>5} {r['n']:>6} {r['jdpo_best']:>10.1f} {r['numpy_best']:>11.1f} "
              f"{r['best_ratio']:>6.2f} {r['paired_ratio']:>7.2f}")
    for key, name in (("best_ratio", "best / best"), ("paired_ratio", "median of paired turns")):
        xs = [r[key] for r in rows]
        print(f"jdpo / numpy, {name}: min {min(xs):.2f}, median {median(xs):.2f}, max {max(xs):.2f}")


if __name__ == "__main__":
    main()
