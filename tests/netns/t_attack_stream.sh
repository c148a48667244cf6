#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# t_attack_stream.sh: the breakout engine and the server must see the same bytes, and one
# terminal must not exhaust the engine's reassembly state (issue #7, items 2 and 3).
# conf/breakout.conf with the service's address listed (10.30.0.100/32: no DNS needed).
# Crafted TCP from 10.20.0.140 (an extra terminal address in the lg namespace, whose own RSTs
# are dropped there); real sockets from the terminals 10.20.0.130 and 10.20.0.200.
#
#   lg 10.20.0.140 (raw)  ---+                        +--- in 10.30.0.100:443/80: listener
#   lg 10.20.0.130/.200  ----+-- gw (sansod -f) ------+    logging every byte its
#                                                     |    application receives (srv.log)
#                                                     +--- sniffer on in's eth0 (sniff.log)
#
# Every attack is first run on the bare lab, where its bytes must reach the server (so each
# "never reached" later is sanso's doing).
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

require sansod
command -v python3 >/dev/null || cannot_run "python3 not installed"
SANSOCTL=${SANSOCTL:-$(dirname "$SANSOD")/sansoctl}
[[ -x $SANSOCTL ]] || cannot_run "sansoctl not built: $SANSOCTL"
TOOL=$SANSO_ROOT/tests/netns/stream_tool.py
ATK=10.20.0.140		# crafting terminal (raw sockets)
T1=10.20.0.130		# terminal
T2=10.20.0.200		# another terminal
WEB=10.30.0.100

lab_up
n lg ip addr add "$ATK/24" dev eth0
n lg nft -f - <<EOF
table inet craft {
	chain out { type filter hook output priority 0; ip saddr $ATK tcp flags rst drop; }
}
EOF
SRV=$TMP/srv.log
SNIFF=$TMP/sniff.log
: >"$SRV"
: >"$SNIFF"
ip netns exec "$LAB-in" python3 "$TOOL" server "$SRV" "$WEB" 443 80 &
PIDS+=("$!")
ip netns exec "$LAB-in" python3 "$TOOL" sniff "$SNIFF" eth0 &
PIDS+=("$!")
wait_listen in tcp "$WEB" 443
wait_listen in tcp "$WEB" 80
sed -E 's/^( *fqdns = .*)$/\1 prefixes = ["10.30.0.100\/32"];/' "$SANSO_ROOT/conf/breakout.conf" |
	conf_with_expiry 3600 /dev/stdin "$TMP/policy.conf"

tool()
{
	local node=$1
	shift
	n "$node" python3 "$TOOL" "$@"
}

sniffed()	# sniffed MARK: a segment carrying MARK reached the server's namespace
{
	sleep 0.3
	grep -qF "$1" "$SNIFF"
}

served()	# served PORT PATTERN: the server's application received PATTERN on PORT
{
	sleep 0.3
	grep -qE "^$1 .*$2" "$SRV"
}

# reanchor SPORT ISN: a handshake; a spoofed second SYN-ACK (from the Internet side) acking
# ISN+1+5000; a ClientHello naming evil.example at ISN+1 (the real first bytes) and one naming
# www.allowed.example at ISN+1+5000. Succeeds when the handshake completed.
reanchor()
{
	local fifo=$TMP/go.$1 out=$TMP/reanchor.$1 pid
	mkfifo "$fifo"
	ip netns exec "$LAB-lg" python3 "$TOOL" raw "$ATK" "$WEB" 443 reanchor "$1" "$2" "$fifo" \
		>"$out" 2>&1 &
	pid=$!
	poll 50 grep -q handshake "$out" || true
	tool in synack "$WEB" 443 "$ATK" "$1" 777 $(($2 + 1 + 5000))
	echo go >"$fifo"
	wait "$pid" || true
	grep -q "handshake ok" "$out"
}

# sansod with its control socket, state and audit trail in $TMP (parallel labs never share them)
start_sansod()
{
	: >"$DLOG"
	mkdir -p "$TMP/state"
	ip netns exec "$LAB-gw" "$SANSOD" -f "$1" --control "$TMP/control" --state-dir "$TMP/state" \
		--audit "$TMP/audit.jsonl" >>"$DLOG" 2>&1 &
	DPID=$!
	PIDS+=("$DPID")
	wait_log "applied generation" 1
}

engine_count()	# engine_count REASON: the engine's counter (sansoctl stats --prometheus)
{
	"$SANSOCTL" -s "$TMP/control" stats --prometheus 2>/dev/null |
		awk -v r="sanso_engine_total{reason=\"$1\"}" '$1 == r { print $2; found = 1 }
			END { if (!found) print -1 }'
}

counted()	# counted REASON: the counter moved
{
	(($(engine_count "$1") > 0))
}

junk_sent()	# junk SRC: 16,000 junk bytes after a record header announcing a big ClientHello
{
	[[ $(tool lg junk "$1" "$WEB" 443 16000) == 16000 ]]
}

keepalive()	# keepalive SRC: "first ok|fail" / "second ok|fail" of two requests on one connection
{
	tool lg keepalive "$1" "$WEB" www.allowed.example "$2"
}

# ---- the bare lab: every attack gets its bytes to the server ----
tool lg raw "$ATK" "$WEB" 443 syn-data MARK-SYNDATA-0
check "baseline: a SYN carrying data reaches the server" sniffed MARK-SYNDATA-0
tool lg raw "$ATK" "$WEB" 443 ack-psh MARK-ACKPSH-0
check "baseline: ACK+PSH without a handshake reaches the server" sniffed MARK-ACKPSH-0
check "baseline: crafted handshake completes" reanchor 41000 1000000
check "baseline: the crafted stream's first bytes (evil.example) reach the server" \
	served 443 "evil\.example"
