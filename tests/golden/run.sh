#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Golden tests: for every shipped policy (conf/*.conf, rules/*.conf) the normalized policy with
# its reachability matrix (sansod -n -v; the file:line of each cell entry is left out when the
# normalized output is parsed again) and the compiled ruleset (--print-nft) must equal the
# files in tests/golden/; the normalized output must parse again to the same text; every
# policy in tests/golden/bad/ must be refused with exactly the diagnostics in its .err file.
# The netlink bytes of the batch sansod commits (nlb_build, written by tests/golden/nlbatch_dump:
# one message a line, its type first) must equal tests/golden/*.nlbatch for the policies in
# NLB_CONFS.
# --update rewrites the golden files (review the diff before committing).
set -uo pipefail
cd "$(dirname "$0")/../.."
SANSOD=${SANSOD:-build/sansod}
NOW=${NOW:-1790000000}
NLBDUMP=${NLBDUMP:-build/tests/golden/nlbatch_dump}
NLB_CONFS=${NLB_CONFS:-conf/three-tier.conf}
# the same text on every machine: exception expiries are printed in local time (JST here), the
# -n -v matrix in English (the Japanese diagnostics below set LANG themselves)
export TZ=JST-9
unset LC_ALL LC_MESSAGES
export LANG=C
# the Public Suffix List of the golden tests (exact diagnostics, whatever the machine's copy)
export SANSO_PSL=${SANSO_PSL:-tests/golden/psl.dat}
update=0
[ "${1:-}" = --update ] && update=1
pass=0
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ok() { pass=$((pass + 1)); echo "PASS $1"; }
ko() { fail=$((fail + 1)); echo "FAIL $1"; }

same() {	# name golden-file produced-file
	if [ "$update" = 1 ]; then
		cp "$3" "$2"
		ok "$1 (updated)"
	elif diff -u "$2" "$3" >"$tmp/diff" 2>&1; then
		ok "$1"
	else
		ko "$1"
		head -40 "$tmp/diff" | cut -c1-300	# a netlink message is one long line
	fi
}

for f in conf/*.conf rules/*.conf; do
	[ -e "$f" ] || continue
	b=$(basename "$f" .conf)
	g=tests/golden/$b
	if ! "$SANSOD" -n -v --now "$NOW" -f "$f" >"$tmp/$b.ok" 2>"$tmp/$b.log"; then
		ko "$f: sansod -n refused it"
		cat "$tmp/$b.log"
		continue
	fi
	same "$f: -n -v" "$g.ok" "$tmp/$b.ok"
	"$SANSOD" --print-nft --now "$NOW" -f "$f" >"$tmp/$b.nft" 2>/dev/null
	same "$f: --print-nft" "$g.nft" "$tmp/$b.nft"
	cp "$tmp/$b.ok" "$tmp/$b.again.conf"
	if "$SANSOD" -n -v --now "$NOW" -f "$tmp/$b.again.conf" >"$tmp/$b.again" 2>/dev/null &&
	   diff <(grep -v '^# model:.*source:' "$tmp/$b.ok" | sed -E 's/ \[[^]]*:[0-9]+\]$//') \
		<(grep -v '^# model:.*source:' "$tmp/$b.again" | sed -E 's/ \[[^]]*:[0-9]+\]$//') \
		>/dev/null; then
		ok "$f: normalized output parses to itself"
	else
		ko "$f: normalized output does not parse to itself"
	fi
done

for f in $NLB_CONFS; do
	b=$(basename "$f" .conf)
	if [ ! -x "$NLBDUMP" ]; then
		ko "$f: netlink batch: $NLBDUMP is not built (make golden)"
	elif "$NLBDUMP" "$f" "$NOW" >"$tmp/$b.nlbatch" 2>"$tmp/$b.log"; then
		same "$f: netlink batch bytes" "tests/golden/$b.nlbatch" "$tmp/$b.nlbatch"
	else
		ko "$f: netlink batch: $NLBDUMP failed"
		cat "$tmp/$b.log"
	fi
done

for f in tests/golden/bad/*.conf; do
	[ -e "$f" ] || continue
	b=${f%.conf}
	LANG=C "$SANSOD" -n --now "$NOW" -f "$f" >/dev/null 2>"$tmp/err"
	rc=$?
	if [ "$rc" != 1 ]; then
		ko "$f: exit $rc, want 1"
		continue
	fi
	same "$f: refused with its diagnostics" "$b.err" "$tmp/err"
	# Japanese diagnostics too, where a .ja.err is given
	[ -e "$b.ja.err" ] || continue
	LANG=ja_JP.UTF-8 "$SANSOD" -n --now "$NOW" -f "$f" >/dev/null 2>"$tmp/err.ja"
	same "$f: refused with its Japanese diagnostics" "$b.ja.err" "$tmp/err.ja"
done

# a missing or unreadable policy file is a policy error (1), not a kernel error (3)
LANG=C "$SANSOD" -n --now "$NOW" -f "$tmp/no-such.conf" >/dev/null 2>"$tmp/err"
rc=$?
if [ "$rc" = 1 ] && grep -q "no-such.conf: error: cannot read: No such file" "$tmp/err"; then
	ok "missing policy file: exit 1"
else
	ko "missing policy file: exit $rc, want 1"
	cat "$tmp/err"
fi

echo "golden: $pass passed, $fail failed"
[ "$fail" = 0 ]
