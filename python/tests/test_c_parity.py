"""The Python path gives bit-identical results to the C path.

c_reference.c does init, a full evaluation and 4 Adam steps through the C
API; the same computation through the package must give the same bits
(same library, same order of operations, and libsiren is deterministic for
any thread count)."""

import os
import shutil
import subprocess

import numpy as np
import pytest

import siren

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
ALL = ("value", "gradient", "laplacian", "hessian_diag")


@pytest.fixture(scope="module")
def c_reference(tmp_path_factory):
    cc = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")
    if not cc:
        pytest.skip("no C compiler to build c_reference.c")
    library = os.path.realpath(siren.library_path())
    if not os.path.isabs(library):
        pytest.skip("libsiren was loaded by name (%s), not from a path" % library)
    exe = str(tmp_path_factory.mktemp("c") / "c_reference")
    command = [cc, "-std=c11", "-Wall", "-Wextra", "-Werror", "-I" + os.path.join(ROOT, "include"),
               os.path.join(HERE, "c_reference.c"), "-o", exe, library,
               "-Wl,-rpath," + os.path.dirname(library)]
    subprocess.run(command, check=True)
    return exe


def points(n, d):
    i, k = np.meshgrid(np.arange(n), np.arange(d), indexing="ij")
    return (((7 * i + 3 * k) % 17).astype(np.float32) / np.float32(8.0)
            - np.float32(1.0)).astype(np.float32)


@pytest.mark.parametrize("d,o,width,layers,seed", [(2, 1, 32, 2, 42), (3, 2, 16, 1, 7)])
def test_python_equals_c_bit_for_bit(c_reference, d, o, width, layers, seed):
    n, steps = 37, 4
    raw = subprocess.run([c_reference] + [str(v) for v in (d, o, width, layers, seed, n, steps)],
                         check=True, stdout=subprocess.PIPE).stdout
    c = np.frombuffer(raw, dtype=np.float32)
    net = siren.Network(in_features=d, out_features=o, hidden_features=width,
                        hidden_layers=layers, seed=seed)
    count = net.param_count
    sizes = [count, n * o, n * o * d, n * o, n * o * d, count]
    assert c.size == sum(sizes)
    parts = np.split(c, np.cumsum(sizes)[:-1])
    np.testing.assert_array_equal(net.params, parts[0])
    x = points(n, d)
    jet = net.eval(x, ALL)
    for name, part in zip(ALL, parts[1:5]):
        np.testing.assert_array_equal(jet[name].ravel(), part, err_msg=name)
    ws = siren.Workspace(net, n, ALL)
    opt = siren.Adam(net, lr=1e-3)
    for _ in range(steps):
        net.zero_grad()
        out = ws.forward(x, ("value", "laplacian"))
        ws.backward(value=out.value - np.float32(0.5),
                    laplacian=np.float32(0.01) * out.laplacian)
        opt.step()
    np.testing.assert_array_equal(net.params, parts[5])
    assert not np.array_equal(parts[5], parts[0])     # training moved them
