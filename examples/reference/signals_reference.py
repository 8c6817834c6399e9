#!/usr/bin/python3
"""The signal examples (poisson, poisson_edit, fit_audio, fit_video) in PyTorch.

The reference implementation's semantics, written independently of
libsiren so that docs/RESULTS.md can set each example beside it on the same
input: a SIREN of nn.Linear layers, sin(omega * linear(x)), the reference's
initialiser (first layer U(-1/n, 1/n), others U(+-sqrt(6/n)/omega), biases
as nn.Linear), torch.optim.Adam, derivatives by autograd (create_graph, so
reverse-over-reverse as in the reference's diff_operators.py), and the
targets computed with scipy.ndimage.sobel / laplace as the reference does.
Losses, scales, alignments and metrics are the C examples' (see their
--help): derivatives per pixel, Sobel / 8, PSNR on [0, 1] after the least
squares alignment.

    signals_reference.py poisson IMAGE.pgm --supervise gradient --steps 300
    signals_reference.py edit BACKGROUND.pgm SOURCE.pgm --region X,Y,W,H --steps 300
    signals_reference.py audio SOUND.wav --steps 300
    signals_reference.py video 'frames/%03d.pgm' --steps 300 [--batch N]

--init-checkpoint FILE (poisson) also writes the initial network as a
libsiren step-0 checkpoint: `bin/poisson --resume FILE` then trains from
the same initialisation, and both sides' --log curves can be set side by
side step by step (same_init.py).

Images are used at the size they have (give the C programs --size 0 or
the same size, so both fit the same pixels). Prints a `result:` line with
the C programs' keys. Needs Debian's python3-torch, python3-numpy and
python3-scipy.
"""
import argparse
import contextlib
import math
import os
import re
import sys
import time

import numpy as np
import scipy.io.wavfile
import scipy.ndimage
import torch

from same_init import save_step0_checkpoint


# ------------------------------------------------------------------ data

def read_pnm(path):
    """8-bit P2/P3/P5/P6 -> float32 [H, W, C] in [0, 1]."""
    data = open(path, "rb").read()
    tokens, pos = [], 0
    while len(tokens) < 4:
        while data[pos:pos + 1].isspace():
            pos += 1
        if data[pos:pos + 1] == b"#":
            pos = data.index(b"\n", pos)
            continue
        end = pos
        while not data[end:end + 1].isspace():
            end += 1
        tokens.append(data[pos:end])
        pos = end
    magic, w, h, maxval = tokens[0], int(tokens[1]), int(tokens[2]), int(tokens[3])
    channels = 3 if magic in (b"P3", b"P6") else 1
    assert maxval < 256, "8-bit images only"
    count = w * h * channels
    if magic in (b"P5", b"P6"):
        raw = np.frombuffer(data[pos + 1:pos + 1 + count], np.uint8)
    else:
        raw = np.array(data[pos:].split()[:count], np.float64)
    return (raw.astype(np.float32) / maxval).reshape(h, w, channels)


def write_pgm(path, values):
    """values in [-1, 1], [H, W, C] -> 8-bit PGM/PPM."""
    h, w, c = values.shape
    q = np.clip(np.round((values + 1) * 0.5 * 255), 0, 255).astype(np.uint8)
    with open(path, "wb") as f:
        f.write(b"P%d\n%d %d\n255\n" % (6 if c == 3 else 5, w, h))
        f.write(q.tobytes())


def linspace(n):
    return torch.linspace(-1, 1, n) if n > 1 else torch.zeros(1)


def image_grid(h, w):
    rows, cols = torch.meshgrid(linspace(h), linspace(w), indexing="ij")
    return torch.stack([rows, cols], -1).reshape(-1, 2)


# --------------------------------------------------------------- network

class Siren(torch.nn.Module):
    def __init__(self, n_in, n_out, width, depth, first_omega, hidden_omega):
        super().__init__()
        sizes = [n_in] + [width] * (depth + 1)
        self.layers = torch.nn.ModuleList(torch.nn.Linear(a, b) for a, b in zip(sizes, sizes[1:]))
        self.last = torch.nn.Linear(width, n_out)
        self.omegas = [first_omega] + [hidden_omega] * depth
        with torch.no_grad():
            for i, layer in enumerate(list(self.layers) + [self.last]):
                n = layer.in_features
                bound = 1.0 / n if i == 0 else math.sqrt(6.0 / n) / hidden_omega
                layer.weight.uniform_(-bound, bound)

    def forward(self, x):
        for layer, omega in zip(self.layers, self.omegas):
            x = torch.sin(omega * layer(x))
        return self.last(x)


