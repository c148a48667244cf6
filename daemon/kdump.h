/* SPDX-License-Identifier: GPL-2.0-only */
/* kdump.h: table inet sanso as the kernel holds it, for sansoctl dump and stats: rules and
 * set elements decoded with the compiled set types, as text or as the body of a JSON object
 * ("rules" and "sets" members); and every rule counter. Each call has its own netlink socket:
 * it never waits for a commit. */
#ifndef SANSO_KDUMP_H
#define SANSO_KDUMP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "ir.h"

int kdump_print(const struct ir_ruleset *rs, FILE *out, bool json);
int kdump_counters(void (*cb)(void *arg, const char *chain, int idx, const char *comment,
			      uint64_t pkts, uint64_t bytes), void *arg);

/* The counter of every element of set NAME (an IR_SET_COUNTER set): cb with the element's
 * comment (not terminated: comment_len bytes) and its packets and bytes. 0 or -errno. */
int kdump_set_counters(const char *name, void (*cb)(void *arg, const char *comment,
						    int comment_len, uint64_t pkts,
						    uint64_t bytes), void *arg);

#endif
