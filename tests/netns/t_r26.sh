#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# t_r26.sh: R26, security-update services over TLS only. conf/breakout.conf with its services
# replaced by a security-update service "updates" (www.allowed.example, tls = "required",
# ports 443 and 8443) and a cloud service "saas" (other.example, the same ports, no tls
# requirement), under `sansod -f`. After both names are answered through the LGWAN resolver:
#   TLS SNI www.allowed.example to :443                -> passes
#   plain HTTP, Host www.allowed.example, to :8443     -> refused (the engine: TLS only)
#   plain HTTP, Host www.allowed.example, to :80       -> refused (no service port)
#   plain HTTP, Host other.example, to :8443            -> passes (saas does not require TLS)
# and `sansod -n` refuses "updates" when it lists port 80. Every attempt is first made on the
# bare lab, where it must succeed. Lab: tests/netns/t_breakout.sh's (tools/lab services), plus
# a plain TCP listener on 10.30.0.100:8443 that logs what it receives.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

require sansod
for tool in dnsmasq perl curl openssl ncat; do
	command -v "$tool" >/dev/null || cannot_run "$tool not installed"
done

TERM_IP=10.20.0.130	# a terminal, in lg-terminals (10.20.0.128/25)
RES=10.20.0.53		# the LGWAN resolver
WEB=10.30.0.100

# r26_conf PORTS OUT: conf/breakout.conf with the two services of this test.
r26_conf()
{
	awk '/^  services: \(/ { exit } { print }' "$SANSO_ROOT/conf/breakout.conf" |
		sed -E 's/dns_floor = [0-9]+;/dns_floor = 600;/' >"$2.in"	# learned all along
	cat >>"$2.in" <<-CONF
	  services: (
	    { name = "updates"; type = "security-update"; fqdns = ["www.allowed.example"];
	      ports = [$1]; match = "dns+sni"; approval = "AP-2026-026";
	      handles_admin_docs = false; tls = "required"; },
	    { name = "saas"; type = "cloud"; ismap = "C21-0009-3"; ismap_valid_until = "2099-03-31";
	      fqdns = ["other.example"]; ports = [$1]; match = "dns+sni"; approval = "AP-2026-010"; }
	  );
	};
	CONF
	conf_with_expiry 3600 "$2.in" "$2"
}

# plain_http NAME: a plain HTTP request for NAME from the terminal to WEB:8443; true when the
# listener there received it (within 3 s).
plain_http()
{
	local log
	log=$(srvlog tcp "$WEB" 8443)
	printf 'GET / HTTP/1.1\r\nHost: %s\r\n\r\n' "$1" |
		n lg ncat -w 3 -s "$TERM_IP" --send-only "$WEB" 8443 >/dev/null 2>&1 || true
	poll 30 grep -qF "Host: $1" "$log"
}

sansod_refuses()
{
	! "$SANSOD" -n -f "$1" >"$TMP/check.out" 2>&1 && grep -qF "$2" "$TMP/check.out"
}

lab_up
lab_services
serve in tcp "$WEB" 8443
r26_conf '443, 8443' "$TMP/policy.conf"
r26_conf '443, 80' "$TMP/port80.conf"

check "-n refuses a tls = \"required\" service listing port 80" sansod_refuses \
	"$TMP/port80.conf" "service 'updates': I4: port 80 (plain HTTP) on a service with tls = \"required\""
sed -n 's/^/    /p' "$TMP/check.out"
check "-n accepts the policy of this test" "$SANSOD" -n -f "$TMP/policy.conf"

BASELINE=(
	"pass|TLS SNI www.allowed.example to :443|tls_ok lg $TERM_IP $WEB www.allowed.example"
	"pass|HTTP Host www.allowed.example to :80|http_ok lg $TERM_IP $WEB www.allowed.example"
)
expect_mixed "baseline without sanso" "${BASELINE[@]}"
check "baseline: plain HTTP Host www.allowed.example to :8443 received" plain_http www.allowed.example
check "baseline: plain HTTP Host other.example to :8443 received" plain_http other.example
: >"$(srvlog tcp "$WEB" 8443)"

check "sansod -f runs the policy" daemon_start "$TMP/policy.conf"
if ! daemon_alive || ! has_table gw; then
	sed 's/^/    sansod: /' "$DLOG"
	finish || exit 1
fi
check "terminal resolves www.allowed.example through the LGWAN resolver" \
	resolves lg "$TERM_IP" "$RES" www.allowed.example "$WEB"
check "terminal resolves other.example through the LGWAN resolver" \
	resolves lg "$TERM_IP" "$RES" other.example "$WEB"
check "$WEB learned" set_has gw bo_learn4 "$WEB"
check_eq "learned for dns_floor 600 + dns_grace 2 s" 602000 "$(elem_field gw bo_learn4 "$WEB" timeout)"

ref=$(chain_drops gw refused)
expect_mixed "learned $WEB" \
	"pass|TLS SNI www.allowed.example to :443 passes|tls_ok lg $TERM_IP $WEB www.allowed.example" \
	"fail|HTTP Host www.allowed.example to :80 refused|http_ok lg $TERM_IP $WEB www.allowed.example"
refute "plain HTTP Host www.allowed.example to :8443 (a TLS port of updates) refused" \
	plain_http www.allowed.example
check "the refusal counted by chain refused ($ref -> $(chain_drops gw refused))" \
	test "$(chain_drops gw refused)" -gt "$ref"
check "plain HTTP Host other.example to :8443 passes (saas does not require TLS)" \
	plain_http other.example
refute "the listener never received a request for www.allowed.example" \
	grep -qF "Host: www.allowed.example" "$(srvlog tcp "$WEB" 8443)"

check "sansod still running" daemon_alive
check "SIGTERM: sansod exits" daemon_stop

finish
