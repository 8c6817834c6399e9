"""The PyTorch bridge (siren.torch_bridge): SIRENs built here in PyTorch
with the key names and conventions of the official SIREN code
(SingleBVPNet / FCBlock, and its notebook's Siren of SineLayers) and of
lucidrains' siren-pytorch (SirenNet), loaded with Network.from_torch, agree
with PyTorch autograd (float64) in values, input gradients and Laplacians
to 1e-5 relative; conventions that differ are refused naming the layer;
to_torch and python -m siren.convert round-trip. Skipped without torch."""

import json
import math
import os
import subprocess
import sys

import numpy as np
import pytest

import siren

torch = pytest.importorskip("torch")
nn = torch.nn
RELATIVE = 1e-5


# ---------------------------------------------- PyTorch SIRENs, as in the wild

def sine_init(layers, first_omega, hidden_omega):
    """The paper's initialisation, layer by layer."""
    with torch.no_grad():
        for i, linear in enumerate(layers):
            n = linear.weight.shape[1]
            bound = 1.0 / n if i == 0 else math.sqrt(6.0 / n) / hidden_omega
            linear.weight.uniform_(-bound, bound)
            linear.bias.uniform_(-1 / math.sqrt(n), 1 / math.sqrt(n))


class Sine(nn.Module):
    """The official code's Sine: sin(30 x), the 30 written in."""

    def forward(self, x):
        return torch.sin(30 * x)


class FCBlock(nn.Module):
    """The official FCBlock's layout: net = Sequential(Sequential(Linear,
    Sine), ..., Sequential(Linear)); keys net.0.0.weight ..."""

    def __init__(self, in_features, out_features, num_hidden_layers, hidden_features,
                 outermost_linear=True):
        super().__init__()
        blocks = [nn.Sequential(nn.Linear(in_features, hidden_features), Sine())]
        blocks += [nn.Sequential(nn.Linear(hidden_features, hidden_features), Sine())
                   for _ in range(num_hidden_layers)]
        last = nn.Linear(hidden_features, out_features)
        blocks.append(nn.Sequential(last) if outermost_linear else nn.Sequential(last, Sine()))
        self.net = nn.Sequential(*blocks)
        sine_init([b[0] for b in self.net], 30.0, 30.0)

    def forward(self, coords):
        return self.net(coords)


class SingleBVPNet(nn.Module):
    """The official SingleBVPNet(type='sine'): net = FCBlock, a dict in and
    out; keys net.net.0.0.weight ..."""

    def __init__(self, out_features=1, in_features=2, hidden_features=256, num_hidden_layers=3):
        super().__init__()
        self.mode = "mlp"
        self.net = FCBlock(in_features, out_features, num_hidden_layers, hidden_features)

    def forward(self, model_input):
        coords = model_input["coords"].clone().detach().requires_grad_(True)
        return {"model_in": coords, "model_out": self.net(coords)}


class SineLayer(nn.Module):
    """The official notebook's SineLayer: sin(omega_0 * linear(x))."""

    def __init__(self, in_features, out_features, omega_0):
        super().__init__()
        self.omega_0 = omega_0
        self.linear = nn.Linear(in_features, out_features)

    def forward(self, x):
        return torch.sin(self.omega_0 * self.linear(x))


class NotebookSiren(nn.Module):
    """The official notebook's Siren: keys net.0.linear.weight, ...,
    net.N.weight for a linear last layer."""

    def __init__(self, in_features, hidden_features, hidden_layers, out_features,
                 outermost_linear=False, first_omega_0=30.0, hidden_omega_0=30.0):
        super().__init__()
        layers = [SineLayer(in_features, hidden_features, first_omega_0)]
        layers += [SineLayer(hidden_features, hidden_features, hidden_omega_0)
                   for _ in range(hidden_layers)]
        if outermost_linear:
            layers.append(nn.Linear(hidden_features, out_features))
        else:
            layers.append(SineLayer(hidden_features, out_features, hidden_omega_0))
        self.net = nn.Sequential(*layers)
        linears = [l.linear if isinstance(l, SineLayer) else l for l in self.net]
        sine_init(linears, first_omega_0, hidden_omega_0)

    def forward(self, coords):
        return self.net(coords)


