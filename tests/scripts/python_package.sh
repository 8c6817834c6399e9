#!/bin/sh
# python_package.sh - the `siren` Python package (python/) as a user gets
# it. In throwaway virtual environments (with the system's site packages,
# for Debian's numpy, torch and pytest), with no environment variables but
# PATH and a scratch HOME, and never with the network:
#   - `pip install ./python` (build isolation on: the in-tree backend has no
#     build requirements) compiles libsiren into the package; from a
#     directory outside the checkout, `import siren` loads that bundled
#     copy and fits 20 steps;
#   - `pip install -e ./python` in a copy of the checkout works the same;
#   - `pip install --no-build-isolation --no-deps ./python` still works;
#   - an sdist made by the backend installs on its own;
#   - with a second Python (the default python3 when it is not $PYTHON, a
#     pyenv one here) the backend builds a wheel whose library loads;
# then pytest runs python/tests against the pip-installed copy, with its
# bundled library (SIREN_LIBRARY unset). One ok/FAIL/SKIP line per check
# and per pytest test (from pytest's JUnit XML report).
# Needs python3-numpy, python3-venv (ensurepip), python3-pytest and a C
# compiler (.ci/run installs them); without them it prints SKIP lines.
root=$(cd "${SIREN_ROOT:-.}" && pwd)
python=${PYTHON:-/usr/bin/python3}
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/home" "$tmp/elsewhere"
report() { # status name: ok/FAIL, with the log on failure
    if [ "$1" -eq 0 ]; then echo "ok $2"; else echo "FAIL $2"; sed 's/^/  /' "$tmp/log" | tail -25; fi
}
# clean COMMAND...: runs it as a user would, with no environment but PATH and HOME
clean() { env -i PATH="$PATH" HOME="$tmp/home" "$@"; }

missing=""
for module in numpy venv ensurepip pytest; do
    "$python" -c "import $module" > /dev/null 2>&1 || missing="$missing $module"
done
if [ -n "$missing" ]; then
    echo "!!!!!! python_package.sh: $python lacks:$missing (Debian: python3-numpy python3-venv" >&2
    echo "!!!!!! python3-pytest). The Python package is NOT tested." >&2
    echo "SKIP pip install ./python into a fresh venv (missing:$missing)"
    echo "SKIP pytest python/tests (missing:$missing)"
    exit 0
fi

# venv DIR: a fresh virtual environment that sees the system's packages.
venv() { clean "$python" -m venv --system-site-packages "$1" >> "$tmp/log" 2>&1; }

# The user's first program, run from outside the checkout: the bundled
# library (under $1), a 20-step fit that lowers the loss, and an empty batch.
cat > "$tmp/elsewhere/first_fit.py" <<'PY'
import os
import sys

import numpy as np
import siren

expected_dir = os.path.realpath(sys.argv[1])
assert os.path.realpath(siren.__file__).startswith(expected_dir), siren.__file__
assert siren.library_path() == os.path.join(os.path.dirname(siren.__file__), "libsiren.so.1"), \
    siren.library_path()
net = siren.Network(hidden_features=32, hidden_layers=2, first_omega=10.0, seed=1)
x = np.stack(np.meshgrid(np.linspace(-1, 1, 16), np.linspace(-1, 1, 16)), -1).reshape(-1, 2)
target = np.sin(3 * x[:, :1]) * np.cos(2 * x[:, 1:])
ws = siren.Workspace(net, max_points=len(x), what="value")
opt = siren.Adam(net, lr=1e-3)
losses = []
for step in range(20):
    net.zero_grad()
    y = ws.forward(x).value
    losses.append(float(np.mean((y - target) ** 2)))
    ws.backward(value=2 * (y - target) / y.size)
    opt.step()
assert losses[-1] < 0.5 * losses[0], losses
assert net.eval(np.zeros((0, 2)), ("value", "laplacian")).laplacian.shape == (0, 1)
print("fit 20 steps: mse %.4f -> %.4f with %s" % (losses[0], losses[-1], siren.library_path()))
PY

# 1. pip install ./python, exactly as the README says, into a fresh venv.
: > "$tmp/log"
venv "$tmp/venv" &&
    (cd "$root" && clean "$tmp/venv/bin/pip" install ./python) >> "$tmp/log" 2>&1 &&
    (cd "$tmp/elsewhere" && clean "$tmp/venv/bin/python" first_fit.py "$tmp/venv") >> "$tmp/log" 2>&1
report $? "pip install ./python in a fresh venv compiles the library in; import siren from /tmp fits 20 steps"
grep '^fit 20 steps' "$tmp/log" | sed 's/^/  /'

# 2. pip install -e, in a copy of the checkout (the library is compiled into
# its python/siren/), and an edit of the Python source shows at once.
: > "$tmp/log"
mkdir "$tmp/checkout" && cp -R "$root/python" "$root/src" "$root/include" "$root/LICENSE" "$tmp/checkout/" &&
    rm -rf "$tmp/checkout/python/siren/libsiren.so.1" && venv "$tmp/venv_e" &&
    (cd "$tmp/checkout" && clean "$tmp/venv_e/bin/pip" install -e ./python) >> "$tmp/log" 2>&1 &&
    (cd "$tmp/elsewhere" && clean "$tmp/venv_e/bin/python" first_fit.py "$tmp/checkout/python") \
        >> "$tmp/log" 2>&1 &&
    echo 'EDITED = True' >> "$tmp/checkout/python/siren/__init__.py" &&
    (cd "$tmp/elsewhere" && clean "$tmp/venv_e/bin/python" -c 'import siren; assert siren.EDITED') \
        >> "$tmp/log" 2>&1