def make_net(args, n_in, n_out):
    torch.manual_seed(args.seed)
    net = Siren(n_in, n_out, args.width, args.depth, args.first_omega, args.hidden_omega)
    return net, torch.optim.Adam(net.parameters(), lr=args.lr)


def input_gradient(y, x):
    """[B, C] outputs -> [B, C, D] d y / d x, differentiable."""
    return torch.stack([torch.autograd.grad(y[:, c], x, torch.ones_like(y[:, c]),
                                            create_graph=True)[0] for c in range(y.shape[1])], 1)


def weighted_laplacian(y, x, weights):
    """[B, C] -> [B, C]: sum_k weights[k] d2 y / d x_k^2 (the reference's
    divergence of the gradient)."""
    grad = input_gradient(y, x)
    out = []
    for c in range(y.shape[1]):
        total = 0
        for k in range(x.shape[1]):
            total = total + weights[k] * torch.autograd.grad(
                grad[:, c, k], x, torch.ones_like(grad[:, c, k]), create_graph=True)[0][:, k]
        out.append(total)
    return torch.stack(out, 1)


def train(net, opt, steps, loss_of_step, log=None, metric_of_step=None):
    """Runs `steps` Adam steps; returns the seconds taken. With a log file,
    writes step,loss,psnr_db,seconds of every step as the C programs'
    --log does (metric_of_step() after the step: the PSNR of the values the
    step's loss saw)."""
    start = time.perf_counter()
    if log:
        log.write("step,loss,psnr_db,seconds\n")
    for step in range(steps):
        opt.zero_grad()
        loss = loss_of_step(step)
        loss.backward()
        opt.step()
        if log:
            log.write("%d,%.9g,%.6f,%.6f\n" % (step + 1, loss.item(), metric_of_step(),
                                             time.perf_counter() - start))
        if step == 0 or (step + 1) % 50 == 0 or step + 1 == steps:
            print("step %d/%d loss %.6g  %.2f s" % (step + 1, steps, loss.item(),
                                                 time.perf_counter() - start), file=sys.stderr)
    return time.perf_counter() - start


def evaluate(net, x, chunk=16384):
    with torch.no_grad():
        return torch.cat([net(x[i:i + chunk]) for i in range(0, x.shape[0], chunk)])


# ------------------------------------------------------- Poisson problems

def sobel_per_pixel(img):
    """[H, W, C] -> [H*W, C, 2]: scipy.ndimage.sobel / 8, rows then columns."""
    g = [np.stack([scipy.ndimage.sobel(img[..., c], axis=a) / 8 for a in (0, 1)], -1)
         for c in range(img.shape[2])]
    return torch.from_numpy(np.stack(g, 2).reshape(-1, img.shape[2], 2).astype(np.float32))


def laplace_per_pixel(img):
    lap = np.stack([scipy.ndimage.laplace(img[..., c]) for c in range(img.shape[2])], -1)
    return torch.from_numpy(lap.reshape(-1, img.shape[2]).astype(np.float32))


def align(recon, target, h, w, terms, mask=None):
    """Adds to recon [H*W, C] the least-squares fit of target - recon in the
    basis 1, y, x, x y, y^2 - x^2 (the first `terms`), over mask."""
    y, x = np.meshgrid(np.linspace(-1, 1, h), np.linspace(-1, 1, w), indexing="ij")
    y, x = y.reshape(-1), x.reshape(-1)
    basis = np.stack([np.ones_like(x), y, x, x * y, y * y - x * x], 1)[:, :terms]
    rows = np.ones(h * w, bool) if mask is None else mask
    out = recon.astype(np.float64).copy()
    for c in range(recon.shape[1]):
        coef, *_ = np.linalg.lstsq(basis[rows], (target[rows, c] - recon[rows, c]), rcond=None)
        out[:, c] += basis @ coef
    return out


def psnr(a, b, mask=None):
    rows = np.ones(a.shape[0], bool) if mask is None else mask
    return 10 * math.log10(4 / np.mean((a[rows] - b[rows]) ** 2))


