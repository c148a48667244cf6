#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# t_flowlog.sh: the flow log (issue 11: R84-R86), on the real kernel: the ruleset's NFLOG
# statements read by sansod itself (--flow-log DIR) and written as hash-chained JSON lines.
#   - a refused connection appears as a "drop" line with its zone pair and rule;
#   - an accepted cross-zone connection appears as a "flow" line with its flow name and
#     approval id (kernel-decided), and an engine-decided one as an "engine" line;
#   - a port scan from the Internet zone raises one alert in the daemon's log and a "scan" line;
#   - a flood from one source gives a "suppressed" line with a count, not a line per packet,
#     and, from the Internet zone, one burst alert and a "burst" line;
#   - segments rotate at segment_bytes; one aged past retention_days is deleted, a young one kept;
#   - sansoctl flowlog verify finds a changed line (and sansoctl audit verify one segment);
#   - a full disk (R85): under logging.on_failure = "alert-only" an alert and the policy
#     unchanged; under "block-crosszone" every zone cut until the log is written again, then
#     the policy back, a "gap" line counting the lost lines, and the chain still intact.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

require sansod
SANSOCTL=${SANSOCTL:-$(dirname "$SANSOD")/sansoctl}
[[ -x $SANSOCTL ]] || cannot_run "sansoctl not built: $SANSOCTL"
command -v python3 >/dev/null || cannot_run "python3 missing"
lab_up

FLOWS=$TMP/flows
mkdir -p "$FLOWS"
conf_with_expiry 3600 "$CONF" "$TMP/policy.conf"
cat >>"$TMP/policy.conf" <<'CONF'
logging: { group = 9; source_lines = 3; source_window = 2; scan_ports = 10; scan_window = 30;
           segment_bytes = 4096; burst_events = 60; burst_window = 10; };
CONF

flowd_start()
{
	: >"$DLOG"
	ip netns exec "$LAB-gw" "$SANSOD" -f "$TMP/policy.conf" --flow-log "$FLOWS" \
		--control "$TMP/control" >>"$DLOG" 2>&1 &
	DPID=$!
	PIDS+=("$DPID")
	wait_log "applied generation" 1
}

# lines PYEXPR: flow-log lines (all segments) for which PYEXPR (over the dict e) holds.
lines()
{
	python3 - "$FLOWS" "$1" <<'PY'
import glob, json, sys
n = 0
for f in sorted(glob.glob(sys.argv[1] + "/flows-*.jsonl")):
    for l in open(f, encoding="utf-8"):
        try:
            e = json.loads(l)
        except ValueError:
            continue
        if eval(sys.argv[2], {}, {"e": e}):
            n += 1
print(n)
PY
}
has_line() { (($(lines "$1") > 0)); }

serve lg tcp 10.20.0.25 25
serve lg tcp 10.20.0.9 443
check "baseline: mail-conv reaches mail-lg:25 without sanso" tcp_ok in 10.30.0.25 10.20.0.25 25

check "sansod --flow-log starts" flowd_start
check "the ruleset logs to NFLOG group 9" \
	bash -c "ip netns exec $LAB-gw nft list chain inet sanso cut | grep -q 'log prefix \"sanso cut \" group 9'"
check "sansod binds the group" wait_log "NFLOG group 9" 1
check "a segment is open with its header line" has_line 'e["event"] == "flowlog.segment"'

# ---- a refused connection ----
refute "juki-01 to the web (mynumber>internet) is refused" tcp_ok mn1 10.10.0.5 10.30.0.100 443
check "the refusal is in the flow log with its zone pair" \
	poll 50 has_line 'e.get("event_type") == "drop" and e.get("zone_pair") == "mynumber>internet" and e.get("src_ip") == "10.10.0.5" and e.get("dest_port") == 443 and e.get("proto") == "TCP" and e.get("reason") == "policy" and e.get("decision") == "drop"'
check "the line names the interfaces and carries an ISO 8601 timestamp with offset" \
	has_line 'e.get("event_type") == "drop" and e.get("in_iface") == "mn0" and e.get("out_iface") == "in0" and e["timestamp"].endswith("+09:00") and "." in e["timestamp"]'

