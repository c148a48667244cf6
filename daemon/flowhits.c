/* SPDX-License-Identifier: GPL-2.0-only */
/* flowhits.c: connections the kernel accepted, by name; see flowhits.h. Pure. */
#include <string.h>

#include "flowhits.h"
#include "util_hash.h"

/* compile.c's prefix of the log statement of accepted new cross-zone connections; a
 * "suppressed" summary keeps the rule of the lines it stands for. */
#define FLOW_RULE	"sanso flow "

uint64_t flowhits_of_event(const struct flowlog_event *ev)
{
	if (!ev->event_type || !ev->decision || strcmp(ev->decision, "accept"))
		return 0;
	if (!strcmp(ev->event_type, "flow"))
		return 1;
	if (!strcmp(ev->event_type, "suppressed") && ev->count > 0 &&
	    !strncmp(ev->rule, FLOW_RULE, sizeof(FLOW_RULE) - 1))	/* "sanso flow a>b" */
		return (uint64_t)ev->count;
	return 0;
}

/* The slot holding name, or the free slot where it goes; NULL when the run is too long. */
static struct flowhits_slot *find(const struct flowhits *t, const char *name, size_t len)
{
	uint32_t h = util_fnv32(UTIL_FNV32_BASIS, name, len);
	int i;

	for (i = 0; i < FLOWHITS_PROBE; i++) {
		const struct flowhits_slot *s = &t->slot[(h + (uint32_t)i) & (FLOWHITS_SLOTS - 1)];

		if (!s->name[0] || !strcmp(s->name, name))
			return (struct flowhits_slot *)(uintptr_t)s;
	}
	return NULL;
}

int flowhits_add(struct flowhits *t, const char *name, uint64_t n)
{
	size_t len = name ? strnlen(name, POLICY_NAME_MAX) : 0;
	struct flowhits_slot *s;

	if (!len) {
		t->unnamed += n;
		return 1;
	}
	if (len >= POLICY_NAME_MAX)
		goto other;	/* longer than any name of a policy */
	s = find(t, name, len);
	if (!s || (!s->name[0] && t->names >= FLOWHITS_NAMES))
		goto other;
	if (!s->name[0]) {
		memcpy(s->name, name, len + 1);
		t->names++;
	}
	s->n += n;
	return 0;
other:
	t->other += n;
	return 2;
}

void flowhits_event(struct flowhits *t, const struct flowlog_event *ev)
{
	uint64_t n = flowhits_of_event(ev);

	if (n)
		(void)flowhits_add(t, ev->name, n);
}

uint64_t flowhits_get(const struct flowhits *t, const char *name)
{
	size_t len = name ? strnlen(name, POLICY_NAME_MAX) : 0;
	const struct flowhits_slot *s;

	if (!len || len >= POLICY_NAME_MAX)
		return 0;
	s = find(t, name, len);
	return s && s->name[0] ? s->n : 0;
}

int flowhits_next(const struct flowhits *t, int i, const char **ret_name, uint64_t *ret_n)
{
	for (; i >= 0 && i < FLOWHITS_SLOTS; i++) {
		if (t->slot[i].name[0]) {
			*ret_name = t->slot[i].name;
			*ret_n = t->slot[i].n;
			return i + 1;
		}
	}
	return -1;
}
