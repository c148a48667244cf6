#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# t_runbook.sh: every command of the Japanese operations guide doc/運用手順書.md is run, in
# order, against a real sansod in the lab's gateway namespace, so the guide stays true.
#
# The guide's command blocks are ```sh fences; in them a line is a command ("$ " as the first
# administrator, root here; "suzuki$ " as a second administrator: another uid whose primary
# group is sanso-admin, with sanso-audit), a continuation of the line before (after a "\"),
# a "#" comment, or empty. The test fails when a command fails (exit status not 0), when a
# sh block holds anything else or no command at all, or when a fence of another language holds
# a "$ " line (a command the test would not run).
#
# What the test changes, and only this (the guide says so too):
#  - paths: /etc/sanso, /var/lib/sanso, /var/log/sanso, /run/sanso, /usr/share/sanso,
#    /usr/sbin, /lib/systemd/system and /var/backups are moved under $TMP/root;
#    `make install` gets DESTDIR=$TMP/root, systemd-sysusers and systemd-tmpfiles --root=;
#  - systemctl and journalctl are shell functions: start/stop/restart/reload/status/enable
#    of sansod.service and sansod-early.service run the installed units' own ExecStartPre=,
#    ExecStart= and ExecReload= lines (paths moved as above; sansod's control socket is the
#    moved /run/sanso/control) in the gateway namespace, as root; journalctl prints sansod's
#    output;
#  - "<変更ID>" is the change id printed by the last `sansoctl propose`.
# The groups sanso-admin and sanso-audit are created on this machine if missing (and deleted
# afterwards): sansod looks them up by name for its roles.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

require sansod
for tool in setpriv systemd-sysusers systemd-tmpfiles tar sha256sum python3 groupadd; do
	command -v "$tool" >/dev/null || cannot_run "$tool not installed"
done
RUNBOOK=${RUNBOOK:-$SANSO_ROOT/doc/運用手順書.md}
ROOT=$TMP/root
mkdir -p "$ROOT/etc"	# a real system has /etc (systemd-sysusers takes its lock there)
chmod 0711 "$TMP"
chmod 0755 "$ROOT"
lab_up

created=()
for g in sanso-admin sanso-audit; do
	if ! getent group "$g" >/dev/null; then
		groupadd -r "$g" && created+=("$g")
	fi
done
admin_gid=$(getent group sanso-admin | cut -d: -f3)
audit_gid=$(getent group sanso-audit | cut -d: -f3)

# ---- the guide's commands -------------------------------------------------------------
# One record per command: "BLOCK<TAB>LINE<TAB>USER<TAB>COMMAND", NUL-terminated; problems of
# the guide's form go to $TMP/form.err.
python3 - "$RUNBOOK" >"$TMP/cmds" 2>"$TMP/form.err" <<'PY' || true	# judged below
import re, sys
lines = open(sys.argv[1], encoding="utf-8").read().split("\n")
block, lang, n_cmds, cont, bad = 0, None, 0, None, 0
def err(i, msg):
    global bad
    bad += 1
    print("line %d: %s" % (i + 1, msg), file=sys.stderr)
for i, l in enumerate(lines):
    m = re.match(r"^```(\S*)\s*$", l)
    if m and lang is None:
        lang, n_cmds, start = m.group(1), 0, i
        if lang == "sh":
            block += 1
        continue
    if m and lang is not None:
        if lang == "sh" and n_cmds == 0:
            err(start, "a sh block without a command")
        if cont is not None:
            err(i, "the last command ends with a continuation")
        lang, cont = None, None
        continue
    if lang is None:
        continue
    if lang != "sh":
        if re.match(r"^(\w+)?\$ ", l):
            err(i, "a command in a ```%s block (only ```sh blocks are run): %s" % (lang, l))
        continue
    if cont is not None:
        cont[3] += "\n" + l
        if not l.endswith("\\"):
            sys.stdout.write("\t".join(map(str, cont)) + "\0")
            cont = None
        continue
    m = re.match(r"^(suzuki)?\$ (.+)$", l)
    if m:
        n_cmds += 1
        rec = [block, i + 1, m.group(1) or "admin", m.group(2)]
        if l.endswith("\\"):
            cont = rec
        else:
            sys.stdout.write("\t".join(map(str, rec)) + "\0")
    elif l.strip() and not l.startswith("#"):
        err(i, "neither a command, a continuation nor a comment: %s" % l)
