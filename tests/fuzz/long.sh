#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# long.sh: the documented long fuzzing run (make fuzz-long). Runs every harness given on the
# command line until it has executed at least FUZZ_RUNS inputs (libFuzzer -runs=N), at most
# FUZZ_JOBS harnesses at a time, niced; prints one summary line per harness (executed units,
# exec/s, wall time) and fails on any crash, leak, timeout or short run.
# Corpora: the new inputs go to build-fuzz/corpus-<name> (kept between runs), the seeds are
# read from tests/fuzz/corpus/<name>; crashes are written to build-fuzz/<name>-crash-*.
# Logs: build-fuzz/long-<name>.log. Environment: FUZZ_RUNS (10000000), FUZZ_JOBS (1, at most
# the number of cores), FUZZ_NICE (10), FUZZ_OPTS_<name> (extra libFuzzer flags).
set -u
cd "$(dirname "$0")/../.."
RUNS=${FUZZ_RUNS:-10000000}
JOBS=${FUZZ_JOBS:-1}
NICE=${FUZZ_NICE:-10}
CORES=$(nproc)
[ "$JOBS" -gt "$CORES" ] && JOBS=$CORES
[ "$JOBS" -lt 1 ] && JOBS=1
SUPP=$PWD/tests/fuzz/lsan.supp
# A smaller ASan quarantine (256 MB by default): the harnesses free everything per input, so a
# use after free is still caught, and the 64 KiB policy arenas stop faulting in fresh pages.
export ASAN_OPTIONS=${ASAN_OPTIONS:-quarantine_size_mb=16}

run_one() {
	local f=$1 log=build-fuzz/long-$1.log v=FUZZ_OPTS_$1 opts t0 t1 rc
	opts=${!v:-}
	mkdir -p "build-fuzz/corpus-$f" "tests/fuzz/corpus/$f"
	t0=$(date +%s.%N)
	# shellcheck disable=SC2086
	LSAN_OPTIONS=suppressions=$SUPP nice -n "$NICE" "build-fuzz/fuzz_$f" -runs="$RUNS" \
		-print_final_stats=1 -artifact_prefix="build-fuzz/$f-" $opts \
		"build-fuzz/corpus-$f" "tests/fuzz/corpus/$f" >"$log" 2>&1
	rc=$?
	t1=$(date +%s.%N)
	echo "$rc $t0 $t1" >"build-fuzz/long-$f.rc"
}

summary() {
	local f rc t0 t1 units wall eps res fail=0
	printf '%-8s %12s %9s %10s  %s\n' harness executed exec/s wall result
	for f in "$@"; do
		if [ ! -r "build-fuzz/long-$f.rc" ]; then
			printf '%-8s %12s %9s %10s  %s\n' "$f" - - - "not run"; fail=1; continue
		fi
		read -r rc t0 t1 <"build-fuzz/long-$f.rc"
		units=$(sed -n 's/^stat::number_of_executed_units: *//p' "build-fuzz/long-$f.log" | tail -1)
		units=${units:-0}
		wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
		eps=$(awk -v u="$units" -v w="$wall" 'BEGIN { printf "%.0f", (w > 0) ? u / w : u }')
		res=ok
		if grep -q 'libFuzzer: run interrupted' "build-fuzz/long-$f.log"; then
			res="STOPPED (signal) before $RUNS runs"; fail=1
		elif [ "$rc" -ne 0 ]; then
			res="FAIL rc=$rc: $(grep -m1 -E '^==[0-9]+==ERROR|^SUMMARY|deadly signal' \
				"build-fuzz/long-$f.log")"
			fail=1
		elif [ "$units" -lt "$RUNS" ]; then
			res="FAIL: fewer than $RUNS runs"; fail=1
		fi
		printf '%-8s %12s %9s %9ss  %s\n' "$f" "$units" "$eps" "$wall" "$res"
	done
	return $fail
}

if [ "${1:-}" = --summary ]; then
	shift
	summary "$@"
	exit
fi
[ $# -gt 0 ] || { echo "usage: $0 [--summary] harness..." >&2; exit 2; }
echo "fuzz-long: $* to $RUNS runs each, $JOBS at a time, nice $NICE (logs build-fuzz/long-*.log)"
for f in "$@"; do
	rm -f "build-fuzz/long-$f.rc"
done
export -f run_one
export RUNS NICE SUPP
printf '%s\n' "$@" | xargs -P "$JOBS" -I{} bash -c 'run_one {}'
summary "$@"
