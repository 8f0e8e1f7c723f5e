#!/usr/bin/env python3
"""jdpo's vector kernels against numpy's BLAS, product by product, in alternating rounds.

On a shared machine one core can slow down for seconds at a time, so two benchmarks run a minute
apart can differ by a third for reasons of their own. This script alternates them instead: each
round runs `./jdpo bench --skip-step --kernels vector --json` and then
`scripts/bench/numpy_matmul.py --json` (the next round the other way round), and the table keeps
each side's best GFLOP/s per product over all rounds. Both sides get the same number of tries at
the same times, so a slow phase of the machine costs them alike.

Usage (from the repository root; numpy and, for the kernel report, threadpoolctl importable):

    /usr/bin/python3 scripts/bench/matmul_side_by_side.py --threads 2 --rounds 3 [--json]

The jdpo side runs with --threads N (bench also times 1 thread; those rows are not used). The
numpy side's stderr, which names the BLAS library and the kernel it runs, is passed through.
"""
import argparse
import json
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def parse():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--threads", type=int, default=os.cpu_count(), help="threads on both sides (default: all cores)")
    p.add_argument("--rounds", type=int, default=3, help="rounds, each side once per round (default 3)")
    p.add_argument("--seconds", type=float, default=0.3, help="timed seconds per product and round (default 0.3)")
    p.add_argument("--m", type=int, default=512, help="rows, batch * sequence length (default 512)")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    return p.parse_args()


def run_jdpo(args):
    cmd = [os.path.join(ROOT, "jdpo"), "bench", "--skip-step", "--kernels", "vector", "--json",
           "--threads", str(args.threads), "--seconds", str(args.seconds), "--m", str(args.m)]
    out = subprocess.run(cmd, cwd=ROOT, check=True, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True).stdout
    rows = json.loads(out.strip().splitlines()[-1])["matmul"]
    return {(r["op"], r["m"], r["k"], r["n"]): r["gflops"] for r in rows if r["threads"] == args.threads}


def run_numpy(args, first):
    cmd = [sys.executable, os.path.join(ROOT, "scripts", "bench", "numpy_matmul.py"), "--json",
           "--threads", str(args.threads), "--seconds", str(args.seconds), "--m", str(args.m)]
    done = subprocess.run(cmd, cwd=ROOT, check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if first:
        for line in done.stderr.splitlines():
            if "GFLOP/s" not in line:
                print(line, file=sys.stderr)
    out = json.loads(done.stdout.strip().splitlines()[-1])
    return {(r["op"], r["m"], r["k"], r["n"]): r["gflops"] for r in out["matmul"]}, out.get("numpy")


def median(xs):
    xs = sorted(xs)
    n = len(xs)
    return xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2


def main():
    args = parse()
    best = {"jdpo": {}, "numpy": {}}
    rounds = []
    numpy_version = None
    for r in range(args.rounds):
        order = ("jdpo", "numpy") if r % 2 == 0 else ("numpy", "jdpo")
        this_round = {}
        for side in order:
            start = time.time()
            if side == "jdpo":
                got = run_jdpo(args)
            else:
                got, numpy_version = run_numpy(args, r == 0)
            this_round[side] = got
            for key, g in got.items():
                best[side][key] = max(best[side].get(key, 0.0), g)
            print(f"matmul_side_by_side: round {r + 1}/{args.rounds} {side}: median {median(list(got.values())):.1f} GFLOP/s "
                  f"({time.time() - start:.0f} s)", file=sys.stderr)
        rounds.append({side: [{"op": k[0], "m": k[1], "k": k[2], "n": k[3], "gflops": g} for k, g in v.items()]
                       for side, v in this_round.items()})
    rows = []
    for key in best["numpy"]:
        j, n = best["jdpo"].get(key), best["numpy"][key]
        rows.append({"op": key[0], "m": key[1], "k": key[2], "n": key[3], "jdpo": j, "numpy": n,
                     "ratio": None if j is None else round(j / n, 3)})
    ratios = [r["ratio"] for r in rows if r["ratio"] is not None]
    if args.json:
        print(json.dumps({"threads": args.threads, "rounds": args.rounds, "numpy": numpy_version,
                          "best": rows, "every_round": rounds}))
        return
    print(f"best of {args.rounds} alternating rounds, {args.threads} threads each side")
    print(f"{'op':<21} {'m':>5} {'k':>5} {'n':>6} {'jdpo':>8} {'numpy':>8} {'ratio':>6}")
    for r in rows:
        print(f"{r['op']:<21} {r['m']:>5} {r['k']:>5} {r['n']:>6} {r['jdpo']:>8.1f} {r['numpy']:>8.1f} {r['ratio']:>6.2f}")
    print(f"ratio jdpo / numpy: min {min(ratios):.2f}, median {median(ratios):.2f}, max {max(ratios):.2f}")


if __name__ == "__main__":
    main()
