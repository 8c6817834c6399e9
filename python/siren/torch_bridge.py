"""The PyTorch bridge: SIRENs trained in PyTorch into libsiren, and back.

    net = siren.Network.from_torch(model)              # an nn.Module or a state_dict
    net = siren.Network.from_torch(state_dict, hidden_omega=1.0)
    module = net.to_torch()                            # a SirenModule (nn.Module)

from_torch reads the linear layers in the order of the state_dict and
checks, before anything is loaded, that they form the architecture libsiren
computes (include/siren.h):

    layer 0:        h = sin(first_omega  * (W0 x + b0))     in -> hidden
    hidden layers:  h = sin(hidden_omega * (W h + b))       hidden -> hidden
    last layer:     y = W h + b, or sin(hidden_omega * (W h + b))

Every key must be a `.weight` (2-D, PyTorch's (out, in)) or a `.bias` of a
layer; each bias must match its weight's rows; each layer's input must be
the previous layer's output; the hidden layers must share one width;
numbered siblings must come in increasing order. Any failure raises
ValueError naming the layer. Known layouts load by their own key names:
the official SIREN code's SingleBVPNet(type='sine') and FCBlock
("net.net.0.0.weight", ...), its Colab notebook's Siren of SineLayers
("net.0.linear.weight", ..., "net.4.weight"), and lucidrains'
siren-pytorch SirenNet ("layers.0.weight" or "net.0.weight", ...,
"last_layer.weight"); a layer without a bias (use_bias=False) gets zeros.

A state_dict carries no omegas: they are arguments (default: the official
code's, 30 and 30 with a linear last layer; a SirenModule's own). Given an
nn.Module instead, from_torch also runs it on probe points and checks,
layer by layer, that it computes exactly the above with those omegas (so
lucidrains' default hidden w0 = 1, a final_activation other than identity
or sine, a positional encoding before the first layer, or a transposed
square weight are refused, naming the layer, instead of loading a
different function). The values are detached and copied as float32.

This module imports torch; `import siren` does not.
"""

import numpy as np
import torch

# The official code's defaults (modules.py: Sine is sin(30 x), and
# SingleBVPNet's FCBlock has outermost_linear=True).
DEFAULT_FIRST_OMEGA = 30.0
DEFAULT_HIDDEN_OMEGA = 30.0
DEFAULT_OUTERMOST_LINEAR = True
PROBE_POINTS = 16
# A module's layer matches the formula to this (float32 forward against a
# float64 recomputation from the layer's own input); conventions that differ
# (an omega of 1 instead of 30, a missing sine) miss it by orders of magnitude.
PROBE_TOLERANCE = 1e-3
# Checkpoint dictionaries that wrap the state_dict under one of these keys.
WRAPPER_KEYS = ("state_dict", "model_state_dict", "model")


class SirenModule(torch.nn.Module):
    """A SIREN in PyTorch computing what libsiren computes (Network.to_torch
    makes one): layers[i] are nn.Linear, state_dict keys "layers.0.weight",
    ...; first_omega, hidden_omega and outermost_linear are attributes that
    from_torch reads back."""

    def __init__(self, in_features=2, out_features=1, hidden_features=256, hidden_layers=3,
                 first_omega=30.0, hidden_omega=30.0, outermost_linear=True):
        super().__init__()
        widths = [in_features] + [hidden_features] * (hidden_layers + 1) + [out_features]
        self.layers = torch.nn.ModuleList(
            torch.nn.Linear(a, b) for a, b in zip(widths[:-1], widths[1:]))
        self.first_omega = float(first_omega)
        self.hidden_omega = float(hidden_omega)
        self.outermost_linear = bool(outermost_linear)

    def forward(self, x):
        last = len(self.layers) - 1
        for i, layer in enumerate(self.layers):
            x = layer(x)
            if i == 0:
                x = torch.sin(self.first_omega * x)
            elif i < last or not self.outermost_linear:
                x = torch.sin(self.hidden_omega * x)
        return x

    def extra_repr(self):
        return "first_omega=%g, hidden_omega=%g, outermost_linear=%s" % (
            self.first_omega, self.hidden_omega, self.outermost_linear)


# ---------------------------------------------------------- to PyTorch

