"""Statuses become exceptions carrying the status and the library's message."""

import ctypes
import os
import re

import numpy as np
import pytest

import siren
from siren import _library, errors

EXPECTED = {-1: (siren.InvalidArgumentError, ValueError),
            -2: (siren.OutOfMemoryError, MemoryError),
            -3: (siren.TooLargeError, ValueError),
            -4: (siren.FileError, OSError),
            -5: (siren.FormatError, ValueError),
            -6: (siren.VersionError, ValueError),
            -7: (siren.StateError, RuntimeError),
            -8: (siren.NonFiniteError, FloatingPointError)}


def test_every_status_has_its_class_and_message():
    lib = _library.load()
    for status, (cls, builtin) in EXPECTED.items():
        error = errors.error_for(status, "siren_x", lib.status_string(status), "why")
        assert type(error) is cls and isinstance(error, builtin)
        assert isinstance(error, siren.SirenError)
        assert error.status == status and error.status_name == errors.STATUS_NAMES[status]
        text = lib.siren_status_string(status).decode()
        assert error.library_message == text
        assert str(error) == "siren_x: %s (%s): why" % (text, errors.STATUS_NAMES[status])
    newer = errors.error_for(-99, "siren_y", lib.status_string(-99))
    assert type(newer) is siren.SirenError and newer.status == -99


def test_status_names_match_the_header():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    with open(os.path.join(root, "include", "siren.h")) as header:
        text = header.read()
    for status, name in errors.STATUS_NAMES.items():
        assert re.search(r"\b%s\s*=\s*%d\b" % (name, status), text), name
    in_header = {int(code): name for name, code in
                 re.findall(r"\b(SIREN_(?:OK|ERR_\w+))\s*=\s*(-?\d+)", text)}
    assert in_header == errors.STATUS_NAMES, "a status of siren.h has no exception class"


def test_real_failures(tmp_path):
    with pytest.raises(siren.FileError) as caught:
        siren.Network.load(tmp_path / "missing.siren")
    assert "missing.siren" in str(caught.value) and caught.value.status == -4
    bad = tmp_path / "bad.siren"
    bad.write_bytes(b"not a model file at all" * 4)
    with pytest.raises(siren.FormatError):
        siren.Network.load(bad)
    data = bytearray(siren.Network(hidden_features=8, hidden_layers=0, seed=1).to_bytes())
    data[len(data) // 2] ^= 0xFF                   # the checksum catches it
    with pytest.raises(siren.FormatError):
        siren.Network.from_bytes(data)
    with pytest.raises(siren.FormatError):
        siren.checkpoint_from_bytes(b"")
    net = siren.Network(hidden_features=8, hidden_layers=0)
    with pytest.raises(siren.FileError):
        net.save(tmp_path / "no" / "such" / "dir" / "x.siren")


def test_library_calls_are_checked_not_crashing():
    lib = _library.load()
    assert lib.siren_net_create(None, None) == -1  # the C guard, through ctypes
    cfg = _library.Config()
    lib.siren_config_default(ctypes.byref(cfg))
    cfg.size = 3
    handle = ctypes.c_void_p()
    assert lib.siren_net_create(ctypes.byref(cfg), ctypes.byref(handle)) == -1
    assert not handle.value
    assert np.int32(errors.ERR_STATE) == -7
