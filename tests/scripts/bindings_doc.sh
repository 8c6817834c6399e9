#!/bin/sh
# bindings_doc.sh - docs/BINDINGS.md is run as written, so that it cannot
# go stale. Its fenced code blocks, in the page's order, as a user would
# follow them in a scratch HOME and a copy of the checkout ($tmp/work/libsiren,
# with nothing built):
#   ```sh      runs with sh -e in the checkout's copy (each block a new shell);
#   ```python  runs in one Python session (~/siren-env/bin/python, the venv an
#              earlier block made), blocks sharing their variables;
#   a block right after a line <!-- file: PATH --> is written to PATH
#   (relative to the checkout's copy) for later sh blocks to build and run;
#   ```text and indented blocks are not run; any other block is an error.
# One ok/FAIL line per block. The environment is PATH (python3 first being
# $PYTHON, Debian's, with numpy and torch) and HOME; nothing else.
root=$(cd "${SIREN_ROOT:-.}" && pwd)
python=${PYTHON:-/usr/bin/python3}
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

for tool in cc make pkg-config cargo cmake; do
    if ! command -v "$tool" > /dev/null 2>&1; then
        echo "SKIP docs/BINDINGS.md runs as written (no $tool)"
        exit 0
    fi
done
if ! "$python" -c 'import numpy, venv, ensurepip, torch' > /dev/null 2>&1; then
    echo "SKIP docs/BINDINGS.md runs as written ($python lacks numpy, venv or torch)"
    exit 0
fi

mkdir -p "$tmp/work/libsiren" "$tmp/home" "$tmp/bin" || exit 1
ln -s "$python" "$tmp/bin/python3"
# the checkout as a clone has it: the files git knows (and new ones it does
# not ignore), nothing built
(cd "$root" && git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf -) |
    (cd "$tmp/work/libsiren" && tar xf -) || exit 1
# rustup's cargo finds its toolchains in the real HOME's ~/.rustup
rustup_home=${RUSTUP_HOME:-$HOME/.rustup}
[ -d "$rustup_home" ] && set -- RUSTUP_HOME="$rustup_home" || set --

env -i PATH="$tmp/bin:$PATH" HOME="$tmp/home" "$@" "$python" - "$root/docs/BINDINGS.md" \
    "$tmp/work/libsiren" <<'PY'
import os
import re
import subprocess
import sys

page, work = sys.argv[1], sys.argv[2]
RUNNABLE = {"sh", "python"}

# The child that runs the python blocks in one namespace: each block arrives
# as a length line and its text; it answers "ok" or the traceback.
CHILD = r'''
import sys, traceback
sys.stdout = sys.stderr  # what the blocks print is shown when one fails
namespace = {"__name__": "__main__"}
while True:
    line = sys.stdin.readline()
    if not line:
        break
    source = sys.stdin.read(int(line))
    try:
        exec(compile(source, "<docs/BINDINGS.md block>", "exec"), namespace)
        answer = "ok"
    except BaseException:
        answer = traceback.format_exc()
    sys.stderr.write("\0%d\n%s" % (len(answer), answer))
    sys.stderr.flush()
'''


def blocks(text):
    """(line number, language, file or None, code) of every fenced block;
    the file is named by a <!-- file: PATH --> line right before it."""
    lines, found, i = text.split("\n"), [], 0
    while i < len(lines):
        fence = re.match(r"```(\w*)\s*$", lines[i])
        if not fence:
            i += 1
            continue
        marker = re.match(r"<!-- file: (\S+) -->\s*$", lines[i - 1]) if i > 0 else None
        end = i + 1
        while end < len(lines) and lines[end].strip() != "```":
            end += 1
        found.append((i + 1, fence.group(1), marker.group(1) if marker else None,
                      "\n".join(lines[i + 1:end]) + "\n"))
        i = end + 1
    return found


class Python:
    def __init__(self):
        self.process = None

    def run(self, code):
        if self.process is None:
            interpreter = os.path.expanduser("~/siren-env/bin/python")
            if not os.path.exists(interpreter):
                return "no %s: no earlier block made the venv" % interpreter
            self.process = subprocess.Popen([interpreter, "-c", CHILD], cwd=work,
                                            stdin=subprocess.PIPE, stderr=subprocess.PIPE,
                                            text=True)
        self.process.stdin.write("%d\n%s" % (len(code), code))
        self.process.stdin.flush()
        err = self.process.stderr
        noise = []
        while True:
            c = err.read(1)
            if c == "":
                return "the Python session died:\n" + "".join(noise)
            if c == "\0":
                break
            noise.append(c)
        answer = err.read(int(err.readline()))
        return None if answer == "ok" else "".join(noise) + answer


def main():
    with open(page, encoding="utf-8") as f:
        found = blocks(f.read())
    session, failed = Python(), 0
    for start, language, target, code in found:
        name = "docs/BINDINGS.md:%d %s" % (start, target or language)
        problem = None
        if target:
            path = os.path.join(work, target)
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
            with open(path, "w", encoding="utf-8") as out:
                out.write(code)
            print("ok %s (written)" % name)
            continue
        if language == "text":
            continue
        if language not in RUNNABLE:
            problem = "a ```%s block is neither run nor written to a file (<!-- file: -->)" \
                % language
        elif language == "sh":
            done = subprocess.run(["sh", "-e", "-c", code], cwd=work, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True)
            if done.returncode != 0:
                problem = "exit status %d\n%s" % (done.returncode, done.stdout[-3000:])
        else:
            problem = session.run(code)
        if problem:
            failed += 1
            print("FAIL %s" % name)
            for line in problem.strip().splitlines()[-25:]:
                print("  " + line)
        else:
            print("ok %s" % name)
    if not found:
        print("FAIL docs/BINDINGS.md has no code blocks")
        failed += 1
    return 1 if failed else 0


sys.exit(main())
PY
