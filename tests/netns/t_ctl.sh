#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# t_ctl.sh: sansoctl against a running sansod, on the real kernel.
#   status / verify / dump (text, JSON: from the kernel) / stats (text, Prometheus);
#   isolate HOST cuts a live TCP connection within a second and new ones; restore reopens;
#   isolate ZONE cuts the zone; the isolation survives a restart (state directory);
#   breakout-revoke cuts a live connection of a kernel-decided cloud service at once;
#   an out-of-band change is reported by verify (exit 1);
#   an unprivileged user can change nothing and read nothing (exit 4), and is logged.
#
#   mn1 juki-01 ==(juki-jlis)==> [gw: sansod -f --control --state-dir] ==> lg jlis-gw :443
#   lg 10.20.0.130 ==(breakout "Example IP service", match ip)==> in 10.30.0.100:443
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
# a kernel-decided breakout service for the revocation test (terminals only: I2)
cat >>"$TMP/policy.conf" <<'EOF'
breakout: { from = ["lg-terminals"];
  services: ( { name = "Example IP service"; ismap = "C99-0001-1"; ismap_valid_until = "2099-03-31";
                prefixes = ["10.30.0.100/32"]; ports = [443]; match = "ip"; approval = "AP-T1"; } ); };
EOF
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
check "sansod -f starts with a control socket" start

serve lg tcp 10.20.0.9 443
serve in tcp 10.30.0.100 443

# ---- read-only requests ----
check "status: exit 0 and names the generation" bash -c "'$SANSOCTL' -s '$CTL' status | grep -q 'generation 1'"
check "verify: in sync (exit 0)" ctl verify
check "diff: the same check (exit 0)" ctl diff
check "reload through sansoctl applies generation 2" bash -c "'$SANSOCTL' -s '$CTL' reload | grep -q 'applied generation 2'"
check "LANG=ja: the daemon answers in Japanese" \
	bash -c "LANG=ja_JP.UTF-8 '$SANSOCTL' -s '$CTL' verify | grep -q '一致: カーネルは第 2 世代を実施しています'"
check_eq "LANG=ja: an invariant violation is explained in Japanese too" 1 \
	"$(sed 's/approval = "AP-2026-006"; //' "$TMP/policy.conf" >"$TMP/ja-bad.conf"; chmod 0644 "$TMP/ja-bad.conf"; LANG=ja_JP.UTF-8 "$SANSOCTL" -s "$CTL" propose "$TMP/ja-bad.conf" >"$TMP/ja.out" 2>&1; echo $?)"
check "... with the Japanese line of the diagnostic" grep -q "承認" "$TMP/ja.out"
check "LANG=ja: a change refused names why in Japanese" \
	bash -c "LANG=ja_JP.UTF-8 '$SANSOCTL' -s '$CTL' approve CH-NONE 2>&1 | grep -q \"申請中の変更 'CH-NONE' はありません\""
check "LANG=ja: an exception refused names why in Japanese" \
	bash -c "LANG=ja_JP.UTF-8 '$SANSOCTL' -s '$CTL' exception revoke EX-NONE 2>&1 | grep -q \"台帳に例外措置 'EX-NONE' はありません\""
check "verify --json: in sync, no differences" \
	bash -c "'$SANSOCTL' -s '$CTL' verify --json | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d[\"in_sync\"] is True and d[\"differences\"] == []'"
check "status --json: valid JSON naming the generation and the engine" \
	bash -c "'$SANSOCTL' -s '$CTL' status --json | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d[\"generation\"] == 2 and d[\"engine\"] is True and len(d[\"config_sha256\"]) == 64'"
check "dump: lists the kernel's sets (bind4 with juki-01's MAC)" \
	bash -c "'$SANSOCTL' -s '$CTL' dump | grep -q '\"mn0\" . 02:00:00:00:10:05 . 10.10.0.5'"
check "dump --json is valid JSON with rules, sets and its digest" \
	bash -c "'$SANSOCTL' -s '$CTL' dump --json | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d[\"dump\"][\"rules\"] and d[\"dump\"][\"sets\"] and len(d[\"sha256\"]) == 64'"
check "dump --nft: nft syntax of the generation the read-back found in the kernel" \
	bash -c "'$SANSOCTL' -s '$CTL' dump --nft | grep -q '^table inet sanso {' && '$SANSOCTL' -s '$CTL' dump --nft | grep -q 'identical (I7)'"
