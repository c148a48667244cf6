#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# t_attack_ctl.sh: change control, the control socket and operational state under attack.
#   (4) a proposal with @include: the included file edited after `propose` must not reach the
#       kernel when another admin approves; status, the change and last-good carry the
#       flattened text (main file + includes, each with its path and SHA-256);
#   (5) ten silent clients and one that asks for a large dump and never reads: status still
#       answers within 100 ms, SIGHUP is applied at once; the 17th client of one uid is refused;
#   (6) an isolated group whose name has a space survives a restart; once the group is gone
#       from the policy the isolation is listed as unresolved (status, log, audit) until
#       `restore`; an sni service whose source is a group compiles to kernel rules, and a
#       flow that compiles to nothing is refused.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

require sansod
SANSOCTL=${SANSOCTL:-$(dirname "$SANSOD")/sansoctl}
[[ -x $SANSOCTL ]] || cannot_run "sansoctl not built: $SANSOCTL"
lab_up

CTL=$TMP/control
STATE=$TMP/state
AUDIT=$TMP/audit.jsonl
mkdir -p "$STATE"
chmod 0711 "$TMP"
ctl() { "$SANSOCTL" -s "$CTL" "$@"; }

# The policy: three-tier, a group whose name has a space, and a bulk flow whose map makes the
# dump far larger than the socket buffers (120 sources x 64 ports).
conf_with_expiry 3600 "$CONF" "$TMP/base.conf"
members=$(for i in $(seq 140 250); do printf '"10.20.0.%d/32", ' "$i"; done)
ports=$(for i in $(seq 0 63); do printf '%d, ' $((20000 + i * 3)); done)
# policy.changes = "single": (6) restarts on an edited file (one person, no approval)
sed -e 's|^  model = "three-tier";|&\n  changes = "single";|' \
    -e "s|^groups: (|groups: (\n  { name = \"night shift\"; members = [\"10.20.0.130/32\"]; },\n  { name = \"bulk\"; members = [${members%, }]; },|" \
    -e "s|^flows: (|flows: (\n  { name = \"bulk-log\"; class = \"peer\"; from = \"bulk\"; to = \"e-apply\"; proto = \"udp\"; ports = [${ports%, }]; approval = \"AP-T-9\"; purpose = \"bulk\"; },|" \
    "$TMP/base.conf" >"$TMP/policy.conf"
chmod 0644 "$TMP/policy.conf"

start()
{
	: >"$DLOG"
	ip netns exec "$LAB-gw" "$SANSOD" -f "$TMP/policy.conf" --control "$CTL" \
		--state-dir "$STATE" --audit "$AUDIT" >>"$DLOG" 2>&1 &
	DPID=$!
	PIDS+=("$DPID")
	wait_log "applied generation" 1 && poll 50 test -S "$CTL" && chmod 0666 "$CTL"
}
stop()
{
	kill "$DPID"
	poll 50 bash -c "! kill -0 $DPID 2>/dev/null"
}
check "sansod starts with a control socket" start
chmod 0666 "$CTL"

# ==== (5) slow and silent clients ====
cat >"$TMP/clients.py" <<'PY'
import socket, struct, sys, time
path, silent, hold, ready = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
def conn():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.connect(path)
    return s
