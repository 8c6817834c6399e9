"""Workspace: the scratch memory of evaluation and training (siren_workspace).

A workspace evaluates networks of one architecture on up to max_points
points per call. eval() computes the requested quantities; forward() does
the same and keeps the tape that backward() needs; backward() adds
d(loss)/d(parameters) into the network's grads, given the adjoints
d(loss)/d(each output of the forward).

One workspace must not be used by two threads at once; one network may be
evaluated by many threads at once, each with its own workspace.
"""

import ctypes

import numpy as np

from . import _arrays
from . import _library
from .errors import check


class Jet:
    """The outputs of an evaluation: value, gradient, laplacian and
    hessian_diag, float32 arrays with the points' leading shape (None for a
    quantity that was not asked for). jet["value"] works too."""

    __slots__ = _arrays.QUANTITIES

    def __init__(self, value=None, gradient=None, laplacian=None, hessian_diag=None):
        self.value = value
        self.gradient = gradient
        self.laplacian = laplacian
        self.hessian_diag = hessian_diag

    def __getitem__(self, name):
        if name not in _arrays.QUANTITIES:
            raise KeyError(name)
        return getattr(self, name)

    def computed(self):
        """The names of the quantities present."""
        return tuple(name for name in _arrays.QUANTITIES if getattr(self, name) is not None)

    def __repr__(self):
        parts = ["%s=%s" % (name, getattr(self, name).shape) for name in self.computed()]
        return "Jet(%s)" % ", ".join(parts)


def _new_outputs(flags, leading, config):
    return {name: np.empty(_arrays.output_shape(name, leading, config.out_features,
                                                config.in_features), dtype=np.float32)
            for name in _arrays.names_of(flags)}


def _point_count(leading):
    count = 1
    for extent in leading:
        count *= int(extent)
    return count


def _size_t(name, value, minimum):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError("%s must be an integer, not %r" % (name, value))
    if not minimum <= int(value) < 2 ** 63:
        raise ValueError("%s must be at least %d, not %d" % (name, minimum, value))
    return int(value)


