#!/usr/bin/python3
"""PyTorch parity of libsiren's evaluation (issue 2).

For each architecture below a reference-semantics PyTorch SIREN (float32,
tests/lib/torch_siren.py) is built, its parameters are copied into a libsiren
network with a plain copy of the flat array (the layout promise of
include/siren.h), and both evaluate the same random points in [-1, 1]^D:

  value          y                         torch: the forward pass
  gradient       dy_j/dx_k                 torch: autograd.grad of each output
  hessian_diag   d2y_j/dx_k^2              torch: autograd.grad of each gradient
                                                  component (create_graph)
  laplacian      sum_k d2y_j/dx_k^2        torch: sum of the Hessian diagonal

libsiren computes all four with forward-mode jets in one siren_eval.

Metric: for each quantity separately, max|libsiren - torch| / max|torch|,
which must be <= 1e-4. The error is measured against the largest entry of
the quantity, not entry by entry: both sides round in float32 in different
orders, so an entry that is near zero by cancellation carries an absolute
error of the size of its terms and would make an entrywise relative error
meaningless. 1e-4 is about 1000 float32 ulps of the largest entry, far below
any real error (a wrong sign, omega or term moves it to O(1)).

Also checked: siren_net_init draws every layer inside the reference bounds
and fills them (libsiren's generator is its own, so the values differ from
torch's; the distributions must not), and the weighted Laplacian with
weights (1, -c^2, -c^2) for D = 3 against torch's Hessian diagonal.

Run by `make check` with SIREN_LIBRARY set; prints ok/FAIL/SKIP lines.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_siren as ts  # noqa: E402  (after the path is set)

np = ts.np  # None without numpy: main() then reports the skip

TOLERANCE = 1e-4
POINTS = 200

# (in, width, hidden_layers, out, first_omega, hidden_omega, outermost_linear)
ARCHITECTURES = [
    (1, 8, 0, 1, 30, 30, True),
    (2, 32, 1, 1, 30, 30, True),
    (3, 32, 3, 3, 30, 30, True),
    (2, 256, 3, 1, 30, 30, True),     # the paper's image SIREN
    (3, 256, 1, 3, 10, 20, False),
    (1, 32, 3, 3, 10, 20, False),
    (2, 8, 0, 1, 10, 20, False),
    (3, 8, 1, 1, 30, 30, False),
    (2, 32, 3, 3, 10, 20, True),
]


def arch_of(spec):
    d, width, hidden, out, w0, w, linear = spec
    return ts.Arch(d, width, hidden, out, w0, w, linear)


def arch_name(spec):
    d, width, hidden, out, w0, w, linear = spec
    return "in%d_w%d_h%d_out%d_omega%d_%d_%s" % (
        d, width, hidden, out, w0, w, "linear" if linear else "sine")


def torch_quantities(model, points, weights=None):
    """value, gradient, laplacian, hessian_diag of the torch model, numpy."""
    x = ts.torch.tensor(points, requires_grad=True)
    value, gradient, hessian = ts.input_derivatives(model, x)
    c = ts.torch.ones(points.shape[1]) if weights is None else ts.torch.tensor(weights)
    laplacian = (hessian * c).sum(dim=-1)
    return {"value": value.detach().numpy(), "gradient": gradient.detach().numpy(),
            "laplacian": laplacian.detach().numpy(),
            "hessian_diag": hessian.detach().numpy()}


def make_eval_test(lib, spec, seed):
    def test():
        arch = arch_of(spec)
        model = ts.TorchSiren(arch, seed)
        rng = np.random.default_rng(seed)
        points = ts.random_points(rng, POINTS, arch.in_features)
        want = torch_quantities(model, points)
        with ts.Net(lib, arch) as net, ts.Workspace(net, POINTS) as ws:
            net.load(model.flat_parameters())
            got = ws.eval(points)
            for name in ("value", "gradient", "laplacian", "hessian_diag"):
                ts.assert_close("%s (%s)" % (name, arch), got[name], want[name], TOLERANCE)
            # A batch of one point takes the same path as a single query.
            single = ws.eval(points[:1])
            ts.assert_close("value of one point", single["value"], want["value"][:1],
                            TOLERANCE)
    return test


def check_layer_bounds(label, arch, layers):
    """Every layer inside its reference bounds, and filling them: a uniform
    draw's extremes lie near the bounds and its spread is bound/sqrt(3)."""
    for index, ((weight, bias), (wb, bb)) in enumerate(zip(layers, ts.reference_bounds(arch))):
        for kind, values, bound in (("weight", weight, wb), ("bias", bias, bb)):
            values = np.asarray(values, dtype=np.float64)
            top = float(np.max(np.abs(values)))
            where = "%s layer %d %s (%d values, bound %.4g)" % (label, index, kind,
                                                               values.size, bound)
            if top > bound * (1 + 1e-6):
                raise AssertionError("%s: max |value| %.6g exceeds the bound" % (where, top))
            if values.size >= 64 and top < 0.9 * bound:
                raise AssertionError("%s: max |value| %.6g does not fill it" % (where, top))
            if values.size >= 4096:
                spread = float(np.std(values)) / (bound / np.sqrt(3.0))
                mean = float(np.mean(values)) / bound
                if abs(spread - 1.0) > 0.03 or abs(mean) > 0.03:
                    raise AssertionError("%s: std/(bound/sqrt 3) %.4f, mean/bound %.4f"
                                         % (where, spread, mean))


