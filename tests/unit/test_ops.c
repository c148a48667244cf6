/* SPDX-License-Identifier: GPL-2.0-only */
/* test_ops.c: ops.c against stubs of the daemon around it (gen, state, trail, readback,
 * kdump, ctdel, queue, kwatch, log): the dispatch and authorization of ops_handle come from the protocol table, and
 * ops_expire_check records exception.expire exactly once per ledger exception. The stubs
 * below are the whole of what ops.o needs besides the pure modules: a link error here means
 * ops.c calls something new (stub it). */
#include <check.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alert.h"
#include "log.h"
#include "gen.h"
#include "evidence.h"
#include "flowd.h"
#include "kprove.h"
#include "ops.h"
#include "sansod.h"
#include "state.h"
#include "trail.h"

#define EVENTS_MAX 64

static struct {
	int n;
	char event[EVENTS_MAX][AUDIT_EVENT_MAX + 1];
	char first_key[EVENTS_MAX][AUDIT_KEY_MAX + 1];
	char first_val[EVENTS_MAX][128];
	int fail;			/* trail_audit returns -EIO */
	int applies, saves;
} st;

int trail_audit(struct daemon *d, const char *actor, const char *event, ...)
{
	const char *k, *v;
	va_list ap;

	(void)d;
	(void)actor;
	if (st.fail)
		return -EIO;
	ck_assert_int_ge(audit_event_find(event), 0);	/* only registered events */
	ck_assert_int_lt(st.n, EVENTS_MAX);
	snprintf(st.event[st.n], sizeof(st.event[0]), "%s", event);
	va_start(ap, event);
	k = va_arg(ap, const char *);
	v = k ? va_arg(ap, const char *) : NULL;
	va_end(ap);
	snprintf(st.first_key[st.n], sizeof(st.first_key[0]), "%s", k ? k : "");
	snprintf(st.first_val[st.n], sizeof(st.first_val[0]), "%s", v ? v : "");
	st.n++;
	return 0;
}

int gen_reload(struct daemon *d)
{
	(void)d;
	st.applies++;
	return 0;
}

int gen_check_ops(struct daemon *d, const struct ops *ops)
{
	(void)d;
	(void)ops;
	return 0;
}

int gen_apply_ops(struct daemon *d)
{
	(void)d;
	st.applies++;
	return 0;
}

int kprove_run(const struct policy *p, FILE *out, bool json, char *why, size_t whylen)
{
	(void)p, (void)out, (void)json, (void)why, (void)whylen;
	return -ENOSYS;
}

int trail_checkpoint(struct daemon *d, bool force)
{
	(void)d, (void)force;
	return 0;
}

int evidence_dump(struct daemon *d, const char *actor, const char *body, size_t len, FILE *out)
{
	(void)d, (void)actor, (void)body, (void)len, (void)out;
	return -ENOSYS;
}

void state_save(const struct daemon *d)
{
	(void)d;
	st.saves++;
}

int state_write_file(const struct daemon *d, const char *name, const char *head,
		     const void *body, size_t len, char *path, size_t path_len)
{
	(void)d, (void)name, (void)head, (void)body, (void)len, (void)path, (void)path_len;
	return -ENOSYS;
}

int state_read(struct ops *o, FILE *f, const char *path)
{
	(void)o, (void)f, (void)path;
	return 0;
}

int gen_check(struct daemon *d, const char *file, char sha[65], struct conf_text *text)
{
	(void)d, (void)file, (void)sha, (void)text;
	return -ENOTSUP;
}

/* What flowd_state() says: test_report.c sets it (0 no flow log, 1 writing, -errno). */
int stub_flowd_state;

int flowd_state(char *why, size_t len, bool ja)
{
	snprintf(why, len, "%s", stub_flowd_state > 0 ? "writing" : stub_flowd_state < 0 ?
		 "not written" : ja ? "フローログなし" : "no flow log");
	return stub_flowd_state;
}

/* What flowd_hits() hands out: test_report.c sets these (-ENODATA: no flow log). */
const struct flowd_hit *stub_flowd_hits;
int stub_flowd_n = -ENODATA;

