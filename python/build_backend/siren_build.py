"""siren_build: the PEP 517 / PEP 660 build backend of the `siren` package.

Plain standard-library Python, with no build requirements
(pyproject.toml: requires = []), so that `pip install ./python` works
offline, with or without build isolation: pip has nothing to download.

A wheel holds the Python package and libsiren itself, compiled from the
library's C11 sources with the system's C compiler into
siren/libsiren.so.1 (the package loads that copy first, siren/_library.py).
The wheel is tagged py3-none-<platform>: the library is loaded through
ctypes, so one wheel serves every Python 3 of the platform.

Where the C sources come from, first found wins:
  csrc/ beside pyproject.toml (an sdist made by build_sdist carries them),
  then ../src and ../include (the package in python/ of a checkout).

The compiler and flags: $CC (default cc), the library's own flags (the
Makefile's, less -Werror: a newer compiler's new warning must not stop an
install), then $CFLAGS and $LDFLAGS. $SIREN_BUILD_JOBS compiles that many
files at once (default: the CPU count, at most 8).

Editable installs (pip install -e) compile the library into the source
tree (python/siren/libsiren.so.1, not committed) and install a path hook
that imports `siren` from python/siren, so edits of the Python files take
effect at once; after a change of the C sources, run pip install -e again.

The package's metadata (version: include/siren.h's) is written here;
pyproject.toml lists those fields as dynamic.
"""

import base64
import concurrent.futures
import hashlib
import io
import os
import re
import subprocess
import sys
import sysconfig
import tarfile
import tempfile
import time
import zipfile

NAME = "siren"
SONAME = "libsiren.so.1"
SUMMARY = "SIREN neural fields with input derivatives (libsiren bindings)"
REQUIRES_PYTHON = ">=3.8"
REQUIRES_DIST = ["numpy>=1.17"]
EXTRAS = {"torch": ["torch>=1.8"]}
CLASSIFIERS = [
    "Programming Language :: Python :: 3",
    "Programming Language :: C",
    "License :: OSI Approved :: MIT License",
    "Operating System :: POSIX :: Linux",
]
HOMEPAGE = "https://github.com/libsiren/libsiren"
# The library's compile flags (Makefile: LIB_CFLAGS, less -Werror and -g).
LIBRARY_CFLAGS = ["-std=c11", "-O2", "-fPIC", "-fvisibility=hidden", "-Wall", "-Wextra",
                  "-Wpedantic"]
LIBRARY_LIBS = ["-lm", "-lpthread"]


class BuildError(RuntimeError):
    """A build step failed; the message says which and why."""


# ----------------------------------------------------------- the sources

def _project_dir():
    return os.path.abspath(os.getcwd())  # PEP 517: hooks run in the project's root


def c_sources(project=None):
    """(src directory, include directory, LICENSE path or None) of
    libsiren's C sources for the package at `project`."""
    project = project or _project_dir()
    for root in (os.path.join(project, "csrc"), os.path.dirname(project)):
        src, include = os.path.join(root, "src"), os.path.join(root, "include")
        if os.path.isfile(os.path.join(include, "siren.h")) and \
                os.path.isfile(os.path.join(src, "libsiren.map")):
            licence = os.path.join(root, "LICENSE")
            return src, include, licence if os.path.isfile(licence) else None
    raise BuildError(
        "libsiren's C sources were not found: neither %s nor %s holds src/ and "
        "include/siren.h. Build the package from python/ of a libsiren checkout, or "
        "from an sdist made by this backend." % (os.path.join(project, "csrc"),
                                                 os.path.dirname(project)))


def version(project=None):
    """The library's version, from include/siren.h (as the Makefile reads it)."""
    _, include, _ = c_sources(project)
    with open(os.path.join(include, "siren.h"), encoding="utf-8") as header:
        text = header.read()
    parts = []
    for part in ("MAJOR", "MINOR", "PATCH"):
        found = re.search(r"^#define SIREN_VERSION_%s\s+(\d+)" % part, text, re.M)
        if not found:
            raise BuildError("include/siren.h has no SIREN_VERSION_%s" % part)
        parts.append(found.group(1))
    return ".".join(parts)


# ------------------------------------------------------------ compiling

def _jobs():
    wanted = os.environ.get("SIREN_BUILD_JOBS", "")
    if wanted.isdigit() and int(wanted) > 0:
        return int(wanted)
    return max(1, min(os.cpu_count() or 1, 8))


def _run(command, what):
    try:
        result = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    except OSError as error:
        raise BuildError("%s: cannot run %s: %s (set CC to a C11 compiler)"
                         % (what, command[0], error)) from None
    if result.returncode != 0:
        raise BuildError("%s failed (exit status %d):\n  %s\n%s"
                         % (what, result.returncode, " ".join(command),
                            result.stdout.decode(errors="replace")))
    return result.stdout.decode(errors="replace")


