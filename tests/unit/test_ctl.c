/* SPDX-License-Identifier: GPL-2.0-only */
/* test_ctl.c: the control protocol: request parsing (versions, sizes, keys, values), who
 * may ask what (the five roles), and the per-minute tallies of reads and refusals. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

/* A message in an exact-size heap buffer. */
static void *msg(uint16_t version, uint16_t type, const char *body, size_t *len)
{
	struct ctl_hdr h = { .version = version, .type = type, .len = (uint32_t)strlen(body) };
	uint8_t *m;

	*len = sizeof(h) + strlen(body);
	m = malloc(*len);
	ck_assert_ptr_nonnull(m);
	memcpy(m, &h, sizeof(h));
	memcpy(m + sizeof(h), body, strlen(body));
	return m;
}

START_TEST(test_parse_ok)
{
	struct ctl_req r;
	size_t len;
	void *m = msg(CTL_VERSION, CTL_ISOLATE, "target=juki-01\nreason=訓練 drill", &len);

	ck_assert_int_eq(ctl_req_parse(m, len, &r), 0);
	ck_assert_int_eq(r.type, CTL_ISOLATE);
	ck_assert_int_eq(r.n, 2);
	ck_assert_str_eq(ctl_req_get(&r, "target"), "juki-01");
	ck_assert_str_eq(ctl_req_get(&r, "reason"), "訓練 drill");
	ck_assert_ptr_null(ctl_req_get(&r, "nothing"));
	free(m);
}
END_TEST

static const struct {
	uint16_t version, type;
	const char *body;
	int want;
} bad[] = {
	{ 2, CTL_STATUS, "", -EPROTO },				/* another version */
	{ CTL_VERSION, 0, "", -EINVAL },			/* no type */
	{ CTL_VERSION, CTL_TYPE_MAX, "", -EINVAL },		/* unknown type */
	{ CTL_VERSION, CTL_STATUS, "novalue", -EINVAL },	/* no '=' */
	{ CTL_VERSION, CTL_STATUS, "=x", -EINVAL },		/* empty key */
	{ CTL_VERSION, CTL_STATUS, "Key=x", -EINVAL },		/* key charset */
	{ CTL_VERSION, CTL_STATUS, "k=a\tb", -EINVAL },		/* control character */
	{ CTL_VERSION, CTL_STATUS, "k=a\x7f", -EINVAL },	/* DEL */
	{ CTL_VERSION, CTL_STATUS,
	  "a=1\nb=1\nc=1\nd=1\ne=1\nf=1\ng=1\nh=1\ni=1\nj=1\nk=1\nl=1\nm=1\nn=1\no=1\np=1\nq=1",
	  -EINVAL },						/* too many arguments */
};

START_TEST(test_parse_bad)
{
	struct ctl_req r;
	size_t len;
	void *m = msg(bad[_i].version, bad[_i].type, bad[_i].body, &len);

	ck_assert_int_eq(ctl_req_parse(m, len, &r), bad[_i].want);
	free(m);
}
END_TEST

START_TEST(test_parse_sizes)
{
	struct ctl_req r;
	size_t len, k;
	uint8_t *m = msg(CTL_VERSION, CTL_STATUS, "k=v", &len);
	struct ctl_hdr h;
	char *big;

	for (k = 0; k < len; k++)	/* every truncation: the length field disagrees */
		ck_assert_int_lt(ctl_req_parse(m, k, &r), 0);
	memcpy(&h, m, sizeof(h));
	h.len = CTL_BODY_MAX + 1;
	memcpy(m, &h, sizeof(h));
	ck_assert_int_eq(ctl_req_parse(m, len, &r), -EMSGSIZE);
	free(m);
	big = malloc(CTL_ARG_MAX + 3);
	ck_assert_ptr_nonnull(big);
	memset(big, 'x', CTL_ARG_MAX + 2);
	big[0] = 'k';
	big[1] = '=';
	big[CTL_ARG_MAX + 2] = '\0';
	m = msg(CTL_VERSION, CTL_STATUS, big, &len);
	ck_assert_int_eq(ctl_req_parse(m, len, &r), -EINVAL);	/* value too long */
	free(m);
	free(big);
}
END_TEST

static struct ctl_peer peer_of(uid_t uid, unsigned roles)
{
	struct ctl_peer p = { .uid = uid, .roles = roles };

