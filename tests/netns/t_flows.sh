#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# t_flows.sh: conf/three-tier.conf applied with `sansod --once`; every declared flow passes,
# everything else is refused, with real TCP/UDP/ICMP traffic through the real kernel.
#
#   mn1 juki-01 10.10.0.5 --+                        +-- lg  10.20.0.{9,10,25,40,130,200}
#   mn2 zei-01  10.10.0.6 --+-- br0 -- mn0 [gw] lg0 -+
#                                      in0  dz0  gc0 --- gc  10.50.0.10 gov-db
#              in 10.30.0.{25,40,80,100} --+    +--- dmz 10.40.0.10 e-apply
#
# First every attempt below is made on the bare lab (no ruleset): all must get through, which
# proves that each refusal later is sanso's doing and not a missing server or route.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

require sansod
lab_up

# The policy with its exception (EX-2026-014) valid for the next hour, whatever today is.
conf_with_expiry 3600 "$CONF" "$TMP/policy.conf"

serve lg tcp 10.20.0.9 443
serve lg tcp fd20::9 443
serve lg tcp 10.20.0.9 80
serve lg udp 10.20.0.9 443
serve lg tcp 10.20.0.25 25
serve lg tcp 10.20.0.25 22
serve lg tcp 10.20.0.40 22
serve lg tcp 10.20.0.130 8443
serve gc tcp 10.50.0.10 5432
serve in tcp 10.30.0.25 25
serve in tcp 10.30.0.80 8443
serve in tcp 10.30.0.80 443
serve in udp 10.30.0.80 8443
serve in tcp 10.30.0.100 443
serve in tcp 10.30.0.100 80
serve in tcp 10.30.0.100 25
serve in udp 10.30.0.100 53
serve in tcp fd30::100 443
serve mn1 tcp 10.10.0.5 443
serve mn1 tcp fd10::5 443
serve dmz tcp 10.40.0.10 22
serve dmz udp 10.40.0.10 514
serve gw tcp 10.20.0.1 22
serve gw tcp 10.30.0.1 22

