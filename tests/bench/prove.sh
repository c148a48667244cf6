#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# make bench, proof part (issue 13): the independent proof of the kernel's ruleset on the
# 150k-element policy (tests/bench/gen-policy.sh), against the apply measured in the same run.
# For each of RUNS rounds, in a fresh network namespace:
#   apply   sansod --once (the policy compiled, committed and read back)
#   prove   sansoctl prove --dump of `nft -j list table inet sanso` captured after the apply
#           (parse of nft's JSON + the policy + the symbolic evaluation + the comparison)
# Reported: medians of wall time and peak RSS, the ratio prove/apply (target <= 1 s for the
# proof), and the proof's result line. The prover runs under a ulimit -v (PROVE_VMEM_KB): past
# its own budget it answers exit 5 instead of growing. The bench reports, it does not assert.
set -euo pipefail
cd "$(dirname "$0")/../.."
SANSOD=${SANSOD:-build/sansod}
SANSOCTL=${SANSOCTL:-$(dirname "$SANSOD")/sansoctl}
RUNS=${RUNS:-3}
HOSTS=${HOSTS:-10000} FLOWS=${FLOWS:-10000} PREFIXES=${PREFIXES:-100000}
PROVE_VMEM_KB=${PROVE_VMEM_KB:-4000000}
[ "$(id -u)" = 0 ] || { echo "bench: needs root (network namespaces)"; exit 1; }
[ -x "$SANSOCTL" ] || { echo "bench: $SANSOCTL not built"; exit 1; }
tmp=$(mktemp -d)
ns="sanso-bprove-$$"
cleanup() {
	ip netns del "$ns" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

tests/bench/gen-policy.sh "$HOSTS" "$FLOWS" "$PREFIXES" >"$tmp/big.conf"
for i in $(seq "$RUNS"); do
	ip netns add "$ns"
	/usr/bin/time -f "%e %M" -o "$tmp/t" ip netns exec "$ns" "$SANSOD" --once -f "$tmp/big.conf" \
		>"$tmp/out" 2>&1 || { echo "bench: prove: apply failed:"; cat "$tmp/out"; exit 1; }
	cat "$tmp/t" >>"$tmp/apply"
	ip netns exec "$ns" nft -j list table inet sanso >"$tmp/table.json"
	ip netns del "$ns"
	rc=0
	( ulimit -v "$PROVE_VMEM_KB"
	  exec /usr/bin/time -v -o "$tmp/tv" "$SANSOCTL" prove --dump "$tmp/table.json" \
		-f "$tmp/big.conf" ) >"$tmp/prove.out" 2>"$tmp/prove.err" || rc=$?
	awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, t, ":"); s = 0
			for (i = 1; i <= n; i++) s = s * 60 + t[i]; w = s }
		    /Maximum resident set size/ { m = $2 }
		    END { print w, m }' "$tmp/tv" >>"$tmp/prove"
	echo "$rc $(grep -h '^result:' "$tmp/prove.out" || grep -h 'cannot evaluate' "$tmp/prove.err" || echo '?')" \
		>"$tmp/result"
	grep -h '^approximate:' "$tmp/prove.out" | cut -d' ' -f1-2 >"$tmp/approx" || echo "approximate: ?" >"$tmp/approx"
done

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
col() { awk -v c="$2" '{ print $c }' "$tmp/$1" | median; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
ap_wall=$(col apply 1) ap_rss=$(col apply 2)
pr_wall=$(col prove 1) pr_rss=$(col prove 2)
echo "prove: $HOSTS hosts, $FLOWS flows, $PREFIXES breakout prefixes;" \
     "nft JSON $(wc -c <"$tmp/table.json") bytes; median of $RUNS runs"
printf '  %-42s %8s s %10s KB\n' "sansod --once (apply)" "$ap_wall" "$ap_rss"
printf '  %-42s %8s s %10s KB\n' "sansoctl prove --dump (the kernel's table)" "$pr_wall" "$pr_rss"
echo "  ratio prove/apply wall: $(ratio "$pr_wall" "$ap_wall")   (target: prove <= 1 s)"
echo "  last proof: exit $(cat "$tmp/result"); $(cat "$tmp/approx")"
