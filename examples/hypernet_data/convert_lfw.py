#!/usr/bin/python3
"""convert_lfw.py - the face images of examples/hypernet, made from the
LFW subset that scikit-image ships (Debian: apt-get install python3-skimage).

skimage's lfw_subset.npy holds 200 grey 25x25 crops from Labeled Faces in
the Wild (Huang et al.): the first 100 are faces, the other 100 background
patches. This script takes the 100 faces, resizes each to SIZE x SIZE
(bilinear; 32 by default, the resolution of the SIREN paper's face
experiment) and writes them, stacked top to bottom, as one 16-bit binary
PGM of SIZE x (100 * SIZE) pixels: face i is rows i*SIZE .. i*SIZE+SIZE-1.
examples/hypernet reads that file.

The images are not ours to redistribute, so the project never commits the
output: `make` and tests/examples/hypernet.sh make it at run time.

Usage: /usr/bin/python3 convert_lfw.py OUT.pgm [--size N]
Exit status: 0 written; 77 the LFW subset (python3-skimage) is not
installed, so callers can skip; 1 any other error.
"""
import argparse
import os
import sys

UNAVAILABLE = 77
FACES = 100
DEBIAN_PATH = "/usr/lib/python3/dist-packages/skimage/data/lfw_subset.npy"


def fail(message, status=1):
    print("convert_lfw.py: " + message, file=sys.stderr)
    sys.exit(status)


def load_faces():
    """The 100 faces as a float array [100][25][25] in [0, 1]."""
    try:
        import numpy as np
    except ImportError:
        fail("numpy is not installed (apt-get install python3-skimage)", UNAVAILABLE)
    if os.path.exists(DEBIAN_PATH):
        images = np.load(DEBIAN_PATH)
    else:
        try:
            import skimage.data
            images = skimage.data.lfw_subset()
        except Exception as err:  # ImportError, or the file missing from the package
            fail("the LFW subset of scikit-image is not available (%s); "
                 "apt-get install python3-skimage" % err, UNAVAILABLE)
    images = np.asarray(images, dtype=np.float64)
    if images.ndim != 3 or images.shape[0] < FACES:
        fail("unexpected LFW subset shape %s" % (images.shape,))
    if images.max() > 1.0:  # some versions store 0..255
        images = images / 255.0
    return images[:FACES]


def resize(faces, size):
    """Each face resized to size x size by bilinear interpolation."""
    import numpy as np
    if faces.shape[1:] == (size, size):
        return faces
    from skimage.transform import resize as sk_resize
    return np.stack([sk_resize(f, (size, size), order=1, mode="edge", anti_aliasing=False)
                     for f in faces])


def write_pgm16(path, pixels, comment):
    """A binary 16-bit PGM (big-endian samples), written atomically."""
    import numpy as np
    height, width = pixels.shape
    samples = np.clip(np.rint(pixels * 65535.0), 0, 65535).astype(">u2")
    header = "P5\n# %s\n%d %d\n65535\n" % (comment, width, height)
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    tmp = path + ".tmp%d" % os.getpid()
    with open(tmp, "wb") as f:
        f.write(header.encode("ascii"))
        f.write(samples.tobytes())
    os.replace(tmp, path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", help="the PGM file to write")
    parser.add_argument("--size", type=int, default=32, help="side of each face (default 32)")
    args = parser.parse_args()
    if not 4 <= args.size <= 512:
        fail("--size must be from 4 to 512")
    faces = resize(load_faces(), args.size)
    try:
        write_pgm16(args.out, faces.reshape(-1, args.size),
                    "LFW subset (scikit-image lfw_subset.npy), faces 0-99, %dx%d each, "
                    "stacked vertically" % (args.size, args.size))
    except OSError as err:
        fail("%s: %s" % (args.out, err.strerror or err))
    print("wrote %s: %d faces of %dx%d" % (args.out, FACES, args.size, args.size))


if __name__ == "__main__":
    main()
