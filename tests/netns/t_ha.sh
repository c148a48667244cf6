#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# t_ha.sh: the redundant pair (R99, R102, issue 12). Two gateway namespaces gwa and gwb run
# sansod (each its own state and run directories and control socket), keepalived (VRRPv3,
# one virtual address per zone interface, one sync group, `sansoctl ha check` as
# track_script) and conntrackd (FTFW over UDP on the sync link sy0, the shipped notify
# script rules/ha/sanso-ha-notify). A client (juki, My Number zone) and a server (jlis,
# LGWAN zone) reach each other through the virtual addresses over bridges in a switch
# namespace.
#
# The master gwa is failed three ways: its zone links go down (switch ports), keepalived
# stops, sansod is killed with SIGKILL (the track_script makes gwa ineligible). Each time the
# addresses move to gwb, a long-lived connection of a kernel flow and one of an engine flow
# opened before keep carrying data (their ct mark came over with conntrackd), new
# connections work, and the gap of a 50 ms ping stream is printed. Then gwa comes back and
# takes the addresses again. Last, with conntrackd stopped, the same failover cuts a
# connection (the test can fail).
#
# sansod's own state follows over the sync link (UDP 3781, HMAC-SHA256 under the key in each
# state directory): an isolation made on the master holds on the new one; a version approved
# on the master is pulled, checked and applied by the peer, which also copies the master's
# store history; a gwa whose sansod
# was killed converges to what gwb did meanwhile before it may be master again; a forged
# datagram (wrong key) and a replayed one (captured on the sync link) are refused and audited.
# Addresses learned from DNS for local breakout follow too: a terminal resolves
# www.allowed.example through the LGWAN resolver while gwa is master (gwb never sees the
# answer); after the failover gwb lets the terminal's TLS connection to that address pass,
# and still refuses an address nobody resolved. Split brain (VRRP blocked on the switch, both
# gateways masters): both enforce the same approved version, and through either one the
# allowed flow passes and what the policy refuses stays refused. The gateways run with
# nf_conntrack_tcp_loose=0 (as rules/ha/README.md recommends): a mid-stream packet without a
# synced entry is invalid.
. "$(dirname "$0")/lib.sh"

require sansod
for tool in keepalived conntrackd conntrack; do
	command -v "$tool" >/dev/null || cannot_run "$tool not installed (tools/debian-packages)"
done
SANSOCTL=${SANSOCTL:-$(dirname "$SANSOD")/sansoctl}
[[ -x $SANSOCTL ]] || cannot_run "$SANSOCTL missing"
NOTIFY=$SANSO_ROOT/rules/ha/sanso-ha-notify
NODES=(sw cl sv up gwa gwb)
for x in "${NODES[@]}"; do
	EXTRA_NS+=("$LAB-$x")
done

CLIENT=10.10.0.5
SERVER=10.20.0.9
VIP_MN=10.10.0.1
VIP_LG=10.20.0.1
VIP_IN=10.30.0.1
TERM=10.20.0.130	# an LGWAN terminal (lg-terminals), in the server's namespace
RES=10.20.0.53		# the LGWAN resolver (dnsmasq, no cache), same namespace
UP=10.30.0.53		# its upstream on the Internet side
WEB=10.30.0.100		# www.allowed.example (TLS)
LATE=10.30.0.101	# late.allowed.example (TLS): never resolved

# ---- the policy both gateways load ------------------------------------------------------

POLICY=$TMP/ha.conf
cat >"$POLICY" <<'EOF'
policy: { organisation = "t"; model = "three-tier"; };
zones: {
  mynumber: { interfaces = ["mn0"]; networks = ["10.10.0.0/24"]; };
  lgwan:    { interfaces = ["lg0"]; networks = ["10.20.0.0/24"]; };
  internet: { interfaces = ["in0"]; networks = ["any"]; };
};
hosts: (
  { name = "juki"; zone = "mynumber"; mac = "02:00:00:00:10:05"; ipv4 = "10.10.0.5"; },
  { name = "jlis"; zone = "lgwan"; ipv4 = "10.20.0.9"; }
);
groups: ( { name = "lg-terminals"; members = ["10.20.0.128/25"]; } );
flows: (
  { name = "kernel-flow"; class = "public-system-via-lgwan"; from = "juki"; to = "jlis";
    proto = "tcp"; ports = [443]; verdict = "kernel"; approval = "A1"; purpose = "t"; },
  { name = "engine-flow"; class = "public-system-via-lgwan"; from = "juki"; to = "jlis";
    proto = "tcp"; ports = [8443]; approval = "A2"; purpose = "t"; },
  { name = "probe"; class = "public-system-via-lgwan"; from = "juki"; to = "jlis";
    proto = "icmp"; verdict = "kernel"; approval = "A3"; purpose = "t"; }
);
ha: { sync_interface = "sy0"; nodes = ["10.255.0.1", "10.255.0.2"]; };
breakout: {
  from = ["lg-terminals"]; resolvers = ["10.20.0.53"]; upstreams = ["10.30.0.53"];
  dns_floor = 120; dns_grace = 2;
  services: ( { name = "Allowed SaaS"; type = "cloud"; ismap = "C21-0009-3";
    ismap_valid_until = "2099-03-31"; fqdns = ["*.allowed.example"]; ports = [443];
    match = "dns+sni"; approval = "AP-B1"; } );
};
EOF

