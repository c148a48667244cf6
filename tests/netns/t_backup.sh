#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# t_backup.sh: sansoctl backup / restore (issue 10, R67), on the real kernel.
#   Gateway A runs version 2 (mail-text removed, approved by a second admin) and has a
#   signing key; `backup -o FILE` writes the store, state and key, signed. A replacement
#   gateway B (a fresh state directory, the original file) restores it: the backup's running
#   version is proposed, applied only when another person approves it, and A's key is
#   installed. A backup with one byte changed, or cut, is refused and changes nothing.
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
trap 'if ((made)); then groupdel sanso-admin; fi; cleanup' EXIT
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
check_eq "the restorer cannot approve it himself (exit 4)" 4 "$(exit_of ctl approve "$rid")"
check "another admin approves the restore" as2 approve "$rid"
refute "B: the backup's running version is in force (no mail-text)" has_mail
check "B: A's signing key was installed (keygen: exists, the same public key)" \
	bash -c "'$SANSOCTL' -s '$CTL' keygen 2>/dev/null | sed 1d | cmp -s - '$TMP/a.pub'"
check "backup.restore is in B's audit trail" grep -q '"event":"backup.restore".*"signing_key":"imported"' "$TMP/b.audit.jsonl"
stop
finish
