/* SPDX-License-Identifier: GPL-2.0-only */
/* fuzz_audit.c: libFuzzer harness for the audit trail's parsers. The input is a trail for
 * audit_verify_buf() (with and without an anchor derived from it), each of its lines for
 * audit_line_parse() (a parsed record without fields must format back to the same bytes), a
 * string for audit_escape()/audit_unescape() (round trip, checked against a separate UTF-8
 * decoder), a time, an anchor, and a field value (the record built with it must verify).
 * Seeds: tests/fuzz/corpus/audit/ (trails, tampered trails, anchors, times). */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t zero[SHA256_DIGEST_SIZE];

/* A plain RFC 3629 decoder, written differently from audit.c's. */
static bool utf8_valid(const uint8_t *s, size_t n)
{
	uint32_t cp, min;
	size_t i = 0, k, j;

	while (i < n) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if ((s[i] & 0xe0) == 0xc0)
			k = 2, cp = s[i] & 0x1f, min = 0x80;
		else if ((s[i] & 0xf0) == 0xe0)
			k = 3, cp = s[i] & 0x0f, min = 0x800;
		else if ((s[i] & 0xf8) == 0xf0)
			k = 4, cp = s[i] & 0x07, min = 0x10000;
		else
			return false;
		if (n - i < k)
			return false;
		for (j = 1; j < k; j++) {
			if ((s[i + j] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + j] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += k;
	}
	return true;
}

static void check_verify(const char *buf, size_t len)
{
	struct audit_report rep, rep2;
	struct audit_anchor an;
	int r = audit_verify_buf(buf, len, NULL, &rep);

	if ((r != 0 && r != -EBADMSG) || (r == 0) != (rep.bad == AUDIT_OK) ||
	    rep.bad >= AUDIT_BAD_MAX || rep.line > rep.lines + 1)
		abort();
	if (r < 0)
		return;
	/* A good trail: one record per line from seq 1, and it holds its own end as anchor. */
	if (rep.last.seq != rep.lines || rep.line || rep.expect_seq || rep.got_seq)
		abort();
	an = rep.last;
	if (audit_verify_buf(buf, len, &an, &rep2) != 0 || rep2.after_anchor)
		abort();
	an.seq++;
	if (audit_verify_buf(buf, len, &an, &rep2) != -EBADMSG ||
	    rep2.bad != AUDIT_BAD_ANCHOR_SHORT || rep2.line != rep.lines + 1)
		abort();
	an.seq = 0;
	memcpy(an.hash, zero, sizeof(zero));
	if (audit_verify_buf(buf, len, &an, &rep2) != 0 || rep2.after_anchor != rep.lines)
		abort();
}

/* A record without fields formats back to exactly its line. */
static void check_reformat(const char *line, size_t len, const struct audit_line *l)
{
	char actor[AUDIT_ACTOR_MAX * 3 + 1], event[AUDIT_EVENT_MAX + 1], *again;
	int n;

	n = audit_unescape(l->actor, l->actor_len, actor, sizeof(actor));
	if (n <= 0)
		abort();
	if (l->fields_len || memchr(actor, '\0', (size_t)n) || memmem(l->actor, l->actor_len,
								   "\\ufffd", 6))
		return;		/* NUL ends a C string; U+FFFD would come back raw */
	memcpy(event, l->event, l->event_len);
	event[l->event_len] = '\0';
	again = malloc(AUDIT_LINE_MAX);
	if (!again)
		abort();
	n = audit_format_line(again, AUDIT_LINE_MAX, l->seq, l->prev, l->time, actor, event, NULL);
	if (n < 0 || (size_t)n != len + 1 || memcmp(again, line, len) || again[len] != '\n')
		abort();
	free(again);
}

static void check_lines(const char *buf, size_t len)
{
	struct audit_line l;
	const char *p = buf, *nl, *end = buf + len;

	for (; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		if (audit_line_parse(p, (size_t)(nl - p), &l) < 0)
			continue;
		if (!l.seq || l.hashed_len + AUDIT_TAIL_LEN - 1 != (size_t)(nl - p) ||
		    l.actor < p || l.actor + l.actor_len > p + l.hashed_len ||
		    l.fields < p || l.fields + l.fields_len > p + l.hashed_len)
			abort();
		check_reformat(p, (size_t)(nl - p), &l);
	}
}

static void check_escape(const uint8_t *data, size_t size)
{
	size_t cap = 6 * size + 1;
	char *esc = malloc(cap), *back = malloc(3 * size + 1);
	int n, m;

	if (!esc || !back)
		abort();
	n = audit_escape((const char *)data, size, esc, cap);
	if (n < 0 || audit_escape((const char *)data, size, esc, (size_t)n) != -EMSGSIZE)
		abort();
	n = audit_escape((const char *)data, size, esc, cap);
	m = audit_unescape(esc, (size_t)n, back, 3 * size + 1);
	if (m < 0 || (utf8_valid(data, size) && ((size_t)m != size || memcmp(back, data, size))))
		abort();
	if (!utf8_valid((const uint8_t *)back, (size_t)m) || !utf8_valid((const uint8_t *)esc,
									  (size_t)n))
		abort();
	/* Canonical bodies are exactly what audit_escape() makes of their unescaped text. */
	m = audit_unescape((const char *)data, size, back, 3 * size + 1);
	if (m >= 0 && !memmem(data, size, "\\ufffd", 6) &&
	    (audit_escape(back, (size_t)m, esc, cap) != (int)size || memcmp(esc, data, size)))
		abort();
	free(esc);
	free(back);
}

static void check_small(const uint8_t *data, size_t size)
{
	char out[AUDIT_ANCHOR_LEN_MAX + 1];
	struct audit_anchor an;
	int64_t t;

	if (audit_time_parse((const char *)data, size, &t) == 0 &&
	    (audit_time_format(t, out) != AUDIT_TIME_LEN || size != AUDIT_TIME_LEN ||
	     memcmp(out, data, size)))
		abort();
	if (audit_anchor_parse((const char *)data, size, &an) == 0 &&
	    (audit_anchor_format(&an, out, sizeof(out)) != (int)size || memcmp(out, data, size)))
		abort();
}

/* The input as a field value (and its first bytes as a key): the record always verifies. */
static void check_build(const uint8_t *data, size_t size)
{
	char *line = malloc(AUDIT_LINE_MAX), key[AUDIT_KEY_MAX + 1];
	struct audit_report rep;
	struct audit_fields f;
	size_t klen = size < AUDIT_KEY_MAX ? size : AUDIT_KEY_MAX;
	int n;

	if (!line)
		abort();
	memcpy(key, data, klen);
	key[klen] = '\0';
	audit_fields_init(&f);
	audit_field_strn(&f, "v", (const char *)data, size);
	audit_field_int(&f, key, (int64_t)size);
	n = audit_format_line(line, AUDIT_LINE_MAX, 1, zero, (int64_t)size * 1000003, "fuzz",
			      "fuzz.build", &f);
	if (n > 0 && (audit_verify_buf(line, (size_t)n, NULL, &rep) != 0 || rep.lines != 1))
		abort();
	if (n < 0 && n != -EINVAL && n != -EMSGSIZE)
		abort();
	free(line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_verify((const char *)data, size);
	check_lines((const char *)data, size);
	check_escape(data, size);
	check_small(data, size);
	check_build(data, size);
	return 0;
}