	return p;
}

START_TEST(test_allowed)
{
	struct ctl_peer root = peer_of(0, 0), nobody = peer_of(65534, 0);
	struct ctl_peer audit = peer_of(1001, CTL_ROLE_AUDIT);
	struct ctl_peer op = peer_of(1002, CTL_ROLE_OPERATOR);
	struct ctl_peer con = peer_of(1003, CTL_ROLE_CONTRACTOR);
	struct ctl_peer ciso = peer_of(1004, CTL_ROLE_CISO);
	struct ctl_peer admin = peer_of(1000, CTL_ROLE_ADMIN);
	struct ctl_peer both = peer_of(1005, CTL_ROLE_OPERATOR | CTL_ROLE_AUDIT);
	uint16_t t;

	for (t = 1; t < CTL_TYPE_MAX; t++) {
		const struct ctl_request *r = ctl_request(t);

		ck_assert(ctl_allowed(&root, t));
		ck_assert(!ctl_allowed(&nobody, t));
		/* every mutating request excludes the audit role; reads are open to it, but
		 * for backup (it holds the signing key: admin and CISO) */
		ck_assert_msg(ctl_allowed(&audit, t) == (!r->mutates && t != CTL_BACKUP),
			      "audit: %s", r->name);
		/* a peer holding several roles holds their union */
		ck_assert_int_eq(ctl_allowed(&both, t), ctl_allowed(&audit, t) || ctl_allowed(&op, t));
		/* the contractor proposes and nothing else */
		ck_assert_int_eq(ctl_allowed(&con, t), t == CTL_PROPOSE);
	}
	ck_assert(!ctl_allowed(&root, 0));
	ck_assert(!ctl_allowed(&root, CTL_TYPE_MAX));
	/* operator: containment, no policy change */
	ck_assert(ctl_allowed(&op, CTL_ISOLATE) && ctl_allowed(&op, CTL_RESTORE));
	ck_assert(ctl_allowed(&op, CTL_BO_REVOKE) && ctl_allowed(&op, CTL_BO_RESTORE));
	ck_assert(ctl_allowed(&op, CTL_STATUS) && ctl_allowed(&op, CTL_EXPLAIN) &&
		  ctl_allowed(&op, CTL_STATS));
	ck_assert(!ctl_allowed(&op, CTL_PROPOSE) && !ctl_allowed(&op, CTL_APPROVE));
	ck_assert(!ctl_allowed(&op, CTL_RELOAD) && !ctl_allowed(&op, CTL_EXC_ADD));
	ck_assert(!ctl_allowed(&op, CTL_EXC_REVOKE) && !ctl_allowed(&op, CTL_EMERGENCY));
	ck_assert(!ctl_allowed(&op, CTL_RATIFY));
	/* audit: reads */
	ck_assert(!ctl_allowed(&audit, CTL_ISOLATE) && !ctl_allowed(&audit, CTL_EXC_ADD));
	ck_assert(!ctl_allowed(&audit, CTL_RELOAD) && !ctl_allowed(&audit, CTL_RATIFY));
	ck_assert(ctl_allowed(&audit, CTL_DUMP) && ctl_allowed(&audit, CTL_EXPLAIN));
	ck_assert(ctl_allowed(&audit, CTL_CHANGES) && ctl_allowed(&audit, CTL_EXC_LIST));
	/* ciso approves and ratifies, proposes nothing, changes nothing itself */
	ck_assert(ctl_allowed(&ciso, CTL_APPROVE) && ctl_allowed(&ciso, CTL_RATIFY));
	ck_assert(!ctl_allowed(&ciso, CTL_PROPOSE) && !ctl_allowed(&ciso, CTL_RELOAD));
	ck_assert(!ctl_allowed(&ciso, CTL_EMERGENCY) && !ctl_allowed(&ciso, CTL_EXC_ADD));
	/* admin: everything but nothing of it alone (two-person: the daemon checks the uid) */
	ck_assert(ctl_allowed(&admin, CTL_PROPOSE) && ctl_allowed(&admin, CTL_APPROVE));
	ck_assert(ctl_allowed(&admin, CTL_EMERGENCY) && ctl_allowed(&admin, CTL_RELOAD));
	ck_assert(ctl_allowed(&admin, CTL_EXC_ADD) && ctl_allowed(&admin, CTL_EXC_REVOKE));
}
END_TEST

