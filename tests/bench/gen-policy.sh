#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Generate a large policy for `make bench`: N_HOSTS MAC-bound LGWAN terminals, N_FLOWS flows
# (terminal -> DMZ server, tcp), and N_PREFIXES breakout prefixes (disjoint /24s with gaps)
# spread over 10 kernel-decided (match "ip") ISMAP services.
#   gen-policy.sh [N_HOSTS N_FLOWS N_PREFIXES] > big.conf
set -euo pipefail
N_HOSTS=${1:-10000}
N_FLOWS=${2:-10000}
N_PREFIXES=${3:-100000}
awk -v nh="$N_HOSTS" -v nf="$N_FLOWS" -v np="$N_PREFIXES" 'BEGIN {
	print "policy: { organisation = \"bench\"; document = \"make bench\"; model = \"three-tier\"; changes = \"single\"; };"
	print "zones: {"
	print "  mynumber: { interfaces = [\"mn0\"]; networks = [\"10.10.0.0/16\"]; };"
	print "  lgwan:    { interfaces = [\"lg0\"]; networks = [\"10.64.0.0/10\"]; };"
	print "  internet: { interfaces = [\"in0\"]; networks = [\"any\"]; };"
	print "  dmz:      { interfaces = [\"dz0\"]; networks = [\"10.200.0.0/16\"]; };"
	print "};"
	print "hosts: ("
	for (i = 0; i < nh; i++)
		printf "  { name = \"t%d\"; zone = \"lgwan\"; mac = \"02:01:00:%02x:%02x:%02x\"; ipv4 = \"10.%d.%d.%d\"; },\n", i,
			int(i / 65536) % 256, int(i / 256) % 256, i % 256,
			64 + int(i / 65536), int(i / 256) % 256, i % 256
	for (i = 0; i < 100; i++)
		printf "  { name = \"d%d\"; zone = \"dmz\"; ipv4 = \"10.200.0.%d\"; }%s\n", i, i + 1, i < 99 ? "," : ""
	print ");"
	print "flows: ("
	for (i = 0; i < nf; i++)
		printf "  { name = \"f%d\"; class = \"peer\"; from = \"t%d\"; to = \"d%d\"; proto = \"tcp\"; ports = [%d]; approval = \"AP-%d\"; purpose = \"bench\"; }%s\n",
			i, i % nh, i % 100, 1000 + i % 50, i, i < nf - 1 ? "," : ""
	print ");"
	print "breakout: { from = [\"lgwan\"]; services: ("
	per = int(np / 10)
	for (s = 0; s < 10; s++) {
		printf "  { name = \"svc%d\"; ismap = \"C00-%04d-1\"; ismap_valid_until = \"2099-03-31\"; match = \"ip\"; ports = [443]; approval = \"AP-B%d\"; fqdns = [\"*.svc%d.example\"];\n    prefixes = [", s, s, s, s
		for (k = 0; k < per; k++) {
			n = (s * per + k) * 2
			printf "%s\"%d.%d.%d.0/24\"", k ? "," : "", 11 + int(n / 65536), int(n / 256) % 256, n % 256
		}
		printf "]; }%s\n", s < 9 ? "," : ""
	}
	print "); };"
}'