# ---- the lab ----------------------------------------------------------------------------

veth()	# NODE_A IF_A NODE_B IF_B
{
	ip link add "$LAB-x" type veth peer name "$LAB-y"
	ip link set "$LAB-x" netns "$LAB-$1"
	ip link set "$LAB-y" netns "$LAB-$3"
	ip -n "$LAB-$1" link set "$LAB-x" name "$2"
	ip -n "$LAB-$3" link set "$LAB-y" name "$4"
	ip -n "$LAB-$1" link set "$2" up
	ip -n "$LAB-$3" link set "$4" up
}

lab_ha()
{
	local x g i
	for x in "${NODES[@]}"; do
		ip netns add "$LAB-$x"
		ip -n "$LAB-$x" link set lo up
	done
	for x in mn lg in; do
		ip -n "$LAB-sw" link add "br$x" type bridge
		ip -n "$LAB-sw" link set "br$x" up
	done
	veth cl eth0 sw p-cl
	veth sv eth0 sw p-sv
	ip -n "$LAB-sw" link set p-cl master brmn
	ip -n "$LAB-sw" link set p-sv master brlg
	veth up eth0 sw p-up
	ip -n "$LAB-sw" link set p-up master brin
	i=2
	for g in gwa gwb; do
		veth "$g" mn0 sw "$g-mn"
		veth "$g" lg0 sw "$g-lg"
		ip -n "$LAB-sw" link set "$g-mn" master brmn
		ip -n "$LAB-sw" link set "$g-lg" master brlg
		veth "$g" in0 sw "$g-in"	# the Internet zone: breakout only
		ip -n "$LAB-sw" link set "$g-in" master brin
		ip -n "$LAB-$g" addr add "10.30.0.$i/24" dev in0
		ip -n "$LAB-$g" addr add "10.10.0.$i/24" dev mn0
		ip -n "$LAB-$g" addr add "10.20.0.$i/24" dev lg0
		n "$g" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 \
			net.ipv4.conf.default.rp_filter=0 net.netfilter.nf_conntrack_tcp_loose=0 \
			>/dev/null
		i=$((i + 1))
	done
	veth gwa sy0 gwb sy0
	ip -n "$LAB-gwa" addr add 10.255.0.1/24 dev sy0
	ip -n "$LAB-gwb" addr add 10.255.0.2/24 dev sy0
	ip -n "$LAB-cl" link set eth0 address 02:00:00:00:10:05
	ip -n "$LAB-cl" addr add "$CLIENT/24" dev eth0
	ip -n "$LAB-cl" route add default via "$VIP_MN"
	ip -n "$LAB-sv" addr add "$SERVER/24" dev eth0
	ip -n "$LAB-sv" addr add "$TERM/24" dev eth0
	ip -n "$LAB-sv" addr add "$RES/24" dev eth0
	ip -n "$LAB-sv" route add default via "$VIP_LG"
	for x in $UP $WEB $LATE; do
		ip -n "$LAB-up" addr add "$x/24" dev eth0
	done
	ip -n "$LAB-up" route add 10.20.0.0/24 via "$VIP_IN"
}

# ---- the daemons of one gateway -----------------------------------------------------------

declare -A SPID=() KPID=() CPID=()

gw_dir()
{
	echo "$TMP/$1"
}

