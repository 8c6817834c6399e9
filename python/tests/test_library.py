"""Where the package finds libsiren: an explicit choice (use_library, else
SIREN_LIBRARY: a path, or "system"), the copy bundled with the package,
the build tree, then the system (pkg-config's libdir, the loader's cache)."""

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
    real = os.path.realpath(siren.library_path())
    if not os.path.exists(real):
        pytest.skip("libsiren was loaded by name (%s), not from a path" % real)
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


def test_order_bundled_build_tree_then_pkg_config(tmp_path):
    installed, pcdir = fake_install(tmp_path)
    env = {"PKG_CONFIG_PATH": pcdir, "PATH": os.environ.get("PATH", "")}
    places = _library.candidates(env)
    hows = [how for how, _ in places]
    assert ("pkg-config", installed) in places
    expected = [how for how, path in (("bundled", _library._bundled_candidate()),
                                      ("build tree", _library._build_tree_candidate()))
                if os.path.exists(path)]
    assert hows[:len(expected) + 1] == expected + ["pkg-config"]
    code, out, err = run_python("import siren; print(siren.library_path())",
                                SIREN_LIBRARY=None, PKG_CONFIG_PATH=pcdir)
    assert code == 0, err
    assert out.strip() == (places[0][1])


def test_an_installed_package_loads_its_bundled_library():
    """pip install compiles the library into the package (python_package.sh
    runs these tests against such an install); a source tree without an
    editable install has none, and falls back to the build tree."""
    bundled = _library._bundled_candidate()
    if not os.path.exists(bundled):
        pytest.skip("this siren package has no bundled library (not pip-installed)")
    code, out, err = run_python("import siren; print(siren.library_path())", SIREN_LIBRARY=None)
    assert code == 0, err
    assert out.strip() == bundled


def test_system_is_an_explicit_choice(tmp_path):
    installed, pcdir = fake_install(tmp_path)
    env = {"PKG_CONFIG_PATH": pcdir, "PATH": os.environ.get("PATH", ""),
           "SIREN_LIBRARY": "system"}
    places = _library.candidates(env)
    assert places[0] == ("SIREN_LIBRARY=system: pkg-config", installed)
    assert all(how.startswith("SIREN_LIBRARY=system") for how, _ in places)
    code, out, err = run_python("import siren; print(siren.library_path())",
                                SIREN_LIBRARY="system", PKG_CONFIG_PATH=pcdir)
    assert code == 0, err
    assert out.strip() == installed
    code, out, err = run_python(
        "import siren; siren.use_library('system'); print(siren.library_path())",
        SIREN_LIBRARY=None, PKG_CONFIG_PATH=pcdir)
    assert code == 0, err
    assert out.strip() == installed


def test_system_without_an_installed_library_says_so(tmp_path):
    empty = tmp_path / "nothing"
    empty.mkdir()
    code, _, err = run_python("import siren; siren.Network()", SIREN_LIBRARY="system",
                              PKG_CONFIG_PATH=str(empty), PKG_CONFIG_LIBDIR=str(empty))
    if code == 0:
        pytest.skip("a libsiren is installed in the loader's cache")
    assert "LibraryNotFoundError" in err and "no installed libsiren" in err


def test_use_library_takes_a_path_and_comes_first():
    path = os.path.realpath(siren.library_path())
    code, out, err = run_python(
        "import siren; siren.use_library(%r); print(siren.library_path())" % path,
        SIREN_LIBRARY="/nonexistent/libsiren.so.1")
    assert code == 0, err
    assert out.strip() == path
    code, _, err = run_python(
        "import siren; siren.Network(); siren.use_library(%r)" % path)
    assert code != 0 and "already loaded" in err


def test_versions():
    """The package's version is the header's (they are released together),
    and so is the installed distribution's; the loaded library has the same
    major version."""
    with open(os.path.join(ROOT, "include", "siren.h")) as header:
        text = header.read()
    parts = [re.search(r"#define SIREN_VERSION_%s\s+(\d+)" % part, text).group(1)
             for part in ("MAJOR", "MINOR", "PATCH")]
    assert siren.__version__ == ".".join(parts)
    try:
        from importlib import metadata
        installed = metadata.version("siren")
    except Exception:  # not installed (run from python/), or Python < 3.8
        installed = None
    if installed is not None:
        assert installed == siren.__version__
    assert siren.library_version().split(".")[0] == siren.__version__.split(".")[0]
    assert _library.load().siren_version_number() // 10000 == _library.VERSION_MAJOR
