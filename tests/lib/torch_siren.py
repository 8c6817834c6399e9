"""torch_siren.py - shared by the PyTorch parity tests (tests/lib/test_torch_*.py).

Three things live here:

  * TorchSiren: a PyTorch SIREN with the reference implementation's semantics
    (Sitzmann et al. 2020, explore_siren.ipynb / modules.py): every sine layer
    computes sin(omega * linear(x)), so omega multiplies the bias too; the
    first layer's weights are U(-1/n, 1/n), the other weights
    U(-sqrt(6/n)/hidden_omega, +sqrt(6/n)/hidden_omega), the biases keep
    nn.Linear's U(-1/sqrt(n), 1/sqrt(n)) (n = fan-in). The last layer is a
    plain linear layer when outermost_linear, else one more sine layer.
    It is written from the paper and docs/DESIGN.md, not from libsiren, so it
    is an independent reference.
  * input_derivatives(): value, gradient, Hessian diagonal and Laplacian of
    such a model with respect to its input, by reverse-over-reverse autograd.
  * a ctypes binding of the parts of libsiren the tests use: the structs of
    include/siren.h (members in the header's exact order) and thin wrappers
    (Lib, Net, Workspace, Adam) that turn failure statuses into exceptions.

torch and numpy are optional at import time (HAVE_TORCH says whether both
loaded) so that a test can report a loud skip instead of a traceback; test
files take numpy from here (ts.np) for the same reason.
"""

import ctypes
import math
import os
import sys

try:
    import numpy as np
    import torch
    from torch import nn
    HAVE_TORCH = True
    TORCH_ERROR = None
except ImportError as error:  # reported by the tests as a loud skip
    np = torch = nn = None
    HAVE_TORCH = False
    TORCH_ERROR = error


# ---------------------------------------------------------------- the runner

def run_tests(tests, script):
    """Runs (name, function) pairs with the project's output protocol:
    "ok NAME", or "FAIL NAME" and the details; exit status 1 if any failed.
    Without torch: a loud message on stderr, "SKIP NAME" lines, status 0."""
    if not HAVE_TORCH:
        bar = "!" * 72
        sys.stderr.write(
            "%s\n%s: PyTorch or numpy could not be imported (%s).\n"
            "ALL %d PyTorch parity tests of this file are SKIPPED: nothing was compared.\n"
            "Install python3-torch and python3-numpy for %s (.ci/run does) to run them.\n%s\n"
            % (bar, os.path.basename(script), TORCH_ERROR, len(tests), sys.executable, bar))
        sys.stderr.flush()
        for name, _ in tests:
            print("SKIP %s" % name)
        return 0
    # One thread: the reference need not be fast, and a shared machine makes
    # OpenMP threads wait for each other (seconds per step under load).
    torch.set_num_threads(1)
    failed = 0
    for name, test in tests:
        try:
            test()
        except Exception as error:  # any failure, assertion or library error
            failed += 1
            print("FAIL %s" % name)
            for line in str(error).splitlines() or [type(error).__name__]:
                print("  %s" % line)
        else:
            print("ok %s" % name)
        sys.stdout.flush()
    return 1 if failed else 0


def run_with_library(make_tests, script):
    """make_tests(lib) -> [(name, function)], with lib None when only the
    names are needed. Loads libsiren and runs the tests with run_tests; a
    library that cannot be loaded fails every test with the reason."""
    if not HAVE_TORCH:
        return run_tests(make_tests(None), script)
    try:
        lib = Lib()
    except OSError as error:
        def cannot_load(error=error):
            raise AssertionError("cannot load libsiren (%s): %s" % (library_path(), error))
        return run_tests([(name, cannot_load) for name, _ in make_tests(None)], script)
    return run_tests(make_tests(lib), script)


def relative_error(got, want):
    """max|got - want| / max|want|: the error measured against the size of
    the quantity as a whole (see docs/TESTING.md for why not elementwise)."""
    got = np.asarray(got, dtype=np.float64)
    want = np.asarray(want, dtype=np.float64)
    scale = np.max(np.abs(want))
    if scale == 0.0:
        return float(np.max(np.abs(got)))
    return float(np.max(np.abs(got - want)) / scale)


