#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# t_maint.sh: remote maintenance windows (R80) through the public interfaces, on the real
# kernel, with two real users of group sanso-admin (two-person rule, R62).
#   before the window the vendor cannot reach e-apply:22; user A opens a window, A's own
#   approval is refused, B's opens it; a real TCP session passes, carries data and is in the
#   trail (maintenance.session.start/.end with bytes); nothing else opens (other port, other
#   host, other vendor address); a window into the My Number zone is refused by the
#   invariants; close ends a window early; a short window ends on time even with sansod
#   killed -9, and an edited state file neither extends it nor is applied after a restart.
#
#   in 10.30.0.200 (vendor) ==(window mw-N, tcp 22)==> [gw: sansod] ==> dmz e-apply 10.40.0.10:22
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

require sansod
SANSOCTL=${SANSOCTL:-$(dirname "$SANSOD")/sansoctl}
[[ -x $SANSOCTL ]] || cannot_run "sansoctl not built: $SANSOCTL"
for tool in useradd userdel runuser conntrack python3; do
	command -v "$tool" >/dev/null || cannot_run "$tool not installed"
done
lab_up

CTL=$TMP/control
STATE=$TMP/state
AUDIT=$TMP/audit.jsonl
VENDOR=10.30.0.200
OTHER=10.30.0.201
mkdir -p "$STATE"
conf_with_expiry 3600 "$CONF" "$TMP/policy.conf"
n in ip addr add "$VENDOR/24" dev eth0
n in ip addr add "$OTHER/24" dev eth0
# a closed TCP connection leaves conntrack at once (its destroy event is the session's end)
n gw sysctl -qw net.netfilter.nf_conntrack_tcp_timeout_time_wait=1 \
	net.netfilter.nf_conntrack_tcp_timeout_close_wait=1 net.netfilter.nf_conntrack_tcp_timeout_fin_wait=1

# ---- two people: real users in group sanso-admin (removed at the end) ----
created_group=0
if ! getent group sanso-admin >/dev/null; then
	groupadd -r sanso-admin && created_group=1
fi
UA=mwa$$
UB=mwb$$
useradd -M -N -g sanso-admin -s /usr/sbin/nologin "$UA"
useradd -M -N -g sanso-admin -s /usr/sbin/nologin "$UB"
users_gone()
{
	userdel "$UA" 2>/dev/null || true
	userdel "$UB" 2>/dev/null || true
	if ((created_group)); then
		groupdel sanso-admin 2>/dev/null || true
	fi
}
# the users go first; cleanup (lib.sh) then sees the test's own exit status
trap 'rc=$?; set +e; users_gone; (exit $rc); cleanup' EXIT
chmod 0711 "$TMP"

ctl() { "$SANSOCTL" -s "$CTL" "$@"; }
as() { local u=$1; shift; runuser -u "$u" -- "$SANSOCTL" -s "$CTL" "$@"; }

start()
{
	: >"$DLOG"
	ip netns exec "$LAB-gw" "$SANSOD" -f "$TMP/policy.conf" --control "$CTL" \
		--state-dir "$STATE" --audit "$AUDIT" >>"$DLOG" 2>&1 &
	DPID=$!
	PIDS+=("$DPID")
	wait_log "applied generation" 1 && poll 50 test -S "$CTL" && chmod 0666 "$CTL"
}
# open USER UNTIL [TO] [PORTS]: a proposal; prints the window's id
open_window()
{
	as "$1" maintenance open --vendor "Example Vendor" --from "$VENDOR" --to "${3:-e-apply}" \
		--proto tcp --ports "${4:-22}" --until "$2" --reason "firmware update" | head -1
}
# events NAME [ID]: records of that event (for that window) in the trail
events() { grep -c "\"event\":\"$1\".*\"id\":\"${2:-}" "$AUDIT" || true; }

