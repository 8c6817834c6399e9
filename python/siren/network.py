"""Network: a SIREN (siren_net) with its parameters and gradients.

params and grads are numpy float32 views of the library's own arrays (no
copy): writing net.params[:] = values changes the network, and
net.grads shows what backward() accumulated. A view keeps its network
alive, so it never dangles; the network is freed (siren_net_free) as soon
as neither it nor any view of it is referenced any more.
"""

import ctypes
import dataclasses
import os
import threading

import numpy as np

from . import _arrays
from . import _library
from .errors import check
from .workspace import Jet, Workspace, _new_outputs, _point_count

_UINT32_FIELDS = ("in_features", "out_features", "hidden_features", "hidden_layers")
# Network.eval keeps its workspace below this many bytes, in chunks of points.
DEFAULT_EVAL_BYTES = 64 << 20


@dataclasses.dataclass(frozen=True)
class Config:
    """The architecture (struct siren_config; defaults are
    siren_config_default's: the image SIREN of the paper)."""
    in_features: int = 2
    out_features: int = 1
    hidden_features: int = 256
    hidden_layers: int = 3
    first_omega: float = 30.0
    hidden_omega: float = 30.0
    outermost_linear: bool = True

    def layer_shapes(self):
        """(fan_in, fan_out) of each linear layer, first to last."""
        widths = ([self.in_features] + [self.hidden_features] * (self.hidden_layers + 1)
                  + [self.out_features])
        return list(zip(widths[:-1], widths[1:]))

    def _struct(self, lib):
        cfg = _library.Config()
        lib.siren_config_default(ctypes.byref(cfg))
        for name in _UINT32_FIELDS:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
                raise TypeError("%s must be an integer, not %r" % (name, value))
            if not 0 <= value < 2 ** 32:
                raise ValueError("%s = %d does not fit siren_config's uint32_t" % (name, value))
            setattr(cfg, name, int(value))
        cfg.first_omega = float(self.first_omega)
        cfg.hidden_omega = float(self.hidden_omega)
        cfg.outermost_linear = 1 if self.outermost_linear else 0
        return cfg

    @classmethod
    def _of_struct(cls, cfg):
        return cls(in_features=cfg.in_features, out_features=cfg.out_features,
                   hidden_features=cfg.hidden_features, hidden_layers=cfg.hidden_layers,
                   first_omega=cfg.first_omega, hidden_omega=cfg.hidden_omega,
                   outermost_linear=bool(cfg.outermost_linear))


def _path(path):
    return os.fsencode(os.fspath(path))


def _file_check(lib, function, name, path, *args):
    """Calls a file function of the library on path (then args) and raises
    its error, with the OS reason of an I/O failure (FileNotFoundError...)."""
    status, os_errno = lib.file_call(function, _path(path), *args)
    check(lib, status, name, repr(os.fspath(path)), os_errno=os_errno,
          filename=os.fspath(path))


def _network_from_bytes(data):
    """pickle's way back to a Network (Network.__reduce__)."""
    return Network.from_bytes(data)


def _read_buffer(lib, function, name, *handles, cause=None):
    """Runs a *_save_buffer function twice: for the size, then the bytes.
    cause: as errors.check's, for SIREN_ERR_STATE."""
    size = ctypes.c_size_t()
    status = function(*handles, None, 0, ctypes.byref(size))
    if status != -3:  # TOO_LARGE is the answer to the size query
        check(lib, status, name, cause=cause)
    buffer = ctypes.create_string_buffer(size.value)
    check(lib, function(*handles, buffer, size.value, ctypes.byref(size)), name, cause=cause)
    return buffer.raw[:size.value]


