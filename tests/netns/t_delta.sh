#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# t_delta.sh: small changes on a large policy (issue 8: incremental generations), through the
# public interfaces only (sansoctl, the kernel's table, real traffic), whatever the daemon
# commits (a delta batch or the whole table):
#   (a) on a policy of ~25k elements (tests/bench/gen-policy.sh 2000 2000 20000 plus the lab's
#       hosts), `isolate HOST` cuts a live TCP connection of that host and leaves another
#       host's live connection alone; restore lets a new connection through; exception add
#       opens a port, revoke closes it. After each: verify in sync, and the kernel's table
#       shows the change (isolated: differs; restored/revoked: equal to the table before).
#   (b) an attacker (sansod --no-persist, so the table has no owner) inserts accept rules for
#       the host and swaps an element of a decision map in table inet sanso; an isolation must
#       still cut the host, and leave the table equal to the one a clean isolation produced.
#   (c) what a small change costs: an isolation, a restore and a reload that adds a flow
#       are each committed as a delta (status --json last_commit) of few changes, never
#       followed by a replace for drift (a hash set the delta grows keeps its kernel size).
#   The GENID race (other processes committing meanwhile) is t_delta_race.sh.
#
#   lg admin-01 10.20.0.10  ==(lab-admin tcp/443)==> [gw: sansod] ==> dmz e-apply 10.40.0.10
#   lg terminal 10.20.0.130 ==(lab-term  tcp/443)==>
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

require sansod
SANSOCTL=${SANSOCTL:-$(dirname "$SANSOD")/sansoctl}
[[ -x $SANSOCTL ]] || cannot_run "sansoctl not built: $SANSOCTL"
lab_up

delta_setup
# (c) reloads an edited file, one person: the bench policy says policy.changes = "single"
check "the large policy is in single mode (one person reloads it)" \
	grep -q 'changes = "single"' "$TMP/policy.conf"
stop()
{
	kill "$DPID"
	poll 50 bash -c "! kill -0 $DPID 2>/dev/null"
}
admin_ok() { tcp_ok lg 10.20.0.10 10.40.0.10 443; }
term_ok() { tcp_ok lg 10.20.0.130 10.40.0.10 443; }
exc_ok() { tcp_ok lg 10.20.0.10 10.40.0.10 2222; }
# in_sync: sansoctl verify says the kernel enforces the compiled generation (exit 0)
in_sync() { ctl verify >"$TMP/verify.out" 2>&1 || { sed 's/^/    verify: /' "$TMP/verify.out" | head -20; return 1; }; }
# table: the kernel's table, normalized (lib.sh), element timeouts left out (they run down)
table() { nft_table gw | sed -E 's/ timeout [0-9dhms]+//g'; }
# changed_lines A B: the lines of B that are not in A
changed_lines() { diff <(echo "$1") <(echo "$2") | sed -n 's/^> //p'; }

serve dmz tcp 10.40.0.10 443
serve dmz tcp 10.40.0.10 2222
check "baseline without sanso: admin-01 -> e-apply:443 passes" admin_ok
check "baseline without sanso: admin-01 -> e-apply:2222 passes (a refusal below means something)" exc_ok

# ---- (a) isolate / restore / exception on the large policy --------------------------------
check "sansod -f starts on the large policy with a control socket" start
check "verify: in sync after the start" in_sync
T0=$(table)
check "the policy's flows pass: admin-01" admin_ok
check "the policy's flows pass: term-01" term_ok
refute "the policy refuses what it does not allow: admin-01 -> e-apply:2222" exc_ok

stream_open adm lg 10.20.0.10 10.40.0.10 443
stream_open term lg 10.20.0.130 10.40.0.10 443
check "before isolate: admin-01's live connection carries data" stream_passes adm
check "before isolate: term-01's live connection carries data" stream_passes term
check "isolate admin-01 (exit 0)" ctl isolate admin-01 --reason "t_delta incident"
check "after isolate: admin-01's live connection is cut" stream_cut adm
refute "after isolate: a new admin-01 connection is refused" admin_ok
check "after isolate: term-01's live connection still carries data" stream_passes term
check "after isolate: verify in sync" in_sync
T1=$(table)
check "after isolate: the kernel's table changed" test "$T0" != "$T1"
check "after isolate: the change names admin-01's address" \
	grep -q '10\.20\.0\.10\b' <<<"$(changed_lines "$T0" "$T1")"
check "restore admin-01 (exit 0)" ctl restore admin-01
check "after restore: a new admin-01 connection passes" poll 20 admin_ok
check "after restore: verify in sync" in_sync
check_eq "after restore: the table is the one before the isolation" "$T0" "$(table)"

until=$(date -d "@$(($(date +%s) + 3600))" +%Y-%m-%dT%H:%M:%S%:z)
check "exception add EX-D-1 admin-01 -> e-apply tcp/2222 (exit 0)" \
	ctl exception add EX-D-1 --from admin-01 --to e-apply --proto tcp --ports 2222 \
	--reason t_delta --requested-by tanaka --approved-by suzuki --expires "$until"
check "during the exception: admin-01 -> e-apply:2222 passes" poll 20 exc_ok
check "after exception add: verify in sync" in_sync
T2=$(table)
check "after exception add: the table has an element with port 2222" \
	grep -q '2222' <<<"$(changed_lines "$T0" "$T2")"