START_TEST(test_roles_text)
{
	char buf[128];

	ck_assert_str_eq(ctl_roles_text(0, false, ",", buf, sizeof(buf)), "none");
	ck_assert_str_eq(ctl_roles_text(CTL_ROLE_ADMIN | CTL_ROLE_AUDIT, false, ",", buf,
					sizeof(buf)), "admin,audit");
	ck_assert_str_eq(ctl_roles_text(CTL_ROLES_APPROVE, true, " or ", buf, sizeof(buf)),
			 "sanso-ciso or sanso-admin");
	ck_assert_str_eq(ctl_roles_text(CTL_ROLES_ALL, false, ",", buf, sizeof(buf)),
			 "ciso,admin,operator,audit,contractor");
	ck_assert_str_eq(ctl_roles_text(CTL_ROLES_ALL, false, ",", buf, 8), "ciso,ad");
	ck_assert_ptr_null(ctl_role_name(CTL_ROLES_READ));
	ck_assert_ptr_null(ctl_role_group(0));
	ck_assert_str_eq(ctl_role_name(CTL_ROLE_CONTRACTOR), "contractor");
	ck_assert_str_eq(ctl_role_group(CTL_ROLE_OPERATOR), CTL_OPERATOR_GROUP);
	ck_assert_uint_eq(ctl_roles_of(0, 0, "root"), CTL_ROLES_ALL);
}
END_TEST

/* Reads and refusals per uid and minute: 200 reads are one tally, a refusal is recorded at
 * once the first time per request and minute, a full table gives up its oldest tally. */
START_TEST(test_tally)
{
	static struct ctl_tallies ts;
	struct ctl_peer a = peer_of(1001, CTL_ROLE_AUDIT), b = peer_of(1002, 0);
	struct ctl_tally t, ev;
	char text[256];
	int i;

	memset(&ts, 0, sizeof(ts));
	for (i = 0; i < 200; i++)
		ck_assert_int_eq(ctl_tally_note(&ts, &a, 1000, CTL_STATUS, false, &ev), 0);
	ck_assert_int_eq(ctl_tally_note(&ts, &a, 1000, CTL_DUMP, false, &ev), 0);
	ck_assert_int_eq(ctl_tally_note(&ts, &a, 1000, CTL_ISOLATE, true, &ev),
			 CTL_TALLY_FIRST_REFUSAL);
	ck_assert_int_eq(ctl_tally_note(&ts, &a, 1000, CTL_ISOLATE, true, &ev), 0);
	ck_assert_int_eq(ctl_tally_note(&ts, &a, 1000, CTL_RELOAD, true, &ev),
			 CTL_TALLY_FIRST_REFUSAL);
	ck_assert_int_eq(ctl_tally_note(&ts, &b, 1000, CTL_STATUS, true, &ev),
			 CTL_TALLY_FIRST_REFUSAL);
	ck_assert_int_eq(ctl_tally_note(&ts, &a, 1001, CTL_ISOLATE, true, &ev),
			 CTL_TALLY_FIRST_REFUSAL);	/* a new minute */
	ck_assert_int_eq(ctl_tally_note(&ts, &a, 1000, CTL_TYPE_MAX, false, &ev), 0);
	ck_assert_int_eq(ctl_tally_take(&ts, 1000, &t), 0);	/* nothing before minute 1000 */
	ck_assert_int_eq(ctl_tally_take(&ts, 1001, &t), 1);
	ck_assert_int_eq(t.uid, 1001);
	ck_assert_uint_eq(ctl_tally_text(t.reads, text, sizeof(text)), 201);
	ck_assert_str_eq(text, "status:200 dump:1");
	ck_assert_uint_eq(ctl_tally_text(t.refused, text, sizeof(text)), 1);	/* beyond the first */
	ck_assert_str_eq(text, "isolate:1");
	ck_assert_int_eq(ctl_tally_take(&ts, 1001, &t), 1);
	ck_assert_int_eq(t.uid, 1002);
	ck_assert_int_eq(ctl_tally_take(&ts, 1001, &t), 0);
	ck_assert_int_eq(ctl_tally_take(&ts, INT64_MAX, &t), 1);	/* at exit: all */
	ck_assert_int_eq(t.minute, 1001);
	ck_assert_int_eq(ctl_tally_take(&ts, INT64_MAX, &t), 0);
	for (i = 0; i < CTL_TALLY_MAX; i++) {		/* fill with other uids */
		b.uid = (uid_t)(2000 + i);
		ck_assert_int_eq(ctl_tally_note(&ts, &b, 1005 + i, CTL_STATUS, false, &ev), 0);
	}
	b.uid = 3000;
	ck_assert_int_eq(ctl_tally_note(&ts, &b, 2000, CTL_STATUS, false, &ev), CTL_TALLY_EVICTED);
	ck_assert_int_eq(ev.uid, 2000);			/* the oldest minute */
	ck_assert_uint_eq(ctl_tally_text(ev.reads, text, sizeof(text)), 1);
	for (i = 0; ctl_tally_take(&ts, INT64_MAX, &t); i++)
		;
	ck_assert_int_eq(i, CTL_TALLY_MAX);		/* nothing lost, nothing doubled */
}
END_TEST

