#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# t_roles.sh: the five roles of sansoctl (sansoctl(8) ROLES) with real users, through the
# public interfaces only: users are created in the role groups (useradd; removed at the end,
# also when the test fails), sansod runs as a daemon in the lab's gateway namespace, and
# sansoctl runs as each user (runuser: the user's groups from the group database).
#   - the control socket is 0666: every role's group connects, none needs sanso-audit;
#   - operator: isolate/restore, but not reload, propose, approve, exception add;
#   - audit: status, dump, but not isolate (and the kernel is unchanged);
#   - a user in no role group is refused, with a clear message, and recorded;
#   - contractor: propose (marked), but not approve nor status; the CISO approves it;
#   - a user in sanso-admin and sanso-audit is a finding in status (text, JSON) and dump (R61);
#   - 200 status of one reader are at most a few ctl.read records, counting 200 (R65).
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

require sansod
for tool in runuser useradd userdel groupadd groupdel python3; do
	command -v "$tool" >/dev/null || cannot_run "$tool not installed"
done
SANSOCTL=${SANSOCTL:-$(dirname "$SANSOD")/sansoctl}
[[ -x $SANSOCTL ]] || cannot_run "sansoctl not built: $SANSOCTL"

# ---- users and groups (removed on every exit, before lib.sh's cleanup) ----
P=sr$$
USERS=()
GROUPS_MADE=()
roles_cleanup()
{
	local u g
	for u in "${USERS[@]}"; do
		userdel "$u" 2>/dev/null
	done
	for g in "${GROUPS_MADE[@]}"; do
		groupdel "$g" 2>/dev/null
	done
	return 0
}
trap 'rc=$?; set +e; roles_cleanup; (exit $rc); cleanup' EXIT

for g in sanso-ciso sanso-admin sanso-operator sanso-audit sanso-contractor; do
	if ! getent group "$g" >/dev/null; then
		groupadd -r "$g" && GROUPS_MADE+=("$g")
	fi
done
# user NAME [GROUP,...]: a user (no home, no login) in those supplementary groups
user()
{
	useradd -M -N -s /usr/sbin/nologin ${2:+-G "$2"} "$P$1" && USERS+=("$P$1")
}
user ciso sanso-ciso
user adm sanso-admin
user op sanso-operator
user aud sanso-audit
user rd sanso-audit
user con sanso-contractor
user none
user both sanso-admin,sanso-audit

lab_up
chmod 0711 "$TMP"
mkdir -m 0755 "$TMP/bin"
cp "$SANSOCTL" "$TMP/bin/sansoctl"	# reachable by every user
CTL=$TMP/control
STATE=$TMP/state
AUDIT=$TMP/audit.jsonl
mkdir -p "$STATE"
conf_with_expiry 3600 "$CONF" "$TMP/policy.conf"
chmod 0644 "$TMP/policy.conf"
as() { local u=$P$1; shift; runuser -u "$u" -- "$TMP/bin/sansoctl" -s "$CTL" "$@"; }
rc_of() { "$@" >"$TMP/out" 2>&1 && echo 0 || echo $?; }
ctl() { "$TMP/bin/sansoctl" -s "$CTL" "$@"; }

start()
{
	: >"$DLOG"
	ip netns exec "$LAB-gw" "$SANSOD" -f "$TMP/policy.conf" --control "$CTL" \
		--state-dir "$STATE" --audit "$AUDIT" >>"$DLOG" 2>&1 &
	DPID=$!
	PIDS+=("$DPID")
	wait_log "applied generation" 1 && poll 50 test -S "$CTL"
}
check "sansod starts with a control socket" start
check_eq "the control socket is 0666: every role's group may connect" 666 "$(stat -c %a "$CTL")"

# ---- operator: containment, no policy change ----
check "operator: status" as op status
check "operator: isolate juki-01" as op isolate juki-01 --reason drill
check "... juki-01 is isolated" bash -c "'$TMP/bin/sansoctl' -s '$CTL' status | grep -q 'isolated: *juki-01'"
check "operator: restore juki-01" as op restore juki-01 --reason drill
check_eq "operator: reload is denied (exit 4)" 4 "$(rc_of as op reload)"
check "... naming the groups that may" grep -q "reload needs the group sanso-admin" "$TMP/out"
check_eq "operator: propose is denied (exit 4)" 4 "$(rc_of as op propose "$TMP/policy.conf")"
check_eq "operator: approve is denied (exit 4)" 4 "$(rc_of as op approve 0123456789abcdef)"
check_eq "operator: exception add is denied (exit 4)" 4 "$(rc_of as op exception add EX-R-1 \
	--from admin-01 --to e-apply --proto tcp --ports 2222 --reason x --requested-by a \
	--approved-by b --expires "$(date -d '+1 hour' +%Y-%m-%dT%H:%M:%S%:z)")"
check_eq "operator: dump is denied (exit 4)" 4 "$(rc_of as op dump)"

# ---- audit: reads only ----
check "audit: status" as aud status
check "audit: dump" as aud dump
check "audit: exception list" as aud exception list
check_eq "audit: isolate is denied (exit 4)" 4 "$(rc_of as aud isolate juki-01)"
refute "... juki-01 is not isolated" bash -c "'$TMP/bin/sansoctl' -s '$CTL' status | grep -q 'isolated: *juki-01'"

