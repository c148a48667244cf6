/* SPDX-License-Identifier: GPL-2.0-only */
/* nlbatch_dump.c: the golden netlink bytes (make golden). Compiles a policy at a fixed time,
 * builds the batch sansod commits (nlb_build: table flags owner|persist, NFNL_BATCH_GENID,
 * BATCH_END, native queue) with fixed seq numbers and a fixed generation id, and writes it
 * as one netlink message a line:
 *   TYPE seq=N len=N HEX # origin
 * TYPE is the batch marker or the nf_tables message (NEWTABLE, NEWSETELEM, ...), HEX the whole
 * message (header included, host byte order as sent), origin the policy line and object the
 * daemon maps a kernel error to.
 *   nlbatch_dump POLICY NOW     exit 0, or 1 with a message */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>

#include "compile.h"
#include "conf.h"
#include "diag.h"
#include "nlbatch.h"
#include "policy.h"

#ifndef NFT_TABLE_F_PERSIST
#define NFT_TABLE_F_PERSIST	0x4	/* as apply.c: older uapi headers lack it */
#endif

#define DUMP_SEQ 1		/* BEGIN's seq */
#define DUMP_GENID 0x5a5a0001u	/* the generation id the daemon would read from the kernel */

static const char *msg_type(uint16_t t)
{
	static const struct { uint16_t type; const char *name; } nft[] = {
		{ NFT_MSG_NEWTABLE, "NEWTABLE" },   { NFT_MSG_DELTABLE, "DELTABLE" },
		{ NFT_MSG_NEWCHAIN, "NEWCHAIN" },   { NFT_MSG_DELCHAIN, "DELCHAIN" },
		{ NFT_MSG_NEWRULE, "NEWRULE" },     { NFT_MSG_DELRULE, "DELRULE" },
		{ NFT_MSG_NEWSET, "NEWSET" },       { NFT_MSG_DELSET, "DELSET" },
		{ NFT_MSG_NEWSETELEM, "NEWSETELEM" }, { NFT_MSG_DELSETELEM, "DELSETELEM" },
		{ NFT_MSG_NEWOBJ, "NEWOBJ" },       { NFT_MSG_DELOBJ, "DELOBJ" },
	};
	size_t i;

	if (t == NFNL_MSG_BATCH_BEGIN)
		return "BATCH_BEGIN";
	if (t == NFNL_MSG_BATCH_END)
		return "BATCH_END";
	if (t >> 8 != NFNL_SUBSYS_NFTABLES)
		return "UNKNOWN";
	for (i = 0; i < sizeof(nft) / sizeof(nft[0]); i++) {
		if (nft[i].type == (t & 0xff))
			return nft[i].name;
	}
	return "NFT_OTHER";
}

static int dump(const struct nlbatch *b, FILE *out)
{
	const struct nlb_origin *og;
	const struct nlmsghdr *nlh;
	size_t off = 0, i;

	while (off + sizeof(*nlh) <= b->len) {
		nlh = (const struct nlmsghdr *)(b->buf + off);
		if (nlh->nlmsg_len < sizeof(*nlh) || off + nlh->nlmsg_len > b->len)
			return -EINVAL;
		fprintf(out, "%s seq=%u len=%u ", msg_type(nlh->nlmsg_type), nlh->nlmsg_seq,
			nlh->nlmsg_len);
		for (i = 0; i < nlh->nlmsg_len; i++)
			fprintf(out, "%02x", b->buf[off + i]);
		og = nlb_origin(b, nlh->nlmsg_seq);
		if (og && og->line > 0)
			fprintf(out, " # line %d: %s", og->line, og->what);
		else if (og)
			fprintf(out, " # %s", og->what);
		fputc('\n', out);
		off += NLMSG_ALIGN(nlh->nlmsg_len);
	}
	return off == b->len ? 0 : -EINVAL;
}

static int build(const char *path, int64_t now, struct nlbatch *b, struct diag *d)
{
	const struct nlb_opts o = {
		.table_flags = NFT_TABLE_F_OWNER | NFT_TABLE_F_PERSIST,
		.genid = true,
		.end = true,
	};
	struct comp_result *cr = NULL;
	struct policy *p = NULL;
	int r;

	r = conf_load_file(path, &p, d);
	if (r == 0)
		r = policy_validate(p, now, d);
	if (r == 0)
		r = comp_build(p, now, &cr, d);
	if (r == 0)
		r = nlb_build(b, cr->rs, DUMP_SEQ, &o);
	if (r == 0)
		nlb_set_genid(b, DUMP_GENID);
	comp_result_free(cr);
	policy_free(p);
	return r;
}

int main(int argc, char **argv)
{
	struct nlbatch b;
	struct diag d;
	int r;

	if (argc != 3) {
		fprintf(stderr, "usage: nlbatch_dump POLICY NOW\n");
		return 2;
	}
	diag_init(&d);
	r = build(argv[1], strtoll(argv[2], NULL, 10), &b, &d);
	if (r == 0) {
		r = dump(&b, stdout);
		nlb_fini(&b);
	}
	diag_print(&d, stderr, 0);
	diag_fini(&d);
	if (r != 0 || fflush(stdout) != 0) {
		fprintf(stderr, "nlbatch_dump: %s: %s\n", argv[1], strerror(r < 0 ? -r : EIO));
		return 1;
	}
	return 0;
}
