#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# t_atomic.sh: sanso owns table inet sanso and nothing else. A bad config changes nothing;
# foreign tables survive apply and reload byte for byte; `sansod --verify` sees out-of-band
# changes (drift) and a re-apply repairs them.
#
#   mn1 juki-01 10.10.0.5 --> [gw: inet sanso + foreign inet other, ip filter] --> lg 10.20.0.9:443
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

require sansod
lab_up
serve lg tcp 10.20.0.9 443

# One clock for every compile, so that the exception's element timeout is the same each time
# and listings compare equal.
NOW=$(date +%s)
conf_with_expiry 3600 "$CONF" "$TMP/policy.conf"
kernel_only "$TMP/policy.conf"	# the ruleset alone: no engine in this test
conf_without_flow mail-text "$TMP/policy.conf" >"$TMP/no-mail.conf"
{
	cat "$TMP/policy.conf"
	echo 'zones = ( unterminated'
} >"$TMP/syntax.conf"
awk '{ print } /^flows: \(/ {
	print "  { name = \"leak\"; class = \"internal\"; from = \"juki-01\"; to = \"vdi\";"
	print "    proto = \"tcp\"; ports = [8443]; approval = \"AP-X\"; purpose = \"x\"; },"
}' "$TMP/policy.conf" >"$TMP/leak.conf"

# Someone else's tables in the gateway: neither counters nor anything that changes by itself,
# and nothing that would stop the lab's traffic.
n gw nft -f - <<'EOF'
table inet other {
	set watch {
		type ipv4_addr
		elements = { 192.0.2.1, 192.0.2.2 }
	}
	chain fw {
		type filter hook forward priority 10; policy accept;
		ip saddr @watch drop
		tcp dport 9 reject
	}
}
table ip filter {
	chain INPUT {
		type filter hook input priority 0; policy accept;
		tcp dport 9999 drop
	}
}
EOF
foreign()
{
	n gw nft list table inet other
	n gw nft list table ip filter
}
foreign_before=$(foreign)

verify()
{
	n gw "$SANSOD" --verify --now "$NOW" -f "$TMP/policy.conf" >"$TMP/verify.out" 2>&1
}

verify_status()
{
	local rc=0
	verify || rc=$?
	echo "$rc"
}

once_status()
{
	local rc=0
	sansod_once --now "$NOW" -f "$1" >"$TMP/once.out" 2>&1 || rc=$?
	echo "$rc"
}

check_eq "apply: sansod --once exits 0" 0 "$(once_status "$TMP/policy.conf")"
check_eq "apply: foreign tables untouched" "$foreign_before" "$(foreign)"
check "apply: juki-jlis passes" tcp_ok mn1 10.10.0.5 10.20.0.9 443
good=$(nft_table gw)

check_eq "syntax error: sansod --once exits 1" 1 "$(once_status "$TMP/syntax.conf")"
check "syntax error: the error names file:line" grep -qE 'syntax\.conf:[0-9]+' "$TMP/once.out"
check_eq "syntax error: table inet sanso intact" "$good" "$(nft_table gw)"
check_eq "invariant violation: sansod --once exits 1" 1 "$(once_status "$TMP/leak.conf")"
check_eq "invariant violation: table inet sanso intact" "$good" "$(nft_table gw)"
check_eq "bad configs: foreign tables untouched" "$foreign_before" "$(foreign)"
check "bad configs: juki-jlis still passes" tcp_ok mn1 10.10.0.5 10.20.0.9 443

check_eq "verify after apply: exit 0" 0 "$(verify_status)"

# Drift 1: an extra rule.
n gw nft add rule inet sanso forward accept
check_eq "drift (extra rule in forward): --verify exits 1" 1 "$(verify_status)"
check "drift (extra rule in forward): --verify names the forward chain" \
	grep -q forward "$TMP/verify.out"
check_eq "drift repaired: re-apply exits 0" 0 "$(once_status "$TMP/policy.conf")"
check_eq "drift repaired: --verify exits 0" 0 "$(verify_status)"
check_eq "drift repaired: table equals the applied one" "$good" "$(nft_table gw)"

# Drift 2: an element deleted from a set. The first element of the MAC binding set bind4
# (or, failing that, of the first set that has elements).
pick_element()
{
	n gw nft list table inet sanso | awk '
		/^[[:space:]]*(set|map) / { name = $2 }
		/elements = \{/ && name != "" {
			sub(/.*elements = \{ */, ""); sub(/[,}].*/, ""); sub(/ timeout .*/, "")
			sub(/ expires .*/, ""); sub(/ : .*/, "")
			print name "|" $0; exit
		}'
}
el=$(pick_element)
if [[ -n $el ]]; then
	set_name=${el%%|*}
	element=${el#*|}
	check "drift: delete element $element from set $set_name" \
		n gw nft delete element inet sanso "$set_name" "{ $element }"
	check_eq "drift (element deleted): --verify exits 1" 1 "$(verify_status)"
	check "drift (element deleted): --verify names the set" grep -qF "$set_name" "$TMP/verify.out"
	check_eq "drift repaired: re-apply exits 0" 0 "$(once_status "$TMP/policy.conf")"
	check_eq "drift repaired: --verify exits 0" 0 "$(verify_status)"
else
	fail "drift: table inet sanso has no set with elements"
fi

# Drift 3: a whole chain added.
n gw nft add chain inet sanso intruder
check_eq "drift (extra chain): --verify exits 1" 1 "$(verify_status)"
check "drift (extra chain): --verify names it" grep -q intruder "$TMP/verify.out"
check_eq "drift repaired: re-apply exits 0" 0 "$(once_status "$TMP/policy.conf")"
check_eq "drift repaired: table equals the applied one" "$good" "$(nft_table gw)"

# The daemon: start, reload to another policy, refuse a bad one, stop. Foreign tables stay.
check "daemon: sansod -f starts" daemon_start "$TMP/policy.conf"
cp "$TMP/no-mail.conf" "$TMP/policy.conf"
check "daemon: reload applied" daemon_hup "applied generation"
check_eq "daemon reload: foreign tables untouched" "$foreign_before" "$(foreign)"
check_eq "daemon reload: --verify against the new policy exits 0" 0 "$(verify_status)"
cp "$TMP/leak.conf" "$TMP/policy.conf"
check "daemon: bad reload refused" daemon_hup "reload refused"
check_eq "daemon bad reload: foreign tables untouched" "$foreign_before" "$(foreign)"
check "daemon: stops on SIGTERM" daemon_stop
check_eq "daemon stopped: foreign tables untouched" "$foreign_before" "$(foreign)"
check "daemon stopped: juki-jlis passes" tcp_ok mn1 10.10.0.5 10.20.0.9 443

finish