def assert_close(label, got, want, tol):
    err = relative_error(got, want)
    if not err <= tol:  # also catches NaN
        raise AssertionError("%s: relative error %.3g > %.3g (max|want| %.4g)"
                             % (label, err, tol, float(np.max(np.abs(want)))))
    return err


# ------------------------------------------------------ the torch reference

class Arch:
    """An architecture, with the names of siren_config."""

    def __init__(self, in_features, hidden_features, hidden_layers,
                 out_features=1, first_omega=30.0, hidden_omega=30.0,
                 outermost_linear=True):
        self.in_features = in_features
        self.hidden_features = hidden_features
        self.hidden_layers = hidden_layers
        self.out_features = out_features
        self.first_omega = float(first_omega)
        self.hidden_omega = float(hidden_omega)
        self.outermost_linear = bool(outermost_linear)

    def layer_shapes(self):
        """(fan_in, fan_out) of each linear layer, first to last."""
        widths = ([self.in_features] + [self.hidden_features] * (self.hidden_layers + 1)
                  + [self.out_features])
        return list(zip(widths[:-1], widths[1:]))

    def __str__(self):
        return ("in=%d width=%d hidden_layers=%d out=%d omega=%g/%g %s"
                % (self.in_features, self.hidden_features, self.hidden_layers,
                   self.out_features, self.first_omega, self.hidden_omega,
                   "linear-last" if self.outermost_linear else "sine-last"))


def reference_bounds(arch):
    """(weight bound, bias bound) of each layer under the SIREN initialiser."""
    bounds = []
    for index, (fan_in, _) in enumerate(arch.layer_shapes()):
        if index == 0:
            weight = 1.0 / fan_in
        else:
            weight = math.sqrt(6.0 / fan_in) / arch.hidden_omega
        bounds.append((weight, 1.0 / math.sqrt(fan_in)))
    return bounds


if HAVE_TORCH:
    class SineLayer(nn.Module):
        """sin(omega * (W x + b)), with the SIREN weight initialisation."""

        def __init__(self, fan_in, fan_out, omega, is_first):
            super().__init__()
            self.omega = omega
            self.linear = nn.Linear(fan_in, fan_out)  # bias: U(+-1/sqrt(fan_in))
            bound = 1.0 / fan_in if is_first else math.sqrt(6.0 / fan_in) / omega
            with torch.no_grad():
                self.linear.weight.uniform_(-bound, bound)

        def forward(self, x):
            return torch.sin(self.omega * self.linear(x))

    class TorchSiren(nn.Module):
        """The reference SIREN for an Arch, float32, seeded by torch's RNG."""

        def __init__(self, arch, seed):
            super().__init__()
            torch.manual_seed(seed)
            shapes = arch.layer_shapes()
            layers = [SineLayer(*shapes[0], arch.first_omega, is_first=True)]
            for fan_in, fan_out in shapes[1:-1]:
                layers.append(SineLayer(fan_in, fan_out, arch.hidden_omega, is_first=False))
            fan_in, fan_out = shapes[-1]
            if arch.outermost_linear:
                last = nn.Linear(fan_in, fan_out)
                bound = math.sqrt(6.0 / fan_in) / arch.hidden_omega
                with torch.no_grad():
                    last.weight.uniform_(-bound, bound)
            else:
                last = SineLayer(fan_in, fan_out, arch.hidden_omega, is_first=False)
            layers.append(last)
            self.net = nn.Sequential(*layers)
            self.arch = arch

        def forward(self, x):
            return self.net(x)

        def flat_parameters(self):
            """All parameters as one float32 numpy array, in state_dict
            order (per layer W[out][in] row-major, then b): libsiren's layout."""
            return torch.cat([p.detach().reshape(-1) for p in self.parameters()]).numpy()

        def flat_grads(self):
            """Parameter gradients in the same layout; a parameter the loss
            does not depend on (grad None) contributes zeros."""
            return torch.cat([torch.zeros(p.numel()) if p.grad is None
                              else p.grad.detach().reshape(-1)
                              for p in self.parameters()]).numpy()


