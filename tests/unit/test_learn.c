/* SPDX-License-Identifier: GPL-2.0-only */
/* test_learn.c: the buffer of learned addresses the control plane refused with -EBUSY
 * (learn.c): FIFO order across the ring's wrap and the copy chunks, take and clear, overflow
 * counted, timeouts shortened by the wait, learn_commit against a scripted commit callback
 * (buffer on -EBUSY, retry the buffered ones first, a take or a put racing the retry), and
 * producers and a consumer on threads (every update once, each producer's order kept). */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "learn.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

Suite *suite_learn(void);

/* Update number i (the address carries it): family 2, timeout 60 s + i ms. */
static struct eng_update upd(uint32_t i)
{
	struct eng_update u;

	memset(&u, 0, sizeof(u));
	u.family = 2;
	memcpy(u.addr, &i, sizeof(i));
	u.timeout_ms = 60000 + i;
	return u;
}

static uint32_t num(const struct eng_update *u)
{
	uint32_t i;

	memcpy(&i, u->addr, sizeof(i));
	return i;
}

static void fill(struct eng_update *u, int n, uint32_t first)
{
	int i;

	for (i = 0; i < n; i++)
		u[i] = upd(first + (uint32_t)i);
}

/* Take everything and check it is first, first + 1, ... (n of them). */
static void expect_run(struct learn_buf *b, int64_t now, uint32_t first, int n)
{
	struct eng_update out[512];
	int got, i;

	ck_assert_int_le(n, (int)ARRAY_SIZE(out));
	got = learn_take(b, now, out, (int)ARRAY_SIZE(out));
	ck_assert_int_eq(got, n);
	for (i = 0; i < got; i++)
		ck_assert_uint_eq(num(&out[i]), first + (uint32_t)i);
	ck_assert_int_eq(learn_pending(b), 0);
}

START_TEST(test_fifo_wraps)	/* a small ring, filled and emptied in uneven steps */
{
	struct learn_ent st[7];
	struct learn_buf b;
	struct eng_update u[5], out[3];
	uint32_t next_in = 0, next_out = 0;
	int round, k, i;

	learn_init(&b, st, (int)ARRAY_SIZE(st));
	for (round = 0; round < 40; round++) {
		fill(u, 5, next_in);
		k = learn_put(&b, u, 5, 0);
		next_in += (uint32_t)k;
		ck_assert_uint_eq(next_in - next_out, (uint32_t)learn_pending(&b));
		k = learn_take(&b, 0, out, 3);
		for (i = 0; i < k; i++)
			ck_assert_uint_eq(num(&out[i]), next_out++);
	}
	expect_run(&b, 0, next_out, (int)(next_in - next_out));
	ck_assert_uint_gt(next_in, 7 * 10);	/* it wrapped many times */
}
END_TEST

START_TEST(test_chunks)		/* more than LEARN_CHUNK at once, both ways, order kept */
{
	struct learn_ent *st = calloc(500, sizeof(*st));
	struct eng_update u[300], out[300];
	struct learn_buf b;
	int i;

	ck_assert_ptr_nonnull(st);
	learn_init(&b, st, 500);
	fill(u, 300, 1000);
	ck_assert_int_eq(learn_put(&b, u, 300, 0), 300);
	ck_assert_int_eq(learn_pending(&b), 300);
	ck_assert_int_eq(learn_take(&b, 0, out, 2 * LEARN_CHUNK + 5), 2 * LEARN_CHUNK + 5);
	for (i = 0; i < 2 * LEARN_CHUNK + 5; i++)
		ck_assert_uint_eq(num(&out[i]), 1000 + (uint32_t)i);
	expect_run(&b, 0, 1000 + 2 * LEARN_CHUNK + 5, 300 - (2 * LEARN_CHUNK + 5));
	ck_assert_int_eq(learn_take(&b, 0, out, 300), 0);	/* cleared */
	free(st);
}
END_TEST

