#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# t_engine.sh: the NFQUEUE verdict engine of `sansod -f`. Flows touching the My Number zone are
# engine-decided: the SYN is queued, the engine re-checks MAC + IP + port and writes the flow's
# decision id into ct mark. Without the engine (kill -9, or `sansod --once` alone) new engine
# flows are dropped (fail closed) while established ones and kernel-decided flows continue.
#
#   mn1 juki-01 02:..:10:05 10.10.0.5 ==(juki-jlis, engine)==> [gw] ==> lg jlis-gw 10.20.0.9:443
#   mn2 zei-01  02:..:10:06 (with juki-01's IP: spoof)    --X  [gw]
#   in mail-conv 10.30.0.25 ==(mail-text, kernel)==> [gw] ==> lg mail-lg 10.20.0.25:25
#
# Everything that must fail later is first shown to pass on the bare lab.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

require sansod
command -v conntrack >/dev/null || cannot_run "conntrack not installed"
lab_up
conf_with_expiry 3600 "$CONF" "$TMP/policy.conf"

serve lg tcp 10.20.0.9 443
serve lg tcp 10.20.0.25 25

juki_jlis()
{
	tcp_ok mn1 10.10.0.5 10.20.0.9 443
}

mail_text()
{
	tcp_ok in 10.30.0.25 10.20.0.25 25
}

# zei-01 (MAC :06) takes juki-01's 10.10.0.5 while juki-01 is offline; 0 if it got through.
spoof_ip4()
{
	local rc=0 i
	n mn1 ip link set dev eth0 down
	n mn2 ip addr add 10.10.0.5/24 dev eth0
	n gw ip -4 neigh flush dev mn0
	tcp_ok mn2 10.10.0.5 10.20.0.9 443 || rc=1
	n mn2 ip addr del 10.10.0.5/24 dev eth0
	"$LABTOOL" reset mn1
	n gw ip -4 neigh flush dev mn0
	for ((i = 0; i < 100; i++)); do
		bridge -n "$LAB-sw" link show dev p-mn1 | grep -q 'state forwarding' && break
		sleep 0.05
	done
	return $rc
}

spoof_drops()
{
	echo $(($(chain_drops gw spoof_bind) + $(chain_drops gw spoof_src)))
}

# The table as listed, comparable across daemons: normalize_nft, and the exception's element
# timeout (counted from each compile) left out. (nft 1.0.6 warns on stderr about the xtables
# NFQUEUE target of the queue rules: not shown.)
table_now()
{
	nft_table gw 2>/dev/null | sed -E 's/ timeout [0-9dhms]+//g'
}

check "baseline without sanso: juki-01 -> jlis-gw tcp 443" juki_jlis
check "baseline without sanso: mail-text 10.30.0.25 -> 10.20.0.25:25" mail_text
check "baseline without sanso: zei-01 with juki-01's IP -> jlis-gw tcp 443" spoof_ip4

# 1. The engine decides juki-jlis and leaves its decision in ct mark.
check "sansod -f runs the policy (ruleset and verdict engine)" daemon_start "$TMP/policy.conf"
check "the engine listens on NFQUEUE 0" queue_bound gw 0
check "1 juki-01 -> jlis-gw tcp 443 passes" juki_jlis
stream_open keep mn1 10.10.0.5 10.20.0.9 443
check "1 long-lived juki-jlis connection carries data" stream_passes keep

# The kernel's map gives the flow its id with 0x40000000 (engine pending) set; the engine
# must leave the id itself in ct mark, pending bit cleared.
map_val=$(n gw nft list map inet sanso mynumber_lgwan_mp4 |
	sed -n 's/.*02:00:00:00:10:05 \. 10\.10\.0\.5 \. 10\.20\.0\.9 \. tcp \. 443\( comment "[^"]*"\)\{0,1\} : \(0x[0-9a-f]*\).*/\2/p')
check "1 juki-jlis is engine-decided: its map value ${map_val:-?} has 0x40000000 set" \
	test -n "$map_val" -a "$((${map_val:-0} & 0x40000000))" -ne 0
want=$((${map_val:-0} & 0x3fffffff))
got=$(ct_marks gw -p tcp -s 10.10.0.5 -d 10.20.0.9 --dport 443 --state ESTABLISHED | tr '\n' ' ')
got=${got% }
check_eq "1 conntrack: the established connection's mark is the flow id (decimal)" "$want" "$got"
check "1 the id is non-zero, without 0x40000000" \
	test "${got:-0}" -ne 0 -a "$((${got:-0} & 0x40000000))" -eq 0 2>/dev/null
check "1 the id is a live decision" set_has gw live "$(printf '0x%08x' "$want")"
before=$(table_now)
check "1 the table is listed ($(wc -l <<<"$before") lines)" test "$(wc -l <<<"$before")" -gt 50

# 2. kill -9: the queue has no listener, so new engine flows are dropped; decided ones go on.
check "2 kill -9 sansod" daemon_kill
refute "2 no process listens on NFQUEUE 0 any more" queue_bound gw 0
check "2 table inet sanso left in the kernel" has_table gw
refute "2 new juki-jlis connection fails (fail closed)" juki_jlis
check "2 established juki-jlis connection still carries data" stream_passes keep
check "2 kernel-decided mail-text still passes" mail_text

# 3. Restart: the same table (one, no duplicate), the queue bound again, new flows pass.
check "3 restarted sansod -f applies" daemon_start "$TMP/policy.conf"
check "3 the engine listens on NFQUEUE 0 again" poll 50 queue_bound gw 0
check "3 new juki-jlis connection passes again" poll 5 juki_jlis
check_eq "3 one table inet sanso in the gateway" 1 \
	"$(n gw nft list tables | grep -c '^table inet sanso$')"
check_eq "3 the same table as before the kill" "$before" "$(table_now)"
check "3 established juki-jlis connection still carries data" stream_passes keep

# 5. Anti-spoofing comes first, with the engine running too.
sp=$(spoof_drops)
refute "5 zei-01 with juki-01's IP -> jlis-gw refused" spoof_ip4
check "5 counted by the spoof chains ($sp -> $(spoof_drops))" test "$(spoof_drops)" -gt "$sp"
check "5 juki-01 itself, restored, passes" juki_jlis

# 4. `sansod --once` alone: the ruleset without an engine. Engine flows fail closed;
# kernel-decided flows pass.
check "4 SIGTERM: sansod exits" daemon_stop
check "4 sansod --once applies the policy" sansod_once -f "$TMP/policy.conf"
refute "4 no process listens on NFQUEUE 0" queue_bound gw 0
refute "4 new juki-jlis connection dropped (engine flow, fail closed)" juki_jlis
check "4 kernel-decided mail-text passes" mail_text
check "4 established juki-jlis connection still carries data" stream_passes keep

finish