def gradient_loss(net, coords, target, steps_px, seen=None):
    """Mean over pixels and channels of |gradient - target|^2; the values
    go to seen["values"] when a dict is given."""
    x = coords.clone().requires_grad_(True)
    y = net(x)
    if seen is not None:
        seen["values"] = y.detach()
    grad = input_gradient(y, x) * steps_px
    return ((grad - target) ** 2).sum(-1).mean()


def laplacian_loss(net, coords, target, steps_px, seen):
    x = coords.clone().requires_grad_(True)
    y = net(x)
    seen["values"] = y.detach()
    return ((weighted_laplacian(y, x, steps_px ** 2) - target) ** 2).mean()


def poisson(args):
    img = read_pnm(args.image) * 2 - 1
    h, w, ch = img.shape
    coords, steps_px = image_grid(h, w), torch.tensor([2 / (h - 1), 2 / (w - 1)])
    net, opt = make_net(args, 2, ch)
    if args.init_checkpoint:
        save_step0_checkpoint(args.init_checkpoint, net, args.lr, in_features=2,
                              out_features=ch, hidden_features=args.width,
                              hidden_layers=args.depth, first_omega=args.first_omega,
                              hidden_omega=args.hidden_omega)
    lap = args.supervise == "laplacian"
    target = laplace_per_pixel(img) if lap else sobel_per_pixel(img)
    loss_fn = laplacian_loss if lap else gradient_loss
    flat, seen = img.reshape(-1, ch), {}

    def aligned_psnr():
        return psnr(align(seen["values"].numpy(), flat, h, w, 3 if lap else 1), flat)

    with open(args.log, "w", buffering=1) if args.log else contextlib.nullcontext() as log:
        seconds = train(net, opt, args.steps,
                        lambda step: loss_fn(net, coords, target, steps_px, seen), log, aligned_psnr)
    recon = evaluate(net, coords).numpy()
    result = {"psnr_db": psnr(align(recon, flat, h, w, 3 if lap else 1), flat),
              "alignment": "affine" if lap else "constant",
              "mean_image_db": psnr(align(recon * 0, flat, h, w, 1), flat)}
    if lap:
        result["plane_db"] = psnr(align(recon * 0, flat, h, w, 3), flat)
        result["harmonic_db"] = psnr(align(recon, flat, h, w, 5), flat)
    if args.out:
        write_pgm(args.out + "_recon.pgm", align(recon, flat, h, w, 3 if lap else 1).reshape(h, w, ch))
    return result, seconds


def edit(args):
    bg, src = read_pnm(args.background) * 2 - 1, read_pnm(args.source) * 2 - 1
    assert bg.shape == src.shape, "give both images at one size"
    h, w, ch = bg.shape
    x0, y0, rw, rh = (int(v) for v in args.region.split(","))
    m = np.zeros((h, w), np.float32)
    m[y0:y0 + rh, x0:x0 + rw] = 1
    m = m.reshape(-1)
    a = torch.from_numpy(m)[:, None, None] * args.alpha
    field = (1 - a) * sobel_per_pixel(bg) + a * sobel_per_pixel(src)
    coords, steps_px = image_grid(h, w), torch.tensor([2 / (h - 1), 2 / (w - 1)])
    net, opt = make_net(args, 2, ch)
    seconds = train(net, opt, args.steps, lambda step: gradient_loss(net, coords, field, steps_px))
    recon = evaluate(net, coords).numpy()
    bgf, srcf = bg.reshape(-1, ch), src.reshape(-1, ch)
    outside, inside = m == 0, m == 1
    comp = align(recon, bgf, h, w, 1, outside)
    src_shifted = align(srcf, comp, h, w, 1, inside)
    x = coords.clone().requires_grad_(True)
    grad = input_gradient(net(x), x) * steps_px
    rmse = math.sqrt(float(((grad - field) ** 2).mean()))
    if args.out:
        write_pgm(args.out + "_composite.pgm", comp.reshape(h, w, ch))
    return {"psnr_outside_db": psnr(comp, bgf, outside), "psnr_inside_db": psnr(comp, src_shifted, inside),
            "grad_rmse": rmse}, seconds


# ------------------------------------------------------------------ audio

