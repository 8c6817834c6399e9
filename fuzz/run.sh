#!/bin/sh
# run.sh SECONDS HARNESS... - runs each built harness (build/fuzz/fuzz_NAME)
# for SECONDS seconds, one after another in one process each (-workers=1:
# the machines this runs on are shared), from its committed corpus
# fuzz/corpus/NAME plus what earlier runs found (build/fuzz/corpus/NAME).
# Crashes go to build/fuzz/artifacts/. One summary line per harness, also
# appended to build/fuzz/summary.txt; exits 1 if any harness failed.
seconds=${1:?usage: run.sh SECONDS HARNESS...}
shift
status=0
mkdir -p build/fuzz/artifacts || exit 1
for h in "$@"; do
    bin=build/fuzz/fuzz_$h
    mkdir -p "build/fuzz/corpus/$h" "fuzz/corpus/$h"
    dict=""
    [ -f "fuzz/$h.dict" ] && dict="-dict=fuzz/$h.dict"
    log=build/fuzz/$h.log
    # -max_len: every seed is far smaller. -timeout: a hang; no input needs
    # more than 0.3 s on an idle machine, but on a shared, overloaded one
    # (load 9 on 2 cores) an api input with 3-thread pools once stalled for
    # 6 s in the scheduler (fuzz/regressions/api/slow_under_load_*).
    # -rss_limit_mb: libFuzzer's default, said.
    "$bin" -max_total_time="$seconds" -workers=1 -max_len=4096 -timeout=30 \
        -rss_limit_mb=2048 -print_final_stats=1 $dict \
        -artifact_prefix="build/fuzz/artifacts/$h-" \
        "build/fuzz/corpus/$h" "fuzz/corpus/$h" > "$log" 2>&1
    rc=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    secs=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
    if [ "$rc" -eq 0 ]; then
        line="fuzz_$h: ${runs:-?} executions in $seconds s (${secs:-?}/s, $cov), no crash"
    else
        line="fuzz_$h: FAILED (exit $rc) after ${runs:-?} executions; see $log and build/fuzz/artifacts/"
        status=1
    fi
    echo "$line"
    echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) $line" >> build/fuzz/summary.txt
done
exit $status
