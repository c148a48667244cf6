#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# t_examples.sh: the two 2-zone examples as shipped, run with real traffic (not only as golden
# text): conf/lgwan-internet.conf (seed 003) and conf/mynumber-internet.conf (seed 002), each
# under `sansod -f` in the gateway of the lab. For each: what it permits passes, what it
# forbids is refused (ncat TCP, ping, curl). lgwan-internet.conf is also run with its
# optional blocks enabled (tests/docs/examples.sh --enable): the mail-text relay, and local
# breakout with DNS + SNI against the lab's resolver and web servers.
#
# Addresses: both examples use the lab's own (tools/lab): LGWAN 10.20.0.0/24 on lg0, My Number
# 10.10.0.0/24 on mn0, Internet "any" on in0; kyufu-db and kyufu-ap of mynumber-internet.conf
# are the lab's mn1 and mn2 (same MAC and address). The files are used unchanged, except:
#  - breakout block: its service names (*.office.com) are rewritten with sed to the lab's
#    DNS names (*.allowed.example), and its ISMAP end date moved far ahead, explicitly below;
#  - mn-term-1 (10.10.0.21) has no node in the lab; its flow is not exercised.
# The lab's extra gateway interfaces (dz0, gc0) belong to no zone of these policies: their
# traffic must be refused too.
#
# Every attempt is first made on the bare lab, where it must succeed: each refusal later is
# sanso's doing, not a missing server or route.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

require sansod
for tool in dnsmasq perl curl openssl; do
	command -v "$tool" >/dev/null || cannot_run "$tool not installed"
done
lab_up
lab_services

serve gw tcp 10.20.0.1 22
serve gw tcp 10.10.0.1 22
serve gw tcp 10.30.0.1 22
serve lg tcp 10.20.0.40 445
serve lg tcp 10.20.0.25 25
serve lg tcp 10.20.0.130 8080
serve in tcp 10.30.0.25 25
serve in tcp 10.30.0.100 8080
serve mn1 tcp 10.10.0.5 5432
serve mn1 tcp 10.10.0.5 443
serve mn2 tcp 10.10.0.6 443
serve dmz tcp 10.40.0.10 22

# name | node | proto | src | dst | port
LG_ALLOWED=(
	"gw-ssh: admin-01 to the gateway|lg|tcp|10.20.0.10|10.20.0.1|22"
	"lg-file: terminal to file-lg 445 (inside the zone)|lg|tcp|10.20.0.130|10.20.0.40|445"
)
LG_REFUSED=(
	"terminal to an Internet server|lg|tcp|10.20.0.130|10.30.0.100|8080"
	"terminal to the Internet TLS server|lg|tcp|10.20.0.130|10.30.0.100|443"
	"ping LGWAN to Internet|lg|icmp|10.20.0.130|10.30.0.100|-"
	"Internet to an LGWAN terminal|in|tcp|10.30.0.100|10.20.0.130|8080"
	"ping Internet to LGWAN|in|icmp|10.30.0.100|10.20.0.130|-"
	"a terminal (not admin-01) to the gateway's ssh|lg|tcp|10.20.0.130|10.20.0.1|22"
	"Internet to the gateway's ssh|in|tcp|10.30.0.100|10.30.0.1|22"
	"mail-conv to mail-lg 25 (the relay is not enabled)|in|tcp|10.30.0.25|10.20.0.25|25"
	"LGWAN to the DMZ interface (no zone)|lg|tcp|10.20.0.10|10.40.0.10|22"
)
MN_ALLOWED=(
	"mn-ap-db: kyufu-ap to kyufu-db 5432 (on the My Number segment)|mn2|tcp|10.10.0.6|10.10.0.5|5432"
)
MN_REFUSED=(
	"kyufu-db to an Internet server|mn1|tcp|10.10.0.5|10.30.0.100|8080"
	"kyufu-ap to the Internet TLS server|mn2|tcp|10.10.0.6|10.30.0.100|443"
	"ping My Number to Internet|mn1|icmp|10.10.0.5|10.30.0.100|-"
	"Internet to kyufu-db 5432|in|tcp|10.30.0.100|10.10.0.5|5432"
	"Internet to kyufu-ap 443|in|tcp|10.30.0.100|10.10.0.6|443"
	"ping Internet to My Number|in|icmp|10.30.0.100|10.10.0.5|-"
	"kyufu-db to the gateway's ssh (console only)|mn1|tcp|10.10.0.5|10.10.0.1|22"
	"LGWAN interface (no zone here) to kyufu-db|lg|tcp|10.20.0.130|10.10.0.5|5432"
)