keep = [conn() for _ in range(silent)]
d = conn()
d.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
d.send(struct.pack("<HHIIi", 1, 2, 0, 0, 0))		# dump, then never read
time.sleep(0.3)
open(ready, "w").close()
time.sleep(hold)
PY
dump_bytes=$(ctl dump | wc -c)
check "the dump is larger than the socket buffers (${dump_bytes} bytes > 256 KiB)" test "$dump_bytes" -gt 262144
# best_status: the fastest of five `sansoctl status` (1 s each) in ms; the output in status.out
best_status()
{
	local try t0 t1 best=99999
	for try in 1 2 3 4 5; do
		t0=$(date +%s%N)
		timeout 1 "$SANSOCTL" -s "$CTL" status >"$TMP/status.out.$try" 2>&1 || true
		t1=$(date +%s%N)
		if (((t1 - t0) / 1000000 < best)); then
			best=$(((t1 - t0) / 1000000))
			cp "$TMP/status.out.$try" "$TMP/status.out"
		fi
	done
	echo "$best"
}
base_ms=$(best_status)
echo "    baseline: sansoctl status took ${base_ms} ms (best of 5) without other clients"
applied=$(log_count "applied generation")
t0=$(date +%s%N)
kill -HUP "$DPID"
wait_log "applied generation" $((applied + 1))
t1=$(date +%s%N)
hup_ms=$(((t1 - t0) / 1000000))
echo "    baseline: a SIGHUP reload of this policy takes ${hup_ms} ms"
gen0=$(ctl status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["generation"])')
python3 "$TMP/clients.py" "$CTL" 10 60 "$TMP/ready" &	# they stay until killed below
CPID=$!
PIDS+=("$CPID")
poll 50 test -e "$TMP/ready"
# the daemon's answer must come within 100 ms (measured by a raw client below, without the
# start of a process); sansoctl as a whole, process start included, no more than 100 ms slower
# than without these clients (the machine may be busy: the fastest of five tries, 1 s each)
ms=$(best_status)
echo "    status took ${ms} ms (best of 5) with 10 silent clients and a dump nobody reads"
check "sansoctl status: at most 100 ms more than without them (${ms} ms vs ${base_ms} ms)" \
	test "$ms" -lt $((base_ms + 100))
check "... and it is the real status" grep -q "generation $gen0" "$TMP/status.out"
rt=$(python3 - "$CTL" <<'PY2'
import socket, struct, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.settimeout(1)
t = time.monotonic()
try:
    s.connect(sys.argv[1])
    s.send(struct.pack("<HHIIi", 1, 1, 0, 0, 0))
    while not struct.unpack("<HHIIi", s.recv(65536)[:16])[3] & 1:
        pass
    print(int((time.monotonic() - t) * 1000))
except OSError:
    print(99999)
PY2
)
echo "    the daemon's own round trip for status: ${rt} ms"
check "the daemon answers a status request within 100 ms (${rt} ms, without process start)" test "$rt" -lt 100
applied=$(log_count "applied generation")
t0=$(date +%s%N)
kill -HUP "$DPID"
poll 100 bash -c "(( \$(grep -cF 'applied generation' '$DLOG') > $applied ))" || true
t1=$(date +%s%N)
ms=$(((t1 - t0) / 1000000))
echo "    SIGHUP applied after ${ms} ms"
check "SIGHUP is applied at once (${ms} ms < the reload's own ${hup_ms} ms + 500)" \
	test "$(log_count "applied generation")" -gt "$applied" -a "$ms" -lt $((hup_ms + 500))
check "the slow clients were still connected during all this" kill -0 "$CPID"
kill "$CPID"
check "... generation $((gen0 + 1)) in status" bash -c "timeout 5 '$SANSOCTL' -s '$CTL' status | grep -q 'generation $((gen0 + 1))'"

cat >"$TMP/cap.py" <<'PY'
import socket, struct, sys
path = sys.argv[1]
keep = []
for _ in range(16):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.connect(path)
    keep.append(s)
x = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
x.connect(path)
x.settimeout(2)
try:
    m = x.recv(65536)
except socket.timeout:
    print("17th: no answer"); sys.exit(1)
v, t, n, fl, st = struct.unpack("<HHIIi", m[:16])
print("17th: status %d: %s" % (st, m[16:16 + n].decode().strip()))
sys.exit(0 if st != 0 and fl & 1 else 1)
PY
check "the 17th concurrent client of one uid is refused with a reply" \
	bash -c "python3 '$TMP/cap.py' '$CTL' | tee '$TMP/cap.out' | grep -q 'status'"
cat "$TMP/cap.out" | sed 's/^/    /'
check "after those clients left, status answers again" poll 50 bash -c "timeout 2 '$SANSOCTL' -s '$CTL' status >/dev/null"
check "sansod still runs" daemon_alive

