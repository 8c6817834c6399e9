#!/usr/bin/python3
"""Data-parallel training over MPI against one process: the image-fit and
Laplacian-supervised steps of the reference SIREN (2 -> 256 x 4 -> 1) at
256x256, docs/PERFORMANCE.md "Over MPI". Each round runs, back to back:

    one process, 1 thread        bin/bench_steps --threads 1 (the plain loop)
    one process, 2 threads       bin/bench_steps --threads 2
    mpirun -np 1, 1 thread       bin/bench_mpi: every slab from zero, folded
    mpirun -np 2, 1 thread each  bin/bench_mpi: 2 of the 4 slabs on each rank

and prints a Markdown table of the medians over rounds of each time, of
each round's speed-up over one process at one thread, and of the time the
gradient sum itself takes (sum_ms: siren_mpi_add + siren_mpi_reduce with
the ranks starting together).

Then the example programs themselves, end to end, in each round the same
three ways (bin/PROGRAM --threads 1, --threads 2, mpirun -np 2 bin/PROGRAM
--threads 1): fit_image (--steps 5) and poisson --supervise laplacian
(--steps 3) on data/camera.pgm at 256x256, the default network and slabs;
a run's seconds_per_step (its result line: training only, the first step
included) is its time.

    make bench-mpi                                  # 3 rounds, fit and lap, both programs
    /usr/bin/python3 bench/mpi_scaling.py --rounds 5 --steps lap --programs
"""
import argparse
import os
import re
import statistics
import subprocess
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NAMES = {"fit": "image fit", "grad": "gradient-supervised (Poisson)",
         "lap": "Laplacian-supervised (Poisson)"}
TARGET = 1.8
IMAGE = os.path.join(ROOT, "data", "camera.pgm")
PROGRAMS = {
    "fit_image": ["fit_image", IMAGE, "--size", "256", "--steps", "5"],
    "poisson_lap": ["poisson", IMAGE, "--size", "256", "--supervise", "laplacian",
                    "--steps", "3"],
}
PROGRAM_NAMES = {"fit_image": "bin/fit_image, 5 steps",
                 "poisson_lap": "bin/poisson --supervise laplacian, 3 steps"}


def measure(command, env=None):
    """Runs one benchmark and parses its last key=value line."""
    out = subprocess.run(command, check=True, capture_output=True, text=True, env=env).stdout
    line = [l for l in out.splitlines() if "median_ms=" in l][-1]
    return dict(item.split("=", 1) for item in line.split())


def mpirun(np):
    command = ["mpirun", "-np", str(np)]
    if os.geteuid() == 0:
        command.append("--allow-run-as-root")
    return command


def one_round(args, step):
    steps = os.path.join(ROOT, "bin", "bench_steps")
    mpi = os.path.join(ROOT, "bin", "bench_mpi")
    common = ["--step", step, "--repeat", str(args.repeat), "--chunk", str(args.chunk)]
    env = dict(os.environ, SIREN_NUM_THREADS="1")
    return {
        "one_1": measure([steps, "--threads", "1"] + common),
        "one_2": measure([steps, "--threads", "2"] + common),
        "mpi_1": measure(mpirun(1) + [mpi, "--threads", "1"] + common, env),
        "mpi_2": measure(mpirun(2) + [mpi, "--threads", "1"] + common, env),
    }


def seconds_per_step(command, out):
    """Runs an example program; the seconds_per_step of its result line."""
    result = subprocess.run(command + ["--format", "pnm", "--out", out], check=True,
                            capture_output=True, text=True).stdout
    return float(re.search(r"seconds_per_step=([0-9.]+)", result).group(1))


def program_round(name, out):
    command = [os.path.join(ROOT, "bin", PROGRAMS[name][0])] + PROGRAMS[name][1:]
    return {
        "one_1": seconds_per_step(command + ["--threads", "1"], out),
        "one_2": seconds_per_step(command + ["--threads", "2"], out),
        "mpi_2": seconds_per_step(mpirun(2) + command + ["--threads", "1"], out),
    }


def print_programs(results):
    print()
    print("| program (256x256, 5 x 256) | 1 process, 1 thread | 1 process, 2 threads "
          "| mpirun -np 2, 1 thread each | np 2 vs 1 thread | 2 threads vs 1 |")
    print("|---|---|---|---|---|---|")
    for name, rounds in results.items():
        ms = {k: statistics.median(r[k] for r in rounds) * 1e3 for k in rounds[0]}
        ratio = {k: statistics.median(r["one_1"] / r[k] for r in rounds) for k in rounds[0]}
        print(f"| {PROGRAM_NAMES[name]} | {ms['one_1']:.0f} ms | {ms['one_2']:.0f} ms "
              f"| {ms['mpi_2']:.0f} ms | {ratio['mpi_2']:.2f}x | {ratio['one_2']:.2f}x |")


def median_ms(rounds, key, field="median_ms"):
    return statistics.median(float(r[key][field]) for r in rounds)


def speedup(rounds, key):
    return statistics.median(float(r["one_1"]["median_ms"]) / float(r[key]["median_ms"])
                             for r in rounds)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", nargs="+", default=["fit", "lap"], choices=list(NAMES))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--chunk", type=int, default=16384)
    parser.add_argument("--programs", nargs="*", default=list(PROGRAMS), choices=list(PROGRAMS),
                        help="the example programs to time end to end (none: --programs)")
    args = parser.parse_args()
    results, programs = {}, {}
    out = tempfile.mkdtemp(prefix="bench_mpi_")
    for r in range(args.rounds):
        for step in args.steps:
            result = one_round(args, step)
            results.setdefault(step, []).append(result)
            print(f"round {r + 1} {step}: " + ", ".join(
                f"{key} {float(v['median_ms']):.0f} ms" for key, v in result.items()),
                flush=True)
        for name in args.programs:
            result = program_round(name, os.path.join(out, name))
            programs.setdefault(name, []).append(result)
            print(f"round {r + 1} {name}: " + ", ".join(
                f"{key} {v * 1e3:.0f} ms" for key, v in result.items()), flush=True)
    print()
    print("| step (256x256, 5 x 256) | 1 process, 1 thread | 1 process, 2 threads "
          "| mpirun -np 1 | mpirun -np 2, 1 thread each | np 2 vs 1 thread "
          f"(target >= {TARGET}x) | 2 threads vs 1 | gradient sum, np 2 |")
    print("|---|---|---|---|---|---|---|---|")
    for step, rounds in results.items():
        print(f"| {NAMES[step]} | {median_ms(rounds, 'one_1'):.0f} ms "
              f"| {median_ms(rounds, 'one_2'):.0f} ms | {median_ms(rounds, 'mpi_1'):.0f} ms "
              f"| {median_ms(rounds, 'mpi_2'):.0f} ms | {speedup(rounds, 'mpi_2'):.2f}x "
              f"| {speedup(rounds, 'one_2'):.2f}x "
              f"| {median_ms(rounds, 'mpi_2', 'sum_ms'):.2f} ms |")
    print()
    print("Each round's speed-ups, np 2 vs 1 thread: " + "; ".join(
        f"{step} " + ", ".join(
            f"{float(r['one_1']['median_ms']) / float(r['mpi_2']['median_ms']):.2f}x"
            for r in rounds) for step, rounds in results.items()))
    if programs:
        print_programs(programs)


if __name__ == "__main__":
    main()
