/* SPDX-License-Identifier: GPL-2.0-only */
/* psl.c: the Public Suffix List, read into a sorted array of rules; lookups by bsearch. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "psl.h"

#define PSL_LINE_MAX	512
#define PSL_RULES_MAX	200000

static int rule_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The rule on a line: its first word, lower case; NULL for a comment or a blank line. */
static char *line_rule(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	if (!*s || *s == '\n' || *s == '\r' || (s[0] == '/' && s[1] == '/'))
		return NULL;
	for (e = s; *e && !isspace((unsigned char)*e); e++)
		*e = (char)tolower((unsigned char)*e);
	*e = '\0';
	return s;
}

static int psl_add(struct psl *l, int *cap, const char *rule)
{
	char **v;

	if (l->n_rules >= PSL_RULES_MAX)
		return -E2BIG;
	if (l->n_rules == *cap) {
		*cap = *cap ? 2 * *cap : 1024;
		v = realloc(l->rules, (size_t)*cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		l->rules = v;
	}
	l->rules[l->n_rules] = strdup(rule);
	if (!l->rules[l->n_rules])
		return -ENOMEM;
	l->n_rules++;
	return 0;
}

struct psl *psl_read(FILE *f, const char *name)
{
	struct psl *l = calloc(1, sizeof(*l));
	char line[PSL_LINE_MAX], *r;
	int cap = 0;

	if (!l)
		return NULL;
	snprintf(l->path, sizeof(l->path), "%s", name ? name : "");
	if (!f) {
		l->missing = true;
		return l;
	}
	while (fgets(line, sizeof(line), f)) {
		r = line_rule(line);
		if (r && psl_add(l, &cap, r) < 0) {
			psl_free(l);
			return NULL;
		}
	}
	if (ferror(f) || l->n_rules == 0)
		l->missing = true;	/* an empty or unreadable list proves nothing */
	if (l->n_rules > 0)
		qsort(l->rules, (size_t)l->n_rules, sizeof(*l->rules), rule_cmp);
	return l;
}

struct psl *psl_load(const char *path)
{
	struct psl *l;
	FILE *f;

	if (!path)
		path = getenv(PSL_ENV);
	if (!path || !*path)
		path = PSL_DEFAULT_PATH;
	f = fopen(path, "re");
	l = psl_read(f, path);
	if (f)
		fclose(f);
	return l;
}

void psl_free(struct psl *l)
{
	int i;

	if (!l)
		return;
	for (i = 0; i < l->n_rules; i++)
		free(l->rules[i]);
	free(l->rules);
	free(l);
}

static bool psl_has(const struct psl *l, const char *rule)
{
	return l->n_rules > 0 && bsearch(&rule, l->rules, (size_t)l->n_rules,
					 sizeof(*l->rules), rule_cmp) != NULL;
}

/* name is public when a rule names it exactly, or a wildcard rule covers its first label,
 * and no exception rule names it; a single label is public by the implicit rule "*". */
int psl_is_public(const struct psl *l, const char *name)
{
	char buf[PSL_LINE_MAX];
	const char *dot;

	if (!l || l->missing)
		return -1;
	if (!name || !*name || strlen(name) + 3 > sizeof(buf))
		return 1;	/* too long to be listed: refuse rather than guess */
	snprintf(buf, sizeof(buf), "!%s", name);
	if (psl_has(l, buf))
		return 0;
	if (psl_has(l, name))
		return 1;
	dot = strchr(name, '.');
	if (!dot)
		return 1;
	snprintf(buf, sizeof(buf), "*%s", dot);
	return psl_has(l, buf) ? 1 : 0;
}

const struct psl *psl_default(void)
{
	static struct psl *l;

	if (!l)
		l = psl_load(NULL);
	return l;
}
