/* SPDX-License-Identifier: GPL-2.0-only */
/* flowhits.h: connections the kernel accepted, counted by flow, exception or service name from
 * the flow log's events (R84; the auditor's report and sansoctl stats). The verdict engine
 * counts what it decides itself (engine.h); flows the kernel accepts alone are only seen
 * through their NFLOG lines, so these counts are a lower bound (logging.kernel_rate).
 *
 * A fixed open-addressed table: nothing is allocated, an event costs at most FLOWHITS_PROBE
 * slots, and once FLOWHITS_NAMES names are held a new name is counted in `other`.
 * Pure: no syscalls, no logging, no allocation. Not thread-safe. */
#ifndef SANSO_FLOWHITS_H
#define SANSO_FLOWHITS_H

#include <stdint.h>

#include "flowlog.h"
#include "policy.h"

#define FLOWHITS_SLOTS	1024		/* a power of two */
#define FLOWHITS_NAMES	768		/* at most 3/4 full: probe runs stay short */
#define FLOWHITS_PROBE	64

struct flowhits_slot {
	char name[POLICY_NAME_MAX];	/* "": free */
	uint64_t n;
};

/* All zero is an empty table (a static one needs no init). */
struct flowhits {
	struct flowhits_slot slot[FLOWHITS_SLOTS];
	int names;
	uint64_t unnamed;		/* accepted without a decision name (no mark, unknown id) */
	uint64_t other;			/* names that found no room */
};

/* How many connections ev stands for: 1 for an accepted new connection ("flow"), its count
 * for a "suppressed" summary of such lines, 0 for anything else (drops, scans, and the
 * engine's own lines: its tables count those). */
uint64_t flowhits_of_event(const struct flowlog_event *ev);
/* Count n connections of name ("" or NULL: unnamed). 0 counted by name, 1 unnamed, 2 other. */
int flowhits_add(struct flowhits *t, const char *name, uint64_t n);
/* flowhits_add(t, ev->name, flowhits_of_event(ev)); nothing for an event of no connection. */
void flowhits_event(struct flowhits *t, const struct flowlog_event *ev);
/* The count of name; 0 when it was never counted by name. */
uint64_t flowhits_get(const struct flowhits *t, const char *name);
/* The used slots in table order: start with i = 0; returns the next i, or -1 at the end. */
int flowhits_next(const struct flowhits *t, int i, const char **ret_name, uint64_t *ret_n);

#endif