START_TEST(test_overflow)	/* full: the first ones kept, the rest refused */
{
	struct learn_ent st[4];
	struct learn_buf b, none;
	struct eng_update u[6];

	learn_init(&b, st, 4);
	fill(u, 6, 0);
	ck_assert_int_eq(learn_put(&b, u, 6, 0), 4);
	ck_assert_int_eq(learn_put(&b, u, 1, 0), 0);
	expect_run(&b, 0, 0, 4);
	ck_assert_int_eq(learn_put(&b, u + 4, 2, 0), 2);	/* room again */
	expect_run(&b, 0, 4, 2);
	learn_init(&none, NULL, 0);				/* no storage: all refused */
	ck_assert_int_eq(learn_put(&none, u, 6, 0), 0);
	ck_assert_int_eq(learn_take(&none, 0, u, 6), 0);
}
END_TEST

START_TEST(test_aging)		/* the wait comes off the timeout; an expired update is dropped */
{
	struct learn_ent st[8];
	struct learn_buf b;
	struct eng_update u[3], out[3];

	learn_init(&b, st, 8);
	fill(u, 3, 0);
	u[0].timeout_ms = 5000;
	u[1].timeout_ms = 2000;		/* expires exactly at the take: gone */
	u[2].timeout_ms = 2001;
	ck_assert_int_eq(learn_put(&b, u, 3, 1000), 3);
	ck_assert_int_eq(learn_take(&b, 3000, out, 3), 2);
	ck_assert_uint_eq(num(&out[0]), 0);
	ck_assert_uint_eq(out[0].timeout_ms, 3000);
	ck_assert_uint_eq(num(&out[1]), 2);
	ck_assert_uint_eq(out[1].timeout_ms, 1);
	ck_assert_int_eq(learn_put(&b, u, 1, 5000), 1);	/* a clock that went back: no wait */
	ck_assert_int_eq(learn_take(&b, 4000, out, 3), 1);
	ck_assert_uint_eq(out[0].timeout_ms, 5000);
}
END_TEST

/* ---- learn_commit against a scripted callback ---- */

struct script {
	int rc[8];			/* what the i-th call returns */
	int calls;
	int n[8];			/* updates passed to the i-th call */
	uint32_t first[8];		/* number of its first update */
	bool ordered[8];		/* consecutive numbers in the i-th call */
	void (*during)(struct script *s);	/* runs inside the call */
	struct learn_buf *b;
	uint64_t *counts;
	int nested_rc;
};

static int scripted(void *arg, const struct eng_update *u, int n)
{
	struct script *s = arg;
	int c = s->calls++, i;

	ck_assert_int_lt(c, 8);
	s->n[c] = n;
	s->first[c] = n ? num(&u[0]) : 0;
	s->ordered[c] = true;
	for (i = 1; i < n; i++)
		s->ordered[c] &= num(&u[i]) == num(&u[i - 1]) + 1;
	if (s->during) {
		void (*f)(struct script *) = s->during;

		s->during = NULL;
		f(s);
	}
	return s->rc[c];
}

START_TEST(test_commit_buffers_on_ebusy)
{
	struct script s = { .rc = { -EBUSY, -EBUSY, 0, 0 } };
	uint64_t cnt[EC_MAX] = { 0 };
	struct learn_ent st[64];
	struct eng_update u[ENG_UPDATES_MAX];
	struct learn_buf b;

	learn_init(&b, st, 64);
	fill(u, 3, 100);
	/* applying: not committed, buffered, and the caller is told all is well */
	ck_assert_int_eq(learn_commit(&b, scripted, &s, u, 3, 0, cnt), 0);
	ck_assert_int_eq(s.calls, 1);
	ck_assert_int_eq(s.n[0], 3);
	ck_assert_int_eq(learn_pending(&b), 3);
	ck_assert_uint_eq(cnt[EC_DNS_LEARN_DEFERRED], 3);
	/* still applying: the buffered ones are tried first, then stay; the new ones follow */
	fill(u, 2, 103);
	ck_assert_int_eq(learn_commit(&b, scripted, &s, u, 2, 0, cnt), 0);
	ck_assert_int_eq(s.n[1], 5);
	ck_assert_uint_eq(s.first[1], 100);
	ck_assert(s.ordered[1]);
	ck_assert_int_eq(learn_pending(&b), 5);
	ck_assert_uint_eq(cnt[EC_DNS_LEARN_DEFERRED], 5);
	/* the apply is over: buffered and new in one commit, oldest first; the buffer empties */
	fill(u, 1, 105);
	ck_assert_int_eq(learn_commit(&b, scripted, &s, u, 1, 0, cnt), 0);
	ck_assert_int_eq(s.n[2], 6);
	ck_assert_uint_eq(s.first[2], 100);
	ck_assert(s.ordered[2]);
	ck_assert_int_eq(learn_pending(&b), 0);
	ck_assert_uint_eq(cnt[EC_DNS_LEARN_RETRIED], 5);
	ck_assert_uint_eq(cnt[EC_DNS_LEARN_OVERFLOW], 0);
	/* nothing waiting: an idle retry calls nothing */
	ck_assert_int_eq(learn_commit(&b, scripted, &s, NULL, 0, 0, cnt), 0);
	ck_assert_int_eq(s.calls, 3);
}
END_TEST

