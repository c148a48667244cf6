#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# t_attack_dos.sh: denial of service from the Internet side toward a published DMZ server (R44).
#   - per-source meters: a SYN flood from one Internet address toward e-apply is cut down to
#     the pair's rate (limits.pairs "internet>dmz"), counted by the meter rule (sansoctl stats,
#     Prometheus), while another Internet address still connects, every time;
#   - ct count: one source holds at most ct_count connections to the DMZ; the next ones are
#     refused and counted; a closed connection frees its slot;
#   - NFQUEUE overflow: with the engine stalled (SIGSTOP), engine-decided new flows are dropped
#     (fail closed) and the kernel's queue-full drops are counted in sansoctl stats, while a
#     kernel-decided flow is not affected;
#   - conntrack watch: the daemon warns when the table passes limits.conntrack_warn of
#     nf_conntrack_max (set here to ~20 entries: nf_conntrack_max itself is read-only outside
#     the initial network namespace on this kernel).
#
#   in 10.30.0.80  (flooder: raw SYNs, many source ports) ==\
#   in 10.30.0.100 (holds connections: ct count)          ===> [gw: sansod] ==> dmz e-apply
#   in 10.30.0.101 (legitimate client)                    ==/                  10.40.0.10:443
#   lg 10.20.0.130 ==(e-apply-log, udp 514, engine-decided)==> [gw] ==> dmz 10.40.0.10:514
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

require sansod
command -v python3 >/dev/null || cannot_run "python3 not installed"
SANSOCTL=${SANSOCTL:-$(dirname "$SANSOD")/sansoctl}
[[ -x $SANSOCTL ]] || cannot_run "sansoctl not built: $SANSOCTL"
lab_up

CTL=$TMP/control
STATE=$TMP/state
mkdir -p "$STATE"
RATE=20 BURST=40 CONNS=8 FLOOD=6000
CT_MAX=$(n gw cat /proc/sys/net/netfilter/nf_conntrack_max)
WARN=$(awk -v m="$CT_MAX" 'BEGIN { printf "%.8f", 20 / m }')

# The shipped policy has no Internet -> DMZ flow: add the published service, make the
# LGWAN -> DMZ log flow engine-decided (the queue test), and set the limits under test.
conf_with_expiry 3600 "$CONF" "$TMP/policy.conf"
sed -i -e 's|^groups: (|groups: (\n  { name = "internet-clients"; members = ["10.30.0.0/24"]; },|' \
	-e 's|^flows: (|flows: (\n  { name = "e-apply-web"; class = "peer"; from = "internet-clients"; to = "e-apply"; proto = "tcp"; ports = [443]; approval = "AP-T-DOS"; purpose = "電子申請の公開"; },|' \
	-e 's|purpose = "電子申請の受付通知"; }|purpose = "電子申請の受付通知"; verdict = "engine"; }|' \
	"$TMP/policy.conf"
cat >>"$TMP/policy.conf" <<EOF
engine: { queue_maxlen = 16; };
limits: {
  conntrack_warn = $WARN;
  pairs: ( { pair = "internet>dmz"; rate = $RATE; burst = $BURST; ct_count = $CONNS; } );
};
EOF
ctl() { "$SANSOCTL" -s "$CTL" "$@" >/dev/null; }

# syn_flood SRC DST PORT COUNT SECONDS: COUNT TCP SYNs from SRC (source ports walk a range, so
# each one is a new connection) spread over SECONDS, from a raw socket.
SYN_PY='
import random, socket, struct, sys, time
src, dst, dport, count, secs = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff)
    return ~(s + (s >> 16)) & 0xffff
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP)
s.bind((src, 0))
sa, da = socket.inet_aton(src), socket.inet_aton(dst)
start = time.time()
for i in range(count):
    tcp = struct.pack("!HHIIBBHHH", 10000 + i % 50000, dport, random.getrandbits(32), 0, 5 << 4, 2, 64240, 0, 0)
    c = csum(sa + da + struct.pack("!BBH", 0, 6, len(tcp)) + tcp)
    s.sendto(tcp[:16] + struct.pack("!H", c) + tcp[18:], (dst, 0))
    if i % 10 == 9:
        time.sleep(max(0, start + (i + 1) * secs / count - time.time()))