# ---- accepted cross-zone flows ----
check "mail-text (internet>lgwan) passes" tcp_ok in 10.30.0.25 10.20.0.25 25
check "the accepted flow is logged with its name and approval" \
	poll 50 has_line 'e.get("event_type") == "flow" and e.get("decision") == "accept" and e.get("name") == "mail-text" and e.get("approval") == "AP-2026-003" and e.get("zone_pair") == "internet>lgwan" and e.get("dest_port") == 25'
check "juki-jlis (engine-decided) passes" tcp_ok mn1 10.10.0.5 10.20.0.9 443
check "the engine's accept is logged with the flow's name and approval" \
	poll 50 has_line 'e.get("event_type") == "engine" and e.get("decision") == "accept" and e.get("name") == "juki-jlis" and e.get("approval") == "AP-2026-001"'
check_eq "an established connection is not logged again (one line per new connection)" 1 \
	"$(lines 'e.get("event_type") == "flow" and e.get("name") == "mail-text"')"

# ---- a port scan from the Internet zone ----
for p in $(seq 2000 2019); do
	n in ncat -z -w 1 -s 10.30.0.100 10.20.0.25 "$p" >/dev/null 2>&1 &
done
wait_scan() { grep -q "scan detected: source 10.30.0.100" "$DLOG"; }
check "the scan raises an alert in the daemon's log" poll 100 wait_scan
check "the scan is a line of its own" \
	poll 50 has_line 'e.get("event_type") == "scan" and e.get("src_ip") == "10.30.0.100" and e.get("scan_ports", 0) >= 10'
check_eq "one alert per source and window" 1 "$(grep -c "scan detected: source 10.30.0.100" "$DLOG")"
check "the refused scan probes are drops of internet>lgwan" \
	has_line 'e.get("event_type") == "drop" and e.get("src_ip") == "10.30.0.100" and e.get("zone_pair") == "internet>lgwan"'
refute "a single refusal from the LGWAN side is no scan" grep -q "scan detected: source 10.10.0.5" "$DLOG"

# ---- a flood from one source ----
n in ping -q -c 400 -i 0.002 -W 1 -I 10.30.0.40 10.10.0.5 >/dev/null 2>&1 || true
flood='e.get("src_ip") == "10.30.0.40" and e.get("proto") == "ICMP"'
check "the flood yields a suppressed line with a count" \
	poll 100 has_line "$flood and e.get(\"event_type\") == \"suppressed\" and e.get(\"count\", 0) > 10"
check "the flood's drops are a few lines, not one per packet" \
	test "$(lines "$flood and e.get(\"event_type\") == \"drop\"")" -le 12
wait_burst() { grep -q "burst detected: source 10.30.0.40" "$DLOG"; }
check "the flood from the Internet zone raises a burst alert" poll 100 wait_burst
check "the burst is a line of its own with its count" \
	poll 50 has_line 'e.get("event_type") == "burst" and e.get("src_ip") == "10.30.0.40" and e.get("count", 0) >= 60'
check_eq "one burst alert per source and window" 1 "$(grep -c "burst detected: source 10.30.0.40" "$DLOG")"
refute "the scan's 20 probes are no burst" grep -q "burst detected: source 10.30.0.100" "$DLOG"

# ---- rotation and retention ----
for i in $(seq 1 40); do
	n in ncat -z -w 1 -s 10.30.0.25 10.20.0.25 25 >/dev/null 2>&1 || true
done
count_segs() { find "$FLOWS" -name 'flows-*.jsonl' | wc -l; }
more_segs() { (($(count_segs) >= 2)); }
check "segments rotate at segment_bytes" poll 50 more_segs
check "sansoctl flowlog verify: intact across segments" "$SANSOCTL" flowlog verify "$FLOWS"
check "daemon stops" daemon_stop
oldest=$(find "$FLOWS" -name 'flows-*.jsonl' | sort | head -1)
second=$(find "$FLOWS" -name 'flows-*.jsonl' | sort | sed -n 2p)
touch -d "401 days ago" "$oldest"
touch -d "399 days ago" "$second"
check "sansod starts again" flowd_start
gone() { test ! -e "$oldest"; }
check "a segment older than retention_days is deleted" poll 50 gone
check "a segment younger than retention_days is kept" test -e "$second"
check "the new segment links to the last one" \
	has_line 'e["event"] == "flowlog.segment" and len(e.get("prev_hash", "")) == 64'
check "sansoctl flowlog verify: intact after retention" \
	bash -c "'$SANSOCTL' flowlog verify '$FLOWS' | grep -q 'deleted by retention'"
