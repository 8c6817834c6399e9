"""Training: forward/backward, Adam, checkpoints."""

import numpy as np
import pytest

import siren


def fit(net, ws, opt, x, target, steps):
    losses = []
    for _ in range(steps):
        net.zero_grad()
        y = ws.forward(x).value
        losses.append(float(((y - target) ** 2).mean()))
        ws.backward(value=2.0 * (y - target) / y.size)
        opt.step()
    return losses


def test_a_fit_reduces_the_loss(rng):
    net = siren.Network(hidden_features=32, hidden_layers=2, seed=2)
    x = rng.uniform(-1, 1, (8, 16, 2)).astype(np.float32)
    target = np.sin(3.0 * x[..., :1]) * np.cos(2.0 * x[..., 1:])
    ws = siren.Workspace(net, 128)
    opt = siren.Adam(net, lr=1e-3)
    losses = fit(net, ws, opt, x, target, 60)
    assert losses[-1] < 0.01 * losses[0]
    assert opt.step_count == 60 and abs(opt.lr - 1e-3) < 1e-9
    opt.set_lr(0.0)                                # a zero rate freezes the network
    before = net.params.copy()
    fit(net, ws, opt, x, target, 1)
    np.testing.assert_array_equal(net.params, before)


def test_backward_accumulates_and_checks_shapes(small_net, rng):
    x = rng.uniform(-1, 1, (10, 2))
    ws = siren.Workspace(small_net, 10, ("value", "laplacian"))
    with pytest.raises(siren.StateError):
        ws.backward(value=np.ones((10, 1)))        # no forward yet
    ws.forward(x)
    small_net.zero_grad()
    ws.backward(value=np.ones((10, 1)), laplacian=np.full((10, 1), 0.5))
    once = small_net.grads.copy()
    assert np.abs(once).max() > 0
    ws.backward(value=np.ones((10, 1)), laplacian=np.full((10, 1), 0.5))
    np.testing.assert_allclose(small_net.grads, 2 * once, rtol=1e-6, atol=0)
    with pytest.raises(ValueError, match=r"\(10, 1\)"):
        ws.backward(value=np.ones((10,)))
    with pytest.raises(siren.StateError):
        ws.backward(gradient=np.ones((10, 1, 2)))  # the forward computed no gradient


def test_backward_matches_finite_differences(rng):
    """d/dp of L = sum(value * u) + sum(laplacian * v) for a few parameters."""
    net = siren.Network(hidden_features=12, hidden_layers=1, first_omega=3.0,
                        hidden_omega=3.0, seed=4)
    x = rng.uniform(-1, 1, (6, 2))
    u, v = rng.normal(size=(6, 1)), rng.normal(size=(6, 1))

    def loss():
        jet = net.eval(x, ("value", "laplacian"))
        return float((jet.value * u).sum() + (jet.laplacian * v).sum())
    ws = siren.Workspace(net, 6, ("value", "laplacian"))
    ws.forward(x)
    net.zero_grad()
    ws.backward(value=u, laplacian=v)
    grads = net.grads.copy()
    params = net.params
    for index in (0, 5, 40, net.param_count - 1):
        saved, h = params[index], 1e-2
        params[index] = saved + h
        up = loss()
        params[index] = saved - h
        down = loss()
        params[index] = saved
        assert abs((up - down) / (2 * h) - grads[index]) <= 2e-2 * max(1.0, abs(grads[index]))


def test_checkpoints_resume_exactly(tmp_path, rng):
    x = rng.uniform(-1, 1, (64, 2)).astype(np.float32)
    target = np.sin(4.0 * x[:, :1])
    net = siren.Network(hidden_features=16, hidden_layers=1, seed=9)
    ws = siren.Workspace(net, 64)
    opt = siren.Adam(net, lr=1e-3, betas=(0.8, 0.99), weight_decay=0.01, clip_grad_norm=1.0)
    fit(net, ws, opt, x, target, 5)
    path = tmp_path / "run.ckpt"
    siren.save_checkpoint(path, net, opt)
    data = siren.checkpoint_to_bytes(net, opt)
    assert data == path.read_bytes()
    fit(net, ws, opt, x, target, 5)
    for resumed_net, resumed_opt in (siren.load_checkpoint(path),
                                     siren.checkpoint_from_bytes(data)):
        assert resumed_opt.step_count == 5
        assert (resumed_opt.lr, resumed_opt.betas, resumed_opt.weight_decay,
                resumed_opt.clip_grad_norm, resumed_opt.eps) == (opt.lr, opt.betas, opt.weight_decay,
                                                                 opt.clip_grad_norm, opt.eps)
        assert resumed_opt.lr == np.float32(1e-3) and resumed_opt.betas[0] == np.float32(0.8)
        fit(resumed_net, siren.Workspace(resumed_net, 64), resumed_opt, x, target, 5)
        assert resumed_opt.step_count == 10
        np.testing.assert_array_equal(resumed_net.params, net.params)


def test_a_nan_gradient_is_refused_and_changes_nothing(small_net):
    opt = siren.Adam(small_net, lr=1e-3)
    before = small_net.params.copy()
    small_net.grads[3] = np.nan
    with pytest.raises(siren.NonFiniteError) as caught:
        opt.step()
    assert caught.value.status == -8 and isinstance(caught.value, FloatingPointError)
    np.testing.assert_array_equal(small_net.params, before)
    assert opt.step_count == 0


def test_adam_errors(small_net):
    with pytest.raises(siren.InvalidArgumentError):
        siren.Adam(small_net, lr=-1.0)
    with pytest.raises(siren.InvalidArgumentError):
        siren.Adam(small_net, betas=(1.0, 0.999))
    opt = siren.Adam(small_net)
    with pytest.raises(siren.InvalidArgumentError):
        opt.set_lr(float("inf"))
    other = siren.Network(hidden_features=8, hidden_layers=1)
    with pytest.raises(siren.StateError):
        opt.step(net=other)
    opt.close()
    with pytest.raises(ValueError, match="closed"):
        opt.step()
