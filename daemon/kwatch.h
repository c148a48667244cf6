/* SPDX-License-Identifier: GPL-2.0-only */
/* kwatch.h: the kernel resources a flood uses up (R44), watched from the main loop's timer:
 * the conntrack table against nf_conntrack_max (a warning above limits.conntrack_warn of it),
 * and the kernel's drop counts of the engine's NFQUEUEs (a queue that overflows drops what it
 * carries: fail closed). Reads /proc of the daemon's network namespace; never per packet. */
#ifndef SANSO_KWATCH_H
#define SANSO_KWATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy.h"

#define KWATCH_INTERVAL_MS	5000	/* between checks */
#define KWATCH_REPEAT_MS	60000	/* a warning repeats at most this often while it holds */

struct kwatch_queue {
	uint64_t dropped;		/* the queue was full (queue_maxlen) */
	uint64_t user_dropped;		/* the daemon's socket was full (ENOBUFS) */
};

/* The engine's own refusals for want of room (queue.h counters, summed over the workers). */
struct kwatch_engine {
	uint64_t state_full;		/* no handshake record or reassembly slot free */
	uint64_t source_quota;		/* a source held its quota of handshakes */
	uint64_t learn_overflow;	/* learned addresses not committed: buffer full */
	uint64_t enobufs;		/* the queue socket overran: packets lost (refused) */
};

struct kwatch {
	int64_t next_ms;		/* monotonic: the next check */
	int64_t warned_ms;		/* the last conntrack warning; 0: below the level */
	uint64_t warnings;		/* conntrack warnings logged */
	uint64_t q_seen[ENGINE_QUEUES_MAX];	/* drops (both kinds) at the last check */
	struct kwatch_engine eng_seen;	/* at the last check */
};

/* The conntrack table now: 0, or -errno when conntrack is not loaded here. */
int kwatch_conntrack(uint64_t *ret_count, uint64_t *ret_max);
/* One queue's drop counts: 0, or -ENOENT when nothing is bound to it. */
int kwatch_queue(int qnum, struct kwatch_queue *ret);
/* Check now if KWATCH_INTERVAL_MS have passed: warn when conntrack use is above frac of its
 * maximum (repeated at most every KWATCH_REPEAT_MS), note when it falls back, warn when one of
 * the queues base .. base + n - 1 dropped packets since the last check (n = 0: no engine),
 * and raise engine.overload when the engine refused work for want of room since then (eng:
 * its counters now, NULL: no engine). */
void kwatch_tick(struct kwatch *w, double frac, int base, int n, const struct kwatch_engine *eng);
/* Whether kwatch_tick() checks at this call (KWATCH_INTERVAL_MS passed): gather eng only then. */
bool kwatch_due(const struct kwatch *w);
/* The part of eng above seen, as text ("" when nothing grew): for the alert. True if it grew. */
bool kwatch_engine_grew(const struct kwatch_engine *seen, const struct kwatch_engine *eng,
			char *buf, size_t len);

#endif
