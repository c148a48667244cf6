# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# tests/netns/lib.sh: shared helpers of the netns tests (sourced, never run).
# Each test builds its own lab (tools/lab, LAB=t<pid>), runs real clients against real
# servers through the real kernel, and prints "PASS name" / "FAIL name" per assertion and a
# closing "N passed, M failed". Negative assertions are only meaningful if the same traffic
# passes without sanso, so tests first prove reachability on the bare lab (baseline).
#
# Helpers: n NODE CMD (run in ${LAB}-NODE), serve, tcp_ok, udp_ok, ping_ok, stream_*,
# check/refute (assertions), sansod_once, nft_table, finish. Node names: see tools/lab.

set -eEuo pipefail
trap '' PIPE	# a write to a cut connection must fail, not kill the test

SANSO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SANSOD=${SANSOD:-$SANSO_ROOT/build/sansod}
LABTOOL=$SANSO_ROOT/tools/lab
CONF=$SANSO_ROOT/conf/three-tier.conf
LAB=${LAB:-t$$}
export LAB
TEST_NAME=$(basename "$0" .sh)
TMO=${NETNS_TIMEOUT:-1}		# seconds a refused attempt is given before it counts as refused

PASSED=0
FAILED=0
FINISHED=0
LAB_BUILT=0
ERR_AT=""
PIDS=()
declare -A STREAM_FD=()
declare -A STREAM_SRV=()
TMP=$(mktemp -d "/tmp/sanso-$TEST_NAME.XXXXXX")
# Tests run sansoctl as other users (roles, two people) from this tree: every directory down
# to it must be searchable by them, also when the checkout lies in a 0700 mktemp directory.
# Only the search bit is added, never read or write.
if ((EUID == 0)); then
	d=$SANSO_ROOT
	while [[ $d != / ]]; do
		[[ $(stat -c %A "$d") == *x ]] || chmod o+x "$d"
		d=$(dirname "$d")
	done
fi

pass()
{
	echo "PASS $*"
	PASSED=$((PASSED + 1))
}

fail()
{
	echo "FAIL $*"
	FAILED=$((FAILED + 1))
}

# check NAME CMD...: PASS if CMD succeeds.   refute NAME CMD...: PASS if CMD fails.
check()
{
	local name=$1
	shift
	if "$@"; then pass "$name"; else fail "$name"; fi
}

refute()
{
	local name=$1
	shift
	if "$@"; then fail "$name"; else pass "$name"; fi
}

# check_eq NAME EXPECTED ACTUAL (a multi-line mismatch is shown as a short diff)
check_eq()
{
	if [[ $2 == "$3" ]]; then
		pass "$1"
	elif [[ $2$3 == *$'\n'* ]]; then
		fail "$1 (differences: - expected, + got)"
		diff -u <(echo "$2") <(echo "$3") | sed -n '3,40s/^/    /p' || true
	else
		fail "$1 (expected '$2', got '$3')"
	fi
}

finish()
{
	FINISHED=1
	echo "$PASSED passed, $FAILED failed"
	((FAILED == 0))
}

on_err()
{
	[[ -n $ERR_AT ]] || ERR_AT="$1: $2"
}

cleanup()
{
	local rc=$? fd pid
	set +e
	for fd in "${STREAM_FD[@]}"; do
		exec {fd}>&-
	done
	for pid in "${PIDS[@]}"; do
		kill "$pid" 2>/dev/null
	done
	for pid in "${PIDS[@]}"; do
		wait "$pid" 2>/dev/null
	done
	((LAB_BUILT)) && "$LABTOOL" down
	local ns
	for ns in "${EXTRA_NS[@]}"; do
		[[ -e /run/netns/$ns ]] && ip netns del "$ns"
	done
	if ((!FINISHED)); then
		fail "$TEST_NAME: aborted${ERR_AT:+ at $ERR_AT}"
		echo "$PASSED passed, $FAILED failed"
		rc=1
	fi
	for fd in "${UMOUNTS[@]}"; do
		umount "$fd" 2>/dev/null
	done
	[[ -n ${KEEP_TMP:-} ]] || rm -rf "$TMP"
	exit "$rc"
}
EXTRA_NS=()
UMOUNTS=()	# mount points the test made (tmpfs), unmounted at exit
trap cleanup EXIT
trap 'on_err "${BASH_SOURCE[0]##*/}:$LINENO" "$BASH_COMMAND"' ERR

