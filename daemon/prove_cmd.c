// SPDX-License-Identifier: GPL-2.0-only
/* prove_cmd.c: `sansoctl prove [--dump FILE] [-f POLICY] [--json]`.
 * Exit 0 proven, 1 a path the policy does not allow (witnesses printed), 2 usage, 5 cannot
 * evaluate (why on stderr). --dump reads nft's JSON (`nft -j list table inet sanso`) from a
 * file, without privileges and without sansod. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf.h"
#include "diag.h"
#include "policy.h"
#include "prove_cmd.h"
#include "prove_policy.h"

#define PROVE_EX_USAGE	2
#define PROVE_EX_CANNOT	5
#define PROVE_FILE_MAX	(512L << 20)

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || n > PROVE_FILE_MAX ||
	    fseek(f, 0, SEEK_SET))
		goto out;
	buf = malloc((size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	if (buf)
		buf[n] = 0;
out:
	fclose(f);
	return buf;
}

static int load_policy(const char *file, struct policy **ret)
{
	struct diag d;
	int r;

	diag_init(&d);
	r = conf_load_file(file, ret, &d);
	if (!r)
		r = policy_validate(*ret, (int64_t)time(NULL), &d);
	if (r < 0)
		diag_print(&d, stderr, 0);
	diag_fini(&d);
	return r;
}

static int usage(void)
{
	fputs("usage: sansoctl prove --dump FILE [-f POLICY] [--json]\n"
	      "  FILE: nft -j list table inet sanso; POLICY: the zone definitions\n"
	      "  exit: 0 proven, 1 a path the policy does not allow, 2 usage, 5 cannot evaluate\n",
	      stderr);
	return PROVE_EX_USAGE;
}

int prove_cmd(int argc, char **argv)
{
	const char *dump = NULL, *file = "/etc/sanso/sanso.conf";
	struct policy *p = NULL;
	char why[512] = "", *text = NULL;
	bool json = false;
	int i, r;

	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--dump") && i + 1 < argc)
			dump = argv[++i];
		else if (!strcmp(argv[i], "-f") && i + 1 < argc)
			file = argv[++i];
		else if (!strcmp(argv[i], "--json"))
			json = true;
		else
			return usage();
	}
	if (!dump)		/* the live kernel: sansoctl asks sansod (request prove) */
		return usage();
	text = slurp(dump);
	if (!text) {
		fprintf(stderr, "sansoctl prove: cannot evaluate: %s: %s\n", dump, strerror(errno));
		return PROVE_EX_CANNOT;
	}
	r = load_policy(file, &p);
	if (r < 0) {
		fprintf(stderr, "sansoctl prove: cannot evaluate: policy %s refused\n", file);
		r = PROVE_EX_CANNOT;
		goto out;
	}
	r = pv_prove(p, text, stdout, json, why, sizeof(why));
	if (r < 0) {
		fprintf(stderr, "sansoctl prove: cannot evaluate: %s\n", why);
		r = PROVE_EX_CANNOT;
	}
out:
	policy_free(p);
	free(text);
	return r;
}
