#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# t_m365_refresh.sh: `m365-to-sanso --refresh` (issue #16) against a local HTTP server in a
# namespace of its own, serving the web service's /version and /endpoints, with a running
# sansod that receives the proposal (two-person rule: nothing is applied).
#   v1 first: services written, one proposal;
#   v2: exactly the expected summary (names and prefixes added and removed), one more proposal;
#   v2 again: nothing (no proposal, services file untouched);
#   v3 with a malformed feed / a malformed version answer: exit 1, no proposal, state kept.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

require sansod
SANSOCTL=${SANSOCTL:-$(dirname "$SANSOD")/sansoctl}
[[ -x $SANSOCTL ]] || cannot_run "sansoctl not built: $SANSOCTL"
command -v curl >/dev/null || cannot_run "curl not installed"
lab_up

CTL=$TMP/control
STATE=$TMP/state
AUDIT=$TMP/audit.jsonl
RSTATE=$TMP/refresh
WWW=$TMP/www
mkdir -p "$STATE" "$RSTATE" "$WWW"
chmod 0755 "$TMP" "$RSTATE"
conf_with_expiry 3600 "$CONF" "$TMP/policy0.conf"
cp "$TMP/policy0.conf" "$TMP/policy.conf"
cat >>"$TMP/policy.conf" <<'EOF'
breakout: { from = ["lg-terminals"]; upstreams = ["10.30.0.53"];
  services: (
@include "m365.conf"
  ); };
EOF
chmod 0644 "$TMP/policy0.conf" "$TMP/policy.conf"

ip netns exec "$LAB-gw" "$SANSOD" -f "$TMP/policy0.conf" --control "$CTL" \
	--state-dir "$STATE" --audit "$AUDIT" >>"$DLOG" 2>&1 &
DPID=$!
PIDS+=("$DPID")
check "sansod -f starts" wait_log "applied generation" 1
poll 100 test -S "$CTL" || true
check "control socket is up" test -S "$CTL"

# the feed server: its own namespace, loopback only
FEEDNS=$LAB-feed
ip netns add "$FEEDNS"
EXTRA_NS+=("$FEEDNS")
ip netns exec "$FEEDNS" ip link set lo up
ip netns exec "$FEEDNS" python3 -m http.server 8080 --bind 127.0.0.1 --directory "$WWW" \
	>"$TMP/http.log" 2>&1 &
PIDS+=("$!")
poll 100 ip netns exec "$FEEDNS" curl -fsS -o /dev/null http://127.0.0.1:8080/ 2>/dev/null || true

SAMPLE=$SANSO_ROOT/tests/m365/endpoints-worldwide.json
# v1: without the two new wildcard forms and one prefix, with an old name and prefix
python3 - "$SAMPLE" "$TMP/v1.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
for e in d:
    if e["id"] == 8:
        e["urls"] = [u for u in e["urls"] if u != "autodiscover.*.onmicrosoft.com"] + ["old.outlook.com"]
    if e["id"] == 78:
        e["urls"] = [u for u in e["urls"] if u != "*cdn.onenote.net"]
    if e["id"] == 9:
        e["ips"] = [p for p in e["ips"] if p != "52.238.78.88/32"] + ["51.105.0.0/16"]
json.dump(d, open(sys.argv[2], "w"), indent=1)
EOF
serve_version() {	# version-answer-text feed-file
	printf '%s' "$1" >"$WWW/version.new" && mv "$WWW/version.new" "$WWW/version"
	cp "$2" "$WWW/endpoints.new" && mv "$WWW/endpoints.new" "$WWW/endpoints"
}
refresh() {
	ip netns exec "$FEEDNS" python3 "$SANSO_ROOT/tools/m365-to-sanso" \
		--ismap C21-0009-3 --ismap-valid-until 2027-03-31 --approval AP-2026-010 \
		--categories Optimize,Allow,Default --tenant contoso \
		--refresh "$RSTATE" --version-url http://127.0.0.1:8080/version \
		--feed-url http://127.0.0.1:8080/endpoints --services "$TMP/m365.conf" \
		--policy "$TMP/policy.conf" --sansoctl "$SANSOCTL" --socket "$CTL" \
		>"$TMP/refresh.out" 2>"$TMP/refresh.err"
}
proposals() { grep -c 'change.propose' "$AUDIT" 2>/dev/null || true; }

