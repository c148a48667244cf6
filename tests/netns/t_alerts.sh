#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# t_alerts.sh: alerts (issue 11: R93, R97) and the metrics file, on the real kernel.
#   The user's side: a syslog collector (UDP and TCP, tests/netns/syslog_sink.py) receives
#   RFC 5424 with structured data for `sansoctl alert test`, for a real event (table inet
#   sanso deleted with nft from outside: table.removed) and for an exception expiring
#   within 30 days; the alert command gets the event as JSON on stdin; a burst of one event
#   is rate-limited and the count of those suppressed is kept; --metrics-file appears, is
#   valid Prometheus text and is rewritten.
#   The attacker's side: a TCP collector that accepts and never reads, and a command that
#   never ends, while hundreds of alerts are raised: the daemon still answers at once, drops
#   (and counts) what the collector does not take, kills the command after its timeout.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

require sansod
SANSOCTL=${SANSOCTL:-$(dirname "$SANSOD")/sansoctl}
[[ -x $SANSOCTL ]] || cannot_run "sansoctl not built: $SANSOCTL"
lab_up

CTL=$TMP/control
SYSLOG=$TMP/syslog.out
CMDOUT=$TMP/cmd.out
METRICS=$TMP/metrics/sanso.prom
mkdir -p "$TMP/metrics"
chmod 0755 "$TMP"
ctl() { "$SANSOCTL" -s "$CTL" "$@"; }
lines() { grep -c "$@" 2>/dev/null || true; }
SCANS=()

# the collectors and the commands
n gw python3 "$SANSO_ROOT/tests/netns/syslog_sink.py" "$SYSLOG" --udp 5514 --tcp 5515 &
PIDS+=("$!")
n gw python3 "$SANSO_ROOT/tests/netns/syslog_sink.py" "$TMP/stalled.out" --tcp 5516 --stall &
PIDS+=("$!")
wait_listen gw udp 127.0.0.1 5514
wait_listen gw tcp 127.0.0.1 5515
wait_listen gw tcp 127.0.0.1 5516
cat >"$TMP/cmd.sh" <<CMD
#!/bin/sh
# the alert command: its event as JSON on stdin, the event name as argv[1]
{ cat; echo "argv1=\$1 env=\$SANSO_EVENT"; } >>"$CMDOUT"
CMD
cat >"$TMP/sleep.sh" <<'CMD'
#!/bin/sh
exec sleep 100000
CMD
chmod 0755 "$TMP/cmd.sh" "$TMP/sleep.sh"

# the policy: the exceptions expire in 10 days (exception.expiring), alerts to both
conf_with_expiry $((10 * 86400)) "$CONF" "$TMP/policy.conf"
cat >>"$TMP/policy.conf" <<EOF2
alerts: {
  syslog = ["udp://127.0.0.1:5514", "tcp://127.0.0.1:5515"];
  command = "$TMP/cmd.sh";
  command_timeout = 10;
};
EOF2
check "sansod -n accepts the alerts section" "$SANSOD" -n -f "$TMP/policy.conf"
sed 's|tcp://127.0.0.1:5515|tcp://collector.example:514|' "$TMP/policy.conf" >"$TMP/bad.conf"
check "a collector by name is refused at file:line:column" \
	bash -c "! '$SANSOD' -n -f '$TMP/bad.conf' 2>'$TMP/bad.err' && grep -q 'bad.conf:[0-9]*:[0-9]*: .*alerts: syslog: .tcp://collector.example:514. is not a collector: .*literal' '$TMP/bad.err'"

: >"$DLOG"
# --no-persist: the table has no owner, so another process can delete it (t_attack_kern (b))
mkdir -p "$TMP/flows"
ip netns exec "$LAB-gw" "$SANSOD" -f "$TMP/policy.conf" --control "$CTL" --no-persist \
	--metrics-file "$METRICS" --flow-log "$TMP/flows" >>"$DLOG" 2>&1 &
DPID=$!
PIDS+=("$DPID")
check "sansod starts" wait_log "applied generation" 1
check "the control socket is there" poll 50 test -S "$CTL"

# ---- exception.expiring at start (once a day) ----
check "exception.expiring reaches the UDP collector" \
	poll 50 grep -q '^udp <133>1 .* sansod [0-9]* exception.expiring \[sanso@32473 event="exception.expiring" severity="notice"' "$SYSLOG"
check "exception.expiring reaches the TCP collector (octet counting)" \
	poll 50 grep -q '^tcp <133>1 .* exception.expiring .*EX-2026-014' "$SYSLOG"

