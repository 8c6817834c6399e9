"""What Python users expect beyond the C calls: pickling and copying a
Network, file errors that are the OS's own (FileNotFoundError,
PermissionError, IsADirectoryError) with errno, strerror and filename, a
STATE error that says which of its causes it was, an optimiser restored
from a checkpoint that knows its settings, the hypernetwork's instances
API, and no points as a valid call everywhere."""

import copy
import errno
import os
import pickle

import numpy as np
import pytest

import siren

ALL = ("value", "gradient", "laplacian", "hessian_diag")


# ------------------------------------------------------------ pickling

def test_pickle_and_deepcopy_round_trip(net3, rng):
    x = rng.uniform(-1, 1, (7, 3))
    want = net3.eval(x, ALL)
    for clone in (pickle.loads(pickle.dumps(net3)), copy.deepcopy(net3), copy.copy(net3)):
        assert clone is not net3 and clone.config == net3.config
        np.testing.assert_array_equal(clone.params, net3.params)
        got = clone.eval(x, ALL)
        for name in ALL:
            np.testing.assert_array_equal(got[name], want[name])
        clone.params[0] += 1.0                   # independent memory
        assert clone.params[0] != net3.params[0]


def test_a_pickled_network_inside_other_objects(small_net):
    state = {"model": small_net, "step": 3}
    back = pickle.loads(pickle.dumps(state, protocol=2))
    np.testing.assert_array_equal(back["model"].params, small_net.params)


# --------------------------------------------------------- file errors

def test_a_missing_file_is_a_file_not_found_error(tmp_path):
    path = tmp_path / "missing.siren"
    with pytest.raises(FileNotFoundError) as caught:
        siren.Network.load(path)
    error = caught.value
    assert isinstance(error, siren.FileError) and isinstance(error, siren.SirenError)
    assert error.errno == errno.ENOENT and error.filename == str(path)
    assert error.strerror == os.strerror(errno.ENOENT)
    assert "No such file or directory" in str(error) and "missing.siren" in str(error)
    assert error.status == -4 and error.function == "siren_net_load"
    with pytest.raises(FileNotFoundError):
        siren.load_checkpoint(tmp_path / "missing.ckpt")
    net = siren.Network(hidden_features=4, hidden_layers=0)
    with pytest.raises(FileNotFoundError):
        net.save(tmp_path / "no" / "such" / "dir" / "x.siren")


def test_a_directory_is_an_is_a_directory_error(tmp_path):
    with pytest.raises(IsADirectoryError) as caught:
        siren.Network.load(tmp_path)
    assert caught.value.errno == errno.EISDIR and isinstance(caught.value, siren.FileError)
    (tmp_path / "taken").mkdir()
    net = siren.Network(hidden_features=4, hidden_layers=0)
    opt = siren.Adam(net)
    with pytest.raises(IsADirectoryError):
        siren.save_checkpoint(tmp_path / "taken", net, opt)


def _as_nobody():
    """A context that runs its body as user nobody when the tests run as
    root (root reads any file whatever its mode)."""
    class Identity:
        def __enter__(self):
            self.root = os.geteuid() == 0
            if self.root:
                os.seteuid(65534)

        def __exit__(self, *exc):
            if self.root:
                os.seteuid(0)
            return False
    return Identity()


def test_no_permission_is_a_permission_error(tmp_path):
    path = tmp_path / "locked.siren"
    siren.Network(hidden_features=4, hidden_layers=0).save(path)
    os.chmod(path, 0)
    os.chmod(tmp_path, 0o700)
    if os.geteuid() == 0 and not hasattr(os, "seteuid"):
        pytest.skip("running as root without seteuid: root reads a file of mode 000")
    with _as_nobody():
        with pytest.raises(PermissionError) as caught:
            siren.Network.load(path)
    assert caught.value.errno == errno.EACCES and isinstance(caught.value, siren.FileError)


# ------------------------------------------------------- STATE's causes

def test_each_state_error_says_its_cause(small_net, net3):
    x = np.zeros((3, 2))
    ws = siren.Workspace(small_net, 4, ("value", "gradient"))
    other = siren.Network(hidden_features=8, hidden_layers=1, seed=1)

    def message(call):
        with pytest.raises(siren.StateError) as caught:
            call()
        return str(caught.value)

    assert "another architecture" in message(lambda: ws.eval(x, net=other))
    assert "laplacian asked for, but the workspace computes only value, gradient" in \
        message(lambda: ws.eval(x, ("value", "laplacian")))
    eval_only = siren.Workspace(small_net, 4, "value", eval_only=True)
    assert "eval_only" in message(lambda: eval_only.forward(x))
    assert "eval_only" in message(lambda: eval_only.backward(value=np.ones((3, 1))))
    assert "no forward pass" in message(lambda: ws.backward(value=np.ones((3, 1))))
    ws.forward(x, "value")
    assert "did not compute (it computed value)" in \
        message(lambda: ws.backward(gradient=np.ones((3, 1, 2))))
    twin = small_net.copy()
    assert "another network" in message(lambda: ws.backward(value=np.ones((3, 1)), net=twin))
    opt = siren.Adam(net3)
    assert "optimiser was made for another architecture" in message(lambda: opt.step(small_net))
    assert "optimiser was made for another architecture" in \
        message(lambda: siren.checkpoint_to_bytes(small_net, opt))


