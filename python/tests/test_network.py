"""Network: architecture, parameter views without copies, init, files."""

import ctypes
import gc
import weakref

import numpy as np
import pytest

import siren
from siren import _library


def test_config_defaults_are_the_libraries():
    lib = _library.load()
    cfg = _library.Config()
    lib.siren_config_default(ctypes.byref(cfg))
    assert siren.Config() == siren.Network.__init__.__globals__["Config"]._of_struct(cfg)
    assert cfg.size == ctypes.sizeof(_library.Config)


def test_param_count_and_layer_views(net3):
    shapes = net3.config.layer_shapes()
    assert shapes == [(3, 24), (24, 24), (24, 24), (24, 2)]
    assert net3.param_count == sum(i * o + o for i, o in shapes)
    assert net3.params.shape == (net3.param_count,) and net3.params.dtype == np.float32
    layers = net3.layers()
    assert [w.shape for w, _ in layers] == [(24, 3), (24, 24), (24, 24), (2, 24)]
    layers[1][0][2, 5] = 42.0          # W1[2][5], row-major after W0 and b0
    assert net3.params[3 * 24 + 24 + 2 * 24 + 5] == 42.0
    layers[3][1][1] = -7.0             # the last bias is the last parameter
    assert net3.params[-1] == -7.0


def test_params_and_grads_are_views_of_the_library_arrays(small_net):
    lib = _library.load()
    address = ctypes.cast(lib.siren_net_params(small_net._handle), ctypes.c_void_p).value
    assert small_net.params.ctypes.data == address
    assert np.shares_memory(small_net.params, small_net.params)
    x = np.zeros((1, 2), np.float32)
    before = small_net(x)
    small_net.params[:] = 0.0          # writing the view changes the network
    assert small_net(x)[0, 0] == 0.0 and before[0, 0] != 0.0
    grads = small_net.grads
    grads[:] = 3.0
    small_net.zero_grad()
    assert not grads.any()             # the view sees the library's zeroing


def test_a_view_keeps_its_network_alive():
    net = siren.Network(hidden_features=8, hidden_layers=0, seed=1)
    params, alive = net.params, weakref.ref(net)
    expected = params.copy()
    del net
    gc.collect()
    assert alive() is not None
    np.testing.assert_array_equal(params, expected)
    del params
    assert alive() is None             # freed by reference counting, no cycle


def test_init_is_deterministic_and_bounded():
    a = siren.Network(hidden_features=64, hidden_layers=1)
    assert not a.params.any()          # zero until init
    a.init(5)
    b = siren.Network(hidden_features=64, hidden_layers=1, seed=5)
    c = siren.Network(hidden_features=64, hidden_layers=1, seed=6)
    np.testing.assert_array_equal(a.params, b.params)
    assert not np.array_equal(a.params, c.params)
    w0, b0 = a.layers()[0]
    assert np.abs(w0).max() <= 1.0 / 2 and np.abs(b0).max() <= 1.0 / np.sqrt(2)
    w1, _ = a.layers()[1]
    assert np.abs(w1).max() <= np.sqrt(6.0 / 64) / 30.0


def test_save_and_load_path_and_bytes(net3, tmp_path):
    path = tmp_path / "model.siren"
    net3.save(path)
    loaded = siren.Network.load(str(path))
    assert loaded.config == net3.config
    np.testing.assert_array_equal(loaded.params, net3.params)
    data = net3.to_bytes()
    assert data == path.read_bytes()
    again = siren.Network.from_bytes(bytearray(data))
    np.testing.assert_array_equal(again.params, net3.params)
    copy = net3.copy()
    copy.params[0] += 1.0
    assert copy.params[0] != net3.params[0]


def test_bad_configs_raise():
    with pytest.raises(TypeError, match="hidden_width"):
        siren.Network(hidden_width=3)
    with pytest.raises(ValueError, match="uint32"):
        siren.Network(hidden_features=-1)
    with pytest.raises(siren.InvalidArgumentError) as caught:
        siren.Network(hidden_features=0)
    assert caught.value.status == -1 and caught.value.function == "siren_net_create"
    with pytest.raises(siren.InvalidArgumentError):
        siren.Network(first_omega=float("nan"))
    with pytest.raises(ValueError):
        siren.Network(hidden_features=8).init(-1)
