#!/usr/bin/python3
"""fit_image against the PyTorch reference, from the same initialisation.

Downsamples data/camera.pgm 2x2 (area) to 256x256, initialises a reference
SIREN in PyTorch (sin(omega * linear(x)), the reference initialiser), hands
the same parameters to libsiren as a step-0 checkpoint, trains both with
Adam 1e-4 on all pixels (MSE on values scaled to [-1, 1]) and prints the
PSNR of every --every-th step side by side, and the seconds per step.

    make examples && /usr/bin/python3 examples/reference/fit_image_compare.py --steps 300

Needs Debian's python3-torch and python3-numpy, and lib/libsiren.so (make).
"""
import argparse
import math
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch

from same_init import save_step0_checkpoint

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def read_pgm(path):
    with open(path, "rb") as f:
        data = f.read()
    fields, pos = [], 0
    while len(fields) < 4:
        while data[pos:pos + 1].isspace():
            pos += 1
        if data[pos:pos + 1] == b"#":
            pos = data.index(b"\n", pos)
            continue
        end = pos
        while not data[end:end + 1].isspace():
            end += 1
        fields.append(data[pos:end])
        pos = end
    assert fields[0] == b"P5" and int(fields[3]) == 255, "8-bit binary PGM expected"
    w, h = int(fields[1]), int(fields[2])
    return np.frombuffer(data[pos + 1:pos + 1 + w * h], np.uint8).reshape(h, w)


def write_pgm(path, image):
    with open(path, "wb") as f:
        f.write(b"P5\n%d %d\n255\n" % (image.shape[1], image.shape[0]))
        f.write(image.astype(np.uint8).tobytes())


class SineLayer(torch.nn.Module):
    def __init__(self, n_in, n_out, omega, first):
        super().__init__()
        self.omega = omega
        self.linear = torch.nn.Linear(n_in, n_out)
        bound = 1.0 / n_in if first else math.sqrt(6.0 / n_in) / omega
        with torch.no_grad():
            self.linear.weight.uniform_(-bound, bound)

    def forward(self, x):
        return torch.sin(self.omega * self.linear(x))


def reference_siren(width=256, hidden_layers=3, omega=30.0):
    layers = [SineLayer(2, width, omega, True)]
    layers += [SineLayer(width, width, omega, False) for _ in range(hidden_layers)]
    last = torch.nn.Linear(width, 1)
    with torch.no_grad():
        bound = math.sqrt(6.0 / width) / omega
        last.weight.uniform_(-bound, bound)
    return torch.nn.Sequential(*layers, last)


def torch_curve(model, image, steps, threads):
    torch.set_num_threads(threads)
    side = image.shape[0]
    axis = torch.linspace(-1, 1, side)
    grid = torch.stack(torch.meshgrid(axis, axis, indexing="ij"), dim=-1).reshape(-1, 2)
    target = torch.from_numpy(image.astype(np.float32) / 255.0 * 2 - 1).reshape(-1, 1)
    opt = torch.optim.Adam(model.parameters(), lr=1e-4)
    curve, start = [], time.perf_counter()
    for _ in range(steps):
        opt.zero_grad()
        loss = ((model(grid) - target) ** 2).mean()
        loss.backward()
        opt.step()
        curve.append(10 * math.log10(4.0 / loss.item()))
    return curve, (time.perf_counter() - start) / steps


def libsiren_curve(image_path, checkpoint, steps, threads, workdir):
    log = os.path.join(workdir, "log.csv")
    subprocess.run([os.path.join(ROOT, "bin", "fit_image"), image_path, "--size", "0",
                    "--resume", checkpoint, "--steps", str(steps), "--threads", str(threads),
                    "--out", os.path.join(workdir, "fit"), "--log", log],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    rows = [line.split(",") for line in open(log).read().split("\n")[1:] if line]
    return [float(r[2]) for r in rows], float(rows[-1][3]) / steps


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--every", type=int, default=25)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    camera = read_pgm(os.path.join(ROOT, "data", "camera.pgm")).astype(np.float64)
    image = np.round(camera.reshape(256, 2, 256, 2).mean(axis=(1, 3))).astype(np.uint8)
    torch.manual_seed(args.seed)
    model = reference_siren()
    with tempfile.TemporaryDirectory() as workdir:
        image_path = os.path.join(workdir, "camera256.pgm")
        checkpoint = os.path.join(workdir, "init.ckpt")
        write_pgm(image_path, image)
        save_step0_checkpoint(checkpoint, model)
        ours, ours_seconds = libsiren_curve(image_path, checkpoint, args.steps, args.threads,
                                            workdir)
    theirs, torch_seconds = torch_curve(model, image, args.steps, args.threads)
    print(f"| step | PyTorch PSNR (dB) | libsiren PSNR (dB) | difference |")
    print(f"|---|---|---|---|")
    for step in list(range(args.every, args.steps + 1, args.every)):
        a, b = theirs[step - 1], ours[step - 1]
        print(f"| {step} | {a:.3f} | {b:.3f} | {b - a:+.3f} |")
    worst = max(abs(a - b) for a, b in zip(theirs, ours))
    print(f"\nlargest PSNR difference over all {args.steps} steps: {worst:.4f} dB")
    print(f"seconds per step, {args.threads} threads: PyTorch {torch_seconds:.3f}, "
          f"libsiren {ours_seconds:.3f} ({torch_seconds / ours_seconds:.2f}x)")
    print(f"torch {torch.__version__}")


if __name__ == "__main__":
    sys.exit(main())