def to_torch(net, dtype=torch.float32, device=None):
    """A SirenModule with net's architecture and a copy of its parameters."""
    c = net.config
    module = SirenModule(c.in_features, c.out_features, c.hidden_features, c.hidden_layers,
                         c.first_omega, c.hidden_omega, c.outermost_linear)
    with torch.no_grad():
        for linear, (weight, bias) in zip(module.layers, net.layers()):
            linear.weight.copy_(torch.from_numpy(np.array(weight)))
            linear.bias.copy_(torch.from_numpy(np.array(bias)))
    return module.to(dtype=dtype, device=device)


# -------------------------------------------------------- from PyTorch

class _Layer:
    """One linear layer found in the state_dict."""

    def __init__(self, prefix):
        self.prefix = prefix
        self.weight = None
        self.bias = None

    @property
    def name(self):
        return repr(self.prefix) if self.prefix else "the root module's"

    @property
    def out(self):
        return self.weight.shape[0]

    @property
    def inp(self):
        return self.weight.shape[1]


def unwrap(obj):
    """The state_dict inside a training checkpoint dictionary, or obj."""
    if isinstance(obj, torch.nn.Module):
        return obj
    if hasattr(obj, "items") and not _all_tensors(obj):
        for key in WRAPPER_KEYS:
            inner = obj.get(key) if hasattr(obj, "get") else None
            if isinstance(inner, torch.nn.Module) or (hasattr(inner, "items") and
                                                       _all_tensors(inner)):
                return inner
    return obj


def _all_tensors(mapping):
    return all(isinstance(v, (torch.Tensor, np.ndarray)) for v in mapping.values())


def _as_array(name, value):
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().to(torch.float64).numpy()
    if isinstance(value, np.ndarray) and value.dtype.kind in "fiu":
        return value.astype(np.float64)
    raise ValueError("%s is a %s, not a tensor: a SIREN's state_dict holds only the weights "
                     "and biases of its linear layers" % (name, type(value).__name__))


def read_layers(state_dict):
    """The linear layers of a state_dict, in its order, checked for shapes
    and order (ValueError naming the layer)."""
    layers, by_prefix = [], {}
    for key, value in state_dict.items():
        prefix, dot, kind = str(key).rpartition(".")
        if kind not in ("weight", "bias"):
            raise ValueError("key %r is not the weight or bias of a linear layer: libsiren holds "
                             "a SIREN's linear layers and nothing else (an RBF or positional "
                             "encoding input, a normalisation, a buffer are not supported)" % key)
        if prefix not in by_prefix:
            by_prefix[prefix] = _Layer(prefix)
            layers.append(by_prefix[prefix])
        setattr(by_prefix[prefix], kind, _as_array(repr(key), value))
    for layer in layers:
        _check_layer(layer)
    _check_order(layers)
    return layers


def _check_layer(layer):
    if layer.weight is None:
        raise ValueError("layer %s has a bias but no weight" % layer.name)
    if layer.weight.ndim != 2:
        raise ValueError("layer %s: the weight has shape %s; a linear layer's weight is 2-D "
                         "(out_features, in_features)" % (layer.name, layer.weight.shape))
    if layer.bias is None:
        layer.bias = np.zeros(layer.out)  # use_bias=False: the same function
    elif layer.bias.shape != (layer.out,):
        hint = ""
        if layer.bias.shape == (layer.inp,):
            hint = (" (is the weight transposed? PyTorch's nn.Linear stores it as "
                    "(out_features, in_features))")
        raise ValueError("layer %s: the bias has shape %s but the weight %s has %d rows%s"
                         % (layer.name, layer.bias.shape, layer.weight.shape, layer.out, hint))


def _index_parts(prefix):
    return [int(p) if p.isdigit() else p for p in prefix.split(".")] if prefix else []


def _check_order(layers):
    """Numbered siblings (net.2 and net.10) must come in increasing order."""
    for before, after in zip(layers, layers[1:]):
        for a, b in zip(_index_parts(before.prefix), _index_parts(after.prefix)):
            if a == b:
                continue
            if isinstance(a, int) and isinstance(b, int) and a > b:
                raise ValueError("layer %s comes after layer %s in the state_dict: the layers "
                                 "are out of order (a state_dict sorted by name?)"
                                 % (after.name, before.name))
            break