# ---- v1 ----
serve_version '{"instance": "Worldwide", "latest": "2025013000"}' "$TMP/v1.json"
check_eq "v1: refresh exits 0" 0 "$(refresh; echo $?)"
check_eq "v1: one proposal" 1 "$(proposals)"
python3 "$SANSO_ROOT/tools/m365-to-sanso" --ismap C21-0009-3 --ismap-valid-until 2027-03-31 \
	--approval AP-2026-010 --categories Optimize,Allow,Default --tenant contoso \
	--version 2025013000 "$TMP/v1.json" 2>/dev/null | sed 1d >"$TMP/v1.expected"
check "v1: the services file is the conversion of v1" cmp -s "$TMP/v1.expected" <(sed 1d "$TMP/m365.conf")
check "v1: the proposal does not apply (generation 1 still)" \
	bash -c "'$SANSOCTL' -s '$CTL' status | grep -q 'generation 1'"
check_eq "v1: the version is recorded" 2025013000 "$(cat "$RSTATE/version")"

# ---- v2 ----
serve_version '[{"instance": "Worldwide", "latest": "2025020100"}]' "$SAMPLE"
check_eq "v2: refresh exits 0" 0 "$(refresh; echo $?)"
check_eq "v2: exactly one more proposal" 2 "$(proposals)"
cat >"$TMP/v2.summary" <<'EOF'
Microsoft 365 endpoints: version 2025013000 -> 2025020100
+ name *cdn.onenote.net
+ name autodiscover.*.onmicrosoft.com
- name old.outlook.com
+ prefix 52.238.78.88/32
- prefix 51.105.0.0/16
EOF
check "v2: the summary names exactly what was added and removed" \
	cmp -s "$TMP/v2.summary" <(head -6 "$RSTATE/summary-2025020100.txt")
[[ $(head -6 "$RSTATE/summary-2025020100.txt") == "$(cat "$TMP/v2.summary")" ]] ||
	{ diff -u "$TMP/v2.summary" "$RSTATE/summary-2025020100.txt" | head -20; } || true
check "v2: the proposal carries the summary as its reason" \
	grep -q 'M365 feed 2025013000 -> 2025020100: names +2 -1, prefixes +1 -1' "$AUDIT"
check "v2: the proposed services keep *cdn.onenote.net" grep -q '"\*cdn.onenote.net"' "$TMP/m365.conf"
check "v2: the stored proposal (state directory) holds the new patterns" \
	grep -rqF '"autodiscover.*.onmicrosoft.com"' "$STATE"
check "v2: the proposed policy is the one sansoctl shows" \
	bash -c "'$SANSOCTL' -s '$CTL' status | grep -q 'proposed'"

# ---- unchanged ----
cp "$TMP/m365.conf" "$TMP/m365.before"
check_eq "unchanged version: exit 0" 0 "$(refresh; echo $?)"
check "unchanged version: says so" grep -q 'unchanged; nothing to do' "$TMP/refresh.err"
check_eq "unchanged version: no proposal" 2 "$(proposals)"
check "unchanged version: services file untouched" cmp -s "$TMP/m365.before" "$TMP/m365.conf"

# ---- malformed ----
head -c 2000 "$SAMPLE" >"$TMP/bad.json"
serve_version '{"instance": "Worldwide", "latest": "2025030100"}' "$TMP/bad.json"
check_eq "malformed feed: exit 1" 1 "$(refresh; echo $?)"
check "malformed feed: an error naming the JSON" grep -q 'malformed JSON' "$TMP/refresh.err"
check_eq "malformed feed: no proposal" 2 "$(proposals)"
check "malformed feed: services file untouched" cmp -s "$TMP/m365.before" "$TMP/m365.conf"
check_eq "malformed feed: the version stays" 2025020100 "$(cat "$RSTATE/version")"
serve_version '<html>maintenance</html>' "$SAMPLE"
check_eq "malformed version answer: exit 1" 1 "$(refresh; echo $?)"
check_eq "malformed version answer: no proposal" 2 "$(proposals)"
# a feed sansod refuses (a service without ISMAP end date is impossible here, so: a policy
# the daemon refuses) is rolled back
serve_version '{"instance": "Worldwide", "latest": "2025040100"}' "$TMP/v1.json"
sed -i 's/upstreams = \["10.30.0.53"\];//' "$TMP/policy.conf"
check_eq "proposal refused by sansod: exit 1" 1 "$(refresh; echo $?)"
check "proposal refused by sansod: says so" grep -q 'sansoctl propose refused' "$TMP/refresh.err"
check_eq "proposal refused by sansod: no proposal" 2 "$(proposals)"
check "proposal refused by sansod: services file restored" cmp -s "$TMP/m365.before" "$TMP/m365.conf"
check_eq "proposal refused by sansod: the version stays" 2025020100 "$(cat "$RSTATE/version")"

finish