int flowd_hits(struct flowd_hit *out, int max, uint64_t *ret_other)
{
	int i;

	for (i = 0; i < stub_flowd_n && i < max; i++)
		out[i] = stub_flowd_hits[i];
	*ret_other = 0;
	return stub_flowd_n < 0 ? stub_flowd_n : i;
}

bool gen_resolves(const struct policy *p, const char *name)
{
	(void)p, (void)name;
	return false;
}

int gen_diag_print(const struct daemon *d, const struct diag *diag, int ja)
{
	(void)d, (void)diag, (void)ja;
	return 0;
}

int readback_verify(struct apply *ap, const struct ir_ruleset *rs, struct diag *diag)
{
	(void)ap, (void)rs, (void)diag;
	return -ENOTSUP;
}

int ctdel_mark(uint32_t id)
{
	(void)id;
	return 0;
}

int kdump_print(const struct ir_ruleset *rs, FILE *out, bool json)
{
	(void)rs, (void)out, (void)json;
	return -ENOTSUP;
}

int kdump_counters(void (*cb)(void *arg, const char *chain, int idx, const char *comment,
			      uint64_t pkts, uint64_t bytes), void *arg)
{
	(void)cb, (void)arg;
	return -ENOTSUP;
}

int kdump_set_counters(const char *name, void (*cb)(void *arg, const char *comment,
						    int comment_len, uint64_t pkts,
						    uint64_t bytes), void *arg)
{
	(void)name, (void)cb, (void)arg;
	return -ENOTSUP;
}

int kwatch_conntrack(uint64_t *ret_count, uint64_t *ret_max)
{
	(void)ret_count, (void)ret_max;
	return -ENOENT;
}

int kwatch_queue(int qnum, struct kwatch_queue *ret)
{
	(void)qnum, (void)ret;
	return -ENOENT;
}

int queue_workers(const struct queue_rt *rt)
{
	(void)rt;
	return 0;
}

int queue_qnum(const struct queue_rt *rt, int i)
{
	(void)rt, (void)i;
	return -ENOENT;
}

int queue_explain_learned(struct queue_rt *rt, int family, const uint8_t *addr, int64_t now_ms,
			  char *name, size_t len, int64_t *ret_learned_ms, int64_t *ret_expires_ms,
			  uint8_t ret_client[16])
{
	(void)rt, (void)family, (void)addr, (void)now_ms, (void)name, (void)len;
	(void)ret_learned_ms, (void)ret_expires_ms, (void)ret_client;
	return -ENOENT;
}

void queue_counts(const struct queue_rt *rt, uint64_t out[EC_MAX], uint64_t *enobufs)
{
	(void)rt, (void)out, (void)enobufs;
}

void log_warn(const char *fmt, ...)
{
	(void)fmt;
}

void log_warnx(const char *fmt, ...)
{
	(void)fmt;
}

void log_info(const char *fmt, ...)
{
	(void)fmt;
}

void log_alert(const char *fmt, ...)
{
	(void)fmt;
}

/* alert.h: the events raised, by name, for the tests that look */
static char alerts_raised[1024];

void alert_raise(const char *event, const char *fmt, ...)
{
	(void)fmt;
	if (strlen(alerts_raised) + strlen(event) + 2 < sizeof(alerts_raised)) {
		strcat(alerts_raised, event);
		strcat(alerts_raised, " ");
	}
}

void alert_tick(void)
{
}

void alert_describe(FILE *out)
{
	fprintf(out, "journal:     stderr (no journal)\n");
}

void alert_prometheus(FILE *out)
{
	(void)out;
}

int64_t gen_clock(const struct opts *o)
{
	return o->now ? o->now : 1764900000;
}

static struct daemon *daemon_new(void)
{
	struct daemon *d = calloc(1, sizeof(*d));

	ck_assert_ptr_nonnull(d);
	memset(&st, 0, sizeof(st));
	return d;
}

static void ledger_add(struct daemon *d, const char *id, const char *expires, bool revoked)
{
	struct ledger_entry *l = &d->ops.ledger[d->ops.n_ledger++];

	snprintf(l->id, sizeof(l->id), "%s", id);
	snprintf(l->from, sizeof(l->from), "admin-01");
	snprintf(l->to, sizeof(l->to), "e-apply");
	snprintf(l->expires, sizeof(l->expires), "%s", expires);
	l->revoked = revoked;
}

