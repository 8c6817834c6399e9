"""The package against PyTorch: the reference SIREN of tests/lib/torch_siren.py
(autograd, reverse over reverse), parameters copied in through the
package's params view. Tolerances and metric as docs/TESTING.md: 1e-4 for
evaluation and Adam, 1e-3 for parameter gradients, relative to the
largest entry. Skipped when torch is missing (.ci/run installs it)."""

import os
import sys

import numpy as np
import pytest

import siren

torch = pytest.importorskip("torch")
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "lib"))
import torch_siren as ts  # noqa: E402

torch.set_num_threads(1)


def twin(seed=0, **changes):
    """(torch model, siren.Network) of one architecture (2 -> 32 x 3 -> 1,
    omega 30, changed by `changes`) with the same parameters."""
    arch = dict(in_features=2, hidden_features=32, hidden_layers=2, out_features=1,
                first_omega=30.0, hidden_omega=30.0, outermost_linear=True)
    arch.update(changes)
    model = ts.TorchSiren(ts.Arch(**arch), seed)
    net = siren.Network(**arch)
    net.params[:] = model.flat_parameters()
    return model, net


def torch_jet(model, x):
    xt = torch.tensor(x.reshape(-1, x.shape[-1]), requires_grad=True)
    value, gradient, hessian = ts.input_derivatives(model, xt)
    return value, gradient, hessian.sum(-1), hessian


@pytest.mark.parametrize("arch", [
    dict(),
    dict(in_features=3, out_features=2, hidden_features=24, first_omega=10.0,
         hidden_omega=20.0, outermost_linear=False),
])
def test_evaluation_matches_torch(arch, rng):
    model, net = twin(**arch)
    x = rng.uniform(-1, 1, (5, 8, net.in_features)).astype(np.float32)
    jet = net.eval(x, ("value", "gradient", "laplacian", "hessian_diag"))
    for name, want in zip(("value", "gradient", "laplacian", "hessian_diag"),
                          torch_jet(model, x)):
        got = jet[name].reshape(want.shape)
        ts.assert_close(name, got, want.detach().numpy(), 1e-4)


def test_parameter_gradients_match_torch(rng):
    model, net = twin(seed=3, hidden_features=24)
    x = rng.uniform(-1, 1, (40, 2)).astype(np.float32)
    target_value = rng.normal(size=(40, 1)).astype(np.float32)
    target_lap = 100.0 * rng.normal(size=(40, 1)).astype(np.float32)
    value, _, laplacian, _ = torch_jet_graph(model, x)
    loss = ((value - torch.tensor(target_value)) ** 2).mean() + \
        1e-4 * ((laplacian - torch.tensor(target_lap)) ** 2).mean()
    model.zero_grad()
    loss.backward()
    want = model.flat_grads()
    ws = siren.Workspace(net, 40, ("value", "laplacian"))
    net.zero_grad()
    out = ws.forward(x)
    ws.backward(value=2 * (out.value - target_value) / 40,
                laplacian=1e-4 * 2 * (out.laplacian - target_lap) / 40)
    ts.assert_close("d(loss)/d(parameters)", net.grads, want, 1e-3)


def torch_jet_graph(model, x):
    xt = torch.tensor(x, requires_grad=True)
    value, gradient, hessian = ts.input_derivatives(model, xt, create_graph=True)
    return value, gradient, hessian.sum(-1), hessian


def test_adam_matches_torch(rng):
    model, net = twin(seed=5, hidden_features=16, hidden_layers=1)
    start = net.params.copy()
    settings = dict(lr=1e-3, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.05)
    opt = siren.Adam(net, **settings)
    torch_opt = torch.optim.Adam(model.parameters(), **settings)
    for step in range(10):
        grads = rng.normal(size=net.param_count).astype(np.float32)
        net.grads[:] = grads
        opt.step()
        offset = 0
        for p in model.parameters():
            p.grad = torch.tensor(grads[offset:offset + p.numel()]).reshape(p.shape)
            offset += p.numel()
        torch_opt.step()
    ts.assert_close("Adam displacement", net.params - start,
                    model.flat_parameters() - start, 1e-4)