def config_of(layers, first_omega, hidden_omega, outermost_linear):
    """The Config these layers make, or ValueError naming the first layer
    that does not fit a SIREN."""
    from .network import Config
    if len(layers) < 2:
        raise ValueError("%d linear layer(s) found: a SIREN has at least two (the first and "
                         "the last)" % len(layers))
    hidden = layers[0].out
    for previous, layer in zip(layers, layers[1:]):
        if layer.inp != previous.out:
            raise ValueError(
                "layer %s (weight %s) takes %d inputs, but the layer before it, %s, gives %d: "
                "the layers are transposed, out of order, or not a chain"
                % (layer.name, layer.weight.shape, layer.inp, previous.name, previous.out))
    for layer in layers[1:-1]:
        if layer.out != hidden:
            raise ValueError("layer %s has width %d, the first layer's is %d: libsiren's hidden "
                             "layers all have one width" % (layer.name, layer.out, hidden))
    return Config(in_features=layers[0].inp, out_features=layers[-1].out, hidden_features=hidden,
                  hidden_layers=len(layers) - 2, first_omega=float(first_omega),
                  hidden_omega=float(hidden_omega), outermost_linear=bool(outermost_linear))


def _omegas(module, first_omega, hidden_omega, outermost_linear):
    """The arguments, with None taken from the module (a SirenModule says
    its own) or else the official code's defaults."""
    def pick(value, attribute, default):
        if value is not None:
            return value
        if module is not None and isinstance(getattr(module, attribute, None), (int, float)):
            return getattr(module, attribute)
        return default
    return (pick(first_omega, "first_omega", DEFAULT_FIRST_OMEGA),
            pick(hidden_omega, "hidden_omega", DEFAULT_HIDDEN_OMEGA),
            pick(outermost_linear, "outermost_linear", DEFAULT_OUTERMOST_LINEAR))


def from_torch(source, first_omega=None, hidden_omega=None, outermost_linear=None):
    """A Network with the layers of `source` (an nn.Module, a state_dict,
    or a checkpoint dictionary holding one under "state_dict",
    "model_state_dict" or "model"); see the module's documentation."""
    from .network import Network
    source = unwrap(source)
    module = source if isinstance(source, torch.nn.Module) else None
    if module is None and not hasattr(source, "items"):
        raise TypeError("from_torch takes an nn.Module or a state_dict (a mapping of names to "
                        "tensors), not %s" % type(source).__name__)
    first_omega, hidden_omega, outermost_linear = _omegas(module, first_omega, hidden_omega,
                                                          outermost_linear)
    layers = read_layers(module.state_dict() if module is not None else source)
    config = config_of(layers, first_omega, hidden_omega, outermost_linear)
    if module is not None:
        _verify_module(module, layers, config)
    net = Network(config)
    for (weight, bias), layer in zip(net.layers(), layers):
        weight[...] = layer.weight
        bias[...] = layer.bias
    return net


# ------------------------------------------- checking a module by running it

def _call_module(module, x):
    """The module's output for the points x: module(x), or the official
    code's calling convention, module({"coords": x})["model_out"]."""
    errors = []
    for call in (lambda: module(x), lambda: module({"coords": x})):
        try:
            out = call()
        except Exception as error:  # noqa: BLE001 - any failure means: try the next way
            errors.append("%s: %s" % (type(error).__name__, error))
            continue
        if isinstance(out, dict):
            out = out.get("model_out")
        elif isinstance(out, (tuple, list)):
            out = out[0]
        if isinstance(out, torch.Tensor):
            return out
        errors.append("it returned %s, not a tensor" % type(out).__name__)
    raise ValueError("cannot run the module on probe points to check it (%s); pass "
                     "module.state_dict() to load the layers without that check"
                     % "; ".join(errors))


def _close(a, b):
    scale = max(1.0, float(np.max(np.abs(b))) if b.size else 1.0)
    return a.shape == b.shape and float(np.max(np.abs(a - b))) <= PROBE_TOLERANCE * scale


def _omega_hint(module, prefix, argument=None):
    """Omega-like attributes (w0, omega, omega_0...) of the layer's module,
    its descendants, its parent, its siblings and the model itself, as a
    hint in messages;
    with one value found, the argument that would take it."""
    parent = prefix.rpartition(".")[0]
    found = []
    for name, sub in module.named_modules():
        if not (name in ("", prefix, parent) or name.startswith(prefix + ".") or
                (name.rpartition(".")[0] == parent and name)):
            continue
        for attribute in ("w0", "omega", "omega_0", "first_omega", "hidden_omega"):
            value = getattr(sub, attribute, None)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                found.append("%s.%s = %g" % (name or "module", attribute, value))
    if not found:
        return ""
    values = {line.rpartition(" = ")[2] for line in found}
    advice = "; pass %s=%s?" % (argument, values.pop()) if argument and len(values) == 1 else ""
    return " (the module has %s%s)" % (", ".join(sorted(set(found))), advice)


