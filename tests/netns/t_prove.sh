#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# t_prove.sh: sansoctl prove --dump on the table the kernel really holds (issue #13).
# sansod (--no-persist) runs the three-tier policy; its table, read with `nft -j list table`,
# proves (exit 0). A rule inserted behind sansod's back that accepts My Number -> Internet
# (I2) is caught from the kernel's own JSON: exit 1 and a witness naming that rule's handle.
# A rule that only drops more proves again; an unreadable dump is exit 5, bad usage exit 2.
# Input and output too: an ssh accept into the gateway, an accept from it to the Internet.
# The same through sansod (`sansoctl prove` without --dump: the daemon reads the kernel with
# libnftables), and policy.verify = "prove": every commit proven, the result in the trail.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

require sansod
SANSOCTL=${SANSOCTL:-$(dirname "$SANSOD")/sansoctl}
[[ -x $SANSOCTL ]] || cannot_run "$SANSOCTL missing"
lab_up
conf_with_expiry 3600 "$CONF" "$TMP/policy.conf"
sed -i 's/^\(policy: *{\)/\1 verify = "prove";/' "$TMP/policy.conf"
mkdir -p "$TMP/state"

: >"$DLOG"
ip netns exec "$LAB-gw" "$SANSOD" -f "$TMP/policy.conf" --no-persist --control "$TMP/control" \
	--state-dir "$TMP/state" --audit "$TMP/audit.jsonl" >>"$DLOG" 2>&1 &
DPID=$!
PIDS+=("$DPID")
check "sansod --no-persist applies" wait_log "applied generation" 1

prove()	# prove JSON [args]: exit status of sansoctl prove, output in $TMP/prove.out
{
	local f=$1
	shift
	"$SANSOCTL" prove --dump "$f" -f "$TMP/policy.conf" "$@" >"$TMP/prove.out" 2>&1
}

n gw nft -j list table inet sanso >"$TMP/clean.json"
check "unmodified kernel table: proven (exit 0)" prove "$TMP/clean.json"
grep -q 'result: proven' "$TMP/prove.out" || sed 's/^/    /' "$TMP/prove.out" | head -20
live() { "$SANSOCTL" -s "$TMP/control" prove "$@" >"$TMP/live.out" 2>&1; }
check "live (through sansod): unmodified kernel table proven (exit 0)" live
check "policy.verify = prove: the first commit's proof is in the audit trail" \
	grep -q '"event":"prove.result","prev":"[0-9a-f]*","generation":"1","result":"proven"' "$TMP/audit.jsonl"
check "policy.verify = prove: the daemon logs the proof" grep -q "proof: the kernel's table allows no path" "$DLOG"

# The attack: an accept for juki-01 -> the Internet, inserted out of band.
n gw nft insert rule inet sanso fwd_mynumber_internet ip saddr 10.10.0.5 tcp dport 443 accept
n gw nft -j list table inet sanso >"$TMP/bad.json"
handle=$(n gw nft -a list chain inet sanso fwd_mynumber_internet |
	 sed -n 's/.*ip saddr 10.10.0.5 tcp dport 443 accept # handle \([0-9]*\)/\1/p' | head -1)
rc=0
prove "$TMP/bad.json" || rc=$?
check_eq "inserted mynumber->internet accept: exit 1" 1 "$rc"
check "witness is an I2 path" grep -q 'I2: a path from mynumber to internet' "$TMP/prove.out"
check "witness names the inserted rule (handle $handle)" \
	grep -q "chain fwd_mynumber_internet handle $handle:" "$TMP/prove.out"
check "witness gives the source and port" grep -q '10.10.0.5 -> .* proto 6 dport 443' "$TMP/prove.out"
rc=0
live || rc=$?
check_eq "live: the inserted accept is a violation (exit 1)" 1 "$rc"
check "live: the witness names the inserted rule (handle $handle)" \
	grep -q "chain fwd_mynumber_internet handle $handle:" "$TMP/live.out"
rc=0
live --json || rc=$?
check "live --json: result violation" grep -q '"result":"violation"' "$TMP/live.out"
rc=0
prove "$TMP/bad.json" --json || rc=$?
check "--json: result violation" grep -q '"result":"violation"' "$TMP/prove.out"
n gw nft delete rule inet sanso fwd_mynumber_internet handle "$handle"
check "live: proven again once the rule is gone" live

# Narrowing is no violation: a drop inserted in front of a flow proves.
n gw nft insert rule inet sanso fwd_lgwan_dmz ip saddr 10.20.0.130 drop
n gw nft -j list table inet sanso >"$TMP/narrow.json"
check "inserted drop only narrows: proven" prove "$TMP/narrow.json"

# The gateway itself: an ssh accept in input for every source, and an output accept to the
# Internet zone, inserted out of band: both are witnesses (management flows only).
n gw nft insert rule inet sanso input tcp dport 22 accept
n gw nft -j list table inet sanso >"$TMP/in.json"
hin=$(n gw nft -a list chain inet sanso input | sed -n 's/^\s*tcp dport 22 accept # handle \([0-9]*\)/\1/p' | head -1)
rc=0
prove "$TMP/in.json" || rc=$?
check_eq "inserted input accept (ssh from anywhere): exit 1" 1 "$rc"
check "witness: into the gateway from the Internet zone" \
	grep -q 'into the gateway from internet: not a management flow' "$TMP/prove.out"
check "witness names the inserted input rule (handle $hin)" \
	grep -q "chain input handle $hin:" "$TMP/prove.out"
n gw nft delete rule inet sanso input handle "$hin"
n gw nft insert rule inet sanso output ip daddr 10.30.0.0/16 tcp dport 443 accept
n gw nft -j list table inet sanso >"$TMP/out.json"
rc=0
prove "$TMP/out.json" || rc=$?
check_eq "inserted output accept (gateway -> Internet 443): exit 1" 1 "$rc"
check "witness: out of the gateway to the Internet zone" \
	grep -q 'out of the gateway to internet: not a management flow' "$TMP/prove.out"
hout=$(n gw nft -a list chain inet sanso output | sed -n 's/^\s*ip daddr 10.30.0.0\/16 tcp dport 443 accept # handle \([0-9]*\)/\1/p' | head -1)
n gw nft delete rule inet sanso output handle "$hout"
n gw nft -j list table inet sanso >"$TMP/clean2.json"
check "both removed: proven again" prove "$TMP/clean2.json"

echo '{"nftables": [' >"$TMP/broken.json"
rc=0
prove "$TMP/broken.json" || rc=$?
check_eq "unreadable dump: exit 5" 5 "$rc"
rc=0
"$SANSOCTL" prove --bogus >/dev/null 2>&1 || rc=$?
check_eq "bad usage: exit 2" 2 "$rc"
check "reload: sansoctl reload (exit 0)" "$SANSOCTL" -s "$TMP/control" reload
check "policy.verify = prove: the reload's proof is in the trail too" \
	bash -c "[ \$(grep -c '\"event\":\"prove.result\"' '$TMP/audit.jsonl') -ge 2 ]"
n gw nft delete table inet sanso
check "live: the table deleted behind sansod's back is restored, and proves" poll 50 live

daemon_stop || true
finish