write_confs()	# GW OWN PEER PRIORITY
{
	local g=$1 own=$2 peer=$3 prio=$4 d
	d=$(gw_dir "$g")
	mkdir -p "$d/state" "$d/run"
	install -m 600 "$TMP/ha.key" "$d/state/ha.key"
	cat >"$d/conntrackd.conf" <<EOF
Sync {
	Mode FTFW {
		DisableExternalCache On
	}
	UDP {
		IPv4_address $own
		IPv4_Destination_Address $peer
		Port 3780
		Interface sy0
		SndSocketBuffer 1249280
		RcvSocketBuffer 1249280
		Checksum on
	}
}
General {
	HashSize 8192
	HashLimit 65536
	LogFile $d/conntrackd.log
	Syslog off
	LockFile $d/conntrackd.lock
	UNIX {
		Path $d/conntrackd.sock
	}
	NetlinkBufferSize 2097152
	NetlinkBufferSizeMaxGrowth 8388608
	Filter From Userspace {
		Protocol Accept {
			TCP
			UDP
			ICMP
		}
		Address Ignore {
			IPv4_address 127.0.0.1
			IPv4_address $VIP_MN
			IPv4_address $VIP_LG
			IPv4_address $VIP_IN
			IPv4_address 10.30.0.2
			IPv4_address 10.30.0.3
			IPv4_address 10.10.0.2
			IPv4_address 10.10.0.3
			IPv4_address 10.20.0.2
			IPv4_address 10.20.0.3
			IPv4_address 10.255.0.0/24
		}
	}
}
EOF
	cat >"$d/keepalived.conf" <<EOF
global_defs {
	router_id $g
	script_user root
	vrrp_version 3
	vrrp_garp_master_repeat 2
}
vrrp_script chk_sanso {
	script "$SANSOCTL -s $d/run/control ha check"
	interval 1
	timeout 1
	fall 1
	rise 1
}
vrrp_sync_group sanso {
	group {
		zone_mn
		zone_lg
		zone_in
	}
	notify "$NOTIFY -c $d/conntrackd.conf -s $d/run/control -x $SANSOCTL"
}
vrrp_instance zone_mn {
	state BACKUP
	interface mn0
	virtual_router_id 51
	priority $prio
	advert_int 0.2
	virtual_ipaddress {
		$VIP_MN/24 dev mn0
	}
	track_script {
		chk_sanso
	}
}
vrrp_instance zone_lg {
	state BACKUP
	interface lg0
	virtual_router_id 52
	priority $prio
	advert_int 0.2
	virtual_ipaddress {
		$VIP_LG/24 dev lg0
	}
	track_script {
		chk_sanso
	}
}
vrrp_instance zone_in {
	state BACKUP
	interface in0
	virtual_router_id 53
	priority $prio
	advert_int 0.2
	virtual_ipaddress {
		$VIP_IN/24 dev in0
	}
	track_script {
		chk_sanso
	}
}
EOF
}

sansod_up()	# GW
{
	local g=$1 d i
	d=$(gw_dir "$g")
	: >"$d/sansod.log"
	ip netns exec "$LAB-$g" "$SANSOD" -f "$POLICY" --control "$d/run/control" \
		--state-dir "$d/state" --audit "$d/audit.jsonl" >>"$d/sansod.log" 2>&1 &
	SPID[$g]=$!
	PIDS+=("$!")
	for ((i = 0; i < 200; i++)); do
		grep -q "applied generation" "$d/sansod.log" && return 0
		sleep 0.05
	done
	sed 's/^/    sansod: /' "$d/sansod.log"
	return 1
}

conntrackd_up()	# GW
{
	local g=$1 d
	d=$(gw_dir "$g")
	rm -f "$d/conntrackd.lock"
	ip netns exec "$LAB-$g" conntrackd -C "$d/conntrackd.conf" >/dev/null 2>&1 &
	CPID[$g]=$!
	PIDS+=("$!")
}

conntrackd_down()	# GW
{
	kill -TERM "${CPID[$1]}" 2>/dev/null || true
	wait "${CPID[$1]}" 2>/dev/null || true
}

keepalived_up()	# GW
{
	local g=$1 d
	d=$(gw_dir "$g")
	ip netns exec "$LAB-$g" keepalived -n -l -D -P -f "$d/keepalived.conf" -p "$d/ka.pid" \
		-r "$d/ka-vrrp.pid" -c "$d/ka-chk.pid" >"$d/keepalived.log" 2>&1 &
	KPID[$g]=$!
	PIDS+=("$!")
}

keepalived_down()	# GW
{
	kill -TERM "${KPID[$1]}" 2>/dev/null || true
	wait "${KPID[$1]}" 2>/dev/null || true
}

has_vips()	# GW
{
	ip -n "$LAB-$1" -4 addr show dev mn0 2>/dev/null | grep -qF "$VIP_MN/" &&
		ip -n "$LAB-$1" -4 addr show dev lg0 2>/dev/null | grep -qF "$VIP_LG/" &&
		ip -n "$LAB-$1" -4 addr show dev in0 2>/dev/null | grep -qF "$VIP_IN/"
}

no_vips()	# GW
{
	! ip -n "$LAB-$1" -4 addr show 2>/dev/null | grep -qE " ($VIP_MN|$VIP_LG|$VIP_IN)/"
}

wait_master()	# GW [TENTHS]: the gateway holds both addresses, the other none
{
	local g=$1 o=gwa i
	[[ $g == gwa ]] && o=gwb
	for ((i = 0; i < ${2:-100}; i++)); do
		has_vips "$g" && no_vips "$o" && return 0
		sleep 0.1
	done
	return 1
}

# ---- the probe stream -------------------------------------------------------------------

PROBE_PID=""

