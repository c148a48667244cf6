// SPDX-License-Identifier: GPL-2.0-only
/* namepat.c: DNS name patterns (see namepat.h). */
#include <string.h>

#include "namepat.h"

enum star { STAR_NONE, STAR_LEAD, STAR_PART, STAR_MID, STAR_BAD };

static char lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static bool ldh(char c)
{
	c = lower(c);
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

static bool eq_nocase(const char *a, const char *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (lower(a[i]) != lower(b[i]))
			return false;
	return true;
}

/* The form of the '*' in pat ("*." leading, in the first label, a whole middle label). */
static enum star star_form(const char *pat, const char *star)
{
	const char *dot = strchr(pat, '.');

	if (!star)
		return STAR_NONE;
	if (strchr(star + 1, '*'))
		return STAR_BAD;
	if (star == pat && star[1] == '.')
		return star[2] ? STAR_LEAD : STAR_BAD;
	if (!dot || star < dot)
		return dot ? STAR_PART : STAR_BAD;
	if (star[-1] == '.' && star[1] == '.')
		return STAR_MID;
	return STAR_BAD;
}

/* name[0..n) is what the '*' stands for: letters, digits, hyphens; the label it belongs to
 * (the pattern's label length fixed + n) at most 63. */
static bool span_ok(const char *s, size_t n, size_t fixed)
{
	size_t i;

	if (n + fixed > NAMEPAT_LABEL_MAX)
		return false;
	for (i = 0; i < n; i++)
		if (!ldh(s[i]))
			return false;
	return true;
}

bool namepat_match(const char *pattern, const char *name)
{
	const char *star = strchr(pattern, '*');
	enum star form = star_form(pattern, star);
	size_t nl = strlen(name), head, tail, span;

	if (form == STAR_NONE)
		return nl == strlen(pattern) && eq_nocase(pattern, name, nl);
	if (form == STAR_BAD)
		return false;
	head = (size_t)(star - pattern);
	tail = strlen(star + 1);
	if (nl < head + tail || !eq_nocase(pattern, name, head) ||
	    !eq_nocase(star + 1, name + nl - tail, tail))
		return false;
	span = nl - head - tail;
	if (form == STAR_LEAD)	/* one or more labels: no empty label before the suffix */
		return span > 0 && name[span - 1] != '.' && name[0] != '.';
	if (form == STAR_MID)
		return span > 0 && span_ok(name + head, span, 0);
	/* STAR_PART: the fixed part of the first label is head + (tail up to its first dot) */
	return span_ok(name + head, span, head + (size_t)(strchr(star, '.') - star - 1));
}

/* One label of a pattern, n characters: 1-63 of a-z 0-9 -, '-' not first or last; a '*'
 * allowed where star says, and not counted as a fixed character at either end. */
static const char *label_err(const char *l, size_t n, bool star)
{
	size_t i;

	if (n == 0)
		return "empty label";
	if (n - (star && memchr(l, '*', n) ? 1 : 0) > NAMEPAT_LABEL_MAX)
		return "label longer than 63 characters";
	if (l[0] == '-' || l[n - 1] == '-')
		return "label starting or ending with '-'";
	for (i = 0; i < n; i++) {
		if (l[i] == '*' && star)
			continue;
		if (!ldh(l[i]) || (l[i] >= 'A' && l[i] <= 'Z'))
			return "character other than a-z 0-9 - in a label";
	}
	return NULL;
}

bool namepat_valid(const char *pattern, const char **err)
{
	const char *star = strchr(pattern, '*'), *l = pattern, *why = NULL;
	enum star form = star_form(pattern, star);
	int after = -1;		/* labels after the wildcard's label */

	if (strlen(pattern) > 255)
		why = "longer than 255 characters";
	else if (form == STAR_BAD)
		why = "a '*' must be a leading \"*.\", inside the first label, or a whole middle "
		      "label, and only one";
	while (!why) {
		size_t n = strcspn(l, ".");
		bool here = star && star >= l && star < l + n;

		why = label_err(l, n, here);
		if (star && after >= 0)
			after++;
		if (here)
			after = 0;
		if (!l[n])
			break;
		l += n + 1;
	}
	if (!why && star && after < 2)
		why = "a wildcard needs at least two fixed labels after it";
	if (why && err)
		*err = why;
	return !why;
}
