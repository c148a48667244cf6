/* SPDX-License-Identifier: GPL-2.0-only */
/* test_ctl.c: the control protocol: request parsing (versions, sizes, keys, values) and who
 * may ask what. */
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

START_TEST(test_allowed)
{
	struct ctl_peer root = { .uid = 0 }, admin = { .uid = 1000, .admin = true, .audit = true };
	struct ctl_peer audit = { .uid = 1001, .audit = true }, nobody = { .uid = 65534 };
	uint16_t t;

	for (t = 1; t < CTL_TYPE_MAX; t++) {
		ck_assert(ctl_allowed(&root, t));
		ck_assert(ctl_allowed(&admin, t));
		ck_assert(!ctl_allowed(&nobody, t));
		ck_assert_int_eq(ctl_allowed(&audit, t), ctl_request(t)->role == CTL_ROLE_AUDIT);
	}
	ck_assert(!ctl_allowed(&root, 0));
	ck_assert(!ctl_allowed(&root, CTL_TYPE_MAX));
	ck_assert(!ctl_allowed(&audit, CTL_ISOLATE) && !ctl_allowed(&audit, CTL_EXC_ADD));
	ck_assert(!ctl_allowed(&audit, CTL_RELOAD) && !ctl_allowed(&audit, CTL_RATIFY));
	ck_assert(ctl_allowed(&audit, CTL_DUMP) && ctl_allowed(&audit, CTL_EXPLAIN));
	ck_assert(ctl_allowed(&audit, CTL_CHANGES) && ctl_allowed(&audit, CTL_EXC_LIST));
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
		ck_assert(r->role == CTL_ROLE_AUDIT || r->role == CTL_ROLE_ADMIN);
		ck_assert_msg(!r->mutates || r->role > CTL_ROLE_AUDIT, "%s mutates", r->name);
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
	tcase_add_test(tc, test_table);
	suite_add_tcase(s, tc);
	return s;
}
