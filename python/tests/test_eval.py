"""Evaluation: shapes, dtypes, layouts, chunking, weights, threads, errors."""

import numpy as np
import pytest

import siren

ALL = ("value", "gradient", "laplacian", "hessian_diag")


def test_any_leading_shape(net3, rng):
    x = rng.uniform(-1, 1, (4, 5, 3)).astype(np.float32)
    jet = net3.eval(x, ALL)
    assert jet.value.shape == (4, 5, 2) and jet.laplacian.shape == (4, 5, 2)
    assert jet.gradient.shape == (4, 5, 2, 3) and jet.hessian_diag.shape == (4, 5, 2, 3)
    flat = net3.eval(x.reshape(20, 3), ALL)
    for name in ALL:
        np.testing.assert_array_equal(jet[name].reshape(flat[name].shape), flat[name])
    one = net3.eval(x[1, 2], ALL)      # a single point, shape (3,)
    assert one.value.shape == (2,) and one.gradient.shape == (2, 3)
    np.testing.assert_array_equal(one.value, jet.value[1, 2])
    assert net3.eval(np.zeros((0, 3)), "value").value.shape == (0, 2)


def test_laplacian_is_the_hessian_trace(net3, rng):
    jet = net3.eval(rng.uniform(-1, 1, (50, 3)), ("laplacian", "hessian_diag"))
    assert jet.value is None and jet.gradient is None
    scale = np.abs(jet.laplacian).max()
    assert np.abs(jet.laplacian - jet.hessian_diag.sum(-1)).max() <= 1e-5 * scale


def test_laplacian_weights(net3, rng):
    x = rng.uniform(-1, 1, (30, 3))
    hessian = net3.eval(x, "hessian_diag").hessian_diag
    weights = np.array([1.0, -0.25, -0.25])    # float64: copied to float32
    wave = net3.eval(x, "laplacian", laplacian_weights=weights).laplacian
    want = (hessian * weights).sum(-1)
    assert np.abs(wave - want).max() <= 1e-5 * np.abs(want).max()
    plain = net3.eval(x, "laplacian").laplacian   # the next call: all ones again
    np.testing.assert_allclose(plain, hessian.sum(-1), rtol=0, atol=1e-5 * np.abs(plain).max())
    with pytest.raises(ValueError, match=r"need \(3,\)"):
        net3.eval(x, "laplacian", laplacian_weights=[1.0, 2.0])


def test_float64_integer_and_strided_inputs_are_copied(small_net, rng):
    x64 = rng.uniform(-1, 1, (40, 2))
    want = small_net.eval(x64.astype(np.float32), ALL)
    for x in (x64, np.asfortranarray(x64), np.ascontiguousarray(x64[:, ::-1])[:, ::-1],
              np.repeat(x64, 2, axis=0)[::2]):
        got = small_net.eval(x, ALL)
        for name in ALL:
            np.testing.assert_array_equal(got[name], want[name])
    ints = np.array([[0, 1], [-1, 0]], dtype=np.int64)
    np.testing.assert_array_equal(small_net(ints), small_net(ints.astype(np.float32)))
    with pytest.raises(TypeError, match="complex"):
        small_net(np.zeros((2, 2), np.complex64))
    with pytest.raises(TypeError):
        small_net(np.array([["a", "b"]]))


def test_wrong_shapes_raise_value_error(small_net):
    with pytest.raises(ValueError, match=r"\(\.\.\., 2\)"):
        small_net(np.zeros((5, 3)))
    with pytest.raises(ValueError):
        small_net(np.float32(1.0))
    with pytest.raises(ValueError, match="unknown quantity"):
        small_net.eval(np.zeros((1, 2)), "curl")
    with pytest.raises(ValueError):
        small_net.eval(np.zeros((1, 2)), ())


def test_chunks_and_threads_give_identical_results(rng):
    net = siren.Network(hidden_features=32, hidden_layers=2, seed=11)
    x = rng.uniform(-1, 1, (1000, 2))
    chunked = net.eval(x, ALL, threads=2, max_workspace_bytes=60000)
    assert net._eval_ws.max_points < 1000      # it really went in chunks
    chunked_one_thread = net.copy().eval(x, ALL, threads=1, max_workspace_bytes=60000)
    whole = net.copy().eval(x, ALL, threads=1)
    assert net.eval(x[:10], "value").value.shape == (10, 1)   # the cached workspace
    for name in ALL:
        np.testing.assert_array_equal(chunked[name], chunked_one_thread[name])
        # chunks this small take the library's small-batch path, whose sums
        # run in another order (include/siren.h): equal to float rounding
        np.testing.assert_allclose(chunked[name], whole[name], rtol=1e-5,
                                   atol=1e-5 * np.abs(whole[name]).max())


def test_workspace_eval_matches_network_eval(net3, rng):
    x = rng.uniform(-1, 1, (2, 6, 3))
    with siren.Workspace(net3, 12, ALL, threads=2) as ws:
        assert ws.threads == 2 and ws.nbytes > 0
        assert ws.nbytes == siren.Workspace.bytes_needed(net3, 12, ALL)
        got = ws.eval(x)
        want = net3.eval(x, ALL)
        for name in ALL:
            np.testing.assert_array_equal(got[name], want[name])
        value_only = ws.eval(x, "value")
        assert value_only.gradient is None
        np.testing.assert_array_equal(value_only.value, want.value)
    with pytest.raises(ValueError, match="closed"):
        ws.eval(x)


def test_workspace_errors_carry_the_library_status(small_net):
    ws = siren.Workspace(small_net, 4, "value")
    with pytest.raises(siren.TooLargeError) as caught:
        ws.eval(np.zeros((5, 2)))
    assert caught.value.status == -3 and "siren_eval" in str(caught.value)
    with pytest.raises(siren.StateError) as caught:
        ws.eval(np.zeros((2, 2)), "gradient")      # not in the workspace's `what`
    assert "gradient asked for, but the workspace computes only value" in str(caught.value)
    assert caught.value.library_message == siren._library.load().status_string(-7)
    with pytest.raises(siren.InvalidArgumentError):
        ws.threads = 0
    with pytest.raises(siren.InvalidArgumentError):
        siren.Workspace(small_net, 0)
    other = siren.Network(hidden_features=8, hidden_layers=1, seed=1)
    with pytest.raises(siren.StateError):
        ws.eval(np.zeros((2, 2)), net=other)       # another architecture
    eval_only = siren.Workspace(small_net, 4, "value", eval_only=True)
    with pytest.raises(siren.StateError):
        eval_only.forward(np.zeros((2, 2)))
