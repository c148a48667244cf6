#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# t_store.sh: approved versions only (issue 10), through the public interfaces: sansod with
# --state-dir/--control/--audit in the lab's gateway namespace, sansoctl run as two real
# users (created here with useradd in sanso-admin, removed at the end).
#   first start adopts the file as version 1 (audited with the uid that started sansod);
#   one person edits the file and reloads: the kernel keeps the old rules, "pending: not
#   approved" (exit 1, audited); propose by A + approve by A refused, approve by B applied;
#   a proposal based on an older version is refused; an expired one too (the daemon's
#   policy clock, --now, a restart 8 days later); history / show / rollback;
#   approve --confirm-within reverts without confirm (the daemon's timer, no client) and
#   stays with confirm; 40 proposals in a row (the old limit was 32); a stored version edited
#   behind the daemon's back is detected and refused (show, rollback, restart); an emergency
#   change is applied at once, flagged and alerted (log, change.unratified) until another
#   person ratifies it.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

require sansod
SANSOCTL=${SANSOCTL:-$(dirname "$SANSOD")/sansoctl}
[[ -x $SANSOCTL ]] || cannot_run "sansoctl not built: $SANSOCTL"
for tool in useradd userdel setpriv groupadd; do
	command -v "$tool" >/dev/null || cannot_run "$tool not installed"
done

# ---- two real administrators ----
UA=sanso-t$$a
UB=sanso-t$$b
created_groups=()
for g in sanso-admin sanso-audit; do
	getent group "$g" >/dev/null || { groupadd -r "$g" && created_groups+=("$g"); }
done
useradd -M -N -s /usr/sbin/nologin -g sanso-admin -G sanso-audit "$UA"
useradd -M -N -s /usr/sbin/nologin -g sanso-admin -G sanso-audit "$UB"
users_down()
{
	userdel "$UA" 2>/dev/null
	userdel "$UB" 2>/dev/null
	for g in "${created_groups[@]}"; do groupdel "$g"; done
}
trap 'rc=$?; set +e; users_down; (exit $rc); cleanup' EXIT
UIDA=$(id -u "$UA")
UIDB=$(id -u "$UB")
as() { local u=$1; shift; setpriv --reuid="$u" --regid=sanso-admin --init-groups "$SANSOCTL" -s "$CTL" "$@"; }

lab_up
CTL=$TMP/control
STATE=$TMP/state
AUDIT=$TMP/audit.jsonl
POLICY=$TMP/policy.conf
mkdir -p "$STATE"
chmod 0711 "$TMP"
cp "$CONF" "$POLICY"
chmod 0644 "$POLICY"
ctl() { "$SANSOCTL" -s "$CTL" "$@"; }
kernel() { n gw nft list table inet sanso 2>/dev/null; }
has_mail() { kernel | grep -q 'flow mail-text'; }

start()
{
	: >"$DLOG"
	ip netns exec "$LAB-gw" "$SANSOD" -f "$POLICY" --control "$CTL" --state-dir "$STATE" \
		--audit "$AUDIT" "$@" >>"$DLOG" 2>&1 &
	DPID=$!
	PIDS+=("$DPID")
	wait_log "applied generation" 1 && poll 50 test -S "$CTL" && chmod 0666 "$CTL"
}
# propose FILE AS-USER: the change id
propose() { as "$2" propose "$1" --reason "t_store" 2>&1 | sed -n 's/^proposed \([0-9a-f]*\)[;:].*/\1/p'; }

check "first start: sansod applies the file" start
check "the file is adopted as version 1 (history)" \
	bash -c "'$SANSOCTL' -s '$CTL' history | grep -E '^\* 1 +adopted +0 +uid=0\(root\)'"
check "config.adopt is in the audit trail with the uid that started sansod" \
	grep -q '"actor":"uid=0(root)","event":"config.adopt".*"version":"1"' "$AUDIT"
check "status: two-person, version 1 running" \
	bash -c "'$SANSOCTL' -s '$CTL' status | grep -q 'changes: *two-person; version 1 running'"
check "before: the kernel has the mail-text flow" has_mail

# ---- one person edits the file and reloads ----
conf_without_flow mail-text "$POLICY" >"$TMP/nomail.conf"
chmod 0644 "$TMP/nomail.conf"
cp "$TMP/nomail.conf" "$POLICY"
check_eq "reload of an edited file: exit 1" 1 "$(as "$UA" reload >"$TMP/out" 2>&1; echo $?)"
check "... reported as pending: not approved" grep -q 'pending: not approved' "$TMP/out"
check "... the kernel still has the mail-text flow (the old rules)" has_mail
check "... audited (config.pending)" grep -q '"event":"config.pending"' "$AUDIT"
kill -HUP "$DPID"
check "SIGHUP: pending logged, not applied" wait_log "pending: not approved" 2
check "... the kernel still has the mail-text flow" has_mail
check "status shows the pending file" bash -c "'$SANSOCTL' -s '$CTL' status | grep -q '^pending: .*not approved'"
check "reload --full re-applies the running version (exit 1: the file is pending)" \
	test "$(as "$UA" reload --full >/dev/null 2>&1; echo $?)" = 1