serve dmz tcp 10.40.0.10 22
serve dmz tcp 10.40.0.10 2222
serve lg tcp 10.20.0.10 22
expect_all pass "baseline, no sanso table: the lab routes" \
	"vendor -> e-apply:22|in|tcp|$VENDOR|10.40.0.10|22" \
	"vendor -> e-apply:2222|in|tcp|$VENDOR|10.40.0.10|2222" \
	"vendor -> admin-01:22|in|tcp|$VENDOR|10.20.0.10|22" \
	"other -> e-apply:22|in|tcp|$OTHER|10.40.0.10|22"
check "sansod starts with a control socket, a state directory and a trail" start

# ---- before any window ----
refute "before: the vendor cannot reach e-apply:22" tcp_ok in "$VENDOR" 10.40.0.10 22

# ---- proposal, refused self-approval, approval by another person ----
check_eq "an --until in the past is refused (exit 2)" 2 \
	"$(as "$UA" maintenance open --vendor V --from "$VENDOR" --to e-apply --proto tcp --ports 22 \
		--until 2020-01-01T00:00:00+09:00 --reason r >/dev/null 2>&1; echo $?)"
check_eq "an --until more than 24 h ahead is refused (exit 2)" 2 \
	"$(as "$UA" maintenance open --vendor V --from "$VENDOR" --to e-apply --proto tcp --ports 22 \
		--until +25h --reason r >/dev/null 2>&1; echo $?)"
check_eq "--to must be a host of the policy (exit 2)" 2 \
	"$(as "$UA" maintenance open --vendor V --from "$VENDOR" --to 10.40.0.10 --proto tcp --ports 22 \
		--until +1h --reason r >/dev/null 2>&1; echo $?)"
id=$(open_window "$UA" +1h)
check "user A opens a window: its id is printed ($id)" test -n "$id"
refute "proposed, not approved: the vendor still cannot reach e-apply:22" tcp_ok in "$VENDOR" 10.40.0.10 22
check "maintenance list shows it proposed" bash -c "'$SANSOCTL' -s '$CTL' maintenance list | grep '$id' | grep -q proposed"
check_eq "approval by A, the proposer, is refused (exit 4)" 4 "$(as "$UA" maintenance approve "$id" >/dev/null 2>&1; echo $?)"
check_eq "... and the refusal is recorded (maintenance.refused)" 1 "$(events maintenance.refused "$id")"
refute "still closed after the refused approval" tcp_ok in "$VENDOR" 10.40.0.10 22
check "approval by B opens the window" as "$UB" maintenance approve "$id"
check "status shows the active window" bash -c "'$SANSOCTL' -s '$CTL' status | grep -q 'maintenance: $id OPEN'"
check "status --json too" bash -c "'$SANSOCTL' -s '$CTL' status --json | python3 -c 'import json,sys; d=json.load(sys.stdin); assert [w for w in d[\"maintenance_windows\"] if w[\"id\"] == \"$id\" and w[\"state\"] == \"active\"]'"

check "sansod stops (SIGTERM) with the window open" daemon_stop
check "... and starts again on its state" start
check "the window survives the restart: status shows it" bash -c "'$SANSOCTL' -s '$CTL' status | grep -q 'maintenance: $id OPEN'"

# ---- a real session through the window ----
check "the vendor reaches e-apply:22" tcp_ok in "$VENDOR" 10.40.0.10 22
stream_open s1 in "$VENDOR" 10.40.0.10 22
check "a session through the window carries data" stream_passes s1
check "... and again" stream_passes s1
check "verify: the kernel is in sync with the generation holding the window (its counter too)" ctl verify
check "the window's own kernel counter has counted its traffic (list --json)" \
	bash -c "'$SANSOCTL' -s '$CTL' maintenance list --json | python3 -c 'import json,sys; w=[w for w in json.load(sys.stdin)[\"windows\"] if w[\"id\"] == \"$id\"][0]; assert w[\"kernel_packets\"] > 0 and w[\"kernel_bytes\"] > 0, w'"
check "the trail has maintenance.session.start of the session" \
	poll 50 bash -c "grep '\"event\":\"maintenance.session.start\"' '$AUDIT' | grep '\"id\":\"$id\"' | grep -q '\"src\":\"$VENDOR\"'"
