#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# t_fibcheck.sh: R36, filtering and routing agree. sansod asks the kernel's FIB (RTM_GETROUTE,
# `ip route get` semantics, policy routing included) where sample addresses (first, middle,
# last) of each zone network leave; each must leave through its zone's interfaces. A route
# that disagrees is reported in `sansoctl status`, the audit trail and the log (daemon: on the
# drift timer and after each apply), and refused by `sansod -n -k` (exit 1).
#
#   out of band in the gateway:  ip route add 10.20.0.128/25 via 10.30.0.25 dev in0
#     -> the middle sample 10.20.0.128 of lgwan 10.20.0.0/24 leaves through the Internet zone
#   policy routing: ip rule add to 10.10.0.0/24 lookup 100; table 100: 10.10.0.0/24 dev dz0
#     -> the My Number zone network is routed into the DMZ
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

require sansod
SANSOCTL=${SANSOCTL:-$(dirname "$SANSOD")/sansoctl}
[[ -x $SANSOCTL ]] || cannot_run "sansoctl not built: $SANSOCTL"
lab_up

CTL=$TMP/control
AUDIT=$TMP/audit.jsonl
conf_with_expiry 3600 "$CONF" "$TMP/policy.conf"
ctl() { "$SANSOCTL" -s "$CTL" "$@"; }
kcheck() { n gw "$SANSOD" -n -k -f "$TMP/policy.conf" >"$TMP/k.out" 2>&1; }
status_has() { ctl status | grep -qF "$1"; }
audit_has() { grep -F "\"event\":\"$1\"" "$AUDIT" | grep -qF "$2"; }

WRONG='R36: zone lgwan network 10.20.0.0/24: 10.20.0.128 is routed out of in0 via 10.30.0.25, not out of lg0'
PBR='R36: zone mynumber network 10.10.0.0/24: 10.10.0.1'

# the lab as built: routing agrees
check "-k: the lab's routing agrees (exit 0)" kcheck
# (while the daemon runs, -k cannot dry-run its commit: the table is the daemon's; the FIB is
# checked first, so a disagreement is still named, with exit 1)
check "-k: notes rp_filter 0 on the zone interfaces" grep -q "note: rp_filter is 0 on lg0" "$TMP/k.out"

: >"$DLOG"
ip netns exec "$LAB-gw" "$SANSOD" -f "$TMP/policy.conf" --control "$CTL" --audit "$AUDIT" \
	>>"$DLOG" 2>&1 &
DPID=$!
PIDS+=("$DPID")
check "sansod -f starts" bash -c "$(declare -f wait_log log_count daemon_alive); DLOG='$DLOG' DPID=$DPID wait_log 'applied generation' 1"
poll 50 test -S "$CTL" || true
check "status: routing agrees with the zones" status_has "fib:         routing agrees with the zones"
refute "audit: no disagreement yet" grep -qF '"event":"fib.disagrees"' "$AUDIT"
check "dump: shows the uplinks (R11)" bash -c "'$SANSOCTL' -s '$CTL' dump | grep -qF '# uplinks (R11): internet: in0=security-cloud+breakout'"

# out of band: part of the LGWAN network into the Internet zone, no reload: the drift timer
n gw ip route add 10.20.0.128/25 via 10.30.0.25 dev in0
check "periodic check: status shows the route that disagrees (40 s at most)" \
	poll 400 status_has "WARNING:     $WRONG"
check "audit: fib.disagrees with the route" audit_has fib.disagrees "$WRONG"
check "log: the disagreement" grep -qF "$WRONG" "$DLOG"
check "status --json: fib_findings names it" bash -c "'$SANSOCTL' -s '$CTL' --json status | grep -qF '$WRONG'"
check "status: the last sample of 10.20.0.0/24 too" status_has "10.20.0.254 is routed out of in0"
refute "-k: refuses (exit 1)" kcheck
check "-k: names the route" grep -qF "error: $WRONG" "$TMP/k.out"
n gw ip route del 10.20.0.128/25

# policy routing: a rule sends the My Number network into the DMZ; the apply (SIGHUP) checks
n gw ip route add 10.10.0.0/24 dev dz0 table 100
n gw ip rule add to 10.10.0.0/24 lookup 100 priority 100
check "SIGHUP applies" daemon_hup "applied generation"
check "after apply: status shows the policy route" status_has "routed out of dz0, not out of mn0"
check "audit: fib.disagrees for the policy route" audit_has fib.disagrees "$PBR"
refute "-k: refuses the policy route" kcheck
n gw ip rule del to 10.10.0.0/24 lookup 100 priority 100

# forwarding off: traffic cannot cross, the policy says it does
n gw sysctl -qw net.ipv4.ip_forward=0
refute "-k: ip_forward 0 refused" kcheck
check "-k: names ip_forward" grep -qF "net.ipv4.ip_forward is 0" "$TMP/k.out"
n gw sysctl -qw net.ipv4.ip_forward=1

check "SIGHUP applies again" daemon_hup "applied generation"
check "status: agrees again" status_has "fib:         routing agrees with the zones"
check "audit: fib.agrees" grep -qF '"event":"fib.agrees"' "$AUDIT"
check "sansod stops" daemon_stop
check "-k: agrees again (exit 0)" kcheck
finish
