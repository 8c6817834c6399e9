#!/usr/bin/env python3
"""fit_image.py - fit an image with a SIREN from Python, then look at its
gradient and Laplacian.

Notebook style: each "# %%" cell runs on its own in Jupyter or VS Code,
top to bottom; as a script it runs them all:

    python3 python/examples/fit_image.py                      # data/camera.pgm, 256x256
    python3 python/examples/fit_image.py --size 64 --steps 200 --width 64
    python3 python/examples/fit_image.py --image photo.pgm --out results

Without --image and without data/camera.pgm it fits a generated image.
Writes OUT/fit_image_py_{target,fit,gradient,laplacian}.pgm and the model
OUT/fit_image_py.siren (OUT defaults to out/).
"""

# %% Settings
import argparse
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
try:
    import siren
except ImportError:  # not installed: use the package in this checkout
    sys.path.insert(0, os.path.join(ROOT, "python"))
    import siren

parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
parser.add_argument("--image", help="an 8-bit binary PGM (P5); default data/camera.pgm")
parser.add_argument("--size", type=int, default=256, help="fit SIZE x SIZE pixels (default 256)")
parser.add_argument("--steps", type=int, default=500, help="full-batch Adam steps (500)")
parser.add_argument("--width", type=int, default=256, help="hidden features (256)")
parser.add_argument("--layers", type=int, default=3, help="hidden layers after the first (3)")
parser.add_argument("--lr", type=float, default=1e-4, help="Adam learning rate (1e-4)")
parser.add_argument("--seed", type=int, default=1, help="initialisation seed (1)")
parser.add_argument("--threads", type=int, default=None, help="threads (default: all CPUs)")
parser.add_argument("--out", default="out", help="output directory (out)")
args, _ = parser.parse_known_args()  # known only: a notebook kernel adds its own


# %% The image: pixels in [-1, 1] at coordinates in [-1, 1]^2
def read_pgm(path):
    """An 8-bit binary PGM as a uint8 array (rows, columns)."""
    with open(path, "rb") as f:
        data = f.read()
    fields, position = [], 0
    while len(fields) < 4:  # magic, width, height, maxval; '#' starts a comment
        while data[position:position + 1].isspace():
            position += 1
        if data[position:position + 1] == b"#":
            position = data.index(b"\n", position)
            continue
        end = position
        while not data[end:end + 1].isspace():
            end += 1
        fields.append(data[position:end])
        position = end
    if fields[0] != b"P5" or int(fields[3]) > 255:
        raise ValueError("%s: only 8-bit binary PGM (P5) is read" % path)
    width, height = int(fields[1]), int(fields[2])
    pixels = np.frombuffer(data, dtype=np.uint8, count=width * height, offset=position + 1)
    return pixels.reshape(height, width)


def write_pgm(path, image):
    """A float image, its 1st to 99th percentile stretched to 0..255."""
    low, high = np.percentile(image, [1, 99])
    scaled = np.clip((image - low) / max(high - low, 1e-12), 0, 1) * 255 + 0.5
    with open(path, "wb") as f:
        f.write(b"P5\n%d %d\n255\n" % (image.shape[1], image.shape[0]))
        f.write(scaled.astype(np.uint8).tobytes())


def generated_image(side):
    """Smooth blobs, a disk, a straight edge and stripes, in [0, 255]."""
    u = (np.arange(side) + 0.5) / side * 2 - 1
    y, x = np.meshgrid(u, u, indexing="ij")
    image = np.exp(-((x + 0.3) ** 2 + (y + 0.4) ** 2) / 0.2)
    image += 0.8 * (((x - 0.35) ** 2 + (y - 0.3) ** 2) < 0.1)
    image -= 0.5 * (x + 0.6 * y > 0.7)
    image += 0.3 * np.sin(12 * x + 4 * y) * (y > 0.2)
    return 255 * (image - image.min()) / (image.max() - image.min())


def shrink(image, side):
    """Box-filter an image whose sides are multiples of `side` to side x side."""
    rows, cols = image.shape
    if rows % side or cols % side:
        raise SystemExit("fit_image.py: %dx%d does not shrink evenly to %dx%d"
                         % (cols, rows, side, side))
    return image.reshape(side, rows // side, side, cols // side).mean(axis=(1, 3))


path = args.image or os.path.join(ROOT, "data", "camera.pgm")
if os.path.exists(path):
    pixels = shrink(read_pgm(path).astype(np.float64), args.size)
    print("image: %s, fitted at %dx%d" % (path, args.size, args.size))
else:
    if args.image:
        raise SystemExit("fit_image.py: cannot read %s" % args.image)
    pixels = generated_image(args.size)
    print("image: generated %dx%d (no %s)" % (args.size, args.size, path))
target = (pixels / 127.5 - 1.0).astype(np.float32)[..., None]   # (rows, cols, 1)
u = np.linspace(-1, 1, args.size, dtype=np.float32)
coords = np.stack(np.meshgrid(u, u, indexing="ij"), axis=-1)     # (rows, cols, 2)


# %% The network: the paper's image SIREN (2 -> 256 x 4 -> 1, omega 30)
net = siren.Network(hidden_features=args.width, hidden_layers=args.layers, seed=args.seed)
ws = siren.Workspace(net, max_points=args.size ** 2, what="value", threads=args.threads)
opt = siren.Adam(net, lr=args.lr)
print("network: %d parameters; workspace %.1f MB, %d threads"
      % (net.param_count, ws.nbytes / 1e6, ws.threads))


# %% Training: full batch, mean squared error; PSNR with pixels in [-1, 1]
def psnr(mse):
    return 10 * np.log10(4.0 / mse)


start = time.time()
report_every = max(1, args.steps // 10)
first = None
for step in range(1, args.steps + 1):
    net.zero_grad()
    fit = ws.forward(coords).value
    error = fit - target
    mse = float(np.mean(error ** 2))
    first = psnr(mse) if first is None else first
    ws.backward(value=2.0 * error / error.size)   # d(mean squared error)/d(fit)
    opt.step()
    if step % report_every == 0 or step == args.steps:
        elapsed = time.time() - start
        eta = elapsed / step * (args.steps - step)
        print("step %5d/%d  PSNR %6.2f dB  %6.1f s  ETA %5.1f s"
              % (step, args.steps, psnr(mse), elapsed, eta), flush=True)


# %% The fit, its gradient magnitude and its Laplacian (exact, from the jets)
jet = net.eval(coords, ("value", "gradient", "laplacian"), threads=args.threads)
final = psnr(float(np.mean((jet.value - target) ** 2)))
print("PSNR %.2f dB at the start, %.2f dB after %d steps" % (first, final, args.steps))
os.makedirs(args.out, exist_ok=True)
images = {"target": target[..., 0], "fit": jet.value[..., 0],
          "gradient": np.linalg.norm(jet.gradient[..., 0, :], axis=-1),
          "laplacian": jet.laplacian[..., 0]}
for name, image in images.items():
    write_pgm(os.path.join(args.out, "fit_image_py_%s.pgm" % name), image)
net.save(os.path.join(args.out, "fit_image_py.siren"))
print("wrote %s/fit_image_py_{%s}.pgm and fit_image_py.siren"
      % (args.out, ",".join(images)))