START_TEST(test_expire_once)
{
	struct daemon *d = daemon_new();
	int64_t t;

	ck_assert_int_eq(policy_time_parse("2026-12-05T12:00:00+09:00", &t), 0);
	ledger_add(d, "EX-1", "2026-12-05T12:00:00+09:00", false);
	ledger_add(d, "EX-2", "2026-12-05T12:01:40+09:00", false);
	ledger_add(d, "EX-3", "2026-12-05T11:00:00+09:00", true);	/* revoked: exception.del */
	ledger_add(d, "EX-4", "not a time", false);
	ck_assert_int_eq(ops_expire_check(d, t - 1), 0);
	ck_assert_int_eq(st.n, 0);
	ck_assert_int_eq(st.saves, 0);
	ck_assert_int_eq(ops_expire_check(d, t), 1);		/* at the expiry itself */
	ck_assert_int_eq(st.n, 1);
	ck_assert_str_eq(st.event[0], "exception.expire");
	ck_assert_str_eq(st.first_key[0], "id");
	ck_assert_str_eq(st.first_val[0], "EX-1");
	ck_assert_int_eq(st.saves, 1);
	ck_assert_int_eq(ops_expire_check(d, t + 10), 0);	/* once */
	ck_assert_int_eq(ops_expire_check(d, t + 1000), 1);
	ck_assert_str_eq(st.first_val[1], "EX-2");
	ck_assert_int_eq(ops_expire_check(d, t + 100000), 0);
	ck_assert_int_eq(st.n, 2);
	ck_assert(d->ops.ledger[0].expire_reported && d->ops.ledger[1].expire_reported);
	ck_assert(!d->ops.ledger[2].expire_reported && !d->ops.ledger[3].expire_reported);
	ck_assert_int_eq(st.applies, 0);		/* the kernel expires it: no new generation */
	free(d);
}
END_TEST

/* A record that cannot be written is tried again later; a broken trail is not tried. */
START_TEST(test_expire_audit_fails)
{
	struct daemon *d = daemon_new();
	int64_t t;

	ck_assert_int_eq(policy_time_parse("2026-12-05T12:00:00+09:00", &t), 0);
	ledger_add(d, "EX-1", "2026-12-05T12:00:00+09:00", false);
	st.fail = 1;
	ck_assert_int_eq(ops_expire_check(d, t), 0);
	ck_assert(!d->ops.ledger[0].expire_reported);
	st.fail = 0;
	d->audit_failed = true;
	ck_assert_int_eq(ops_expire_check(d, t), 0);
	ck_assert_int_eq(st.n, 0);
	d->audit_failed = false;
	ck_assert_int_eq(ops_expire_check(d, t), 1);
	ck_assert_int_eq(ops_expire_check(d, t), 0);
	ck_assert_int_eq(st.n, 1);
	free(d);
}
END_TEST

/* One request with its key=value arguments (kv: NULL-terminated pairs): its status, and its
 * reply in *ret_body when that is not NULL (freed by the caller). */
static int handle_body(struct daemon *d, const struct ctl_peer *p, uint16_t type,
		       const char *const *kv, char **ret_body)
{
	struct ctl_req q = { .type = type, .fd = -1 };
	char *body = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&body, &len);
	int r;

	for (; kv && kv[0]; kv += 2, q.n++) {
		snprintf(q.key[q.n], sizeof(q.key[0]), "%s", kv[0]);
		snprintf(q.val[q.n], sizeof(q.val[0]), "%s", kv[1]);
	}
	ck_assert_ptr_nonnull(out);
	r = ops_handle(d, p, &q, out);
	fclose(out);
	if (ret_body)
		*ret_body = body;
	else
		free(body);
	return r;
}

static int handle_args(struct daemon *d, const struct ctl_peer *p, uint16_t type,
		       const char *const *kv)
{
	return handle_body(d, p, type, kv, NULL);
}

static int handle(struct daemon *d, const struct ctl_peer *p, uint16_t type)
{
	return handle_args(d, p, type, NULL);
}

/* Every mutating request is refused to an auditor before its handler runs, and recorded;
 * the read-only ones reach their handler. */
