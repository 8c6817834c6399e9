#!/bin/sh
# python_package.sh - the `siren` Python package (python/): pip installs it
# offline (no index, no build isolation: Debian's setuptools) from a copy of
# python/ into a temporary directory, then pytest runs python/tests against
# that installed copy and the library in $SIREN_LIBRARY. Prints one
# ok/FAIL/SKIP line per pytest test (from pytest's JUnit XML report).
# Needs python3-numpy, python3-pip, python3-setuptools, python3-pytest
# (.ci/run installs them); without them it prints SKIP lines and a notice.
root=$(cd "${SIREN_ROOT:-.}" && pwd)
python=${PYTHON:-/usr/bin/python3}
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

missing=""
for module in numpy pip setuptools pytest; do
    "$python" -c "import $module" > /dev/null 2>&1 || missing="$missing $module"
done
if [ -n "$missing" ]; then
    echo "!!!!!! python_package.sh: $python lacks:$missing (Debian: python3-numpy python3-pip" >&2
    echo "!!!!!! python3-setuptools python3-pytest). The Python package is NOT tested." >&2
    echo "SKIP pip installs the siren package offline (missing:$missing)"
    echo "SKIP pytest python/tests (missing:$missing)"
    exit 0
fi

# A copy, so that setuptools' build/ and *.egg-info stay out of the tree.
mkdir "$tmp/src" && cp -R "$root/python/." "$tmp/src/" && rm -rf "$tmp/src/build" "$tmp/src"/*.egg-info
if "$python" -m pip install --no-build-isolation --no-deps --no-index --no-cache-dir \
       --disable-pip-version-check --no-input --target "$tmp/site" "$tmp/src" > "$tmp/log" 2>&1 &&
   [ -f "$tmp/site/siren/__init__.py" ] && ls -d "$tmp/site"/siren-*.dist-info > /dev/null 2>&1; then
    echo "ok pip installs the siren package offline (--no-build-isolation --no-index)"
else
    echo "FAIL pip installs the siren package offline (--no-build-isolation --no-index)"
    sed 's/^/  /' "$tmp/log" | tail -20
    exit 1
fi

# The tests must exercise the installed copy, not python/siren.
where=$(cd "$tmp" && PYTHONPATH="$tmp/site" "$python" -c 'import siren; print(siren.__file__)' 2>&1)
case "$where" in
    "$tmp/site/siren/"*) echo "ok the installed package is the one imported" ;;
    *) echo "FAIL the installed package is the one imported: $where" ;;
esac

(cd "$tmp" && PYTHONDONTWRITEBYTECODE=1 PYTHONPATH="$tmp/site" "$python" -m pytest -p no:cacheprovider -q \
     --junitxml="$tmp/junit.xml" "$root/python/tests") > "$tmp/log" 2>&1
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