def compile_library(output, project=None, log=None):
    """Compiles libsiren's sources into the shared library `output` (its
    soname libsiren.so.1, exporting exactly src/libsiren.map's symbols)."""
    src, include, _ = c_sources(project)
    cc = os.environ.get("CC", "cc").split()
    cflags = os.environ.get("CFLAGS", "").split()
    ldflags = os.environ.get("LDFLAGS", "").split()
    sources = sorted(f for f in os.listdir(src) if f.endswith(".c"))
    log = log or sys.stderr
    started = time.monotonic()
    log.write("siren_build: compiling libsiren (%d C files, %d at a time) with %s\n"
              % (len(sources), _jobs(), " ".join(cc)))
    with tempfile.TemporaryDirectory(prefix="siren-build-") as objects:
        def compile_one(name):
            obj = os.path.join(objects, name[:-2] + ".o")
            _run(cc + LIBRARY_CFLAGS + ["-I" + include, "-I" + src] + cflags +
                 ["-c", os.path.join(src, name), "-o", obj], "compiling src/" + name)
            return obj
        with concurrent.futures.ThreadPoolExecutor(_jobs()) as pool:
            objs = list(pool.map(compile_one, sources))
        os.makedirs(os.path.dirname(os.path.abspath(output)), exist_ok=True)
        partial = output + ".partial"
        _run(cc + ["-shared", "-Wl,-soname," + SONAME,
                   "-Wl,--version-script=" + os.path.join(src, "libsiren.map"),
                   "-Wl,--no-undefined"] + ldflags + ["-o", partial] + objs + LIBRARY_LIBS,
             "linking " + SONAME)
        os.replace(partial, output)
    log.write("siren_build: %s built in %.1f s\n" % (output, time.monotonic() - started))
    return output


# ------------------------------------------------------------- metadata

def _readme(project):
    path = os.path.join(project, "README.md")
    if not os.path.isfile(path):
        return ""
    with open(path, encoding="utf-8") as readme:
        return readme.read()


def metadata_text(project=None):
    project = project or _project_dir()
    lines = ["Metadata-Version: 2.1", "Name: " + NAME, "Version: " + version(project),
             "Summary: " + SUMMARY, "Home-page: " + HOMEPAGE, "License: MIT",
             "Requires-Python: " + REQUIRES_PYTHON]
    lines += ["Classifier: " + c for c in CLASSIFIERS]
    lines += ["Requires-Dist: " + r for r in REQUIRES_DIST]
    for extra, requirements in EXTRAS.items():
        lines.append("Provides-Extra: " + extra)
        lines += ['Requires-Dist: %s; extra == "%s"' % (r, extra) for r in requirements]
    lines.append("Description-Content-Type: text/markdown")
    return "\n".join(lines) + "\n\n" + _readme(project)


def _dist_info(project):
    return "%s-%s.dist-info" % (NAME, version(project))


def platform_tag():
    return re.sub(r"[^A-Za-z0-9_]", "_", sysconfig.get_platform())


def _wheel_name(project):
    return "%s-%s-py3-none-%s.whl" % (NAME, version(project), platform_tag())


def _wheel_file():
    return ("Wheel-Version: 1.0\nGenerator: siren_build\nRoot-Is-Purelib: false\n"
            "Tag: py3-none-%s\n" % platform_tag())


def _write_metadata_dir(directory, project):
    info = os.path.join(directory, _dist_info(project))
    os.makedirs(info, exist_ok=True)
    with open(os.path.join(info, "METADATA"), "w", encoding="utf-8") as out:
        out.write(metadata_text(project))
    with open(os.path.join(info, "WHEEL"), "w", encoding="utf-8") as out:
        out.write(_wheel_file())
    return os.path.basename(info)


# ---------------------------------------------------------------- wheels

class _Wheel:
    """A wheel being written: files added with their bytes, RECORD last."""

    def __init__(self, path):
        self.zip = zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED)
        self.records = []

    def add(self, name, data, executable=False):
        info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
        info.external_attr = (0o755 if executable else 0o644) << 16
        info.compress_type = zipfile.ZIP_DEFLATED
        self.zip.writestr(info, data)
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
        self.records.append("%s,sha256=%s,%d" % (name, digest.decode(), len(data)))

    def add_file(self, name, path, executable=False):
        with open(path, "rb") as source:
            self.add(name, source.read(), executable)

    def close(self, dist_info):
        record = dist_info + "/RECORD"
        text = "\n".join(self.records + [record + ",,"]) + "\n"
        info = zipfile.ZipInfo(record, date_time=(2020, 1, 1, 0, 0, 0))
        info.external_attr = 0o644 << 16
        self.zip.writestr(info, text)
        self.zip.close()


def _package_files(project):
    """(path in the wheel, path on disk) of the package's Python files."""
    package = os.path.join(project, NAME)
    for folder, subfolders, files in os.walk(package):
        subfolders[:] = sorted(d for d in subfolders if d != "__pycache__")
        for name in sorted(files):
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                yield os.path.relpath(path, project).replace(os.sep, "/"), path


