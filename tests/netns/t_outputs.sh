#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# t_outputs.sh: what the operator and the auditor read (issue 9, "outputs an auditor can read").
#  - the locale decides the language in POSIX order: LC_ALL, then LC_MESSAGES, then LANG
#    (sansod and sansoctl); "configuration OK" and the matrix in Japanese too;
#  - `sansod -n -v`: every matrix cell lists the flows it stands for (hosts, protocol, ports,
#    approval), the implicit paths (breakout DNS resolver -> upstream) with their config line,
#    and the zone names as configured;
#  - `sansod --once` says, once, which My Number flows wait for the verdict engine and how to
#    make them kernel-only;
#  - attacker: flow names, approval ids and reasons with quotes, backslashes, very long and
#    Japanese text cannot break the printed nft syntax: `nft -c -f` accepts --print-nft, and
#    the kernel keeps the same (truncated, on a character boundary) comments.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

require sansod
SANSOCTL=${SANSOCTL:-$(dirname "$SANSOD")/sansoctl}
NS1=$LAB-o1
NS2=$LAB-o2
EXTRA_NS=("$NS1" "$NS2")
ip netns add "$NS1"
ip netns add "$NS2"
unset LC_ALL LC_MESSAGES LANG
MN=$SANSO_ROOT/conf/mynumber-internet.conf
BO=$SANSO_ROOT/conf/breakout.conf
JA_OK='設定に問題はありません'

# ---- locale order ----
ok_lang()	# LC_ALL LC_MESSAGES LANG -> the "configuration OK" line
{
	env LC_ALL="$1" LC_MESSAGES="$2" LANG="$3" "$SANSOD" -n -f "$MN" 2>&1 >/dev/null | tail -1
}
check_eq "LANG=C: configuration OK in English" "configuration OK" "$(ok_lang "" "" C)"
check_eq "LANG=ja_JP.UTF-8: configuration OK in Japanese" "$JA_OK" "$(ok_lang "" "" ja_JP.UTF-8)"
check_eq "LANG=ja: Japanese" "$JA_OK" "$(ok_lang "" "" ja)"
check_eq "LANG=ja_JP: Japanese" "$JA_OK" "$(ok_lang "" "" ja_JP)"
check_eq "LC_ALL=C overrides LANG=ja_JP.UTF-8" "configuration OK" "$(ok_lang C "" ja_JP.UTF-8)"
check_eq "LC_MESSAGES=ja_JP.UTF-8 overrides LANG=C" "$JA_OK" "$(ok_lang "" ja_JP.UTF-8 C)"
check_eq "LC_ALL=ja_JP.UTF-8 overrides LC_MESSAGES=C" "$JA_OK" "$(ok_lang ja_JP.UTF-8 C C)"
check_eq "empty LC_ALL is skipped (LC_MESSAGES=C wins over LANG=ja)" "configuration OK" \
	"$(ok_lang "" C ja_JP.UTF-8)"
check_eq "LANG=japanese-ish 'jax' is not Japanese" "configuration OK" "$(ok_lang "" "" jax)"
ctl_usage() { env LC_ALL="$1" LANG="$2" "$SANSOCTL" 2>&1 | head -1; }
check "sansoctl: LC_ALL=ja_JP.UTF-8 over LANG=C prints Japanese usage" \
	grep -q '使い方' <<<"$(ctl_usage ja_JP.UTF-8 C)"
refute "sansoctl: LC_ALL=C over LANG=ja_JP.UTF-8 prints English usage" \
	grep -q '使い方' <<<"$(ctl_usage C ja_JP.UTF-8)"

# ---- the matrix ----
LANG=C "$SANSOD" -n -v --now 1790000000 -f "$MN" >"$TMP/mn.v" 2>/dev/null
check "-n -v: the zone is shown with its configured name マイナンバー事務系" \
	grep -q '^#   mynumber .*マイナンバー事務系' "$TMP/mn.v"
refute "-n -v: not renamed to マイナンバー利用事務系" grep -q 'マイナンバー利用事務系' "$TMP/mn.v"
check "-n -v: the mynumber>mynumber cell lists flow mn-term-ap with hosts, proto, port" \
	grep -Eq '^#   flow mn-term-ap: mn-term-1 -> kyufu-ap tcp/443 .*approval' "$TMP/mn.v"
check "-n -v: the cell names where the flow comes from" \
	grep -Eq "^#   flow mn-term-ap: .*mynumber-internet.conf:[0-9]+" "$TMP/mn.v"
LANG=C "$SANSOD" -n -v --now 1790000000 -f "$BO" >"$TMP/bo.v" 2>/dev/null
line=$(grep -n '^breakout:' "$BO" | cut -d: -f1)
check "-n -v: the implicit breakout DNS path resolver -> upstream, with its config line" \
	grep -Eq "^#   implicit: breakout DNS 10\.20\.0\.53 -> .* (udp|tcp).*/53 .*breakout.conf:$line" \
	"$TMP/bo.v"
check "-n -v: the breakout cell lists its services" grep -Eq '^#   service ' "$TMP/bo.v"
LANG=ja_JP.UTF-8 "$SANSOD" -n -v --now 1790000000 -f "$MN" >"$TMP/mn.ja" 2>/dev/null
check "-n -v under LANG=ja_JP.UTF-8: matrix headers in Japanese" grep -q '^# 送信元 \\ 宛先' "$TMP/mn.ja"
check "-n -v under LANG=ja_JP.UTF-8: the cell lines in Japanese" grep -q '^#   フロー mn-term-ap' "$TMP/mn.ja"

