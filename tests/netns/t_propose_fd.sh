#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# t_propose_fd.sh: sansoctl propose hands sansod the policy itself (issue 10), never a path:
# sansoctl reads and flattens the file and its @includes as the proposing user and passes the
# text in a memfd (SCM_RIGHTS). sansod runs here in a mount namespace where the proposer's
# directory is hidden under a tmpfs (as ProtectHome/PrivateTmp hide it under the shipped
# unit), and the policy is far over the 60 KiB of a control message.
# Attacker: a request that passes a FIFO (which never ends) or a socket instead of a file is
# refused at once and the daemon keeps answering; a descriptor passed with another request is
# closed, not leaked.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

require sansod
SANSOCTL=${SANSOCTL:-$(dirname "$SANSOD")/sansoctl}
[[ -x $SANSOCTL ]] || cannot_run "sansoctl not built: $SANSOCTL"
lab_up

CTL=$TMP/control
STATE=$TMP/state
HOME_DIR=$TMP/home
mkdir -p "$STATE" "$HOME_DIR"
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

# sansod with $HOME_DIR hidden: a tmpfs over it in its own mount namespace
: >"$DLOG"
ip netns exec "$LAB-gw" unshare -m sh -c "mount -t tmpfs none '$HOME_DIR' && exec '$SANSOD' \
	-f '$TMP/policy.conf' --control '$CTL' --state-dir '$STATE' --audit '$TMP/audit.jsonl'" \
	>>"$DLOG" 2>&1 &
DPID=$!
PIDS+=("$DPID")
check "sansod starts with the proposer's directory hidden from it" wait_log "applied generation" 1
poll 50 test -S "$CTL" && chmod 0666 "$CTL"

# the proposal: the policy plus many extra hosts (over 60 KiB), split over an @include
{
	sed '/^hosts: ($/,$d' "$CONF"
	echo '@include "hosts.inc"'
	sed -n '/^hosts: ($/,$p' "$CONF" | sed 's/^hosts: ($/hosts: (\n  { name = "fd-marker"; zone = "lgwan"; ipv4 = "10.20.0.77"; },/'
} >"$HOME_DIR/big.conf"
for i in $(seq 1 1500); do
	printf '# filler line %05d to make the policy larger than one control message\n' "$i"
done >"$HOME_DIR/hosts.inc"
check "the proposal is larger than a control message (60 KiB)" \
	test "$(cat "$HOME_DIR/big.conf" "$HOME_DIR/hosts.inc" | wc -c)" -gt 61440
check "the daemon cannot see the proposer's file" \
	bash -c "! nsenter -t $DPID -m test -e '$HOME_DIR/big.conf'"
out=$(ctl propose "$HOME_DIR/big.conf" --reason "t_propose_fd" 2>&1)
id=$(sed -n 's/^proposed \([0-9a-f]*\)[ ;:(].*/\1/p' <<<"$out")
check "propose of a file the daemon cannot open: a change id" test -n "$id"
[[ -n $id ]] || echo "    $out"
check "another admin approves it" as2 approve "$id"
check "the approved text is in force: show has the host from the proposal" \
	bash -c "'$SANSOCTL' -s '$CTL' history | grep -q '^\* 2 ' && '$SANSOCTL' -s '$CTL' show 2 | grep -q fd-marker"
check "... and the include's text (flattened by sansoctl)" \
	bash -c "'$SANSOCTL' -s '$CTL' show 2 | grep -q 'filler line 01500'"
check_eq "a file that is not a policy: refused before anything is sent (exit 1)" 1 \
	"$(ctl propose /etc/hostname >/dev/null 2>&1; echo $?)"

# ---- attacker: a descriptor that is not a regular file ----
mkfifo "$TMP/fifo"
python3 - "$CTL" "$TMP/fifo" >"$TMP/atk.out" 2>&1 <<'EOF' &
import os, socket, struct, sys
ctl, fifo = sys.argv[1], sys.argv[2]
def req(t, body, fd=None):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.settimeout(10)
    s.connect(ctl)
    msg = struct.pack("=HHIIi", 1, t, len(body), 0, 0) + body
    anc = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, struct.pack("i", fd))] if fd is not None else []
    s.sendmsg([msg], anc)
    out = b""
    while True:
        m = s.recv(70000)
        hdr = struct.unpack("=HHIIi", m[:16])
        out += m[16:]
        if hdr[3] & 1:
            print("status", hdr[4], out.decode(errors="replace").strip().replace("\n", " | "))
            return
r = os.open(fifo, os.O_RDWR | os.O_NONBLOCK)
req(15, b"file=/x\nreason=fifo\n", r)      # propose (row 15) with a FIFO
a, b = socket.socketpair()
req(15, b"file=/x\nreason=socket\n", a.fileno())
req(1, b"", r)                             # status, with a descriptor it does not use
EOF
APID=$!
check "the attacker's requests are answered (no stall)" poll 100 bash -c "! kill -0 $APID 2>/dev/null"
check "a FIFO is refused" bash -c "sed -n 1p '$TMP/atk.out' | grep -q '^status [1-9].*refused'"
check "a socket is refused" bash -c "sed -n 2p '$TMP/atk.out' | grep -q '^status [1-9].*refused'"
check "a descriptor passed with status is ignored (status answers)" \
	bash -c "sed -n 3p '$TMP/atk.out' | grep -q '^status 0 .*generation'"
check "the daemon keeps answering" ctl status
fds=$(ls "/proc/$DPID/fd" 2>/dev/null | wc -l)
check "no descriptor leaked into sansod (fewer than 40 open)" test "$fds" -gt 0 -a "$fds" -lt 40
finish
