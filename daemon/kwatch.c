/* SPDX-License-Identifier: GPL-2.0-only */
/* kwatch.c: conntrack table use and NFQUEUE drops; see kwatch.h. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <time.h>

#include "alert.h"
#include "kwatch.h"
#include "log.h"

#define CT_COUNT	"/proc/sys/net/netfilter/nf_conntrack_count"
#define CT_MAX		"/proc/sys/net/netfilter/nf_conntrack_max"
#define NFQ_PROC	"/proc/net/netfilter/nfnetlink_queue"

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int read_u64(const char *path, uint64_t *ret)
{
	FILE *f = fopen(path, "re");
	int r = 0;

	if (!f)
		return -errno;
	if (fscanf(f, "%" SCNu64, ret) != 1)
		r = -EINVAL;
	fclose(f);
	return r;
}

int kwatch_conntrack(uint64_t *ret_count, uint64_t *ret_max)
{
	uint64_t c, m;
	int r = read_u64(CT_COUNT, &c);

	if (r == 0)
		r = read_u64(CT_MAX, &m);
	if (r < 0)
		return r;
	*ret_count = c;
	*ret_max = m;
	return 0;
}

/* Lines: queue portid total copy_mode copy_range queue_dropped user_dropped id_sequence 1 */
int kwatch_queue(int qnum, struct kwatch_queue *ret)
{
	FILE *f = fopen(NFQ_PROC, "re");
	unsigned int q, portid, total, mode, range;
	uint64_t drop, udrop;
	int r = -ENOENT;

	if (!f)
		return -errno;
	while (fscanf(f, "%u %u %u %u %u %" SCNu64 " %" SCNu64 " %*u %*u", &q, &portid, &total,
		      &mode, &range, &drop, &udrop) == 7) {
		if ((int)q != qnum)
			continue;
		ret->dropped = drop;
		ret->user_dropped = udrop;
		r = 0;
		break;
	}
	fclose(f);
	return r;
}

static void check_conntrack(struct kwatch *w, double frac, int64_t now)
{
	uint64_t count, max;

	if (kwatch_conntrack(&count, &max) < 0 || max == 0)
		return;
	if ((double)count > frac * (double)max) {
		if (w->warned_ms && now - w->warned_ms < KWATCH_REPEAT_MS)
			return;
		w->warned_ms = now;
		w->warnings++;
		alert_raise("conntrack.high", "conntrack table: %" PRIu64 " of %" PRIu64 " entries "
			    "in use (%.4g%%), above the warning level of %.4g%% "
			    "(limits.conntrack_warn); when it is full, new connections are dropped",
			    count, max, 100.0 * (double)count / (double)max, 100.0 * frac);
	} else if (w->warned_ms) {
		w->warned_ms = 0;
		log_info("conntrack table: %" PRIu64 " of %" PRIu64 " entries in use, below the "
			 "warning level again", count, max);
	}
}

static void check_queues(struct kwatch *w, int base, int n)
{
	struct kwatch_queue k;
	uint64_t all;
	int i;

	for (i = 0; i < n && i < ENGINE_QUEUES_MAX; i++) {
		if (kwatch_queue(base + i, &k) < 0)
			continue;
		all = k.dropped + k.user_dropped;
		if (all > w->q_seen[i])
			alert_raise("queue.drops", "queue %d: %" PRIu64 " packets dropped since the "
				    "last check (in all: %" PRIu64 " queue full, %" PRIu64 " socket "
				    "full); their new connections were refused (fail closed)",
				    base + i, all - w->q_seen[i], k.dropped, k.user_dropped);
		w->q_seen[i] = all;
	}
}

static size_t grew(char *buf, size_t len, size_t o, const char *what, uint64_t seen,
		   uint64_t now)
{
	int k;

	if (now <= seen || o >= len)
		return o;
	k = snprintf(buf + o, len - o, "%s%" PRIu64 " %s", o ? ", " : "", now - seen, what);
	return k < 0 ? o : o + (size_t)k;
}

bool kwatch_engine_grew(const struct kwatch_engine *seen, const struct kwatch_engine *eng,
			char *buf, size_t len)
{
	size_t o = 0;

	buf[0] = '\0';
	o = grew(buf, len, o, "with no handshake or reassembly slot free", seen->state_full,
		 eng->state_full);
	o = grew(buf, len, o, "over a source's quota", seen->source_quota, eng->source_quota);
	o = grew(buf, len, o, "learned addresses not committed (buffer full)",
		 seen->learn_overflow, eng->learn_overflow);
	o = grew(buf, len, o, "packets lost on the queue socket (ENOBUFS)", seen->enobufs,
		 eng->enobufs);
	return o > 0;
}

static void check_engine(struct kwatch *w, const struct kwatch_engine *eng)
{
	char what[512];

	if (!eng)
		return;
	if (kwatch_engine_grew(&w->eng_seen, eng, what, sizeof(what)))
		alert_raise("engine.overload", "the verdict engine refused work for want of room "
			    "in the last %d s: %s; those connections were refused (fail closed)",
			    KWATCH_INTERVAL_MS / 1000, what);
	w->eng_seen = *eng;
}

bool kwatch_due(const struct kwatch *w)
{
	return mono_ms() >= w->next_ms;
}

void kwatch_tick(struct kwatch *w, double frac, int base, int n, const struct kwatch_engine *eng)
{
	int64_t now = mono_ms();

	if (now < w->next_ms)
		return;
	w->next_ms = now + KWATCH_INTERVAL_MS;
	check_conntrack(w, frac, now);
	check_queues(w, base, n);
	check_engine(w, eng);
}