def input_derivatives(model, x, create_graph=False):
    """Value [n,out], gradient [n,out,D] and Hessian diagonal [n,out,D] of
    model at x (a tensor with requires_grad) by autograd. Points do not
    interact, so d/dx of a sum over points gives every point's derivative.
    create_graph keeps the graph so that a loss on the results can be
    differentiated with respect to the parameters."""
    value = model(x)
    dims = x.shape[1]
    gradients, hessians = [], []
    for j in range(value.shape[1]):
        grad = torch.autograd.grad(value[:, j].sum(), x, create_graph=True)[0]
        diagonal = []
        for k in range(dims):
            second = torch.autograd.grad(grad[:, k].sum(), x, create_graph=create_graph,
                                         retain_graph=True)[0]
            diagonal.append(second[:, k])
        gradients.append(grad)
        hessians.append(torch.stack(diagonal, dim=1))
    return value, torch.stack(gradients, dim=1), torch.stack(hessians, dim=1)


# ---------------------------------------------------------- ctypes binding

SIREN_VALUE = 1
SIREN_GRADIENT = 2
SIREN_LAPLACIAN = 4
SIREN_HESSIAN_DIAG = 8
SIREN_ALL = SIREN_VALUE | SIREN_GRADIENT | SIREN_LAPLACIAN | SIREN_HESSIAN_DIAG

c_float_p = ctypes.POINTER(ctypes.c_float)


class SirenConfig(ctypes.Structure):
    """struct siren_config, members in include/siren.h's order."""
    _fields_ = [("size", ctypes.c_uint32),
                ("in_features", ctypes.c_uint32),
                ("out_features", ctypes.c_uint32),
                ("hidden_features", ctypes.c_uint32),
                ("hidden_layers", ctypes.c_uint32),
                ("first_omega", ctypes.c_float),
                ("hidden_omega", ctypes.c_float),
                ("outermost_linear", ctypes.c_int32)]


class SirenJet(ctypes.Structure):
    """struct siren_jet: NULL members are not computed (zero as adjoints)."""
    _fields_ = [("value", c_float_p),
                ("gradient", c_float_p),
                ("laplacian", c_float_p),
                ("hessian_diag", c_float_p)]


class SirenAdamConfig(ctypes.Structure):
    """struct siren_adam_config, members in include/siren.h's order."""
    _fields_ = [("size", ctypes.c_uint32),
                ("lr", ctypes.c_float),
                ("beta1", ctypes.c_float),
                ("beta2", ctypes.c_float),
                ("eps", ctypes.c_float),
                ("weight_decay", ctypes.c_float),
                ("clip_grad_norm", ctypes.c_float)]


class SirenError(RuntimeError):
    pass


class _Owned:
    """A library object freed by close(), or at the end of a with block."""
    handle = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def _handle_out():
    return ctypes.c_void_p()


_SIGNATURES = {
    # name: (restype, argtypes)
    "siren_status_string": (ctypes.c_char_p, [ctypes.c_int]),
    "siren_config_default": (None, [ctypes.POINTER(SirenConfig)]),
    "siren_net_create": (ctypes.c_int, [ctypes.POINTER(SirenConfig),
                                        ctypes.POINTER(ctypes.c_void_p)]),
    "siren_net_free": (None, [ctypes.c_void_p]),
    "siren_net_init": (ctypes.c_int, [ctypes.c_void_p, ctypes.c_uint64]),
    "siren_net_param_count": (ctypes.c_size_t, [ctypes.c_void_p]),
    "siren_net_params": (c_float_p, [ctypes.c_void_p]),
    "siren_net_grads": (c_float_p, [ctypes.c_void_p]),
    "siren_net_zero_grad": (None, [ctypes.c_void_p]),
    "siren_workspace_create": (ctypes.c_int, [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_uint,
                                              ctypes.POINTER(ctypes.c_void_p)]),
    "siren_workspace_free": (None, [ctypes.c_void_p]),
    "siren_workspace_set_laplacian_weights": (ctypes.c_int, [ctypes.c_void_p, c_float_p,
                                                             ctypes.c_size_t]),
    "siren_eval": (ctypes.c_int, [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t,
                                  c_float_p, ctypes.POINTER(SirenJet)]),
    "siren_forward": (ctypes.c_int, [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t,
                                     c_float_p, ctypes.POINTER(SirenJet)]),
    "siren_backward": (ctypes.c_int, [ctypes.c_void_p, ctypes.c_void_p,
                                      ctypes.POINTER(SirenJet)]),
    "siren_adam_config_default": (None, [ctypes.POINTER(SirenAdamConfig)]),
    "siren_adam_create": (ctypes.c_int, [ctypes.c_void_p, ctypes.POINTER(SirenAdamConfig),
                                         ctypes.POINTER(ctypes.c_void_p)]),
    "siren_adam_step": (ctypes.c_int, [ctypes.c_void_p, ctypes.c_void_p]),
    "siren_adam_free": (None, [ctypes.c_void_p]),
}