print(count, int(time.time() - start) + 1)
'
syn_flood()
{
	n in python3 -c "$SYN_PY" "$@"
}

# udp_burst NODE SRC DST PORT COUNT: COUNT datagrams, each from a new socket (a new flow).
UDP_PY='
import socket, sys
src, dst, port, count = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
for i in range(count):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((src, 0))
    s.sendto(b"burst\n", (dst, port))
    s.close()
'
udp_burst()
{
	local node=$1
	shift
	n "$node" python3 -c "$UDP_PY" "$@"
}

web() { tcp_ok in "$1" 10.40.0.10 443; }

# meter_drops KIND: packets counted by the meter rules of fwd_internet_dmz whose comment is
# "meter: KIND per source" (KIND: rate, connections), as sansoctl stats reports them.
meter_drops()
{
	"$SANSOCTL" -s "$CTL" stats 2>/dev/null | awk -v k="meter: $1 per source" '$1 == "fwd_internet_dmz" && index($0, k) {
		for (i = 1; i < NF; i++) if ($(i + 1) == "packets") s += $i } END { print s + 0 }'
}

# kq_drops: the kernel's queue-full drops of NFQUEUE 0, read in the gateway.
kq_drops()
{
	n gw awk '$1 == 0 { print $6 }' /proc/net/netfilter/nfnetlink_queue
}

start()
{
	: >"$DLOG"
	ip netns exec "$LAB-gw" "$SANSOD" -f "$TMP/policy.conf" --control "$CTL" \
		--state-dir "$STATE" >>"$DLOG" 2>&1 &
	DPID=$!
	PIDS+=("$DPID")
	wait_log "applied generation" 1 && poll 50 test -S "$CTL"
}

serve dmz tcp 10.40.0.10 443
serve dmz udp 10.40.0.10 514

check "baseline without sanso: 10.30.0.101 -> e-apply tcp 443" web 10.30.0.101
check "baseline without sanso: 10.30.0.80 -> e-apply tcp 443" web 10.30.0.80

check "sansod -f runs the test policy" start
check_eq "no conntrack warning right after the start" 0 "$(log_count "conntrack table")"
check "the meters are in the table: rate per source" \
	bash -c "ip netns exec $LAB-gw nft list chain inet sanso fwd_internet_dmz | grep -q 'limit rate over $RATE/second burst $BURST packets'"
check "the meters are in the table: ct count per source" \
	bash -c "ip netns exec $LAB-gw nft list chain inet sanso fwd_internet_dmz | grep -q 'ct count over $CONNS'"
check "verify: the kernel holds what was compiled (meters included)" ctl verify

# ---- ct count: one source holds at most CONNS connections ----
for ((i = 1; i <= CONNS; i++)); do
	stream_open "held$i" in 10.30.0.100 10.40.0.10 443
done
ok=0
for ((i = 1; i <= CONNS; i++)); do
	stream_passes "held$i" && ok=$((ok + 1))
done
check_eq "ct count: $CONNS connections of 10.30.0.100 are open and carry data" "$CONNS" "$ok"
refute "ct count: a connection beyond $CONNS from 10.30.0.100 is refused" web 10.30.0.100
refute "ct count: and another one" web 10.30.0.100
check "ct count: another source (10.30.0.101) still connects" web 10.30.0.101
c=$(meter_drops connections)
check "ct count: the refusals are counted (sansoctl stats: $c)" test "$c" -ge 2
for ((i = 1; i <= CONNS; i++)); do
	eval "exec ${STREAM_FD[held$i]}>&-"
	unset "STREAM_FD[held$i]"
done
check "ct count: closed connections free their slots" poll 50 web 10.30.0.100

