"""Finding and loading libsiren, and the C declarations of include/siren.h.

The library is looked up, first found wins:

  1. An explicit choice: siren.use_library(path) before the first call, or
     else $SIREN_LIBRARY. A path is then the only candidate (a wrong path
     is an error, not a silent fallback); the word "system" means the
     installed library of step 4 and nothing else.
  2. The bundled copy: libsiren.so.1 beside this file, which the wheel
     carries (pip install compiles it from the library's sources; so does
     pip install -e, into python/siren/).
  3. The build tree: ../../lib/libsiren.so.1 relative to this file, the
     repository's lib/ when the package is used from python/ of a checkout
     without installing it (PYTHONPATH=python, after `make`).
  4. The system: `pkg-config --variable=libdir siren` (an installed copy,
     PKG_CONFIG_PATH honoured), then ctypes.util.find_library("siren")
     (the dynamic loader's cache: /usr/lib, /usr/local/lib after ldconfig).

The loaded library must have major version SIREN_VERSION_MAJOR: the same
major version means the same ABI (docs/ABI.md). It is loaded with
use_errno=True, so that a failed file call can report errno (siren.h
guarantees it is the failing system call's on SIREN_ERR_IO).
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

def _here():
    return os.path.dirname(os.path.abspath(__file__))


def _bundled_candidate():
    return os.path.join(_here(), SONAME)


def _build_tree_candidate():
    return os.path.join(os.path.dirname(os.path.dirname(_here())), "lib", SONAME)


def _pkg_config_libdir(environ):
    try:
        result = subprocess.run(["pkg-config", "--variable=libdir", "siren"],
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                env=environ, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    libdir = result.stdout.decode(errors="replace").strip()
    return libdir if result.returncode == 0 and libdir else None


def _system_candidates(environ):
    found = []
    libdir = _pkg_config_libdir(environ)
    if libdir and os.path.exists(os.path.join(libdir, SONAME)):
        found.append(("pkg-config", os.path.join(libdir, SONAME)))
    name = ctypes.util.find_library("siren")
    if name:
        found.append(("find_library", name))
    return found


SYSTEM = "system"


def candidates(environ=None, choice=None):
    """The places libsiren is looked for, in order, as (how, path or name)
    pairs; only places that exist are listed, except an explicit path
    (choice, else $SIREN_LIBRARY), which is the sole candidate when given."""
    environ = os.environ if environ is None else environ
    if choice is not None:
        how, explicit = "use_library", choice
    else:
        how, explicit = "SIREN_LIBRARY", environ.get("SIREN_LIBRARY")
    if explicit == SYSTEM:
        return [(how + "=system: " + h, p) for h, p in _system_candidates(environ)]
    if explicit:
        return [(how, os.fspath(explicit))]
    found = []
    for where, path in (("bundled", _bundled_candidate()), ("build tree", _build_tree_candidate())):
        if os.path.exists(path):
            found.append((where, path))
    return found + _system_candidates(environ)


class Library:
    """The loaded shared library with every function's signature set; the
    functions are attributes named as in C (lib.siren_eval ...)."""

    def __init__(self, path):
        self.path = path
        self.dll = ctypes.CDLL(path, use_errno=True)
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

    def file_call(self, function, *args):
        """(status, errno) of a file function: errno as the library left
        it, which is the failing system call's on SIREN_ERR_IO (siren.h)."""
        ctypes.set_errno(0)
        status = function(*args)
        return status, ctypes.get_errno()


_lock = threading.Lock()
_loaded = None
_choice = None


def use_library(path):
    """Chooses the library before its first use: the path of a
    libsiren.so.1, or "system" for the installed one (pkg-config, then the
    loader's cache) instead of the copy bundled with the package. Takes
    precedence over $SIREN_LIBRARY. Raises RuntimeError once a library is
    loaded (a process can hold only one)."""
    global _choice
    with _lock:
        if _loaded is not None:
            raise RuntimeError("libsiren is already loaded from %s: call use_library "
                               "before anything else of the siren package" % _loaded.path)
        _choice = None if path is None else os.fspath(path)


def load():
    """The library, loaded on first use (thread-safe)."""
    global _loaded
    with _lock:
        if _loaded is None:
            _loaded = _load_first(candidates(choice=_choice))
        return _loaded


def _load_first(places):
    if not places:
        explicit = _choice if _choice is not None else os.environ.get("SIREN_LIBRARY")
        if explicit == SYSTEM:
            raise LibraryNotFoundError(
                "no installed libsiren (asked for the system's): `pkg-config --variable=libdir "
                "siren` names no directory with %s and the dynamic loader's cache has no "
                "libsiren. Install it (make install), set PKG_CONFIG_PATH, or drop the request "
                "to use the library bundled with the package." % SONAME)
        raise LibraryNotFoundError(
            "libsiren not found: the package has no bundled %s (it was not installed with pip), "
            "there is no build-tree library %s, `pkg-config --variable=libdir siren` names no "
            "directory with it, and the dynamic loader's cache has no libsiren. Install the "
            "package with `pip install ./python`, or build the library (make) or install it "
            "(make install), or set SIREN_LIBRARY to the path of %s."
            % (SONAME, _build_tree_candidate(), SONAME))
    errors = []
    for how, path in places:
        try:
            return Library(path)
        except OSError as error:
            if how in ("SIREN_LIBRARY", "use_library"):
                raise LibraryNotFoundError(
                    "cannot load libsiren from %s=%s: %s" % (how, path, error)) from error
            errors.append("%s (%s): %s" % (path, how, error))
    raise LibraryNotFoundError("cannot load libsiren: " + "; ".join(errors))