check "check FILE: a valid policy (exit 0)" "$SANSOCTL" check "$TMP/policy.conf"
sed 's/approval = "AP-2026-006"; //' "$TMP/policy.conf" >"$TMP/bad.conf"
check_eq "check FILE: a policy breaking I5 (exit 1)" 1 "$("$SANSOCTL" check "$TMP/bad.conf" >/dev/null 2>&1; echo $?)"
ctl dump >"$TMP/dump.txt"
check_eq "dump carries the SHA-256 of its own text (verifiable copy)" \
	"$(head -n -1 "$TMP/dump.txt" | sha256sum | cut -d' ' -f1)" \
	"$(tail -1 "$TMP/dump.txt" | awk '{ print $3 }')"
sed -i '5s/$/ (edited)/' "$TMP/dump.txt"
refute "an edited copy of the dump no longer matches its digest" test \
	"$(head -n -1 "$TMP/dump.txt" | sha256sum | cut -d' ' -f1)" = "$(tail -1 "$TMP/dump.txt" | awk '{ print $3 }')"
tcp_ok mn1 10.10.0.5 10.30.0.100 443 || true	# refused: raises the mynumber>internet counter
check "stats: the mynumber>internet drop counter counted it" \
	bash -c "'$SANSOCTL' -s '$CTL' stats | grep fwd_mynumber_internet | grep -qv ' 0 packets'"
check "stats --prometheus: sanso_rule_packets_total and sanso_engine_total" \
	bash -c "'$SANSOCTL' -s '$CTL' stats --prometheus | grep -q '^sanso_rule_packets_total' && '$SANSOCTL' -s '$CTL' stats --prometheus | grep -q '^sanso_engine_total'"

# ---- explain ----
check "explain: juki-01 -> jlis-gw tcp/443 is allowed by flow juki-jlis with its approval" \
	bash -c "'$SANSOCTL' -s '$CTL' explain 10.10.0.5 10.20.0.9 tcp 443 | grep -q \"allowed: flow 'juki-jlis'.*AP-2026-001\""
check "explain: juki-01 -> the Internet is refused by I2" \
	bash -c "'$SANSOCTL' -s '$CTL' explain 10.10.0.5 10.30.0.100 tcp 443 | grep -q 'refused: I2'"
check "explain: admin-01 -> e-apply tcp/22 names the exception and its approver" \
	bash -c "'$SANSOCTL' -s '$CTL' explain 10.20.0.10 10.40.0.10 tcp 22 | grep -q \"exception 'EX-2026-014'.*approved by suzuki\""
check "explain: a terminal -> 10.30.0.100:443 is the ISMAP breakout service" \
	bash -c "'$SANSOCTL' -s '$CTL' explain 10.20.0.130 10.30.0.100 tcp 443 | grep -q \"breakout service 'Example IP service' (ISMAP C99-0001-1\""
check "explain --json: allowed true for juki-jlis, false for the Internet" \
	bash -c "'$SANSOCTL' -s '$CTL' explain 10.10.0.5 10.20.0.9 tcp 443 --json | python3 -c 'import json,sys; assert json.load(sys.stdin)[\"allowed\"] is True' && '$SANSOCTL' -s '$CTL' explain 10.10.0.5 10.30.0.100 tcp 443 --json | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d[\"allowed\"] is False and any(\"I2\" in l for l in d[\"lines\"])'"
check_eq "explain with a malformed address: exit 2" 2 "$(ctl explain 10.10.0.x 10.20.0.9 tcp 443 >/dev/null 2>&1; echo $?)"

# ---- isolate a host: a live connection is cut within a second ----
stream_open juki mn1 10.10.0.5 10.20.0.9 443
check "before isolate: the live juki-01 connection carries data" stream_passes juki
t0=$(date +%s%N)
check "isolate juki-01 (exit 0)" ctl isolate juki-01 --reason "incident drill"
t1=$(date +%s%N)
check "isolate took less than a second" test $(((t1 - t0) / 1000000)) -lt 1000
check "after isolate: the live connection is cut" stream_cut juki
refute "after isolate: a new juki-01 connection is refused" tcp_ok mn1 10.10.0.5 10.20.0.9 443
check "status lists the isolation" bash -c "'$SANSOCTL' -s '$CTL' status | grep -q 'isolated: *juki-01'"
check "verify: still in sync (the isolation is part of the generation)" ctl verify