class LucidSine(nn.Module):
    def __init__(self, w0=1.0):
        super().__init__()
        self.w0 = w0

    def forward(self, x):
        return torch.sin(self.w0 * x)


class LucidSiren(nn.Module):
    """lucidrains' Siren layer: weight and bias on the layer itself, the
    activation a child (Sine(w0) unless given)."""

    def __init__(self, dim_in, dim_out, w0=1.0, is_first=False, use_bias=True, activation=None):
        super().__init__()
        bound = (1 / dim_in) if is_first else (math.sqrt(6.0 / dim_in) / w0)
        self.weight = nn.Parameter(torch.empty(dim_out, dim_in).uniform_(-bound, bound))
        self.bias = nn.Parameter(torch.empty(dim_out).uniform_(-bound, bound)) if use_bias \
            else None
        self.activation = LucidSine(w0) if activation is None else activation

    def forward(self, x):
        return self.activation(nn.functional.linear(x, self.weight, self.bias))


class LucidSirenNet(nn.Module):
    """lucidrains' SirenNet (recent layout): layers.0 ... then last_layer;
    hidden w0 defaults to 1, the first layer's to 30; the last layer's
    activation is final_activation (identity when None)."""

    def __init__(self, dim_in, dim_hidden, dim_out, num_layers, w0=1.0, w0_initial=30.0,
                 use_bias=True, final_activation=None):
        super().__init__()
        self.layers = nn.ModuleList(
            LucidSiren(dim_in if i == 0 else dim_hidden, dim_hidden,
                       w0_initial if i == 0 else w0, i == 0, use_bias)
            for i in range(num_layers))
        self.last_layer = LucidSiren(dim_hidden, dim_out, w0, use_bias=use_bias,
                                     activation=final_activation or nn.Identity())

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return self.last_layer(x)


# ------------------------------------------------------------- comparing

def torch_jets(function, x, out_features):
    """Values, input gradients and Laplacians by autograd, float64."""
    x = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    y = function(x)
    gradients, laplacians = [], []
    for j in range(out_features):
        (g,) = torch.autograd.grad(y[:, j].sum(), x, create_graph=True)
        lap = torch.zeros(x.shape[0], dtype=torch.float64)
        for k in range(x.shape[1]):
            (h,) = torch.autograd.grad(g[:, k].sum(), x, retain_graph=True)
            lap = lap + h[:, k]
        gradients.append(g.detach())
        laplacians.append(lap.detach())
    return (y.detach().numpy(), torch.stack(gradients, 1).numpy(),
            torch.stack(laplacians, 1).numpy())


def assert_agrees(net, function, in_features, rng, n=40):
    x = rng.uniform(-1, 1, (n, in_features))
    value, gradient, laplacian = torch_jets(function, x, net.out_features)
    jet = net.eval(x.astype(np.float32), ("value", "gradient", "laplacian"))
    for name, got, want in (("value", jet.value, value), ("gradient", jet.gradient, gradient),
                            ("laplacian", jet.laplacian, laplacian)):
        error = np.max(np.abs(got - want)) / np.max(np.abs(want))
        assert error <= RELATIVE, "%s: relative error %.2e" % (name, error)


def double(module):
    """A float64 copy of module (the reference), the original untouched."""
    import copy
    return copy.deepcopy(module).double()


# ----------------------------------------------------------------- loading

def test_official_single_bvp_net_state_dict_and_module(rng):
    torch.manual_seed(1)
    model = SingleBVPNet(out_features=1, in_features=2, hidden_features=32, num_hidden_layers=2)
    keys = list(model.state_dict())
    assert keys[0] == "net.net.0.0.weight" and keys[-1] == "net.net.3.0.bias"
    reference = double(model)
    for source in (model.state_dict(), model):        # parameters that require grad: fine
        net = siren.Network.from_torch(source)
        assert net.config == siren.Config(2, 1, 32, 2, 30.0, 30.0, True)
        # (its forward detaches the coordinates: autograd goes through its FCBlock)
        assert_agrees(net, reference.net, 2, rng)


