#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# tests/systemd/verify.sh: the systemd integration (systemd/) and the man pages (doc/man/).
#
# Starts no unit on this machine. The units are installed into a throw-away root, where
# `systemd-analyze verify --root` finds every unit they refer to (a copy of this machine's
# /lib/systemd/system), every executable they name (build/sansod, and copies of this
# machine's nft, sh, kill) and, through MANPATH, the man pages of Documentation=.
#   1. systemd-analyze verify: each unit loads with no message at all (unknown keys are only
#      warnings there, so any output fails the test);
#   2. systemd-analyze security: exposure at most MAX_EXPOSURE, and no exposed item beyond the
#      ones this file lists with the reason they stay;
#   3. the early unit's choice of policy file (last good, else /etc/sanso/sanso.conf);
#   4. (root) sysusers.d and tmpfiles.d applied to the throw-away root: users, modes, the ACL;
#   5. (root) in a throw-away network namespace, as uid 65534 with CAP_NET_ADMIN only (the
#      unit's credentials): the baseline loads, the early unit's command replaces it in one
#      batch, the daemon speaks sd_notify as Type=notify + WatchdogSec= expect, a running
#      daemon's table refuses the baseline, the table outlives the daemon; with strace, every
#      system call made is allowed by the unit's SystemCallFilter=;
#   6. man pages: groff and man -l render them with no warning; every sansod option, every
#      sansoctl command and every sanso.conf key of conf/REFERENCE.md is documented.
# Prints "N passed, M failed"; exits 1 if anything failed. Under CI=true, a part that cannot
# run (not root, tool missing) fails instead of being skipped.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 2

