#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# t_exc_change.sh: exceptions through change control (issue 10, R58-R62), on the real kernel.
#   In two-person mode (the default) `sansoctl exception add` is a proposal: nothing opens until
#   another person runs `sansoctl approve ID`; the approver is that person's uid, never a typed
#   name (--approved-by is refused); the proposer cannot approve; an exception touching the My
#   Number zone is approved by the CISO role only; every exception has a maximum life
#   (policy.exception_max_days); a proposal can be withdrawn; `exception list` is the register
#   (proposed, active, revoked, expired) and the trail records each step.
#   policy.changes = "single" keeps the one-person path (typed approver), a finding.
#
#   lg admin-01 10.20.0.10 ==(EX-C-1 tcp/2222)==> [gw: sansod] ==> dmz e-apply 10.40.0.10
#   mn juki-01 10.10.0.5   ==(EX-C-MN tcp/8443)==> lg jlis-gw 10.20.0.9
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

require sansod
SANSOCTL=${SANSOCTL:-$(dirname "$SANSOD")/sansoctl}
[[ -x $SANSOCTL ]] || cannot_run "sansoctl not built: $SANSOCTL"
lab_up

CTL=$TMP/control
STATE=$TMP/state
AUDIT=$TMP/audit.jsonl
mkdir -p "$STATE"
conf_with_expiry 3600 "$CONF" "$TMP/policy.conf"
sed -i 's/^\(policy: *{\)/\1 exception_max_days = 30;/' "$TMP/policy.conf"
check "the policy sets exception_max_days = 30" grep -q 'exception_max_days = 30' "$TMP/policy.conf"
ctl() { "$SANSOCTL" -s "$CTL" "$@"; }
start()
{
	: >"$DLOG"
	ip netns exec "$LAB-gw" "$SANSOD" -f "$TMP/policy.conf" --control "$CTL" \
		--state-dir "$STATE" --audit "$AUDIT" >>"$DLOG" 2>&1 &
	DPID=$!
	PIDS+=("$DPID")
	wait_log "applied generation" 1 && poll 50 test -S "$CTL"
}
# a group for each role the test needs (removed at the end if the test created it)
made_groups=()
for g in sanso-admin sanso-ciso; do
	if ! getent group "$g" >/dev/null; then
		groupadd -r "$g" && made_groups+=("$g")
	fi
done
cleanup_groups() { local g; for g in "${made_groups[@]}"; do groupdel "$g" 2>/dev/null; done; }
trap 'rc=$?; set +e; cleanup_groups; (exit $rc); cleanup' EXIT
admin_gid=$(getent group sanso-admin | cut -d: -f3)
ciso_gid=$(getent group sanso-ciso | cut -d: -f3)
# as UID GID sansoctl-args: a person without a passwd entry, in one role group
as() { local u=$1 g=$2; shift 2; setpriv --reuid="$u" --regid="$g" --clear-groups "$SANSOCTL" -s "$CTL" "$@"; }
exit_of() { "$@" >"$TMP/out" 2>&1; echo $?; }

check "sansod starts (two-person mode: the default)" start
chmod 0711 "$TMP"
chmod 0666 "$CTL"
serve dmz tcp 10.40.0.10 2222
serve lg tcp 10.20.0.9 8443
exc_ok() { tcp_ok lg 10.20.0.10 10.40.0.10 2222; }
mn_ok() { tcp_ok mn1 10.10.0.5 10.20.0.9 8443; }
until=$(date -d "@$(($(date +%s) + 3600))" +%Y-%m-%dT%H:%M:%S%:z)
far=$(date -d "@$(($(date +%s) + 40 * 86400))" +%Y-%m-%dT%H:%M:%S%:z)
add() { ctl exception add "$1" --from "$2" --to "$3" --proto tcp --ports "$4" --reason drill \
	--requested-by tanaka --expires "${5:-$until}" "${@:6}"; }

refute "before: admin-01 -> e-apply:2222 is refused" exc_ok
# ---- a typed approver is not an approval ----
check_eq "exception add with --approved-by is refused in two-person mode (exit 2)" 2 \
	"$(exit_of add EX-C-0 admin-01 e-apply 2222 "$until" --approved-by suzuki)"
check "the refusal says who approves" grep -q "sansoctl approve" "$TMP/out"
refute "after the refused add: still closed" exc_ok
# ---- maximum life ----
check_eq "an expiry beyond exception_max_days (40 of 30 days) is refused (exit 2)" 2 \
	"$(exit_of add EX-C-9 admin-01 e-apply 2222 "$far")"
check "the refusal names exception_max_days" grep -q "exception_max_days" "$TMP/out"
# ---- proposal, self-approval, approval by another uid ----
check "root proposes EX-C-1 (no --approved-by)" add EX-C-1 admin-01 e-apply 2222
refute "a proposal opens nothing: admin-01 -> e-apply:2222 still refused" exc_ok
check "exception list: EX-C-1 is proposed" bash -c "'$SANSOCTL' -s '$CTL' exception list | grep EX-C-1 | grep -q proposed"
check_eq "the proposer approving his own exception is refused (exit 4)" 4 "$(exit_of ctl approve EX-C-1)"
refute "after the self-approval: still closed" exc_ok
check_eq "a uid without a role cannot approve (exit 4)" 4 \
	"$(exit_of setpriv --reuid=nobody --regid=nogroup --clear-groups "$SANSOCTL" -s "$CTL" approve EX-C-1)"
