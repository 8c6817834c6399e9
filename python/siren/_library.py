"""Finding and loading libsiren, and the C declarations of include/siren.h.

The library is looked up, first found wins:

  1. $SIREN_LIBRARY: the path of the shared library. When it is set it is
     the only candidate, so a wrong path is an error, not a silent fallback.
  2. The build tree: ../../lib/libsiren.so.1 relative to this file, which is
     the repository's lib/ when the package is used from python/ in a
     checkout (after `make`).
  3. The system: `pkg-config --variable=libdir siren` (an installed copy,
     PKG_CONFIG_PATH honoured), then ctypes.util.find_library("siren")
     (the dynamic loader's cache: /usr/lib, /usr/local/lib after ldconfig).

The loaded library must have major version SIREN_VERSION_MAJOR: the same
major version means the same ABI (docs/ABI.md).
"""

import ctypes
import ctypes.util
import os
import subprocess
import threading

SONAME = "libsiren.so.1"
VERSION_MAJOR = 1

c_float_p = ctypes.POINTER(ctypes.c_float)
c_void_pp = ctypes.POINTER(ctypes.c_void_p)
c_size_p = ctypes.POINTER(ctypes.c_size_t)


class LibraryNotFoundError(OSError):
    """libsiren could not be found or loaded; the message lists where it
    was looked for."""


# ----------------------------------------------------------- the structs

class Config(ctypes.Structure):
    """struct siren_config, members in include/siren.h's order."""
    _fields_ = [("size", ctypes.c_uint32),
                ("in_features", ctypes.c_uint32),
                ("out_features", ctypes.c_uint32),
                ("hidden_features", ctypes.c_uint32),
                ("hidden_layers", ctypes.c_uint32),
                ("first_omega", ctypes.c_float),
                ("hidden_omega", ctypes.c_float),
                ("outermost_linear", ctypes.c_int32)]


class Jet(ctypes.Structure):
    """struct siren_jet: a NULL member is not computed (zero as an adjoint)."""
    _fields_ = [("value", c_float_p),
                ("gradient", c_float_p),
                ("laplacian", c_float_p),
                ("hessian_diag", c_float_p)]


class AdamConfig(ctypes.Structure):
    """struct siren_adam_config, members in include/siren.h's order."""
    _fields_ = [("size", ctypes.c_uint32),
                ("lr", ctypes.c_float),
                ("beta1", ctypes.c_float),
                ("beta2", ctypes.c_float),
                ("eps", ctypes.c_float),
                ("weight_decay", ctypes.c_float),
                ("clip_grad_norm", ctypes.c_float)]


_int, _uint, _size = ctypes.c_int, ctypes.c_uint, ctypes.c_size_t
_ptr, _str = ctypes.c_void_p, ctypes.c_char_p
_config_p, _jet_p = ctypes.POINTER(Config), ctypes.POINTER(Jet)
_adam_config_p = ctypes.POINTER(AdamConfig)

# The exported functions the package calls (all but the *_with_allocator
# ones): name -> (restype, argtypes). Handles are void*.
SIGNATURES = {
    "siren_version_number": (_uint, []),
    "siren_version_string": (_str, []),
    "siren_status_string": (_str, [_int]),
    "siren_config_default": (None, [_config_p]),
    "siren_net_create": (_int, [_config_p, c_void_pp]),
    "siren_net_free": (None, [_ptr]),
    "siren_net_init": (_int, [_ptr, ctypes.c_uint64]),
    "siren_net_param_count": (_size, [_ptr]),
    "siren_net_params": (c_float_p, [_ptr]),
    "siren_net_grads": (c_float_p, [_ptr]),
    "siren_net_zero_grad": (None, [_ptr]),
    "siren_net_config": (_int, [_ptr, _config_p]),
    "siren_workspace_create": (_int, [_ptr, _size, _uint, c_void_pp]),
    "siren_workspace_free": (None, [_ptr]),
    "siren_workspace_bytes": (_int, [_ptr, _size, _uint, c_size_p]),
    "siren_workspace_set_laplacian_weights": (_int, [_ptr, c_float_p, _size]),
    "siren_workspace_set_threads": (_int, [_ptr, _size]),
    "siren_workspace_threads": (_size, [_ptr]),
    "siren_eval": (_int, [_ptr, _ptr, _size, c_float_p, _jet_p]),
    "siren_forward": (_int, [_ptr, _ptr, _size, c_float_p, _jet_p]),
    "siren_backward": (_int, [_ptr, _ptr, _jet_p]),
    "siren_eval_instances": (_int, [_ptr, _ptr, _size, c_float_p, _size, c_float_p, _jet_p]),
    "siren_forward_instances": (_int, [_ptr, _ptr, _size, c_float_p, _size, c_float_p, _jet_p]),
    "siren_backward_instances": (_int, [_ptr, _ptr, _jet_p, c_float_p]),
    "siren_adam_config_default": (None, [_adam_config_p]),
    "siren_adam_create": (_int, [_ptr, _adam_config_p, c_void_pp]),
    "siren_adam_step": (_int, [_ptr, _ptr]),
    "siren_adam_free": (None, [_ptr]),
    "siren_adam_step_count": (ctypes.c_uint64, [_ptr]),
    "siren_adam_set_lr": (_int, [_ptr, ctypes.c_float]),
    "siren_net_save": (_int, [_ptr, _str]),
    "siren_net_load": (_int, [_str, c_void_pp]),
    "siren_net_save_buffer": (_int, [_ptr, _ptr, _size, c_size_p]),
    "siren_net_load_buffer": (_int, [_ptr, _size, c_void_pp]),
    "siren_checkpoint_save": (_int, [_ptr, _ptr, _str]),
    "siren_checkpoint_load": (_int, [_str, c_void_pp, c_void_pp]),
    "siren_checkpoint_save_buffer": (_int, [_ptr, _ptr, _ptr, _size, c_size_p]),
    "siren_checkpoint_load_buffer": (_int, [_ptr, _size, c_void_pp, c_void_pp]),
}


