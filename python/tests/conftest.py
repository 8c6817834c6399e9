"""Shared fixtures of the siren package's tests.

The tests import `siren` as installed (tests/scripts/python_package.sh installs it
with pip into a temporary directory and puts that on PYTHONPATH); when it
is not importable they fall back to the source tree, python/siren, so that
`python3 -m pytest python/tests` works in a checkout after `make`.
"""

import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))  # the repository

try:
    import siren  # noqa: F401
except ImportError:
    sys.path.insert(0, os.path.join(ROOT, "python"))
    import siren  # noqa: F401


@pytest.fixture
def rng():
    import numpy as np
    return np.random.default_rng(1234)


@pytest.fixture
def small_net():
    """2 -> 16 x 2 -> 1, initialised with seed 7."""
    import siren as s
    return s.Network(hidden_features=16, hidden_layers=1, seed=7)


@pytest.fixture
def net3():
    """3 -> 24 x 3 -> 2, sine last layer, other omegas: every code path."""
    import siren as s
    return s.Network(in_features=3, out_features=2, hidden_features=24, hidden_layers=2,
                     first_omega=10.0, hidden_omega=20.0, outermost_linear=False, seed=3)