# cannot_run REASON: outside CI a test that cannot run is skipped (exit 77); under CI=true it
# fails loudly, because a green run that tested nothing is worse than a red one.
cannot_run()
{
	if [[ ${CI:-} == true ]]; then
		fail "$TEST_NAME: cannot run: $1"
		finish || exit 1
	fi
	echo "SKIP $TEST_NAME: $1"
	FINISHED=1
	exit 77
}

require()
{
	local tool
	[[ $(id -u) -eq 0 ]] || cannot_run "needs root"
	for tool in ip nft ncat ping ss; do
		command -v "$tool" >/dev/null || cannot_run "$tool not installed"
	done
	ip netns add "$LAB-probe" 2>/dev/null || cannot_run "no network namespace support"
	ip netns del "$LAB-probe"
	[[ $1 == nosansod ]] && return 0
	[[ -x $SANSOD ]] || cannot_run "$SANSOD missing (make -C $SANSO_ROOT)"
}

n()
{
	local node=$1
	shift
	ip netns exec "$LAB-$node" "$@"
}

lab_up()
{
	LAB_BUILT=1
	"$LABTOOL" up
}

# ---- servers -------------------------------------------------------------------------

srvlog()
{
	echo "$TMP/srv-$1-${2//:/_}-$3.log"
}

# wait_listen NODE tcp|udp ADDR PORT: poll ss until the socket is bound (at most 5 s).
wait_listen()
{
	local node=$1 proto=$2 addr=$3 port=$4 i opt=-Hltn
	[[ $proto == udp ]] && opt=-Hlun
	[[ $addr == *:* ]] && addr="[$addr]"
	for ((i = 0; i < 100; i++)); do
		n "$node" ss "$opt" | awk '{print $4}' | grep -qxF "$addr:$port" && return 0
		sleep 0.05
	done
	echo "listener $proto $addr:$port in $LAB-$node did not come up" >&2
	return 1
}

# Background processes are started with a plain `ip netns exec ... &` (not through n(), which
# would fork a subshell), so that $! is the PID of the process itself.

# serve NODE tcp|udp ADDR PORT: a listener bound to exactly ADDR:PORT; everything it receives
# is appended to $(srvlog PROTO ADDR PORT), which is how tests prove receipt.
serve()
{
	local node=$1 proto=$2 addr=$3 port=$4 log
	log=$(srvlog "$proto" "$addr" "$port")
	: >"$log"
	if [[ $proto == tcp ]]; then
		ip netns exec "$LAB-$node" ncat -lk --recv-only "$addr" "$port" >>"$log" 2>/dev/null &
	else
		# ncat keeps a UDP listener open only with --sh-exec: one child per peer.
		ip netns exec "$LAB-$node" ncat -luk --sh-exec "exec cat >>$log" "$addr" "$port" \
			>/dev/null 2>&1 &
	fi
	PIDS+=("$!")
	wait_listen "$node" "$proto" "$addr" "$port"
}

# ---- clients (each returns 0 when the traffic got through) ---------------------------

# tcp_ok NODE SRC DST PORT: a full TCP handshake from SRC to DST:PORT.
tcp_ok()
{
	n "$1" ncat -z -w "$TMO" -s "$2" "$3" "$4" >/dev/null 2>&1
}

TOKEN_SEQ=0
token()
{
	TOKEN_SEQ=$((TOKEN_SEQ + 1))
	echo "tok-$$-$TOKEN_SEQ-$RANDOM"
}

# in_log LOG TOKEN TENTHS: poll LOG for TOKEN for at most TENTHS tenths of a second.
in_log()
{
	local i
	for ((i = 0; i < $3; i++)); do
		grep -qF "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	grep -qF "$2" "$1" 2>/dev/null
}

# udp_ok NODE SRC DST PORT: a datagram from SRC reaches the listener on DST:PORT (proved by
# the server's log, UDP has no handshake to look at).
udp_ok()
{
	local tok
	tok=$(token)
	echo "$tok" | n "$1" ncat -u --send-only -w "$TMO" -s "$2" "$3" "$4" >/dev/null 2>&1 || true
	in_log "$(srvlog udp "$3" "$4")" "$tok" $((TMO * 10))
}