sys.exit(1 if bad else 0)
PY
check "the guide's command blocks are all runnable (form)" test ! -s "$TMP/form.err"
sed 's/^/    /' "$TMP/form.err"

# ---- the stand-ins (sourced by every command) -------------------------------------------
cat >"$TMP/emul.sh" <<EOF
ROOT=$ROOT
LOGF=$TMP/sansod.out
PIDF=$TMP/sansod.pid
EOF
cat >>"$TMP/emul.sh" <<'EOF'
# rw: move the system paths under $ROOT
rw()
{
	sed -E "s#(^|[^[:alnum:]/._-])(/etc/sanso|/var/lib/sanso|/var/log/sanso|/run/sanso|/usr/share/sanso|/usr/share/doc/sanso|/usr/sbin|/lib/systemd/system|/var/backups)#\1$ROOT\2#g"
}
unit_lines()	# UNIT KEY: the unit's KEY= lines, paths moved, systemd's $$ as $
{
	sed -n "s/^$2=//p" "$ROOT/lib/systemd/system/$1" | rw | sed 's/\$\$/$/g'
}
run_lines()	# UNIT KEY: run them in order; a leading "-" ignores a failure (systemd's rule)
{
	local l ign
	local -a ls
	mapfile -t ls < <(unit_lines "$1" "$2")
	for l in "${ls[@]}"; do
		ign=0
		[[ $l == -* ]] && ign=1 l=${l#-}
		l=${l//\$MAINPID/$(cat "$PIDF" 2>/dev/null)}
		bash -c "$l" || ((ign)) || return 1
	done
}
alive() { [[ -s $PIDF ]] && kill -0 "$(cat "$PIDF")" 2>/dev/null; }
start_unit()
{
	local l before i
	case $1 in
	sansod-early.service)
		run_lines "$1" ExecStartPre && run_lines "$1" ExecStart ;;
	sansod.service)
		alive && return 0
		run_lines "$1" ExecStartPre || return 1
		l=$(unit_lines "$1" ExecStart)
		before=$(grep -c "applied generation" "$LOGF" 2>/dev/null || true)
		setsid bash -c "exec $l --control $SANSO_CONTROL" </dev/null >>"$LOGF" 2>&1 &
		echo $! >"$PIDF"
		for ((i = 0; i < 200; i++)); do
			(($(grep -c "applied generation" "$LOGF" 2>/dev/null || true) > before)) && return 0
			alive || break
			sleep 0.05
		done
		echo "systemctl: $1 did not start" >&2
		tail -5 "$LOGF" >&2
		return 1 ;;
	*) echo "systemctl: no stand-in for unit $1" >&2; return 1 ;;
	esac
}
stop_unit()
{
	local i
	case $1 in
	sansod-early.service) return 0 ;;
	sansod.service)
		alive || return 0
		kill -TERM "$(cat "$PIDF")"
		for ((i = 0; i < 100; i++)); do alive || return 0; sleep 0.05; done
		return 1 ;;
	*) return 1 ;;
	esac
}
systemctl()
{
	local verb=$1 u now=0
	shift
	[[ $verb == enable && ${1:-} == --now ]] && now=1 && shift
	for u in "$@"; do
		case $verb in
		enable) ((now)) && { start_unit "$u" || return 1; } ;;
		start) start_unit "$u" || return 1 ;;
		stop) stop_unit "$u" || return 1 ;;
		restart) { stop_unit "$u" && start_unit "$u"; } || return 1 ;;
		reload) run_lines "$u" ExecReload || return 1 ;;
		status)
			if [[ $u == sansod.service ]] && alive; then
				echo "● $u - active (running), main pid $(cat "$PIDF")"
			else
				echo "● $u - inactive"; return 3
			fi ;;
		*) echo "systemctl: no stand-in for '$verb'" >&2; return 1 ;;
		esac
	done
}
journalctl() { cat "$LOGF"; }
EOF
chmod 0644 "$TMP/emul.sh"

