#!/bin/bash
# run.sh [SECONDS] - build the libFuzzer targets with clang (in
# build-fuzz/, next to the source) and run each for SECONDS (default 15)
# from the seeds in t/fuzz/corpus; exits non-zero at the first finding,
# leaving the input that caused it in build-fuzz/findings/. .ci/run runs
# it briefly on every change; a long campaign is
#   t/fuzz/run.sh 3600
# and each target's last line gives its executions.
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-15}
out=build-fuzz
targets="spf dmarc msgwalk dkim mta config milter"
CC=clang cmake -S . -B $out -DMXGATE_FUZZ=ON -DMXGATE_TESTS=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo > /dev/null
cmake --build $out -j"$(nproc)" $(for t in $targets; do printf -- '--target fuzz_%s ' "$t"; done) > /dev/null
mkdir -p $out/findings
for t in $targets; do
    mkdir -p "$out/corpus/$t"
    if ! "$out/t/fuzz/fuzz_$t" -max_total_time="$secs" -print_final_stats=1 \
        -artifact_prefix="$out/findings/$t-" "$out/corpus/$t" "t/fuzz/corpus/$t" > "$out/fuzz_$t.log" 2>&1; then
        tail -n 40 "$out/fuzz_$t.log" >&2
        echo "run.sh: fuzz_$t found a problem; see $out/findings/" >&2
        exit 1
    fi
    echo "run.sh: fuzz_$t: $(awk '/number_of_executed_units/ { print $2 }' "$out/fuzz_$t.log") executions in ${secs}s, clean"
done