probe_start()	# COUNT: 50 ms pings from the client to the server, COUNT of them
{
	ip netns exec "$LAB-cl" ping -n -D -i 0.05 -W 1 -c "$1" -I "$CLIENT" "$SERVER" \
		>"$TMP/probe.out" 2>&1 &
	PROBE_PID=$!
	PIDS+=("$PROBE_PID")
}

# probe_gap LABEL: wait for the stream to end, print the ms of it lost (50 ms a probe) and
# the longest silence between two replies (ping -D timestamps).
probe_gap()
{
	local tx rx silence
	wait "$PROBE_PID" 2>/dev/null || true
	tx=$(sed -nE 's/^([0-9]+) packets transmitted.*/\1/p' "$TMP/probe.out")
	rx=$(sed -nE 's/.* ([0-9]+) received.*/\1/p' "$TMP/probe.out")
	silence=$(sed -nE 's/^\[([0-9.]+)\] [0-9]+ bytes from.*/\1/p' "$TMP/probe.out" |
		awk 'NR > 1 && $1 - p > m { m = $1 - p } { p = $1 } END { printf "%d", m * 1000 }')
	echo "    failover gap ($1): $(((${tx:-0} - ${rx:-0}) * 50)) ms lost" \
		"(${tx:-?} probes sent, ${rx:-?} answered, one every 50 ms);" \
		"longest silence between replies ${silence:-?} ms"
	echo "$1|$(((${tx:-0} - ${rx:-0}) * 50))|${silence:-?}" >>"$TMP/gaps"
	[[ -n $tx && -n $rx ]]
}

ct_marks()	# GW PORT: "sport mark" of the client's connections to the server port
{
	n "$1" conntrack -L -p tcp --orig-src "$CLIENT" --orig-dst "$SERVER" --dport "$2" \
		2>/dev/null | sed -nE 's/.* sport=([0-9]+) dport=[0-9]+ src=.* mark=([0-9]+).*/\1 \2/p' |
		sort
}

# synced_mark GW PORT: every connection gwa holds to the port, with a decision in its ct mark,
# is in GW's table with the same ct mark.
synced_mark()
{
	local want got
	want=$(ct_marks gwa "$2" | awk '$2 != 0')
	got=$(ct_marks "$1" "$2")
	[[ -n $want ]] && [[ -z $(comm -23 <(echo "$want") <(echo "$got")) ]]
}

wait_synced()	# GW PORT
{
	local i
	for ((i = 0; i < 50; i++)); do
		synced_mark "$1" "$2" && return 0
		sleep 0.1
	done
	n "$1" conntrack -L 2>/dev/null | grep -F "dport=$2" | sed 's/^/    conntrack: /'
	return 1
}

# failover LABEL BREAK REPAIR: break gwa, check the takeover by gwb and the connections,
# repair gwa and wait until it is master again.
failover()
{
	local label=$1 brk=$2 fix=$3
	check "$label: gwa is master" wait_master gwa
	check "$label: kernel-flow connection synced to gwb with its ct mark" wait_synced gwb 443
	check "$label: engine-flow connection synced to gwb with its ct mark" wait_synced gwb 8443
	probe_start 100
	sleep 1
	$brk
	check "$label: the addresses move to gwb" wait_master gwb
	probe_gap "$label" || fail "$label: probe stream output unreadable"
	check "$label: the kernel-flow connection keeps carrying data" stream_passes kflow
	check "$label: the engine-flow connection keeps carrying data" stream_passes eflow
	check "$label: a new connection through gwb" tcp_data_ok cl "$CLIENT" "$SERVER" 443
	check "$label: a port no flow allows stays closed through gwb" closed_port
	$fix
	check "$label: gwa takes the addresses back" wait_master gwa 150
	check "$label: the kernel-flow connection survives the way back" stream_passes kflow
	check "$label: the engine-flow connection survives the way back" stream_passes eflow
}

links_down()
{
	ip -n "$LAB-sw" link set gwa-mn down
	ip -n "$LAB-sw" link set gwa-lg down
	ip -n "$LAB-sw" link set gwa-in down
}

links_up()
{
	ip -n "$LAB-sw" link set gwa-mn up
	ip -n "$LAB-sw" link set gwa-lg up
	ip -n "$LAB-sw" link set gwa-in up
}

# ---- local breakout: the resolver, its upstream, the web servers ---------------------------