# ---- --once: My Number flows waiting for the verdict engine ----
ip netns exec "$NS1" env LANG=C "$SANSOD" --once -f "$MN" >"$TMP/once.out" 2>&1 || true
n=$(grep -c 'wait for the verdict engine' "$TMP/once.out" || true)
check_eq "--once says once that flows wait for the verdict engine" 1 "$n"
check "--once names the flows" grep -q 'mn-term-ap.*mn-ap-db\|mn-ap-db.*mn-term-ap' "$TMP/once.out"
check "--once names the way to make them kernel-only" grep -q 'verdict = "kernel"' "$TMP/once.out"
sed 's/class = \("[a-z-]*"\);/class = \1; verdict = "kernel";/' "$MN" >"$TMP/mn-kernel.conf"
ip netns exec "$NS1" env LANG=C "$SANSOD" --once -f "$TMP/mn-kernel.conf" >"$TMP/once2.out" 2>&1 || true
refute "--once of a kernel-only policy says nothing about the verdict engine" \
	grep -q 'wait for the verdict engine' "$TMP/once2.out"
ip netns exec "$NS1" env LANG=ja_JP.UTF-8 "$SANSOD" --once -f "$MN" >"$TMP/once3.out" 2>&1 || true
check "--once under LANG=ja_JP.UTF-8: in Japanese" grep -q '検査エンジン' "$TMP/once3.out"

# ---- attacker: hostile comment text ----
long=$(printf 'あ%.0s' $(seq 1 20))	# 60 bytes of 3-byte characters
short=$(printf 'あ%.0s' $(seq 1 16))
cat >"$TMP/hostile.conf" <<CONF
policy: { organisation = "o\\\\\\"rg"; document = "d"; model = "three-tier"; };
zones: (
  { id = "mynumber"; interfaces = ["mn0"]; networks = ["10.10.0.0/24"]; },
  { id = "lgwan"; interfaces = ["lg0"]; networks = ["10.20.0.0/24"]; },
  { id = "internet"; interfaces = ["in0"]; networks = ["any"]; },
  { id = "dmz"; interfaces = ["dz0"]; networks = ["10.40.0.0/24"]; }
);
hosts: (
  { name = "h\\"q\\\\b"; zone = "lgwan"; mac = "02:00:00:00:20:05"; ipv4 = "10.20.0.5"; },
  { name = "srv"; zone = "lgwan"; ipv4 = "10.20.0.6"; },
  { name = "web"; zone = "dmz"; ipv4 = "10.40.0.6"; }
);
flows: (
  { name = "f\\"; drop table inet sanso; #"; class = "internal"; from = "h\\"q\\\\b"; to = "srv";
    proto = "tcp"; ports = [443]; approval = "A\\\\\\"}x$short"; verdict = "kernel"; },
  { name = "x$long"; class = "internal"; from = "srv"; to = "h\\"q\\\\b";
    proto = "tcp"; ports = [80]; approval = "$long"; verdict = "kernel"; }
);
exceptions: (
  { id = "E\\"1\\\\"; from = "h\\"q\\\\b"; to = "web"; proto = "tcp"; ports = [22];
    reason = "line1\\nline2 \\" } ; drop"; requested_by = "a"; approved_by = "b\\"c";
    expires = "2099-12-31T23:59:59+09:00"; }
);
CONF
if ! "$SANSOD" -n -f "$TMP/hostile.conf" >"$TMP/hostile.log" 2>&1; then
	fail "the hostile policy is a valid policy"
	sed 's/^/    /' "$TMP/hostile.log" | head -20
fi
"$SANSOD" --print-nft -f "$TMP/hostile.conf" >"$TMP/hostile.nft" 2>/dev/null || true
check "hostile names: --print-nft prints a table" grep -q "^table inet sanso {" "$TMP/hostile.nft"
check "hostile names: the printed elements carry comments" \
	grep -q 'comment "flow f.*approval' "$TMP/hostile.nft"
check "hostile names: nft -c -f accepts the printed text" \
	ip netns exec "$NS2" nft -c -f "$TMP/hostile.nft"
bad=$(grep -o 'comment "[^"]*"' "$TMP/hostile.nft" | LC_ALL=C awk '{ s = substr($0, 10, length($0) - 10); if (length(s) > 128) print }' || true)
check_eq "hostile names: no comment over 128 bytes" "" "$bad"
check "hostile names: comments cut on a UTF-8 character boundary" \
	python3 -c 'import re,sys; [m.encode("latin-1").decode("utf-8") for m in re.findall(r"comment \"([^\"]*)\"", open(sys.argv[1], encoding="latin-1").read())]' "$TMP/hostile.nft"
check "hostile names: nft -f loads it" ip netns exec "$NS2" nft -f "$TMP/hostile.nft"
check_eq "hostile names: only table inet sanso exists" "table inet sanso" \
	"$(ip netns exec "$NS2" nft list tables)"
check "hostile names: sansod --once commits the same policy" \
	ip netns exec "$NS1" "$SANSOD" --once -f "$TMP/hostile.conf"
list() { ip netns exec "$1" nft list table inet sanso | grep -o 'comment "[^"]*"' | sort; }
l1=$(list "$NS1")
check "hostile names: the kernel shows element comments" grep -q 'comment "flow f' <<<"$l1"
check_eq "hostile names: kernel comments == printed comments" "$(list "$NS2")" "$l1"

finish