# ==== (6) an isolated group whose name has a space ====
check "isolate 'night shift'" ctl isolate "night shift" --reason drill
check "the kernel has its address in iso4" bash -c "ip netns exec $LAB-gw nft list set inet sanso iso4 2>/dev/null | grep -q '10.20.0.130'"
stop
check "restart with the state directory" start
check "after restart: 'night shift' is still isolated in the kernel" \
	bash -c "ip netns exec $LAB-gw nft list set inet sanso iso4 2>/dev/null | grep -q '10.20.0.130'"
check "after restart: status lists the isolation" bash -c "'$SANSOCTL' -s '$CTL' status | grep -q 'isolated: *night shift$'"
stop
sed -i '/name = "night shift"/d' "$TMP/policy.conf"
echo "bogus state line" >>"$STATE/ops.state"
check "restart with a policy without 'night shift'" start
check "status lists the isolation as unresolved" \
	bash -c "'$SANSOCTL' -s '$CTL' status | grep -q 'UNRESOLVED.*night shift'"
check "status --json lists it among unresolved_isolations" \
	bash -c "'$SANSOCTL' -s '$CTL' status --json | python3 -c 'import json,sys; assert \"night shift\" in json.load(sys.stdin)[\"unresolved_isolations\"]'"
check "the log names the unresolved isolation" grep -q "isolation 'night shift'.*resolves to nothing" "$DLOG"
check "the audit trail records isolation.unresolved" grep -q '"event":"isolation.unresolved".*night shift' "$AUDIT"
check "an unreadable state line is logged, not skipped silently" grep -q "bogus state line" "$DLOG"
check "restore 'night shift' lifts it" ctl restore "night shift"
refute "status no longer lists it" bash -c "'$SANSOCTL' -s '$CTL' status | grep -q 'night shift'"

# ---- sni services with a group as source; coverage ----
sed -e 's/^breakout:.*//' "$TMP/base.conf" >"$TMP/sni.conf"
cat >>"$TMP/sni.conf" <<'CONF'
breakout: { from = ["lg-terminals"];
  services: ( { name = "SNI SaaS"; ismap = "C99-0002-1"; ismap_valid_until = "2099-03-31";
                fqdns = ["*.sni.example"]; ports = [443]; match = "sni"; approval = "AP-T2"; } ); };
CONF
"$SANSOD" --print-nft -f "$TMP/sni.conf" >"$TMP/sni.nft" 2>"$TMP/sni.err" && sni_rc=0 || sni_rc=$?
if ((sni_rc == 0)); then
	check "sni service from a group: a rule matches its sources and ports" \
		grep -Eq 'ip saddr @bo_src4 .*@bo_sni_ports' "$TMP/sni.nft"
else
	check "sni service from a group: refused with a clear error" grep -q "SNI SaaS" "$TMP/sni.err"
fi
sed -e "s|^hosts: (|hosts: (\n  { name = \"v6only\"; zone = \"lgwan\"; ipv6 = \"fd20::10\"; },|" \
    -e "s|^flows: (|flows: (\n  { name = \"nowhere\"; class = \"peer\"; from = \"v6only\"; to = \"e-apply\"; proto = \"udp\"; ports = [514]; approval = \"AP-T-3\"; purpose = \"x\"; },|" \
    "$TMP/base.conf" >"$TMP/nothing.conf"
check_eq "a flow that compiles to nothing is refused by -n (exit 1)" 1 \
	"$("$SANSOD" -n -f "$TMP/nothing.conf" >"$TMP/nothing.out" 2>&1; echo $?)"
check "... naming the flow" grep -q "flow 'nowhere' compiles to no kernel element" "$TMP/nothing.out"

# ==== (4) @include under two-person change control ====
created_group=0
if ! getent group sanso-admin >/dev/null; then
	groupadd -r sanso-admin && created_group=1
fi
admin_gid=$(getent group sanso-admin | cut -d: -f3)
as_admin2() { setpriv --reuid=4242 --regid="$admin_gid" --clear-groups "$SANSOCTL" -s "$CTL" "$@"; }
# the include is written relative to the main file; "../incfiles/x" names the same file from
# the state directory too (both sit in $TMP), so the unmodified daemon finds it when approving
mkdir -p "$TMP/inc" "$TMP/incfiles"
chmod 0755 "$TMP/inc" "$TMP/incfiles"
awk '/^groups: \(/ { skip = 1; print "@include \"../incfiles/groups.conf\""; next }
     skip && /^\);/ { skip = 0; next } skip { next } /changes = "single";/ { next } { print }' \
	"$TMP/policy.conf" >"$TMP/inc/main.conf"	# two-person again: approved versions only
