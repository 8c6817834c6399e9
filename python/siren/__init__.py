"""siren: SIREN neural fields with input derivatives, on the CPU (libsiren).

    import numpy as np, siren

    net = siren.Network(hidden_features=64, hidden_layers=2, seed=0)
    x = np.random.uniform(-1, 1, (100, 2))              # (..., in_features)
    jet = net.eval(x, ("value", "gradient", "laplacian"))
    jet.value.shape, jet.gradient.shape                  # (100, 1), (100, 1, 2)

    ws = siren.Workspace(net, max_points=100, what="value")
    opt = siren.Adam(net, lr=1e-4)
    for step in range(100):                              # fit a target
        net.zero_grad()
        y = ws.forward(x).value
        ws.backward(value=2 * (y - target) / y.size)     # d(mean squared error)/dy
        opt.step()

This package is a thin layer over the C library (ctypes; pip compiles the
library into the package, and it is found as described in
siren._library). Arrays: inputs of another real dtype or memory layout are
copied to C-contiguous float32 (float64 is rounded); outputs are new
float32 arrays; params and grads are views without copies; no points is a
valid call. Failures raise siren.SirenError subclasses carrying the
library's status and message (file errors are also the OSError of their
reason: FileNotFoundError, PermissionError...). PyTorch SIRENs come in with
Network.from_torch and go out with net.to_torch() (siren.torch_bridge;
torch is optional); `python -m siren.convert` writes model files for C.
docs/BINDINGS.md has the details.
"""

from ._arrays import ALL, GRADIENT, HESSIAN_DIAG, LAPLACIAN, QUANTITIES, VALUE
from ._library import LibraryNotFoundError, use_library
from .errors import (FileError, FormatError, InvalidArgumentError, NonFiniteError,
                     OutOfMemoryError, SirenError, StateError, TooLargeError, VersionError)
from .network import Config, Network
from .training import (Adam, checkpoint_from_bytes, checkpoint_to_bytes, load_checkpoint,
                       save_checkpoint)
from .workspace import Jet, Workspace

__version__ = "1.0.0"

__all__ = [
    "ALL", "VALUE", "GRADIENT", "LAPLACIAN", "HESSIAN_DIAG", "QUANTITIES",
    "Config", "Network", "Workspace", "Jet", "Adam",
    "save_checkpoint", "load_checkpoint", "checkpoint_to_bytes", "checkpoint_from_bytes",
    "SirenError", "InvalidArgumentError", "OutOfMemoryError", "TooLargeError", "FileError",
    "FormatError", "VersionError", "StateError", "NonFiniteError", "LibraryNotFoundError",
    "library_version", "library_path", "use_library",
]


def library_version():
    """The version string of the loaded libsiren ("1.0.0")."""
    from . import _library
    return _library.load().siren_version_string().decode()


def library_path():
    """The path (or loader name) libsiren was loaded from."""
    from . import _library
    return _library.load().path