START_TEST(test_commit_take_after_apply)	/* the main thread takes them, in order */
{
	struct script s = { .rc = { -EBUSY, -EBUSY, -EBUSY } };
	uint64_t cnt[EC_MAX] = { 0 };
	struct learn_ent st[64];
	struct eng_update u[ENG_UPDATES_MAX];
	struct learn_buf b;
	int i;

	learn_init(&b, st, 64);
	for (i = 0; i < 3; i++) {
		fill(u, 4, 10 * (uint32_t)i);
		ck_assert_int_eq(learn_commit(&b, scripted, &s, u, 4, 0, cnt), 0);
	}
	ck_assert_int_eq(learn_pending(&b), 12);
	ck_assert_int_eq(learn_take(&b, 0, u, ENG_UPDATES_MAX), 12);
	for (i = 0; i < 12; i++)
		ck_assert_uint_eq(num(&u[i]), 10 * (uint32_t)(i / 4) + (uint32_t)(i % 4));
	ck_assert_int_eq(learn_pending(&b), 0);
	ck_assert_int_eq(learn_take(&b, 0, u, ENG_UPDATES_MAX), 0);
}
END_TEST

START_TEST(test_commit_overflow_counted)
{
	struct script s = { .rc = { -EBUSY, -EBUSY, 0 } };
	uint64_t cnt[EC_MAX] = { 0 };
	struct learn_ent st[5];
	struct eng_update u[ENG_UPDATES_MAX];
	struct learn_buf b;

	learn_init(&b, st, 5);
	fill(u, 4, 0);
	ck_assert_int_eq(learn_commit(&b, scripted, &s, u, 4, 0, cnt), 0);
	fill(u, 4, 4);
	ck_assert_int_eq(learn_commit(&b, scripted, &s, u, 4, 0, cnt), 0);
	ck_assert_uint_eq(cnt[EC_DNS_LEARN_DEFERRED], 5);
	ck_assert_uint_eq(cnt[EC_DNS_LEARN_OVERFLOW], 3);	/* 5, 6, 7: stay refused */
	ck_assert_int_eq(learn_pending(&b), 5);
	/* the retry commits the five kept, never the lost ones */
	ck_assert_int_eq(learn_commit(&b, scripted, &s, NULL, 0, 0, cnt), 0);
	ck_assert_int_eq(s.n[2], 5);
	ck_assert_uint_eq(s.first[2], 0);
	ck_assert(s.ordered[2]);
	ck_assert_int_eq(learn_pending(&b), 0);
}
END_TEST

START_TEST(test_commit_error_loses)	/* another error: no buffering, the tried ones go too */
{
	struct script s = { .rc = { -EBUSY, -ENOENT } };
	uint64_t cnt[EC_MAX] = { 0 };
	struct learn_ent st[8];
	struct eng_update u[ENG_UPDATES_MAX];
	struct learn_buf b;

	learn_init(&b, st, 8);
	fill(u, 2, 0);
	ck_assert_int_eq(learn_commit(&b, scripted, &s, u, 2, 0, cnt), 0);
	fill(u, 2, 2);
	ck_assert_int_eq(learn_commit(&b, scripted, &s, u, 2, 0, cnt), -ENOENT);
	ck_assert_int_eq(s.n[1], 4);
	ck_assert_int_eq(learn_pending(&b), 0);
	ck_assert_uint_eq(cnt[EC_DNS_LEARN_RETRIED], 0);
	ck_assert_int_eq(learn_commit(&b, scripted, &s, u, ENG_UPDATES_MAX + 1, 0, cnt), -EINVAL);
}
END_TEST