fd=${STREAM_FD[s1]}	# the vendor ends the session
exec {fd}>&-
unset 'STREAM_FD[s1]'
# session_ended ID: a maintenance.session.end of the window with bytes. (A conntrack dump
# evicts expired entries at once, instead of at the kernel's next garbage collection.)
session_ended()
{
	n gw conntrack -L >/dev/null 2>&1 || true
	grep '"event":"maintenance.session.end"' "$AUDIT" | grep "\"id\":\"$1\"" |
		grep -Eq '"bytes":"[1-9][0-9]*"'
}
check "the session's end (closed by the vendor) is in the trail with its bytes" poll 150 session_ended "$id"

# ---- nothing else opens ----
expect_all fail "the window opens nothing else" \
	"another port of e-apply|in|tcp|$VENDOR|10.40.0.10|2222" \
	"another host (admin-01:22)|in|tcp|$VENDOR|10.20.0.10|22" \
	"another vendor address|in|tcp|$OTHER|10.40.0.10|22"
check_eq "a window from the Internet into the My Number zone is refused at once (exit 1)" 1 \
	"$(as "$UA" maintenance open --vendor V --from "$VENDOR" --to juki-01 --proto tcp --ports 22 \
		--until +1h --reason r >"$TMP/mn.out" 2>&1; echo $?)"
check "... naming the invariant" grep -qi "mynumber" "$TMP/mn.out"
check_eq "a window from the Internet into LGWAN is refused too (I4, exit 1)" 1 \
	"$(as "$UA" maintenance open --vendor V --from "$VENDOR" --to admin-01 --proto tcp --ports 22 \
		--until +1h --reason r >/dev/null 2>&1; echo $?)"
check "... and neither is kept as a proposal" \
	bash -c "! '$SANSOCTL' -s '$CTL' maintenance list | grep -q 'juki-01\|admin-01'"

# ---- a flood of sessions does not flood the trail: 100 recorded, the rest counted ----
for ((i = 0; i < 110; i++)); do
	tcp_ok in "$VENDOR" 10.40.0.10 22 || true
done
# ---- close ends it early ----
check "close by B" as "$UB" maintenance close "$id"
check_eq "a flood: 100 session starts of the window recorded one by one, no more" 100 \
	"$(events maintenance.session.start "$id")"
check "... the rest in one maintenance.session.suppressed record, matching the count of sessions" \
	bash -c "'$SANSOCTL' -s '$CTL' maintenance list --json | python3 -c 'import json,sys
