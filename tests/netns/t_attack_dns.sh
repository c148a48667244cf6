#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# t_attack_dns.sh: DNS learning under attack (issue #7, item 1). The learning tap must never be
# a forwarding decision, and only an answer to a query seen leaving a resolver teaches.
#
#   lg resolver 10.20.0.53 (dnsmasq :53; test clients on 40001.. from the same address)
#        |  through [gw: sansod -f conf/breakout.conf, upstreams 10.30.0.53 and .54]
#   in  10.30.0.53 dnsmasq (lab), 10.30.0.54 fake upstream (dnsatk.py upstream: TC, RCODE,
#       huge TTL, slow and TCP answers on demand), 10.30.0.66 the attacker's TLS server
#   attacker: raw UDP from the "in" namespace with an upstream's address and source port 53
#
#   (a) a forged datagram to any resolver port does not arrive
#   (b) a forged answer with no query outstanding teaches nothing; TLS to the attacker fails
#   (c) a real query/answer still teaches and the TLS connection works
#   (d) forged answers while a query is outstanding (wrong TXID, wrong question) teach nothing,
#       and the real answer after them still teaches
#   (e) a huge TTL is capped (dns_ttl_max, default 3600 s) before floor and grace
#   (f) RCODE != 0 and TC answers teach nothing
#   (g) an answer over TCP (after a truncated UDP answer) teaches, also when it is cut over
#       several segments
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

require sansod
for tool in dnsmasq perl curl openssl python3; do
	command -v "$tool" >/dev/null || cannot_run "$tool not installed"
done
SANSOCTL=${SANSOCTL:-$(dirname "$SANSOD")/sansoctl}
[[ -x $SANSOCTL ]] || cannot_run "sansoctl not built: $SANSOCTL"
ATK=$SANSO_ROOT/tests/netns/dnsatk.py

RES=10.20.0.53		# the LGWAN resolver (dnsmasq) and our test clients
UP=10.30.0.53		# its upstream (dnsmasq)
FAKE=10.30.0.54		# the second upstream (dnsatk.py)
EVIL=10.30.0.66		# the attacker's TLS server
TERM_IP=10.20.0.130

lab_up
lab_services
n in ip addr add "$FAKE/24" dev eth0
n in ip addr add "$EVIL/24" dev eth0
ip netns exec "$LAB-in" python3 "$ATK" upstream "$FAKE" >"$TMP/fake.out" 2>&1 &
PIDS+=("$!")
poll 50 grep -q listening "$TMP/fake.out"
ip netns exec "$LAB-in" ncat -lk --ssl --ssl-cert "$SVC/tls.crt" --ssl-key "$SVC/tls.key" \
	--sh-exec "exec $SVC/httpd.sh 'tls $EVIL' $SVC/web.log" "$EVIL" 443 >/dev/null 2>&1 &
PIDS+=("$!")
wait_listen in tcp "$EVIL" 443
serve lg udp "$RES" 9999

conf_with_expiry 3600 "$SANSO_ROOT/conf/breakout.conf" "$TMP/policy.conf"
sed -i "s/upstreams = \[\"$UP\"\]/upstreams = [\"$UP\", \"$FAKE\"]/" "$TMP/policy.conf"
grep -qF "\"$FAKE\"" "$TMP/policy.conf" || fail "policy: second upstream not added"
# four workers: a query and its answer must reach the same one (the kernel's queue hash of
# the two addresses is the same in both directions), or nothing would be learned below
echo 'engine: { queues = 4; };' >>"$TMP/policy.conf"