def _add_metadata(wheel, project):
    info = _dist_info(project)
    wheel.add(info + "/METADATA", metadata_text(project).encode("utf-8"))
    wheel.add(info + "/WHEEL", _wheel_file().encode())
    wheel.add(info + "/top_level.txt", (NAME + "\n").encode())
    _, _, licence = c_sources(project)
    if licence:
        wheel.add_file(info + "/LICENSE", licence)
    return info


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    project = _project_dir()
    name = _wheel_name(project)
    with tempfile.TemporaryDirectory(prefix="siren-wheel-") as scratch:
        library = compile_library(os.path.join(scratch, SONAME), project)
        wheel = _Wheel(os.path.join(wheel_directory, name))
        for arcname, path in _package_files(project):
            wheel.add_file(arcname, path)
        wheel.add_file("%s/%s" % (NAME, SONAME), library, executable=True)
        wheel.close(_add_metadata(wheel, project))
    return name


# The editable install: a module on sys.meta_path that finds `siren` (and
# its submodules) in the source tree, and nothing else of python/.
_EDITABLE_FINDER = '''"""Editable install of siren (siren_build): imports siren from %(package)r."""
import importlib.abc
import importlib.util
import sys

PACKAGE = %(package)r


class _Finder(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name != "siren":
            return None
        return importlib.util.spec_from_file_location(
            name, PACKAGE + "/__init__.py", submodule_search_locations=[PACKAGE])


def install():
    if not any(isinstance(f, _Finder) for f in sys.meta_path):
        sys.meta_path.append(_Finder())
'''


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    project = _project_dir()
    package = os.path.join(project, NAME)
    compile_library(os.path.join(package, SONAME), project)
    name = _wheel_name(project)
    finder = "__editable___siren_finder"
    wheel = _Wheel(os.path.join(wheel_directory, name))
    wheel.add(finder + ".py", (_EDITABLE_FINDER % {"package": package}).encode("utf-8"))
    wheel.add("__editable___siren.pth", ("import %s; %s.install()\n" % (finder, finder)).encode())
    wheel.close(_add_metadata(wheel, project))
    return name


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    return _write_metadata_dir(metadata_directory, _project_dir())


prepare_metadata_for_build_editable = prepare_metadata_for_build_wheel


def get_requires_for_build_wheel(config_settings=None):
    return []


get_requires_for_build_editable = get_requires_for_build_wheel
get_requires_for_build_sdist = get_requires_for_build_wheel


# ------------------------------------------------------------------ sdist

# What an sdist holds besides the package: these files of the project, and
# the C sources under csrc/ (src/*.c, src/*.h, src/libsiren.map,
# include/siren.h, LICENSE), so that it builds on its own.
_SDIST_FILES = ["pyproject.toml", "README.md", "build_backend/siren_build.py"]
_SDIST_FOLDERS = ["examples"]


def build_sdist(sdist_directory, config_settings=None):
    project = _project_dir()
    base = "%s-%s" % (NAME, version(project))
    name = base + ".tar.gz"
    src, include, licence = c_sources(project)
    members = [(base + "/" + f, os.path.join(project, f)) for f in _SDIST_FILES]
    members += [(base + "/" + a, p) for a, p in _package_files(project)]
    for folder in _SDIST_FOLDERS:
        for root, subfolders, files in os.walk(os.path.join(project, folder)):
            subfolders[:] = sorted(d for d in subfolders if d != "__pycache__")
            for f in sorted(files):
                path = os.path.join(root, f)
                members.append((base + "/" + os.path.relpath(path, project), path))
    for f in sorted(os.listdir(src)):
        if f.endswith((".c", ".h", ".map")):
            members.append((base + "/csrc/src/" + f, os.path.join(src, f)))
    members.append((base + "/csrc/include/siren.h", os.path.join(include, "siren.h")))
    if licence:
        members.append((base + "/csrc/LICENSE", licence))
    with tarfile.open(os.path.join(sdist_directory, name), "w:gz", format=tarfile.PAX_FORMAT) \
            as tar:
        for arcname, path in members:
            tar.add(path, arcname=arcname, recursive=False, filter=_sdist_member)
        pkg_info = metadata_text(project).encode("utf-8")
        info = tarfile.TarInfo(base + "/PKG-INFO")
        info.size, info.mode, info.mtime = len(pkg_info), 0o644, int(time.time())
        tar.addfile(info, io.BytesIO(pkg_info))
    return name


def _sdist_member(info):
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info


# ---------------------------------------------------------- by hand

def main(argv=None):
    """python build_backend/siren_build.py [wheel|sdist|library OUTPUT] (in python/)."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["library"] and len(argv) == 2:
        compile_library(argv[1])
    elif argv[:1] in (["wheel"], ["sdist"]):
        out = os.path.abspath("dist")
        os.makedirs(out, exist_ok=True)
        built = (build_wheel if argv[0] == "wheel" else build_sdist)(out)
        print(os.path.join(out, built))
    else:
        sys.exit(main.__doc__)


if __name__ == "__main__":
    try:
        main()
    except BuildError as error:
        sys.exit("siren_build: %s" % error)