# tcp_data_ok NODE SRC DST PORT: a TCP connection that carries a line to the server.
tcp_data_ok()
{
	local tok
	tok=$(token)
	echo "$tok" | n "$1" ncat --send-only -w "$TMO" -s "$2" "$3" "$4" >/dev/null 2>&1 || return 1
	in_log "$(srvlog tcp "$3" "$4")" "$tok" $((TMO * 10))
}

# ping_ok NODE SRC DST
ping_ok()
{
	n "$1" ping -c1 -W"$TMO" -I "$2" "$3" >/dev/null 2>&1
}

# attempt NAME NODE tcp|udp|icmp SRC DST PORT: 0 when the traffic got through.
attempt()
{
	local node=$2 proto=$3 src=$4 dst=$5 port=$6
	case $proto in
	tcp) tcp_ok "$node" "$src" "$dst" "$port" ;;
	udp) udp_ok "$node" "$src" "$dst" "$port" ;;
	icmp) ping_ok "$node" "$src" "$dst" ;;
	*) return 2 ;;
	esac
}

# expect_all pass|fail LABEL SPEC...: make every attempt (SPEC is "name|node|proto|src|dst|port")
# in parallel, so refusals cost one timeout in all, then assert each in order.
expect_all()
{
	local want=$1 label=$2 spec i=0 got
	local -a pids=() f
	shift 2
	for spec in "$@"; do
		IFS='|' read -r -a f <<<"$spec"
		(if attempt "${f[@]}"; then echo pass; else echo fail; fi >"$TMP/attempt.$i") &
		pids+=("$!")
		i=$((i + 1))
	done
	wait "${pids[@]}" || true
	i=0
	for spec in "$@"; do
		got=$(cat "$TMP/attempt.$i" 2>/dev/null || echo error)
		if [[ $got == "$want" ]]; then
			pass "$label: ${spec%%|*}"
		else
			case $got in
			pass) got="got through" ;;
			fail) got="was refused" ;;
			esac
			fail "$label: ${spec%%|*} (traffic $got)"
		fi
		i=$((i + 1))
	done
}

# ---- long-lived connections ----------------------------------------------------------

# stream_open NAME NODE SRC DST PORT: a TCP connection that stays open, fed through a fifo;
# the server side must already listen (serve NODE tcp DST PORT).
stream_open()
{
	local name=$1 node=$2 src=$3 dst=$4 port=$5 fd
	mkfifo "$TMP/$name.fifo"
	ip netns exec "$LAB-$node" ncat -s "$src" "$dst" "$port" <"$TMP/$name.fifo" >/dev/null \
		2>"$TMP/$name.err" &
	PIDS+=("$!")
	exec {fd}>"$TMP/$name.fifo"
	STREAM_FD[$name]=$fd
	STREAM_SRV[$name]=$(srvlog tcp "$dst" "$port")
}

# stream_passes NAME: a fresh line written on the open connection reaches the server (2 s).
stream_passes()
{
	local tok fd=${STREAM_FD[$1]}
	tok=$(token)
	echo "$tok" >&"$fd" || return 1
	in_log "${STREAM_SRV[$1]}" "$tok" 20
}

# stream_cut NAME: a line written on the open connection does NOT reach the server (2 s).
stream_cut()
{
	! stream_passes "$1"
}

# ---- sansod and the kernel table ------------------------------------------------------

# sansod_once ARG...: `sansod --once ARG...` in the gateway; its messages are shown only when
# it fails.
sansod_once()
{
	local rc=0
	n gw "$SANSOD" --once "$@" >"$TMP/sansod-once.out" 2>&1 || rc=$?
	((rc == 0)) || sed 's/^/    sansod: /' "$TMP/sansod-once.out"
	return $rc
}

has_table()
{
	n "$1" nft list table inet sanso >/dev/null 2>&1
}

# nft_table NODE: the sanso table, stripped of what changes by itself (counters, element
# timeouts still running, rule handles, the elements of dynamic sets: the per-source meters
# fill and empty with traffic) and of the table's ownership (flags owner/persist and
# "# progname": the daemon owns the table while it runs; nft 1.0.6 shows persist as an
# empty "flags"), so two listings can be compared byte for byte.
nft_table()
{
	n "$1" nft list table inet sanso | normalize_nft
}