# ---- the isolation survives a restart ----
kill "$DPID"
poll 50 bash -c "! kill -0 $DPID 2>/dev/null"
check "restart with the state directory" start
refute "after restart: juki-01 is still isolated" tcp_ok mn1 10.10.0.5 10.20.0.9 443
check "restore juki-01 (exit 0)" ctl restore juki-01
check "after restore: juki-01 reaches jlis-gw again" poll 20 tcp_ok mn1 10.10.0.5 10.20.0.9 443
check_eq "restore of something not isolated: exit 2" 2 "$(ctl restore juki-01 >/dev/null 2>&1; echo $?)"
check_eq "isolate of an unknown name: exit 2" 2 "$(ctl isolate nosuchhost >/dev/null 2>&1; echo $?)"

# ---- isolate a zone ----
check "isolate lgwan" ctl isolate lgwan
refute "lgwan isolated: mail-conv -> mail-lg (a relay into lgwan) is refused" tcp_ok in 10.30.0.25 10.20.0.25 25
check "restore lgwan" ctl restore lgwan

# ---- breakout revoke: the live connection of the service is cut at once ----
check "breakout: a terminal reaches the ISMAP service" tcp_ok lg 10.20.0.130 10.30.0.100 443
stream_open cloud lg 10.20.0.130 10.30.0.100 443
check "breakout: the live cloud connection carries data" stream_passes cloud
svc_mark=$(n gw conntrack -L -p tcp --dport 443 -d 10.30.0.100 2>/dev/null | sed -n 's/.*mark=\([0-9]*\).*/\1/p' | head -1)
check "breakout: the live connection's conntrack entry carries the service's decision" test -n "$svc_mark" -a "${svc_mark:-0}" != 0
check "breakout-revoke 'Example IP service' (exit 0)" ctl breakout-revoke "Example IP service" --reason "reported breach"
check_eq "after revoke: no conntrack entry with the service's mark is left (ctnetlink)" 0 \
	"$(n gw conntrack -L -m "${svc_mark:-1}" 2>/dev/null | grep -c . || true)"
check "after revoke: the live cloud connection is cut" stream_cut cloud
refute "after revoke: new connections to the service are refused" tcp_ok lg 10.20.0.130 10.30.0.100 443
check "breakout-restore" ctl breakout-restore "Example IP service"
check "after restore: the service is reachable again" poll 20 tcp_ok lg 10.20.0.130 10.30.0.100 443

# ---- any other process changing the ruleset is reported at once (netlink monitor) ----
n gw nft add table inet intruder
check "a table added by nft is reported with the process name (log)" \
	poll 30 grep -q "ruleset changed by nft" "$DLOG"
check "... and recorded in the audit trail" \
	poll 30 grep -q '"event":"ruleset.changed".*"process":"nft"' "$AUDIT"
n gw nft delete table inet intruder

# ---- drift: an out-of-band change is reported ----
n gw nft add rule inet sanso forward accept 2>/dev/null ||
	n gw nft flush chain inet sanso nopair 2>/dev/null || true
if n gw nft list chain inet sanso forward | grep -q '^[[:space:]]*accept$' ||
   ! n gw nft list chain inet sanso nopair | grep -q drop; then
	check_eq "verify after an out-of-band change: exit 1" 1 "$(ctl verify >/dev/null 2>&1; echo $?)"
else
	# the daemon owns the table (flags owner): nobody else can change it
	pass "the table is owned by sansod: an out-of-band change was refused by the kernel"
fi

# ---- exceptions through the ledger: two-person (R62), kernel timeout, kept across a restart ----
exc_group=0
if ! getent group sanso-admin >/dev/null; then
	groupadd -r sanso-admin && exc_group=1