START_TEST(test_commit_expired_dropped)	/* buffered too long: neither committed nor kept */
{
	struct script s = { .rc = { -EBUSY, 0 } };
	uint64_t cnt[EC_MAX] = { 0 };
	struct learn_ent st[8];
	struct eng_update u[ENG_UPDATES_MAX];
	struct learn_buf b;

	learn_init(&b, st, 8);
	fill(u, 2, 0);
	ck_assert_int_eq(learn_commit(&b, scripted, &s, u, 2, 1000, cnt), 0);
	ck_assert_int_eq(learn_commit(&b, scripted, &s, NULL, 0, 1000 + 70000, cnt), 0);
	ck_assert_int_eq(s.calls, 1);
	ck_assert_int_eq(learn_pending(&b), 0);
}
END_TEST

/* Inside the retry's commit the main thread takes two of the three retried, and another
 * worker buffers one: the retry then removes only what it committed. */
static void take_and_put(struct script *s)
{
	struct eng_update out[2], u = upd(900);

	ck_assert_int_eq(learn_take(s->b, 0, out, 2), 2);
	ck_assert_uint_eq(num(&out[0]), 0);
	ck_assert_int_eq(learn_put(s->b, &u, 1, 0), 1);
}

START_TEST(test_commit_race_take)
{
	struct script s = { .rc = { -EBUSY, 0 } };
	uint64_t cnt[EC_MAX] = { 0 };
	struct learn_ent st[8];
	struct eng_update u[ENG_UPDATES_MAX];
	struct learn_buf b;

	learn_init(&b, st, 8);
	s.b = &b;
	fill(u, 3, 0);
	ck_assert_int_eq(learn_commit(&b, scripted, &s, u, 3, 0, cnt), 0);
	s.during = take_and_put;
	ck_assert_int_eq(learn_commit(&b, scripted, &s, NULL, 0, 0, cnt), 0);
	ck_assert_int_eq(s.n[1], 3);
	expect_run(&b, 0, 900, 1);
}
END_TEST

/* The main thread takes all three retried, a worker buffers two, the main thread takes one
 * of those too: the retry's removal must not bring back what was taken. */
static void take_all_put_take(struct script *s)
{
	struct eng_update out[3], u[2] = { upd(900), upd(901) };

	ck_assert_int_eq(learn_take(s->b, 0, out, 3), 3);
	ck_assert_int_eq(learn_put(s->b, u, 2, 0), 2);
	ck_assert_int_eq(learn_take(s->b, 0, out, 1), 1);
	ck_assert_uint_eq(num(&out[0]), 900);
}

START_TEST(test_commit_race_take_all)
{
	struct script s = { .rc = { -EBUSY, 0 } };
	uint64_t cnt[EC_MAX] = { 0 };
	struct learn_ent st[8];
	struct eng_update u[ENG_UPDATES_MAX];
	struct learn_buf b;

	learn_init(&b, st, 8);
	s.b = &b;
	fill(u, 3, 0);
	ck_assert_int_eq(learn_commit(&b, scripted, &s, u, 3, 0, cnt), 0);
	s.during = take_all_put_take;
	ck_assert_int_eq(learn_commit(&b, scripted, &s, NULL, 0, 0, cnt), 0);
	expect_run(&b, 0, 901, 1);
}
END_TEST

/* Inside the retry's commit another worker learns: it does not retry the same buffered
 * updates again (one retry at a time), it commits only its own. */
static void nested(struct script *s)
{
	struct eng_update u = upd(500);

	ck_assert_int_eq(learn_commit(s->b, scripted, s, &u, 1, 0, s->counts), 0);
}