# ---- no role: refused at the first request, recorded ----
check_eq "no role: status is denied (exit 4)" 4 "$(rc_of as none status)"
check "... with a clear message" grep -q "holds no sanso role" "$TMP/out"
check "... recorded in the audit trail with its roles (none)" \
	grep -q "\"actor\":\"uid=[0-9]*($P""none)\",\"event\":\"ctl.refused\".*\"roles\":\"none\"" "$AUDIT"
check_eq "no role: isolate is denied (exit 4)" 4 "$(rc_of as none isolate juki-01)"

# ---- contractor: proposes, cannot approve; an admin or the CISO approves ----
conf_without_flow mail-text "$TMP/policy.conf" >"$TMP/proposal.conf"
chmod 0644 "$TMP/proposal.conf"
out=$(as con propose "$TMP/proposal.conf" --reason "vendor update" 2>&1) || true
id=$(sed -n 's/^proposed \([0-9a-f]*\).*/\1/p' <<<"$out")
check "contractor: propose returns a change id" test -n "$id"
check "... the proposal is marked as a contractor's" grep -q "by a contractor" <<<"$out"
check "... and recorded with the role" \
	grep -q "\"event\":\"change.propose\".*\"id\":\"$id\".*\"roles\":\"contractor\"" "$AUDIT"
check_eq "contractor: approve is denied (exit 4)" 4 "$(rc_of as con approve "$id")"
check_eq "contractor: status is denied (exit 4)" 4 "$(rc_of as con status)"
check_eq "operator: approve of the contractor's proposal is denied (exit 4)" 4 \
	"$(rc_of as op approve "$id")"
check "ciso: approves the contractor's proposal" as ciso approve "$id"
check "... it is applied (changes)" bash -c "'$TMP/bin/sansoctl' -s '$CTL' changes | grep '$id' | grep -q 'applied'"
cp "$TMP/proposal.conf" "$TMP/policy.conf"	# the file is now the approved version
check "admin: reload (the file is the running version)" as adm reload

# ---- separation of duties (R61) ----
ctl status >"$TMP/status.txt"
check "status: the user in sanso-admin and sanso-audit is a finding" \
	grep -q "WARNING: *separation of duties (R61): user ${P}both " "$TMP/status.txt"
refute "status: the auditor alone is not" grep -q "user ${P}aud " "$TMP/status.txt"
refute "status: the administrator alone is not" grep -q "user ${P}adm " "$TMP/status.txt"
check "status --json: role_overlaps names the user" \
	bash -c "'$TMP/bin/sansoctl' -s '$CTL' status --json | python3 -c 'import json,sys; d=json.load(sys.stdin); assert \"${P}both\" in d[\"role_overlaps\"] and \"${P}aud\" not in d[\"role_overlaps\"] and d[\"role_overlaps_total\"] >= 1'"
check "dump: the finding too" bash -c "'$TMP/bin/sansoctl' -s '$CTL' dump | grep -q 'separation of duties (R61): user ${P}both '"
check "dump --json: role_overlaps" \
	bash -c "'$TMP/bin/sansoctl' -s '$CTL' dump --json | python3 -c 'import json,sys; d=json.load(sys.stdin); assert \"${P}both\" in d[\"dump\"][\"role_overlaps\"]'"
check "the user in both groups may still do both (the finding does not lock out)" as both status

# ---- reads recorded, aggregated per uid and minute (R65) ----
ok=0
for ((i = 0; i < 200; i++)); do
	as rd status >/dev/null 2>&1 && ok=$((ok + 1))
done
check_eq "reader: 200 status answered" 200 "$ok"
for ((i = 0; i < 30; i++)); do
	as none status >/dev/null 2>&1 || true
done
check "sansod stops (the tallies of this minute are written)" daemon_stop
reads=$(grep -c "\"actor\":\"uid=[0-9]*(${P}rd)\",\"event\":\"ctl.read\"" "$AUDIT" || true)
check "reader: at most 3 ctl.read records for 200 status (got $reads)" test "$reads" -ge 1 -a "$reads" -le 3
total=$(python3 - "$AUDIT" "${P}rd" <<'PY'
import json, sys
n = 0
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r["event"] == "ctl.read" and r["actor"].endswith("(%s)" % sys.argv[2]):
        n += int(r["count"])
print(n)
PY
)
check_eq "reader: the ctl.read records count the 200 status" 200 "$total"
refused=$(grep -c "\"actor\":\"uid=[0-9]*(${P}none)\",\"event\":\"ctl.refused\"" "$AUDIT" || true)
check "no role: 32 refusals are at most 4 ctl.refused records (got $refused)" test "$refused" -le 4
check "... and the repetitions one ctl.refused.repeated per minute" \
	grep -q "\"actor\":\"uid=[0-9]*(${P}none)\",\"event\":\"ctl.refused.repeated\"" "$AUDIT"
check "audit verify: the trail is intact" "$TMP/bin/sansoctl" audit verify "$AUDIT" "$STATE/audit.anchor"
finish
