#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# t_spoof.sh: anti-spoofing in prerouting. A My Number host is pinned to MAC + IP: another
# machine using its IP, or the host itself with another MAC, gets nowhere (IPv4 and IPv6);
# a source address from another zone's network is dropped on the ingress interface.
#
#   mn1 juki-01 02:..:10:05 10.10.0.5 fd10::5 --+
#   mn2 zei-01  02:..:10:06 10.10.0.6 fd10::6 --+-- br0 -- mn0 [gw] lg0 -- lg jlis-gw :443
#                                                      in0  dz0 -- dmz e-apply udp :514
#                                     in (web) --------+
#
# Every spoof is first tried on the bare lab, where it must succeed (so a refusal later is
# sanso's doing), then under sanso, where it must fail and be counted by a prerouting drop.
# Finally the legitimate host, restored, gets through again.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

require sansod
lab_up
conf_with_expiry 3600 "$CONF" "$TMP/policy.conf"

serve lg tcp 10.20.0.9 443
serve lg tcp fd20::9 443
serve dmz udp 10.40.0.10 514

gw_forget_neighbours()
{
	n gw ip -4 neigh flush dev mn0
	n gw ip -6 neigh flush dev mn0
}

# juki-01 back to its real MAC, addresses and routes, and its bridge port forwarding again.
restore_mn1()
{
	local i
	"$LABTOOL" reset mn1
	gw_forget_neighbours
	for ((i = 0; i < 100; i++)); do
		bridge -n "$LAB-sw" link show dev p-mn1 | grep -q 'state forwarding' && return 0
		sleep 0.05
	done
	return 1
}

# Each scenario sets the spoof up, makes one attempt, undoes the spoof, and returns 0 when the
# spoofed traffic got through. juki-01 is taken offline while zei-01 steals its address, so
# the gateway's replies can only reach the impostor.
spoof_ip4()
{
	local rc=0
	n mn1 ip link set dev eth0 down
	n mn2 ip addr add 10.10.0.5/24 dev eth0
	gw_forget_neighbours
	tcp_ok mn2 10.10.0.5 10.20.0.9 443 || rc=1
	n mn2 ip addr del 10.10.0.5/24 dev eth0
	restore_mn1
	return $rc
}

spoof_ip6()
{
	local rc=0
	n mn1 ip link set dev eth0 down
	n mn2 ip -6 addr add fd10::5/64 dev eth0 nodad
	gw_forget_neighbours
	tcp_ok mn2 fd10::5 fd20::9 443 || rc=1
	n mn2 ip -6 addr del fd10::5/64 dev eth0
	restore_mn1
	return $rc
}

spoof_mac4()
{
	local rc=0
	n mn1 ip link set dev eth0 address 02:00:00:00:10:99
	gw_forget_neighbours
	tcp_ok mn1 10.10.0.5 10.20.0.9 443 || rc=1
	restore_mn1
	return $rc
}

spoof_mac6()
{
	local rc=0
	n mn1 ip link set dev eth0 address 02:00:00:00:10:99
	gw_forget_neighbours
	tcp_ok mn1 fd10::5 fd20::9 443 || rc=1
	restore_mn1
	return $rc
}

# zei-01's own (bound) MAC with an address that belongs to no host of the segment.
spoof_free4()
{
	local rc=0
	n mn2 ip addr add 10.10.0.7/24 dev eth0
	gw_forget_neighbours
	tcp_ok mn2 10.10.0.7 10.20.0.9 443 || rc=1
	n mn2 ip addr del 10.10.0.7/24 dev eth0
	return $rc
}

spoof_free6()
{
	local rc=0
	n mn2 ip -6 addr add fd10::7/64 dev eth0 nodad
	gw_forget_neighbours
	tcp_ok mn2 fd10::7 fd20::9 443 || rc=1
	n mn2 ip -6 addr del fd10::7/64 dev eth0
	return $rc
}

# One-way (UDP, receipt proved by the server): replies to a foreign source cannot come back.
spoof_lg_src()
{
	local rc=0
	n lg ip addr add 10.10.0.7/32 dev eth0
	udp_ok lg 10.10.0.7 10.40.0.10 514 || rc=1
	n lg ip addr del 10.10.0.7/32 dev eth0
	return $rc
}

spoof_in_src()
{
	local rc=0
	n in ip addr add 10.20.0.130/32 dev eth0
	udp_ok in 10.20.0.130 10.40.0.10 514 || rc=1
	n in ip addr del 10.20.0.130/32 dev eth0
	return $rc
}

SCENARIOS=(
	"spoof_ip4|zei-01 (MAC :06) uses juki-01's 10.10.0.5 -> jlis-gw tcp 443"
	"spoof_mac4|juki-01 with another MAC (:99) -> jlis-gw tcp 443"
	"spoof_ip6|zei-01 (MAC :06) uses juki-01's fd10::5 -> jlis-gw [fd20::9]:443"
	"spoof_mac6|juki-01 with another MAC (:99) -> jlis-gw [fd20::9]:443"
	"spoof_free4|zei-01 (bound MAC :06) with an unassigned 10.10.0.7 -> jlis-gw tcp 443"
	"spoof_free6|zei-01 (bound MAC :06) with an unassigned fd10::7 -> jlis-gw [fd20::9]:443"
	"spoof_lg_src|LGWAN host with My Number source 10.10.0.7 -> e-apply udp 514"
	"spoof_in_src|Internet host with LGWAN terminal source 10.20.0.130 -> e-apply udp 514"
)

# Packets dropped by the anti-spoofing stage: the drop rules of prerouting and of any chain
# named for spoofing that it jumps to.
spoof_drops()
{
	{ n gw nft list table inet sanso 2>/dev/null || true; } | awk '
		/^[[:space:]]*chain / { on = ($2 ~ /prerouting|spoof|ingress/) }
		on && /counter packets [0-9]+/ && / drop/ {
			for (i = 1; i < NF; i++) if ($i == "packets") s += $(i + 1)
		}
		END { print s + 0 }'
}

for sc in "${SCENARIOS[@]}"; do
	check "baseline without sanso: ${sc#*|}" "${sc%%|*}"
done

check "sansod -f runs the policy (ruleset and verdict engine)" daemon_start "$TMP/policy.conf"
check "legit: juki-01 -> jlis-gw tcp 443" tcp_ok mn1 10.10.0.5 10.20.0.9 443
check "legit: juki-01 -> jlis-gw [fd20::9]:443" tcp_ok mn1 fd10::5 fd20::9 443
check "legit: terminal 10.20.0.130 -> e-apply udp 514" udp_ok lg 10.20.0.130 10.40.0.10 514

for sc in "${SCENARIOS[@]}"; do
	before=$(spoof_drops)
	refute "spoof refused: ${sc#*|}" "${sc%%|*}"
	after=$(spoof_drops)
	check "spoof counted by an anti-spoof drop in prerouting ($before -> $after): ${sc%%|*}" \
		test "$after" -gt "$before"
done

# The genuine hosts, restored, pass again: the refusals above were about the spoof alone.
check "restored: juki-01 -> jlis-gw tcp 443" tcp_ok mn1 10.10.0.5 10.20.0.9 443
check "restored: juki-01 -> jlis-gw [fd20::9]:443" tcp_ok mn1 fd10::5 fd20::9 443
check "restored: terminal 10.20.0.130 -> e-apply udp 514" udp_ok lg 10.20.0.130 10.40.0.10 514

finish
