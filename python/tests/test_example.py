"""python/examples/fit_image.py runs (small settings) and fits its image."""

import os
import re
import subprocess
import sys

import siren

HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLE = os.path.join(os.path.dirname(HERE), "examples", "fit_image.py")


def test_fit_image_example(tmp_path):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.path.dirname(os.path.dirname(os.path.abspath(siren.__file__)))
    result = subprocess.run(
        [sys.executable, EXAMPLE, "--size", "32", "--steps", "60", "--width", "32",
         "--lr", "1e-3", "--threads", "2", "--out", str(tmp_path)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, timeout=120)
    out = result.stdout.decode()
    assert result.returncode == 0, out
    found = re.search(r"PSNR ([\d.]+) dB at the start, ([\d.]+) dB after 60 steps", out)
    assert found, out
    assert float(found.group(2)) > float(found.group(1)) + 10.0, out
    for name in ("target", "fit", "gradient", "laplacian"):
        data = (tmp_path / ("fit_image_py_%s.pgm" % name)).read_bytes()
        assert data.startswith(b"P5\n32 32\n255\n") and len(data) == 13 + 32 * 32
    net = siren.Network.load(tmp_path / "fit_image_py.siren")
    assert net.config.hidden_features == 32