normalize_nft()
{
	sed -E -e 's/counter packets [0-9]+ bytes [0-9]+/counter/g' \
		-e 's/ expires [0-9dhms.]+//g' -e 's/ # handle [0-9]+//g' \
		-e 's/^(table .*\{) # progname .*/\1/' |
		awk 'drop && /^$/ { drop = 0; next }
			{ drop = 0 }
			/^\tflags / { drop = 1; next }
			/^\t(set|map) / { dyn = 0 }
			/^\t\tflags .*dynamic/ { dyn = 1 }
			dyn && /^\t\telements = / { skip = 1 }
			skip { if (/}$/) skip = 0; next }
			{ print }' | sort_nft_blocks
}

# The table's sets, maps and chains in name order: a delta creates a set after the others,
# a table replace in compile order; the same table either way.
sort_nft_blocks()
{
	awk '/^table / { print "0" $0; next }
		/^}/ { print "2" $0; next }
		/^\t[a-z]+ .* \{$/ { blk = "1" $0; next }
		blk != "" && /^\t}$/ { print blk "\001" $0; blk = ""; next }
		blk != "" { blk = blk "\001" $0; next }
		{ print "1~" $0 }' | LC_ALL=C sort | sed 's/^[012]//; s/^~//' | tr '\001' '\n'
}

# drop_count NODE PATTERN: packets counted by the drop rules of the chains whose rules
# mention PATTERN (e.g. a log prefix "sanso drop mynumber>internet").
drop_count()
{
	{ n "$1" nft list table inet sanso 2>/dev/null || true; } | awk -v pat="$2" '
		/^[[:space:]]*chain / { chain = $2 }
		index($0, pat) { want[chain] = 1 }
		/counter packets [0-9]+/ && / (drop|reject)/ {
			for (i = 1; i < NF; i++)
				if ($i == "packets") c[chain] += $(i + 1)
		}
		END { s = 0; for (ch in want) s += c[ch]; print s + 0 }'
}

# chain_drops NODE CHAIN: packets counted by the drop rules of one chain.
chain_drops()
{
	{ n "$1" nft list chain inet sanso "$2" 2>/dev/null || true; } | awk '
		/counter packets [0-9]+/ && / (drop|reject)/ {
			for (i = 1; i < NF; i++) if ($i == "packets") s += $(i + 1)
		}
		END { print s + 0 }'
}

# conf_with_expiry SECONDS_FROM_NOW [IN] [OUT]: the policy with every exception expiring then.
conf_with_expiry()
{
	local when in=${2:-$CONF} out=${3:-/dev/stdout}
	when=$(date -d "@$(($(date +%s) + $1))" +%Y-%m-%dT%H:%M:%S%:z)
	sed -E "s/expires = \"[^\"]*\"/expires = \"$when\"/" "$in" >"$out"
}

# conf_without_flow NAME [IN]: the policy minus the flow NAME (its whole { ... } entry).
conf_without_flow()
{
	awk -v name="$1" '
		skip && /\}[,]?[[:space:]]*$/ { skip = 0; next }
		skip { next }
		index($0, "{ name = \"" name "\";") { if ($0 !~ /\}[,]?[[:space:]]*$/) skip = 1; next }
		{ print }' "${2:-$CONF}"
}

# ---- sansod as a daemon ---------------------------------------------------------------

DPID=""
DLOG=$TMP/sansod.log

# daemon_start FILE: `sansod -f FILE` in the gateway, in the background; waits (10 s at most)
# for its first "applied generation". DPID is the daemon's own PID.
daemon_start()
{
	: >"$DLOG"
	ip netns exec "$LAB-gw" "$SANSOD" -f "$1" "${@:2}" >>"$DLOG" 2>&1 &
	DPID=$!
	PIDS+=("$DPID")
	wait_log "applied generation" 1
}

daemon_alive()
{
	[[ -n $DPID ]] && kill -0 "$DPID" 2>/dev/null
}

# log_count TEXT: lines of the daemon's log containing TEXT.
log_count()
{
	grep -cF "$1" "$DLOG" 2>/dev/null || true
}