# ------------------------------------------------------------ the lookup

def _build_tree_candidate():
    here = os.path.dirname(os.path.abspath(__file__))
    return os.path.join(os.path.dirname(os.path.dirname(here)), "lib", SONAME)


def _pkg_config_libdir(environ):
    try:
        result = subprocess.run(["pkg-config", "--variable=libdir", "siren"],
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                env=environ, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    libdir = result.stdout.decode(errors="replace").strip()
    return libdir if result.returncode == 0 and libdir else None


def candidates(environ=None):
    """The places libsiren is looked for, in order, as (how, path or name)
    pairs; only places that exist are listed, except $SIREN_LIBRARY, which
    is always the sole candidate when set."""
    environ = os.environ if environ is None else environ
    explicit = environ.get("SIREN_LIBRARY")
    if explicit:
        return [("SIREN_LIBRARY", explicit)]
    found = []
    build_tree = _build_tree_candidate()
    if os.path.exists(build_tree):
        found.append(("build tree", build_tree))
    libdir = _pkg_config_libdir(environ)
    if libdir and os.path.exists(os.path.join(libdir, SONAME)):
        found.append(("pkg-config", os.path.join(libdir, SONAME)))
    name = ctypes.util.find_library("siren")
    if name:
        found.append(("find_library", name))
    return found


class Library:
    """The loaded shared library with every function's signature set; the
    functions are attributes named as in C (lib.siren_eval ...)."""

    def __init__(self, path):
        self.path = path
        self.dll = ctypes.CDLL(path)
        for name, (restype, argtypes) in SIGNATURES.items():
            function = getattr(self.dll, name, None)
            if function is None:  # an older library of the same major version
                continue
            function.restype = restype
            function.argtypes = argtypes
            setattr(self, name, function)
        version = self.siren_version_number()
        if version // 10000 != VERSION_MAJOR:
            raise LibraryNotFoundError(
                "%s is libsiren %s; this package needs major version %d"
                % (path, self.siren_version_string().decode(), VERSION_MAJOR))

    def status_string(self, status):
        return self.siren_status_string(status).decode()


_lock = threading.Lock()
_loaded = None


def load():
    """The library, loaded on first use (thread-safe)."""
    global _loaded
    with _lock:
        if _loaded is None:
            _loaded = _load_first(candidates())
        return _loaded


def _load_first(places):
    if not places:
        raise LibraryNotFoundError(
            "libsiren not found: SIREN_LIBRARY is not set, there is no build-tree "
            "library %s, `pkg-config --variable=libdir siren` names no directory with "
            "%s, and the dynamic loader's cache has no libsiren. Build it (make) or "
            "install it (make install), or set SIREN_LIBRARY to the path of %s."
            % (_build_tree_candidate(), SONAME, SONAME))
    errors = []
    for how, path in places:
        try:
            return Library(path)
        except OSError as error:
            if how == "SIREN_LIBRARY":
                raise LibraryNotFoundError(
                    "cannot load libsiren from SIREN_LIBRARY=%s: %s" % (path, error)) from error
            errors.append("%s (%s): %s" % (path, how, error))
    raise LibraryNotFoundError("cannot load libsiren: " + "; ".join(errors))