breakout_services()
{
	local d=$TMP/svc x
	mkdir -p "$d"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
		-subj /CN=allowed.example -keyout "$d/tls.key" -out "$d/tls.crt" >/dev/null 2>&1 ||
		return 1
	cat >"$d/httpd.sh" <<'HTTPD'
#!/bin/sh
# httpd.sh ADDR: read one request head, answer as tools/lab's web server does (tls_ok).
while IFS= read -r line; do
	[ -z "$(printf '%s' "$line" | tr -d '\r')" ] && break
done
printf 'HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n'
printf 'sanso-lab tls %s ha\n' "$1"
HTTPD
	chmod 755 "$d/httpd.sh"
	local -a dns=(dnsmasq -k --conf-file=/dev/null --user=root --group=root --no-hosts
		--no-resolv --bind-interfaces --port=53)
	ip netns exec "$LAB-up" "${dns[@]}" --listen-address="$UP" --local-ttl=3 \
		--host-record=www.allowed.example,"$WEB" --host-record=late.allowed.example,"$LATE" \
		>/dev/null 2>&1 &
	PIDS+=("$!")
	ip netns exec "$LAB-sv" "${dns[@]}" --listen-address="$RES" --cache-size=0 \
		--server="$UP@$RES" >/dev/null 2>&1 &
	PIDS+=("$!")
	for x in $WEB $LATE; do
		ip netns exec "$LAB-up" ncat -lk --ssl --ssl-cert "$d/tls.crt" --ssl-key "$d/tls.key" \
			--sh-exec "exec $d/httpd.sh $x" "$x" 443 >/dev/null 2>&1 &
		PIDS+=("$!")
	done
	wait_listen up udp "$UP" 53 && wait_listen sv udp "$RES" 53 &&
		wait_listen up tcp "$WEB" 443 && wait_listen up tcp "$LATE" 443
}

lifted_on()	# GW TARGET: the gateway's persisted state no longer isolates TARGET (5 s at most)
{
	local i
	for ((i = 0; i < 50; i++)); do
		grep -qxF "isolate	$2" "$(gw_dir "$1")/state/ops.state" 2>/dev/null || return 0
		sleep 0.1
	done
	return 1
}

learned_on()	# GW ADDR: the address is in the gateway's learned set (5 s at most)
{
	local i
	for ((i = 0; i < 50; i++)); do
		set_has "$1" bo_learn4 "$2" && return 0
		sleep 0.1
	done
	return 1
}

ka_stop()
{
	keepalived_down gwa
}

ka_start()
{
	keepalived_up gwa
}

sansod_kill()
{
	kill -KILL "${SPID[gwa]}"
	wait "${SPID[gwa]}" 2>/dev/null || true
}

sansod_restart()
{
	ctl gwb isolate internet --reason "t_ha: made on gwb while gwa is down" >/dev/null
	sansod_up gwa
}

# Attacks over the sync link (a compromised or impersonated peer): a TCP connection to the
# gateway itself, and a packet forwarded from the sync link into a zone.
sync_tcp()
{
	n gwb ncat -z -w "$TMO" -s 10.255.0.2 10.255.0.1 2222 >/dev/null 2>&1
}

sync_forward()
{
	n gwb ping -c1 -W"$TMO" -I 10.255.0.2 "$CLIENT" >/dev/null 2>&1
}

sync_drops()	# CHAIN COMMENT: packets counted by the rule with that comment
{
	n gwa nft list chain inet sanso "$1" | grep -F "comment \"$2\"" |
		sed -nE 's/.*counter packets ([0-9]+) .*/\1/p' | awk '{ s += $1 } END { print s + 0 }'
}

ctl()	# GW ARGS...: sansoctl against the gateway's sansod
{
	local g=$1
	shift
	"$SANSOCTL" -s "$(gw_dir "$g")/run/control" "$@"
}

# holds_isolation GW TARGET: the gateway's persisted state isolates TARGET (5 s at most).
holds_isolation()
{
	local i
	for ((i = 0; i < 50; i++)); do
		grep -qxF "isolate	$2" "$(gw_dir "$1")/state/ops.state" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

wait_healthy()	# GW: sansoctl ha check exits 0 (5 s at most)
{
	local i
	for ((i = 0; i < 50; i++)); do
		ctl "$1" ha check && return 0
		sleep 0.1
	done
	return 1
}

wait_state()	# GW STATE: keepalived reported STATE through sansoctl ha notify (5 s at most)
{
	local i
	for ((i = 0; i < 50; i++)); do
		grep -qx "$2" "$(gw_dir "$1")/run/ha-state" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

audited()	# GW TEXT: the gateway's audit trail has a record containing TEXT (3 s at most)
{
	local i
	for ((i = 0; i < 30; i++)); do
		grep -qF "$2" "$(gw_dir "$1")/audit.jsonl" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# sync_send NODE SRC FILE: one UDP datagram with FILE's bytes from SRC to the peer's port 3781
sync_send()
{
	local dst=10.255.0.2
	[[ $2 == 10.255.0.2 ]] && dst=10.255.0.1
	n "$1" python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 0))
s.sendto(open(sys.argv[3], "rb").read(), (sys.argv[2], 3781))' "$2" "$dst" "$3"
}

# capture_sync: one genuine datagram gwa sends to gwb on the sync link, its UDP payload
capture_sync()
{
	n gwb python3 -c '
import socket, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(0x0800))
s.bind(("sy0", 0x0800))
s.settimeout(5)
while True:
    p = s.recv(65535)
    ihl = (p[0] & 15) * 4
    if p[9] == 17 and p[ihl + 2:ihl + 4] == (3781).to_bytes(2, "big") and p[12:16] == bytes([10, 255, 0, 1]):
        open(sys.argv[1], "wb").write(p[ihl + 8:])
        break' "$TMP/captured.bin"
}

