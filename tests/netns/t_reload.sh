#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# t_reload.sh: `sansod -f FILE` and SIGHUP. A reload keeps the connections of flows that are
# still allowed and cuts those of a removed flow at once; a broken reload (syntax error, or an
# invariant violation) is refused, logged, and leaves the running generation in the kernel.
# SIGTERM and kill -9 leave the ruleset in the kernel (fail closed); a restart picks it up.
#
#   mn1 juki-01 10.10.0.5 ==(juki-jlis, kept)==> [gw: sansod -f] ==> lg jlis-gw 10.20.0.9:443
#   in mail-conv 10.30.0.25 ==(mail-text, removed)==> [gw] ==> lg mail-lg 10.20.0.25:25
#
# The two long-lived connections are ncat clients fed through fifos; the servers' logs prove
# which lines arrived.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

require sansod
lab_up

FILE=$TMP/sanso.conf
conf_with_expiry 3600 "$CONF" "$TMP/full.conf"
kernel_only "$TMP/full.conf"	# the ruleset alone: no engine in this test
conf_without_flow mail-text "$TMP/full.conf" >"$TMP/no-mail.conf"
cp "$TMP/full.conf" "$FILE"

serve lg tcp 10.20.0.9 443
serve lg tcp 10.20.0.25 25
serve in tcp 10.30.0.80 8443

check "the edited policy really lacks mail-text" \
	test "$(grep -c 'name = "mail-text"' "$TMP/no-mail.conf")" -eq 0
check "sansod -f starts and applies" daemon_start "$FILE"

stream_open keep mn1 10.10.0.5 10.20.0.9 443
stream_open cut in 10.30.0.25 10.20.0.25 25
check "before reload: juki-jlis connection carries data" stream_passes keep
check "before reload: mail-text connection carries data" stream_passes cut
check "before reload: new mail-text connection passes" tcp_ok in 10.30.0.25 10.20.0.25 25

# Reload without mail-text.
cp "$TMP/no-mail.conf" "$FILE"
check "SIGHUP: new generation applied" daemon_hup "applied generation"
check "after reload: established juki-jlis connection still carries data" stream_passes keep
check "after reload: established mail-text connection is cut at once" stream_cut cut
refute "after reload: new mail-text connection refused" tcp_ok in 10.30.0.25 10.20.0.25 25
check "after reload: new juki-jlis connection passes" tcp_ok mn1 10.10.0.5 10.20.0.9 443

good=$(nft_table gw)
gens=$(log_count "applied generation")

# A syntax error: refused, nothing changes.
cp "$TMP/no-mail.conf" "$FILE"
printf '\nflows = ( { name = "broken"; \n' >>"$FILE"
check "syntax error: SIGHUP logs 'reload refused'" daemon_hup "reload refused"
check "syntax error: daemon still running" daemon_alive
check_eq "syntax error: no new generation applied" "$gens" "$(log_count "applied generation")"
check_eq "syntax error: table inet sanso unchanged" "$good" "$(nft_table gw)"
check "syntax error: established juki-jlis connection still carries data" stream_passes keep
check "syntax error: new juki-jlis connection passes" tcp_ok mn1 10.10.0.5 10.20.0.9 443
refute "syntax error: mail-text stays refused" tcp_ok in 10.30.0.25 10.20.0.25 25

# An invariant violation (I2): a flow from the My Number zone to the Internet zone.
awk '{ print } /^flows: \(/ {
	print "  { name = \"leak\"; class = \"internal\"; from = \"juki-01\"; to = \"vdi\";"
	print "    proto = \"tcp\"; ports = [8443]; approval = \"AP-X\"; purpose = \"x\"; },"
}' "$TMP/no-mail.conf" >"$FILE"
check "the violating policy has the leak flow" grep -q 'name = "leak"' "$FILE"
check "invariant violation: SIGHUP logs 'reload refused'" daemon_hup "reload refused"
check "invariant violation: daemon still running" daemon_alive
check_eq "invariant violation: no new generation applied" "$gens" \
	"$(log_count "applied generation")"
check_eq "invariant violation: table inet sanso unchanged" "$good" "$(nft_table gw)"
check "invariant violation: established juki-jlis connection still carries data" \
	stream_passes keep
refute "invariant violation: juki-01 -> vdi 8443 refused" tcp_ok mn1 10.10.0.5 10.30.0.80 8443

# A good reload after the refusals works, and brings mail-text back.
cp "$TMP/full.conf" "$FILE"
check "good config again: SIGHUP applies" daemon_hup "applied generation"
check "good config again: new mail-text connection passes" tcp_ok in 10.30.0.25 10.20.0.25 25
check "good config again: established juki-jlis connection still carries data" \
	stream_passes keep

# SIGTERM: the daemon exits and the ruleset stays in the kernel (fail closed, not open).
live=$(nft_table gw)
check "SIGTERM: daemon exits" daemon_stop
check_eq "SIGTERM: exit status 0" 0 "${DSTATUS:-none}"
check_eq "SIGTERM: table inet sanso left in the kernel" "$live" "$(nft_table gw 2>/dev/null || true)"
check "SIGTERM: juki-jlis still passes with the daemon gone" tcp_ok mn1 10.10.0.5 10.20.0.9 443
refute "SIGTERM: juki-01 -> Internet still refused" tcp_ok mn1 10.10.0.5 10.30.0.80 8443

# kill -9: no chance to clean up, and still the ruleset stays (fail closed); a restart recovers.
check "restart: sansod -f applies again" daemon_start "$FILE"
live=$(nft_table gw)
kill -KILL "$DPID"
wait "$DPID" 2>/dev/null || true
DPID=""
check_eq "kill -9: table inet sanso left in the kernel" "$live" "$(nft_table gw 2>/dev/null || true)"
refute "kill -9: juki-01 -> Internet still refused" tcp_ok mn1 10.10.0.5 10.30.0.80 8443
check "kill -9: juki-jlis still passes" tcp_ok mn1 10.10.0.5 10.20.0.9 443
check "after kill -9: a restarted sansod applies" daemon_start "$FILE"
check "after restart: established juki-jlis connection still carries data" stream_passes keep

finish