stream_open exc lg 10.20.0.10 10.40.0.10 2222
check "the exception's live connection carries data" stream_passes exc
check "exception revoke EX-D-1 (exit 0)" ctl exception revoke EX-D-1
check "after revoke: the exception's live connection is cut" stream_cut exc
refute "after revoke: admin-01 -> e-apply:2222 is refused" exc_ok
check "after revoke: verify in sync" in_sync
check_eq "after revoke: the table is the one before the exception" "$T0" "$(table)"
# ---- (c) small changes are deltas of few changes, and read back without drift ----------
# last_delta MAX: the last commit was a delta of at most MAX changes
last_delta()
{
	ctl status --json | python3 -c '
import json, sys
c = json.load(sys.stdin)["last_commit"]
ok = c["delta"] and 0 < c["changes"] <= int(sys.argv[1])
print("    last commit:", c) if not ok else None
sys.exit(0 if ok else 1)' "$1"
}
no_drift() { ! grep -q "differs from the compiled ruleset" "$DLOG"; }
check "isolate term-01 (exit 0)" ctl isolate term-01 --reason "t_delta cost"
check "the isolation was a delta of at most 4 changes" last_delta 4
check "restore term-01 (exit 0)" ctl restore term-01
check "the restore was a delta of at most 4 changes" last_delta 4
check "isolate the zone dmz (exit 0)" ctl isolate dmz --reason "t_delta cost"
check "the zone isolation was a delta of at most 4 changes" last_delta 4
check "restore dmz (exit 0)" ctl restore dmz
sed -e 's|^flows: ($|&\n  { name = "lab-extra"; class = "peer"; from = "admin-01"; to = "e-apply"; proto = "tcp"; ports = [2223]; approval = "AP-D3"; purpose = "t_delta"; },|' \
	"$TMP/policy.conf" >"$TMP/policy.new"
check "a policy with one flow more differs from the one in force" \
	bash -c "! cmp -s '$TMP/policy.conf' '$TMP/policy.new'"
cp "$TMP/policy.conf" "$TMP/policy.orig"
mv "$TMP/policy.new" "$TMP/policy.conf"
check "reload with one flow more (exit 0)" ctl reload
check "the added flow was a delta of at most 50 changes (of ~25k elements)" last_delta 50
check "after the added flow: verify in sync" in_sync
check "no commit was followed by a replace for drift" no_drift
mv "$TMP/policy.orig" "$TMP/policy.conf"
check "reload back (exit 0)" ctl reload
check "sansod stops" stop

# ---- (b) an attacker changes the table, then an isolation ---------------------------------
check "sansod --no-persist starts (the table has no owner: others can change it)" start --no-persist
check "--no-persist: verify in sync" in_sync
check_eq "--no-persist: the same table" "$T0" "$(table)"
stream_open adm2 lg 10.20.0.10 10.40.0.10 443
check "before the attack: admin-01's live connection carries data" stream_passes adm2
# the attacker: accepts for admin-01 at the top of forward (both directions), and in the map
# of decisions term-01's element replaced by one giving admin-01 port 2222 with the decision
# mark of its flow lab-admin (the map is full: its size is its element count)
mark=$(n gw nft list map inet sanso lgwan_dmz_p4 | tr '{},' '\n' |
	awk '/10\.20\.0\.10 \. 10\.40\.0\.10 \. tcp \. 443 / { print $NF; exit }')
check "attacker: the mark of lab-admin is read from the kernel" test -n "$mark"
rc=0
n gw nft insert rule inet sanso forward ip saddr 10.20.0.10 accept || rc=$?
n gw nft insert rule inet sanso forward ip daddr 10.20.0.10 accept || rc=$?
n gw nft delete element inet sanso lgwan_dmz_p4 "{ 10.20.0.130 . 10.40.0.10 . tcp . 443 }" || rc=$?
n gw nft add element inet sanso lgwan_dmz_p4 "{ 10.20.0.10 . 10.40.0.10 . tcp . 2222 : ${mark:-0x1} }" || rc=$?
check_eq "attacker: two foreign rules and a foreign element change table inet sanso" 0 "$rc"
check "attacked table: admin-01 -> e-apply:2222 passes" exc_ok
refute "attacked table: term-01 is refused (its element was deleted)" term_ok
check_eq "attacked table: verify reports the drift (exit 1)" 1 "$(ctl verify >/dev/null 2>&1; echo $?)"
check "isolate admin-01 on the attacked table (exit 0)" ctl isolate admin-01 --reason "t_delta attacked"
check "attacked table: the isolation cuts admin-01's live connection" stream_cut adm2
refute "attacked table: a new admin-01 connection is refused" admin_ok
refute "attacked table: admin-01 -> e-apply:2222 is refused (the foreign element is gone)" exc_ok
check "attacked table: term-01 passes again after the isolation" term_ok
check "attacked table: verify in sync after the isolation" in_sync
check_eq "attacked table: the table is the one of a clean isolation (no foreign rule or element)" \
	"$T1" "$(table)"
check "restore admin-01 (exit 0)" ctl restore admin-01
check "after restore: admin-01 passes" poll 20 admin_ok
refute "after restore: admin-01 -> e-apply:2222 stays refused" exc_ok
check_eq "after restore: the table is the one before" "$T0" "$(table)"
check "sansod stops" stop

finish
