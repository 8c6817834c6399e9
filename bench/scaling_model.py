#!/usr/bin/python3
"""A model (not a measurement) of data-parallel training with libsiren_mpi
on P nodes, for docs/SCALING.md:

    T_step(P) = T_node / P + T_sum(P)
    T_sum(P)  = V / B + (P - 1) (s / B + a)      the chain: one pass over the
                                                 gradient, plus one segment
                                                 and one latency per rank
              + 2 V / B + log2(P) a              the broadcast (scatter and
                                                 allgather, for large messages)

T_node: one step on one node (measured on the project's 2-core machine at 2
threads, docs/RESULTS.md); V: the gradient's bytes; B: the link's bandwidth
in bytes per second; s: the chain's segment, 64 KiB; a: a message's latency
(30 us for TCP over 10 Gbit/s Ethernet, 2 us for 100 Gbit/s InfiniBand; both
assumed, typical values). It assumes the compute divides evenly (at least P
slabs, each large enough to keep the matrix kernels busy) and ignores the
adds into the running sum and the Adam step (under a millisecond for the
reference network: bench/bench_mpi's sum_ms, 0.5 ms for 2 ranks).

    /usr/bin/python3 bench/scaling_model.py
"""
import math

SEGMENT = 65536
LINKS = {"10 Gbit/s": (10e9 / 8, 30e-6), "100 Gbit/s": (100e9 / 8, 2e-6)}
PARAMS_REFERENCE = 2 * 256 + 256 + 3 * (256 * 256 + 256) + 256 + 1      # 2 -> 256 x 4 -> 1
PARAMS_VIDEO = 3 * 1024 + 1024 + 3 * (1024 * 1024 + 1024) + 1024 * 3 + 3  # 3 -> 1024 x 4 -> 3
RUNS = [  # name, seconds per step on one node, steps, parameters
    ("Poisson, gradient (256x256, 10000 steps)", 4.6 * 3600 / 10000, 10000, PARAMS_REFERENCE),
    ("Poisson, Laplacian (256x256, 10000 steps)", 8.4 * 3600 / 10000, 10000, PARAMS_REFERENCE),
    ("video (300 frames 512x512, 100000 steps)", 45.0, 100000, PARAMS_VIDEO),
]


def sum_seconds(nodes, volume, bandwidth, latency):
    chain = volume / bandwidth + (nodes - 1) * (SEGMENT / bandwidth + latency)
    broadcast = 2 * volume / bandwidth + math.log2(max(nodes, 1)) * latency
    return chain + broadcast if nodes > 1 else 0.0


def run_hours(nodes, step, steps, volume, link):
    bandwidth, latency = LINKS[link]
    return steps * (step / nodes + sum_seconds(nodes, volume, bandwidth, latency)) / 3600


def nodes_for(hours, step, steps, volume, link):
    for nodes in range(1, 100000):
        if run_hours(nodes, step, steps, volume, link) <= hours:
            return nodes
    return None


def main():
    print("| run | gradient | one node | " + " | ".join(
        f"sum at {link}, 10 / 100 nodes" for link in LINKS) + " |")
    print("|---|---|---|" + "---|" * len(LINKS))
    for name, step, steps, params in RUNS:
        volume = 4 * params
        cells = [f"{1e3 * sum_seconds(n, volume, *LINKS[link]):.1f} ms"
                 for link in LINKS for n in (10, 100)]
        print(f"| {name} | {volume / 1e6:.2f} MB | {step:.2f} s a step, "
              f"{run_hours(1, step, steps, volume, '10 Gbit/s'):.1f} h | "
              f"{cells[0]} / {cells[1]} | {cells[2]} / {cells[3]} |")
    print()
    print("| run | link | " + " | ".join(f"nodes for {h} h" for h in (24, 12, 6, 1)) + " |")
    print("|---|---|" + "---|" * 4)
    for name, step, steps, params in RUNS:
        for link in LINKS:
            cells = []
            for hours in (24, 12, 6, 1):
                n = nodes_for(hours, step, steps, 4 * params, link)
                cells.append("-" if n is None else
                             f"{n} ({run_hours(n, step, steps, 4 * params, link):.2f} h)")
            print(f"| {name} | {link} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
