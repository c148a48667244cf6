/* SPDX-License-Identifier: GPL-2.0-only */
/* unitnet.c: see unitnet.h. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>

#include "alertfmt.h"
#include "unitnet.h"

#define UNITNET_ADDRS	16		/* 8 collectors and 2 nodes at most (conf.c) */

struct addrs {
	char v[UNITNET_ADDRS][64];
	int n;
	bool v4, v6;
};

static void add(struct addrs *a, const struct prefix *pf)
{
	struct prefix bare = *pf;
	char text[64];
	int i;

	bare.len = pf->family == AF_INET ? 32 : 128;
	if (policy_prefix_format(&bare, text, sizeof(text)) < 0)
		return;
	text[strcspn(text, "/")] = '\0';
	for (i = 0; i < a->n; i++)
		if (!strcmp(a->v[i], text))
			return;
	if (a->n == UNITNET_ADDRS)
		return;
	snprintf(a->v[a->n++], sizeof(a->v[0]), "%s", text);
	a->v4 |= pf->family == AF_INET;
	a->v6 |= pf->family == AF_INET6;
}

static void collect(const struct policy *p, struct addrs *a)
{
	struct alert_url u;
	struct prefix pf;
	const char *why;
	int i;

	for (i = 0; i < p->alerts.n_syslog; i++) {
		if (alertfmt_url_parse(p->alerts.syslog[i], &u, &why) < 0)
			continue;	/* conf.c refused it already */
		pf.family = (uint8_t)u.family;
		memcpy(pf.addr, u.addr, sizeof(pf.addr));
		add(a, &pf);
	}
	for (i = 0; p->ha.present && i < p->ha.n_nodes; i++)
		add(a, &p->ha.nodes[i]);
}

int unitnet_dropin(const struct policy *p, const char *source, FILE *out)
{
	struct addrs a = { .n = 0 };
	int i;

	collect(p, &a);
	fprintf(out, "# sansod.service: the network the policy %s needs, and nothing more\n"
		"# (sansod --unit-dropin, run by sanso-generator at boot and daemon-reload).\n"
		"# Do not edit: change the policy's alerts.syslog or ha.nodes, then\n"
		"# systemctl daemon-reload && systemctl restart sansod.\n[Service]\n", source);
	if (!a.n)
		fprintf(out, "# no syslog collector and no HA pair: no IP socket at all\n");
	if (a.n) {
		fprintf(out, "RestrictAddressFamilies=\nRestrictAddressFamilies=AF_UNIX AF_NETLINK%s%s\n",
			a.v4 ? " AF_INET" : "", a.v6 ? " AF_INET6" : "");
		fprintf(out, "IPAddressAllow=");
		for (i = 0; i < a.n; i++)
			fprintf(out, "%s%s", i ? " " : "", a.v[i]);
		fprintf(out, "\n");
	}
	return ferror(out) ? -EIO : 0;
}
