#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# t_breakout.sh: local breakout (conf/breakout.conf) under `sansod -f`. An LGWAN terminal may
# reach "Allowed SaaS" (*.allowed.example, ports 443/80, match dns+sni) only when the address
# was answered through the LGWAN resolver (learned from DNS, for max(TTL, dns_floor) +
# dns_grace seconds) AND the TLS SNI / HTTP Host names the service; anything else is refused.
#
#   lg terminal 10.20.0.130 --query--> lg resolver 10.20.0.53 (dnsmasq, no cache)
#                                          |  forwards, from 10.20.0.53, through the gateway
#                                          v
#   [gw: sansod -f] learns the answers of 10.30.0.53 -> 10.20.0.53 (bo_learn4) before they pass
#                                          v
#   in  DNS 10.30.0.53 (TTL 3): www.allowed.example, other.example, split.allowed.example
#                               -> 10.30.0.100;  late.allowed.example -> 10.30.0.101
#   in  web 10.30.0.100 (tls 443, http 80, udp 443 listener), 10.30.0.101 (tls 443)
#
# Every attempt is first made on the bare lab, where it must succeed (each refusal later is
# sanso's doing, not a missing server or route). Clients: curl (TLS, HTTP), a few lines of
# perl (DNS), ncat (UDP); servers: tools/lab services.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

require sansod
for tool in dnsmasq perl curl openssl tcpdump conntrack; do
	command -v "$tool" >/dev/null || cannot_run "$tool not installed"
done
BO_CONF=${BREAKOUT_CONF:-$SANSO_ROOT/conf/breakout.conf}

lab_up
lab_services
serve in udp 10.30.0.100 443
conf_with_expiry 3600 "$BO_CONF" "$TMP/policy.conf"

TERM_IP=10.20.0.130	# a terminal, in lg-terminals (10.20.0.128/25)
RES=10.20.0.53		# the LGWAN resolver
UP=10.30.0.53		# its upstream, on the Internet side
WEB=10.30.0.100		# www / other / split
LATE=10.30.0.101	# late

learned()
{
	set_has gw bo_learn4 "$1"
}

not_learned()
{
	! learned "$1"
}

refused_count()
{
	chain_drops gw refused
}

# Client segments that carried data before the server sent any, per connection of the
# terminal to WEB:443 in a capture (one number per connection, in order): a TLS client sends
# nothing but its ClientHello until the ServerHello, so this is how many segments the hello
# took (retransmissions of a refused one included). Connections whose SYN is not in the
# capture (an earlier refused client, still retransmitting) are left out.
hello_segments()
{
	tcpdump -nn -r "$1" 2>/dev/null | awk -v c="$TERM_IP." -v s="$WEB.443" '
		{
			len = -1
			for (i = 1; i < NF; i++) if ($i == "length") len = $(i + 1) + 0
			src = $3; dst = $5; sub(/:$/, "", dst)
		}
		index(src, c) == 1 && dst == s && $7 == "[S]," && !(src in seen) {
			seen[src] = 1
			order[++n] = src
		}
		len <= 0 { next }
		(src in seen) && dst == s && !(src in done) { cnt[src]++ }
		src == s && index(dst, c) == 1 { done[dst] = 1 }
		END { for (i = 1; i <= n; i++) print cnt[order[i]] + 0 }'
}

# Small segments from the terminal to WEB: route MTU locked to $1, and no GSO on the
# terminal's interface (otherwise the kernel hands veth one large packet and the hello, seen
# by the gateway, is not split at all). `small_segments off` undoes both.
GSO_SEGS=$(n lg ip -d link show dev eth0 | sed -n 's/.* gso_max_segs \([0-9]*\).*/\1/p')
small_segments()
{
	if [[ $1 == off ]]; then
		n lg ip route del "$WEB/32" 2>/dev/null || true
		n lg ip link set dev eth0 gso_max_segs "${GSO_SEGS:-65535}"
		return 0
	fi
	n lg ip link set dev eth0 gso_max_segs 1 &&
		n lg ip route replace "$WEB/32" via 10.20.0.1 dev eth0 mtu lock "$1"
}

