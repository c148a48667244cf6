#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# make bench, engine part: in one run, on the lab (tools/lab), measure
#   1. new-flow decisions/s: a UDP stream where every datagram is a new flow (udpflood)
#      through sansod's verdict engine (an engine-decided flow LGWAN terminals -> DMZ), against
#      the same stream through a minimal accept-all NFQUEUE loop with batched verdicts
#      (nfq_accept, queued by iptables-nft's NFQUEUE target, same compat path): ratio >= 0.8;
#   2. TCP throughput of an established engine-decided flow (juki-01 -> jlis-gw, iperf3)
#      with sansod running against no ruleset at all: ratio >= 0.9 (established packets stay
#      in the kernel);
#   3. new-flow decisions/s while full reloads of the 150k-element policy run, against idle
#      (issue 8: the hot path never waits for the control plane): ratio >= 0.9. The policy is
#      tests/bench/gen-policy.sh's plus the flood's engine-decided flow; during the window
#      `sansoctl reload` runs back to back, alternating with a variant whose 100k breakout
#      prefixes all differ (so no reload can be a small delta: each replaces the table).
# Packets are counted where they arrive (a counter in the receiver's namespace).
set -euo pipefail
cd "$(dirname "$0")/../.."
SANSOD=${SANSOD:-build/sansod}
SANSOCTL=${SANSOCTL:-$(dirname "$SANSOD")/sansoctl}
B=${BENCH_BUILD:-build/bench}
SECS=${SECS:-3}
RUNS=${RUNS:-3}
export LAB=${LAB:-sb$$}
[ "$(id -u)" = 0 ] || { echo "bench: needs root"; exit 1; }
for t in iptables iperf3; do
	command -v $t >/dev/null || { echo "bench: $t is not installed (make deps)"; exit 1; }
done
tmp=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	tools/lab down >/dev/null 2>&1 || true
	rm -rf "$tmp"
}
trap cleanup EXIT
n() { local node=$1; shift; ip netns exec "$LAB-$node" "$@"; }

tools/lab up >/dev/null
# every datagram is a new flow: keep the conntrack table from filling up
n gw sysctl -qw net.netfilter.nf_conntrack_udp_timeout=1
# the receiver counts and drops (no ICMP back)
n dmz nft -f - <<'NFT'
table inet bench {
	chain in {
		type filter hook input priority 0; policy accept;
		udp dport 9000 counter drop
	}
}
NFT
received() { n dmz nft list chain inet bench in | awk '/counter/ { for (i = 1; i <= NF; i++) if ($i == "packets") print $(i + 1) }'; }
reset_count() { n dmz nft reset counters table inet bench >/dev/null; }

cat conf/three-tier.conf - >"$tmp/bench.conf" <<'EOF2'
# bench additions
flows2: ();
# the flood measures the engine, not the per-source meters (R44): they are off here
limits: { rate = 0; ct_count = 0; };
EOF2
# the flows section is extended in place: engine-decided UDP for the flood, iperf3 port
sed -i -e 's|^flows: (|flows: (\n  { name = "bench-udp"; class = "peer"; from = "lg-terminals"; to = "e-apply"; proto = "udp"; ports = [9000]; approval = "AP-B1"; purpose = "bench"; verdict = "engine"; },\n  { name = "bench-iperf"; class = "public-system-via-lgwan"; from = "juki-01"; to = "jlis-gw"; proto = "tcp"; ports = [5201]; approval = "AP-B2"; purpose = "bench"; },|' \
	-e '/^flows2: ();$/d' -e '/^# bench additions$/d' "$tmp/bench.conf"
"$SANSOD" -n -f "$tmp/bench.conf" 2>/dev/null || { "$SANSOD" -n -f "$tmp/bench.conf"; exit 1; }

flood() {	# -> datagrams received per second
	reset_count
	n lg "$B/udpflood" 10.20.0.130 100 10.40.0.10 9000 "$SECS" >/dev/null
	sleep 0.5
	awk -v p="$(received)" -v s="$SECS" 'BEGIN { printf "%.0f", p / s }'
}

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

base=() eng=()
for _ in $(seq "$RUNS"); do
	# baseline: every new UDP datagram to queue 0, accepted by the minimal loop
	n gw iptables -A FORWARD -p udp -m conntrack --ctstate NEW -j NFQUEUE --queue-num 0
	ip netns exec "$LAB-gw" "$B/nfq_accept" 0 >"$tmp/acc" & pids+=($!)
	sleep 0.3
	base+=("$(flood)")
	kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true
	n gw iptables -F FORWARD
	n gw nft delete table ip filter 2>/dev/null || true
	# sansod: the same datagrams through the engine (an engine-decided flow)
	ip netns exec "$LAB-gw" "$SANSOD" -f "$tmp/bench.conf" >"$tmp/sansod.log" 2>&1 & pids+=($!)
	for _ in $(seq 50); do grep -q "applied generation" "$tmp/sansod.log" && break; sleep 0.1; done
	sleep 0.3
	eng+=("$(flood)")
	kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true
	n gw nft delete table inet sanso
done
b=$(printf '%s\n' "${base[@]}" | median)
e=$(printf '%s\n' "${eng[@]}" | median)

# TCP throughput of an established engine-decided flow, against no ruleset
iperf() {
	ip netns exec "$LAB-lg" iperf3 -s -B 10.20.0.9 -1 >/dev/null 2>&1 & local s=$!
	sleep 0.3
	n mn1 iperf3 -c 10.20.0.9 -t "$SECS" -J 2>/dev/null |
		awk -F'[:,]' '/"bits_per_second"/ { v = $2 } END { printf "%.0f", v }'
	wait "$s" 2>/dev/null || true
}
none=() with=()
for _ in $(seq "$RUNS"); do
	none+=("$(iperf)")
	ip netns exec "$LAB-gw" "$SANSOD" -f "$tmp/bench.conf" >"$tmp/sansod.log" 2>&1 & pids+=($!)
	for _ in $(seq 50); do grep -q "applied generation" "$tmp/sansod.log" && break; sleep 0.1; done
	with+=("$(iperf)")
	kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true
	n gw nft delete table inet sanso