START_TEST(test_handle_roles)
{
	struct ctl_peer audit = { .uid = 1001, .roles = CTL_ROLE_AUDIT, .name = "uid=1001(kansa)" };
	struct daemon *d = daemon_new();
	uint16_t t;
	int denied = 0;

	for (t = CTL_TYPE_NONE + 1; t < CTL_TYPE_MAX; t++) {
		if (!ctl_request(t)->mutates)
			continue;
		ck_assert_int_eq(handle(d, &audit, t), CTL_ERR_DENIED);
		ck_assert_str_eq(st.event[st.n - 1], "ctl.refused");
		ck_assert_str_eq(st.first_val[st.n - 1], ctl_type_name(t));
		denied++;
	}
	ck_assert_int_eq(st.n, denied);
	ck_assert_int_ge(denied, 11);
	ck_assert_int_eq(st.applies, 0);
	ck_assert_int_eq(st.saves, 0);
	ck_assert_int_eq(handle(d, &audit, CTL_CHANGES), CTL_OK);
	ck_assert_int_eq(st.n, denied);
	ck_assert_int_eq(handle(d, &audit, CTL_TYPE_MAX), CTL_ERR_INVALID);
	free(d);
}
END_TEST

START_TEST(test_handle_reload)
{
	struct ctl_peer admin = { .uid = 1000, .roles = CTL_ROLE_ADMIN,
				  .name = "uid=1000(tanaka)" };
	struct daemon *d = daemon_new();

	ck_assert_int_eq(handle(d, &admin, CTL_RELOAD), CTL_OK);
	ck_assert_int_eq(st.applies, 1);
	ck_assert_int_eq(st.n, 1);
	ck_assert_str_eq(st.event[0], "config.reload");
	free(d);
}
END_TEST

/* Two-person mode (no policy: the default): exception add is a proposal that opens nothing;
 * a typed approver is refused; the proposer cannot approve; with the My Number zone possibly
 * touched (no policy to tell), only the CISO role approves; an expired proposal is not
 * reported as an expired exception. */
START_TEST(test_exception_two_person)
{
	struct ctl_peer a = { .uid = 1000, .roles = CTL_ROLE_ADMIN, .name = "uid=1000(tanaka)" };
	struct ctl_peer b = { .uid = 1001, .roles = CTL_ROLE_ADMIN, .name = "uid=1001(suzuki)" };
	struct ctl_peer root = { .uid = 0, .roles = CTL_ROLES_ALL, .name = "uid=0(root)" };
	struct daemon *d = daemon_new();
	char until[40];
	time_t t = time(NULL) + 3600;
	struct tm tm;
	const char *add[] = { "id", "EX-U-1", "from", "admin-01", "to", "e-apply", "proto", "tcp",
			      "reason", "drill", "requested-by", "yamada", "expires", until, NULL };
	const char *typed[] = { "id", "EX-U-2", "from", "admin-01", "to", "e-apply", "proto", "tcp",
				"reason", "drill", "requested-by", "yamada", "expires", until,
				"approved-by", "suzuki", NULL };
	const char *far[] = { "id", "EX-U-3", "from", "admin-01", "to", "e-apply", "proto", "tcp",
			      "reason", "drill", "requested-by", "yamada", "expires",
			      "2099-01-01T00:00:00+09:00", NULL };
	const char *id[] = { "id", "EX-U-1", NULL };

	strftime(until, sizeof(until), "%Y-%m-%dT%H:%M:%S+00:00", gmtime_r(&t, &tm));
	ck_assert_int_eq(handle_args(d, &a, CTL_EXC_ADD, typed), CTL_ERR_INVALID);
	ck_assert_int_eq(handle_args(d, &a, CTL_EXC_ADD, far), CTL_ERR_INVALID);
	ck_assert_int_eq(d->ops.n_ledger, 0);
	ck_assert_int_eq(handle_args(d, &a, CTL_EXC_ADD, add), CTL_OK);
	ck_assert_int_eq(d->ops.n_ledger, 1);
	ck_assert(d->ops.ledger[0].proposed);
	ck_assert_int_eq(st.applies, 0);			/* nothing opens */
	ck_assert_str_eq(st.event[st.n - 1], "exception.propose");
	ck_assert_int_eq(handle_args(d, &a, CTL_EXC_ADD, add), CTL_ERR_INVALID);	/* twice */
	ck_assert_int_eq(handle_args(d, &a, CTL_APPROVE, id), CTL_ERR_DENIED);	/* self */
	ck_assert_int_eq(handle_args(d, &b, CTL_APPROVE, id), CTL_ERR_DENIED);	/* not CISO */
	ck_assert_int_eq(st.applies, 0);
	ck_assert(d->ops.ledger[0].proposed);
	ck_assert_int_eq(ops_expire_check(d, (int64_t)t + 10), 0);	/* a proposal: no expire */
	ck_assert_int_eq(handle_args(d, &root, CTL_APPROVE, id), CTL_OK);
	ck_assert_int_eq(st.applies, 1);
	ck_assert(!d->ops.ledger[0].proposed);
	ck_assert_str_eq(d->ops.ledger[0].approved_by, "uid=0(root)");
	ck_assert_str_eq(st.event[st.n - 1], "exception.approve");
	ck_assert_int_eq(handle_args(d, &b, CTL_APPROVE, id), CTL_ERR_INVALID);	/* done */
	free(d);
}
END_TEST