def test_official_fcblock_with_a_sine_last_layer(rng):
    torch.manual_seed(2)
    model = FCBlock(3, 2, 1, 24, outermost_linear=False)
    net = siren.Network.from_torch(model, outermost_linear=False)
    assert net.config.outermost_linear is False and net.config.in_features == 3
    assert_agrees(net, double(model), 3, rng)
    with pytest.raises(ValueError, match=r"output is not its last layer 'net\.2\.0'.*"
                                         r"outermost_linear=False"):
        siren.Network.from_torch(model)                # the default: a linear last layer


def test_official_notebook_siren(rng):
    torch.manual_seed(3)
    model = NotebookSiren(2, 32, 2, 1, outermost_linear=True, first_omega_0=30.0,
                          hidden_omega_0=30.0)
    assert list(model.state_dict())[:1] == ["net.0.linear.weight"]
    assert list(model.state_dict())[-1] == "net.3.bias"
    net = siren.Network.from_torch(model)
    assert_agrees(net, double(model), 2, rng)


def test_lucidrains_siren_net_with_its_omegas(rng):
    torch.manual_seed(4)
    model = LucidSirenNet(2, 32, 1, num_layers=3, w0=1.0, w0_initial=30.0)
    assert list(model.state_dict())[-2:] == ["last_layer.weight", "last_layer.bias"]
    with pytest.raises(ValueError) as refused:       # the default hidden omega is 30, not 1
        siren.Network.from_torch(model)
    assert "'layers.1'" in str(refused.value) and "hidden_omega=30" in str(refused.value)
    assert "w0 = 1" in str(refused.value)
    net = siren.Network.from_torch(model, first_omega=30.0, hidden_omega=1.0)
    assert net.config.hidden_layers == 2 and net.config.hidden_omega == 1.0
    assert_agrees(net, double(model), 2, rng)


def test_lucidrains_without_biases_and_with_a_sine_last_layer(rng):
    torch.manual_seed(5)
    model = LucidSirenNet(2, 16, 2, num_layers=2, w0=30.0, use_bias=False,
                          final_activation=LucidSine(30.0))
    net = siren.Network.from_torch(model, outermost_linear=False)
    assert all(not b.any() for _, b in net.layers())
    assert_agrees(net, double(model), 2, rng)


def test_a_final_activation_libsiren_lacks_is_refused():
    torch.manual_seed(6)
    model = LucidSirenNet(2, 16, 3, num_layers=2, w0=30.0, final_activation=nn.Sigmoid())
    with pytest.raises(ValueError, match=r"'last_layer'"):
        siren.Network.from_torch(model)
    with pytest.raises(ValueError, match=r"'last_layer'"):
        siren.Network.from_torch(model, outermost_linear=False)


# ------------------------------------------------------------- refusals

def test_shapes_and_order_are_checked_naming_the_layer():
    torch.manual_seed(7)
    state = SingleBVPNet(hidden_features=16, num_hidden_layers=2).state_dict()
    transposed = dict(state)
    transposed["net.net.0.0.weight"] = state["net.net.0.0.weight"].t()
    with pytest.raises(ValueError, match=r"'net\.net\.0\.0'.*transposed"):
        siren.Network.from_torch(transposed)
    shuffled = dict(reversed(list(state.items())))
    with pytest.raises(ValueError, match="out of order"):
        siren.Network.from_torch(shuffled)
    narrow = dict(state)
    narrow["net.net.1.0.weight"] = torch.zeros(8, 16)
    narrow["net.net.1.0.bias"] = torch.zeros(8)
    with pytest.raises(ValueError, match=r"'net\.net\.2\.0'.*takes 16 inputs.*gives 8"):
        siren.Network.from_torch(narrow)
    extra = dict(state)
    extra["rbf_layer.centres"] = torch.zeros(4, 2)
    with pytest.raises(ValueError, match="rbf_layer.centres"):
        siren.Network.from_torch(extra)
    with pytest.raises(ValueError, match="at least two"):
        siren.Network.from_torch({"w.weight": torch.zeros(3, 2), "w.bias": torch.zeros(3)})
    with pytest.raises(TypeError):
        siren.Network.from_torch([1, 2, 3])


def test_ten_layers_out_of_text_order_are_refused():
    torch.manual_seed(8)
    model = FCBlock(2, 1, 9, 8)                         # net.0 ... net.10
    state = model.state_dict()
    as_text = {k: state[k] for k in sorted(state)}      # net.10 sorts before net.2
    with pytest.raises(ValueError, match=r"'net\.2\.0' comes after layer 'net\.10\.0'"):
        siren.Network.from_torch(as_text)
    assert siren.Network.from_torch(state).config.hidden_layers == 9


