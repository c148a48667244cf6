#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# t_backup.sh: sansoctl backup / restore (issue 10, R67), on the real kernel.
#   Gateway A runs version 2 (mail-text removed, approved by a second admin) and has a
#   signing key; `backup -o FILE` writes the store, state and key, signed. A replacement
#   gateway B (a fresh state directory, the original file) restores it: the backup's running
#   version is proposed, applied only when another person approves it, and A's key is
#   installed. A backup with one byte changed, or cut, is refused and changes nothing.
#   The approval also takes A's history (shown by `history` as restored), its exception
#   register (EX-B-1 passes on B) and its containment (juki-01 isolated on B); an archive
#   edited in B's state directory between restore and approve is taken for nothing more
#   than its version, said, and audited.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

require sansod
SANSOCTL=${SANSOCTL:-$(dirname "$SANSOD")/sansoctl}
[[ -x $SANSOCTL ]] || cannot_run "sansoctl not built: $SANSOCTL"
lab_up

CTL=$TMP/control
chmod 0711 "$TMP"
cp "$CONF" "$TMP/policy.conf"
chmod 0644 "$TMP/policy.conf"
made=0
if ! getent group sanso-admin >/dev/null; then
	groupadd -r sanso-admin && made=1
fi
trap 'rc=$?; set +e; if ((made)); then groupdel sanso-admin; fi; (exit $rc); cleanup' EXIT
admin_gid=$(getent group sanso-admin | cut -d: -f3)
ctl() { "$SANSOCTL" -s "$CTL" "$@"; }
as2() { setpriv --reuid=4242 --regid="$admin_gid" --clear-groups "$SANSOCTL" -s "$CTL" "$@"; }
exit_of() { "$@" >"$TMP/out" 2>&1; echo $?; }
has_mail() { n gw nft list table inet sanso 2>/dev/null | grep -q 'flow mail-text'; }
# start STATE-DIR: sansod on the original file
start()
{
	mkdir -p "$1"
	: >"$DLOG"
	ip netns exec "$LAB-gw" "$SANSOD" -f "$TMP/policy.conf" --control "$CTL" --state-dir "$1" \
		--audit "$1.audit.jsonl" >>"$DLOG" 2>&1 &
	DPID=$!
	PIDS+=("$DPID")
	wait_log "applied generation" 1 && poll 50 test -S "$CTL" && chmod 0666 "$CTL"
}
stop()
{
	kill "$DPID"
	poll 50 bash -c "! kill -0 $DPID 2>/dev/null"
}

# ---- gateway A ----
check "gateway A starts" start "$TMP/a"
conf_without_flow mail-text "$TMP/policy.conf" >"$TMP/nomail.conf"
out=$(ctl propose "$TMP/nomail.conf" --reason "retire mail-text" 2>&1)
id=$(sed -n 's/^proposed \([0-9a-f]*\)[ ;:(].*/\1/p' <<<"$out")
check "A: another admin approves version 2" as2 approve "$id"
refute "A: mail-text is gone" has_mail
long=$(date -d "@$(($(date +%s) + 3600))" +%Y-%m-%dT%H:%M:%S%:z)
check "A: exception add EX-B-1 (a proposal)" ctl exception add EX-B-1 --from admin-01 \
	--to e-apply --proto tcp --ports 2222 --reason drill --requested-by tanaka --expires "$long"
check "A: another admin approves EX-B-1" as2 approve EX-B-1
check "A: isolate juki-01" ctl isolate juki-01 --reason "incident drill"
check "A: keygen" bash -c "'$SANSOCTL' -s '$CTL' keygen >'$TMP/a.pub'"
check_eq "backup as an auditor-only user is denied (exit 4)" 4 \
	"$(exit_of setpriv --reuid=4343 --regid=nogroup --clear-groups "$SANSOCTL" -s "$CTL" backup -o "$TMP/x")"
check "A: backup -o FILE (exit 0)" ctl backup -o "$TMP/backup"
check "the backup holds the store, the state and the key" \
	bash -c "grep -q '^file store/v000002.conf ' '$TMP/backup' && grep -q '^file ops.state ' '$TMP/backup' && grep -q '^file signing.key ' '$TMP/backup'"
check "the backup is signed: verify-dump with A's key: VALID" \
	"$SANSOCTL" verify-dump "$TMP/backup" --key "$TMP/a.pub"
check "backup.create is in A's audit trail" grep -q '"event":"backup.create"' "$TMP/a.audit.jsonl"
stop