awk '/^groups: \(/ { on = 1 } on { print } on && /^\);/ { on = 0 }' "$TMP/policy.conf" >"$TMP/incfiles/groups.conf"
chmod 0644 "$TMP/inc/main.conf" "$TMP/incfiles/groups.conf"
check "the split policy is valid" "$SANSOD" -n -f "$TMP/inc/main.conf"
out=$(ctl propose "$TMP/inc/main.conf" --reason "split policy" 2>&1)
id=$(sed -n 's/^proposed \([0-9a-f]*\);.*/\1/p' <<<"$out")
check "propose with @include: a change id" test -n "$id"
# the attacker (or a careless colleague) edits the included file after the proposal
sed -i 's|"10.20.0.128/25"|"10.20.0.192/26"|' "$TMP/incfiles/groups.conf"
check "approve by a second admin (uid 4242)" as_admin2 approve "$id"
check "the kernel has the proposed group (10.20.0.128/25)" \
	bash -c "ip netns exec $LAB-gw nft list table inet sanso 2>/dev/null | grep -q '10.20.0.128/25'"
refute "the kernel does not have the edited include (10.20.0.192/26)" \
	bash -c "ip netns exec $LAB-gw nft list table inet sanso 2>/dev/null | grep -q '10.20.0.192/26'"
sha_status=$(ctl status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["config_sha256"])')
sha_change=$(ctl changes --json | python3 -c "import json,sys; print([c['sha256'] for c in json.load(sys.stdin)['changes'] if c['id'] == '$id'][0])")
check_eq "status shows the SHA-256 of the approved change" "$sha_change" "$sha_status"
check_eq "the SHA-256 is that of last-good.conf (the flattened text)" "$sha_status" \
	"$(sha256sum <"$STATE/last-good.conf" | cut -d' ' -f1)"
check "status --json lists the include with its SHA-256 as proposed" \
	bash -c "'$SANSOCTL' -s '$CTL' status --json | python3 -c 'import json,sys; i=json.load(sys.stdin)[\"includes\"]; assert len(i) == 1 and i[0][\"path\"].endswith(\"incfiles/groups.conf\") and len(i[0][\"sha256\"]) == 64'"
check "last-good.conf contains the included text" grep -q '"10.20.0.128/25"' "$STATE/last-good.conf"
check "last-good.conf names the include with its path and SHA-256" \
	grep -Eq "include .*incfiles/groups.conf.*sha256 [0-9a-f]{64}" "$STATE/last-good.conf"
refute "last-good.conf has no @include left" grep -q '^[[:space:]]*@include' "$STATE/last-good.conf"
check "the proposal in the audit trail names the include and its SHA-256" \
	grep -Eq '"event":"change.propose".*incfiles/groups.conf [0-9a-f]{64}' "$AUDIT"
applied=$(log_count "applied generation")
kill -HUP "$DPID"
wait_log "applied generation" $((applied + 1))
refute "after SIGHUP: the edited include is still not in force" \
	bash -c "ip netns exec $LAB-gw nft list table inet sanso 2>/dev/null | grep -q '10.20.0.192/26'"
# the approved text itself altered (the running version in the store, state directory):
# refused, also at restart
gen=$(ctl status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["generation"])')
run=$(sed -n 's/^version\t//p' "$STATE/store/running")
echo '# altered' >>"$STATE/store/v$(printf %06u "$run").conf"
applied=$(log_count "reload refused")
kill -HUP "$DPID"
wait_log "reload refused" $((applied + 1))
check "an altered approved version is refused at reload" grep -q "REFUSED.*edited or corrupted" "$DLOG"
check_eq "... and the generation in force stays" "$gen" \
	"$(ctl status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["generation"])')"
((created_group)) && groupdel sanso-admin

check "audit verify: the trail is intact" "$SANSOCTL" audit verify "$AUDIT" "$STATE/audit.anchor"
finish
