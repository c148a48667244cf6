/* SPDX-License-Identifier: GPL-2.0-only */
/* test_flowhits.c: the kernel's accepts counted by name (flowhits.c): add and look up, what
 * an event stands for (a "flow" line one, a "suppressed" summary of flow lines its count,
 * drops and the engine's lines nothing), the unnamed and the overflow counts, and that a
 * full table still counts the names it holds. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flowhits.h"

Suite *suite_flowhits(void);

static struct flowlog_event event(const char *type, const char *decision, const char *rule,
				  const char *name, int64_t count)
{
	struct flowlog_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.event_type = type;
	ev.decision = decision;
	snprintf(ev.rule, sizeof(ev.rule), "%s", rule);
	snprintf(ev.name, sizeof(ev.name), "%s", name);
	ev.count = count;
	return ev;
}

START_TEST(test_add_lookup)
{
	struct flowhits *t = calloc(1, sizeof(*t));
	const char *name;
	uint64_t n, sum = 0;
	int i = 0, k = 0;

	ck_assert_ptr_nonnull(t);
	ck_assert_int_eq(flowhits_add(t, "mail-text", 1), 0);
	ck_assert_int_eq(flowhits_add(t, "mail-text", 2), 0);
	ck_assert_int_eq(flowhits_add(t, "Allowed SaaS", 5), 0);
	ck_assert_uint_eq(flowhits_get(t, "mail-text"), 3);
	ck_assert_uint_eq(flowhits_get(t, "Allowed SaaS"), 5);
	ck_assert_uint_eq(flowhits_get(t, "mail"), 0);		/* a prefix is another name */
	ck_assert_uint_eq(flowhits_get(t, ""), 0);
	ck_assert_int_eq(flowhits_add(t, "", 4), 1);
	ck_assert_int_eq(flowhits_add(t, NULL, 1), 1);
	ck_assert_uint_eq(t->unnamed, 5);
	while ((i = flowhits_next(t, i, &name, &n)) >= 0) {
		k++;
		sum += n;
	}
	ck_assert_int_eq(k, 2);
	ck_assert_uint_eq(sum, 8);
	ck_assert_int_eq(t->names, 2);
	free(t);
}
END_TEST

START_TEST(test_events)
{
	struct flowhits *t = calloc(1, sizeof(*t));
	struct flowlog_event ev;

	ck_assert_ptr_nonnull(t);
	ev = event("flow", "accept", "sanso flow internet>lgwan", "mail-text", 0);
	ck_assert_uint_eq(flowhits_of_event(&ev), 1);
	flowhits_event(t, &ev);
	flowhits_event(t, &ev);
	/* the writer's summary of flow lines over the (rule, source) rate: their count */
	ev = event("suppressed", "accept", "sanso flow internet>lgwan", "mail-text", 40);
	ck_assert_uint_eq(flowhits_of_event(&ev), 40);
	flowhits_event(t, &ev);
	ck_assert_uint_eq(flowhits_get(t, "mail-text"), 42);
	ev = event("suppressed", "accept", "sanso flow >gateway", "gw-ssh", 3);
	flowhits_event(t, &ev);
	ck_assert_uint_eq(flowhits_get(t, "gw-ssh"), 3);
	/* not the kernel's accepts: the engine counts its own, drops are no connection */
	ev = event("engine", "accept", "sanso engine accept", "juki-jlis", 0);
	ck_assert_uint_eq(flowhits_of_event(&ev), 0);
	flowhits_event(t, &ev);
	ev = event("suppressed", "accept", "sanso engine accept", "juki-jlis", 9);
	ck_assert_uint_eq(flowhits_of_event(&ev), 0);
	flowhits_event(t, &ev);
	ev = event("drop", "drop", "sanso drop mynumber>internet", "", 0);
	ck_assert_uint_eq(flowhits_of_event(&ev), 0);
	ev = event("suppressed", "drop", "sanso drop mynumber>internet", "", 100);
	ck_assert_uint_eq(flowhits_of_event(&ev), 0);
	ev = event("scan", "drop", "sanso drop internet>lgwan", "", 0);
	ck_assert_uint_eq(flowhits_of_event(&ev), 0);
	ck_assert_uint_eq(flowhits_get(t, "juki-jlis"), 0);
	ck_assert_int_eq(t->names, 2);
	/* accepted without a name (no mark, an id of no generation): counted, unnamed */
	ev = event("flow", "accept", "sanso flow internet>lgwan", "", 0);
	flowhits_event(t, &ev);
	ck_assert_uint_eq(t->unnamed, 1);
	free(t);
}
END_TEST

START_TEST(test_overflow)
{
	struct flowhits *t = calloc(1, sizeof(*t));
	char name[POLICY_NAME_MAX];
	int i;

	ck_assert_ptr_nonnull(t);
	for (i = 0; i < FLOWHITS_NAMES; i++) {
		snprintf(name, sizeof(name), "flow-%d", i);
		ck_assert_int_eq(flowhits_add(t, name, (uint64_t)i + 1), 0);
	}
	ck_assert_int_eq(t->names, FLOWHITS_NAMES);
	ck_assert_int_eq(flowhits_add(t, "one-too-many", 7), 2);
	ck_assert_int_eq(flowhits_add(t, "one-too-many", 1), 2);
	ck_assert_uint_eq(t->other, 8);
	ck_assert_uint_eq(flowhits_get(t, "one-too-many"), 0);
	/* the names held still count, and each kept its own */
	ck_assert_int_eq(flowhits_add(t, "flow-0", 10), 0);
	ck_assert_uint_eq(flowhits_get(t, "flow-0"), 11);
	for (i = 1; i < FLOWHITS_NAMES; i++) {
		snprintf(name, sizeof(name), "flow-%d", i);
		ck_assert_uint_eq(flowhits_get(t, name), (uint64_t)i + 1);
	}
	ck_assert_int_eq(t->names, FLOWHITS_NAMES);
	free(t);
}
END_TEST

START_TEST(test_long_name)
{
	struct flowhits *t = calloc(1, sizeof(*t));
	char name[POLICY_NAME_MAX + 8];

	ck_assert_ptr_nonnull(t);
	memset(name, 'x', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	ck_assert_int_eq(flowhits_add(t, name, 2), 2);	/* no policy name is that long */
	ck_assert_uint_eq(t->other, 2);
	ck_assert_uint_eq(flowhits_get(t, name), 0);
	ck_assert_int_eq(t->names, 0);
	free(t);
}
END_TEST

Suite *suite_flowhits(void)
{
	Suite *s = suite_create("flowhits");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_add_lookup);
	tcase_add_test(tc, test_events);
	tcase_add_test(tc, test_overflow);
	tcase_add_test(tc, test_long_name);
	suite_add_tcase(s, tc);
	return s;
}