def library_path():
    """$SIREN_LIBRARY (set by make check), else the build tree's library."""
    path = os.environ.get("SIREN_LIBRARY")
    if path:
        return path
    root = os.environ.get("SIREN_ROOT",
                          os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    return os.path.join(root, "lib", "libsiren.so.1.0.0")


class Lib:
    """libsiren loaded with ctypes; functions the library lacks are left out
    (has() tells), so a test of a missing function fails with a clear message."""

    def __init__(self, path=None):
        self.path = path or library_path()
        self.dll = ctypes.CDLL(self.path)
        self.missing = []
        for name, (restype, argtypes) in _SIGNATURES.items():
            try:
                function = getattr(self.dll, name)
            except AttributeError:
                self.missing.append(name)
                continue
            function.restype = restype
            function.argtypes = argtypes
            setattr(self, name, function)

    def has(self, name):
        return name not in self.missing

    def check(self, status, call):
        if status != 0:
            raise SirenError("%s returned %d (%s)" % (
                call, status, self.siren_status_string(status).decode()))


def float_pointer(array):
    """A float* into a C-contiguous float32 numpy array (which the caller
    keeps alive for the duration of the call)."""
    assert array.dtype == np.float32 and array.flags["C_CONTIGUOUS"]
    return array.ctypes.data_as(c_float_p)


class Net(_Owned):
    """A siren_net; params and grads are numpy views of the library's arrays."""

    def __init__(self, lib, arch):
        self.lib, self.arch = lib, arch
        cfg = SirenConfig()
        lib.siren_config_default(ctypes.byref(cfg))
        cfg.in_features = arch.in_features
        cfg.out_features = arch.out_features
        cfg.hidden_features = arch.hidden_features
        cfg.hidden_layers = arch.hidden_layers
        cfg.first_omega = arch.first_omega
        cfg.hidden_omega = arch.hidden_omega
        cfg.outermost_linear = 1 if arch.outermost_linear else 0
        handle = _handle_out()
        lib.check(lib.siren_net_create(ctypes.byref(cfg), ctypes.byref(handle)),
                  "siren_net_create")
        self.handle = handle
        count = lib.siren_net_param_count(handle)
        self.params = np.ctypeslib.as_array(lib.siren_net_params(handle), shape=(count,))
        self.grads = np.ctypeslib.as_array(lib.siren_net_grads(handle), shape=(count,))

    def init(self, seed):
        self.lib.check(self.lib.siren_net_init(self.handle, seed), "siren_net_init")

    def load(self, flat):
        """The memcpy of docs/DESIGN.md: a torch SIREN's flat parameters."""
        if flat.shape != self.params.shape:
            raise AssertionError("parameter count: torch %d, libsiren %d"
                                 % (flat.size, self.params.size))
        self.params[:] = flat

    def zero_grad(self):
        self.lib.siren_net_zero_grad(self.handle)

    def layers(self):
        """(W, b) numpy views of each layer, in the flat layout."""
        views, offset = [], 0
        for fan_in, fan_out in self.arch.layer_shapes():
            weight = self.params[offset:offset + fan_in * fan_out].reshape(fan_out, fan_in)
            offset += fan_in * fan_out
            bias = self.params[offset:offset + fan_out]
            offset += fan_out
            views.append((weight, bias))
        return views

    def close(self):
        if self.handle:
            self.lib.siren_net_free(self.handle)
            self.handle = None


class Jet:
    """numpy arrays for the members of a siren_jet that are asked for."""

    def __init__(self, arch, n, quantities):
        out, dims = arch.out_features, arch.in_features
        shapes = {"value": (n, out), "gradient": (n, out, dims),
                  "laplacian": (n, out), "hessian_diag": (n, out, dims)}
        self.arrays = {name: np.zeros(shapes[name], dtype=np.float32) for name in quantities}

    @classmethod
    def of(cls, arrays):
        """A jet over given arrays (adjoints); they are made float32."""
        jet = cls.__new__(cls)
        jet.arrays = {name: np.ascontiguousarray(a, dtype=np.float32)
                      for name, a in arrays.items()}
        return jet

    def struct(self):
        jet = SirenJet()
        for name, array in self.arrays.items():
            setattr(jet, name, float_pointer(array))
        return jet

    def __getitem__(self, name):
        return self.arrays[name]


class Workspace(_Owned):
    def __init__(self, net, max_points, what=SIREN_ALL):
        self.lib, self.net = net.lib, net
        handle = _handle_out()
        self.lib.check(self.lib.siren_workspace_create(net.handle, max_points, what,
                                                       ctypes.byref(handle)),
                       "siren_workspace_create")
        self.handle = handle

    def set_laplacian_weights(self, weights):
        if weights is None:  # NULL restores all ones; count is still in_features
            status = self.lib.siren_workspace_set_laplacian_weights(
                self.handle, None, self.net.arch.in_features)
        else:
            weights = np.ascontiguousarray(weights, dtype=np.float32)
            status = self.lib.siren_workspace_set_laplacian_weights(
                self.handle, float_pointer(weights), weights.size)
        self.lib.check(status, "siren_workspace_set_laplacian_weights")

    def _run(self, function, name, x, quantities):
        x = np.ascontiguousarray(x, dtype=np.float32)
        jet = Jet(self.net.arch, x.shape[0], quantities)
        out = jet.struct()
        self.lib.check(function(self.net.handle, self.handle, x.shape[0], float_pointer(x),
                                ctypes.byref(out)), name)
        return jet

    def eval(self, x, quantities=("value", "gradient", "laplacian", "hessian_diag")):
        return self._run(self.lib.siren_eval, "siren_eval", x, quantities)

    def forward(self, x, quantities):
        return self._run(self.lib.siren_forward, "siren_forward", x, quantities)

    def backward(self, adjoints):
        """adjoints: dict member name -> numpy array of dL/d(that output)."""
        jet = Jet.of(adjoints)
        adjoint = jet.struct()
        self.lib.check(self.lib.siren_backward(self.net.handle, self.handle,
                                               ctypes.byref(adjoint)), "siren_backward")

    def close(self):
        if self.handle:
            self.lib.siren_workspace_free(self.handle)
            self.handle = None


class Adam(_Owned):
    def __init__(self, net, **settings):
        """settings: members of siren_adam_config (lr, weight_decay, ...);
        the others keep siren_adam_config_default's values."""
        self.lib, self.net = net.lib, net
        cfg = SirenAdamConfig()
        self.lib.siren_adam_config_default(ctypes.byref(cfg))
        for name, value in settings.items():
            setattr(cfg, name, value)
        handle = _handle_out()
        self.lib.check(self.lib.siren_adam_create(net.handle, ctypes.byref(cfg),
                                                  ctypes.byref(handle)), "siren_adam_create")
        self.handle = handle

    def step(self):
        self.lib.check(self.lib.siren_adam_step(self.handle, self.net.handle),
                       "siren_adam_step")

    def close(self):
        if self.handle:
            self.lib.siren_adam_free(self.handle)
            self.handle = None


def random_points(rng, n, dims):
    """n points uniform in [-1, 1]^dims, float32."""
    return rng.uniform(-1.0, 1.0, size=(n, dims)).astype(np.float32)