def test_a_transposed_square_layer_is_caught_by_running_the_module():
    """A layer that keeps its weight as (in, out) and computes x @ W: with
    a square weight the state_dict's shapes fit (nothing to see there), but
    running the module shows the layer computes something else."""
    class InOutLinear(nn.Module):
        def __init__(self, n):
            super().__init__()
            self.weight = nn.Parameter(torch.empty(n, n).uniform_(-0.1, 0.1))
            self.bias = nn.Parameter(torch.zeros(n))

        def forward(self, x):
            return x @ self.weight + self.bias

    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.first, self.hidden, self.last = nn.Linear(2, 16), InOutLinear(16), nn.Linear(16, 1)

        def forward(self, x):
            h = torch.sin(30 * self.first(x))
            return self.last(torch.sin(30 * self.hidden(h)))

    torch.manual_seed(9)
    model = Model()
    siren.Network.from_torch(model.state_dict())       # loads: the shapes fit
    with pytest.raises(ValueError, match=r"'hidden' does not compute sin\(30 \(W h \+ b\)\)"):
        siren.Network.from_torch(model)


def test_a_positional_encoding_is_refused():
    class Encoded(nn.Module):
        def __init__(self):
            super().__init__()
            self.first = nn.Linear(2, 8)
            self.last = nn.Linear(8, 1)

        def forward(self, x):
            return self.last(torch.sin(30 * self.first(2 * x)))

    with pytest.raises(ValueError, match=r"'first': its input is not the coordinates"):
        siren.Network.from_torch(Encoded())


# ------------------------------------------------------ to_torch, convert

def test_to_torch_and_back(net3, rng):
    module = net3.to_torch()
    assert isinstance(module, siren.torch_bridge.SirenModule)
    assert list(module.state_dict())[0] == "layers.0.weight"
    back = siren.Network.from_torch(module)            # its omegas come along
    assert back.config == net3.config
    np.testing.assert_array_equal(back.params, net3.params)
    assert_agrees(net3, net3.to_torch(dtype=torch.float64), 3, rng)
    x = rng.uniform(-1, 1, (9, 3)).astype(np.float32)
    with torch.no_grad():
        y = module(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(y, net3(x), rtol=0, atol=1e-5 * np.abs(y).max())


def run_convert(*args):
    package = os.path.dirname(os.path.dirname(os.path.abspath(siren.__file__)))
    env = dict(os.environ, PYTHONPATH=package)
    return subprocess.run([sys.executable, "-m", "siren.convert"] + [str(a) for a in args],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, timeout=120)


def test_convert_a_pth_for_c(tmp_path, rng):
    torch.manual_seed(10)
    model = LucidSirenNet(2, 16, 1, num_layers=3, w0=1.0, w0_initial=30.0)
    pth = tmp_path / "model.pth"
    torch.save({"epoch": 3, "model_state_dict": model.state_dict()}, pth)
    out = tmp_path / "model.siren"
    done = run_convert(pth, out, "--hidden-omega", "1")
    assert done.returncode == 0, done.stderr.decode()
    assert b"result: in_features=2 out_features=1 hidden_features=16 hidden_layers=2" in \
        done.stdout
    net = siren.Network.load(out)
    assert_agrees(net, double(model), 2, rng)
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"hidden_omega": 1.0, "hidden_features": 16}))
    assert run_convert(pth, tmp_path / "b.siren", "--config", config).returncode == 0
    assert (tmp_path / "b.siren").read_bytes() == out.read_bytes()
    config.write_text(json.dumps({"hidden_features": 32}))
    failed = run_convert(pth, tmp_path / "c.siren", "--config", config)
    assert failed.returncode == 1 and b"hidden_features is 32" in failed.stderr
    torch.save(model, tmp_path / "whole.pth")          # a pickled module: refused by default
    failed = run_convert(tmp_path / "whole.pth", tmp_path / "d.siren")
    assert failed.returncode == 1 and b"--unsafe-pickle" in failed.stderr
    assert not (tmp_path / "c.siren").exists() and not (tmp_path / "d.siren").exists()
