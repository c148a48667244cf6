// SPDX-License-Identifier: GPL-2.0-only
/* kprove.c: the kernel's table, read through libnftables, proven; see kprove.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nftables/libnftables.h>

#include "kprove.h"
#include "prove_policy.h"

int kprove_table_json(char **ret, char *why, size_t whylen)
{
	struct nft_ctx *nft = nft_ctx_new(NFT_CTX_DEFAULT);
	const char *out, *err;
	int r = -ENOMEM;

	*ret = NULL;
	snprintf(why, whylen, "libnftables: out of memory");
	if (!nft || nft_ctx_buffer_output(nft) || nft_ctx_buffer_error(nft))
		goto out;
	nft_ctx_output_set_flags(nft, NFT_CTX_OUTPUT_JSON | NFT_CTX_OUTPUT_HANDLE);
	if (nft_run_cmd_from_buffer(nft, "list table inet sanso") != 0) {
		err = nft_ctx_get_error_buffer(nft);
		r = err && strstr(err, "No such file") ? -ENOENT : -EIO;
		snprintf(why, whylen, "cannot list table inet sanso: %s",
			 err && *err ? err : "libnftables failed");
		why[strcspn(why, "\n")] = '\0';
		goto out;
	}
	out = nft_ctx_get_output_buffer(nft);
	*ret = strdup(out ? out : "");
	r = *ret ? 0 : -ENOMEM;
out:
	if (nft)
		nft_ctx_free(nft);
	return r;
}

int kprove_run(const struct policy *p, FILE *out, bool json, char *why, size_t whylen)
{
	char *text = NULL;
	int r = kprove_table_json(&text, why, whylen);

	if (r == 0)
		r = pv_prove(p, text, out, json, why, whylen);
	free(text);
	return r;
}
