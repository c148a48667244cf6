#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# shellcheck disable=SC2015,SC2181 # ok and ko never fail; sansod output is read after its status
# make check-examples: the shipped examples load as documented. Every conf/*.conf passes
# `sansod -n` as shipped, and with each of its optional blocks enabled ("# @optional NAME" ...
# "# @end": the leading "# " of each line removed, every block of that NAME at once), and with
# all of them enabled together. env: SANSOD.
# tests/docs/examples.sh --enable FILE NAME prints FILE with the blocks NAME enabled.
set -u
cd "$(dirname "$0")/../.." || exit 1
SANSOD=${SANSOD:-build/sansod}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { echo "PASS $*"; pass=$((pass + 1)); }
ko() { echo "FAIL $*"; fail=$((fail + 1)); }

# enable FILE NAME|"*" > OUT: uncomment the blocks of NAME (all blocks for "*").
enable() {
	awk -v want="$2" '
	/^[ \t]*# @optional / { n = $3; on = (want == "*" || want == n); inb = 1; print; next }
	/^[ \t]*# @end/       { inb = 0; on = 0; print; next }
	inb && on             { if (!sub(/# /, "")) sub(/#/, ""); print; next }
	{ print }
	END { if (inb) { print "unterminated @optional block" > "/dev/stderr"; exit 1 } }' "$1"
}

# run FILE WHAT: sansod -n must accept it.
run() {
	local out
	out=$("$SANSOD" -n -f "$1" 2>&1)
	if [ $? -eq 0 ] && grep -q "configuration OK\|設定は正常" <<<"$out"; then
		ok "$2"
	else
		ko "$2: $(head -5 <<<"$out")"
	fi
}

if [ "${1:-}" = --enable ]; then	# --enable FILE NAME: print FILE with the blocks NAME on
	enable "$2" "$3"
	exit
fi

blocks=0
for f in conf/*.conf; do
	run "$f" "$f as shipped"
	names=$(sed -n 's/^[ \t]*# @optional \([^ ]*\).*/\1/p' "$f" | sort -u)
	for n in $names; do
		blocks=$((blocks + 1))
		out="$tmp/$(basename "$f" .conf)-$n.conf"
		if ! enable "$f" "$n" >"$out"; then ko "$f: block $n"; continue; fi
		# the block really changed the policy (it is not all comments)
		if cmp -s <("$SANSOD" -n -v -f "$f" 2>&1 | grep -v '^#\|/tmp\|conf/') \
			  <("$SANSOD" -n -v -f "$out" 2>&1 | grep -v '^#\|/tmp\|conf/'); then
			ko "$f: block $n changes nothing in sansod -n -v"
		fi
		run "$out" "$f with block $n enabled"
	done
	if [ -n "$names" ]; then
		enable "$f" "*" >"$tmp/all.conf" && run "$tmp/all.conf" "$f with every optional block"
	fi
done
# The issue's example: lgwan-internet.conf's breakout block must be among them.
[ "$blocks" -ge 2 ] && grep -q '# @optional breakout' conf/lgwan-internet.conf &&
	ok "optional blocks found ($blocks)" || ko "optional blocks found ($blocks)"
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