check "another admin (uid 4242) approves EX-C-1" as 4242 "$admin_gid" approve EX-C-1
check "after approval: admin-01 -> e-apply:2222 passes" poll 20 exc_ok
check "exception list --json: EX-C-1 active, approved by uid 4242 (from the system, not typed)" \
	bash -c "'$SANSOCTL' -s '$CTL' exception list --json | python3 -c 'import json,sys; d={e[\"id\"]: e for e in json.load(sys.stdin)}; e=d[\"EX-C-1\"]; assert e[\"state\"] == \"active\" and \"4242\" in e[\"approved_by\"] and e[\"added_by\"].startswith(\"uid=0\"), e'"
check "verify: in sync" ctl verify
# ---- withdraw a proposal ----
check "propose EX-C-2" add EX-C-2 admin-01 e-apply 2223
check "exception revoke withdraws the proposal" ctl exception revoke EX-C-2
check_eq "a withdrawn proposal cannot be approved (exit 2)" 2 "$(exit_of as 4242 "$admin_gid" approve EX-C-2)"
check "exception list: EX-C-2 revoked" bash -c "'$SANSOCTL' -s '$CTL' exception list | grep EX-C-2 | grep -q revoked"
# ---- My Number: the CISO role approves ----
check_eq "propose EX-C-MN juki-01 -> jlis-gw tcp/8443 (touches My Number)" 0 \
	"$(exit_of add EX-C-MN juki-01 jlis-gw 8443)"
check "the proposal says the CISO role approves it" grep -q "CISO" "$TMP/out"
check_eq "an admin who is not CISO cannot approve a My Number exception (exit 4)" 4 \
	"$(exit_of as 4242 "$admin_gid" approve EX-C-MN)"
check "the refusal names the CISO role" grep -q "CISO" "$TMP/out"
refute "still closed: juki-01 -> jlis-gw:8443" mn_ok
check "a CISO (uid 4343 in sanso-ciso) approves it" as 4343 "$ciso_gid" approve EX-C-MN
check "after the CISO's approval: juki-01 -> jlis-gw:8443 passes" poll 20 mn_ok
# ---- the state survives a restart; the trail has each step ----
kill "$DPID"
poll 50 bash -c "! kill -0 $DPID 2>/dev/null"
check "restart" start
check "after restart: EX-C-1 still passes" exc_ok
check "after restart: the register still has the withdrawn EX-C-2" \
	bash -c "'$SANSOCTL' -s '$CTL' exception list | grep EX-C-2 | grep -q revoked"
for ev in exception.propose exception.approve exception.del change.refused; do
	check "audit trail records $ev" grep -q "\"event\":\"$ev\"" "$AUDIT"
done
check "the trail names uid 4242 as the approver of EX-C-1" \
	grep -q '"actor":"uid=4242[^"]*","event":"exception.approve".*"id":"EX-C-1"' "$AUDIT"
check "audit verify: the trail is intact" "$SANSOCTL" audit verify "$AUDIT" "$STATE/audit.anchor"
# ---- an attacker edits the state file: a proposal made "active" by hand ----
check "propose EX-C-3" add EX-C-3 admin-01 e-apply 2224
kill "$DPID"
poll 50 bash -c "! kill -0 $DPID 2>/dev/null"
sed -i -E 's/^(exception\tEX-C-3\t.*)\t2(\t[01])?$/\1\t0\2/' "$STATE/ops.state"
check "start after the state file was edited" start
serve dmz tcp 10.40.0.10 2224
# the edited entry has no approver ("-"): validation refuses it (I6), nothing opens
refute "a proposal made active by editing the state file opens nothing" \
	tcp_ok lg 10.20.0.10 10.40.0.10 2224
# ---- single mode: one person, typed approver (a finding) ----
kill "$DPID"
poll 50 bash -c "! kill -0 $DPID 2>/dev/null"
rm -rf "$STATE" "$AUDIT" && mkdir -p "$STATE"
sed -i 's/^\(policy: *{\)/\1 changes = "single";/' "$TMP/policy.conf"
check "start in single mode" start
check_eq "single mode: exception add with a typed approver applies at once" 0 \
	"$(exit_of add EX-C-4 admin-01 e-apply 2222 "$until" --approved-by suzuki)"
sed 's/^/    sansoctl: /' "$TMP/out"
check "single mode: admin-01 -> e-apply:2222 passes" poll 20 exc_ok
check_eq "single mode: beyond exception_max_days is still refused (exit 2)" 2 \
	"$(exit_of add EX-C-5 admin-01 e-apply 2225 "$far" --approved-by suzuki)"
finish