check "daemon stops again" daemon_stop

# ---- tampering ----
seg=$(grep -l '"event_type":"drop"' "$FLOWS"/flows-*.jsonl | head -1)
check "sansoctl audit verify reads one segment" "$SANSOCTL" audit verify "$seg"
cp -a "$FLOWS" "$TMP/flows.orig"
# an attacker turns a refusal into an accept
sed -i '0,/"decision":"drop"/s//"decision":"accept"/' "$seg"
refute "the edit is in the file" cmp -s "$seg" "$TMP/flows.orig/$(basename "$seg")"
code=0
"$SANSOCTL" flowlog verify "$FLOWS" >"$TMP/out" 2>&1 || code=$?
check_eq "a changed line: verify fails (exit 1)" 1 "$code"
check "the message names the segment and the line" grep -q "flow log broken: $(basename "$seg") line [0-9]" "$TMP/out"
rm -rf "$FLOWS" && cp -a "$TMP/flows.orig" "$FLOWS"
mid=$(find "$FLOWS" -name 'flows-*.jsonl' | sort | sed -n 2p)
rm -f "$mid"
code=0
"$SANSOCTL" flowlog verify "$FLOWS" >"$TMP/out" 2>&1 || code=$?
check_eq "a removed middle segment: verify fails (exit 1)" 1 "$code"

# ---- a full disk (R85: logging.on_failure) ----
SMALL=$TMP/small
mkdir -p "$SMALL"
mount -t tmpfs -o size=256k tmpfs "$SMALL"
UMOUNTS+=("$SMALL")
conf_with_expiry 3600 "$CONF" "$TMP/full.conf"
cat >>"$TMP/full.conf" <<'CONF'
logging: { group = 9; source_lines = 1000; segment_bytes = 4096; on_failure = "alert-only"; };
CONF
: >"$DLOG"
ip netns exec "$LAB-gw" "$SANSOD" -f "$TMP/full.conf" --flow-log "$SMALL" \
	--control "$TMP/control" >>"$DLOG" 2>&1 &
DPID=$!
PIDS+=("$DPID")
check "sansod starts on a small file system" wait_log "applied generation" 1
check "before: mail-text (internet>lgwan) passes" tcp_ok in 10.30.0.25 10.20.0.25 25
dd if=/dev/zero of="$SMALL/fill" bs=4k >/dev/null 2>&1 || true
probes() {	# refusals enough to fill the segment's last page and a rotation
	local p pids=()
	for p in $(seq 3000 3039); do
		n in ncat -z -w 1 -s 10.30.0.100 10.20.0.25 "$p" >/dev/null 2>&1 &
		pids+=("$!")
	done
	wait "${pids[@]}" || true
}
probes
check "a full disk raises flowlog.failing" poll 50 grep -q "SANSO_EVENT=flowlog.failing.*alert-only" "$DLOG"
check "alert-only: mail-text still passes" tcp_ok in 10.30.0.25 10.20.0.25 25
refute "alert-only: mynumber>internet still refused" tcp_ok mn1 10.10.0.5 10.30.0.100 443
# the operator switches to block-crosszone while the disk is still full
sed -i 's/on_failure = "alert-only"/on_failure = "block-crosszone"/' "$TMP/full.conf"
check "reload to block-crosszone" daemon_hup "applied generation"
check "the flow log failing now cuts every zone" poll 100 grep -q "flow log unusable: generation" "$DLOG"
refute "block-crosszone: mail-text is cut" tcp_ok in 10.30.0.25 10.20.0.25 25
check "sansoctl status says the flow log cuts the zones" \
	bash -c "'$SANSOCTL' -s '$TMP/control' status | grep -q 'NOT WRITTEN: every zone is isolated'"
rm -f "$SMALL/fill"
back() { tcp_ok in 10.30.0.25 10.20.0.25 25; }
check "the disk has room again: the policy is back (mail-text passes)" poll 150 back
check "the daemon says how many lines were lost" grep -q "flow log '$SMALL': writing again after [1-9][0-9]* lost lines" "$DLOG"
FLOWS=$SMALL
check "a gap line counts the lost lines" has_line 'e.get("event_type") == "gap" and e.get("count", 0) >= 1'
check "daemon stops" daemon_stop
check "sansoctl flowlog verify: the chain is intact across the failure" "$SANSOCTL" flowlog verify "$SMALL"

finish
