/* SPDX-License-Identifier: GPL-2.0-only */
/* nftgen.h: the compiled ruleset in nft syntax. The text loads with `nft -f` and builds the
 * same table that sansod commits (the benchmark baseline, and what an auditor reads).
 * Pure: writes to a stdio stream only. */
#ifndef SANSO_NFTGEN_H
#define SANSO_NFTGEN_H

#include <stdbool.h>
#include <stdio.h>

#include "ir.h"

/* replace: prefix "table inet sanso; delete table inet sanso" so that `nft -f` replaces the
 * previous generation in one transaction, as sansod does. Returns 0 or -EIO. */
int nftgen_print(const struct ir_ruleset *rs, FILE *out, bool replace);

/* One element key (or key..key_end range) of set s in nft syntax; returns chars written or
 * -ENOSPC. Used by nftgen and by drift reports. */
int nftgen_elem(const struct ir_set *s, const struct ir_elem *e, char *buf, size_t len);

/* A kernel timeout in nft's own notation, rounded up to whole seconds: "3d2h", "45s". Returns
 * chars written or -ENOSPC. */
int nftgen_duration(uint64_t ms, char *buf, size_t len);

#endif