def _activation(config, i, last):
    """(description, function on float64 arrays) of layer i's activation."""
    if i == last and config.outermost_linear:
        return "W h + b (outermost_linear=True)", lambda z: z
    omega = config.first_omega if i == 0 else config.hidden_omega
    which = "first_omega" if i == 0 else "hidden_omega"
    return ("sin(%g (W h + b)) (%s=%g)" % (omega, which, omega),
            lambda z, w=omega: np.sin(w * z))


def _verify_module(module, layers, config):
    """Runs module on probe points and checks every layer against libsiren's
    formula with config's omegas; ValueError naming the first that differs."""
    owners = dict(module.named_modules())
    captured = {}
    hooks = []
    for i, layer in enumerate(layers):
        owner = owners.get(layer.prefix)
        if owner is None:
            raise ValueError("layer %s is not a module of the model" % layer.name)
        hooks.append(owner.register_forward_hook(_recorder(captured, i)))
    first = next(iter(module.parameters()))
    generator = torch.Generator().manual_seed(0)
    x = torch.rand(PROBE_POINTS, config.in_features, generator=generator, dtype=torch.float64)
    x = (2 * x - 1).to(dtype=first.dtype, device=first.device)
    training = module.training
    try:
        module.eval()  # dropout off
        with torch.no_grad():
            output = _call_module(module, x)
    finally:
        module.train(training)
        for hook in hooks:
            hook.remove()
    _check_probe(module, layers, config, x, output, captured)


def _recorder(captured, i):
    """A forward hook keeping layer i's first (inputs, output); it returns
    None, which leaves the output as it was."""
    def hook(module, inputs, output):
        if i not in captured:
            captured[i] = (inputs, output)
    return hook


def _array(t):
    return t.detach().cpu().to(torch.float64).numpy()


def _matches(got, want):
    return got.size == want.size and _close(got.reshape(want.shape), want)


def _check_probe(module, layers, config, x, output, captured):
    last = len(layers) - 1
    expected_input = _array(x)
    for i, layer in enumerate(layers):
        if i not in captured:
            raise ValueError("layer %s was not used when the module ran: it is not part of the "
                             "forward pass libsiren would compute" % layer.name)
        inputs, out = captured[i]
        if not _matches(_array(inputs[0]), expected_input):
            if i == 0:
                raise ValueError("layer %s: its input is not the coordinates given to the module "
                                 "(the module transforms them first, e.g. a positional encoding "
                                 "or RBF layer; libsiren feeds the coordinates to the first "
                                 "layer)" % layer.name)
            described, _ = _activation(config, i - 1, last)
            argument = "first_omega" if i == 1 else "hidden_omega"
            raise ValueError("layer %s: its input is not %s of the layer before it, %s%s"
                             % (layer.name, described, layers[i - 1].name,
                                _omega_hint(module, layers[i - 1].prefix, argument)))
        z = expected_input @ layer.weight.T + layer.bias
        described, activation = _activation(config, i, last)
        y = activation(z)
        got = _array(out)
        # the weight's module may compute W h + b alone (the activation
        # comes after it) or with the activation (lucidrains' Siren)
        if not (_matches(got, z) or _matches(got, y)):
            argument = None if i == last and config.outermost_linear else \
                ("first_omega" if i == 0 else "hidden_omega")
            raise ValueError("layer %s does not compute %s%s" % (
                layer.name, described, _omega_hint(module, layer.prefix, argument)))
        expected_input = y
    if not _matches(_array(output), expected_input):
        hint = ""
        if config.outermost_linear:
            hint = (": something follows the last layer (a final activation: a sine, then pass "
                    "outermost_linear=False, or another one, which libsiren does not compute)")
        raise ValueError("the module's output is not its last layer %s's %s%s" % (
            layers[last].name, _activation(config, last, last)[0], hint))


def describe(config):
    """'2 -> 256 x 4 -> 1 (first_omega 30, hidden_omega 30, linear last layer)'."""
    return "%d -> %d x %d -> %d (first_omega %g, hidden_omega %g, %s last layer)" % (
        config.in_features, config.hidden_features, config.hidden_layers + 1,
        config.out_features, config.first_omega, config.hidden_omega,
        "linear" if config.outermost_linear else "sine")


__all__ = ["SirenModule", "from_torch", "to_torch", "read_layers", "config_of", "unwrap",
           "describe"]