# wait_log TEXT N: poll (10 s at most) until TEXT has appeared N times in the daemon's log.
wait_log()
{
	local i
	for ((i = 0; i < 200; i++)); do
		(($(log_count "$1") >= $2)) && return 0
		daemon_alive || break
		sleep 0.05
	done
	(($(log_count "$1") >= $2))
}

# daemon_hup TEXT: SIGHUP, then wait for one more TEXT ("applied generation" or
# "reload refused") than there was before.
daemon_hup()
{
	local before
	before=$(log_count "$1")
	kill -HUP "$DPID" || return 1
	wait_log "$1" $((before + 1))
}

# shellcheck disable=SC2034 # DSTATUS is read by the tests
# daemon_stop: SIGTERM, then wait (5 s at most) for the daemon to exit; its exit status is
# left in DSTATUS.
daemon_stop()
{
	local i
	DSTATUS=""
	kill -TERM "$DPID" 2>/dev/null || return 1
	for ((i = 0; i < 100; i++)); do
		daemon_alive || break
		sleep 0.05
	done
	daemon_alive && return 1
	DSTATUS=0
	wait "$DPID" || DSTATUS=$?
	DPID=""
}

# kernel_only FILE: make every flow of a policy kernel-decided (verdict = "kernel"), for tests
# of the ruleset alone: flows touching the My Number zone are otherwise decided by the engine,
# which runs only inside the daemon (with --once they are refused: fail closed).
kernel_only()
{
	sed -i 's/class = \("[a-z-]*"\);/class = \1; verdict = "kernel";/' "$1"
	grep -q 'verdict = "kernel"' "$1" || fail "kernel_only: no flow in $1"
}

# ---- the verdict engine and local breakout (t_engine, t_breakout) ------------------------

# daemon_kill: kill -9 the daemon (no chance to clean up) and reap it.
daemon_kill()
{
	kill -KILL "$DPID" 2>/dev/null || return 1
	wait "$DPID" 2>/dev/null || true
	DPID=""
}

# poll TENTHS CMD...: retry CMD every tenth of a second until it succeeds (TENTHS tries at most).
poll()
{
	local i n=$1
	shift
	for ((i = 1; i < n; i++)); do
		"$@" && return 0
		sleep 0.1
	done
	"$@"
}

# queue_bound NODE NUM: a process listens on NFQUEUE NUM in the node (its own /proc/net view).
queue_bound()
{
	n "$1" cat /proc/net/netfilter/nfnetlink_queue 2>/dev/null |
		awk -v q="$2" '$1 == q { found = 1 } END { exit !found }'
}

# ct_marks NODE CONNTRACK_FILTER...: the ct marks (decimal) of the matching conntrack entries.
ct_marks()
{
	local node=$1
	shift
	n "$node" conntrack -L "$@" 2>/dev/null | sed -n 's/.* mark=\([0-9]*\).*/\1/p'
}

# set_has NODE SET ELEMENT: the element is in set SET of table inet sanso.
set_has()
{
	n "$1" nft get element inet sanso "$2" "{ $3 }" >/dev/null 2>&1
}

# elem_field NODE SET ADDR timeout|expires: an element's timeout or time left, in milliseconds
# (empty when the address is not in the set).
elem_field()
{
	{ n "$1" nft list set inet sanso "$2" 2>/dev/null || true; } | tr '{},' '\n' |
		awk -v a="$3" -v f="$4" '$1 == a {
			for (i = 2; i < NF; i++) if ($i == f) v = $(i + 1)
			ms = 0
			while (match(v, /^[0-9]+(ms|d|h|m|s)/)) {
				t = substr(v, 1, RLENGTH); v = substr(v, RLENGTH + 1)
				u = t; sub(/^[0-9]+/, "", u); x = t + 0
				ms += x * (u == "ms" ? 1 : u == "s" ? 1000 : u == "m" ? 60000 : u == "h" ? 3600000 : 86400000)
			}
			print ms
			exit
		}'
}