class Workspace:
    """siren_workspace_create(net, max_points, what): scratch memory for up
    to max_points points per call, for the quantities in `what` (names or
    SIREN_* flags). eval_only=True keeps no tape (about half the memory for
    deep networks; forward() then raises StateError). threads: see the
    threads property."""

    def __init__(self, net, max_points, what="value", *, eval_only=False, threads=None):
        self._handle = None
        self._lib = _library.load()
        flags = _arrays.flags_of(what)
        max_points = _size_t("max_points", max_points, 0)
        handle = ctypes.c_void_p()
        status = self._lib.siren_workspace_create(
            net._handle, max_points, flags | (_arrays.EVAL_ONLY if eval_only else 0),
            ctypes.byref(handle))
        check(self._lib, status, "siren_workspace_create",
              "max_points %d, quantities %s" % (max_points, ", ".join(_arrays.names_of(flags))))
        self._handle = handle
        self.net = net
        self.config = net.config
        self.max_points = max_points
        self.what = _arrays.names_of(flags)
        self.eval_only = bool(eval_only)
        self._taped = None  # (net, leading shape, flags) of the last forward
        if threads is not None:
            self.threads = threads

    @staticmethod
    def bytes_needed(net, max_points, what="value", *, eval_only=False):
        """siren_workspace_bytes: what such a workspace would allocate."""
        lib = _library.load()
        flags = _arrays.flags_of(what) | (_arrays.EVAL_ONLY if eval_only else 0)
        size = ctypes.c_size_t()
        check(lib, lib.siren_workspace_bytes(net._handle, _size_t("max_points", max_points, 0),
                                             flags, ctypes.byref(size)),
              "siren_workspace_bytes")
        return size.value

    @property
    def nbytes(self):
        """The bytes this workspace allocated."""
        flags = _arrays.flags_of(self.what)
        return Workspace.bytes_needed(self.net, self.max_points, flags, eval_only=self.eval_only)

    # ------------------------------------------------------------ settings

    @property
    def threads(self):
        """The threads each call uses, the calling one included. Setting it
        starts or stops pool threads (siren_workspace_set_threads); results
        are bit-identical for every thread count."""
        return int(self._lib.siren_workspace_threads(self._live()))

    @threads.setter
    def threads(self, count):
        count = _size_t("threads", count, 0)
        check(self._lib, self._lib.siren_workspace_set_threads(self._live(), count),
              "siren_workspace_set_threads", "threads %d (1 to 256)" % count)

    def set_laplacian_weights(self, weights=None):
        """The laplacian output becomes sum_k weights[k] d2y/dx_k^2; None
        restores all ones. weights: in_features real numbers (copied to
        float32). Discards the last forward(): backward() before the next
        forward() raises."""
        handle = self._live()
        count = self.config.in_features
        if weights is None:
            status = self._lib.siren_workspace_set_laplacian_weights(handle, None, count)
        else:
            weights = _arrays.as_float32("laplacian weights", weights)
            if weights.shape != (count,):
                raise ValueError("laplacian weights have shape %s: need (%d,), one weight "
                                 "per input coordinate" % (weights.shape, count))
            status = self._lib.siren_workspace_set_laplacian_weights(
                handle, _arrays.pointer(weights), count)
        check(self._lib, status, "siren_workspace_set_laplacian_weights")

    # ---------------------------------------------------------- the passes

    def eval(self, x, what=None, *, net=None):
        """The quantities `what` (default: all of the workspace's) of net
        (default: the workspace's network) at the points x, shape
        (..., in_features). Returns a Jet."""
        return self._run(self._lib.siren_eval, "siren_eval", x, what, net)

    def forward(self, x, what=None, *, net=None):
        """Like eval, and keeps what backward() needs."""
        net = self.net if net is None else net
        self._taped = None
        jet, leading, flags = self._run(self._lib.siren_forward, "siren_forward", x, what, net,
                                        keep_shape=True)
        self._taped = (net, leading, flags)
        return jet

    def backward(self, value=None, gradient=None, laplacian=None, hessian_diag=None, *,
                 net=None):
        """Adds d(loss)/d(parameters) into net.grads, from the adjoints
        d(loss)/d(output) of the last forward() (shapes as its outputs;
        None: zero). net must be the network of that forward, with the
        parameters it had then (an Adam step, init or write of net.params
        in between raises; include/siren.h says which writes are found)."""
        net = self.net if net is None else net
        handle = self._live()
        given = {"value": value, "gradient": gradient, "laplacian": laplacian,
                 "hessian_diag": hessian_diag}
        adjoints = {}
        for name, array in given.items():
            if array is None:
                continue
            array = _arrays.as_float32("the %s adjoint" % name, array)
            if self._taped is not None:
                _, leading, _ = self._taped
                want = _arrays.output_shape(name, leading, self.config.out_features,
                                            self.config.in_features)
                if array.shape != want:
                    raise ValueError("the %s adjoint has shape %s: the last forward's %s "
                                     "has shape %s" % (name, array.shape, name, want))
            adjoints[name] = array
        jet = _arrays.jet_struct(adjoints)
        status = self._lib.siren_backward(net._handle, handle, ctypes.byref(jet))
        check(self._lib, status, "siren_backward",
              None if status != -7 else "backward needs a forward on this workspace with "
              "this network, computing every quantity given an adjoint, and nothing changed "
              "since (the parameters, the Laplacian weights)")

    def _run(self, function, name, x, what, net, keep_shape=False):
        handle = self._live()
        net = self.net if net is None else net
        flags = _arrays.flags_of(self.what if what is None else what)
        x, leading = _arrays.points(x, self.config.in_features)
        n = _point_count(leading)
        outputs = _new_outputs(flags, leading, self.config)
        if n == 0:
            raise ValueError("x has shape %s: no points to evaluate" % (x.shape,))
        jet = _arrays.jet_struct(outputs)
        status = function(net._handle, handle, n, _arrays.pointer(x), ctypes.byref(jet))
        check(self._lib, status, name,
              "%d points, max_points %d; quantities %s, workspace has %s"
              % (n, self.max_points, ", ".join(_arrays.names_of(flags)), ", ".join(self.what)))
        result = Jet(**outputs)
        return (result, leading, flags) if keep_shape else result

    # ----------------------------------------------------------- lifetime

    def _live(self):
        if not self._handle:
            raise ValueError("this workspace is closed")
        return self._handle

    def close(self):
        """Frees the workspace now (and its threads); later calls raise."""
        if self._handle:
            self._lib.siren_workspace_free(self._handle)
            self._handle = None
            self._taped = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def __del__(self):
        if getattr(self, "_handle", None):
            self.close()

    def __repr__(self):
        state = "closed" if not self._handle else "%d threads" % self.threads
        return "Workspace(max_points=%d, what=%s, %s)" % (self.max_points, self.what, state)