# ---- SYN flood from one source; the others still get through ----
syn_flood 10.30.0.80 10.40.0.10 443 "$FLOOD" 4 >"$TMP/flood.out" 2>&1 &
FPID=$!
PIDS+=("$FPID")
sleep 0.5
legit=0
for ((i = 0; i < 10; i++)); do
	web 10.30.0.101 && legit=$((legit + 1))
done
check "flood: the rate meter holds the flooding source" \
	bash -c "ip netns exec $LAB-gw nft list set inet sanso internet_dmz_rate4 | grep -q '10\.30\.0\.80 '"
wait "$FPID" || true
read -r sent secs <"$TMP/flood.out" || true
check_eq "flood: $FLOOD SYNs were sent (in ${secs:-?} s)" "$FLOOD" "${sent:-}"
check_eq "flood: 10 of 10 legitimate connections from 10.30.0.101 succeed during the flood" 10 "$legit"
d=$(meter_drops rate)
# the rate meter lets BURST SYNs through, then RATE a second (the flood's duration, rounded
# up, and one more second of slack): in 4 s about 120 of 6000
check "flood: the rate meter dropped all but burst + rate x time (sansoctl stats: $d of $FLOOD)" \
	test "$d" -ge $((FLOOD - BURST - RATE * (${secs:-4} + 1)))
check "flood: Prometheus has the meter counter" \
	bash -c "'$SANSOCTL' -s '$CTL' stats --prometheus | grep -Eq '^sanso_rule_packets_total\\{chain=\"fwd_internet_dmz\",rule=\"[0-9]+\",comment=\"meter: rate per source\"\\} [1-9]'"
check "flood: the drops are logged (rate-limited)" bash -c "ip netns exec $LAB-gw nft list chain inet sanso meter_rate | grep -q 'log prefix \"sanso meter rate \"'"
check "after the flood: the flooding source connects again" poll 30 web 10.30.0.80

# ---- NFQUEUE overflow: fail closed for what the queue carries, nothing else ----
check "queue: the engine-decided flow lgwan -> e-apply udp 514 passes" udp_ok lg 10.20.0.130 10.40.0.10 514
q0=$(kq_drops)
kill -STOP "$DPID"
udp_burst lg 10.20.0.130 10.40.0.10 514 200
refute "queue: with the engine stalled, a new engine-decided flow is dropped" udp_ok lg 10.20.0.130 10.40.0.10 514
check "queue: a kernel-decided flow is not affected (internet -> e-apply tcp 443)" web 10.30.0.101
q1=$(kq_drops)
check "queue: the kernel counted queue-full drops ($q0 -> $q1)" test "$q1" -gt "$q0"
kill -CONT "$DPID"
check "queue: sansoctl stats shows the queue-full drops" \
	bash -c "'$SANSOCTL' -s '$CTL' stats --prometheus | grep -Eq '^sanso_queue_dropped_total\\{queue=\"0\"\\} [1-9]'"
check "queue: the text stats too" bash -c "'$SANSOCTL' -s '$CTL' stats | grep -Eq 'queue 0: +[1-9][0-9]* dropped \\(queue full\\)'"
check "queue: the engine decides again after it resumes" poll 30 udp_ok lg 10.20.0.130 10.40.0.10 514
check "queue: the daemon logged the drops" wait_log "packets dropped since the last check" 1
grep -F "packets dropped since the last check" "$DLOG" | head -1 | sed 's/^/    /'

# ---- conntrack watch ----
check "conntrack: the daemon warned when the table passed the warning level" \
	wait_log "conntrack table" 1
grep -F "conntrack table" "$DLOG" | head -1 | sed 's/^/    /'
check "conntrack: Prometheus has the table's use and maximum" \
	bash -c "'$SANSOCTL' -s '$CTL' stats --prometheus | grep -q '^sanso_conntrack_max $CT_MAX\$'"
check "the daemon is still running" daemon_alive
check "verify: still in sync after the attacks" ctl verify

finish
