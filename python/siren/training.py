"""Adam (siren_adam) and training checkpoints.

A training step is: net.zero_grad(); jet = ws.forward(x, ...); the loss's
adjoints in numpy; ws.backward(...); opt.step(). Checkpoints hold the
parameters and the optimiser's configuration, moments and step count;
resuming from one gives bit-identical steps to an uninterrupted run.
"""

import ctypes
import os
import struct

from . import _library
from .errors import check
from .network import Network, _file_check, _path, _read_buffer


def _real(name, value):
    try:
        return float(value)
    except (TypeError, ValueError):
        raise TypeError("%s must be a real number, not %r" % (name, value)) from None


class Adam:
    """siren_adam_create: Adam exactly as torch.optim.Adam (amsgrad off),
    with optional L2 weight decay and global gradient-norm clipping
    (clip_grad_norm > 0), for `net` and networks of its architecture."""

    def __init__(self, net, lr=1e-4, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                 clip_grad_norm=0.0):
        self._handle = None
        self._lib = _library.load()
        cfg = _library.AdamConfig()
        self._lib.siren_adam_config_default(ctypes.byref(cfg))
        beta1, beta2 = betas
        cfg.lr = _real("lr", lr)
        cfg.beta1, cfg.beta2 = _real("beta1", beta1), _real("beta2", beta2)
        cfg.eps = _real("eps", eps)
        cfg.weight_decay = _real("weight_decay", weight_decay)
        cfg.clip_grad_norm = _real("clip_grad_norm", clip_grad_norm)
        handle = ctypes.c_void_p()
        check(self._lib, self._lib.siren_adam_create(net._handle, ctypes.byref(cfg),
                                                     ctypes.byref(handle)),
              "siren_adam_create", "lr %g, betas %s, eps %g, weight_decay %g, "
              "clip_grad_norm %g" % (lr, betas, eps, weight_decay, clip_grad_norm))
        self._handle = handle
        self.net = net
        self.config = net.config  # the architecture it updates
        self._settings = {name: getattr(cfg, name) for name in _SETTINGS}

    @classmethod
    def _adopt(cls, lib, handle, net, settings):
        opt = cls.__new__(cls)
        opt._lib, opt._handle, opt.net, opt.config = lib, handle, net, net.config
        opt._settings = settings
        return opt

    def step(self, net=None):
        """One update of net's parameters (default: the optimiser's network)
        from its gradients; the gradients are not zeroed."""
        net = self.net if net is None else net
        check(self._lib, self._lib.siren_adam_step(self._live(), net._handle),
              "siren_adam_step", cause=lambda: _architecture_cause(self, net))

    @property
    def step_count(self):
        """Steps taken (restored by load_checkpoint)."""
        return int(self._lib.siren_adam_step_count(self._live()))

    @property
    def lr(self):
        """The learning rate of the next step: the constructor's, set_lr's,
        or the checkpoint's for an optimiser load_checkpoint made (as
        float32 keeps it)."""
        return self._settings["lr"]

    @property
    def betas(self):
        return (self._settings["beta1"], self._settings["beta2"])

    @property
    def eps(self):
        return self._settings["eps"]

    @property
    def weight_decay(self):
        return self._settings["weight_decay"]

    @property
    def clip_grad_norm(self):
        return self._settings["clip_grad_norm"]

    def set_lr(self, lr):
        """siren_adam_set_lr: the learning rate of later steps (schedules)."""
        lr = _real("lr", lr)
        check(self._lib, self._lib.siren_adam_set_lr(self._live(), lr), "siren_adam_set_lr",
              "lr %g" % lr)
        self._settings["lr"] = float(ctypes.c_float(lr).value)

    def _live(self):
        if not self._handle:
            raise ValueError("this optimiser is closed")
        return self._handle

    def close(self):
        """Frees the optimiser's moments now; later calls raise."""
        if self._handle:
            self._lib.siren_adam_free(self._handle)
            self._handle = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def __del__(self):
        if getattr(self, "_handle", None):
            self.close()

    def __repr__(self):
        return "Adam(lr=%g, betas=(%g, %g), eps=%g, weight_decay=%g, clip_grad_norm=%g; %s)" % (
            self.lr, self.betas[0], self.betas[1], self.eps, self.weight_decay,
            self.clip_grad_norm, "%d steps" % self.step_count if self._handle else "closed")