def make_init_test(lib):
    def test():
        for spec in ((2, 256, 3, 1, 30, 30, True), (3, 256, 1, 3, 10, 20, False),
                     (1, 8, 0, 1, 30, 30, True)):
            arch = arch_of(spec)
            # The reference itself must satisfy what it is the reference for.
            model = ts.TorchSiren(arch, 7)
            check_layer_bounds("torch " + arch_name(spec), arch,
                               [(m.weight.detach().numpy(), m.bias.detach().numpy())
                                for m in model.modules() if isinstance(m, ts.nn.Linear)])
            with ts.Net(lib, arch) as net:
                net.init(12345)
                check_layer_bounds("libsiren " + arch_name(spec), arch, net.layers())
                first = net.params.copy()
                net.init(12345)
                if not np.array_equal(first, net.params):
                    raise AssertionError("siren_net_init is not deterministic for a seed")
                net.init(12346)
                if np.array_equal(first, net.params):
                    raise AssertionError("seeds 12345 and 12346 gave the same parameters")
    return test


def make_weighted_laplacian_test(lib):
    def test():
        spec = (3, 32, 2, 2, 30, 30, True)
        arch = arch_of(spec)
        c = 0.7
        weights = np.array([1.0, -c * c, -c * c], dtype=np.float32)
        model = ts.TorchSiren(arch, 11)
        points = ts.random_points(np.random.default_rng(11), POINTS, 3)
        want = torch_quantities(model, points, weights)
        with ts.Net(lib, arch) as net, ts.Workspace(net, POINTS) as ws:
            net.load(model.flat_parameters())
            ws.set_laplacian_weights(weights)
            # Both routes to the weighted Laplacian: its own channel, and the
            # weighted sum of the Hessian diagonal.
            for quantities in (("laplacian",), ("value", "laplacian", "hessian_diag")):
                got = ws.eval(points, quantities)
                ts.assert_close("weighted laplacian from %s" % "+".join(quantities),
                                got["laplacian"], want["laplacian"], TOLERANCE)
            got = ws.eval(points)
            ts.assert_close("hessian_diag (not weighted)", got["hessian_diag"],
                            want["hessian_diag"], TOLERANCE)
            ws.set_laplacian_weights(None)  # back to the plain Laplacian
            plain = torch_quantities(model, points)
            ts.assert_close("laplacian after resetting the weights",
                            ws.eval(points, ("laplacian",))["laplacian"],
                            plain["laplacian"], TOLERANCE)
    return test


def make_tests(lib):
    tests = [("eval_" + arch_name(spec), lib and make_eval_test(lib, spec, 100 + i))
             for i, spec in enumerate(ARCHITECTURES)]
    tests.append(("init_bounds", lib and make_init_test(lib)))
    tests.append(("weighted_laplacian_in3", lib and make_weighted_laplacian_test(lib)))
    return tests


def main():
    return ts.run_with_library(make_tests, __file__)


if __name__ == "__main__":
    sys.exit(main())
