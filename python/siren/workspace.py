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


class _Tape:
    """What the workspace's last successful forward was: its network, the
    points' leading shape, the quantities, and for forward_instances the
    instance count and the parameters it read (kept for the backward)."""

    __slots__ = ("net", "leading", "flags", "instances", "params")

    def __init__(self, net, leading, flags, instances=None, params=None):
        self.net, self.leading, self.flags = net, tuple(leading), flags
        self.instances, self.params = instances, params


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
        self._taped = None  # a _Tape: what the last forward was
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
        (..., in_features); no points, e.g. shape (0, in_features), give
        empty outputs. Returns a Jet."""
        net = self.net if net is None else net
        flags = self._flags(what)
        x, leading = _arrays.points(x, self.config.in_features)
        outputs = _new_outputs(flags, leading, self.config)
        self._call(self._lib.siren_eval, "siren_eval", net, flags, x, _point_count(leading),
                   outputs)
        return Jet(**outputs)

    def forward(self, x, what=None, *, net=None):
        """Like eval, and keeps what backward() needs (a forward of no
        points keeps nothing: a backward after it adds nothing)."""
        net = self.net if net is None else net
        flags = self._flags(what)
        x, leading = _arrays.points(x, self.config.in_features)
        outputs = _new_outputs(flags, leading, self.config)
        self._taped = None
        self._call(self._lib.siren_forward, "siren_forward", net, flags, x,
                   _point_count(leading), outputs, forward=True)
        self._taped = _Tape(net, leading, flags)
        return Jet(**outputs)

    def backward(self, value=None, gradient=None, laplacian=None, hessian_diag=None, *,
                 net=None):
        """Adds d(loss)/d(parameters) into net.grads, from the adjoints
        d(loss)/d(output) of the last forward() (shapes as its outputs;
        None: zero). net must be the network of that forward, with the
        parameters it had then (an Adam step, init or write of net.params
        in between raises; include/siren.h says which writes are found)."""
        net = self.net if net is None else net
        handle = self._live()
        # After forward_instances the library refuses this call (STATE, with
        # its cause below): no shape to compare the adjoints with.
        of_instances = self._taped is not None and self._taped.instances is not None
        adjoints = self._adjoints(value, gradient, laplacian, hessian_diag,
                                  check_shapes=not of_instances)
        jet = _arrays.jet_struct(adjoints)
        status = self._lib.siren_backward(net._handle, handle, ctypes.byref(jet))
        check(self._lib, status, "siren_backward",
              cause=lambda: self._backward_cause(net, adjoints, instances=False))

    # ------------------------------------------------ many networks at once

    def eval_instances(self, params, x, what=None, *, net=None):
        """siren_eval_instances: evaluates I networks of the workspace's
        architecture at once, network i with the parameters params[i] (shape
        (I, param_count), the flat layout of Network.params) on its own
        points x[i] (x shape (I, ..., in_features)). The Jet's arrays have
        shape (I, ..., out_features[, in_features]). What a hypernetwork
        does with the SIRENs it generates. net (default: the workspace's)
        only gives the architecture; its own parameters are not used."""
        return self._instances(self._lib.siren_eval_instances, "siren_eval_instances", params,
                               x, what, net, forward=False)

    def forward_instances(self, params, x, what=None, *, net=None):
        """Like eval_instances, and keeps what backward_instances needs
        (including a copy of params: the tape needs them unchanged)."""
        return self._instances(self._lib.siren_forward_instances, "siren_forward_instances",
                               params, x, what, net, forward=True)

    def backward_instances(self, value=None, gradient=None, laplacian=None, hessian_diag=None,
                           *, grads=None, net=None):
        """siren_backward_instances: d(loss)/d(params[i]) of the last
        forward_instances, from the adjoints d(loss)/d(its outputs) (shapes
        as its outputs; None: zero). Adds them into grads, a C-contiguous
        float32 array of shape (I, param_count), and returns it; grads=None
        starts from zeros."""
        net = self.net if net is None else net
        handle = self._live()
        taped = self._taped
        instances = 1 if taped is None or taped.instances is None else taped.instances
        shape = (instances, net.param_count)
        if grads is None:
            grads = np.zeros(shape, dtype=np.float32)
        elif not (isinstance(grads, np.ndarray) and grads.dtype == np.float32 and
                  grads.flags.c_contiguous and grads.flags.writeable and grads.shape == shape):
            raise ValueError("grads must be a writable C-contiguous float32 array of shape %s "
                             "(it is added into in place)" % (shape,))
        adjoints = self._adjoints(value, gradient, laplacian, hessian_diag)
        jet = _arrays.jet_struct(adjoints)
        status = self._lib.siren_backward_instances(net._handle, handle, ctypes.byref(jet),
                                                    _arrays.pointer(grads))
        check(self._lib, status, "siren_backward_instances",
              cause=lambda: self._backward_cause(net, adjoints, instances=True))
        return grads

    def _instances(self, function, name, params, x, what, net, forward):
        net = self.net if net is None else net
        flags = self._flags(what)
        count = net.param_count
        given, params = params, _arrays.as_float32("params", params)
        if params.ndim != 2 or params.shape[1] != count:
            raise ValueError("params has shape %s: need (instances, %d), one row of the flat "
                             "parameters per network" % (params.shape, count))
        instances = params.shape[0]
        x = _arrays.as_float32("x", x)
        dims = self.config.in_features
        if x.ndim < 2 or x.shape[0] != instances or x.shape[-1] != dims:
            raise ValueError("x has shape %s: need (%d, ..., %d), the points of each of the %d "
                             "networks" % (x.shape, instances, dims, instances))
        n = _point_count(x.shape[1:-1])
        outputs = _new_outputs(flags, x.shape[:-1], self.config)
        if forward:
            if params is given:  # the tape reads them again in backward: a copy
                params = params.copy()
            self._taped = None
        jet = _arrays.jet_struct(outputs)
        status = function(net._handle, self._live(), instances, _arrays.pointer(params), n,
                          _arrays.pointer(x), ctypes.byref(jet))
        check(self._lib, status, name, self._describe(instances * n, flags),
              cause=lambda: self._call_cause(net, flags, forward))
        if forward:
            self._taped = _Tape(net, x.shape[:-1], flags, instances, params)
        return Jet(**outputs)

    # ------------------------------------------------------------ helpers

    def _flags(self, what):
        return _arrays.flags_of(self.what if what is None else what)

    def _call(self, function, name, net, flags, x, n, outputs, forward=False):
        jet = _arrays.jet_struct(outputs)
        status = function(net._handle, self._live(), n, _arrays.pointer(x), ctypes.byref(jet))
        check(self._lib, status, name, self._describe(n, flags),
              cause=lambda: self._call_cause(net, flags, forward))

    def _describe(self, n, flags):
        return "%d points, max_points %d; quantities %s, workspace has %s" % (
            n, self.max_points, ", ".join(_arrays.names_of(flags)), ", ".join(self.what))

    def _adjoints(self, value, gradient, laplacian, hessian_diag, check_shapes=True):
        """The given adjoints as float32, shapes checked against the last
        forward's outputs."""
        given = {"value": value, "gradient": gradient, "laplacian": laplacian,
                 "hessian_diag": hessian_diag}
        adjoints = {}
        for name, array in given.items():
            if array is None:
                continue
            array = _arrays.as_float32("the %s adjoint" % name, array)
            if self._taped is not None and check_shapes:
                want = _arrays.output_shape(name, self._taped.leading, self.config.out_features,
                                            self.config.in_features)
                if array.shape != want:
                    raise ValueError("the %s adjoint has shape %s: the last forward's %s "
                                     "has shape %s" % (name, array.shape, name, want))
            adjoints[name] = array
        return adjoints

    def _call_cause(self, net, flags, forward):
        """Why the library said STATE to an eval or forward."""
        if net.config != self.config:
            return ("the workspace was made for another architecture (%s) than the "
                    "network's (%s)" % (self.config, net.config))
        missing = _arrays.names_of(flags & ~_arrays.flags_of(self.what))
        if missing:
            return ("%s asked for, but the workspace computes only %s (make it with what= "
                    "naming every quantity you will ask for)"
                    % (", ".join(missing), ", ".join(self.what)))
        if forward and self.eval_only:
            return ("this workspace is eval_only: it keeps no tape, so it cannot run a forward "
                    "pass for training (make it without eval_only)")
        return None

    def _backward_cause(self, net, adjoints, instances):
        """Why the library said STATE to a backward."""
        taped = self._taped
        if self.eval_only:
            return "this workspace is eval_only: it keeps no tape to go back through"
        if taped is None:
            return "no forward pass on this workspace to go back through (or the last one failed)"
        if taped.net is not net:
            return "the last forward on this workspace was of another network"
        if taped.instances is not None and not instances:
            return "the last forward was forward_instances: go back with backward_instances"
        missing = [name for name in adjoints if not taped.flags & _arrays.QUANTITY_FLAGS[name]]
        if missing:
            return ("an adjoint for %s, which the last forward did not compute (it computed %s)"
                    % (", ".join(missing), ", ".join(_arrays.names_of(taped.flags))))
        return ("the last forward's tape no longer matches this network: its parameters "
                "changed since (an optimiser step, init, a write of net.params) or the "
                "workspace's Laplacian weights were set: run forward again")

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