def audio(args):
    rate, data = scipy.io.wavfile.read(args.wav)
    data = data.astype(np.float32)
    if data.ndim == 1:
        data = data[:, None]
    data /= np.max(np.abs(data))  # the reference's scaling; integer offsets cancel
    frames, ch = data.shape
    t = linspace(frames)[:, None]
    target = torch.from_numpy(data)
    net, opt = make_net(args, 1, ch)
    seconds = train(net, opt, args.steps, lambda step: ((net(t) - target) ** 2).mean())
    y = evaluate(net, t).numpy()
    snr = 10 * math.log10(np.sum(data.astype(np.float64) ** 2) / np.sum((y - data) ** 2))
    return {"snr_db": snr, "frames": frames, "rate": rate, "channels": ch}, seconds


# ------------------------------------------------------------------ video

def video(args):
    paths, first = [], 0 if os.path.exists(args.frames % 0) else 1
    while os.path.exists(args.frames % (first + len(paths))):
        paths.append(args.frames % (first + len(paths)))
    vid = np.stack([read_pnm(p) for p in paths]) * 2 - 1
    nf, h, w, ch = vid.shape
    t, r, c = torch.meshgrid(linspace(nf), linspace(h), linspace(w), indexing="ij")
    coords = torch.stack([t, r, c], -1).reshape(-1, 3)
    values = torch.from_numpy(vid.reshape(-1, ch).astype(np.float32))
    batch = args.batch or max(1, int(args.sample_frac * coords.shape[0]))
    net, opt = make_net(args, 3, ch)

    def loss_of_step(step):
        idx = torch.randint(0, coords.shape[0], (batch,))  # with replacement, as the reference
        return ((net(coords[idx]) - values[idx]) ** 2).mean()

    seconds = train(net, opt, args.steps, loss_of_step)
    recon = evaluate(net, coords).numpy().reshape(nf, h * w, ch)
    frame_psnr = [psnr(recon[f], vid[f].reshape(-1, ch)) for f in range(nf)]
    return {"psnr_db": float(np.mean(frame_psnr)), "min_frame_psnr_db": float(np.min(frame_psnr)),
            "batch": batch, "frames": nf, "width": w, "height": h}, seconds


# ------------------------------------------------------------------- main

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="task", required=True)
    tasks = {"poisson": sub.add_parser("poisson"), "edit": sub.add_parser("edit"),
             "audio": sub.add_parser("audio"), "video": sub.add_parser("video")}
    tasks["poisson"].add_argument("image")
    tasks["poisson"].add_argument("--supervise", choices=["gradient", "laplacian"], default="gradient")
    tasks["poisson"].add_argument("--init-checkpoint", metavar="FILE",
                                  help="write the initial network as a libsiren step-0 checkpoint "
                                       "(bin/poisson --resume FILE trains from the same start)")
    tasks["poisson"].add_argument("--log", metavar="FILE",
                                  help="write step,loss,psnr_db,seconds of every step as CSV "
                                       "(as bin/poisson --log)")
    tasks["edit"].add_argument("background")
    tasks["edit"].add_argument("source")
    tasks["edit"].add_argument("--region", required=True)
    tasks["edit"].add_argument("--alpha", type=float, default=1.0)
    tasks["audio"].add_argument("wav")
    tasks["video"].add_argument("frames")
    tasks["video"].add_argument("--sample-frac", type=float, default=38e-4)
    tasks["video"].add_argument("--batch", type=int, default=0)
    for name, t in tasks.items():
        t.add_argument("--steps", type=int, default=300)
        t.add_argument("--lr", type=float, default=1e-4)
        t.add_argument("--width", type=int, default=1024 if name == "video" else 256)
        t.add_argument("--depth", type=int, default=3)
        t.add_argument("--first-omega", type=float, default=3000.0 if name == "audio" else 30.0)
        t.add_argument("--hidden-omega", type=float, default=30.0)
        t.add_argument("--seed", type=int, default=0)
        t.add_argument("--threads", type=int, default=2)
        t.add_argument("--out", default=None, help="prefix of an output image (poisson, edit)")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    result, seconds = {"poisson": poisson, "edit": edit, "audio": audio, "video": video}[args.task](args)
    result.update(steps=args.steps, seconds=round(seconds, 1),
                  seconds_per_step=round(seconds / max(args.steps, 1), 3))
    print("result: " + " ".join("%s=%.5g" % (k, v) if isinstance(v, float) else "%s=%s" % (k, v)
                                for k, v in result.items()))


if __name__ == "__main__":
    main()
