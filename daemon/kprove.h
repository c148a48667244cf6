/* SPDX-License-Identifier: GPL-2.0-only */
/* kprove.h: the independent proof (prove_policy.h) of table inet sanso as the kernel holds
 * it. The table is read in nftables' own JSON (what `nft -j list table inet sanso` prints)
 * through libnftables: a reader that shares no code with the compiler or nlbatch. */
#ifndef SANSO_KPROVE_H
#define SANSO_KPROVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct policy;

/* *ret: the JSON text (malloc'd, NUL-terminated; the caller frees it).
 * Returns 0, -ENOENT (no such table), -ENOMEM or -EIO, with why filled. */
int kprove_table_json(char **ret, char *why, size_t whylen);

/* The kernel's table proven against p (validated): the matrix and witnesses to out (text or
 * JSON). Returns 0 proven, 1 a path p does not allow, or -errno: cannot evaluate (why). */
int kprove_run(const struct policy *p, FILE *out, bool json, char *why, size_t whylen);

#endif