# ---- clock.unsync (R92): raised exactly when the kernel says the clock is not synchronised ----
unsynced=$(python3 - <<'PY'
import ctypes
class T(ctypes.Structure):
    _fields_ = [("modes", ctypes.c_uint), ("offset", ctypes.c_long), ("freq", ctypes.c_long),
                ("maxerror", ctypes.c_long), ("esterror", ctypes.c_long), ("status", ctypes.c_int),
                ("pad", ctypes.c_char * 200)]
t = T()
r = ctypes.CDLL(None).adjtimex(ctypes.byref(t))
print(1 if r == 5 or t.status & 0x40 else 0)
PY
)
echo "    the kernel's clock: $( ((unsynced)) && echo NOT synchronised || echo synchronised)"
if ((unsynced)); then
	check "clock.unsync reaches the UDP collector (warning)" \
		poll 50 grep -q '^udp <132>1 .* clock.unsync \[' "$SYSLOG"
else
	check "a synchronised clock is logged" poll 50 grep -q "clock: synchronised" "$DLOG"
	refute "no clock.unsync while the clock is synchronised" grep -q clock.unsync "$SYSLOG"
fi
check "status shows the clock's state" bash -c "'$SANSOCTL' -s '$CTL' status | grep -q '^clock: .*synchronised'"

# ---- a scan from the Internet zone reaches the collector (flow log) ----
for p in $(seq 2000 2024); do
	n in ncat -z -w 1 -s 10.30.0.100 10.20.0.25 "$p" >/dev/null 2>&1 &
	SCANS+=("$!")
done
wait "${SCANS[@]}" || true
check "scan.detected reaches the UDP collector (warning) with the source" \
	poll 100 grep -q '^udp <132>1 .* scan.detected \[.*10\.30\.0\.100' "$SYSLOG"

# ---- sansoctl alert test ----
check "sansoctl alert test (exit 0)" bash -c "'$SANSOCTL' -s '$CTL' alert test >'$TMP/test.out'"
check "alert test lists the sinks" \
	bash -c "grep -q 'syslog: *udp://127.0.0.1:5514' '$TMP/test.out' && grep -q 'syslog: *tcp://127.0.0.1:5515' '$TMP/test.out' && grep -q 'command: *$TMP/cmd.sh' '$TMP/test.out'"
check "alert.test arrives over UDP" poll 50 grep -q '^udp <133>1 .* alert.test \[' "$SYSLOG"
check "alert.test arrives over TCP" poll 50 grep -q '^tcp <133>1 .* alert.test \[' "$SYSLOG"
check "the alert.test message is RFC 5424 with structured data" python3 - "$SYSLOG" <<'PY'
import re, sys
rx = re.compile(r'^<(\d{1,3})>1 (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}[+-]\d\d:\d\d) (\S{1,255}) '
                r'sansod (\d+) alert\.test \[sanso@32473 event="alert\.test" severity="notice" '
                r'seq="\d+" suppressed="0" msg="((?:[^"\\\]]|\\["\\\]])*)"\] \ufeff(.*)$')
for line in open(sys.argv[1], encoding="utf-8"):
    proto, _, msg = line.rstrip("\n").partition(" ")
    if " alert.test " not in msg:
        continue
    m = rx.match(msg)
    assert m, msg
    assert int(m.group(1)) == 16 * 8 + 5, m.group(1)   # local0.notice
    assert "sansoctl alert test" in m.group(6), m.group(6)
sys.exit(0)
PY
check "the command got alert.test as JSON on stdin" poll 50 python3 - "$CMDOUT" <<'PY'
import json, sys
evs = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
t = [e for e in evs if e["event"] == "alert.test"]
assert t and t[0]["severity"] == "notice" and "sansoctl alert test" in t[0]["message"], evs
PY
check "the command got the event name as argv[1] and SANSO_EVENT" \
	grep -q "argv1=alert.test env=alert.test" "$CMDOUT"
check "the journal sink (stderr here) carries SANSO_EVENT=" \
	grep -q "ALERT SANSO_EVENT=alert.test SANSO_SEVERITY=notice: test alert requested" "$DLOG"

# ---- a real event: the table deleted from outside ----
check "nft delete table inet sanso (from outside)" n gw nft delete table inet sanso
check "the table is restored" poll 50 n gw nft list table inet sanso
check "table.removed reaches the UDP collector (severity alert)" \
	poll 50 grep -q '^udp <129>1 .* table.removed \[sanso@32473 event="table.removed" severity="alert".*removed by nft' "$SYSLOG"
check "table.removed reaches the TCP collector" poll 50 grep -q '^tcp <129>1 .* table.removed \[' "$SYSLOG"
check "table.removed reaches the command as JSON" \
	poll 50 grep -q '"event": "table.removed", "severity": "alert"' "$CMDOUT"

