#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# t_uplink.sh: R11, the Internet zone leaves through the prefecture's security cloud. The lab
# gets a second Internet-side link (gw in1 -- ${LAB}-in2, set up here, not in tools/lab); the
# policy is conf/three-tier.conf with internet interfaces ["in0", "in1"] and
# uplinks = { in0 = "security-cloud"; in1 = "breakout-line"; }.
#
#   lg terminal 10.20.0.130 --screen (tcp 8443)--> vdi 10.30.0.80
#        normally out of in0 (security cloud) to ${LAB}-in;
#        with a host route 10.30.0.80/32 via in1 (a breakout line) to ${LAB}-in2, which holds
#        10.30.0.80 too: that is Internet-zone egress through a breakout line, refused.
#
# Every attempt is first made on the bare lab (must pass both ways), and the same policy
# without uplinks passes both ways too: the refusal is the uplink role's doing.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

require sansod
lab_up
IN2=$LAB-in2
EXTRA_NS=("$IN2")
ip netns add "$IN2"
ip -n "$IN2" link set dev lo up
ip -n "$LAB-gw" link add in1 type veth peer name eth0 netns "$IN2"
ip -n "$LAB-gw" addr add 10.31.0.1/24 dev in1
ip -n "$LAB-gw" link set dev in1 up
n gw sysctl -qw net.ipv4.conf.in1.rp_filter=0
ip -n "$IN2" addr add 10.31.0.2/24 dev eth0
ip -n "$IN2" addr add 10.30.0.80/32 dev eth0
ip -n "$IN2" link set dev eth0 up
ip -n "$IN2" route add default via 10.31.0.1 dev eth0

conf_with_expiry 3600 "$CONF" "$TMP/plain.conf"
sed -i -e '/uplinks = { in0 = "security-cloud+breakout"; }; };/d' \
	-e 's|internet: { interfaces = \["in0"\]; networks = \["any"\];$|internet: { interfaces = ["in0", "in1"]; networks = ["any"]; };|' \
	"$TMP/plain.conf"
grep -q '"in0", "in1"' "$TMP/plain.conf" || fail "could not add in1 to the Internet zone"
sed 's|networks = \["any"\]; };|networks = ["any"]; uplinks = { in0 = "security-cloud"; in1 = "breakout-line"; }; };|' \
	"$TMP/plain.conf" >"$TMP/uplinks.conf"
grep -q 'in1 = "breakout-line"' "$TMP/uplinks.conf" || fail "could not add the uplinks"

serve in tcp 10.30.0.80 8443
log2=$TMP/srv-in2.log
ip netns exec "$IN2" ncat -lk --recv-only 10.30.0.80 8443 >>"$log2" 2>/dev/null &
PIDS+=("$!")
for ((i = 0; i < 100; i++)); do
	ip netns exec "$IN2" ss -Hltn | awk '{print $4}' | grep -qxF 10.30.0.80:8443 && break
	sleep 0.05
done

via_in0() { n gw ip route del 10.30.0.80/32 2>/dev/null || true; }
via_in1() { n gw ip route replace 10.30.0.80/32 via 10.31.0.2 dev in1; }
screen_ok() { tcp_ok lg 10.20.0.130 10.30.0.80 8443; }
# the connection ended in ${LAB}-in2 (the server there saw it): ss shows nothing after close,
# so ask the kernel of in2 for its TCP counters instead
in2_accepts() { ip netns exec "$IN2" nstat -az TcpPassiveOpens | awk '/TcpPassiveOpens/ {print $2}'; }

# baseline, bare lab
via_in0
check "bare lab: screen out of in0" screen_ok
via_in1
a=$(in2_accepts)
check "bare lab: screen out of in1 (reaches ${LAB}-in2)" screen_ok
b=$(in2_accepts)
check "bare lab: the in1 connection ended in ${LAB}-in2" test "$b" -gt "$a"

# the policy without uplinks: today's behaviour, both ways pass
check "sansod -n -v shows that no uplink is declared" \
	bash -c "'$SANSOD' -n -v -f '$TMP/plain.conf' | grep -q 'uplinks (R11): internet: none declared'"
check "sansod --once applies the policy without uplinks" sansod_once -f "$TMP/plain.conf"
via_in0
check "no uplinks: screen out of in0" screen_ok
via_in1
check "no uplinks: screen out of in1" screen_ok

# with uplinks: in0 is the security cloud, in1 a breakout line
check "sansod -n -v shows the uplinks" \
	bash -c "'$SANSOD' -n -v -f '$TMP/uplinks.conf' | grep -q 'uplinks (R11): internet: in0=security-cloud in1=breakout-line'"
check "sansod --once applies the policy with uplinks" sansod_once -f "$TMP/uplinks.conf"
via_in0
check "uplinks: screen out of in0 (security cloud)" screen_ok
via_in1
d0=$(chain_drops gw uplink)
a=$(in2_accepts)
refute "uplinks: screen out of in1 (breakout line) refused" screen_ok
b=$(in2_accepts)
check_eq "uplinks: nothing reached ${LAB}-in2" "$a" "$b"
d1=$(chain_drops gw uplink)
check "uplinks: counted by the uplink chain ($d0 -> $d1)" test "$d1" -gt "$d0"
via_in0
check "uplinks: screen out of in0 again after the route is back" screen_ok
finish
