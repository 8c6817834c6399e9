#!/usr/bin/python3
"""Runs the benchmark steps of libsiren (bin/bench_steps) and of PyTorch
(bench/torch_reference.py) on this machine, each step in its own process
(so peak memory is that step's), and prints the ratio table of
docs/PERFORMANCE.md as Markdown.

The machine's matrix-product rate (sgemm) is measured in each round too,
through PyTorch's BLAS on a hidden layer's 256x256 by 256x65536 product at
2 threads; the GFLOP/s column gives each step's share of it.

The speed of a shared virtual machine drifts by tens of percent from one
minute to the next, so the measurements are interleaved: each round runs
libsiren at 1 and 2 threads and PyTorch back to back, and the table shows
the median over rounds of each time and of each round's ratio.

    make bench                     # all steps, 3 rounds
    /usr/bin/python3 bench/run.py --steps lap --rounds 5
"""
import argparse
import os
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGETS = {"fit": 2.5, "grad": 2.2, "lap": 6.0, "eval": 7.5}
NAMES = {"fit": "image fit", "grad": "gradient-supervised (Poisson)",
         "lap": "Laplacian-supervised (Poisson)", "eval": "eval value + gradient + Laplacian"}


def measure(command):
    """Runs one benchmark process and parses its key=value line."""
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    line = [l for l in out.splitlines() if "median_ms=" in l][-1]
    return dict(item.split("=", 1) for item in line.split())


def one_round(args, step):
    """libsiren at 1 and 2 threads, then PyTorch: {1: ..., 2: ..., "torch": ...}."""
    bench = os.path.join(ROOT, "bin", "bench_steps")
    result = {}
    for threads in (1, 2):
        result[threads] = measure([bench, "--step", step, "--threads", str(threads),
                                   "--repeat", str(args.repeat), "--chunk", str(args.chunk)])
    if not args.no_torch:
        result["sgemm"] = measure([sys.executable,
                                   os.path.join(ROOT, "bench", "torch_reference.py"),
                                   "--step", "sgemm", "--threads", "2"])
        result["torch"] = measure([sys.executable,
                                   os.path.join(ROOT, "bench", "torch_reference.py"),
                                   "--step", step, "--threads", "2",
                                   "--repeat", str(args.torch_repeat)])
    return result


def median_of(rounds, key, field="median_ms"):
    return statistics.median(float(r[key][field]) for r in rounds)


def table_row(step, rounds, has_torch):
    one, two = median_of(rounds, 1), median_of(rounds, 2)
    scaling = statistics.median(float(r[1]["median_ms"]) / float(r[2]["median_ms"])
                                for r in rounds)
    mine = max(float(r[2]["peak_rss_mb"]) for r in rounds)
    if has_torch:
        t = median_of(rounds, "torch")
        ratio = statistics.median(float(r["torch"]["median_ms"]) / float(r[2]["median_ms"])
                                  for r in rounds)
        theirs = max(float(r["torch"]["peak_rss_mb"]) for r in rounds)
        torch_ms, speedup = f"{t:.0f} ms", f"{ratio:.2f}x (>= {TARGETS[step]}x)"
        memory = f"{theirs:.0f} MB / {mine:.0f} MB"
    else:
        torch_ms, speedup, memory = "-", "-", f"- / {mine:.0f} MB"
    gflops = statistics.median(float(r[2]["gflops"]) for r in rounds)
    share = "-"
    if has_torch:
        share = "{:.0f}%".format(100 * statistics.median(
            float(r[2]["gflops"]) / float(r["sgemm"]["gflops"]) for r in rounds))
    return (f"| {NAMES[step]} | {torch_ms} | {one:.0f} ms | {two:.0f} ms | {speedup} | "
            f"{scaling:.2f}x | {gflops:.1f} ({share}) | {memory} |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", default="fit,grad,lap,eval")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=5, help="libsiren steps per process")
    parser.add_argument("--torch-repeat", type=int, default=3, help="PyTorch steps per process")
    parser.add_argument("--chunk", type=int, default=16384)
    parser.add_argument("--no-torch", action="store_true")
    args = parser.parse_args()
    rows = []
    for step in args.steps.split(","):
        rounds = []
        for r in range(args.rounds):
            rounds.append(one_round(args, step))
            got = rounds[-1]
            torch_ms = got["torch"]["median_ms"] if "torch" in got else "-"
            print(f"{step} round {r + 1}/{args.rounds}: libsiren {got[1]['median_ms']} ms (1 "
                  f"thread), {got[2]['median_ms']} ms (2 threads); torch {torch_ms} ms",
                  file=sys.stderr)
        rows.append(table_row(step, rounds, not args.no_torch))

    print("| step (256x256, 5 x 256) | PyTorch, 2 threads | libsiren, 1 thread | "
          "libsiren, 2 threads | speed-up vs PyTorch (target) | 2 vs 1 thread | "
          "GFLOP/s, 2 threads (% of sgemm) | peak memory PyTorch / libsiren |")
    print("|---|---|---|---|---|---|---|---|")
    for row in rows:
        print(row)


if __name__ == "__main__":
    main()