fi
chmod 0711 "$TMP"
chmod 0666 "$CTL"
approve2() { chmod 0666 "$CTL"; setpriv --reuid=4242 --regid="$(getent group sanso-admin | cut -d: -f3)" --clear-groups "$SANSOCTL" -s "$CTL" approve "$@"; }
serve dmz tcp 10.40.0.10 2222
until=$(date -d "@$(($(date +%s) + 8))" +%Y-%m-%dT%H:%M:%S%:z)
refute "before: admin-01 -> e-apply:2222 is refused" tcp_ok lg 10.20.0.10 10.40.0.10 2222
check "exception add EX-T-1 (8 s): a proposal" \
	ctl exception add EX-T-1 --from admin-01 --to e-apply --proto tcp --ports 2222 --reason drill --requested-by tanaka --expires "$until"
check_eq "approve by the proposer himself is refused (exit 4)" 4 "$(ctl approve EX-T-1 >/dev/null 2>&1; echo $?)"
check "approve EX-T-1 by another admin (uid 4242)" approve2 EX-T-1
check "exception list --json: EX-T-1 from the ledger with its approver" \
	bash -c "'$SANSOCTL' -s '$CTL' exception list --json | python3 -c 'import json,sys; d={e[\"id\"]: e for e in json.load(sys.stdin)}; assert d[\"EX-T-1\"][\"source\"] == \"ledger\" and \"4242\" in d[\"EX-T-1\"][\"approved_by\"] and d[\"EX-T-1\"][\"seconds_left\"] > 0'"
check "exception list shows EX-T-1 from the ledger" bash -c "'$SANSOCTL' -s '$CTL' exception list | grep EX-T-1 | grep -q ledger"
check "during the exception: admin-01 -> e-apply:2222 passes" tcp_ok lg 10.20.0.10 10.40.0.10 2222
check "exception list --json: EX-T-1's kernel counter saw the connection (R60 hits)" \
	bash -c "'$SANSOCTL' -s '$CTL' exception list --json | python3 -c 'import json,sys; d={e[\"id\"]: e for e in json.load(sys.stdin)}; assert d[\"EX-T-1\"][\"kernel_packets\"] > 0 and d[\"EX-T-1\"][\"kernel_bytes\"] > 0'"
check "exception list: a HITS column with EX-T-1's packets" \
	bash -c "'$SANSOCTL' -s '$CTL' exception list | grep -q 'HITS' && '$SANSOCTL' -s '$CTL' exception list | grep EX-T-1 | awk '{print \$8}' | grep -q '^[1-9][0-9]*$'"
kill "$DPID"
poll 50 bash -c "! kill -0 $DPID 2>/dev/null"
check "sansod stopped: the exception still passes (kernel timeout)" tcp_ok lg 10.20.0.10 10.40.0.10 2222
check "sansod stopped: the exception ends by itself (kernel timeout, ~8 s)" \
	poll 120 bash -c "! ip netns exec $LAB-lg ncat -z -w 1 -s 10.20.0.10 10.40.0.10 2222"
check "restart: sansod starts with the ledger" start
refute "restart: the expired exception is not revived" tcp_ok lg 10.20.0.10 10.40.0.10 2222
check "restart: exception.expire recorded for EX-T-1" \
	poll 30 grep -q '"event":"exception.expire".*"id":"EX-T-1"' "$AUDIT"
check "dump shows the exception's time left, read from the kernel" \
	bash -c "'$SANSOCTL' -s '$CTL' dump | grep -A3 'set x_lgwan_dmz_p4' | grep -q 'expires in [0-9]*s'"
long=$(date -d "@$(($(date +%s) + 3600))" +%Y-%m-%dT%H:%M:%S%:z)
check "exception add EX-T-2 (one hour)" ctl exception add EX-T-2 --from admin-01 --to e-apply \
	--proto tcp --ports 2222 --reason drill --requested-by tanaka --expires "$long"
check "approve EX-T-2 by another admin" approve2 EX-T-2
kill "$DPID"
poll 50 bash -c "! kill -0 $DPID 2>/dev/null"
check "restart again: sansod starts" start
check_eq "restart again: exception.expire of EX-T-1 recorded once (kept in the state)" 1 \
	"$(grep -c '"event":"exception.expire".*"id":"EX-T-1"' "$AUDIT")"
check "restart keeps a valid exception: admin-01 -> e-apply:2222 passes" tcp_ok lg 10.20.0.10 10.40.0.10 2222
check "exception revoke EX-T-2" ctl exception revoke EX-T-2
refute "after revoke: admin-01 -> e-apply:2222 is refused" tcp_ok lg 10.20.0.10 10.40.0.10 2222
check "restart: the ledger still has EX-T-1 (expired)" bash -c "'$SANSOCTL' -s '$CTL' exception list | grep EX-T-1 | grep -q expired"
((exc_group)) && groupdel sanso-admin

