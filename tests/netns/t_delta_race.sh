#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# t_delta_race.sh: a change racing other processes' commits (issue 8: "a delta commit racing
# another process's commit is retried correctly (GENID)"). On the large policy of t_delta.sh,
# two other processes commit to nftables (each its own table, in the gateway) as fast as nft
# can, while `sansoctl isolate` and `restore` of one host run 50 times each: every call must
# succeed (a batch whose NFNL_BATCH_GENID no longer matches is retried; the read-back must not
# be confused by the others' commits either), the final table must be in sync and equal to
# the one before, the host's traffic must pass, and the other processes' tables stay intact.
#
#   lg admin-01 10.20.0.10  ==(lab-admin tcp/443)==> [gw: sansod] ==> dmz e-apply 10.40.0.10
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

require sansod
SANSOCTL=${SANSOCTL:-$(dirname "$SANSOD")/sansoctl}
[[ -x $SANSOCTL ]] || cannot_run "sansoctl not built: $SANSOCTL"
lab_up

delta_setup
admin_ok() { tcp_ok lg 10.20.0.10 10.40.0.10 443; }
# in_sync: sansoctl verify says the kernel enforces the compiled generation (exit 0)
in_sync() { ctl verify >"$TMP/verify.out" 2>&1 || { sed 's/^/    verify: /' "$TMP/verify.out" | head -20; return 1; }; }
# table: the kernel's table, normalized (lib.sh), element timeouts left out (they run down)
table() { nft_table gw | sed -E 's/ timeout [0-9dhms]+//g'; }

serve dmz tcp 10.40.0.10 443
check "baseline without sanso: admin-01 -> e-apply:443 passes" admin_ok
check "sansod -f starts on the large policy with a control socket" start
check "verify: in sync after the start" in_sync
T0=$(table)
check "the policy's flow passes: admin-01" admin_ok

# ---- other processes commit while isolate/restore run ------------------------------------
# two loops in the gateway, each committing to its own table as fast as nft can
racer()
{
	ip netns exec "$LAB-gw" bash -c '
		t=$1; n=0
		nft add table inet "$t" && nft add set inet "$t" s "{ type ipv4_addr; }" || exit 1
		while [ ! -e "$2" ]; do
			nft add element inet "$t" s "{ 10.99.$((n / 256 % 256)).$((n % 256)) }" || exit 1
			nft flush set inet "$t" s || exit 1
			n=$((n + 2))
			echo "$n" >"$3"
		done' racer "$1" "$TMP/race.stop" "$TMP/race.$1" &
	PIDS+=("$!")
	RACERS+=("$!")
}
RACERS=()
rm -f "$TMP/race.stop"
racer foo
racer bar
poll 50 test -s "$TMP/race.foo"
poll 50 test -s "$TMP/race.bar"
commits_before=$(($(cat "$TMP/race.foo") + $(cat "$TMP/race.bar")))
fails=0
for i in $(seq 50); do
	ctl isolate admin-01 --reason "race $i" >>"$TMP/race.ops" 2>&1 || fails=$((fails + 1))
	ctl restore admin-01 >>"$TMP/race.ops" 2>&1 || fails=$((fails + 1))
done
commits_after=$(($(cat "$TMP/race.foo") + $(cat "$TMP/race.bar")))
touch "$TMP/race.stop"
racers_ok=0
for p in "${RACERS[@]}"; do
	wait "$p" || racers_ok=1
done
check_eq "race: all 100 isolate/restore calls succeeded" 0 "$fails"
if ((fails)); then
	echo "    sansoctl said:"
	grep -v '^\(isolated\|restored\)' "$TMP/race.ops" | sort | uniq -c | sed 's/^/    /' | head -10
	echo "    sansod said:"
	grep -v 'ruleset changed by\|applied generation\|isolation by\|R36' "$DLOG" | sort | uniq -c |
		sed 's/^/    /' | head -10
fi
check_eq "race: the other processes' commits all succeeded too" 0 "$racers_ok"
check "race: the other processes committed while the operations ran" \
	test "$commits_after" -gt "$commits_before"
echo "    race: $((commits_after - commits_before)) foreign commits during 100 operations"
check "race: verify in sync at the end" in_sync
check_eq "race: the final table is the one before (restored)" "$T0" "$(table)"
check "race: admin-01 passes at the end" admin_ok
check "race: the foreign tables are intact" bash -c "ip netns exec $LAB-gw nft list table inet foo >/dev/null && ip netns exec $LAB-gw nft list table inet bar >/dev/null"
check "sansod is still running" daemon_alive

finish
