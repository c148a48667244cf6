#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# make bench, operations part: what a small change costs on the 150k-element policy
# (tests/bench/gen-policy.sh), against a full reload measured in the same run (issue 8).
# sansod runs as a daemon (control socket, state directory) in a fresh network namespace;
# every operation goes through sansoctl, wall time from the call to its answer:
#   reload        sansoctl reload --full, the policy unchanged: a table replace read back whole
#                 (the full-reload baseline)
#   unchanged     sansoctl reload, the policy unchanged (a delta of nothing)
#   isolate       sansoctl isolate HOST          restore   sansoctl restore HOST
#   exc-add       sansoctl exception add ID      exc-rev   sansoctl exception revoke ID
#   svc-revoke    sansoctl breakout-revoke SVC   (then breakout-restore, not measured)
#   one-flow      sansoctl reload of a policy differing from the loaded one by one flow's port
# Reported: medians of RUNS, each as a ratio to the reload; targets ops <= 0.02 and one-flow
# reload <= 0.10. The bench reports, it does not assert a ratio.
set -euo pipefail
cd "$(dirname "$0")/../.."
SANSOD=${SANSOD:-build/sansod}
SANSOCTL=${SANSOCTL:-$(dirname "$SANSOD")/sansoctl}
RUNS=${RUNS:-3}
HOSTS=${HOSTS:-10000} FLOWS=${FLOWS:-10000} PREFIXES=${PREFIXES:-100000}
[ "$(id -u)" = 0 ] || { echo "bench: needs root (network namespaces)"; exit 1; }
[ -x "$SANSOCTL" ] || { echo "bench: $SANSOCTL not built"; exit 1; }
tmp=$(mktemp -d)
ns="sanso-bops-$$"
dpid=""
cleanup() {
	[ -n "$dpid" ] && { kill "$dpid" 2>/dev/null || true; wait "$dpid" 2>/dev/null || true; }
	ip netns del "$ns" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

tests/bench/gen-policy.sh "$HOSTS" "$FLOWS" "$PREFIXES" >"$tmp/big.conf"
# the same policy, one flow different (f0's port 1000 -> 1999, a port no other flow uses)
sed 's/^\(  { name = "f0"; .*ports = \)\[1000\]/\1[1999]/' "$tmp/big.conf" >"$tmp/oneflow.conf"
cmp -s "$tmp/big.conf" "$tmp/oneflow.conf" && { echo "bench: ops: no flow f0 to change"; exit 1; }
chmod 0644 "$tmp/big.conf" "$tmp/oneflow.conf"
cp "$tmp/big.conf" "$tmp/policy.conf"
chmod 0644 "$tmp/policy.conf"
ctl() { "$SANSOCTL" -s "$tmp/control" "$@"; }

start() {
	ip netns add "$ns"
	rm -rf "$tmp/state" "$tmp/control" "$tmp/audit.jsonl"
	mkdir -p "$tmp/state"
	: >"$tmp/sansod.log"
	ip netns exec "$ns" "$SANSOD" -f "$tmp/policy.conf" --control "$tmp/control" \
		--state-dir "$tmp/state" --audit "$tmp/audit.jsonl" >>"$tmp/sansod.log" 2>&1 &
	dpid=$!
	local i
	for i in $(seq 600); do
		grep -q "applied generation" "$tmp/sansod.log" && [ -S "$tmp/control" ] && return 0
		kill -0 "$dpid" 2>/dev/null || break
		sleep 0.1
	done
	echo "bench: ops: sansod did not start:"; cat "$tmp/sansod.log"; exit 1
}
stop() {
	kill "$dpid" 2>/dev/null || true
	wait "$dpid" 2>/dev/null || true
	dpid=""
	ip netns del "$ns"
}

# measure LABEL sansoctl-args...: one timed call, its seconds appended to $tmp/LABEL
measure() {
	local label=$1 t0 t1
	shift
	t0=$(date +%s%N)
	ctl "$@" >"$tmp/out" 2>&1 || { echo "bench: ops: sansoctl $* failed:"; cat "$tmp/out"; exit 1; }
	t1=$(date +%s%N)
	awk -v d=$((t1 - t0)) 'BEGIN { printf "%.4f\n", d / 1e9 }' >>"$tmp/$label"
}
# use POLICY: the file the daemon's next reload reads
use() { cp "$1" "$tmp/policy.conf.new" && mv "$tmp/policy.conf.new" "$tmp/policy.conf"; }

until=$(date -d "@$(($(date +%s) + 3600))" +%Y-%m-%dT%H:%M:%S%:z)
for i in $(seq "$RUNS"); do
	start
	measure reload reload --full
	measure unchanged reload
	measure isolate isolate t42 --reason "bench"
	measure restore restore t42
	measure exc-add exception add "EX-B-$i" --from t43 --to d1 --proto tcp --ports 2222 \
		--reason bench --requested-by tanaka --approved-by suzuki --expires "$until"
	measure exc-rev exception revoke "EX-B-$i"
	measure svc-revoke breakout-revoke svc3 --reason "bench"
	ctl breakout-restore svc3 >/dev/null
	use "$tmp/oneflow.conf"
	measure one-flow reload
	use "$tmp/big.conf"
	measure one-flow reload
	measure reload reload --full
	ctl verify >"$tmp/out" 2>&1 || { echo "bench: ops: not in sync after the operations:"; cat "$tmp/out"; exit 1; }
	stop
done

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b > 0 ? a / b : 0) }'; }
full=$(median <"$tmp/reload")
echo "ops: sansod daemon, $HOSTS hosts, $FLOWS flows, $PREFIXES breakout prefixes;" \
     "median of $RUNS runs (reload, one-flow: 2 samples a run)"
printf '  %-42s %8s s\n' "sansoctl reload --full (table replace)" "$full"
row() {	# LABEL FILE TARGET
	local m
	m=$(median <"$tmp/$2")
	printf '  %-42s %8s s   ratio %s   (target <= %s)\n' "$1" "$m" "$(ratio "$m" "$full")" "$3"
}
row "reload, unchanged (delta of nothing)" unchanged 0.10
row "isolate HOST" isolate 0.02
row "restore HOST" restore 0.02
row "exception add" exc-add 0.02
row "exception revoke" exc-rev 0.02
row "breakout-revoke SERVICE" svc-revoke 0.02
row "reload, one flow changed" one-flow 0.10