/* R65: 200 reads are one ctl.read record (written when the minute is over, or at exit);
 * a peer without a role is refused, the first time at once, the repetitions counted. */
START_TEST(test_handle_reads)
{
	struct ctl_peer audit = { .uid = 1001, .roles = CTL_ROLE_AUDIT, .name = "uid=1001(kansa)" };
	struct ctl_peer none = { .uid = 1009, .name = "uid=1009(guest)" };
	struct ctl_peer op = { .uid = 1002, .roles = CTL_ROLE_OPERATOR, .name = "uid=1002(unyo)" };
	struct daemon *d = daemon_new();
	int i, n, reads = 0, read_records = 0, refused = 0, first = 0;

	for (i = 0; i < 200; i++)
		ck_assert_int_eq(handle(d, &audit, CTL_CHANGES), CTL_OK);
	for (i = 0; i < 6; i++)
		ck_assert_int_eq(handle(d, &none, CTL_CHANGES), CTL_ERR_DENIED);
	ck_assert_int_eq(handle(d, &op, CTL_PROPOSE), CTL_ERR_DENIED);
	ck_assert_int_eq(handle(d, &op, CTL_RELOAD), CTL_ERR_DENIED);
	ck_assert_int_eq(handle(d, &op, CTL_EXC_ADD), CTL_ERR_DENIED);
	ck_assert_int_eq(st.applies, 0);
	ops_tally_flush(d, 0, true);
	n = st.n;
	ops_tally_flush(d, 0, true);		/* nothing twice */
	ck_assert_int_eq(st.n, n);
	for (i = 0; i < st.n; i++) {		/* the minute may turn between two calls */
		if (!strcmp(st.event[i], "ctl.read"))
			reads += atoi(st.first_val[i]), read_records++;
		else if (!strcmp(st.event[i], "ctl.refused.repeated"))
			refused += atoi(st.first_val[i]);
		else if (!strcmp(st.event[i], "ctl.refused"))
			refused += !strcmp(st.first_val[i], "changes"), first++;
		ck_assert_str_eq(st.first_key[i], !strcmp(st.event[i], "ctl.refused") ? "request" : "count");
	}
	ck_assert_int_eq(reads, 200);
	ck_assert_int_le(read_records, 2);
	ck_assert_int_eq(refused, 6);		/* guest: six refusals, none lost */
	ck_assert_int_ge(first, 4);		/* the first of each request: at once */
	ck_assert_int_le(st.n, 8);
	free(d);
}
END_TEST

/* stats: the kernel's accepts by name (flowd_hits), in words and as Prometheus counters
 * with their label escaped; nothing of them without a flow log. */