# The pair never fails open: a port no flow allows stays closed through whichever is master.
closed_port()
{
	! tcp_ok cl "$CLIENT" "$SERVER" 22
}

# ---- the test ---------------------------------------------------------------------------

lab_ha
# baseline without sanso: what the sync-link attacks try works on the bare lab
ip netns exec "$LAB-gwa" ncat -lk 10.255.0.1 2222 >/dev/null 2>&1 &
PIDS+=("$!")
wait_listen gwa tcp 10.255.0.1 2222
ip -n "$LAB-gwb" route add "$CLIENT/32" via 10.255.0.1
ip -n "$LAB-cl" route add 10.255.0.0/24 via 10.10.0.2
serve sv tcp "$SERVER" 22
check "baseline: TCP over the sync link to the gateway" sync_tcp
check "baseline: a packet from the sync link forwarded into a zone" sync_forward
head -c 32 /dev/urandom >"$TMP/ha.key"
write_confs gwa 10.255.0.1 10.255.0.2 150
write_confs gwb 10.255.0.2 10.255.0.1 100
# gwa alone enforces its policy first: the attacks come from gwb, not yet behind its own
sansod_up gwa
refute "attack: TCP over the sync link to the gateway is dropped" sync_tcp
refute "attack: a packet from the sync link is not forwarded into a zone" sync_forward
check "the sync link's input drop counted them" \
	test "$(sync_drops input "ha: the sync link carries nothing else")" -gt 0
check "the sync link's forward drop counted them" \
	test "$(sync_drops forward "ha: the sync link is not forwarded")" -gt 0
ip -n "$LAB-gwb" route del "$CLIENT/32"
sansod_up gwb
check "both gateways enforce the policy" has_table gwb
rc=0
ctl gwb ha check || rc=$?
check_eq "sansoctl ha check on a node just started, no peer state yet: exit 6" 6 "$rc"
check "sansoctl ha check: healthy on gwb once alone for 3 s" wait_healthy gwb
for g in gwa gwb; do
	conntrackd_up "$g"
done
sleep 0.5
for g in gwa gwb; do
	keepalived_up "$g"
done
check "gwa (priority 150) becomes master" wait_master gwa
check "keepalived told sansoctl: gwa MASTER" grep -qx MASTER "$(gw_dir gwa)/run/ha-state"
check "keepalived told sansoctl: gwb BACKUP" wait_state gwb BACKUP
out=$(ctl gwa ha status || true)
check "sansoctl ha status names the state" grep -q "keepalived state: MASTER" <<<"$out"
check "gwb applied gwa's state" wait_healthy gwb
out=$(ctl gwb ha status || true)
check "sansoctl ha status on gwb: the peer's state applied" \
	grep -q "sync with the peer: in-sync the peer's last state applied" <<<"$out"

serve sv tcp "$SERVER" 443
serve sv tcp "$SERVER" 8443

check "baseline: the client reaches the server through the addresses" \
	tcp_data_ok cl "$CLIENT" "$SERVER" 443
check "a port no flow allows is closed through gwa" closed_port
stream_open kflow cl "$CLIENT" "$SERVER" 443
stream_open eflow cl "$CLIENT" "$SERVER" 8443
check "kernel-flow connection open" stream_passes kflow
check "engine-flow connection open" stream_passes eflow

failover "link down" links_down links_up
failover "keepalived stopped" ka_stop ka_start

# sansod killed: the track_script makes gwa ineligible, its check exits non-zero
check "sansoctl ha check healthy on gwa before the kill" \
	"$SANSOCTL" -s "$(gw_dir gwa)/run/control" ha check
sansod_kill
rc=0
"$SANSOCTL" -s "$(gw_dir gwa)/run/control" ha check || rc=$?
check_eq "sansoctl ha check: sansod dead -> exit 3" 3 "$rc"
sansod_up gwa
failover "sansod killed" sansod_kill sansod_restart
check "gwa converged before it was master again: it holds gwb's isolation" \
	holds_isolation gwa internet
check "gwa's audit trail records the state applied from gwb" audited gwa ha.sync.apply