class Network:
    """siren_net_create: a SIREN with the architecture of `config` (a
    Config) changed by keyword arguments, e.g. Network(hidden_features=64,
    hidden_layers=2, seed=1). Parameters are zero until init(seed); seed=
    initialises at once."""

    def __init__(self, config=None, *, seed=None, **fields):
        self._handle = None
        config = Config() if config is None else config
        try:
            config = dataclasses.replace(config, **fields)
        except TypeError as error:
            raise TypeError("%s (the Config fields are %s)" % (
                error, ", ".join(f.name for f in dataclasses.fields(Config)))) from None
        lib = _library.load()
        cfg = config._struct(lib)
        handle = ctypes.c_void_p()
        check(lib, lib.siren_net_create(ctypes.byref(cfg), ctypes.byref(handle)),
              "siren_net_create", str(config))
        self._attach(lib, handle)
        if seed is not None:
            self.init(seed)

    @classmethod
    def _adopt(cls, lib, handle):
        net = cls.__new__(cls)
        net._handle = None
        net._attach(lib, handle)
        return net

    def _attach(self, lib, handle):
        self._lib = lib
        self._handle = handle
        cfg = _library.Config()
        check(lib, lib.siren_net_config(handle, ctypes.byref(cfg)), "siren_net_config")
        self.config = Config._of_struct(cfg)
        self._count = int(lib.siren_net_param_count(handle))
        self._eval_lock = threading.Lock()
        self._eval_ws = None

    def __del__(self):
        handle = getattr(self, "_handle", None)
        if handle:
            self._eval_ws = None  # its workspace goes first
            self._lib.siren_net_free(handle)
            self._handle = None

    # --------------------------------------------------------- parameters

    @property
    def params(self):
        """The parameters: a writable float32 view (shape (param_count,),
        no copy) of the library's array, in the flat layout of siren.h (per
        layer W[out][in] row-major, then b). Each access makes a new view of
        the same memory; a view keeps the network alive."""
        return self._view(self._lib.siren_net_params)

    @property
    def grads(self):
        """The parameter gradients, a view like params; backward() adds
        into them, zero_grad() clears them."""
        return self._view(self._lib.siren_net_grads)

    def _view(self, accessor):
        address = ctypes.cast(accessor(self._handle), ctypes.c_void_p).value
        return _arrays.float_view(address, self._count, self)

    @property
    def param_count(self):
        return self._count

    @property
    def in_features(self):
        return self.config.in_features

    @property
    def out_features(self):
        return self.config.out_features

    def init(self, seed):
        """siren_net_init: the sine-aware initialisation from the library's
        own generator (the same parameters on every platform); zeroes the
        gradients. Returns self."""
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or \
                not 0 <= seed < 2 ** 64:
            raise ValueError("seed must be an integer in [0, 2**64), not %r" % (seed,))
        check(self._lib, self._lib.siren_net_init(self._handle, int(seed)), "siren_net_init")
        return self

    def zero_grad(self):
        """Sets every gradient to zero (backward adds into them)."""
        self._lib.siren_net_zero_grad(self._handle)

    def layers(self, grads=False):
        """[(W, b)] per layer: views of params (or grads) shaped
        W (fan_out, fan_in), b (fan_out,), in the flat layout."""
        flat = self.grads if grads else self.params
        views, offset = [], 0
        for fan_in, fan_out in self.config.layer_shapes():
            weight = flat[offset:offset + fan_in * fan_out].reshape(fan_out, fan_in)
            offset += fan_in * fan_out
            views.append((weight, flat[offset:offset + fan_out]))
            offset += fan_out
        return views

    # -------------------------------------------------------------- files

    def save(self, path):
        """siren_net_save: architecture and parameters, written atomically.
        A file that cannot be written raises a FileError that is also the
        OSError of its reason (FileNotFoundError for a missing directory,
        PermissionError, IsADirectoryError...)."""
        _file_check(self._lib, lambda p: self._lib.siren_net_save(self._handle, p),
                    "siren_net_save", path)

    @classmethod
    def load(cls, path):
        """siren_net_load: a network from a model file (errors as save's)."""
        lib = _library.load()
        handle = ctypes.c_void_p()
        _file_check(lib, lib.siren_net_load, "siren_net_load", path, ctypes.byref(handle))
        return cls._adopt(lib, handle)

    def to_bytes(self):
        """The model file's bytes (siren_net_save_buffer)."""
        return _read_buffer(self._lib, self._lib.siren_net_save_buffer,
                            "siren_net_save_buffer", self._handle)

    @classmethod
    def from_bytes(cls, data):
        """siren_net_load_buffer: a network from a model file's bytes."""
        lib = _library.load()
        data = bytes(data)
        handle = ctypes.c_void_p()
        check(lib, lib.siren_net_load_buffer(data, len(data), ctypes.byref(handle)),
              "siren_net_load_buffer", "%d bytes" % len(data))
        return cls._adopt(lib, handle)

    def copy(self):
        """A new network with this architecture and these parameters (the
        gradients are zero)."""
        return Network.from_bytes(self.to_bytes())

    # ------------------------------------------------------------ PyTorch

    @classmethod
    def from_torch(cls, source, first_omega=None, hidden_omega=None, outermost_linear=None):
        """A network with the layers of a PyTorch SIREN: an nn.Module, its
        state_dict, or a training checkpoint dictionary holding one. The
        layers' shapes and order are checked against the architecture (and
        a module is run on probe points, layer by layer, to check it
        computes what libsiren does with these omegas); ValueError names the
        layer that does not fit. Omegas default to the module's own (a
        SirenModule), else the official SIREN code's: 30, 30, linear last
        layer. Loads the official SingleBVPNet(type='sine') and FCBlock,
        its notebook's Siren, lucidrains' SirenNet. Needs torch
        (siren.torch_bridge has the details)."""
        from . import torch_bridge
        return torch_bridge.from_torch(source, first_omega, hidden_omega, outermost_linear)

    def to_torch(self, dtype=None, device=None):
        """A siren.torch_bridge.SirenModule (an nn.Module) computing this
        network, with a copy of its parameters (float32 unless dtype says
        otherwise). Needs torch."""
        from . import torch_bridge
        return torch_bridge.to_torch(self, dtype or torch_bridge.torch.float32, device)

    def __reduce__(self):
        # pickle, copy.copy and copy.deepcopy go through the model file's
        # bytes: architecture and parameters (gradients are not kept).
        return (_network_from_bytes, (self.to_bytes(),))

    # --------------------------------------------------------- evaluation

    def __call__(self, x):
        """The value at the points x (..., in_features): (..., out_features)."""
        return self.eval(x, "value").value

    def eval(self, x, what="value", *, laplacian_weights=None, threads=None,
             max_workspace_bytes=DEFAULT_EVAL_BYTES):
        """The quantities `what` ("value", "gradient", "laplacian",
        "hessian_diag", several in a tuple, or SIREN_* flags) at the points
        x, shape (..., in_features); returns a Jet. Any number of points:
        they go through an internal eval-only workspace in chunks that keep
        it below max_workspace_bytes. laplacian_weights: see
        Workspace.set_laplacian_weights. threads: the workspace's thread
        count (default: SIREN_NUM_THREADS or the CPUs).
        Thread-safe (calls on one network take turns); for parallel
        evaluation give each thread its own Workspace."""
        flags = _arrays.flags_of(what)
        x, leading = _arrays.points(x, self.config.in_features)
        n = _point_count(leading)
        outputs = _new_outputs(flags, leading, self.config)
        if n == 0:
            return Jet(**outputs)
        with self._eval_lock:
            ws = self._eval_workspace(flags, n, max_workspace_bytes)
            if threads is not None and threads != ws.threads:
                ws.threads = threads
            ws.set_laplacian_weights(laplacian_weights)
            self._eval_chunks(ws, x, n, outputs)
        return Jet(**outputs)

    def _eval_chunks(self, ws, x, n, outputs):
        dims, out = self.config.in_features, self.config.out_features
        point_floats = {"value": out, "laplacian": out,
                        "gradient": out * dims, "hessian_diag": out * dims}
        for start in range(0, n, ws.max_points):
            count = min(ws.max_points, n - start)
            jet = _arrays.jet_struct(outputs, start, point_floats)
            first = ctypes.cast(x.ctypes.data + start * dims * 4, _library.c_float_p)
            check(self._lib, self._lib.siren_eval(self._handle, ws._handle, count, first,
                                                  ctypes.byref(jet)), "siren_eval")

    def _eval_workspace(self, flags, n, max_bytes):
        """The cached eval-only workspace, remade (for the union of the
        quantities asked so far) when it lacks a quantity or is smaller
        than both the request and the byte budget allows."""
        cached = self._eval_ws
        if cached is not None:
            flags |= _arrays.flags_of(cached.what)
        points = self._eval_points(flags, n, int(max_bytes))
        if (cached is None or _arrays.flags_of(cached.what) != flags
                or cached.max_points < points):
            self._eval_ws = None
            ws = Workspace(self, points, flags, eval_only=True)
            ws.net = None  # no reference cycle: the network owns this workspace
            self._eval_ws = ws
        return self._eval_ws

    def _eval_points(self, flags, n, max_bytes):
        """The most points, up to n and at least 1, of an eval-only
        workspace within max_bytes. Its bytes grow with the points (in
        the default build only up to about 1 MiB of jets per thread, the
        evaluation's tiles), so a bisection."""
        def fits(points):
            return Workspace.bytes_needed(self, points, flags, eval_only=True) <= max_bytes
        if fits(n):
            return n
        low, high = 1, n
        while high - low > 1:
            middle = (low + high) // 2
            if fits(middle):
                low = middle
            else:
                high = middle
        return low

    def __repr__(self):
        c = self.config
        return ("Network(in_features=%d, out_features=%d, hidden_features=%d, hidden_layers=%d, "
                "first_omega=%g, hidden_omega=%g, outermost_linear=%s; %d parameters)"
                % (c.in_features, c.out_features, c.hidden_features, c.hidden_layers,
                   c.first_omega, c.hidden_omega, c.outermost_linear, self.param_count))
