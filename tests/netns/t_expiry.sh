#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# t_expiry.sh: an exception (例外措置) ends by itself. EX-2026-014 (admin-01 -> e-apply tcp 22)
# is applied with `sansod --once` and an expiry a few seconds away; no sansod runs afterwards.
# When the kernel's element timeout fires, a new connection is refused AND the connection that
# was established under the exception is cut. Other flows are not affected.
#
#   lg admin-01 10.20.0.10 ==(EX-2026-014, expires in 5 s)==> [gw] ==> dmz e-apply 10.40.0.10:22
#   mn1 juki-01 10.10.0.5  ==(juki-jlis, no expiry)========> [gw] ==> lg jlis-gw 10.20.0.9:443
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

LIFE=5		# seconds the exception is valid after apply

require sansod
lab_up
serve dmz tcp 10.40.0.10 22
serve lg tcp 10.20.0.9 443

conf_with_expiry "$LIFE" "$CONF" "$TMP/policy.conf"
kernel_only "$TMP/policy.conf"	# the ruleset alone: no engine in this test
deadline=$(($(date +%s) + LIFE))
check "sansod --once applies an exception expiring in ${LIFE} s" sansod_once -f "$TMP/policy.conf"
check "no process left in the gateway: the kernel alone must expire it" \
	test -z "$(ip netns pids "$LAB-gw")"

check "before expiry: new admin-01 -> e-apply ssh connection passes" \
	tcp_ok lg 10.20.0.10 10.40.0.10 22
stream_open ex lg 10.20.0.10 10.40.0.10 22
check "before expiry: established exception connection carries data" stream_passes ex

# Poll (10 s at most) for the first refusal of a new connection.
refused_at=""
for ((i = 0; i < 50; i++)); do
	if ! tcp_ok lg 10.20.0.10 10.40.0.10 22; then
		refused_at=$(date +%s)
		break
	fi
	sleep 0.2
done
check "after expiry: new admin-01 -> e-apply ssh connection refused" test -n "$refused_at"
check "the exception did not end early (refused at ${refused_at:-never}, expiry $deadline)" \
	test "${refused_at:-0}" -ge $((deadline - 1))
check "after expiry: established exception connection is cut" stream_cut ex
refute "after expiry: still refused on a second try" tcp_ok lg 10.20.0.10 10.40.0.10 22
check "after expiry: juki-jlis (no expiry) still passes" tcp_ok mn1 10.10.0.5 10.20.0.9 443

finish
