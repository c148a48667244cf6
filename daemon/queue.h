/* SPDX-License-Identifier: GPL-2.0-only */
/* queue.h: the NFQUEUE side of the engine. One worker thread per queue, each with its own
 * netlink socket (libmnl + libnetfilter_queue's nlmsg API): receive a batch, decide every
 * packet (classify.c), send every verdict of the batch in one sendmsg. Exactly one verdict
 * per packet; no allocation or logging in the loop; counters instead.
 * Tables are swapped by pointer: queue_swap() returns the old tables once no worker holds
 * them (hazard pointers), so the caller can free them and the policy they borrow from. */
#ifndef SANSO_QUEUE_H
#define SANSO_QUEUE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "engine.h"

#define QUEUE_RX_SIZE		(1 << 18)	/* bytes per recv: many packets per batch */
#define QUEUE_TX_SIZE		(1 << 16)
#define QUEUE_COPY_RANGE	0xffff		/* whole packets: DNS answers, ClientHellos (GSO) */
#define QUEUE_FLOW_SLOTS	256		/* breakout flows in reassembly per worker */

/* Called from a worker before it lets a DNS answer through: put the learned addresses into
 * the kernel. Returns 0 or -errno (the answer passes anyway: the addresses stay refused). */
typedef int (*queue_commit_fn)(void *arg, const struct eng_update *u, int n);

struct queue_worker {
	struct queue_rt *rt;
	pthread_t th;
	int qnum;
	struct mnl_socket *nl;
	uint32_t portid;
	uint8_t *rx, *tx;
	size_t txlen;
	struct eng_flows *flows;
	const struct eng_tables *t;	/* the tables of the batch being decided */
	_Atomic(const struct eng_tables *) using;
	uint64_t counts[EC_MAX];
	_Atomic uint64_t beats;		/* batches done: the watchdog is fed from these */
	uint64_t enobufs, send_errors, commit_errors;
	uint64_t dns_bad_logged;	/* unmatched + forged answers already logged */
	int64_t dns_log_ms;
	bool started;
};

struct queue_rt {
	struct queue_worker w[ENGINE_QUEUES_MAX];
	int n;
	_Atomic(const struct eng_tables *) tables;
	pthread_mutex_t learn_lock;
	struct eng_learned *learned;	/* owned */
	queue_commit_fn commit;
	void *commit_arg;
	atomic_bool stop;
};

/* Bind queues base .. base + n - 1 and start one worker each. Takes ownership of learned.
 * Returns 0 or -errno (e.g. -EBUSY: another process holds a queue); on failure nothing runs. */
int queue_start(struct queue_rt *rt, int base, int n, int maxlen, const struct eng_tables *t,
		struct eng_learned *learned, queue_commit_fn commit, void *arg);
/* Install t; returns the previous tables once no worker uses them. */
const struct eng_tables *queue_swap(struct queue_rt *rt, const struct eng_tables *t);
void queue_stop(struct queue_rt *rt);		/* joins the workers; NULL-safe when not started */
/* Sum of the workers' counters (racy reads of 64-bit counters: fine for statistics). */
void queue_counts(const struct queue_rt *rt, uint64_t out[EC_MAX], uint64_t *enobufs);
/* Learned addresses still valid, for the next generation's set (caller allocates). */
int queue_learned(struct queue_rt *rt, int64_t now_ms, struct eng_update *out, int max);

#endif
