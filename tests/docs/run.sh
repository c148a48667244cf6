#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# shellcheck disable=SC2015,SC2181 # ok and ko never fail; sansod output is read after its status
# make check-docs: the man pages (English and Japanese) format without a warning, and --help,
# the man pages and the README agree (tests/docs/agree.py).
# env: SANSOD, SANSOCTL (built binaries). Run from the top of the tree.
set -u
cd "$(dirname "$0")/../.." || exit 1
pass=0 fail=0
ok() { echo "PASS $*"; pass=$((pass + 1)); }
ko() { echo "FAIL $*"; fail=$((fail + 1)); }

pages=(doc/man/*.[58] doc/man/ja/*.[58])
[ ${#pages[@]} -ge 6 ] && ok "six man pages (${#pages[@]})" || ko "six man pages: ${pages[*]}"
for p in "${pages[@]}"; do
	[ -f "$p" ] || { ko "$p exists"; continue; }
	# groff -ww: every warning; -k: the page is UTF-8 (preconv), as man-db reads it.
	out=$(groff -k -ww -Tutf8 -mandoc "$p" 2>&1 >/dev/null)
	[ -z "$out" ] && ok "groff -ww $p: no warning" || ko "groff -ww $p: $out"
	if command -v man >/dev/null; then
		l=C.UTF-8	# a UTF-8 locale that exists everywhere (ja_JP.UTF-8 often is not generated)
		out=$(LANG=$l MANWIDTH=80 man --warnings -l "$p" 2>&1 >/dev/null)
		[ -z "$out" ] && ok "man -l $p: no warning" || ko "man -l $p: $out"
	fi
	case $p in
	*/ja/*) # a Japanese page is Japanese: its rendered text is mostly not ASCII letters
		n=$(groff -k -Tutf8 -mandoc "$p" 2>/dev/null | grep -cP '[\p{Han}\p{Hiragana}\p{Katakana}]')
		[ "$n" -ge 40 ] && ok "$p: Japanese text ($n lines)" || ko "$p: Japanese text ($n lines)" ;;
	esac
done
python3 tests/docs/agree.py "${SANSOD:-build/sansod}" "${SANSOCTL:-build/sansoctl}"
r=$?
[ $r -eq 0 ] && ok "agree.py" || ko "agree.py"
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