# capture_start FILE / capture_stop: tcpdump in the gateway on lg0 (the terminal's side).
CAP_PID=""
capture_start()
{
	: >"$TMP/tcpdump.err"
	ip netns exec "$LAB-gw" tcpdump -i lg0 -nn -U -s 200 -w "$1" \
		"host $TERM_IP and host $WEB and tcp port 443" 2>"$TMP/tcpdump.err" &
	CAP_PID=$!
	PIDS+=("$CAP_PID")
	poll 50 grep -q 'listening on' "$TMP/tcpdump.err"
}

capture_stop()
{
	sleep 0.3
	kill -INT "$CAP_PID" 2>/dev/null || true
	wait "$CAP_PID" 2>/dev/null || true
}

split_hello()
{
	small_segments "$1" || return 1
	tls_ok lg "$TERM_IP" "$WEB" "$2" "${@:3}"
	local rc=$?
	small_segments off
	return $rc
}

# "pass|name|command": every attempt of the test; on the bare lab all must get through.
BASELINE=(
	"pass|terminal resolves www.allowed.example through the LGWAN resolver|resolves lg $TERM_IP $RES www.allowed.example $WEB"
	"pass|terminal resolves late.allowed.example|resolves lg $TERM_IP $RES late.allowed.example $LATE"
	"pass|terminal asks the Internet DNS directly|resolves lg $TERM_IP $UP www.allowed.example $WEB"
	"pass|TLS SNI www.allowed.example|tls_ok lg $TERM_IP $WEB www.allowed.example"
	"pass|TLS SNI other.example|tls_ok lg $TERM_IP $WEB other.example"
	"pass|TLS without SNI|tls_ok lg $TERM_IP $WEB -"
	"pass|TLS SNI late.allowed.example|tls_ok lg $TERM_IP $LATE late.allowed.example"
	"pass|HTTP Host www.allowed.example|http_ok lg $TERM_IP $WEB www.allowed.example"
	"pass|HTTP Host other.example|http_ok lg $TERM_IP $WEB other.example"
	"pass|UDP 443 (QUIC)|udp_ok lg $TERM_IP $WEB 443"
	"pass|TLS from jlis-gw 10.20.0.9 (not a terminal)|tls_ok lg 10.20.0.9 $WEB www.allowed.example"
	"pass|TLS from admin-01 10.20.0.10 (not a terminal)|tls_ok lg 10.20.0.10 $WEB www.allowed.example"
)
expect_mixed "baseline without sanso" "${BASELINE[@]}"
check "baseline: the resolver asked the upstream itself (from $RES, through the gateway)" \
	grep -qF "query[A] www.allowed.example from $RES" "$SVC/dns-in.log"
check "baseline: split ClientHello (MTU 576, ffdhe8192 key share)" \
	split_hello 576 split.allowed.example --curves ffdhe8192
check "baseline: split ClientHello (MTU 128: the SNI itself is cut)" \
	split_hello 128 split.allowed.example

sansod_check()
{
	"$SANSOD" -n -f "$1" >"$TMP/check.out" 2>&1 || { sed 's/^/    sansod: /' "$TMP/check.out"; false; }
}
check "sansod -n accepts $(basename "$BO_CONF")" sansod_check "$TMP/policy.conf"
mkdir -p "$TMP/flows"
check "sansod -f runs the policy (ruleset and verdict engine)" \
	daemon_start "$TMP/policy.conf" --flow-log "$TMP/flows"
if ! daemon_alive || ! has_table gw; then
	sed 's/^/    sansod: /' "$DLOG"
	finish || exit 1