check "baseline: 16,000 junk bytes sent" junk_sent "$T1"
check "baseline: the junk reaches the server" served 443 JJJJJJJJ
check_eq "baseline: HTTP keep-alive, two requests on one connection" \
	$'first ok\nsecond ok' "$(keepalive "$T1" other.example)"
check "baseline: the second request (Host other.example) reached the server" \
	served 80 "Host:\.other\.example"
check_eq "baseline: 20 ClientHellos from $T2" 20 "$(tool lg clients "$T2" "$WEB" 443 20 www.allowed.example)"
: >"$SRV"
: >"$SNIFF"

# ---- under sansod ----
check "sansod -f runs the policy" start_sansod "$TMP/policy.conf"
if ! daemon_alive || ! has_table gw; then
	sed 's/^/    sansod: /' "$DLOG"
	finish || exit 1
fi
check "the engine listens on NFQUEUE 0" queue_bound gw 0
check_eq "allowed: 5 ClientHellos naming www.allowed.example from $T1 pass" 5 \
	"$(tool lg clients "$T1" "$WEB" 443 5 www.allowed.example)"
check_eq "refused: a ClientHello naming evil.example" 0 \
	"$(tool lg clients "$T1" "$WEB" 443 1 evil.example)"

# held segments cost a retransmission, not the connection (the time is shown, not judged)
split=$(tool lg split "$T1" "$WEB" 443 www.allowed.example)
echo "    ClientHello in 3 segments: ${split:-none} (ms from connect to the server's answer)"
check "a ClientHello in 3 segments passes" test "${split%% *}" = ok

# item 2: candidates only from a clean handshake
tool lg raw "$ATK" "$WEB" 443 syn-data MARK-SYNDATA-1
refute "a SYN carrying data is not delivered to the server" sniffed MARK-SYNDATA-1
tool lg raw "$ATK" "$WEB" 443 ack-psh MARK-ACKPSH-1
refute "ACK+PSH without a handshake is not delivered to the server" sniffed MARK-ACKPSH-1
check "counted: breakout_no_handshake ($(engine_count breakout_no_handshake))" \
	counted breakout_no_handshake

# item 2: anchored once at the client's ISN+1; a second SYN-ACK does not move it
check "crafted handshake completes" reanchor 42000 2000000
refute "re-anchoring: the real first bytes (evil.example) never reach the server" \
	served 443 "$ATK:42000 .*evil\.example"
refute "re-anchoring: the later bytes (www.allowed.example) never reach the server" \
	served 443 "$ATK:42000 .*allowed\.example"
check "counted: breakout_anchor_contradicted ($(engine_count breakout_anchor_contradicted))" \
	counted breakout_anchor_contradicted

# held segments reach the server after the decision: as retransmissions of the judged bytes only
n lg python3 "$TOOL" raw "$ATK" "$WEB" 443 swap 43000 >"$TMP/swap.out" 2>&1 || true
check "swap: crafted handshake completes" grep -q "handshake ok" "$TMP/swap.out"
refute "swap: a held segment changed after the decision (evil000.example.com) never reaches the server" \
	served 443 "$ATK:43000 .*evil000"

# item 2: until a decision, client segments are held or dropped
check "16,000 junk bytes sent" junk_sent "$T1"
refute "the junk before any decision never reaches the server" served 443 JJJJ

# item 2: HTTP keep-alive; one request per connection (the second is cut, conf/REFERENCE.md)
ka=$(keepalive "$T1" evil.example 2>/dev/null)
check_eq "HTTP keep-alive: the first request (www.allowed.example) is answered" "first ok" \
	"$(head -1 <<<"$ka")"
check_eq "HTTP keep-alive: the second request on the connection is cut" "second fail" \
	"$(tail -1 <<<"$ka")"
refute "HTTP keep-alive: the server never saw Host evil.example" served 80 "evil\.example"
check "HTTP keep-alive: the first request (Host www.allowed.example) reached the server" \
	served 80 "Host:\.www\.allowed\.example"
check "counted: breakout_http_second_request ($(engine_count breakout_http_second_request))" \
	counted breakout_http_second_request

# item 3: 1,200 idle handshakes from one terminal
ip netns exec "$LAB-lg" python3 "$TOOL" raw "$ATK" "$WEB" 443 idle 1200 >"$TMP/idle.out" 2>&1 &
PIDS+=("$!")
poll 100 grep -q handshakes "$TMP/idle.out" || true
echo "    idle handshakes from $ATK: $(cat "$TMP/idle.out")"
sleep 2
got=$(tool lg clients "$T2" "$WEB" 443 200 www.allowed.example)
check_eq "after 1,200 idle handshakes from $ATK: 200 ClientHellos from $T2 pass" 200 "$got"
check "counted: breakout_source_quota ($(engine_count breakout_source_quota))" \
	counted breakout_source_quota
check "the refusals over the source quota raise engine.overload" \
	poll 100 grep -q "SANSO_EVENT=engine.overload .*over a source's quota" "$DLOG"
check_eq "after 1,200 idle handshakes: a HTTP request from $T1 is answered" "first ok" \
	"$(keepalive "$T1" www.allowed.example 2>/dev/null | sed -n 1p)"

check "sansod still running" daemon_alive
check "SIGTERM: sansod exits" daemon_stop
finish
