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
#include "learn.h"

#define QUEUE_RX_SIZE		(1 << 18)	/* bytes per recv: many packets per batch */
#define QUEUE_TX_SIZE		(1 << 16)
#define QUEUE_COPY_RANGE	0xffff		/* whole packets: DNS answers, ClientHellos (GSO) */
#define QUEUE_FLOW_SLOTS	256		/* breakout flows in reassembly per worker */
#define QUEUE_PENDING_MAX	8192		/* learned updates buffered while an apply runs */

/* Called from a worker before it lets a DNS answer through: put the learned addresses into
 * the kernel. Returns 0 or -errno (the answer passes anyway: the addresses stay refused).
 * It must never wait for the control plane: -EBUSY (e.g. from pthread_mutex_trylock) means
 * "applying, not committed": the updates wait in the queue's buffer (queue_pending_take),
 * and a worker retries them with later learning or after a batch when that does not block. */
typedef learn_commit_fn queue_commit_fn;

/* The last refusals of a worker with the engine's reason, for the flow log's "sanso refused"
 * lines (the kernel's log of the packet carries no reason). Written by the worker, read by
 * the main thread: seq is 0 while an entry is written, then its number (a seqlock). */
#define QUEUE_REFUSALS	64

struct queue_refusal {
	_Atomic uint32_t seq;
	uint8_t family, proto, why;
	uint16_t sport, dport;
	uint8_t src[16], dst[16];
};

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
	uint64_t overflow_logged;	/* EC_DNS_LEARN_OVERFLOW already logged */
	int64_t overflow_log_ms;
	bool started;
	struct queue_refusal refused[QUEUE_REFUSALS];
	uint32_t n_refused;		/* the worker's own count */
};

struct queue_rt {
	struct queue_worker w[ENGINE_QUEUES_MAX];
	int n;
	_Atomic(const struct eng_tables *) tables;
	pthread_mutex_t learn_lock;
	struct eng_learned *learned;	/* owned */
	struct learn_buf pending;	/* updates the control plane refused with -EBUSY */
	struct learn_ent *pending_v;	/* its storage, QUEUE_PENDING_MAX entries: owned */
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

/* eng_learned_export() under the learned table's lock (0 and *cursor -1 when the engine never
 * started). */
int queue_learned_export(struct queue_rt *rt, int64_t now_ms, int64_t since_ms, int *cursor,
			 struct eng_learn_rec *out, int max);
/* Main thread: learn n records from the HA peer (eng_learned_import) against the tables in
 * force; u (room for n) gets the *n_u kernel updates to commit, *refused counts the records
 * refused. 0, or -ENOENT when the engine never started. */
int queue_learned_import(struct queue_rt *rt, const struct eng_learn_rec *r, int n, int64_t now_ms,
			 struct eng_update *u, int *n_u, int *refused);

/* Main thread, after an apply (or any hold of what the commit callback try-locks): remove and
 * return up to max buffered updates, oldest first, timeouts shortened by their wait; commit
 * them now or carry them into the batch. 0 when none or the engine never started. */
int queue_pending_take(struct queue_rt *rt, struct eng_update *out, int max);
/* Updates buffered now (racy; a gauge for stats). */
int queue_pending(const struct queue_rt *rt);
/* eng_learned_explain() under the learned table's lock: 0 or -ENOENT (also when the engine
 * never started). */
int queue_explain_learned(struct queue_rt *rt, int family, const uint8_t *addr, int64_t now_ms,
			  char *name, size_t len, int64_t *ret_learned_ms, int64_t *ret_expires_ms,
			  uint8_t ret_client[16]);
/* The engine's reason (eng_count_name) for the latest refusal of this packet's connection
 * (src, dst: 16 bytes, IPv4 in the first 4; ports 0 without), or NULL when no worker has it
 * (any more). Main thread. */
const char *queue_refusal_why(const struct queue_rt *rt, int family, const uint8_t *src,
			      const uint8_t *dst, uint16_t sport, uint16_t dport, uint8_t proto);
/* Queues bound (0 when not started); the i-th one's number, or -ENOENT past the end; its
 * worker's batches done so far (the watchdog's heartbeat). */
int queue_workers(const struct queue_rt *rt);
int queue_qnum(const struct queue_rt *rt, int i);
uint64_t queue_beats(const struct queue_rt *rt, int i);

#endif