fi
check "the engine listens on NFQUEUE 0" queue_bound gw 0
web_seen=$(wc -l <"$SVC/web.log")	# what the web servers saw before sanso
check "nothing learned yet: bo_learn4 is empty" \
	test -z "$(n gw nft list set inet sanso bo_learn4 | grep -F 'elements')"

# 3 (first half), and the same for www: an address never answered is no breakout target,
# whatever the name. Both are refused at the SYN, in the kernel.
lgi=$(drop_count gw "sanso drop lgwan>internet")
expect_mixed "before any DNS answer" \
	"fail|TLS SNI late.allowed.example to $LATE refused|tls_ok lg $TERM_IP $LATE late.allowed.example" \
	"fail|TLS SNI www.allowed.example to $WEB refused|tls_ok lg $TERM_IP $WEB www.allowed.example"
check "before any DNS answer: counted by the lgwan>internet drop" \
	test "$(drop_count gw "sanso drop lgwan>internet")" -gt "$lgi"

# An answer for www.allowed.example teaches its address, before it reaches the client.
check "terminal resolves www.allowed.example through the LGWAN resolver" \
	resolves lg "$TERM_IP" "$RES" www.allowed.example "$WEB"
check "$WEB learned (in bo_learn4) before the answer reached the client" learned "$WEB"
check_eq "learned for max(TTL 3, dns_floor 5) + dns_grace 2 = 7 s" 7000 \
	"$(elem_field gw bo_learn4 "$WEB" timeout)"

# A repeat answer refreshes a learned address (a client that resolves again just before it
# connects must not find the address gone early).
sleep 2
left=$(elem_field gw bo_learn4 "$WEB" expires)
check "$WEB still learned from the first answer (${left:-no} ms left)" test -n "$left"
check "repeat answer for www.allowed.example" resolves lg "$TERM_IP" "$RES" www.allowed.example "$WEB"
now=$(elem_field gw bo_learn4 "$WEB" expires)
check "a repeat answer refreshes the learned entry (expires in ${left:-?} ms -> ${now:-?} ms, 7000 expected)" \
	test "${now:-0}" -gt 6000

# 1, 2, 6, 7, 8: every attempt at once, while the address is learned.
ref=$(refused_count)
lgi=$(drop_count gw "sanso drop lgwan>internet")
expect_mixed "learned $WEB" \
	"pass|1 TLS SNI www.allowed.example completes|tls_ok lg $TERM_IP $WEB www.allowed.example" \
	"pass|6 HTTP Host www.allowed.example answered|http_ok lg $TERM_IP $WEB www.allowed.example" \
	"fail|2 TLS SNI other.example (same address) refused|tls_ok lg $TERM_IP $WEB other.example" \
	"fail|2 TLS without SNI refused|tls_ok lg $TERM_IP $WEB -" \
	"fail|6 HTTP Host other.example refused|http_ok lg $TERM_IP $WEB other.example" \
	"fail|7 UDP 443 (QUIC) refused|udp_ok lg $TERM_IP $WEB 443" \
	"fail|8 TLS from jlis-gw 10.20.0.9 refused|tls_ok lg 10.20.0.9 $WEB www.allowed.example" \
	"fail|8 TLS from admin-01 10.20.0.10 refused|tls_ok lg 10.20.0.10 $WEB www.allowed.example" \
	"fail|terminal asking the Internet DNS directly refused|resolves lg $TERM_IP $UP www.allowed.example $WEB"
check "2 refused names counted by chain refused ($ref -> $(refused_count))" \
	test "$(refused_count)" -gt "$ref"
engine_why() { grep -q "\"event_type\":\"engine\".*\"decision\":\"drop\".*\"engine_reason\":\"$1\"" "$TMP"/flows/flows-*.jsonl; }
check "the flow log gives the engine's reason for a refused name (breakout_refused_name)" \
	poll 50 engine_why breakout_refused_name
check "7, 8 counted by the lgwan>internet drop" \
	test "$(drop_count gw "sanso drop lgwan>internet")" -gt "$lgi"