# ----------------------------------------------- a restored optimiser

def test_a_restored_optimiser_knows_its_settings(small_net):
    opt = siren.Adam(small_net, lr=3e-4, betas=(0.85, 0.995), eps=1e-7, weight_decay=0.02,
                     clip_grad_norm=2.0)
    net2, opt2 = siren.checkpoint_from_bytes(siren.checkpoint_to_bytes(small_net, opt))
    assert opt2.lr == np.float32(3e-4) and opt2.betas == (np.float32(0.85), np.float32(0.995))
    assert opt2.eps == np.float32(1e-7) and opt2.weight_decay == np.float32(0.02)
    assert opt2.clip_grad_norm == 2.0 and "lr=0.0003" in repr(opt2)
    opt2.set_lr(1e-5)
    assert opt2.lr == np.float32(1e-5)


# ------------------------------------------------------------- instances

def test_instances_equal_separate_networks(rng):
    nets = [siren.Network(in_features=2, out_features=2, hidden_features=12, hidden_layers=1,
                          seed=s) for s in (1, 2, 3)]
    params = np.stack([n.params for n in nets])
    x = rng.uniform(-1, 1, (3, 4, 5, 2)).astype(np.float32)
    ws = siren.Workspace(nets[0], 60, ALL)
    got = ws.eval_instances(params, x)
    assert got.value.shape == (3, 4, 5, 2) and got.gradient.shape == (3, 4, 5, 2, 2)
    for i, net in enumerate(nets):
        want = siren.Workspace(net, 20, ALL).eval(x[i])
        for name in ALL:
            np.testing.assert_array_equal(got[name][i], want[name], err_msg=name)


def test_instances_gradients_equal_separate_backwards(rng):
    nets = [siren.Network(hidden_features=10, hidden_layers=1, seed=s) for s in (4, 5)]
    params = np.stack([n.params for n in nets])
    x = rng.uniform(-1, 1, (2, 6, 2))
    u = rng.normal(size=(2, 6, 1)).astype(np.float32)
    ws = siren.Workspace(nets[0], 12, ("value", "laplacian"))
    out = ws.forward_instances(params, x, ("value", "laplacian"))
    params[:] = 0            # the workspace kept its own copy for the backward
    grads = ws.backward_instances(value=u, laplacian=2 * u)
    assert grads.shape == (2, nets[0].param_count)
    for i, net in enumerate(nets):
        single = siren.Workspace(net, 6, ("value", "laplacian"))
        net.zero_grad()
        np.testing.assert_array_equal(single.forward(x[i]).value, out.value[i])
        single.backward(value=u[i], laplacian=2 * u[i])
        np.testing.assert_array_equal(grads[i], net.grads)
    again = ws.backward_instances(value=u, laplacian=2 * u, grads=grads)
    assert again is grads
    with pytest.raises(ValueError, match="grads must be"):
        ws.backward_instances(value=u, grads=np.zeros((3, 5), np.float32))
    with pytest.raises(siren.StateError, match="backward_instances"):
        ws.backward(value=u[0])


def test_instances_check_their_shapes(small_net):
    ws = siren.Workspace(small_net, 8, "value")
    p = small_net.param_count
    with pytest.raises(ValueError, match=r"\(instances, %d\)" % p):
        ws.eval_instances(np.zeros((2, p + 1)), np.zeros((2, 3, 2)))
    with pytest.raises(ValueError, match=r"\(2, \.\.\., 2\)"):
        ws.eval_instances(np.zeros((2, p)), np.zeros((3, 3, 2)))
    with pytest.raises(siren.TooLargeError):
        ws.eval_instances(np.zeros((3, p)), np.zeros((3, 3, 2)))


# ------------------------------------------------------------ no points

def test_no_points_is_a_valid_call_everywhere(small_net):
    empty = np.zeros((0, 2), dtype=np.float32)
    ws = siren.Workspace(small_net, 4, ALL)
    for name in ALL:
        assert small_net.eval(empty, name)[name].shape[0] == 0
        assert ws.eval(empty, name)[name].shape[0] == 0
    assert small_net(np.zeros((3, 0, 2))).shape == (3, 0, 1)
    x = np.full((4, 2), 0.3)
    ws.forward(x, "value")
    small_net.zero_grad()
    out = ws.forward(empty, "value")
    assert out.value.shape == (0, 1)
    ws.backward(value=np.zeros((0, 1)))          # the empty forward: nothing added
    assert not small_net.grads.any()
    p = small_net.param_count
    none = ws.forward_instances(np.zeros((0, p)), np.zeros((0, 4, 2)), "value")
    assert none.value.shape == (0, 4, 1)
    assert ws.backward_instances(value=none.value).shape == (0, p)
    assert ws.eval_instances(np.zeros((2, p)), np.zeros((2, 0, 2)), "value").value.shape == \
        (2, 0, 1)
    with pytest.raises(siren.StateError):        # the other checks still apply
        siren.Workspace(small_net, 4, "value").eval(empty, "gradient")