# siren_adam_config's settings, in the order of the checkpoint's fields
# (docs/FORMAT.md: six f32 at offset 52).
_SETTINGS = ("lr", "beta1", "beta2", "eps", "weight_decay", "clip_grad_norm")
_SETTINGS_OFFSET = 52


def _settings_of(net, opt_handle, lib):
    """An optimiser's settings, read from the checkpoint the library
    writes of it (the library has no getter for them)."""
    data = _read_buffer(lib, lib.siren_checkpoint_save_buffer, "siren_checkpoint_save_buffer",
                        net._handle, opt_handle)
    (version,) = struct.unpack_from("<I", data, 8)
    if data[:8] != b"SIRENckp" or version != 1:
        raise RuntimeError("unexpected checkpoint layout (version %d): this package reads "
                           "format version 1" % version)
    values = struct.unpack_from("<6f", data, _SETTINGS_OFFSET)
    return dict(zip(_SETTINGS, values))


def _architecture_cause(opt, net):
    """Why the library said STATE to an optimiser and a network."""
    if opt.config != net.config:
        return ("the optimiser was made for another architecture (%s) than the network's (%s)"
                % (opt.config, net.config))
    return None


def save_checkpoint(path, net, opt):
    """siren_checkpoint_save: net's parameters and opt's state, atomically.
    File errors as Network.save's (FileError, also FileNotFoundError...)."""
    lib = _library.load()
    handle = opt._live()
    status, os_errno = lib.file_call(lib.siren_checkpoint_save, net._handle, handle, _path(path))
    check(lib, status, "siren_checkpoint_save", repr(os.fspath(path)),
          cause=lambda: _architecture_cause(opt, net), os_errno=os_errno,
          filename=os.fspath(path))


def load_checkpoint(path):
    """siren_checkpoint_load: (Network, Adam) as they were saved; the Adam
    steps the returned network and reports the saved lr, betas, eps..."""
    lib = _library.load()
    net, opt = ctypes.c_void_p(), ctypes.c_void_p()
    _file_check(lib, lib.siren_checkpoint_load, "siren_checkpoint_load", path,
                ctypes.byref(net), ctypes.byref(opt))
    return _adopt_pair(lib, net, opt)


def checkpoint_to_bytes(net, opt):
    """The checkpoint file's bytes (siren_checkpoint_save_buffer)."""
    lib = _library.load()
    return _read_buffer(lib, lib.siren_checkpoint_save_buffer, "siren_checkpoint_save_buffer",
                        net._handle, opt._live(), cause=lambda: _architecture_cause(opt, net))


def checkpoint_from_bytes(data):
    """siren_checkpoint_load_buffer: (Network, Adam) from a checkpoint's bytes."""
    lib = _library.load()
    data = bytes(data)
    net, opt = ctypes.c_void_p(), ctypes.c_void_p()
    check(lib, lib.siren_checkpoint_load_buffer(data, len(data), ctypes.byref(net),
                                                ctypes.byref(opt)),
          "siren_checkpoint_load_buffer", "%d bytes" % len(data))
    return _adopt_pair(lib, net, opt)


def _adopt_pair(lib, net_handle, opt_handle):
    try:
        net = Network._adopt(lib, net_handle)  # owns net_handle from here on
        settings = _settings_of(net, opt_handle, lib)
    except BaseException:
        lib.siren_adam_free(opt_handle)
        raise
    return net, Adam._adopt(lib, opt_handle, net, settings)