refute "2 the web server never saw a request for other.example" \
	grep -q 'other\.example' <(tail -n "+$((web_seen + 1))" "$SVC/web.log")
check "ruleset logs refusals with prefix 'sanso refused '" \
	grep -qF 'prefix "sanso refused "' <<<"$(n gw nft list chain inet sanso refused)"

# The engine's decisions in conntrack: allowed -> the service's id (a decision of this
# generation, in set live), refused -> 0x3fffffff.
marks=$(ct_marks gw -p tcp -s "$TERM_IP" -d "$WEB" --dport 443 | sort -u | tr '\n' ' ')
allowed_mark=""
for m in $marks; do
	if ((m != 0x3fffffff && (m & 0x40000000) == 0 && m != 0)); then
		allowed_mark=$m
	fi
done
check "allowed breakout connection: ct mark is a decision id (got ${allowed_mark:-none} in: ${marks% })" \
	test -n "$allowed_mark"
[[ -n $allowed_mark ]] &&
	check "allowed breakout connection: its id is a live decision" \
		set_has gw live "$(printf '0x%08x' "$allowed_mark")"
check "refused breakout connection: ct mark 0x3fffffff (1073741823)" grep -qw 1073741823 <<<"$marks"

# 3 (second half): once answered, late.allowed.example passes.
check "terminal resolves late.allowed.example" \
	resolves lg "$TERM_IP" "$RES" late.allowed.example "$LATE"
t_late=$SECONDS
check "3 after the answer: TLS SNI late.allowed.example to $LATE completes" \
	tls_ok lg "$TERM_IP" "$LATE" late.allowed.example

# 4: the entry for late.allowed.example goes away by itself (no new answer), after about 7 s.
check "4 learned $LATE expires by itself (poll 15 s)" poll 150 not_learned "$LATE"
gone=$((SECONDS - t_late))
check "4 $LATE was kept about max(TTL, dns_floor) + dns_grace = 7 s (gone after ${gone} s)" \
	test "$gone" -ge 5 -a "$gone" -le 10
refute "4 after expiry: TLS SNI late.allowed.example to $LATE refused" \
	tls_ok lg "$TERM_IP" "$LATE" late.allowed.example

# Only the service's names teach: an answer for other.example (same address) learns nothing.
check "$WEB expires too (poll 15 s)" poll 150 not_learned "$WEB"
check "terminal resolves other.example (answer passes)" resolves lg "$TERM_IP" "$RES" other.example "$WEB"
sleep 0.2
check "an answer for other.example does not teach $WEB" not_learned "$WEB"

# 5: ClientHellos over several segments, captured in the gateway on the terminal's side.
capture_start "$TMP/split.pcap"
check "terminal resolves split.allowed.example" \
	resolves lg "$TERM_IP" "$RES" split.allowed.example "$WEB"
ref=$(refused_count)
check "5 split ClientHello (MTU 576, ffdhe8192 key share): TLS completes" \
	split_hello 576 split.allowed.example --curves ffdhe8192
check "5 split ClientHello (MTU 128, the SNI itself cut): TLS completes" \
	split_hello 128 split.allowed.example
refute "5 split ClientHello with SNI other.example refused" split_hello 128 other.example
check "5 split refusal counted by chain refused ($ref -> $(refused_count))" \
	test "$(refused_count)" -gt "$ref"
capture_stop
mapfile -t segs < <(hello_segments "$TMP/split.pcap")
check "5 the captured hellos were split (segments per hello: ${segs[*]:-none}; >= 2, >= 4, >= 4)" \
	test "${#segs[@]}" -ge 3 -a "${segs[0]:-0}" -ge 2 -a "${segs[1]:-0}" -ge 4 -a "${segs[2]:-0}" -ge 4

check "sansod still running" daemon_alive
check "SIGTERM: sansod exits" daemon_stop

finish