# dns_query NODE SRC SERVER NAME: one DNS query (A, UDP, recursion desired) from SRC to
# SERVER:53, made by a few lines of perl (perl-base is on every Debian; dig often is not).
# Prints "ADDR TTL" for each A record of the answer; fails on no answer within TMO + 1 s, an
# error code, or an answer to another query.
# shellcheck disable=SC2016 # perl code, not shell
DNSQ_PERL='
use strict; use warnings; use IO::Socket::INET;
my ($src, $srv, $name, $tmo) = @ARGV;
my $id = int(rand(65536));
my $q = pack("n6", $id, 0x0100, 1, 0, 0, 0);
$q .= pack("C", length $_) . $_ for split /\./, $name;
$q .= pack("Cnn", 0, 1, 1);
my $s = IO::Socket::INET->new(Proto => "udp", LocalAddr => $src, PeerAddr => "$srv:53")
	or die "dns_query: socket: $!\n";
$s->send($q) or die "dns_query: send: $!\n";
my $rin = ""; vec($rin, fileno($s), 1) = 1;
select(my $r = $rin, undef, undef, $tmo) or die "dns_query: no answer from $srv\n";
my $a; defined $s->recv($a, 65535) or die "dns_query: recv: $!\n";
my ($rid, $fl, $qd, $an) = unpack("n4", $a);
die "dns_query: answer to another query\n" if $rid != $id || !($fl & 0x8000);
die "dns_query: rcode " . ($fl & 15) . "\n" if $fl & 15;
my $p = 12;
my $skip = sub {
	while (1) {
		my $l = ord substr($a, $p, 1);
		if ($l >= 192) { $p += 2; return }
		$p++;
		return if !$l;
		$p += $l;
	}
};
for (1 .. $qd) { $skip->(); $p += 4 }
for (1 .. $an) {
	$skip->();
	my ($type, $class, $ttl, $len) = unpack("nnNn", substr($a, $p, 10));
	$p += 10;
	print join(".", unpack("C4", substr($a, $p, 4))), " $ttl\n" if $type == 1 && $len == 4;
	$p += $len;
}
'
dns_query()
{
	n "$1" perl -e "$DNSQ_PERL" "$2" "$3" "$4" "$((TMO + 1))"
}

# resolves NODE SRC SERVER NAME ADDR: the answer for NAME contains ADDR.
resolves()
{
	local out try
	for try in 1 2; do	# one retry: UDP, and a forwarding resolver under load
		out=$(dns_query "$1" "$2" "$3" "$4" 2>/dev/null) &&
			awk -v a="$5" '$1 == a { found = 1 } END { exit !found }' <<<"$out" &&
			return 0
		: "$try"
	done
	return 1
}

# tls_ok NODE SRC ADDR NAME [CURL_OPTION...]: an HTTPS request from SRC to ADDR:443 with SNI
# NAME completes: handshake done and the body of the lab's web server (tools/lab services)
# returned. NAME "-" makes a request to the bare address, without SNI.
tls_ok()
{
	local node=$1 src=$2 addr=$3 name=$4 out url
	shift 4
	url=https://$name/
	if [[ $name == - ]]; then
		url=https://$addr/
		set -- "$@" --resolve "x:443:$addr"
	else
		set -- "$@" --resolve "$name:443:$addr"
	fi
	out=$(n "$node" curl -sS -k -m "$((TMO + 2))" --interface "$src" "$@" "$url" 2>/dev/null) ||
		return 1
	[[ $out == "sanso-lab tls $addr "* ]]
}

# http_ok NODE SRC ADDR HOST: an HTTP request from SRC to ADDR:80 with Host HOST is answered.
http_ok()
{
	local out
	out=$(n "$1" curl -sS -m "$((TMO + 2))" --interface "$2" -H "Host: $4" "http://$3/" \
		2>/dev/null) || return 1
	[[ $out == "sanso-lab http $3 $4" ]]
}