w = [w for w in json.load(sys.stdin)[\"windows\"] if w[\"id\"] == \"$id\"][0]
n = [json.loads(l) for l in open(\"$AUDIT\") if \"maintenance.session.suppressed\" in l]
assert len(n) == 1 and n[0][\"id\"] == \"$id\", n
assert w[\"sessions\"] >= 112 and int(n[0][\"count\"]) == w[\"sessions\"] - 100, (w, n)'"
refute "after close: the vendor cannot reach e-apply:22" tcp_ok in "$VENDOR" 10.40.0.10 22
check "maintenance.close carries the kernel counter of the window's traffic" \
	bash -c "grep '\"event\":\"maintenance.close\"' '$AUDIT' | grep '\"id\":\"$id\"' | grep -Eq '\"kernel_bytes\":\"[1-9][0-9]*\"'"
check_eq "the trail has maintenance.open, .approve and .close of it" "1 1 1" \
	"$(events maintenance.open "$id") $(events maintenance.approve "$id") $(events maintenance.close "$id")"
check "list --json: closed, approved by B, with its session" \
	bash -c "'$SANSOCTL' -s '$CTL' maintenance list --json | python3 -c 'import json,sys; w=[w for w in json.load(sys.stdin)[\"windows\"] if w[\"id\"] == \"$id\"][0]; assert w[\"state\"] == \"closed\" and \"$UB\" in w[\"approved_by\"] and w[\"sessions\"] >= 2 and w[\"bytes\"] > 0, w'"

# ---- a short window ends on time, by the kernel alone ----
short=$(open_window "$UA" +8s)
check "a short window (+8 s) approved by B" as "$UB" maintenance approve "$short"
until_t=$(python3 -c "import json,sys; print([w for w in json.load(sys.stdin)['windows'] if w['id'] == '$short'][0]['until'])" \
	< <(ctl maintenance list --json))
short_b=$(open_window "$UA" +8s e-apply 2222)
check "a second short window (+8 s, port 2222) approved by B" as "$UB" maintenance approve "$short_b"
check "the vendor reaches e-apply:2222 in it" tcp_ok in "$VENDOR" 10.40.0.10 2222
check "the vendor reaches e-apply:22 in the short window" tcp_ok in "$VENDOR" 10.40.0.10 22
stream_open s2 in "$VENDOR" 10.40.0.10 22
check "a session in the short window carries data" stream_passes s2
# an edit of the state file that would extend the window (until + 1 h), then kill -9
python3 - "$STATE/ops.state" "$short" <<'EOF'
import sys
path, wid = sys.argv[1], sys.argv[2]
lines = open(path).read().split('\n')
for i, l in enumerate(lines):
    f = l.split('\t')
    if f[0] == 'maint' and f[1] == wid:
        f[9] = str(int(f[9]) + 3600)
        lines[i] = '\t'.join(f)
open(path, 'w').write('\n'.join(lines))
EOF
check "the state file was edited to extend the window" grep -q "$short" "$STATE/ops.state"
daemon_kill
check "sansod killed -9 while the window is open" true
deadline=$(date -d "$until_t" +%s)
refused_at=""
for ((i = 0; i < 100; i++)); do
	if ! tcp_ok in "$VENDOR" 10.40.0.10 22; then
		refused_at=$(date +%s)
		break
	fi
	sleep 0.2
done
check "without sansod, the kernel ends the window: new connections refused" test -n "$refused_at"
check "... not before its end (refused at ${refused_at:-never}, end $deadline)" test "${refused_at:-0}" -ge $((deadline - 1))
check "... and the open session is cut" stream_cut s2
check "sansod restarts on the edited state" start
refute "the edited window is not applied: still refused" tcp_ok in "$VENDOR" 10.40.0.10 22
check_eq "the edit is detected and recorded (maintenance.tampered)" 1 "$(events maintenance.tampered "$short")"
check_eq "the unedited window that ended while sansod was down: maintenance.expire at restart" 1 \
	"$(grep '"event":"maintenance.expire"' "$AUDIT" | grep '"id":"'"$short_b"'"' | grep -c '"was":"active"' || true)"
refute "... and e-apply:2222 stays closed" tcp_ok in "$VENDOR" 10.40.0.10 2222
check "status warns of the edited window" bash -c "'$SANSOCTL' -s '$CTL' status | grep -q 'WARNING: *maintenance window $short'"

# ---- expiry recorded, also when it came while sansod was stopped ----
short2=$(open_window "$UA" +8s)
check "another short window approved by B" as "$UB" maintenance approve "$short2"
check "the vendor reaches e-apply:22 in it" tcp_ok in "$VENDOR" 10.40.0.10 22
check "maintenance.expire is recorded when it ends" poll 300 bash -c "grep -q '\"event\":\"maintenance.expire\".*\"id\":\"$short2\"' '$AUDIT'"
refute "after expiry: refused" tcp_ok in "$VENDOR" 10.40.0.10 22
check "list shows it expired" bash -c "'$SANSOCTL' -s '$CTL' maintenance list | grep '$short2' | grep -q expired"

# ---- the record ----
check_eq "an unprivileged user cannot open a window (exit 4)" 4 \
	"$(setpriv --reuid=65534 --regid=65534 --clear-groups "$SANSOCTL" -s "$CTL" maintenance open \
		--vendor V --from "$VENDOR" --to e-apply --proto tcp --ports 22 --until +1h --reason r \
		>/dev/null 2>&1; echo $?)"
check "audit verify: the trail is intact" "$SANSOCTL" audit verify "$AUDIT" "$STATE/audit.anchor"
check "sansod still running" daemon_alive
users_gone
check "the test users are removed" bash -c "! getent passwd '$UA' && ! getent passwd '$UB'"

finish