SANSOD=${SANSOD:-build/sansod}
case $SANSOD in /*) ;; *) SANSOD=$PWD/$SANSOD ;; esac
SANSOCTL=${SANSOCTL:-$(dirname "$SANSOD")/sansoctl}
SANSOD_BUILT=$SANSOD
UNITS=(sansod.service sansod-early.service)
# verified (1) but not scored (2): a oneshot that needs IP sockets (curl) by design
VERIFY_ONLY=(sanso-m365-refresh.service sanso-m365-refresh.timer)
MAN_PAGES=(doc/man/sansod.8 doc/man/sansoctl.8 doc/man/sanso.conf.5)

# The "OK" band of systemd-analyze security ends at 4.9; a threshold there would let
# SystemCallFilter= or ProtectSystem= go unnoticed. What is left at ~1.2 is the job itself
# (host network, CAP_NET_ADMIN, netlink); 2.0 leaves room for one small slip, not two.
MAX_EXPOSURE=2.0
# Items allowed to stay exposed, with why (anything else exposed fails the test).
ALLOWED_sansod=(
	"PrivateNetwork="			# it filters the host's network namespace
	"CapabilityBoundingSet=~CAP_NET_ADMIN"	# nf_tables and NFQUEUE require it
	"AmbientCapabilities="			# CAP_NET_ADMIN without running as root
	"RestrictAddressFamilies=~AF_NETLINK"	# nf_tables, NFQUEUE
	"RestrictAddressFamilies=~AF_UNIX"	# control socket, sd_notify
	"PrivateUsers="				# CAP_NET_ADMIN must count in the init user namespace
	"SystemCallFilter=~@privileged"		# chown: the control socket's group (@chown)
	"RootDirectory=/RootImage="		# the host's libraries
	"DeviceAllow="				# PrivateDevices= hides /dev/rtc anyway
	"UMask="				# 0027: group sanso may read what the daemon writes
	"ProtectClock="				# adjtimex read-only for R92 (no CAP_SYS_TIME)
	"SystemCallFilter=~@clock"		# the same: adjtimex, clock_adjtime; setters denied
)
ALLOWED_sansod_early=(
	"PrivateNetwork=" "CapabilityBoundingSet=~CAP_NET_ADMIN" "AmbientCapabilities="
	"RestrictAddressFamilies=~AF_NETLINK" "RestrictAddressFamilies=~AF_UNIX" "PrivateUsers="
	"SystemCallFilter=~@privileged" "DeviceAllow="
)

pass=0 fail=0 skipped=()
ok() { echo "ok    $*"; pass=$((pass + 1)); }
bad() { echo "FAIL  $*"; fail=$((fail + 1)); }
# A part that cannot run here: fails under CI=true, else is reported as skipped.
cannot() {
	if [[ ${CI:-} == true ]]; then bad "$*"; else echo "skip  $*"; skipped+=("$*"); fi
}
have() { command -v "$1" >/dev/null 2>&1; }

T=$(mktemp -d "${TMPDIR:-/tmp}/sanso-systemd.XXXXXX") || exit 2
chmod 0755 "$T"
NS=sanso-sdv-$$
DPID=
cleanup()
{
	if [[ -n $DPID ]]; then
		kill "$(sansod_pid)" "$DPID" 2>/dev/null
		wait "$DPID" 2>/dev/null
	fi
	[[ -n ${NPID:-} ]] && kill "$NPID" 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

if [[ ! -x $SANSOD ]]; then
	echo "verify.sh: $SANSOD not built (make)" >&2
	exit 2
fi

# ---- the throw-away root -----------------------------------------------------------------
R=$T/root
stage_root()
{
	local p missing=()

	mkdir -p "$R/etc" "$R/lib/systemd/system" "$R/usr/sbin" "$R/usr/share/sanso" \
		"$R/usr/lib/sysusers.d" "$R/usr/lib/tmpfiles.d" "$R/usr/lib/modules-load.d" \
		"$R/usr/share/man/man5" "$R/usr/share/man/man8" || return 1
	# the units ours refer to: targets, systemd-*.service, nftables.service
	cp -a /lib/systemd/system/. "$R/lib/systemd/system/" || return 1
	install -m 0644 systemd/*.service systemd/*.timer "$R/lib/systemd/system/" &&
	install -m 0755 tools/m365-to-sanso "$R/usr/share/sanso/m365-to-sanso" &&
	install -m 0755 "$SANSOCTL" "$R/usr/sbin/sansoctl" &&
	install -m 0755 "$SANSOD" "$R/usr/sbin/sansod" &&
	install -m 0644 systemd/sanso-baseline.nft "$R/usr/share/sanso/" &&
	install -m 0644 systemd/sysusers.d/sanso.conf "$R/usr/lib/sysusers.d/" &&
	install -m 0644 systemd/tmpfiles.d/sanso.conf "$R/usr/lib/tmpfiles.d/" &&
	install -m 0644 systemd/modules-load.d/sanso.conf "$R/usr/lib/modules-load.d/" || return 1
	for p in "${MAN_PAGES[@]}"; do
		[[ -f $p ]] && install -m 0644 "$p" "$R/usr/share/man/man${p##*.}/"
	done
	# other executables the units name come from this machine, as they would on the gateway
	for p in $(sed -n 's/^Exec[A-Za-z]*=[-@:+!]*\([^ ]*\).*/\1/p' systemd/*.service | sort -u); do
		[[ -e $R$p ]] && continue
		if [[ -x $p ]]; then
			mkdir -p "$R$(dirname "$p")" && cp -L "$p" "$R$p"
		else
			missing+=("$p")
		fi
	done
	if ((${#missing[@]})); then
		echo "verify.sh: not installed on this machine: ${missing[*]}" >&2
		return 1
	fi
}

# ---- 1, 2: systemd-analyze -----------------------------------------------------------------
test_verify()
{
	local u out

	for u in "${UNITS[@]}" "${VERIFY_ONLY[@]}"; do
		out=$(MANPATH=$R/usr/share/man systemd-analyze verify --root="$R" "$u" 2>&1)
		if [[ $? -eq 0 && -z $out ]]; then
			ok "systemd-analyze verify $u"
		else
			bad "systemd-analyze verify $u:"
			printf '        %s\n' "$out"
		fi
	done
}

test_security()
{
	local u score items extra var allowed

	for u in "${UNITS[@]}"; do
		score=$(systemd-analyze security --offline=yes --root="$R" "$u" 2>/dev/null |
			sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
		if [[ -z $score ]]; then
			bad "systemd-analyze security $u: no score"
			continue
		fi
		if awk -v s="$score" -v m="$MAX_EXPOSURE" 'BEGIN { exit !(s <= m) }'; then
			ok "systemd-analyze security $u: exposure $score (at most $MAX_EXPOSURE)"
		else
			bad "systemd-analyze security $u: exposure $score, above $MAX_EXPOSURE"
		fi
		var=ALLOWED_${u%.service}
		var=${var//-/_}[@]
		allowed=$(printf '%s\n' "${!var}")
		items=$(systemd-analyze security --offline=yes --root="$R" --json=short "$u" 2>/dev/null |
			python3 -c 'import json, sys
for i in json.load(sys.stdin):
    if i.get("exposure") not in (None, "0.0"):
        print(i["name"])')
		extra=$(comm -23 <(sort <<<"$items") <(sort <<<"$allowed"))
		if [[ -z $extra ]]; then
			ok "systemd-analyze security $u: exposed only where the job needs it"
		else
			bad "systemd-analyze security $u: newly exposed: $(echo $extra)"
		fi
	done
}

# ---- 3: which policy the early unit applies ------------------------------------------------
# The ExecStart= shell line of the unit, as systemd passes it to sh ($$ -> $), with the
# paths moved under $T and sansod replaced by a stub that prints its arguments.
early_script()
{
	local dir=$1 bin=$2

	sed -n "s|^ExecStart=/bin/sh -c '\(.*\)'\$|\1|p" systemd/sansod-early.service |
		sed -e 's/\$\$/$/g' -e "s|/var/lib/sanso|$dir/state|g" -e "s|/etc/sanso|$dir/etc|g" \
		    -e "s|/usr/sbin/sansod|$bin|g"
}

test_early_choice()
{
	local d=$T/choice script out

	mkdir -p "$d/state" "$d/etc"
	printf '#!/bin/sh\necho "$*"\n' >"$d/stub" && chmod +x "$d/stub"
	script=$(early_script "$d" "$d/stub")
	if [[ -z $script ]]; then
		bad "sansod-early.service: no ExecStart=/bin/sh -c '...' line"
		return
	fi
	out=$(sh -c "$script")
	[[ $out == "--once --state-dir $d/state -f $d/etc/sanso.conf" ]] &&
		ok "sansod-early: no last good policy yet: applies /etc/sanso/sanso.conf" ||
		bad "sansod-early without last-good.conf ran: sansod $out"
	: >"$d/state/last-good.conf"
	out=$(sh -c "$script")
	[[ $out == "--once --state-dir $d/state -f $d/state/last-good.conf" ]] &&
		ok "sansod-early: applies /var/lib/sanso/last-good.conf when there is one" ||
		bad "sansod-early with last-good.conf ran: sansod $out"
}

# ---- 4: sysusers.d, tmpfiles.d ---------------------------------------------------------------
id_of() { awk -F: -v n="$2" '$1 == n { print $3 }' "$R/etc/$1"; }

# Does the ACL (xattr name) of a path give group gid read access?
acl_has_group_read()
{
	python3 - "$1" "$2" "$3" <<'EOF'
import os, struct, sys
path, name, gid = sys.argv[1], sys.argv[2], int(sys.argv[3])
try:
    raw = os.getxattr(path, name)
except OSError:
    sys.exit(1)
for off in range(4, len(raw), 8):
    tag, perm, ident = struct.unpack_from("<HHI", raw, off)
    if tag == 0x08 and ident == gid and perm & 4:
        sys.exit(0)
sys.exit(1)
EOF
}

test_users_files()
{
	local uid gid adm aud out

	if [[ $EUID -ne 0 ]]; then
		cannot "sysusers.d, tmpfiles.d: need root (chown in the throw-away root)"
		return
	fi
	out=$(systemd-sysusers --root="$R" 2>&1) || { bad "systemd-sysusers: $out"; return; }
	uid=$(id_of passwd sanso) gid=$(id_of group sanso)
	adm=$(id_of group sanso-admin) aud=$(id_of group sanso-audit)
	for role in ciso operator contractor; do	# the other roles' groups (sansoctl(8) ROLES)
		[[ -n $(id_of group "sanso-$role") ]] || aud=
	done
	if [[ -n $uid && $uid -lt 1000 && -n $gid && -n $adm && -n $aud ]] &&
	   grep -q '^sanso:[^:]*:[0-9]*:[0-9]*:[^:]*:[^:]*:/usr/sbin/nologin$' "$R/etc/passwd"; then
		ok "sysusers.d: system user sanso (no login), the five role groups sanso-*"
	else
		bad "sysusers.d: users/groups not as expected"
		return
	fi
	# a policy left world-readable, as an installer might
	mkdir -p "$R/etc/sanso" && : >"$R/etc/sanso/sanso.conf" && chmod 0666 "$R/etc/sanso/sanso.conf"
	# The ACL names a group: resolve names from the throw-away root, in a private mount
	# namespace so that this machine's /etc is untouched.
	out=$(unshare -m sh -c 'mount --bind "$1/etc/passwd" /etc/passwd &&
		mount --bind "$1/etc/group" /etc/group && systemd-tmpfiles --create --root="$1"' \
		sh "$R" 2>&1)
	[[ -z $out ]] && ok "tmpfiles.d: applied without a message" || bad "tmpfiles.d: $out"
	[[ $(stat -c '%a %u %g' "$R/etc/sanso") == "750 0 $gid" ]] &&
		ok "tmpfiles.d: /etc/sanso is root:sanso 0750" ||
		bad "tmpfiles.d: /etc/sanso is $(stat -c '%a %u %g' "$R/etc/sanso")"
	[[ $(stat -c '%a %u %g' "$R/etc/sanso/sanso.conf") == "640 0 $gid" ]] &&
		ok "tmpfiles.d: sanso.conf is root:sanso 0640 (not world-readable, R110)" ||
		bad "tmpfiles.d: sanso.conf is $(stat -c '%a %u %g' "$R/etc/sanso/sanso.conf")"
	if acl_has_group_read "$R/var/log/sanso" system.posix_acl_access "$aud" &&
	   acl_has_group_read "$R/var/log/sanso" system.posix_acl_default "$aud"; then
		ok "tmpfiles.d: sanso-audit may read /var/log/sanso and what is created in it"
	else
		bad "tmpfiles.d: no ACL for sanso-audit on /var/log/sanso"
	fi
}

# ---- 5: the units' commands, on the real kernel, in a throw-away namespace ----------------
# As the units run them: uid 65534 stands in for sanso, with CAP_NET_ADMIN only.
AS_UNIT=(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all,+net_admin
	 --ambient-caps=-all,+net_admin --bounding-set=-all,+net_admin)
TRACE=()
# unit_run NAME COMMAND...: in the namespace, as the unit, under strace -o $T/trace.NAME if any.
unit_run()
{
	local name=$1

	shift
	if ((${#TRACE[@]})); then
		ip netns exec "$NS" "${TRACE[@]}" -o "$T/trace.$name" "${AS_UNIT[@]}" "$@"
	else
		ip netns exec "$NS" "${AS_UNIT[@]}" "$@"
	fi
}
# The daemon's pid: the sansod process below $DPID (a subshell; strace may sit in between).
sansod_pid()
{
	local p q

	for p in $(pgrep -x sansod); do
		for ((q = p; q > 1; q = $(ps -o ppid= -p "$q" || echo 0))); do
			[[ $q -eq $DPID ]] && { echo "$p"; return 0; }
		done
	done
	return 1
}

wait_msg()
{
	local i

	for ((i = 0; i < 100; i++)); do
		grep -qx "$1" "$T/notify.log" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# The datagrams sent to $NOTIFY_SOCKET, one message a line.
notify_listener()
{
	local i

	python3 - "$T/notify.sock" "$T/notify.log" <<'EOF' &
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
os.chmod(sys.argv[1], 0o666)
with open(sys.argv[2], "a", buffering=1) as log:
    while True:
        for m in s.recv(4096).decode().split("\n"):
            if m:
                log.write(m + "\n")
EOF
	NPID=$!
	for ((i = 0; i < 50; i++)); do [[ -S $T/notify.sock ]] && return 0; sleep 0.1; done
	return 1
}

test_kernel()
{
	local script pol=$T/policy.conf run=$T/run persist code
	# copies the unit's uid can reach, whatever the checkout's directory allows
	local SANSOD=$T/sansod baseline=$T/sanso-baseline.nft

	if [[ $EUID -ne 0 ]] || ! have ip || ! have nft || ! have setpriv; then
		cannot "kernel tests: need root, ip, nft, setpriv"
		return
	fi
	if have strace; then
		TRACE=(strace -f -qq)
	else
		cannot "system call check: strace not installed (Debian package strace)"
	fi
	install -m 0755 "${SANSOD_BUILT}" "$SANSOD" &&
		install -m 0644 systemd/sanso-baseline.nft "$baseline" || { bad "copies into $T"; return; }
	ip netns add "$NS" || { bad "ip netns add $NS"; return; }
	install -m 0644 conf/three-tier.conf "$pol"
	install -d -o 65534 -g 65534 "$run" "$T/state"

	# sansod-early.service: ExecStartPre=, then ExecStart=
	if unit_run baseline nft -f "$baseline" &&
	   [[ $(ip netns exec "$NS" nft list chain inet sanso forward) == *"policy drop"* ]]; then
		ok "baseline: loads as uid 65534 with CAP_NET_ADMIN only; forward drops"
	else
		bad "baseline: nft -f $baseline"
	fi
	install -m 0644 "$pol" "$T/state/last-good.conf"
	script=$(early_script "$T" "$SANSOD")
	if unit_run once sh -c "$script" 2>"$T/once.err" &&
	   ip netns exec "$NS" nft list chain inet sanso prerouting >/dev/null 2>&1 &&
	   ip netns exec "$NS" "${AS_UNIT[@]}" "$SANSOD" --verify -f "$pol" >/dev/null 2>&1; then
		ok "sansod-early: its command replaces the baseline with the policy (verify: in sync)"
	else
		bad "sansod-early: the command failed: $(cat "$T/once.err")"
	fi
	persist=$(ip netns exec "$NS" "${AS_UNIT[@]}" "$SANSOD" --once --stats -f "$pol" 2>&1 |
		  grep -c 'table flag persist yes')

	# sansod.service: Type=notify, WatchdogSec=, ExecReload= (SIGHUP), stop (SIGTERM)
	notify_listener || { bad "sd_notify listener"; return; }
	NOTIFY_SOCKET=$T/notify.sock WATCHDOG_USEC=2000000 \
		unit_run daemon "$SANSOD" -f "$pol" --state-dir "$T/state" --control "$run/control" \
		>"$T/daemon.log" 2>&1 &
	DPID=$!
	wait_msg READY=1 && ok "sansod: READY=1 after the first apply" ||
		bad "sansod: no READY=1: $(cat "$T/daemon.log")"
	wait_msg WATCHDOG=1 && ok "sansod: WATCHDOG=1 with WATCHDOG_USEC set" ||
		bad "sansod: no WATCHDOG=1"
	if ((persist)); then
		ip netns exec "$NS" nft -f "$baseline" 2>/dev/null &&
			bad "baseline: accepted into the table of a running sansod" ||
			ok "baseline: a running sansod's table (flag owner) refuses it"
	fi
	: >"$T/notify.log"
	kill -HUP "$(sansod_pid)"
	if wait_msg RELOADING=1 && sleep 1 && wait_msg READY=1 &&
	   (($(grep -m1 -n '^RELOADING=1$' "$T/notify.log" | cut -d: -f1) <
	     $(grep -n '^READY=1$' "$T/notify.log" | tail -1 | cut -d: -f1))); then
		ok "sansod: SIGHUP: RELOADING=1, then READY=1"
	else
		bad "sansod: SIGHUP: $(tr '\n' ' ' <"$T/notify.log")"
	fi
	kill -TERM "$(sansod_pid)"
	wait "$DPID"
	code=$?
	DPID=
	grep -qx STOPPING=1 "$T/notify.log" && ((code == 0)) &&
		ok "sansod: SIGTERM: STOPPING=1, exit 0" || bad "sansod: SIGTERM: exit $code"
	ip netns exec "$NS" "${AS_UNIT[@]}" "$SANSOD" --verify -f "$pol" >/dev/null 2>&1 &&
		ok "sansod: the table outlives the daemon (fail closed, not open)" ||
		bad "sansod: table inet sanso gone or changed after the daemon stopped"
	((${#TRACE[@]})) && test_syscalls
}

# Every system call made after the execve of the unit's program (the second execve of the
# traced process: the first is setpriv's) must pass the units' SystemCallFilter= lines.
test_syscalls()
{
	local calls

	calls=$(python3 - systemd/sansod.service systemd/sansod-early.service "$T"/trace.* <<'EOF'
import re, subprocess, sys
out = subprocess.run(["systemd-analyze", "syscall-filter", "--no-pager"],
                     capture_output=True, text=True).stdout
groups, cur = {}, None
for line in out.splitlines():
    if line.startswith("@"):
        cur = line.split()[0]
        groups[cur] = []
    elif cur and line.strip() and not line.strip().startswith("#"):
        groups[cur].append(line.strip())
def expand(g, seen):
    res = set()
    for x in groups.get(g, []):
        if not x.startswith("@"):
            res.add(x)
        elif x not in seen:
            seen.add(x)
            res |= expand(x, seen)
    return res
def names(words):
    res = set()
    for w in words:
        res |= expand(w, set()) if w.startswith("@") else {w}
    return res
def allowed(unit):
    allow = None
    for line in open(unit):
        if not line.startswith("SystemCallFilter="):
            continue
        v = line.split("=", 1)[1].split()
        if v and v[0].startswith("~"):
            allow = (expand("@known", set()) if allow is None else allow) - \
                names([v[0][1:]] + v[1:])
        else:
            allow = (allow or set()) | names(v)
    return allow
units = [a for a in sys.argv[1:] if a.endswith(".service")]
allow = set.intersection(*[allowed(u) for u in units])
used = {}
for path in [a for a in sys.argv[1:] if a not in units]:
    execs, live = 0, False
    for line in open(path):
        m = re.match(r"\d+ +([a-z0-9_]+)\(", line)
        if not m:
            continue
        if not live:
            if m.group(1) == "execve" and line.rstrip().endswith("= 0"):
                execs += 1
                live = execs == 2
            continue
        used.setdefault(m.group(1), path.rsplit(".", 1)[-1])
if len(used) < 20:
    print("(trace too short: %s)" % " ".join(sorted(used)))
# the daemon runs only under sansod.service (sansod-early runs --once): its own filter
daemon_allow = [allowed(u) for u in units if u.endswith("/sansod.service")]
for call in sorted(set(used)):
    ok = allow if used[call] != "daemon" or not daemon_allow else daemon_allow[0]
    if call not in ok:
        print("%s(%s)" % (call, used[call]))
EOF
)
	[[ -z $calls ]] &&
		ok "system calls of nft, sh, sansod --once and sansod: all allowed by the units" ||
		bad "system calls outside SystemCallFilter=: $(echo $calls)"
}

# ---- 6: man pages ----------------------------------------------------------------------------
render() { groff -k -man -Tutf8 -rLL=300n -rHY=0 -P -cbou "$1" 2>/dev/null |
	   sed -e 's/\xe2\x88\x92/-/g' -e 's/\xe2\x80\x90/-/g'; }

test_man()
{
	local p out o k missing

	if ! have groff || ! have man; then
		cannot "man pages: groff or man missing (Debian packages groff-base, man-db)"
		return
	fi
	for p in "${MAN_PAGES[@]}"; do
		[[ -f $p ]] || { bad "$p: missing"; continue; }
		out=$(LC_ALL=C.UTF-8 MANROFFSEQ='' groff -k -man -ww -z -Tutf8 "$p" 2>&1)
		[[ -z $out ]] && ok "groff -man -ww: $p renders with no warning" ||
			{ bad "groff -man -ww $p:"; printf '        %s\n' "$out"; }
		out=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings=w -l "$p" 2>&1 >/dev/null)
		[[ -z $out ]] && ok "man -l: $p renders with no warning" ||
			{ bad "man -l $p:"; printf '        %s\n' "$out"; }
	done
	# every option of sansod --help is in sansod.8
	missing=()
	out=$(render doc/man/sansod.8)
	for o in $("$SANSOD" --help | grep -oE '(^|[ [])--?[a-z][a-z-]*' | tr -d ' [' | sort -u); do
		grep -qF -e "$o" <<<"$out" || missing+=("$o")
	done
	((${#missing[@]} == 0)) && ok "sansod.8: documents every option of sansod --help" ||
		bad "sansod.8: undocumented: ${missing[*]}"
	# every command of sansoctl --help is in sansoctl.8 ("breakout-revoke" or "breakout revoke")
	if [[ -x $SANSOCTL ]]; then
		missing=()
		out=$(render doc/man/sansoctl.8)
		for o in $("$SANSOCTL" --help | sed -n 's/^  \([a-z][a-z-]*\) .*/\1/p'); do
			grep -qF -e "$o" <<<"$out" || grep -qF -e "${o/-/ }" <<<"$out" ||
				missing+=("$o")
		done
		((${#missing[@]} == 0)) &&
			ok "sansoctl.8: documents every command of sansoctl --help" ||
			bad "sansoctl.8: undocumented: ${missing[*]}"
	else
		cannot "sansoctl.8 against sansoctl --help: $SANSOCTL not built"
	fi
	# every key and section of conf/REFERENCE.md is in sanso.conf.5
	missing=()
	out=$(render doc/man/sanso.conf.5)
	for k in $(sed -n 's/^| *\(`[^|]*`\) *|.*/\1/p; s/^### [0-9.]* `\([a-z_]*\)`.*/`\1`/p' \
		   conf/REFERENCE.md | grep -oE '`[a-z_]+`' | tr -d '`' | sort -u); do
		grep -qw -e "$k" <<<"$out" || missing+=("$k")
	done
	((${#missing[@]} == 0)) &&
		ok "sanso.conf.5: documents every key and section of conf/REFERENCE.md" ||
		bad "sanso.conf.5: not documented (from conf/REFERENCE.md): ${missing[*]}"
}

# ---- 7: the generator's drop-in (sansod --unit-dropin): the network of the policy only -----
test_generator()
{
	local g=$T/gen d=$T/gen/sansod.service.d/50-sanso-network.conf out
	local gen=systemd/sanso-generator

	rm -rf "$g" && mkdir -p "$g"
	SANSOD=$SANSOD SANSO_CONF=conf/three-tier.conf sh "$gen" "$g"
	if [[ -f $d ]] && grep -q '^\[Service\]$' "$d" && ! grep -q '^IPAddressAllow\|^RestrictAddressFamilies' "$d"; then
		ok "generator: no collector, no HA pair: a drop-in that opens nothing"
	else
		bad "generator: three-tier.conf: $(cat "$d" 2>&1)"
	fi
	cp conf/ha-three-tier.conf "$T/net.conf"
	printf 'alerts: { syslog = ["udp://10.20.0.60:514", "tcp://[2001:db8::60]:6514"]; };\n' >>"$T/net.conf"
	SANSOD=$SANSOD SANSO_CONF=$T/net.conf sh "$gen" "$g"
	if grep -qx 'IPAddressAllow=10.20.0.60 2001:db8::60 10.255.0.1 10.255.0.2' "$d" &&
	   grep -qx 'RestrictAddressFamilies=AF_UNIX AF_NETLINK AF_INET AF_INET6' "$d"; then
		ok "generator: exactly the collectors and the HA nodes, their families"
	else
		bad "generator: collectors and HA: $(cat "$d")"
	fi
	if [[ -d $R/etc ]] && have systemd-analyze; then
		mkdir -p "$R/etc/systemd/system/sansod.service.d"
		cp "$d" "$R/etc/systemd/system/sansod.service.d/"
		out=$(MANPATH=$R/usr/share/man systemd-analyze verify --root="$R" sansod.service 2>&1)
		[[ $? -eq 0 && -z $out ]] && ok "systemd-analyze verify sansod.service with the drop-in" ||
			bad "systemd-analyze verify sansod.service with the drop-in: $out"
		out=$(systemd-analyze security --offline=yes --root="$R" sansod.service 2>/dev/null |
			sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
		awk -v s="${out:-99}" -v m="$MAX_EXPOSURE" 'BEGIN { exit !(s <= m) }' &&
			ok "systemd-analyze security with the drop-in: exposure $out (at most $MAX_EXPOSURE)" ||
			bad "systemd-analyze security with the drop-in: exposure ${out:-none}"
		rm -rf "$R/etc/systemd/system/sansod.service.d"
	fi
	printf 'policy: { organisation = "x"; };\n' >"$T/bad.conf"
	rm -f "$d"
	if SANSOD=$SANSOD SANSO_CONF=$T/bad.conf sh "$gen" "$g" && [[ ! -e $d ]] &&
	   [[ -z $(ls -A "$g/sansod.service.d") ]]; then
		ok "generator: a policy it cannot read: no drop-in (the unit stays closed), exit 0"
	else
		bad "generator: a bad policy left $(ls -A "$g/sansod.service.d")"
	fi
}

# ---------------------------------------------------------------------------------------------
if ! have systemd-analyze; then
	cannot "systemd-analyze missing (Debian package systemd)"
elif stage_root; then
	test_verify
	test_security
else
	bad "install into a throw-away root"
fi
test_early_choice
test_generator
[[ -d $R/etc ]] && test_users_files
test_kernel
test_man

((${#skipped[@]})) && echo "skipped: ${#skipped[@]}"
echo "$pass passed, $fail failed"
((fail == 0))