# attacks on the state sync: a datagram under another key, a replayed genuine one
head -c 32 /dev/urandom >"$TMP/other.key"
python3 -c '
import hashlib, hmac, struct, sys, time
body = b"sha\t" + b"0" * 64 + b"\nisolate\tlgwan\n"
hdr = b"SANSOHA1" + struct.pack("=qQII", int(time.time() * 1000), 1 << 40, len(body), 0)
key = open(sys.argv[1], "rb").read()
open(sys.argv[2], "wb").write(hdr + body + hmac.new(key, hdr + body, hashlib.sha256).digest())' \
	"$TMP/other.key" "$TMP/forged.bin"
sync_send gwa 10.255.0.1 "$TMP/forged.bin"
check "attack: a datagram under another key is refused and audited" \
	audited gwb '"why":"forged (HMAC or shape)"'
refute "attack: the forged state (isolate lgwan) was not applied" holds_isolation gwb lgwan
check "capture a genuine sync datagram on the sync link" capture_sync
sleep 0.6
sync_send gwa 10.255.0.1 "$TMP/captured.bin"
check "attack: a replayed genuine datagram is refused and audited" \
	audited gwb '"why":"replayed (sequence)"'
check "gwb still in sync after the attacks" ctl gwb ha check

# local breakout: an address learned from DNS on the master passes on the new master
check "breakout: the resolver, its upstream and the web servers are up" breakout_services
check "breakout: gwa is master" wait_master gwa 150
check "breakout: lift the isolation of the Internet zone (made on gwb while gwa was down)" \
	ctl gwa restore internet
check "breakout: gwb lifts it too" lifted_on gwb internet
check "breakout: the terminal resolves www.allowed.example through the LGWAN resolver" \
	resolves sv "$TERM" "$RES" www.allowed.example "$WEB"
check "breakout: gwa learned the address from the answer" learned_on gwa "$WEB"
check "breakout: gwb has it too (from gwa over the sync link; it never saw the answer)" \
	learned_on gwb "$WEB"
refute "breakout: gwb did not learn the address nobody resolved" set_has gwb bo_learn4 "$LATE"
out=$(ctl gwb ha status || true)
check "sansoctl ha status on gwb counts the addresses learned from the peer" \
	grep -qE "addresses learned from the peer: [1-9][0-9]* \(refused 0\)" <<<"$out"
out=$(ctl gwb explain "$TERM" "$WEB" tcp 443 2>&1 || true)
check "explain on gwb gives the provenance: the name and the resolver" \
	grep -q "learned: destination from the DNS answer for 'www.allowed.example' to resolver $RES" <<<"$out"
check "breakout: TLS to the learned address through gwa" \
	tls_ok sv "$TERM" "$WEB" www.allowed.example
links_down
check "breakout: the addresses move to gwb" wait_master gwb
check "breakout: TLS to the address learned on gwa passes through gwb" \
	tls_ok sv "$TERM" "$WEB" www.allowed.example
refute "breakout: an address nobody resolved stays refused through gwb" \
	tls_ok sv "$TERM" "$LATE" late.allowed.example
refute "breakout: another name on the learned address is refused through gwb" \
	tls_ok sv "$TERM" "$WEB" evil.example
links_up
check "breakout: gwa master again" wait_master gwa 150

# the same failover with conntrackd stopped cuts a connection opened meanwhile
conntrackd_down gwa
conntrackd_down gwb
stream_open nosync cl "$CLIENT" "$SERVER" 443
check "unsynced connection open" stream_passes nosync
links_down
check "without conntrackd: the addresses move to gwb" wait_master gwb
check "without conntrackd: the failover cuts the connection" stream_cut nosync
links_up
check "gwa master again" wait_master gwa 150

# an isolation made on the master holds on the new master
ctl gwa isolate juki --reason "t_ha: isolation on the master" >/dev/null
check "the isolation reaches gwb" holds_isolation gwb juki
links_down
check "isolation: the addresses move to gwb" wait_master gwb
refute "isolation made on gwa holds on gwb: juki is cut" tcp_data_ok cl "$CLIENT" "$SERVER" 443
links_up
check "isolation: gwa master again" wait_master gwa 150
check "lift the isolation of juki" ctl gwa restore juki
check "gwb lifts it too" lifted_on gwb juki

# a version approved on the master is pulled by the peer over the sync link (its text, checked
# against its SHA-256, and its meta), applied with the same atomic commit, and audited
made=0
if ! getent group sanso-admin >/dev/null; then
	groupadd -r sanso-admin && made=1