expect_all pass "bare lab" "${LG_ALLOWED[@]}" "${LG_REFUSED[@]}" "${MN_ALLOWED[@]}" "${MN_REFUSED[@]}"
check "bare lab: www.allowed.example resolves through the LGWAN resolver" \
	resolves lg 10.20.0.130 10.20.0.53 www.allowed.example 10.30.0.100
check "bare lab: TLS to www.allowed.example" tls_ok lg 10.20.0.130 10.30.0.100 www.allowed.example
check "bare lab: TLS to other.example" tls_ok lg 10.20.0.130 10.30.0.100 other.example

# ---- conf/lgwan-internet.conf as shipped ---------------------------------------------
daemon_start "$SANSO_ROOT/conf/lgwan-internet.conf"
check "lgwan-internet.conf: sansod applied it" daemon_alive
expect_all pass "lgwan-internet.conf permits" "${LG_ALLOWED[@]}"
expect_all fail "lgwan-internet.conf refuses" "${LG_REFUSED[@]}"
check "lgwan-internet.conf: kernel in sync" bash -c \
	"ip netns exec $LAB-gw $SANSOD --verify -f $SANSO_ROOT/conf/lgwan-internet.conf >/dev/null"
daemon_stop

# ---- with its optional block mail-text (無害化 relay) ---------------------------------
"$SANSO_ROOT/tests/docs/examples.sh" --enable "$SANSO_ROOT/conf/lgwan-internet.conf" mail-text \
	>"$TMP/lg-mail.conf"
daemon_start "$TMP/lg-mail.conf"
expect_all pass "lgwan-internet.conf + mail-text permits" \
	"mail-text: mail-conv to mail-lg 25|in|tcp|10.30.0.25|10.20.0.25|25" "${LG_ALLOWED[@]}"
expect_all fail "lgwan-internet.conf + mail-text refuses" \
	"mail-lg to mail-conv 25 (the relay is one way)|lg|tcp|10.20.0.25|10.30.0.25|25" \
	"another Internet host to mail-lg 25|in|tcp|10.30.0.100|10.20.0.25|25" \
	"${LG_REFUSED[@]:0:7}"
daemon_stop

# ---- with its optional block breakout (ローカルブレイクアウト, DNS + SNI) --------------
# Rewritten for the lab, explicitly: the service's names become the lab DNS's names, and the
# ISMAP end date is moved past any date this test may run on.
"$SANSO_ROOT/tests/docs/examples.sh" --enable "$SANSO_ROOT/conf/lgwan-internet.conf" breakout |
	sed -e 's/fqdns = \["\*\.office\.com", "outlook\.office365\.com"\]/fqdns = ["*.allowed.example"]/' \
	    -e 's/ismap_valid_until = "[0-9-]*"/ismap_valid_until = "2099-03-31"/' >"$TMP/lg-bo.conf"
check "breakout block rewritten for the lab" grep -q '"\*\.allowed\.example"' "$TMP/lg-bo.conf"
daemon_start "$TMP/lg-bo.conf"
check "breakout: www.allowed.example resolves through the LGWAN resolver" \
	resolves lg 10.20.0.130 10.20.0.53 www.allowed.example 10.30.0.100
check "breakout: TLS to www.allowed.example (allowed name) passes" \
	tls_ok lg 10.20.0.130 10.30.0.100 www.allowed.example
refute "breakout: TLS to other.example on the same address is refused" \
	tls_ok lg 10.20.0.130 10.30.0.100 other.example
refute "breakout: TLS to late.allowed.example, never resolved (10.30.0.101), is refused" \
	tls_ok lg 10.20.0.130 10.30.0.101 late.allowed.example
refute "breakout: admin-01 (not in lg-terminals) is refused" \
	tls_ok lg 10.20.0.10 10.30.0.100 www.allowed.example
# (not LG_REFUSED[1]: a TCP handshake to a learned address on 443 completes by design, the
# engine holds the client's data until the SNI; the TLS attempts above are the test of it)
expect_all fail "lgwan-internet.conf + breakout refuses" "${LG_REFUSED[0]}" "${LG_REFUSED[@]:2:5}"
daemon_stop

# ---- conf/mynumber-internet.conf as shipped ------------------------------------------
daemon_start "$SANSO_ROOT/conf/mynumber-internet.conf"
check "mynumber-internet.conf: sansod applied it" daemon_alive
expect_all pass "mynumber-internet.conf permits" "${MN_ALLOWED[@]}"
expect_all fail "mynumber-internet.conf refuses" "${MN_REFUSED[@]}"
check "mynumber-internet.conf: the kernel drops My Number to Internet" \
	test "$(drop_count gw 'mynumber>internet')" -gt 0
check "mynumber-internet.conf: kernel in sync" bash -c \
	"ip netns exec $LAB-gw $SANSOD --verify -f $SANSO_ROOT/conf/mynumber-internet.conf >/dev/null"
daemon_stop

finish