CTL=$TMP/control
ctl() { "$SANSOCTL" -s "$CTL" "$@"; }
learned() { set_has gw bo_learn4 "$1"; }
# q SPORT NAME [--tcp ...]: a query from the resolver's address to the fake upstream
q() { n lg python3 "$ATK" query "$RES" "$1" "$FAKE" "${@:2}"; }
# spoof SRC DPORT ARGS...: a datagram from SRC:53 to the resolver's DPORT (raw socket in "in")
spoof() { n in python3 "$ATK" spoof "$1" 53 "$RES" "$2" "${@:3}"; }
qq() { q "$@" >/dev/null; }
# q_answers SPORT NAME ADDR [--tcp]: the answer has an A record for ADDR
q_answers() { q "$1" "$2" "${@:4}" | grep -qF "A $3 "; }
arrived() { grep -qF "$1" "$(srvlog udp "$RES" 9999)"; }
# counter NAME: an engine counter from sansoctl stats (0 when absent)
counter()
{
	ctl stats --prometheus 2>/dev/null |
		awk -v r="reason=\"$1\"" 'index($0, r) { v = $NF } END { print v + 0 }'
}

# ---- baseline: the same traffic on the bare lab gets through ----
spoof "$UP" 9999 --raw "baseline-a-$$"
check "baseline: a forged datagram from $UP:53 reaches resolver port 9999" poll 20 arrived "baseline-a-$$"
check "baseline: TLS SNI evil-66.allowed.example to the attacker $EVIL completes" \
	tls_ok lg "$TERM_IP" "$EVIL" evil-66.allowed.example
check "baseline: the fake upstream answers over UDP" q_answers 40000 ok-70.allowed.example 10.30.0.70
check "baseline: the fake upstream answers over TCP" \
	q_answers 40000 tcp-74.allowed.example 10.30.0.74 --tcp
check "baseline: the resolver resolves www.allowed.example" \
	resolves lg "$TERM_IP" "$RES" www.allowed.example 10.30.0.100

start()
{
	: >"$DLOG"
	ip netns exec "$LAB-gw" "$SANSOD" -f "$TMP/policy.conf" --control "$CTL" \
		--state-dir "$TMP/state" >>"$DLOG" 2>&1 &
	DPID=$!
	PIDS+=("$DPID")
	wait_log "applied generation" 1 && poll 50 test -S "$CTL"
}
mkdir -p "$TMP/state"
check "sansod -f runs the breakout policy with two upstreams" start
if ! daemon_alive; then
	sed 's/^/    sansod: /' "$DLOG"
	finish || exit 1
fi
queues_bound() { local q; for q in 0 1 2 3; do queue_bound gw "$q" || return 1; done; }
check "the engine listens on NFQUEUE 0-3" queues_bound

# ---- (a) the tap is no forwarding path ----
spoof "$UP" 9999 --raw "attack-a-$$"
spoof "$FAKE" 9999 --name evil-66.allowed.example --addr "$EVIL"
sleep 0.5
refute "(a) a forged datagram from $UP:53 to resolver port 9999 does not arrive" arrived "attack-a-$$"
refute "(a) a forged answer from $FAKE:53 to resolver port 9999 does not arrive" \
	grep -qF evil-66 "$(srvlog udp "$RES" 9999)"

# ---- (b) a forged answer, no query outstanding ----
spoof "$UP" 40001 --name evil-66.allowed.example --addr "$EVIL"
spoof "$FAKE" 40001 --name evil-66.allowed.example --addr "$EVIL"
spoof "$UP" 53 --name evil-66.allowed.example --addr "$EVIL"
sleep 0.5
refute "(b) the forged answer did not teach $EVIL (bo_learn4)" learned "$EVIL"
refute "(b) TLS SNI evil-66.allowed.example to the attacker $EVIL refused" \
	tls_ok lg "$TERM_IP" "$EVIL" evil-66.allowed.example

# ---- (c) the real thing still works ----
check "(c) the resolver resolves www.allowed.example (dnsmasq -> $UP)" \
	resolves lg "$TERM_IP" "$RES" www.allowed.example 10.30.0.100
check "(c) 10.30.0.100 learned from the real answer" learned 10.30.0.100
check "(c) TLS SNI www.allowed.example to 10.30.0.100 completes" \
	tls_ok lg "$TERM_IP" 10.30.0.100 www.allowed.example