done
tn=$(printf '%s\n' "${none[@]}" | median)
tw=$(printf '%s\n' "${with[@]}" | median)

# 3. decisions/s during full reloads of a 150k-element policy that also holds the flood's flow
tests/bench/gen-policy.sh "${HOSTS:-10000}" "${FLOWS:-10000}" "${PREFIXES:-100000}" |
	sed -e 's|^\(  lgwan: .*networks = \["10.64.0.0/10"\)|\1, "10.20.0.0/24"|' \
	    -e 's|^\(  dmz: .*networks = \["10.200.0.0/16"\)|\1, "10.40.0.0/24"|' \
	    -e 's|^hosts: ($|&\n  { name = "e-apply"; zone = "dmz"; ipv4 = "10.40.0.10"; },|' \
	    -e 's|^flows: ($|groups: ( { name = "lg-terminals"; members = ["10.20.0.128/25"]; } );\n&\n  { name = "bench-udp"; class = "peer"; from = "lg-terminals"; to = "e-apply"; proto = "udp"; ports = [9000]; approval = "AP-B1"; purpose = "bench"; verdict = "engine"; },|' \
	    >"$tmp/big-a.conf"
echo 'limits: { rate = 0; ct_count = 0; };' >>"$tmp/big-a.conf"
# variant: every breakout /24 moved to the next (odd) /24: 100k elements differ
perl -pe 's{"(\d+)\.(\d+)\.(\d+)\.0/24"}{"\"$1.$2.".($3 + 1).".0/24\""}ge if /prefixes = \[/' \
	"$tmp/big-a.conf" >"$tmp/big-b.conf"
for f in big-a big-b; do
	"$SANSOD" -n -f "$tmp/$f.conf" >/dev/null 2>&1 || { "$SANSOD" -n -f "$tmp/$f.conf"; exit 1; }
done
cp "$tmp/big-a.conf" "$tmp/big.conf"
mkdir -p "$tmp/state"
ip netns exec "$LAB-gw" "$SANSOD" -f "$tmp/big.conf" --control "$tmp/control" \
	--state-dir "$tmp/state" --audit "$tmp/audit.jsonl" >"$tmp/sansod.log" 2>&1 & pids+=($!)
for _ in $(seq 600); do
	grep -q "applied generation" "$tmp/sansod.log" && [ -S "$tmp/control" ] && break
	sleep 0.1
done
grep -q "applied generation" "$tmp/sansod.log" || { echo "bench: sansod (150k) did not start:"; cat "$tmp/sansod.log"; exit 1; }
reloader() {	# sansoctl reload back to back until $tmp/stop exists; one line per reload
	local k=0
	while [ ! -e "$tmp/stop" ]; do
		cp "$tmp/big-$([ $((k % 2)) = 0 ] && echo b || echo a).conf" "$tmp/big.conf.new"
		mv "$tmp/big.conf.new" "$tmp/big.conf"
		if "$SANSOCTL" -s "$tmp/control" reload >/dev/null 2>&1; then
			echo ok >>"$tmp/reloads"
		else
			echo failed >>"$tmp/reloads"
		fi
		k=$((k + 1))
	done
}
idle=() busy=() during=()
: >"$tmp/reloads"
for _ in $(seq "$RUNS"); do
	idle+=("$(flood)")
	rm -f "$tmp/stop"
	reloader & rl=$!
	sleep 0.3	# the first reload is under way
	before=$(grep -c ok "$tmp/reloads" || true)
	busy+=("$(flood)")
	during+=($(($(grep -c ok "$tmp/reloads" || true) - before)))
	touch "$tmp/stop"
	wait "$rl"
done
# proof that the flood went through the engine: the decisions sansod counted
decisions=$("$SANSOCTL" -s "$tmp/control" stats --prometheus |
	awk '/^sanso_engine_total/ { s += $2 } END { printf "%.0f", s }')
kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true
n gw nft delete table inet sanso
ti=$(printf '%s\n' "${idle[@]}" | median)
tb=$(printf '%s\n' "${busy[@]}" | median)
rl_ok=$(grep -c ok "$tmp/reloads" || true)
rl_bad=$(grep -c failed "$tmp/reloads" || true)

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
echo "engine: median of $RUNS runs of ${SECS}s"
echo "  new flows/s, minimal accept-all NFQUEUE loop (batched): $b"
echo "  new flows/s, sansod verdict engine (decisions):         $e"
echo "  ratio engine/minimal:                                   $(ratio "$e" "$b")   (target >= 0.80)"
echo "  TCP established, no ruleset:         $(awk -v v="$tn" 'BEGIN { printf "%.2f Gbit/s", v / 1e9 }')"
echo "  TCP established, sansod running:     $(awk -v v="$tw" 'BEGIN { printf "%.2f Gbit/s", v / 1e9 }')"
echo "  ratio sansod/none:                                      $(ratio "$tw" "$tn")   (target >= 0.90)"
echo "  new flows/s, 150k policy, idle:                         $ti"
echo "  new flows/s, 150k policy, full reloads running:         $tb   (reloads completed in the windows: ${during[*]}; $rl_ok in all, $rl_bad failed)"
echo "  engine decisions counted by sansod in these windows:      $decisions"
echo "  ratio during reload/idle:                               $(ratio "$tb" "$ti")   (target >= 0.90)"
