"""numpy arrays in and out of the C calls, and the quantity names.

The rules (docs/BINDINGS.md repeats them):

  * Inputs (points, adjoints, Laplacian weights) may have any real dtype
    (floating or integer) and any memory layout. An input that is not
    already a C-contiguous float32 array is COPIED into one before the call
    (np.ascontiguousarray(a, dtype=np.float32)); float64 data is rounded to
    float32 on the way. Complex, boolean, object and string arrays raise
    TypeError. Pass float32 C-contiguous arrays to avoid the copy.
  * Outputs are new C-contiguous float32 arrays that the call fills.
  * Shapes: points are (..., in_features), any number of leading axes;
    each output has the same leading axes: value and laplacian
    (..., out_features), gradient and hessian_diag (..., out_features,
    in_features). A wrong shape raises ValueError saying what was expected.
"""

import ctypes

import numpy as np

from ._library import Jet as _JetStruct
from ._library import c_float_p

VALUE = 1
GRADIENT = 2
LAPLACIAN = 4
HESSIAN_DIAG = 8
EVAL_ONLY = 256
QUANTITY_FLAGS = {"value": VALUE, "gradient": GRADIENT, "laplacian": LAPLACIAN,
                  "hessian_diag": HESSIAN_DIAG}
QUANTITIES = tuple(QUANTITY_FLAGS)  # in siren_jet's member order
ALL = VALUE | GRADIENT | LAPLACIAN | HESSIAN_DIAG


def flags_of(what):
    """`what` as the C flags: an int of SIREN_* flags, one quantity name,
    or an iterable of names ("value", "gradient", "laplacian",
    "hessian_diag")."""
    if isinstance(what, (int, np.integer)) and not isinstance(what, bool):
        flags = int(what)
        if flags <= 0 or flags & ~ALL:
            raise ValueError("quantity flags %#x: use an OR of siren.VALUE, GRADIENT, "
                             "LAPLACIAN, HESSIAN_DIAG" % flags)
        return flags
    names = (what,) if isinstance(what, str) else tuple(what)
    if not names:
        raise ValueError("no quantity asked for: name at least one of %s"
                         % ", ".join(QUANTITIES))
    flags = 0
    for name in names:
        if name not in QUANTITY_FLAGS:
            raise ValueError("unknown quantity %r: the quantities are %s"
                             % (name, ", ".join(QUANTITIES)))
        flags |= QUANTITY_FLAGS[name]
    return flags


def names_of(flags):
    """The quantity names in flags, in siren_jet's member order."""
    return tuple(name for name, flag in QUANTITY_FLAGS.items() if flags & flag)


def as_float32(name, array):
    """array as a C-contiguous float32 ndarray: itself when it already is
    one, else a copy (the documented conversion)."""
    array = np.asarray(array)
    if array.dtype.kind not in "fiu":
        raise TypeError("%s has dtype %s: libsiren computes in float32 and converts "
                        "only real (floating or integer) arrays" % (name, array.dtype))
    return np.ascontiguousarray(array, dtype=np.float32)


def points(x, in_features):
    """x as float32 (..., in_features): (the array, its leading shape)."""
    x = as_float32("x", x)
    if x.ndim == 0 or x.shape[-1] != in_features:
        raise ValueError("x has shape %s: points must be an array of shape "
                         "(..., %d), the last axis holding the %d input coordinates"
                         % (x.shape, in_features, in_features))
    return x, x.shape[:-1]


def output_shape(name, leading, out_features, in_features):
    if name in ("value", "laplacian"):
        return tuple(leading) + (out_features,)
    return tuple(leading) + (out_features, in_features)


def pointer(array):
    """float* to the first element of a C-contiguous float32 array (the
    caller keeps the array alive during the call)."""
    return array.ctypes.data_as(c_float_p)


def jet_struct(arrays, offset_points=0, point_floats=None):
    """A siren_jet whose members point into arrays (name -> float32 array,
    None or missing: NULL). offset_points moves every member on by that many
    points; point_floats[name] is the floats of one point of that member."""
    jet = _JetStruct()
    for name in QUANTITIES:
        array = arrays.get(name)
        if array is None:
            continue
        address = array.ctypes.data
        if offset_points:
            address += offset_points * point_floats[name] * 4
        setattr(jet, name, ctypes.cast(address, c_float_p))
    return jet


def float_view(address, count, owner):
    """A writable float32 numpy array over count floats at address that
    keeps `owner` alive as long as any view of it exists."""
    if count == 0:
        return np.zeros(0, dtype=np.float32)
    buffer = (ctypes.c_float * count).from_address(address)
    buffer._siren_owner = owner  # the chain: ndarray -> buffer -> owner
    return np.frombuffer(buffer, dtype=np.float32)
