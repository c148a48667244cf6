#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# t_printnft.sh: `sansod --print-nft` is the same ruleset that `sansod --once` commits.
# Its output is loaded with plain `nft -f` into one fresh namespace, sansod applies the same
# file (same --now) into another, and the two kernel listings must be identical (modulo
# counters and running timeouts), element and rule comments included: every element names its
# flow, exception, service, host or zone (and approval), an exception's expiry is an absolute
# time that does not change with the clock of the run.
#
#   ${LAB}-p1: nft -f <(sansod --print-nft)      ${LAB}-p2: sansod --once
#              nft list table inet sanso   ==   nft list table inet sanso
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

require sansod
P1=$LAB-p1
P2=$LAB-p2
EXTRA_NS=("$P1" "$P2")
ip netns add "$P1"
ip netns add "$P2"

export TZ=JST-9		# expiries are printed in local time
NOW=$(date +%s)
conf_with_expiry 86400 "$CONF" "$TMP/policy.conf"
# Engine-decided flows compile to `queue`; this kernel has no nft_queue, so sansod commits the
# xtables NFQUEUE target there, which plain nft cannot load. Compare the kernel-only form:
# every flow decided in the kernel.
sed -i 's/class = \("[a-z-]*"\);/class = \1; verdict = "kernel";/' "$TMP/policy.conf"
grep -q 'verdict = "kernel"' "$TMP/policy.conf" || fail "could not make the policy kernel-only"

check "sansod -n: configuration OK" "$SANSOD" -n -f "$TMP/policy.conf"
print_nft()
{
	"$SANSOD" --print-nft --now "$NOW" -f "$TMP/policy.conf" >"$1"
}
check "sansod --print-nft succeeds" print_nft "$TMP/printed.nft"
check "sansod --print-nft prints table inet sanso" grep -q 'table inet sanso' "$TMP/printed.nft"
print_nft "$TMP/printed2.nft" || true
check "sansod --print-nft is deterministic" cmp -s "$TMP/printed.nft" "$TMP/printed2.nft"
check "nft -c accepts the printed ruleset" ip netns exec "$P1" nft -c -f "$TMP/printed.nft"
check "nft -f loads the printed ruleset into a fresh namespace" \
	ip netns exec "$P1" nft -f "$TMP/printed.nft"
check "sansod --once applies the same file in another namespace" \
	ip netns exec "$P2" "$SANSOD" --once --now "$NOW" -f "$TMP/policy.conf"

list()
{
	ip netns exec "$1" nft list table inet sanso 2>/dev/null | normalize_nft
}
list "$P1" >"$TMP/p1.list"
list "$P2" >"$TMP/p2.list"
check "both namespaces hold a non-empty table inet sanso" test -s "$TMP/p1.list" -a -s "$TMP/p2.list"
if cmp -s "$TMP/p1.list" "$TMP/p2.list"; then
	pass "nft -f of --print-nft == what sansod committed"
else
	fail "nft -f of --print-nft == what sansod committed"
	diff -u "$TMP/p1.list" "$TMP/p2.list" | head -40 | sed "s/^/    /" || true
fi
check "--print-nft touches no other table" \
	test "$(ip netns exec "$P1" nft list tables)" == "table inet sanso"

# Loading the printed ruleset again replaces the table (it must be re-loadable, as an
# operator would use it).
check "nft -f of the printed ruleset is re-loadable over itself" \
	ip netns exec "$P1" nft -f "$TMP/printed.nft"
check_eq "re-loaded table unchanged" "$(cat "$TMP/p1.list")" "$(list "$P1")"

# ---- comments ----
# (raw listing: normalize_nft drops the kernel's "expires 23h59m" and would cut "expires 2026-")
ip netns exec "$P2" nft list table inet sanso >"$TMP/p2.raw" 2>/dev/null || true
# every element line of the printed text carries a comment
nocomment=$(awk '/elements = \{/ { inside = 1 } inside && !/comment "/ { print } /\}$/ { inside = 0 }' \
	"$TMP/printed.nft")
check_eq "every printed element carries a comment" "" "$nocomment"
when=$(sed -nE 's/.*id = "EX-2026-014".*//; s/.*expires = "([^"]*)".*/\1/p' "$TMP/policy.conf" | head -1)
check "the exception's expiry is a JST time in the policy" grep -q '+09:00$' <<<"$when"
xc="comment \"exception EX-2026-014 approved-by suzuki expires $when\""
check "printed: the exception element names its approver and absolute expiry" \
	grep -qF "$xc" "$TMP/printed.nft"
check "kernel (sansod --once): the same exception comment" grep -qF "$xc" "$TMP/p2.raw"
check "kernel: the relative timeout stays beside it" \
	grep -qE "timeout ([0-9]+[dhms])+ expires [0-9dhms.]+ comment \"exception EX-2026-014 " \
	<<<"$(grep -F "$xc" "$TMP/p2.raw")"
check "kernel: a flow element names its flow and approval" \
	grep -qF 'comment "flow juki-jlis approval AP-2026-001"' "$TMP/p2.list"
check "kernel: a service-less host binding names its host" \
	grep -qF 'comment "host juki-01"' "$TMP/p2.list"
check "kernel: the flow map rule names its flows" \
	grep -qE 'map @mynumber_lgwan_mp4 comment "flows mynumber_lgwan: juki-jlis' "$TMP/p2.list"
"$SANSOD" --print-nft --now "$((NOW + 7200))" -f "$TMP/policy.conf" >"$TMP/later.nft"
check "printed two hours later: the same absolute expiry" grep -qF "$xc" "$TMP/later.nft"
t1=$(grep -F "$xc" "$TMP/printed.nft" | grep -oE 'timeout [0-9dhms]+' | head -1)
t2=$(grep -F "$xc" "$TMP/later.nft" | grep -oE 'timeout [0-9dhms]+' | head -1)
check "printed two hours later: a shorter relative timeout ($t1 / $t2)" test -n "$t1" -a "$t1" != "$t2"

finish