START_TEST(test_commit_one_retry_at_a_time)
{
	struct script s = { .rc = { -EBUSY, 0, 0 } };
	uint64_t cnt[EC_MAX] = { 0 };
	struct learn_ent st[8];
	struct eng_update u[ENG_UPDATES_MAX];
	struct learn_buf b;

	learn_init(&b, st, 8);
	s.b = &b;
	s.counts = cnt;
	fill(u, 2, 0);
	ck_assert_int_eq(learn_commit(&b, scripted, &s, u, 2, 0, cnt), 0);
	s.during = nested;
	ck_assert_int_eq(learn_commit(&b, scripted, &s, NULL, 0, 0, cnt), 0);
	ck_assert_int_eq(s.calls, 3);
	ck_assert_int_eq(s.n[1], 2);	/* the retry */
	ck_assert_int_eq(s.n[2], 1);	/* the other worker: its own only */
	ck_assert_uint_eq(s.first[2], 500);
	ck_assert_int_eq(learn_pending(&b), 0);
}
END_TEST

/* ---- threads: producers and a consumer at once ---- */

#define PRODUCERS	4
#define PER_PRODUCER	20000

struct prod {
	struct learn_buf *b;
	uint32_t id;
	int put;			/* accepted */
};

static void *producer(void *arg)
{
	struct prod *p = arg;
	struct eng_update u[3];
	uint32_t i = 0;
	int k, j;

	while (i < PER_PRODUCER) {
		for (k = 0; k < 3 && i + (uint32_t)k < PER_PRODUCER; k++)
			u[k] = upd(p->id << 24 | (i + (uint32_t)k));
		k = learn_put(p->b, u, k, 0);
		for (j = 0; j < k; j++)
			p->put++;
		i += (uint32_t)(k ? k : 1);	/* a refused update is skipped: the gap is fine */
	}
	return NULL;
}

START_TEST(test_threads_order)
{
	struct learn_ent *st = calloc(1024, sizeof(*st));
	struct prod p[PRODUCERS];
	pthread_t th[PRODUCERS];
	struct eng_update out[100];
	int64_t last[PRODUCERS];
	bool joined[PRODUCERS] = { false };
	struct learn_buf b;
	int i, k, taken = 0, put = 0, running = PRODUCERS;

	ck_assert_ptr_nonnull(st);
	learn_init(&b, st, 1024);
	for (i = 0; i < PRODUCERS; i++) {
		p[i] = (struct prod){ &b, (uint32_t)i, 0 };
		last[i] = -1;
		ck_assert_int_eq(pthread_create(&th[i], NULL, producer, &p[i]), 0);
	}
	while (running || learn_pending(&b)) {
		k = learn_take(&b, 0, out, (int)ARRAY_SIZE(out));
		for (i = 0; i < k; i++) {
			uint32_t v = num(&out[i]), who = v >> 24;

			ck_assert_uint_lt(who, PRODUCERS);
			ck_assert_int_gt((int64_t)(v & 0xffffff), last[who]);	/* order kept */
			last[who] = v & 0xffffff;
		}
		taken += k;
		if (!k && running) {	/* nothing now: see whether the producers are done */
			for (running = 0, i = 0; i < PRODUCERS; i++) {
				joined[i] = joined[i] || pthread_tryjoin_np(th[i], NULL) == 0;
				running += !joined[i];
			}
		}
	}
	for (i = 0; i < PRODUCERS; i++)
		put += p[i].put;
	ck_assert_int_eq(taken, put);	/* every accepted update exactly once */
	ck_assert_int_gt(put, 0);
	free(st);
}
END_TEST

Suite *suite_learn(void)
{
	Suite *s = suite_create("learn");
	TCase *tc = tcase_create("learn");

	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_fifo_wraps);
	tcase_add_test(tc, test_chunks);
	tcase_add_test(tc, test_overflow);
	tcase_add_test(tc, test_aging);
	tcase_add_test(tc, test_commit_buffers_on_ebusy);
	tcase_add_test(tc, test_commit_take_after_apply);
	tcase_add_test(tc, test_commit_overflow_counted);
	tcase_add_test(tc, test_commit_error_loses);
	tcase_add_test(tc, test_commit_expired_dropped);
	tcase_add_test(tc, test_commit_race_take);
	tcase_add_test(tc, test_commit_race_take_all);
	tcase_add_test(tc, test_commit_one_retry_at_a_time);
	tcase_add_test(tc, test_threads_order);
	suite_add_tcase(s, tc);
	return s;
}
