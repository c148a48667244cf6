/* SPDX-License-Identifier: GPL-2.0-only */
/* learn.c: the bounded FIFO of learned addresses waiting for the control plane; see learn.h.
 * On the hot path: no allocation, no logging, no syscalls. The lock is a spinlock: every
 * holder only copies at most LEARN_CHUNK entries, never waits for anything else. */
#include <errno.h>
#include <string.h>

#include "learn.h"

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

static void lock(struct learn_buf *b)
{
	while (atomic_exchange_explicit(&b->lock, true, memory_order_acquire)) {
		while (atomic_load_explicit(&b->lock, memory_order_relaxed))
			cpu_relax();
	}
}

/* Publishes the fill level for the lock-free readers, then releases. */
static void unlock(struct learn_buf *b)
{
	atomic_store_explicit(&b->n, (uint32_t)(b->tail - b->head), memory_order_relaxed);
	atomic_store_explicit(&b->lock, false, memory_order_release);
}

void learn_init(struct learn_buf *b, struct learn_ent *storage, int cap)
{
	b->v = storage;
	b->cap = storage && cap > 0 ? (uint32_t)cap : 0;
	b->head = b->tail = 0;
	atomic_init(&b->lock, false);
	atomic_init(&b->retrying, false);
	atomic_init(&b->n, 0);
}

int learn_pending(const struct learn_buf *b)
{
	return (int)atomic_load_explicit(&b->n, memory_order_relaxed);
}

int learn_put(struct learn_buf *b, const struct eng_update *u, int n, int64_t now_ms)
{
	struct learn_ent *e;
	bool full = false;
	int k = 0, c;

	while (k < n && !full) {
		lock(b);
		for (c = 0; c < LEARN_CHUNK && k < n && b->tail - b->head < b->cap; c++, k++) {
			e = &b->v[b->tail++ % b->cap];
			e->u = u[k];
			e->at_ms = now_ms;
		}
		full = b->tail - b->head >= b->cap;
		unlock(b);
	}
	return k;
}

/* Copy up to max (<= LEARN_CHUNK) entries from the head; remove them too when asked.
 * *ret_end: the position after the last one copied. */
static int grab(struct learn_buf *b, struct learn_ent *tmp, int max, bool remove,
		uint64_t *ret_end)
{
	uint64_t i, k;

	lock(b);
	k = b->tail - b->head;
	if (k > (uint64_t)max)
		k = (uint64_t)max;
	for (i = 0; i < k; i++)
		tmp[i] = b->v[(b->head + i) % b->cap];
	*ret_end = b->head + k;
	if (remove)
		b->head += k;
	unlock(b);
	return (int)k;
}

/* Entries copied out with grab() and committed (or lost): they leave the buffer unless the
 * main thread took them meanwhile. Positions never repeat, so none other is removed. */
static void drop(struct learn_buf *b, uint64_t end)
{
	lock(b);
	if (b->head < end)
		b->head = end;
	unlock(b);
}

/* The updates of tmp still valid at now_ms, their timeouts shortened by the wait. */
static int age(const struct learn_ent *tmp, int k, int64_t now_ms, struct eng_update *out)
{
	int64_t waited;
	int i, n = 0;

	for (i = 0; i < k; i++) {
		waited = now_ms > tmp[i].at_ms ? now_ms - tmp[i].at_ms : 0;
		if (tmp[i].u.timeout_ms <= (uint64_t)waited)
			continue;
		out[n] = tmp[i].u;
		out[n++].timeout_ms -= (uint64_t)waited;
	}
	return n;
}

int learn_take(struct learn_buf *b, int64_t now_ms, struct eng_update *out, int max)
{
	struct learn_ent tmp[LEARN_CHUNK];
	uint64_t end;
	int got = 0, k;

	while (got < max && learn_pending(b) > 0) {
		k = grab(b, tmp, max - got < LEARN_CHUNK ? max - got : LEARN_CHUNK, true, &end);
		if (!k)
			break;
		got += age(tmp, k, now_ms, out + got);
	}
	return got;
}

/* -EBUSY: keep the new ones for later; the retried ones never left. */
static int defer(struct learn_buf *b, const struct eng_update *u, int n, int64_t now_ms,
		 uint64_t *counts)
{
	int put = learn_put(b, u, n, now_ms);

	counts[EC_DNS_LEARN_DEFERRED] += (uint64_t)put;
	counts[EC_DNS_LEARN_OVERFLOW] += (uint64_t)(n - put);
	return 0;
}

int learn_commit(struct learn_buf *b, learn_commit_fn commit, void *arg,
		 const struct eng_update *u, int n, int64_t now_ms, uint64_t *counts)
{
	struct eng_update all[LEARN_RETRY_MAX + ENG_UPDATES_MAX];
	struct learn_ent tmp[LEARN_RETRY_MAX];
	uint64_t end = 0;
	int k = 0, raw = 0, r = 0;
	bool retry;

	if (n < 0 || n > ENG_UPDATES_MAX)
		return -EINVAL;
	retry = learn_pending(b) > 0 &&
		!atomic_exchange_explicit(&b->retrying, true, memory_order_acquire);
	if (retry) {
		raw = grab(b, tmp, LEARN_RETRY_MAX, false, &end);
		k = age(tmp, raw, now_ms, all);
	}
	if (n)
		memcpy(all + k, u, (size_t)n * sizeof(*u));
	if (k + n)
		r = commit(arg, all, k + n);
	if (r != -EBUSY && raw)
		drop(b, end);		/* committed, expired or lost with the batch */
	if (r == 0)
		counts[EC_DNS_LEARN_RETRIED] += (uint64_t)k;
	if (retry)
		atomic_store_explicit(&b->retrying, false, memory_order_release);
	return r == -EBUSY ? defer(b, u, n, now_ms, counts) : r;
}
