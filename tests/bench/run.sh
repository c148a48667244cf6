#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# make bench: sansod against `nft -f` of its own --print-nft output, in one run, same content.
# Policy: 100k breakout prefixes, 10k MAC-bound hosts, 10k flows (tests/bench/gen-policy.sh).
# For each of RUNS rounds, in fresh network namespaces:
#   apply   sansod --once (parse + validate + compile + one batch + read-back of every element)
#   nft     nft -f big.nft (the same table, same atomic replace)
#   reload  sansod --once again on the live table (replace, never flush-and-refill)
# Reported: medians, and the ratios apply/nft (wall and peak RSS) and reload/apply.
set -euo pipefail
cd "$(dirname "$0")/../.."
SANSOD=${SANSOD:-build/sansod}
RUNS=${RUNS:-3}
HOSTS=${HOSTS:-10000} FLOWS=${FLOWS:-10000} PREFIXES=${PREFIXES:-100000}
[ "$(id -u)" = 0 ] || { echo "bench: needs root (network namespaces)"; exit 1; }
tmp=$(mktemp -d)
ns="sanso-bench-$$"
cleanup() {
	for n in "$ns-a" "$ns-b" "$ns-w"; do ip netns del "$n" 2>/dev/null || true; done
	rm -rf "$tmp"
}
trap cleanup EXIT

tests/bench/gen-policy.sh "$HOSTS" "$FLOWS" "$PREFIXES" >"$tmp/big.conf"
"$SANSOD" --print-nft -f "$tmp/big.conf" >"$tmp/big.nft"
echo "bench: $HOSTS MAC-bound hosts, $FLOWS flows, $PREFIXES breakout prefixes;" \
     "$(grep -c . "$tmp/big.nft") lines of nft syntax"

# Warm-up: load every kernel module both paths use, so neither pays for autoload replays.
# (sansod's table is 'persist': nft cannot replace it, so each path gets its own namespace)
ip netns add "$ns-w"
ip netns exec "$ns-w" "$SANSOD" --once -f conf/three-tier.conf 2>/dev/null
ip netns del "$ns-w"
ip netns add "$ns-w"
ip netns exec "$ns-w" nft -f "$tmp/big.nft"
ip netns del "$ns-w"

measure() {	# label netns cmd... -> appends "wall_s rss_kb" to $tmp/label
	local label=$1 n=$2
	shift 2
	/usr/bin/time -f "%e %M" -o "$tmp/t" ip netns exec "$n" "$@" >"$tmp/out" 2>&1 ||
		{ echo "bench: $label failed:"; cat "$tmp/out"; exit 1; }
	cat "$tmp/t" >>"$tmp/$label"
	grep -h '^stats: sets' "$tmp/out" | sed 's/.*commit \([0-9.]*\)s verify \([0-9.]*\)s/\1 \2/' \
		>>"$tmp/$label.kernel" || true
}

for i in $(seq "$RUNS"); do
	ip netns add "$ns-a"
	ip netns add "$ns-b"
	measure nft "$ns-b" nft -f "$tmp/big.nft"
	measure apply "$ns-a" "$SANSOD" --once --stats -f "$tmp/big.conf"
	measure reload "$ns-a" "$SANSOD" --once --stats -f "$tmp/big.conf"
	ip netns del "$ns-a"
	ip netns del "$ns-b"
done

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
col() { awk -v c="$2" '{ print $c }' "$tmp/$1" | median; }

nft_wall=$(col nft 1) nft_rss=$(col nft 2)
ap_wall=$(col apply 1) ap_rss=$(col apply 2)
re_wall=$(col reload 1) re_rss=$(col reload 2)
ap_commit=$(col apply.kernel 1) ap_verify=$(col apply.kernel 2)
re_commit=$(col reload.kernel 1)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }

printf '%-34s %8s %10s\n' "median of $RUNS" "wall s" "peak RSS"
printf '%-34s %8s %8s KB\n' "nft -f (baseline)" "$nft_wall" "$nft_rss"
printf '%-34s %8s %8s KB\n' "sansod apply (all phases)" "$ap_wall" "$ap_rss"
printf '%-34s %8s\n' "  of which kernel commit" "$ap_commit"
printf '%-34s %8s\n' "  of which read-back (I7)" "$ap_verify"
printf '%-34s %8s %8s KB\n' "sansod reload (replace table)" "$re_wall" "$re_rss"
printf '%-34s %8s\n' "  of which kernel commit" "$re_commit"
echo "ratio apply/nft wall:    $(ratio "$ap_wall" "$nft_wall")   (target <= 0.50)"
echo "ratio apply/nft RSS:     $(ratio "$ap_rss" "$nft_rss")   (target <= 0.50)"
echo "ratio commit/nft wall:   $(ratio "$ap_commit" "$nft_wall")"
echo "ratio reload/apply wall: $(ratio "$re_wall" "$ap_wall")   (target <= 1.20)"