check "... the kernel still has the mail-text flow" has_mail
cp "$CONF" "$POLICY"
check "the file back as it was: reload exit 0" as "$UA" reload

# ---- propose by A, approve by A refused, by B applied ----
id=$(propose "$TMP/nomail.conf" "$UA")
check "A proposes: a change id" test -n "$id"
check "proposing applies nothing" has_mail
check_eq "A approves his own proposal: refused (exit 4)" 4 "$(as "$UA" approve "$id" >/dev/null 2>&1; echo $?)"
check "... nothing applied" has_mail
check "B approves: applied" as "$UB" approve "$id"
refute "... the kernel no longer has the mail-text flow" has_mail
check "history: version 2 approved, proposed by A and approved by B, parent 1" \
	bash -c "'$SANSOCTL' -s '$CTL' history --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
v = d[\"versions\"][0]
assert d[\"running\"] == 2 and v[\"version\"] == 2 and v[\"kind\"] == \"approved\"
assert v[\"parent\"] == 1 and v[\"by_uid\"] == $UIDA and v[\"approved_uid\"] == $UIDB, v
assert \"$UA\" in v[\"by\"] and \"$UB\" in v[\"approved_by\"] and len(v[\"sha256\"]) == 64'"
check "show 2: the stored text is the proposed one" \
	bash -c "'$SANSOCTL' -s '$CTL' show 2 | cmp -s - '$TMP/nomail.conf'"
check "show 1: the adopted text" bash -c "'$SANSOCTL' -s '$CTL' show 1 | cmp -s - '$CONF'"
check "diff 1 2: object by object, the flow mail-text removed" \
	bash -c "'$SANSOCTL' -s '$CTL' diff 1 2 | grep -q '^- flow mail-text'"
check "diff 1 --json: against the running version, the same as JSON" \
	bash -c "'$SANSOCTL' -s '$CTL' diff 1 --json | python3 -c 'import json,sys; d=json.load(sys.stdin); assert any(c[\"kind\"] == \"flow\" and c[\"name\"] == \"mail-text\" and c[\"change\"] == \"removed\" for c in d), d'"
check "diff 2 2: no change" bash -c "'$SANSOCTL' -s '$CTL' diff 2 2 | grep -q ': 0 change(s)'"
check_eq "diff of a version not in the store: exit 1" 1 \
	"$("$SANSOCTL" -s "$CTL" diff 99 >/dev/null 2>&1; echo $?)"

# ---- a stale proposal: based on version 2, approved after version 3 ----
sed 's/^policy: {/# stale one\n&/' "$TMP/nomail.conf" >"$TMP/s1.conf"
sed 's/^policy: {/# stale two\n&/' "$TMP/nomail.conf" >"$TMP/s2.conf"
chmod 0644 "$TMP/s1.conf" "$TMP/s2.conf"
id1=$(propose "$TMP/s1.conf" "$UA")
id2=$(propose "$TMP/s2.conf" "$UA")
check "two proposals on version 2; B approves the first" as "$UB" approve "$id1"
check_eq "the second (based on version 2, running 3) is refused (exit 1)" 1 \
	"$(as "$UB" approve "$id2" >"$TMP/out" 2>&1; echo $?)"
check "... with: based on version 2, running is 3: propose again" \
	grep -q 'based on version 2, running is 3: propose again' "$TMP/out"
check "... audited (change.refused)" grep -q '"event":"change.refused".*"why":"based on another version' "$AUDIT"

# ---- rollback to version 1: a proposal like any other ----
check "rollback 1 without --reason: usage (exit 2)" test "$(as "$UA" rollback 1 >/dev/null 2>&1; echo $?)" = 2
rid=$(as "$UA" rollback 1 --reason "restore mail" 2>&1 | sed -n 's/^proposed \([0-9a-f]*\):.*/\1/p')
check "A proposes a rollback to version 1" test -n "$rid"
refute "... nothing applied yet" has_mail
check_eq "A approves his own rollback: refused (exit 4)" 4 "$(as "$UA" approve "$rid" >/dev/null 2>&1; echo $?)"
check "B approves it" as "$UB" approve "$rid"
check "... the kernel has the mail-text flow again" has_mail
check "history: version 4, kind rollback of version 1" \
	bash -c "'$SANSOCTL' -s '$CTL' history --json | python3 -c '
import json, sys
v = json.load(sys.stdin)[\"versions\"][0]
assert v[\"version\"] == 4 and v[\"kind\"] == \"rollback\" and v[\"rollback_of\"] == 1 and v[\"parent\"] == 3, v'"

# ---- approve --confirm-within ----
id=$(propose "$TMP/nomail.conf" "$UA")
check "B approves with --confirm-within 2s" as "$UB" approve "$id" --confirm-within 2s
refute "... applied at once" has_mail
check "status: waiting for a confirmation" bash -c "'$SANSOCTL' -s '$CTL' status | grep -q 'unless confirmed: sansoctl confirm'"
check "without confirm, the daemon's timer reverts to version 4 (no client asks)" \
	wait_log "was not confirmed in time" 1
check "... the kernel has the mail-text flow again" has_mail
check "... audited (change.revert)" grep -q '"event":"change.revert".*"version":"5","to":"4"' "$AUDIT"
check "... history marks version 5 reverted, version 4 running" \
	bash -c "'$SANSOCTL' -s '$CTL' history | grep -E '^  5 .*REVERTED' && '$SANSOCTL' -s '$CTL' history | grep -qE '^\* 4 '"
id=$(propose "$TMP/s2.conf" "$UA")
check "B approves with --confirm-within 5s" as "$UB" approve "$id" --confirm-within 5s
check "A confirms" as "$UA" confirm
check "... audited (change.confirm)" grep -q '"event":"change.confirm"' "$AUDIT"
sleep 6		# past the deadline: nothing may revert it now
check "... still version 6 after the deadline" bash -c "'$SANSOCTL' -s '$CTL' history | grep -qE '^\* 6 '"
refute "... the kernel keeps it (no mail-text flow)" has_mail
check_eq "confirm with nothing waiting: exit 1" 1 "$(as "$UA" confirm >/dev/null 2>&1; echo $?)"

# ---- 40 proposals (the old list stopped at 32 changes) ----
ok=0
for i in $(seq 1 40); do
	sed "s/^policy: {/# change $i\n&/" "$TMP/nomail.conf" >"$TMP/c.conf"
	cid=$(propose "$TMP/c.conf" "$UA")
	[[ -n $cid ]] && as "$UB" approve "$cid" >/dev/null 2>&1 && ok=$((ok + 1))
done
check_eq "40 proposals approved in a row" 40 "$ok"
check "history: version 46 running" bash -c "'$SANSOCTL' -s '$CTL' history | grep -qE '^\* 46 '"
check_eq "changes lists them all, with their versions" 40 \
	"$(ctl changes --json | python3 -c 'import json,sys; print(sum(1 for c in json.load(sys.stdin)["changes"] if c["version"] >= 7))')"

# ---- an expired proposal: the policy clock 8 days later (a restart) ----
eid=$(propose "$TMP/s1.conf" "$UA")
check "a proposal made now" test -n "$eid"
daemon_stop
check "restart with the policy clock 8 days later" start --now "$(($(date +%s) + 8 * 86400))"
check "the restart applies the running version 46 from the store" \
	bash -c "'$SANSOCTL' -s '$CTL' status | grep -q 'version 46 running'"
check_eq "approving the 8-day-old proposal: refused (exit 1)" 1 \
	"$(as "$UB" approve "$eid" >"$TMP/out" 2>&1; echo $?)"
check "... it expired" grep -q 'expired' "$TMP/out"
check "... audited" grep -q '"event":"change.refused".*"why":"expired"' "$AUDIT"

# ---- attacker: a stored version edited behind the daemon's back ----
v1=$STATE/store/v000001.conf
sed -i 's/^policy: {/# an extra line\n&/' "$v1"
check_eq "show 1 of an edited version: refused (exit 1)" 1 "$(ctl show 1 >"$TMP/out" 2>&1; echo $?)"
check "... loudly (sha256 mismatch)" grep -q 'altered (sha256 mismatch)' "$TMP/out"
check_eq "rollback to the edited version: refused (exit 1)" 1 \
	"$(as "$UA" rollback 1 --reason x >/dev/null 2>&1; echo $?)"
check "... audited (store.corrupt)" grep -q '"event":"store.corrupt".*"version":"1"' "$AUDIT"
run=$STATE/store/v000046.conf
cp "$run" "$TMP/v46.orig"
conf_without_flow juki-govcloud "$TMP/v46.orig" >"$run"
daemon_stop
start --now "$(($(date +%s) + 8 * 86400))" || true
refute "restart on an edited running version: sansod refuses to start" daemon_alive
check "... and says why" grep -q 'REFUSED.*edited or corrupted' "$DLOG"
check "... the kernel keeps the last applied rules (juki-govcloud still there)" \
	bash -c "ip netns exec '$LAB-gw' nft list table inet sanso 2>/dev/null | grep -q 'flow juki-govcloud'"
cp "$TMP/v46.orig" "$run"
check "the original text back: sansod starts again" start --now "$(($(date +%s) + 8 * 86400))"

# ---- an emergency change: applied at once, flagged and alerted until another ratifies it ----
check "A applies an emergency change (the mail-text flow back)" \
	as "$UA" emergency "$CONF" --reason "incident: mail"
check "... applied at once" has_mail
check "status flags it as not ratified" bash -c "'$SANSOCTL' -s '$CTL' status | grep -q 'emergency change .* is not ratified'"
check "... alerted in the log" wait_log "is not ratified: another admin must ratify it" 1
check "... and in the audit trail (change.unratified)" \
	poll 50 grep -q '"event":"change.unratified".*"version":"47"' "$AUDIT"
eid=$(ctl changes | awk '/EMERGENCY/ { print $1 }')
check_eq "A ratifies his own emergency change: refused (exit 4)" 4 "$(as "$UA" ratify "$eid" >/dev/null 2>&1; echo $?)"
check "B ratifies it" as "$UB" ratify "$eid"
check "history: version 47 ratified, applied by A, ratified by B, still running" \
	bash -c "'$SANSOCTL' -s '$CTL' history --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
v = d[\"versions\"][0]
assert d[\"running\"] == 47 and v[\"kind\"] == \"ratified\" and v[\"by_uid\"] == $UIDA and v[\"approved_uid\"] == $UIDB, v'"
refute "status no longer flags it" bash -c "'$SANSOCTL' -s '$CTL' status | grep -q 'not ratified'"

# ---- policy.changes = "single": approved like any change, then one person may reload ----
sed 's/^  model = "three-tier";/&\n  changes = "single";/' "$CONF" >"$TMP/single.conf"
sed 's/^  model = "three-tier";/&\n  changes = "single";/' "$TMP/nomail.conf" >"$TMP/single-nomail.conf"
chmod 0644 "$TMP/single.conf" "$TMP/single-nomail.conf"
cp "$TMP/single.conf" "$POLICY"
check_eq "an edited file that says single cannot switch itself: pending (exit 1)" 1 \
	"$(as "$UA" reload >/dev/null 2>&1; echo $?)"
sid=$(propose "$TMP/single.conf" "$UA")
check "single mode proposed by A, approved by B" as "$UB" approve "$sid"
check "status: a finding" bash -c "'$SANSOCTL' -s '$CTL' status | grep -q '^FINDING: *policy.changes = \"single\"'"
check "dump: a finding" bash -c "'$SANSOCTL' -s '$CTL' dump | grep -q '^# FINDING: policy.changes = \"single\"'"
check "audit trail: config.single" grep -q '"event":"config.single"' "$AUDIT"
cp "$TMP/single-nomail.conf" "$POLICY"
check "single: A edits the file and reloads: applied (exit 0)" as "$UA" reload
refute "... the kernel no longer has the mail-text flow" has_mail
check "... a new version, adopted by A" \
	bash -c "'$SANSOCTL' -s '$CTL' history --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
v = d[\"versions\"][0]
assert d[\"running\"] == 49 and v[\"kind\"] == \"adopted\" and v[\"by_uid\"] == $UIDA, v'"

check "audit verify: the trail is intact" "$SANSOCTL" audit verify "$AUDIT" "$STATE/audit.anchor"

# ---- the early boot unit (sansod --once) applies the store's running version ----
kill "$DPID"
poll 50 bash -c "! kill -0 $DPID 2>/dev/null"
cp "$CONF" "$POLICY"			# edited behind the store's back: mail-text again
n gw nft delete table inet sanso
check "sansod --once --state-dir (the early unit) applies (exit 0)" \
	ip netns exec "$LAB-gw" "$SANSOD" --once --state-dir "$STATE" -f "$POLICY"
refute "... the running version (no mail-text), not the edited file" has_mail
v=$(ls "$STATE"/store/v*.conf | tail -1)
echo "# edited" >>"$v"
n gw nft delete table inet sanso
check_eq "an altered running version is refused by --once (exit 1): nothing applied" 1 \
	"$(ip netns exec "$LAB-gw" "$SANSOD" --once --state-dir "$STATE" -f "$POLICY" >/dev/null 2>&1; echo $?)"
has_table() { n gw nft list table inet sanso >/dev/null 2>&1; }
refute "... no table inet sanso was installed from it" has_table
finish