# rw_cmd COMMAND: the command with the moves above applied.
rw_cmd()
{
	local c
	c=$(bash -c ". '$TMP/emul.sh'; rw" <<<"$1")
	c=${c/#make install/make install DESTDIR=$ROOT}
	c=${c/#systemd-sysusers/systemd-sysusers --root=$ROOT}
	c=${c/#systemd-tmpfiles --create/systemd-tmpfiles --root=$ROOT --create}
	c=${c//<変更ID>/$(cat "$TMP/change_id" 2>/dev/null)}
	printf '%s' "$c"
}

# run USER COMMAND: in the gateway namespace, from the top of the tree.
run()
{
	local user=$1 cmd
	local -a as=()
	cmd=$(rw_cmd "$2")
	[[ $user == suzuki ]] && as=(setpriv --reuid=4243 --regid="$admin_gid" --groups="$audit_gid")
	ip netns exec "$LAB-gw" env PATH="$ROOT/usr/sbin:$PATH" SANSO_CONTROL="$ROOT/run/sanso/control" \
		LANG=C.UTF-8 "${as[@]}" bash -c ". '$TMP/emul.sh'; cd '$SANSO_ROOT' || exit 1; $cmd"
}

n_cmds=0
declare -A blocks_seen=()
while IFS=$'\t' read -r -d '' block line user cmd; do
	n_cmds=$((n_cmds + 1))
	blocks_seen[$block]=1
	rc=0
	run "$user" "$cmd" >"$TMP/out" 2>&1 || rc=$?
	if [[ $cmd == *"sansoctl propose"* ]]; then
		sed -n 's/^proposed \([0-9a-f]*\);.*/\1/p' "$TMP/out" >"$TMP/change_id"
	fi
	short=${cmd%%$'\n'*}
	who=
	[[ $user == suzuki ]] && who=suzuki
	if ((rc == 0)); then
		pass "block $block, line $line: $who\$ ${short:0:90}"
	else
		fail "block $block, line $line: $who\$ ${short:0:90} (exit $rc)"
		sed 's/^/    /' "$TMP/out" | tail -15
	fi
done <"$TMP/cmds"
n_blocks=$(grep -c '^```sh' "$RUNBOOK")
check "every sh block of the guide was run (${#blocks_seen[@]} of $n_blocks, $n_cmds commands)" \
	test "${#blocks_seen[@]}" -eq "$n_blocks" -a "$n_cmds" -ge 40

# The guide's effects, seen from outside: the change was approved by the second admin, the
# isolation and the revocation were recorded, and the approved policy is the kernel's.
AUD=$ROOT/var/log/sanso/audit.jsonl
check "audit trail: the change approved by uid 4243" \
	grep -qE '"event":"change.approve".*4243|4243.*"event":"change.approve"' "$AUD"
check "audit trail: isolation on and off" \
	bash -c "grep -q '\"event\":\"isolation.on\"' '$AUD' && grep -q '\"event\":\"isolation.off\"' '$AUD'"
check "the approved policy (port 8444) is in the kernel" \
	bash -c "ip netns exec '$LAB-gw' nft list table inet sanso 2>/dev/null | grep -q 8444"

ip netns exec "$LAB-gw" bash -c ". '$TMP/emul.sh'; stop_unit sansod.service" || true
for g in "${created[@]}"; do
	groupdel "$g" || true
done
finish