# ---- gateway B: a replacement, fresh state ----
n gw nft delete table inet sanso
check "gateway B starts on the original file (version 1, mail-text)" start "$TMP/b"
serve dmz tcp 10.40.0.10 2222
refute "B: before the restore admin-01 -> e-apply:2222 is refused" tcp_ok lg 10.20.0.10 10.40.0.10 2222
check "B: mail-text is there" has_mail
# a changed byte and a cut file: refused, nothing proposed
sed 's/mail-text/mail-texx/' "$TMP/backup" >"$TMP/bad1"
head -c 2000 "$TMP/backup" >"$TMP/bad2"
check_eq "a backup with one byte changed is refused (exit 1)" 1 \
	"$(exit_of ctl backup restore "$TMP/bad1")"
check "... saying it was changed" grep -q "changed since it was made" "$TMP/out"
check_eq "a cut backup is refused (exit 1)" 1 "$(exit_of ctl backup restore "$TMP/bad2")"
check_eq "nothing was proposed by them" 0 \
	"$(ctl changes | grep -c proposed || true)"
out=$(ctl restore "$TMP/backup" 2>&1)
rid=$(sed -n 's/^proposed \([0-9a-f]*\)[ ;:(].*/\1/p' <<<"$out")
check "restore FILE (a backup, not a host): a proposal" test -n "$rid"
[[ -n $rid ]] || echo "    $out"
check "B: the restore applies nothing by itself" has_mail
check "B: no signing key is installed before the approval" test ! -e "$TMP/b/signing.key"
check_eq "the restorer cannot approve it himself (exit 4)" 4 "$(exit_of ctl approve "$rid")"
check "another admin approves the restore" as2 approve "$rid"
refute "B: the backup's running version is in force (no mail-text)" has_mail
check "B: A's signing key was installed (keygen: exists, the same public key)" \
	bash -c "'$SANSOCTL' -s '$CTL' keygen 2>/dev/null | sed 1d | cmp -s - '$TMP/a.pub'"
check "backup.restore is in B's audit trail" grep -q '"event":"backup.restore"' "$TMP/b.audit.jsonl"
check "B: the approval took A's exception register (EX-B-1 from the ledger)" \
	bash -c "'$SANSOCTL' -s '$CTL' exception list | grep EX-B-1 | grep -q ledger"
check "B: EX-B-1 is enforced: admin-01 -> e-apply:2222 passes" tcp_ok lg 10.20.0.10 10.40.0.10 2222
check "B: A's isolation of juki-01 is in force" bash -c "'$SANSOCTL' -s '$CTL' status | grep -q 'isolated: *juki-01'"
check "B: history shows A's versions as restored history" \
	bash -c "'$SANSOCTL' -s '$CTL' history | sed -n '/history restored from a backup/,\$p' | grep -q 'retire mail-text'"
check "B: history --json has them under restored" \
	bash -c "'$SANSOCTL' -s '$CTL' history --json | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d[\"restored\"][\"running\"] == 2 and any(v[\"reason\"] == \"retire mail-text\" for v in d[\"restored\"][\"versions\"])'"
check "backup.import is in B's audit trail (taken)" \
	grep -q '"event":"backup.import".*"exceptions":"1","isolations":"1".*"signing_key":"imported","result":"taken"' "$TMP/b.audit.jsonl"
check "B: the pending archive is gone" test ! -e "$TMP/b/restore.pending"
stop

# ---- gateway C: the archive edited in the state directory before the approval ----
n gw nft delete table inet sanso
check "gateway C starts on the original file" start "$TMP/c"
out=$(ctl restore "$TMP/backup" 2>&1)
cid=$(sed -n 's/^proposed \([0-9a-f]*\)[ ;:(].*/\1/p' <<<"$out")
check "C: restore: a proposal" test -n "$cid"
check "C: the reply says what the approval will also take" \
	grep -q "1 exceptions, 1 in force" <<<"$out"
check "C: the checked archive waits in the state directory" test -s "$TMP/c/restore.pending"
sed -i 's/EX-B-1/EX-B-9/' "$TMP/c/restore.pending"
as2 approve "$cid" >"$TMP/c.out" 2>&1
check_eq "C: another admin approves the restore (exit 0)" 0 "$?"
refute "C: the backup's version is in force (no mail-text)" has_mail
check "C: the approver is told the rest was not taken" grep -q "were not taken" "$TMP/c.out"
refute "C: no exception from the edited archive" \
	bash -c "'$SANSOCTL' -s '$CTL' exception list | grep -q 'EX-B-'"
refute "C: EX-B-1 is not enforced" tcp_ok lg 10.20.0.10 10.40.0.10 2222
check "backup.import in C's trail says it was not taken" \
	bash -c "grep '\"event\":\"backup.import\"' '$TMP/c.audit.jsonl' | grep -v -q '\"result\":\"taken\"'"
stop
finish
