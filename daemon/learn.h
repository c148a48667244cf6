/* SPDX-License-Identifier: GPL-2.0-only */
/* learn.h: learned addresses waiting for the control plane. A worker whose commit the main
 * thread refuses with -EBUSY (an apply holds the netlink socket) puts the updates, never the
 * packets, into a bounded FIFO and lets the DNS answer through at once; the main thread takes
 * them after the apply, and later learning retries them when that does not block. Full: the
 * rest is counted and stays refused (fail closed). Storage is the caller's (allocated once);
 * no allocation, logging or syscalls here: a spinlock held only for a bounded memcpy. */
#ifndef SANSO_LEARN_H
#define SANSO_LEARN_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "engine.h"

#define LEARN_CHUNK	64	/* entries copied per hold of the lock */
#define LEARN_RETRY_MAX	64	/* buffered updates a worker retries with its own */

/* Put n updates into the kernel; 0, -EBUSY (the control plane is applying: nothing
 * committed, nothing waited for) or another -errno. Same type as queue_commit_fn. */
typedef int (*learn_commit_fn)(void *arg, const struct eng_update *u, int n);

struct learn_ent {
	struct eng_update u;
	int64_t at_ms;			/* when buffered: the timeout is shortened by the wait */
};

struct learn_buf {
	struct learn_ent *v;		/* cap entries, owned by the caller */
	uint32_t cap;
	uint64_t head, tail;		/* FIFO positions (never wrap): v[pos % cap] */
	atomic_bool lock;
	atomic_bool retrying;		/* one worker retries at a time */
	_Atomic uint32_t n;		/* tail - head, read without the lock */
};

/* Empty buffer over storage (cap entries; NULL/0: every put overflows). */
void learn_init(struct learn_buf *b, struct learn_ent *storage, int cap);
/* Append up to n updates learned at now_ms, in order; returns how many fitted. */
int learn_put(struct learn_buf *b, const struct eng_update *u, int n, int64_t now_ms);
/* Remove and return up to max updates, oldest first, each timeout shortened by its wait
 * (expired ones are dropped). */
int learn_take(struct learn_buf *b, int64_t now_ms, struct eng_update *out, int max);
/* Updates waiting now (racy: for statistics and the cheap "anything to retry?" test). */
int learn_pending(const struct learn_buf *b);

/* A worker learned n updates (n may be 0: only retry). Buffered updates are tried first, in
 * the same commit, when no other worker is trying them; on success they leave the buffer.
 * -EBUSY from commit: the n updates are buffered (counts[EC_DNS_LEARN_DEFERRED], the ones
 * that did not fit counts[EC_DNS_LEARN_OVERFLOW]); returns 0. Another error: the tried
 * updates are lost (fail closed), returns it. counts[EC_DNS_LEARN_RETRIED]: buffered updates
 * committed here. Never waits for the control plane: commit must not either. */
int learn_commit(struct learn_buf *b, learn_commit_fn commit, void *arg,
		 const struct eng_update *u, int n, int64_t now_ms, uint64_t *counts);

#endif