check "(c) a query to the fake upstream is answered" qq 40002 ok-70.allowed.example
check "(c) 10.30.0.70 learned" learned 10.30.0.70
check_eq "(c) learned for TTL 30 + dns_grace 2 = 32 s" 32000 "$(elem_field gw bo_learn4 10.30.0.70 timeout)"

# ---- (d) forged answers while a query is outstanding (the fake upstream waits 1.5 s) ----
q 40003 slow-75.allowed.example --txid 1111 >"$TMP/d.out" 2>&1 &
qpid=$!
sleep 0.5
spoof "$FAKE" 40003 --txid 2222 --name slow-75.allowed.example --addr 10.30.0.67
spoof "$FAKE" 40003 --txid 1111 --name evil-68.allowed.example --addr 10.30.0.68
spoof "$UP" 40003 --txid 1111 --name slow-75.allowed.example --addr 10.30.0.69
rc=0
wait "$qpid" || rc=$?
check "(d) the real answer reached the client" test "$rc" -eq 0
refute "(d) wrong TXID: 10.30.0.67 not learned" learned 10.30.0.67
refute "(d) wrong question: 10.30.0.68 not learned" learned 10.30.0.68
refute "(d) other upstream's address: 10.30.0.69 not learned" learned 10.30.0.69
check "(d) the real answer after the forged ones taught 10.30.0.75" learned 10.30.0.75
spoof "$FAKE" 40003 --txid 1111 --name slow-75.allowed.example --addr 10.30.0.76
sleep 0.3
refute "(d) a second answer to the answered query (right id and name): 10.30.0.76 not learned" \
	learned 10.30.0.76

# ---- (e) TTL cap ----
check "(e) answer with TTL 2^31-1" qq 40004 big-71.allowed.example
check "(e) 10.30.0.71 learned" learned 10.30.0.71
t=$(elem_field gw bo_learn4 10.30.0.71 timeout)
t=$(printf '%.0f' "${t:-99999999999}")	# awk may print a huge value as 2.1e+12
check "(e) timeout ${t:-none} ms <= dns_ttl_max 3600 + dns_grace 2 s" test "${t:-99999999999}" -le 3602000

# ---- (f) RCODE != 0, TC ----
check "(f) NXDOMAIN answer with a record" qq 40005 nx-72.allowed.example
check "(f) TC answer with a record" qq 40006 tc-73.allowed.example
refute "(f) RCODE 3: 10.30.0.72 not learned" learned 10.30.0.72
refute "(f) TC: 10.30.0.73 not learned" learned 10.30.0.73

# ---- (g) TCP ----
check "(g) truncated answer over UDP" qq 40007 tcp-74.allowed.example
refute "(g) the truncated UDP answer taught nothing" learned 10.30.0.74
check "(g) the same query over TCP is answered" qq 40008 tcp-74.allowed.example --tcp
check "(g) the TCP answer taught 10.30.0.74" learned 10.30.0.74
check "(g) a TCP answer in three segments" q_answers 40009 tcpsplit-77.allowed.example 10.30.0.77 --tcp
check "(g) the answer put together from its segments taught 10.30.0.77" learned 10.30.0.77

# ---- counters (sansoctl stats --prometheus) ----
for c in dns_queries dns_answers dns_learned dns_unmatched dns_forged dns_error_answers dns_ttl_capped; do
	v=$(counter "$c")
	check "counter $c = $v (> 0)" test "$v" -gt 0
done
check "the unmatched answers were logged" grep -qi "dns answers not learned: [1-9][0-9]* unmatched" "$DLOG"

# shellcheck disable=SC2016 # awk code
echo "packets per queue: $(n gw awk '{ printf "%s:%s ", $1, $8 }' /proc/net/netfilter/nfnetlink_queue)"
check "sansod still running" daemon_alive
check "SIGTERM: sansod exits" daemon_stop
finish
