# report.sh - sourced by the shell tests: the result lines tests/run.sh
# counts. ok NAME prints "ok NAME"; fail NAME [LINE...] prints "FAIL NAME"
# and each LINE indented below it, and returns (the caller goes on).
ok() { echo "ok $1"; }
fail() {
    echo "FAIL $1"
    shift
    for line in "$@"; do echo "  $line"; done
}
