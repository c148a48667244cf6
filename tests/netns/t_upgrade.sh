#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# t_upgrade.sh: what a package upgrade does to traffic. The package's postinst restarts
# sansod.service (SIGTERM, then the new binary starts with the same arguments): the table stays
# in the kernel all along, established connections go on, and new connections of engine-decided
# flows are refused (fail closed, never accepted) until the new engine listens. The test
# measures that window with a probe opening a new engine flow every 20 ms and prints it
# (no timed assertion: the number goes in the notes).
#
#   mn1 juki-01 10.10.0.5 ==(juki-jlis, engine)==> [gw: sansod -f] ==> lg jlis-gw 10.20.0.9:443
#   mn1 juki-01 10.10.0.5 --X (no flow) ---------> [gw]            --> lg 10.20.0.9:8443
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

require sansod
lab_up
conf_with_expiry 3600 "$CONF" "$TMP/policy.conf"

serve lg tcp 10.20.0.9 443
serve lg tcp 10.20.0.9 8443

PROBE_PY='import os, socket, sys, time
out, port, stop = sys.argv[1], int(sys.argv[2]), sys.argv[3]
with open(out, "w", buffering=1) as f:
    while not os.path.exists(stop):
        t0 = time.monotonic()
        s = socket.socket()
        s.settimeout(0.15)
        try:
            s.bind(("10.10.0.5", 0))
            s.connect(("10.20.0.9", port))
            r = "ok"
        except OSError:
            r = "fail"
        finally:
            s.close()
        f.write("%d %s\n" % (int(t0 * 1000), r))
        time.sleep(max(0.0, 0.02 - (time.monotonic() - t0)))
'

# probe OUT PORT: every 20 ms, a new TCP connection juki-01 -> jlis-gw:PORT (150 ms timeout);
# one line per attempt: "<monotonic ms> ok|fail". Runs until $TMP/probe.stop exists.
probe()
{
	ip netns exec "$LAB-mn1" python3 -c "$PROBE_PY" "$1" "$2" "$TMP/probe.stop" 2>"$1.err" &
	PIDS+=("$!")
}

# table_watch OUT: every 10 ms, whether table inet sanso is in the gateway's kernel.
table_watch()
{
	( while [[ ! -e $TMP/probe.stop ]]; do
		if n gw nft list table inet sanso >/dev/null 2>&1; then echo present; else echo absent; fi
		sleep 0.01
	done >"$1" ) &
	PIDS+=("$!")
}

check "sansod -f runs the policy" daemon_start "$TMP/policy.conf"
check "the engine listens on NFQUEUE 0" poll 50 queue_bound gw 0
check "new juki-jlis connection passes" tcp_ok mn1 10.10.0.5 10.20.0.9 443
refute "juki-01 -> jlis-gw:8443 (no flow) refused" tcp_ok mn1 10.10.0.5 10.20.0.9 8443
stream_open keep mn1 10.10.0.5 10.20.0.9 443
check "established juki-jlis connection carries data" stream_passes keep

probe "$TMP/probe443" 443
probe "$TMP/probe8443" 8443
table_watch "$TMP/table"
# tail_ok FILE: the last attempt of the probe succeeded.
tail_ok() { [[ $(tail -1 "$1") == *' ok' ]]; }
# lines FILE N: FILE has at least N lines (the probes start slowly on a loaded machine).
lines() { [[ -r $1 ]] && (($(wc -l <"$1") >= $2)); }
check "the probes run before the restart" poll 300 lines "$TMP/probe443" 10
check "the table watch runs before the restart" poll 100 lines "$TMP/table" 10

# The restart systemd does for `deb-systemd-invoke restart sansod.service`.
restart_at=$(date +%s%3N)
check "the old sansod stops on SIGTERM" daemon_stop
check "the new sansod starts and applies" daemon_start "$TMP/policy.conf"
check "the new engine listens on NFQUEUE 0" poll 50 queue_bound gw 0
check "the probe sees the engine flow accepted again" poll 100 tail_ok "$TMP/probe443"
touch "$TMP/probe.stop"
sleep 0.3

check "established juki-jlis connection still carries data after the restart" stream_passes keep
check "new juki-jlis connection passes after the restart" tcp_ok mn1 10.10.0.5 10.20.0.9 443
check_eq "no connection to the port without a flow ever passed" 0 \
	"$(grep -c ' ok$' "$TMP/probe8443")"
check_eq "table inet sanso was never absent during the restart" 0 \
	"$(grep -c absent "$TMP/table")"

# The window: from the first refused new engine flow to the first accepted one after it.
read -r refused window < <(awk '
	$2 == "fail" { n++; if (!first) first = $1 }
	$2 == "ok" && first && !end { end = $1 }
	END { printf "%d %d\n", n, (first && end) ? end - first : -1 }' "$TMP/probe443")
echo "upgrade restart (restart began at ${restart_at} ms): ${refused} new engine connections refused; window ${window} ms"
check "new engine flows were accepted again after the window" test "$window" -ge 0
finish
