#!/usr/bin/python3
"""The PyTorch side of the benchmark: the same steps as bench/bench_steps.c,
written the way the SIREN reference code computes them (autograd, with
create_graph for derivative losses), on the same 256x256 grid and network.

    /usr/bin/python3 bench/torch_reference.py --step lap --threads 2 --repeat 3

Prints one line of key=value pairs like bench_steps:
    impl=torch step=lap threads=2 points=65536 median_ms=... peak_rss_mb=...
Run one step per process so that peak_rss_mb is that step's.

--step sgemm measures the machine's matrix-product rate instead, through
PyTorch's BLAS: the 256x256 by 256x65536 product of a hidden layer
(torch.mm), median of --repeat runs, printed with gflops=.
"""
import argparse
import math
import resource
import statistics
import time

import torch


class SineLayer(torch.nn.Module):
    """sin(omega * (W x + b)), the reference's SineLayer."""

    def __init__(self, n_in, n_out, omega, first):
        super().__init__()
        self.omega = omega
        self.linear = torch.nn.Linear(n_in, n_out)
        bound = 1.0 / n_in if first else math.sqrt(6.0 / n_in) / omega
        with torch.no_grad():
            self.linear.weight.uniform_(-bound, bound)

    def forward(self, x):
        return torch.sin(self.omega * self.linear(x))


def make_siren(width, hidden_layers, omega=30.0):
    layers = [SineLayer(2, width, omega, True)]
    layers += [SineLayer(width, width, omega, False) for _ in range(hidden_layers)]
    last = torch.nn.Linear(width, 1)
    bound = math.sqrt(6.0 / width) / omega
    with torch.no_grad():
        last.weight.uniform_(-bound, bound)
    return torch.nn.Sequential(*layers, last)


def grid(side):
    axis = torch.linspace(-1.0, 1.0, side)
    v, u = torch.meshgrid(axis, axis, indexing="ij")
    x = torch.stack([u.reshape(-1), v.reshape(-1)], dim=1)
    target = torch.sin(3.0 * x[:, :1]) * torch.cos(2.0 * x[:, 1:])
    return x, target


def gradient(y, x):
    return torch.autograd.grad(y, x, torch.ones_like(y), create_graph=True)[0]


def laplacian(y, x):
    g = gradient(y, x)
    return sum(gradient(g[:, k:k + 1], x)[:, k:k + 1] for k in range(x.shape[1]))


def make_step(name, model, x, target):
    opt = torch.optim.Adam(model.parameters(), lr=1e-4)

    def fit():
        opt.zero_grad()
        loss = ((model(x) - target) ** 2).mean()
        loss.backward()
        opt.step()

    def grad():
        opt.zero_grad()
        xs = x.clone().requires_grad_(True)
        g = gradient(model(xs), xs)
        loss = ((g - target) ** 2).mean()
        loss.backward()
        opt.step()

    def lap():
        opt.zero_grad()
        xs = x.clone().requires_grad_(True)
        loss = ((laplacian(model(xs), xs) - target) ** 2).mean()
        loss.backward()
        opt.step()

    def evaluate():
        xs = x.clone().requires_grad_(True)
        y = model(xs)
        g = gradient(y, xs)
        lap_value = sum(torch.autograd.grad(g[:, k].sum(), xs, retain_graph=True)[0][:, k]
                        for k in range(2))
        return y.detach(), g.detach(), lap_value.detach()

    return {"fit": fit, "grad": grad, "lap": lap, "eval": evaluate}[name]


def median_seconds(run, repeat):
    """Median wall time of repeat calls of run, after one warm-up call."""
    times = []
    for r in range(repeat + 1):
        t0 = time.perf_counter()
        run()
        if r > 0:
            times.append(time.perf_counter() - t0)
    return statistics.median(times), min(times)


def measure_sgemm(args):
    points = args.side ** 2
    w = torch.randn(args.width, args.width)
    s = torch.randn(args.width, points)
    out = torch.empty(args.width, points)
    median, best = median_seconds(lambda: torch.mm(w, s, out=out), max(args.repeat, 5))
    flops = 2.0 * args.width * args.width * points
    print(f"impl=torch step=sgemm threads={args.threads} points={points} "
          f"median_ms={1e3 * median:.2f} min_ms={1e3 * best:.2f} gflops={flops / median / 1e9:.1f} "
          f"torch={torch.__version__}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--step", default="fit", choices=["fit", "grad", "lap", "eval", "sgemm"])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--side", type=int, default=256)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--width", type=int, default=256)
    parser.add_argument("--depth", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    if args.step == "sgemm":
        measure_sgemm(args)
        return
    model = make_siren(args.width, args.depth)
    x, target = grid(args.side)
    step = make_step(args.step, model, x, target)
    median, best = median_seconds(step, args.repeat)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(f"impl=torch step={args.step} threads={args.threads} points={args.side ** 2} "
          f"median_ms={1e3 * median:.1f} min_ms={1e3 * best:.1f} "
          f"peak_rss_mb={peak:.0f} torch={torch.__version__}")


if __name__ == "__main__":
    main()
