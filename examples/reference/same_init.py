"""A PyTorch SIREN's parameters as a libsiren step-0 training checkpoint.

The comparison scripts (fit_image_compare.py, signals_reference.py
--init-checkpoint) initialise a network in PyTorch and hand the very same
parameters to the C programs (`--resume FILE`), so that both sides train
from one initialisation and their curves can be compared step by step.

Uses the project's Python bindings (python/siren), which find the library
of the build tree (lib/libsiren.so, `make`).
"""
import os
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def save_step0_checkpoint(path, torch_net, lr=1e-4, **config):
    """Writes torch_net's parameters, taken in nn.Module order (each
    nn.Linear's weight [out][in] then bias: libsiren's flat layout), into a
    libsiren network of the architecture `config` (siren.Config fields:
    in_features, out_features, hidden_features, hidden_layers, first_omega,
    hidden_omega), with a fresh Adam at `lr`, as a training checkpoint."""
    sys.path.insert(0, os.path.join(ROOT, "python"))
    import siren
    net = siren.Network(**config)
    params = np.concatenate([p.detach().numpy().ravel() for p in torch_net.parameters()])
    if params.size != net.param_count:
        raise ValueError("the PyTorch network has %d parameters, libsiren's %s has %d"
                         % (params.size, net.config, net.param_count))
    net.params[:] = params.astype(np.float32)
    siren.save_checkpoint(path, net, siren.Adam(net, lr=lr))
