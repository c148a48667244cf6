/* SPDX-License-Identifier: GPL-2.0-only */
/* fuzz_engine.c: eng_decide() on arbitrary packets under every kind of mark, with tables of
 * a policy that has engine flows and dns+sni / sni services. The first input byte picks the
 * mark; the learned table and flow state persist across inputs, as in a worker. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "engine.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char policy[] =
	"policy: { organisation = \"f\"; model = \"three-tier\"; };\n"
	"zones: { mynumber: { interfaces = [\"mn0\"]; networks = [\"10.10.0.0/24\", \"fd10::/64\"]; };\n"
	"  lgwan: { interfaces = [\"lg0\"]; networks = [\"10.20.0.0/24\"]; };\n"
	"  internet: { interfaces = [\"in0\"]; networks = [\"any\"]; }; };\n"
	"hosts: ( { name = \"juki\"; zone = \"mynumber\"; mac = \"02:00:00:00:10:05\"; ipv4 = \"10.10.0.5\"; ipv6 = \"fd10::5\"; },\n"
	"  { name = \"jlis\"; zone = \"lgwan\"; ipv4 = \"10.20.0.9\"; } );\n"
	"groups: ( { name = \"terms\"; members = [\"10.20.0.128/25\"]; } );\n"
	"flows: ( { name = \"f\"; class = \"public-system-via-lgwan\"; from = \"juki\"; to = \"jlis\"; proto = \"tcp\"; ports = [443]; approval = \"A\"; purpose = \"p\"; } );\n"
	"breakout: { from = [\"terms\"]; resolvers = [\"10.20.0.53\"]; upstreams = [\"10.30.0.53\"];\n"
	"  services: ( { name = \"s\"; ismap = \"C1\"; ismap_valid_until = \"2099-01-01\"; fqdns = [\"*.allowed.example\"]; prefixes = [\"10.30.1.0/24\"]; ports = [443, 80]; approval = \"A\"; },\n"
	"    { name = \"t\"; ismap = \"C2\"; ismap_valid_until = \"2099-01-01\"; fqdns = [\"sni.example\"]; ports = [8443]; match = \"sni\"; approval = \"A\"; } ); };\n";

static struct eng_tables *tables;
static struct eng_flows *flows;
static struct eng_learned *learned;
static struct policy *p;		/* kept (reachable) for the process's life */
static struct comp_result *cr;

static void setup(void)
{
	struct diag d;

	diag_init(&d);
	if (conf_load_string("f.conf", policy, &p, &d) || policy_validate(p, 1790000000, &d) ||
	    comp_build(p, 1790000000, &cr, &d))
		abort();		/* the harness's own policy must compile */
	tables = eng_tables_build(p, cr);
	flows = eng_flows_new(64, (const uint8_t *)"sanso-fuzz-key!");
	learned = eng_learned_new(256);
	if (!tables || !flows || !learned)
		abort();
	diag_fini(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint32_t marks[8] = { COMP_MARK_ENGINE, COMP_ID_DNS, 0, COMP_MARK_ENGINE | 1,
					   COMP_ID_DNS_QUERY, COMP_ID_DNS, COMP_ID_DNS_QUERY,
					   COMP_MARK_ENGINE };
	struct eng_update upd[ENG_UPDATES_MAX];
	uint64_t counts[EC_MAX] = { 0 };
	struct eng_verdict v;
	static const uint8_t mac[6] = { 2, 0, 0, 0, 0x10, 5 };
	uint8_t *pkt;
	int n;

	if (!tables)
		setup();
	if (size < 1)
		return 0;
	pkt = malloc(size - 1 ? size - 1 : 1);	/* exact size: overreads are caught */
	if (!pkt)
		return 0;
	memcpy(pkt, data + 1, size - 1);
	eng_decide(tables, flows, learned, pkt, size - 1, (data[0] & 8) ? mac : NULL,
		   marks[data[0] & 7], 1790000000000LL + data[0], &v, upd, &n, counts);
	if (n < 0 || n > ENG_UPDATES_MAX || counts[EC_PACKETS] != 1)
		abort();
	/* the DNS tap never decides: the policy does, after the engine has looked */
	if ((marks[data[0] & 7] == COMP_ID_DNS || marks[data[0] & 7] == COMP_ID_DNS_QUERY) &&
	    (v.v != ENG_REPEAT || v.mark != COMP_ID_DNS_SEEN))
		abort();
	free(pkt);
	return 0;
}