# expect_mixed LABEL SPEC...: run every SPEC ("pass|name|command word..." or "fail|..."; the
# words are split on blanks) in parallel, so refusals cost one timeout in all; then assert
# each: "pass" must succeed, "fail" must fail.
expect_mixed()
{
	local label=$1 spec i=0 want name got
	local -a pids=() cmd
	shift
	for spec in "$@"; do
		read -r -a cmd <<<"${spec#*|*|}"
		(if "${cmd[@]}"; then echo pass; else echo fail; fi >"$TMP/mixed.$i") &
		pids+=("$!")
		i=$((i + 1))
	done
	wait "${pids[@]}" || true
	i=0
	for spec in "$@"; do
		want=${spec%%|*}
		name=${spec#*|}
		name=${name%%|*}
		got=$(cat "$TMP/mixed.$i" 2>/dev/null || echo error)
		if [[ $got == "$want" ]]; then
			pass "$label: $name"
		else
			case $got in
			pass) got="got through" ;;
			fail) got="was refused" ;;
			esac
			fail "$label: $name (expected to $want, $got)"
		fi
		i=$((i + 1))
	done
}

# lab_services: the servers of the breakout lab (tools/lab services: DNS resolver 10.20.0.53
# and its upstream 10.30.0.53, TLS on 10.30.0.100/101:443, HTTP on 10.30.0.100:80), logs in
# $SVC. Their PIDs join PIDS.
SVC=$TMP/svc
lab_services()
{
	local f
	"$LABTOOL" services "$SVC" || return 1
	for f in "$SVC"/*.pid; do
		PIDS+=("$(cat "$f")")
	done
}

# ---- a large policy with the lab's hosts (t_delta, t_delta_race) --------------------------

# delta_setup: the large policy (delta_policy) in $TMP/policy.conf, checked; CTL, STATE,
# AUDIT; ctl (sansoctl on CTL) and start (sansod -f on the gateway, with extra arguments).
delta_setup()
{
	CTL=$TMP/control
	STATE=$TMP/state
	AUDIT=$TMP/audit.jsonl
	mkdir -p "$STATE"
	delta_policy "$TMP/policy.conf"
	check "the large policy is valid" bash -c "'$SANSOD' -n -f '$TMP/policy.conf' >/dev/null 2>&1"
	check "the large policy has more than 20000 set elements" \
		test "$("$SANSOD" --print-nft -f "$TMP/policy.conf" | grep -o '/24' | wc -l)" -gt 20000
	ctl() { "$SANSOCTL" -s "$CTL" "$@"; }
	start()
	{
		: >"$DLOG"
		ip netns exec "$LAB-gw" "$SANSOD" -f "$TMP/policy.conf" --control "$CTL" \
			--state-dir "$STATE" --audit "$AUDIT" "$@" >>"$DLOG" 2>&1 &
		DPID=$!
		PIDS+=("$DPID")
		wait_log "applied generation" 1 && poll 50 test -S "$CTL"
	}
}

# delta_policy OUT: tests/bench/gen-policy.sh's policy (DELTA_HOSTS, DELTA_FLOWS,
# DELTA_PREFIXES: 2000, 2000, 20000, ~25k set elements), its zones widened to the lab's
# networks, plus admin-01 10.20.0.10 and term-01 10.20.0.130 (lgwan) -> e-apply 10.40.0.10
# (dmz) tcp/443: flows lab-admin and lab-term.
delta_policy()
{
	"$SANSO_ROOT/tests/bench/gen-policy.sh" "${DELTA_HOSTS:-2000}" "${DELTA_FLOWS:-2000}" \
		"${DELTA_PREFIXES:-20000}" |
		sed -e 's|^\(  lgwan: .*networks = \["10.64.0.0/10"\)|\1, "10.20.0.0/24"|' \
		    -e 's|^\(  dmz: .*networks = \["10.200.0.0/16"\)|\1, "10.40.0.0/24"|' \
		    -e 's|^hosts: ($|&\n  { name = "admin-01"; zone = "lgwan"; ipv4 = "10.20.0.10"; },\n  { name = "term-01"; zone = "lgwan"; ipv4 = "10.20.0.130"; },\n  { name = "e-apply"; zone = "dmz"; ipv4 = "10.40.0.10"; },|' \
		    -e 's|^flows: ($|&\n  { name = "lab-admin"; class = "peer"; from = "admin-01"; to = "e-apply"; proto = "tcp"; ports = [443]; approval = "AP-D1"; purpose = "t_delta"; },\n  { name = "lab-term"; class = "peer"; from = "term-01"; to = "e-apply"; proto = "tcp"; ports = [443]; approval = "AP-D2"; purpose = "t_delta"; },|' \
		    >"$1"
	chmod 0644 "$1"
}