report $? "pip install -e ./python: import siren from /tmp uses the source tree and its compiled library"

# 3. The older offline command (no build isolation, no dependencies).
: > "$tmp/log"
venv "$tmp/venv_n" &&
    (cd "$root" && clean "$tmp/venv_n/bin/pip" install --no-build-isolation --no-deps ./python) \
        >> "$tmp/log" 2>&1 &&
    (cd "$tmp/elsewhere" && clean "$tmp/venv_n/bin/python" first_fit.py "$tmp/venv_n") >> "$tmp/log" 2>&1
report $? "pip install --no-build-isolation --no-deps ./python works too"

# 4. An sdist carries the C sources and installs away from the checkout.
: > "$tmp/log"
(cd "$root/python" && clean "$python" -c \
    'import sys; sys.path.insert(0, "build_backend"); import siren_build; print(siren_build.build_sdist(sys.argv[1]))' \
    "$tmp") > "$tmp/sdist_name" 2>> "$tmp/log" && venv "$tmp/venv_s" &&
    (cd "$tmp/elsewhere" && clean "$tmp/venv_s/bin/pip" install "$tmp/$(cat "$tmp/sdist_name")") \
        >> "$tmp/log" 2>&1 &&
    (cd "$tmp/elsewhere" && clean "$tmp/venv_s/bin/python" first_fit.py "$tmp/venv_s") >> "$tmp/log" 2>&1
report $? "the sdist (python/ and csrc/) installs and fits from outside the checkout"

# 5. Another Python (without Debian's setuptools or numpy): the backend runs
# under it with build isolation and the wheel's library loads there.
other=$(command -v python3)
: > "$tmp/log"
if [ -z "$other" ] || [ "$(realpath "$other" 2>/dev/null)" = "$(realpath "$python")" ] ||
   ! "$other" -c 'import venv, ensurepip' > /dev/null 2>&1; then
    echo "SKIP pip wheel ./python with a second Python (python3 on PATH is $python or has no venv)"
else
    clean "$other" -m venv "$tmp/venv_o" >> "$tmp/log" 2>&1 &&
        (cd "$root" && clean "$tmp/venv_o/bin/pip" wheel --no-deps -w "$tmp/wheels" ./python) \
            >> "$tmp/log" 2>&1 &&
        clean "$tmp/venv_o/bin/pip" install --no-deps "$tmp"/wheels/siren-*.whl >> "$tmp/log" 2>&1 &&
        (cd "$tmp/elsewhere" && clean "$tmp/venv_o/bin/python" -c '
import ctypes, importlib.util, os
where = os.path.dirname(importlib.util.find_spec("siren").origin)
lib = ctypes.CDLL(os.path.join(where, "libsiren.so.1"))
lib.siren_version_string.restype = ctypes.c_char_p
print("loaded", lib.siren_version_string().decode())') >> "$tmp/log" 2>&1
    report $? "pip wheel ./python with $("$other" --version 2>&1) (build isolation): its library loads"
fi

# pytest python/tests against the pip-installed copy and its bundled library.
if [ ! -x "$tmp/venv/bin/python" ] || ! "$tmp/venv/bin/python" -c 'import siren' > /dev/null 2>&1; then
    echo "FAIL pytest python/tests (no installed package to test)"
    exit 1
fi
(cd "$tmp/elsewhere" && env -u SIREN_LIBRARY PYTHONDONTWRITEBYTECODE=1 "$tmp/venv/bin/python" -m pytest \
     -p no:cacheprovider -q --junitxml="$tmp/junit.xml" "$root/python/tests") > "$tmp/log" 2>&1
status=$?
if [ ! -s "$tmp/junit.xml" ]; then
    echo "FAIL pytest python/tests (exit status $status, no report)"
    sed 's/^/  /' "$tmp/log" | tail -30
    exit 1
fi
"$python" - "$tmp/junit.xml" <<'PY'
import sys
import xml.etree.ElementTree as ET

failed = 0
for case in ET.parse(sys.argv[1]).getroot().iter("testcase"):
    module = case.get("classname", "").split(".")[-1]
    name = "python %s.py::%s" % (module, case.get("name"))
    problem = case.find("failure")
    if problem is None:
        problem = case.find("error")
    skipped = case.find("skipped")
    if problem is not None:
        failed += 1
        print("FAIL %s" % name)
        text = (problem.get("message") or "") + "\n" + (problem.text or "")
        for line in text.strip().splitlines()[-15:]:
            print("  %s" % line)
    elif skipped is not None:
        print("SKIP %s: %s" % (name, skipped.get("message", "")))
    else:
        print("ok %s" % name)
sys.exit(1 if failed else 0)
PY