# ---- two-person changes (R62) and the emergency path (R59) ----
created_group=0
if ! getent group sanso-admin >/dev/null; then
	groupadd -r sanso-admin && created_group=1
fi
admin_gid=$(getent group sanso-admin | cut -d: -f3)
chmod 0711 "$TMP"
chmod 0666 "$CTL"
as_admin2() { setpriv --reuid=4242 --regid="$admin_gid" --clear-groups "$SANSOCTL" -s "$CTL" "$@"; }
conf_without_flow mail-text "$TMP/policy.conf" >"$TMP/proposal.conf"
chmod 0644 "$TMP/proposal.conf"
serve lg tcp 10.20.0.25 25
check "before: mail-text passes" tcp_ok in 10.30.0.25 10.20.0.25 25
out=$(ctl propose "$TMP/proposal.conf" --reason "retire mail-text" 2>&1)
id=$(sed -n 's/^proposed \([0-9a-f]*\);.*/\1/p' <<<"$out")
check "propose: a change id is returned" test -n "$id"
check "propose does not apply: mail-text still passes" tcp_ok in 10.30.0.25 10.20.0.25 25
check "status shows the proposal waiting for approval" bash -c "'$SANSOCTL' -s '$CTL' status | grep -q 'proposed: *$id'"
check_eq "approve by the proposer himself is refused (exit 4)" 4 "$(ctl approve "$id" >/dev/null 2>&1; echo $?)"
check "still not applied after the refused approval" tcp_ok in 10.30.0.25 10.20.0.25 25
check "approve by a second admin (uid 4242) applies it" as_admin2 approve "$id"
refute "after approval: mail-text is gone" tcp_ok in 10.30.0.25 10.20.0.25 25
check "changes --json: the applied change names its second person" \
	bash -c "'$SANSOCTL' -s '$CTL' changes --json | python3 -c 'import json,sys; d=json.load(sys.stdin); assert any(c[\"id\"] == \"$id\" and \"4242\" in c[\"second\"] for c in d[\"changes\"])'"
check "changes: the change is applied, with both people" \
	bash -c "'$SANSOCTL' -s '$CTL' changes | grep '$id' | grep -q 'uid=4242'"
check "emergency by one admin applies at once" as_admin2 emergency "$TMP/policy.conf" --reason "incident: restore mail"
check "after the emergency change: mail-text passes again" poll 20 tcp_ok in 10.30.0.25 10.20.0.25 25
check "status flags the unratified emergency change" bash -c "'$SANSOCTL' -s '$CTL' status | grep -q 'emergency change .* is not ratified'"
eid=$(ctl changes | awk '/EMERGENCY/ { print $1 }')
check_eq "ratify by the same person is refused (exit 4)" 4 "$(as_admin2 ratify "$eid" >/dev/null 2>&1; echo $?)"
check "ratify by another admin" ctl ratify "$eid"
refute "status no longer flags it" bash -c "'$SANSOCTL' -s '$CTL' status | grep -q 'not ratified'"
((created_group)) && groupdel sanso-admin

# ---- the audit trail ----
check "audit verify: the trail is intact (with its anchor)" \
	"$SANSOCTL" audit verify "$AUDIT" "$STATE/audit.anchor"
for ev in audit.start config.apply config.result isolation.on isolation.off revocation.add \
	exception.propose exception.approve change.propose change.approve change.emergency change.ratify change.refused; do
	check "audit trail records $ev" grep -q "\"event\":\"$ev\"" "$AUDIT"
done
check "audit trail names who isolated juki-01" \
	grep -q '"actor":"uid=0(root)","event":"isolation.on".*"target":"juki-01"' "$AUDIT"