# ---- the rate limit: alerts.rate (5) a minute per event, the rest counted ----
for _ in 1 2 3 4 5 6 7 8; do ctl alert test >/dev/null; done
check "a burst of alert test: 5 a minute reach the collector, no more" \
	poll 20 test "$(lines '^udp .* alert.test ' "$SYSLOG")" -eq 5
check_eq "still 5 after the burst" 5 "$(lines '^udp .* alert.test ' "$SYSLOG")"
check "the suppressed ones are counted (stats --prometheus)" \
	bash -c "'$SANSOCTL' -s '$CTL' stats --prometheus | grep -q '^sanso_alerts_suppressed_total{event=\"alert.test\"} 4$'"
check "other events are not limited by it" \
	bash -c "'$SANSOCTL' -s '$CTL' stats --prometheus | grep -q '^sanso_alerts_total{event=\"table.removed\"} 1$'"

# ---- the metrics file ----
check "--metrics-file appears" poll 100 test -s "$METRICS"
check "it is valid Prometheus text with the counters of stats --prometheus" python3 - "$METRICS" <<'PY'
import re, sys
name = r'[a-zA-Z_:][a-zA-Z0-9_:]*'
sample = re.compile(rf'^{name}(\{{{name[:-1]}*="(?:[^"\\]|\\.)*"(,{name[:-1]}*="(?:[^"\\]|\\.)*")*\}})? -?[0-9.e+]+$')
typed = re.compile(rf'^# TYPE {name} (counter|gauge)$')
text = open(sys.argv[1]).read()
assert text.endswith("\n")
for line in text.splitlines():
    assert (typed.match(line) or line.startswith("# ")) if line.startswith("#") else sample.match(line), line
assert re.search(r'^sanso_generation 1$', text, re.M)
assert re.search(r'^sanso_alerts_total\{event="alert.test"\} \d+$', text, re.M)
assert re.search(r'^sanso_alert_syslog_sent_total\{sink="udp://127.0.0.1:5514"\} \d+$', text, re.M)
PY
check "no temporary file is left beside it" bash -c "! ls '$TMP/metrics' | grep -q tmp"
m1=$(stat -c %y "$METRICS"; grep -c . "$METRICS")
check "it is rewritten (every 15 s)" poll 250 bash -c "[[ \$(stat -c %y '$METRICS'; grep -c . '$METRICS') != '$m1' ]]"

# ---- the attacker: a collector that never reads, a command that never ends ----
sed -e 's|syslog = \[.*\];|syslog = ["tcp://127.0.0.1:5516"];|' \
    -e "s|command = \".*\";|command = \"$TMP/sleep.sh\";|" \
    -e 's|command_timeout = 10;|command_timeout = 2; rate = 10000;|' "$TMP/policy.conf" >"$TMP/attack.conf"
cp "$TMP/attack.conf" "$TMP/policy.conf"
check "reload with the stalling collector and the endless command" daemon_hup "applied generation"
check "alert test names the new sinks" bash -c "'$SANSOCTL' -s '$CTL' alert test | grep -q 'tcp://127.0.0.1:5516'"
# a blocking sender would hang in here: bounded so the test fails instead of hanging
check "400 alerts are raised while nothing is read" \
	timeout 60 bash -c "for i in \$(seq 400); do '$SANSOCTL' -s '$CTL' alert test >/dev/null || exit 1; done"
check "sansoctl status still answers at once" timeout 5 "$SANSOCTL" -s "$CTL" status
ctl stats --prometheus >"$TMP/stats.prom"
check "the collector's queue is full: alerts to it are dropped and counted" \
	grep -qE '^sanso_alert_syslog_dropped_total\{sink="tcp://127.0.0.1:5516"\} [1-9][0-9]*$' "$TMP/stats.prom"
check "commands beyond the bound are dropped and counted" \
	grep -qE '^sanso_alert_command_total\{result="dropped"\} [1-9][0-9]*$' "$TMP/stats.prom"
check "the endless command is killed after command_timeout" \
	poll 100 bash -c "'$SANSOCTL' -s '$CTL' stats --prometheus | grep -qE '^sanso_alert_command_total\{result=\"killed\"\} [1-9]'"
check "the kill is logged" grep -q "alerts: command '$TMP/sleep.sh' (pid [0-9]*) still ran after 2 s: killed" "$DLOG"
check "the daemon is alive and in sync" ctl verify
check "sansod stops cleanly" daemon_stop
check "no alert command outlives sansod" bash -c "! pgrep -xf "sleep 100000" >/dev/null"
finish