fi
trap 'rc=$?; set +e; if ((made)); then groupdel sanso-admin; fi; (exit $rc); cleanup' EXIT
admin_gid=$(getent group sanso-admin | cut -d: -f3)
chmod 0711 "$TMP" "$(gw_dir gwa)" "$(gw_dir gwa)/run"
chmod 0666 "$(gw_dir gwa)/run/control"
sed 's/approval = "A3"/approval = "A3-2"/' "$POLICY" >"$TMP/v2.conf"
chmod 0644 "$TMP/v2.conf"
out=$(ctl gwa propose "$TMP/v2.conf" --reason "t_ha: version 2 on the master" 2>&1)
vid=$(sed -n 's/^proposed \([0-9a-f]*\)[ ;:(].*/\1/p' <<<"$out")
check "version 2 proposed on gwa" test -n "$vid"
check "another admin approves it on gwa" setpriv --reuid=4242 --regid="$admin_gid" --clear-groups \
	"$SANSOCTL" -s "$(gw_dir gwa)/run/control" approve "$vid"
has_v2() { n "$1" nft list table inet sanso 2>/dev/null | grep -q 'approval A3-2'; }
check "gwa enforces version 2" has_v2 gwa
v2_on_gwb() { local i; for ((i = 0; i < 50; i++)); do has_v2 gwb && return 0; sleep 0.1; done; return 1; }
check "gwb pulled version 2 from gwa and enforces it" v2_on_gwb
check_eq "gwb runs the same text as gwa" "$(ctl gwa --json status | python3 -c 'import json,sys; print(json.load(sys.stdin)["config_sha256"])')" \
	"$(ctl gwb --json status | python3 -c 'import json,sys; print(json.load(sys.stdin)["config_sha256"])')"
check "gwb's audit trail records the version taken from gwa" audited gwb '"event":"ha.version"'
check "gwb's history keeps gwa's approver and reason" \
	bash -c "'$SANSOCTL' -s '$(gw_dir gwb)/run/control' history | grep -q 't_ha: version 2 on the master (from the HA peer 10.255.0.1'"
check "gwb is in sync again" wait_healthy gwb
peer_hist() { ctl gwb history --json | python3 -c 'import json,sys; d=json.load(sys.stdin); v={x["version"]: x for x in d["ha_peer"]["versions"]}; assert v[2]["reason"] == "t_ha: version 2 on the master" and 1 in v' 2>/dev/null; }
hist_copied() { local i; for ((i = 0; i < 50; i++)); do peer_hist && return 0; sleep 0.1; done; return 1; }
check "gwb copied gwa's store history (versions 1 and 2, with their reasons)" hist_copied
check "gwb's copy of gwa's version 2 is byte for byte gwa's" \
	cmp -s "$(gw_dir gwa)/state/store/v000002.conf" "$(gw_dir gwb)/state/store/peer/v000002.conf"
check "gwb counts the version taken from the peer" grep -q "versions-from-peer 1" "$(gw_dir gwb)/run/ha-sync"

# split brain: VRRP cannot cross the switch, both gateways take the addresses; each enforces
# the same approved version, and neither opens what the policy refuses (R99: never fails open)
ip netns exec "$LAB-sw" nft -f - <<'NFT'
table bridge splitbrain {
	chain vrrp_cut {
		type filter hook forward priority 0;
		ip protocol 112 drop
	}
}
NFT
both_masters() { local i; for ((i = 0; i < 100; i++)); do has_vips gwa && has_vips gwb && return 0; sleep 0.1; done; return 1; }
check "split brain: both gateways hold the addresses" both_masters
sha_of() { ctl "$1" --json status | python3 -c 'import json,sys; print(json.load(sys.stdin)["config_sha256"])'; }
sa=$(sha_of gwa)
sb=$(sha_of gwb)
check "split brain: gwa enforces a version ($sa)" test -n "$sa"
check_eq "split brain: gwb enforces the same version" "$sa" "$sb"
for g in gwa gwb; do
	own=10.10.0.2 lown=10.20.0.2 iown=10.30.0.2
	[[ $g == gwb ]] && own=10.10.0.3 lown=10.20.0.3 iown=10.30.0.3
	ip -n "$LAB-cl" route replace "$SERVER/32" via "$own"
	ip -n "$LAB-sv" route replace "$CLIENT/32" via "$lown"
	ip -n "$LAB-cl" route replace "$WEB/32" via "$own"
	ip -n "$LAB-up" route replace "$CLIENT/32" via "$iown"
	check "split brain: through $g the allowed flow passes" tcp_data_ok cl "$CLIENT" "$SERVER" 443
	check "split brain: through $g a port no flow allows stays closed" closed_port
	refute "split brain: through $g mynumber>internet stays refused" \
		tcp_ok cl "$CLIENT" "$WEB" 443
done
ip -n "$LAB-cl" route del "$SERVER/32"
ip -n "$LAB-sv" route del "$CLIENT/32"
ip -n "$LAB-cl" route del "$WEB/32"
ip -n "$LAB-up" route del "$CLIENT/32"
ip netns exec "$LAB-sw" nft delete table bridge splitbrain
check "split brain healed: gwa alone is master again" wait_master gwa 150

finish