# ---- an unprivileged user ----
chmod 0711 "$TMP"
chmod 0666 "$CTL"
as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$SANSOCTL" -s "$CTL" "$@"; }
check_eq "nobody: reload is denied (exit 4)" 4 "$(as_nobody reload >/dev/null 2>&1; echo $?)"
check_eq "nobody: isolate is denied (exit 4)" 4 "$(as_nobody isolate juki-01 >/dev/null 2>&1; echo $?)"
check_eq "nobody: dump is denied (exit 4)" 4 "$(as_nobody dump >/dev/null 2>&1; echo $?)"
check "nobody: juki-01 is not isolated after the denied request" tcp_ok mn1 10.10.0.5 10.20.0.9 443
check "the refusals are in the daemon's log with the uid" grep -q "isolate refused for uid=65534" "$DLOG"
check_eq "malformed request: exit 2" 2 "$(printf 'garbage' | ctl status --reason "$(printf 'a\tb')" >/dev/null 2>&1; echo $?)"
check "sansod still runs after all this" daemon_alive
check "the refused requests are in the audit trail" grep -q '"event":"ctl.refused"' "$AUDIT"

# ---- tampering is found; a trail that cannot be continued refuses changes ----
cp "$AUDIT" "$TMP/copy.jsonl"
sed -i '3s/"actor":"[^"]*"/"actor":"someone else"/' "$TMP/copy.jsonl"
check_eq "audit verify: an edited line is found (exit 1)" 1 \
	"$("$SANSOCTL" audit verify "$TMP/copy.jsonl" >"$TMP/v.out" 2>&1; echo $?)"
check "audit verify names line 3" grep -q "line 3" "$TMP/v.out"
cp "$AUDIT" "$TMP/copy.jsonl"
sed -i '2d' "$TMP/copy.jsonl"
check_eq "audit verify: a removed line is found (exit 1)" 1 \
	"$("$SANSOCTL" audit verify "$TMP/copy.jsonl" >/dev/null 2>&1; echo $?)"
head -n -2 "$AUDIT" >"$TMP/copy.jsonl"
check_eq "audit verify: the last records removed, found with the anchor (exit 1)" 1 \
	"$("$SANSOCTL" audit verify "$TMP/copy.jsonl" "$STATE/audit.anchor" >/dev/null 2>&1; echo $?)"
kill "$DPID"
poll 50 bash -c "! kill -0 $DPID 2>/dev/null"
sed -i '2s/"event":"[^"]*"/"event":"audit.start"/' "$AUDIT"	# tamper with the real trail
restart_with() {
	: >"$DLOG"
	ip netns exec "$LAB-gw" "$SANSOD" -f "$TMP/policy.conf" --control "$CTL" \
		--state-dir "$STATE" --audit "$AUDIT" "$@" >>"$DLOG" 2>&1 &
	DPID=$!
	PIDS+=("$DPID")
	wait_log "applied generation" 1
}
check "restart on a tampered trail (block-crosszone, the default)" restart_with
check "the daemon says changes are refused and zones are cut" \
	grep -q "changes are refused until it can be written; traffic between zones is cut" "$DLOG"
refute "tampered trail: juki-01 -> jlis-gw is cut" tcp_ok mn1 10.10.0.5 10.20.0.9 443
refute "tampered trail: mail-text is cut" tcp_ok in 10.30.0.25 10.20.0.25 25
check "status says the trail is unusable and zones are isolated" \
	bash -c "'$SANSOCTL' -s '$CTL' status | grep -q 'UNUSABLE: every zone is isolated'"
check_eq "tampered trail: isolate (a change) is refused (exit 1)" 1 \
	"$(ctl isolate juki-01 >/dev/null 2>&1; echo $?)"
mv "$AUDIT" "$TMP/audit.tampered"
rm -f "$STATE/audit.anchor"
kill -HUP "$DPID"
check "repaired trail + SIGHUP: traffic between zones passes again" \
	poll 50 tcp_ok mn1 10.10.0.5 10.20.0.9 443
check "repaired trail: a new, intact chain" poll 20 "$SANSOCTL" audit verify "$AUDIT"
kill "$DPID"
poll 50 bash -c "! kill -0 $DPID 2>/dev/null"
cp "$TMP/audit.tampered" "$AUDIT"
check "restart on a tampered trail with --audit-failure alert-only" restart_with --audit-failure alert-only
check "alert-only: traffic keeps flowing" tcp_ok mn1 10.10.0.5 10.20.0.9 443
check_eq "alert-only: changes are still refused (exit 1)" 1 "$(ctl isolate juki-01 >/dev/null 2>&1; echo $?)"
check "the last ruleset stays in the kernel" has_table gw

finish
