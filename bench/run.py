#!/usr/bin/python3
"""Runs the benchmark steps of libsiren (bin/bench_steps) and of PyTorch
(bench/torch_reference.py) on this machine, each step in its own process
(so peak memory is that step's), and prints the ratio table of
docs/PERFORMANCE.md as Markdown.

    make bench                     # all steps, libsiren at 1 and 2 threads, torch at 2
    /usr/bin/python3 bench/run.py --steps lap --repeat 3
"""
import argparse
import os
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


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", default="fit,grad,lap,eval")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--torch-repeat", type=int, default=3)
    parser.add_argument("--chunk", type=int, default=16384)
    parser.add_argument("--no-torch", action="store_true")
    args = parser.parse_args()
    bench = os.path.join(ROOT, "bin", "bench_steps")
    rows = []
    for step in args.steps.split(","):
        ours = {}
        for threads in (1, 2):
            ours[threads] = measure([bench, "--step", step, "--threads", str(threads),
                                     "--repeat", str(args.repeat), "--chunk", str(args.chunk)])
            print(f"libsiren {step} {threads} thread(s): {ours[threads]['median_ms']} ms",
                  file=sys.stderr)
        torch = None
        if not args.no_torch:
            torch = measure([sys.executable, os.path.join(ROOT, "bench", "torch_reference.py"),
                             "--step", step, "--threads", "2",
                             "--repeat", str(args.torch_repeat)])
            print(f"torch {step}: {torch['median_ms']} ms", file=sys.stderr)
        rows.append((step, ours, torch))

    print("| step (256x256, 5 x 256) | PyTorch, 2 threads | libsiren, 1 thread | "
          "libsiren, 2 threads | speed-up vs PyTorch (target) | 2 vs 1 thread | "
          "GFLOP/s (2 threads) | peak memory PyTorch / libsiren |")
    print("|---|---|---|---|---|---|---|---|")
    for step, ours, torch in rows:
        one, two = float(ours[1]["median_ms"]), float(ours[2]["median_ms"])
        if torch:
            t = float(torch["median_ms"])
            ratio = f"{t / two:.2f}x (>= {TARGETS[step]}x)"
            torch_ms = f"{t:.0f} ms"
            memory = f"{torch['peak_rss_mb']} MB / {ours[2]['peak_rss_mb']} MB"
        else:
            ratio, torch_ms, memory = "-", "-", f"- / {ours[2]['peak_rss_mb']} MB"
        print(f"| {NAMES[step]} | {torch_ms} | {one:.0f} ms | {two:.0f} ms | {ratio} | "
              f"{one / two:.2f}x | {ours[2]['gflops']} | {memory} |")


if __name__ == "__main__":
    main()
