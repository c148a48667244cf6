/* SPDX-License-Identifier: GPL-2.0-only */
/* test_store.c: the configuration store (store.h): versions written and read back with
 * their meta, the running version, an edited text or meta refused (-EBADMSG), retention by
 * count and age that never removes the running version nor its parent, and no fixed limit. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store.h"

Suite *suite_store(void);

static char dir[64];

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/sanso-store.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static unsigned put(struct store *s, const char *text, enum store_kind k, int64_t at)
{
	struct store_ver v = { .kind = k, .at = at, .by_uid = 1000, .approved_uid = 1001 };

	snprintf(v.by, sizeof(v.by), "uid=1000(tanaka)");
	snprintf(v.approved_by, sizeof(v.approved_by), "uid=1001(suzuki)");
	snprintf(v.reason, sizeof(v.reason), "a\treason\nwith tab");
	v.parent = s->last;
	ck_assert_int_eq(store_put(s, text, strlen(text), &v), 0);
	return v.version;
}

START_TEST(test_write_read)
{
	struct store s, again;
	struct store_ver v;
	char *text, sha[65];
	size_t len;
	unsigned n;

	ck_assert_int_eq(store_open(&s, dir), 0);
	ck_assert_uint_eq(s.last, 0);
	ck_assert_int_eq(store_running(&s, &n, sha), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_uint_eq(put(&s, "policy one\n", STORE_ADOPTED, 100), 1);
	ck_assert_uint_eq(put(&s, "policy two\n", STORE_APPROVED, 200), 2);
	ck_assert_int_eq(store_text(&s, 2, &text, &len, &v), 0);
	ck_assert_str_eq(text, "policy two\n");
	ck_assert_uint_eq(len, 11);
	free(text);
	ck_assert_uint_eq(v.parent, 1);
	ck_assert_int_eq(v.kind, STORE_APPROVED);
	ck_assert_str_eq(v.by, "uid=1000(tanaka)");
	ck_assert_str_eq(v.approved_by, "uid=1001(suzuki)");
	ck_assert_uint_eq(v.approved_uid, 1001);
	ck_assert_str_eq(v.reason, "a reason with tab");	/* one line in the meta */
	ck_assert_int_eq(v.at, 200);
	ck_assert_int_eq(store_set_running(&s, 2, v.sha256), 0);
	ck_assert_int_eq(store_open(&again, dir), 0);	/* a restart finds them */
	ck_assert_uint_eq(again.last, 2);
	ck_assert_int_eq(store_running(&again, &n, sha), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(sha, v.sha256);
	v.kind = STORE_RATIFIED;
	v.reverted = true;
	ck_assert_int_eq(store_update(&again, &v), 0);
	ck_assert_int_eq(store_get(&again, 2, &v), 0);
	ck_assert_int_eq(v.kind, STORE_RATIFIED);
	ck_assert(v.reverted);
	ck_assert_int_eq(store_get(&again, 3, &v), -ENOENT);
}
END_TEST

static void overwrite(const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/store/%s", dir, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

/* An edited text is refused, never returned; so is a meta that is not one. */
START_TEST(test_corruption)
{
	struct store s;
	struct store_ver v;
	char *text = (char *)"x", sha[65];
	size_t len;
	unsigned n;

	ck_assert_int_eq(store_open(&s, dir), 0);
	put(&s, "policy one\n", STORE_ADOPTED, 100);
	put(&s, "policy two\n", STORE_APPROVED, 200);
	overwrite("v000001.conf", "policy one, with an extra flow\n");
	ck_assert_int_eq(store_text(&s, 1, &text, &len, &v), -EBADMSG);
	ck_assert_ptr_null(text);
	ck_assert_int_eq(store_text(&s, 2, &text, &len, &v), 0);
	free(text);
	overwrite("v000002.meta", "version\t2\nnonsense\n");
	ck_assert_int_eq(store_get(&s, 2, &v), -EBADMSG);
	overwrite("running", "version\t1\n");
	ck_assert_int_eq(store_running(&s, &n, sha), -EBADMSG);
	ck_assert_uint_eq(n, 0);
}
END_TEST

/* Retention: count and age must both allow it; the running version and its parent stay. */
START_TEST(test_retention)
{
	struct store s;
	struct store_ver v;
	char text[64];
	int i, kept = 0;

	ck_assert_int_eq(store_open(&s, dir), 0);
	for (i = 1; i <= 40; i++) {		/* no fixed limit */
		snprintf(text, sizeof(text), "policy %d\n", i);
		ck_assert_uint_eq(put(&s, text, STORE_APPROVED, (int64_t)i * 86400), (unsigned)i);
	}
	/* at day 40: keep the newest 10, and those younger than 5 days; running 3 (parent 2) */
	ck_assert_int_eq(store_prune(&s, 10, 5, 40 * 86400, 3), 28);
	for (i = 1; i <= 40; i++)
		kept += store_get(&s, (unsigned)i, &v) == 0;
	ck_assert_int_eq(kept, 12);
	ck_assert_int_eq(store_get(&s, 1, &v), -ENOENT);
	ck_assert_int_eq(store_get(&s, 2, &v), 0);
	ck_assert_int_eq(store_get(&s, 3, &v), 0);
	ck_assert_int_eq(store_get(&s, 31, &v), 0);
	ck_assert_int_eq(store_get(&s, 30, &v), -ENOENT);
	/* young versions are kept whatever the count */
	ck_assert_int_eq(store_prune(&s, 2, 100, 40 * 86400, 40), 0);
	put(&s, "policy 41\n", STORE_APPROVED, 41 * 86400);
	ck_assert_uint_eq(s.last, 41);
}
END_TEST

Suite *suite_store(void)
{
	Suite *s = suite_create("store");
	TCase *tc = tcase_create("store");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_write_read);
	tcase_add_test(tc, test_corruption);
	tcase_add_test(tc, test_retention);
	suite_add_tcase(s, tc);
	return s;
}
