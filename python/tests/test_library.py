"""Where the package finds libsiren: SIREN_LIBRARY, the build tree, then
the system (pkg-config's libdir, then the loader's cache)."""

import os
import re
import subprocess
import sys

import pytest

import siren
from siren import _library

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILT = os.path.join(ROOT, "lib", "libsiren.so.1")


def run_python(code, **env_changes):
    """Runs code in a fresh interpreter (a fresh library lookup) that
    imports the same siren package as this test; returns its stdout."""
    env = dict(os.environ)
    for name, value in env_changes.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    package_parent = os.path.dirname(os.path.dirname(os.path.abspath(siren.__file__)))
    env["PYTHONPATH"] = package_parent
    result = subprocess.run([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, timeout=60)
    return result.returncode, result.stdout.decode(), result.stderr.decode()


def fake_install(tmp_path):
    """A prefix with lib/libsiren.so.1 (a link to the built library) and a
    siren.pc naming it, as `make install` would leave them."""
    real = os.path.realpath(os.environ.get("SIREN_LIBRARY") or BUILT)
    if not os.path.exists(real):
        pytest.skip("no built libsiren to install (run make)")
    libdir = tmp_path / "prefix" / "lib"
    pcdir = libdir / "pkgconfig"
    pcdir.mkdir(parents=True)
    os.symlink(real, libdir / _library.SONAME)
    (pcdir / "siren.pc").write_text(
        "prefix=%s\nlibdir=%s\nincludedir=%s/include\n\nName: siren\nDescription: test\n"
        "Version: 1.0.0\nLibs: -L${libdir} -lsiren\nCflags: -I${includedir}\n"
        % (tmp_path / "prefix", libdir, tmp_path / "prefix"))
    return str(libdir / _library.SONAME), str(pcdir)


def test_siren_library_is_the_only_candidate_when_set():
    assert _library.candidates({"SIREN_LIBRARY": "/x/libsiren.so.1"}) == \
        [("SIREN_LIBRARY", "/x/libsiren.so.1")]


def test_a_wrong_siren_library_fails_loudly():
    code, _, err = run_python("import siren; siren.Network()",
                              SIREN_LIBRARY="/nonexistent/libsiren.so.1")
    assert code != 0 and "LibraryNotFoundError" in err and "SIREN_LIBRARY" in err


def test_order_build_tree_then_pkg_config(tmp_path):
    installed, pcdir = fake_install(tmp_path)
    env = {"PKG_CONFIG_PATH": pcdir, "PATH": os.environ.get("PATH", "")}
    places = _library.candidates(env)
    hows = [how for how, _ in places]
    assert ("pkg-config", installed) in places
    from_source = os.path.exists(_library._build_tree_candidate())
    if from_source:   # the package runs from python/ in a checkout
        assert hows[0] == "build tree" and hows[1] == "pkg-config"
    else:             # an installed package: the system comes first
        assert hows[0] == "pkg-config"
    assert hows.index("pkg-config") < len(hows) - 1 or "find_library" not in hows
    code, out, err = run_python("import siren; print(siren.library_path())",
                                SIREN_LIBRARY=None, PKG_CONFIG_PATH=pcdir)
    assert code == 0, err
    assert out.strip() == (_library._build_tree_candidate() if from_source else installed)


def test_versions():
    """The package's version is the header's (they are released together);
    the loaded library has the same major version."""
    with open(os.path.join(ROOT, "include", "siren.h")) as header:
        text = header.read()
    parts = [re.search(r"#define SIREN_VERSION_%s\s+(\d+)" % part, text).group(1)
             for part in ("MAJOR", "MINOR", "PATCH")]
    assert siren.__version__ == ".".join(parts)
    with open(os.path.join(ROOT, "python", "pyproject.toml")) as project:
        assert 'version = "%s"' % siren.__version__ in project.read()
    assert siren.library_version().split(".")[0] == siren.__version__.split(".")[0]
    assert _library.load().siren_version_number() // 10000 == _library.VERSION_MAJOR