/* The protocol table: every request type has exactly its own row, names are unique and
 * look like sansoctl's commands, a mutating request needs more than read-only. */
START_TEST(test_table)
{
	uint16_t t, u;
	const char *s;

	ck_assert_ptr_null(ctl_request(CTL_TYPE_NONE));
	ck_assert_ptr_null(ctl_request(CTL_TYPE_MAX));
	ck_assert_str_eq(ctl_type_name(CTL_TYPE_MAX), "unknown");
	ck_assert_int_eq(CTL_STATUS, 1);		/* wire numbers: the first row is 1 */
	ck_assert_int_eq(CTL_RATIFY, 18);		/* rows are appended, never moved */
	for (t = 1; t < CTL_TYPE_MAX; t++) {
		const struct ctl_request *r = ctl_request(t);

		ck_assert_ptr_nonnull(r);
		ck_assert_int_eq(r->type, t);
		ck_assert_ptr_nonnull(r->name);
		ck_assert_ptr_eq(ctl_request_find(r->name), r);
		ck_assert_str_eq(ctl_type_name(t), r->name);
		for (s = r->name; *s; s++)
			ck_assert((*s >= 'a' && *s <= 'z') || (*s == '-' && s > r->name && s[1]));
		ck_assert(r->roles && !(r->roles & ~CTL_ROLES_ALL));
		ck_assert_msg(!r->mutates || !(r->roles & CTL_ROLE_AUDIT), "%s mutates", r->name);
		/* what the auditor reads, the approvers read too */
		ck_assert_msg(!(r->roles & CTL_ROLE_AUDIT) ||
			      (r->roles & CTL_ROLES_APPROVE) == CTL_ROLES_APPROVE, "%s", r->name);
		ck_assert_msg(!(r->roles & CTL_ROLE_CONTRACTOR) || r->type == CTL_PROPOSE, "%s",
			      r->name);
		for (u = 1; u < t; u++)
			ck_assert_str_ne(ctl_request(u)->name, r->name);
	}
	ck_assert_ptr_null(ctl_request_find("breakout revoke"));
	ck_assert_ptr_null(ctl_request_find(NULL));
	ck_assert(ctl_request(CTL_ISOLATE)->mutates && ctl_request(CTL_EXC_ADD)->mutates);
	ck_assert(!ctl_request(CTL_DUMP)->mutates && !ctl_request(CTL_EXPLAIN)->mutates);
	ck_assert_str_eq(ctl_role_group(CTL_ROLE_ADMIN), CTL_ADMIN_GROUP);
	ck_assert_str_eq(ctl_role_group(CTL_ROLE_AUDIT), CTL_AUDIT_GROUP);
}
END_TEST

Suite *suite_ctl(void);

Suite *suite_ctl(void)
{
	Suite *s = suite_create("ctl");
	TCase *tc = tcase_create("ctl");

	tcase_add_test(tc, test_parse_ok);
	tcase_add_loop_test(tc, test_parse_bad, 0, sizeof(bad) / sizeof(bad[0]));
	tcase_add_test(tc, test_parse_sizes);
	tcase_add_test(tc, test_allowed);
	tcase_add_test(tc, test_roles_text);
	tcase_add_test(tc, test_tally);
	tcase_add_test(tc, test_table);
	suite_add_tcase(s, tc);
	return s;
}