# name | node | proto | src | dst | port. Flows (allowed) first, then refusals.
ALLOWED=(
	"juki-jlis v4|mn1|tcp|10.10.0.5|10.20.0.9|443"
	"juki-jlis v6|mn1|tcp|fd10::5|fd20::9|443"
	"juki-jlis-ping|mn1|icmp|10.10.0.5|10.20.0.9|-"
	"juki-govcloud|mn1|tcp|10.10.0.5|10.50.0.10|5432"
	"mail-text relay|in|tcp|10.30.0.25|10.20.0.25|25"
	"screen from terminal .130|lg|tcp|10.20.0.130|10.30.0.80|8443"
	"screen from terminal .200|lg|tcp|10.20.0.200|10.30.0.80|8443"
	"file-import relay|in|tcp|10.30.0.40|10.20.0.40|22"
	"e-apply-log udp 514 received|lg|udp|10.20.0.130|10.40.0.10|514"
	"gw-ssh admin-01 to gateway|lg|tcp|10.20.0.10|10.20.0.1|22"
	"exception EX-2026-014 admin-01 to e-apply ssh|lg|tcp|10.20.0.10|10.40.0.10|22"
)
REFUSED=(
	"mynumber>internet juki to web 443|mn1|tcp|10.10.0.5|10.30.0.100|443"
	"mynumber>internet juki to web 80|mn1|tcp|10.10.0.5|10.30.0.100|80"
	"mynumber>internet juki to web 25|mn1|tcp|10.10.0.5|10.30.0.100|25"
	"mynumber>internet juki udp 53|mn1|udp|10.10.0.5|10.30.0.100|53"
	"mynumber>internet juki ping|mn1|icmp|10.10.0.5|10.30.0.100|-"
	"mynumber>internet juki v6|mn1|tcp|fd10::5|fd30::100|443"
	"mynumber>internet juki to vdi relay|mn1|tcp|10.10.0.5|10.30.0.80|8443"
	"internet>mynumber web to juki|in|tcp|10.30.0.100|10.10.0.5|443"
	"internet>mynumber web ping juki|in|icmp|10.30.0.100|10.10.0.5|-"
	"internet>mynumber v6|in|tcp|fd30::100|fd10::5|443"
	"lgwan>internet terminal direct to web|lg|tcp|10.20.0.130|10.30.0.100|443"
	"lgwan>internet non-terminal jlis-gw to vdi|lg|tcp|10.20.0.9|10.30.0.80|8443"
	"lgwan>internet terminal wrong port on vdi|lg|tcp|10.20.0.130|10.30.0.80|443"
	"lgwan>internet terminal udp to vdi|lg|udp|10.20.0.130|10.30.0.80|8443"
	"lgwan>internet reverse of mail-text|lg|tcp|10.20.0.25|10.30.0.25|25"
	"lgwan>internet v6 jlis to web|lg|tcp|fd20::9|fd30::100|443"
	"internet>lgwan non-relay to mail-lg|in|tcp|10.30.0.100|10.20.0.25|25"
	"internet>lgwan reverse of screen|in|tcp|10.30.0.80|10.20.0.130|8443"
	"internet>lgwan mail-conv wrong port|in|tcp|10.30.0.25|10.20.0.25|22"
	"internet>lgwan v6 web to jlis|in|tcp|fd30::100|fd20::9|443"
	"mynumber>lgwan wrong port juki to jlis 80|mn1|tcp|10.10.0.5|10.20.0.9|80"
	"mynumber>lgwan udp juki to jlis 443|mn1|udp|10.10.0.5|10.20.0.9|443"
	"mynumber>lgwan zei-01 is not juki-01|mn2|tcp|10.10.0.6|10.20.0.9|443"
	"lgwan>mynumber reverse of juki-jlis|lg|tcp|10.20.0.9|10.10.0.5|443"
	"lgwan>mynumber jlis to gov-db|lg|tcp|10.20.0.9|10.50.0.10|5432"
	"lgwan>dmz e-apply-log from non-terminal|lg|udp|10.20.0.10|10.40.0.10|514"
	"lgwan>dmz exception is admin-01 only|lg|tcp|10.20.0.40|10.40.0.10|22"
	"dmz>lgwan e-apply to jlis|dmz|tcp|10.40.0.10|10.20.0.9|443"
	"gw-ssh from another lgwan host|lg|tcp|10.20.0.40|10.20.0.1|22"
	"gw-ssh from the internet|in|tcp|10.30.0.100|10.30.0.1|22"
)

# Baseline: the bare lab forwards everything, so every attempt must get through here.
expect_all pass "baseline without sanso" "${ALLOWED[@]}" "${REFUSED[@]}"

check "sansod -f runs the policy (ruleset and verdict engine)" daemon_start "$TMP/policy.conf"
check "table inet sanso exists in the gateway" has_table gw

expect_all pass "allowed" "${ALLOWED[@]}"
mi_before=$(drop_count gw "sanso drop mynumber>internet")
expect_all fail "refused" "${REFUSED[@]}"
mi_after=$(drop_count gw "sanso drop mynumber>internet")

table=$(n gw nft list table inet sanso 2>/dev/null || true)
check "log prefix 'sanso drop mynumber>internet' in the ruleset" \
	grep -qF 'prefix "sanso drop mynumber>internet' <<<"$table"
check "drop counter of mynumber>internet counted the refused packets ($mi_before -> $mi_after)" \
	test "$mi_after" -gt "$mi_before"
check "forward chain policy is drop" \
	grep -qE 'hook forward priority [^;]+; policy drop;' <<<"$table"

# The allowed flows must still pass after all that (nothing got stuck in conntrack).
check "allowed again: juki-jlis v4" tcp_ok mn1 10.10.0.5 10.20.0.9 443
check "allowed again: mail-text relay" tcp_ok in 10.30.0.25 10.20.0.25 25

finish