START_TEST(test_stats_kernel_hits)
{
	static const struct flowd_hit kh[] = { { "mail-text", 5 }, { "a\"b\\c", 1 } };
	struct daemon *d = daemon_new();
	char *body = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&body, &len);

	ck_assert_ptr_nonnull(out);
	ops_prometheus(d, out);
	fclose(out);
	ck_assert_ptr_null(strstr(body, "sanso_flow_connections"));	/* no flow log */
	free(body);
	stub_flowd_hits = kh;
	stub_flowd_n = 2;
	out = open_memstream(&body, &len);
	ops_prometheus(d, out);
	fclose(out);
	ck_assert_ptr_nonnull(strstr(body, "# TYPE sanso_flow_connections_total counter\n"
				     "sanso_flow_connections_total{name=\"mail-text\"} 5\n"
				     "sanso_flow_connections_total{name=\"a\\\"b\\\\c\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(body, "sanso_flow_connections_unnamed_total 0\n"));
	free(body);
	stub_flowd_hits = NULL;
	stub_flowd_n = -ENODATA;
	free(d);
}
END_TEST

/* The outcome of a change request follows the caller's language (lang=ja from sansoctl under
 * LANG=ja*): refusals with their reason and what to do, in Japanese; English without. */
START_TEST(test_replies_ja)
{
	struct ctl_peer a = { .uid = 1000, .roles = CTL_ROLE_ADMIN, .name = "uid=1000(tanaka)" };
	struct daemon *d = daemon_new();
	const char *approve_ja[] = { "id", "CH-NONE", "lang", "ja", NULL };
	const char *approve_en[] = { "id", "CH-NONE", NULL };
	const char *confirm_ja[] = { "lang", "ja", NULL };
	const char *typed[] = { "id", "EX-J-1", "from", "admin-01", "to", "e-apply", "proto", "tcp",
				"reason", "drill", "requested-by", "yamada", "expires",
				"2099-01-01T00:00:00+09:00", "approved-by", "suzuki", "lang", "ja",
				NULL };
	const char *far[] = { "id", "EX-J-2", "from", "admin-01", "to", "e-apply", "proto", "tcp",
			      "reason", "drill", "requested-by", "yamada", "expires",
			      "2099-01-01T00:00:00+09:00", "lang", "ja", NULL };
	const char *revoke[] = { "id", "EX-NONE", "lang", "ja", NULL };
	char *body;

	ck_assert_int_eq(handle_body(d, &a, CTL_APPROVE, approve_ja, &body), CTL_ERR_INVALID);
	ck_assert_str_eq(body, "申請中の変更 'CH-NONE' はありません\n");
	free(body);
	ck_assert_int_eq(handle_body(d, &a, CTL_APPROVE, approve_en, &body), CTL_ERR_INVALID);
	ck_assert_str_eq(body, "no proposed change 'CH-NONE'\n");
	free(body);
	ck_assert_int_eq(handle_body(d, &a, CTL_CONFIRM, confirm_ja, &body), CTL_ERR_FAILED);
	ck_assert_str_eq(body, "確定を待つ変更はありません\n");
	free(body);
	ck_assert_int_eq(handle_body(d, &a, CTL_EXC_ADD, typed, &body), CTL_ERR_INVALID);
	ck_assert_ptr_nonnull(strstr(body, "拒否: 二人制では承認者は"));
	free(body);
	ck_assert_int_eq(handle_body(d, &a, CTL_EXC_ADD, far, &body), CTL_ERR_INVALID);
	ck_assert_ptr_nonnull(strstr(body, "拒否: --expires が policy.exception_max_days を超え"));
	free(body);
	ck_assert_int_eq(handle_body(d, &a, CTL_EXC_REVOKE, revoke, &body), CTL_ERR_INVALID);
	ck_assert_ptr_nonnull(strstr(body, "台帳に例外措置 'EX-NONE' はありません"));
	free(body);
	free(d);
}
END_TEST

Suite *suite_ops(void);

Suite *suite_ops(void)
{
	Suite *s = suite_create("ops");
	TCase *tc = tcase_create("ops");

	tcase_add_test(tc, test_expire_once);
	tcase_add_test(tc, test_expire_audit_fails);
	tcase_add_test(tc, test_handle_roles);
	tcase_add_test(tc, test_handle_reload);
	tcase_add_test(tc, test_exception_two_person);
	tcase_add_test(tc, test_handle_reads);
	tcase_add_test(tc, test_stats_kernel_hits);
	tcase_add_test(tc, test_replies_ja);
	suite_add_tcase(s, tc);
	return s;
}
