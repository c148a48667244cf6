/* SPDX-License-Identifier: GPL-2.0-only */
/* audit.c: see audit.h for the canonical form and the contract. The writer formats a record
 * into struct audit's line buffer, writes it with O_APPEND, syncs, then replaces the anchor.
 * The parser accepts exactly what the writer produces; the verifier streams lines through one
 * state machine (v_*) shared by the buffer and the file entry points. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit.h"
#include "util_time.h"

#define JST_OFFSET	(9 * 3600)
#define HASH_KEY	",\"hash\":\""

static const uint8_t zero_hash[SHA256_DIGEST_SIZE];

/* ---- the registry of the daemon's events (audit.h) ------------------------------------ */

#define AUDIT_EV_ROW_(id, nm, k)	[AUDIT_E_##id] = { .name = nm, .keys = k },
const struct audit_event audit_events[AUDIT_E_MAX] = { AUDIT_EVENTS(AUDIT_EV_ROW_) };
#undef AUDIT_EV_ROW_

int audit_event_find(const char *name)
{
	int i;

	for (i = 0; name && i < AUDIT_E_MAX; i++) {
		if (!strcmp(audit_events[i].name, name))
			return i;
	}
	return -ENOENT;
}

/* ---- output sink: bounded copy that keeps counting past the end ---------------------- */

struct sink {
	char *p;			/* NULL: only count */
	size_t size;
	size_t len;			/* bytes produced; > size once something did not fit */
};

static void sink_put(struct sink *s, const void *b, size_t n)
{
	if (s->p && s->len <= s->size && n <= s->size - s->len)
		memcpy(s->p + s->len, b, n);
	s->len += n;
}

static void sink_str(struct sink *s, const char *str)
{
	sink_put(s, str, strlen(str));
}

static bool sink_over(const struct sink *s)
{
	return s->len > s->size;
}

static void sink_hex(struct sink *s, const uint8_t d[SHA256_DIGEST_SIZE])
{
	char hex[SHA256_HEX_SIZE];

	sha256_hex(d, hex);
	sink_put(s, hex, 2 * SHA256_DIGEST_SIZE);
}

/* ---- strings -------------------------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at u[0..n) (RFC 3629: no overlong forms, no surrogates,
 * at most U+10FFFF), or 0. */
static size_t utf8_len(const unsigned char *u, size_t n)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t k, i;

	if (u[0] < 0x80)
		return 1;
	if (u[0] >= 0xc2 && u[0] <= 0xdf)
		k = 2;
	else if (u[0] >= 0xe0 && u[0] <= 0xef)
		k = 3;
	else if (u[0] >= 0xf0 && u[0] <= 0xf4)
		k = 4;
	else
		return 0;
	if (u[0] == 0xe0)
		lo = 0xa0;
	else if (u[0] == 0xed)
		hi = 0x9f;
	else if (u[0] == 0xf0)
		lo = 0x90;
	else if (u[0] == 0xf4)
		hi = 0x8f;
	if (n < k || u[1] < lo || u[1] > hi)
		return 0;
	for (i = 2; i < k; i++)
		if (u[i] < 0x80 || u[i] > 0xbf)
			return 0;
	return k;
}

static bool is_plain(unsigned char c)
{
	return c >= 0x20 && c != '"' && c != '\\' && c != 0x7f;
}

static void sink_escape(struct sink *s, const char *str, size_t len)
{
	const unsigned char *u = (const unsigned char *)str;
	char esc[8];
	size_t i = 0, k;

	while (i < len) {
		k = utf8_len(u + i, len - i);
		if (k > 1 || (k == 1 && is_plain(u[i]))) {
			sink_put(s, u + i, k);
			i += k;
			continue;
		}
		if (!k)
			sink_str(s, "\\ufffd");
		else if (u[i] == '"' || u[i] == '\\')
			sink_put(s, (char[]){ '\\', (char)u[i] }, 2);
		else if (u[i] == '\n' || u[i] == '\r' || u[i] == '\t')
			sink_put(s, (char[]){ '\\', u[i] == '\n' ? 'n' : u[i] == '\r' ? 'r' : 't' }, 2);
		else
			sink_put(s, esc, (size_t)snprintf(esc, sizeof(esc), "\\u%04x", u[i]));
		i++;
	}
}

static bool hex_nibble(char c, unsigned int *v)
{
	if (c >= '0' && c <= '9')
		*v = (unsigned int)(c - '0');
	else if (c >= 'a' && c <= 'f')
		*v = (unsigned int)(c - 'a' + 10);
	else
		return false;
	return true;
}

/* One canonical escape at p[0..n) (p[0] is '\\'): its length, or 0 if it is not canonical. */
static size_t esc_scan(const char *p, size_t n, struct sink *out)
{
	static const char from[] = "\"\\nrt", to[] = "\"\\\n\r\t";
	unsigned int v = 0, d, i;
	const char *f;
	char c;

	if (n < 2 || !p[1])
		return 0;
	f = strchr(from, p[1]);
	if (f) {
		sink_put(out, &to[f - from], 1);
		return 2;
	}
	if (p[1] != 'u' || n < 6)
		return 0;
	for (i = 2; i < 6; i++) {
		if (!hex_nibble(p[i], &d))
			return 0;
		v = v << 4 | d;
	}
	if (v == 0xfffd) {
		sink_put(out, "\xef\xbf\xbd", 3);
		return 6;
	}
	if ((v >= 0x20 && v != 0x7f) || v == '\n' || v == '\r' || v == '\t')
		return 0;
	c = (char)v;
	sink_put(out, &c, 1);
	return 6;
}

/* Scan a canonical string body at p[0..n) up to the first raw '"' (or n), unescaping into
 * out. *ret_len is the number of bytes scanned, *ret_src the length of the string that
 * sink_escape() made it from (an escape stands for one byte, \ufffd for one invalid byte). */
static bool str_scan(const char *p, size_t n, struct sink *out, size_t *ret_len,
		     size_t *ret_src)
{
	const unsigned char *u = (const unsigned char *)p;
	size_t i = 0, k, src = 0;

	while (i < n && u[i] != '"') {
		if (u[i] == '\\') {
			k = esc_scan(p + i, n - i, out);
			src++;
		} else {
			k = utf8_len(u + i, n - i);
			if (k == 1 && !is_plain(u[i]))
				k = 0;
			sink_put(out, p + i, k);
			src += k;
		}
		if (!k)
			return false;
		i += k;
	}
	*ret_len = i;
	*ret_src = src;
	return true;
}

int audit_escape(const char *s, size_t len, char *out, size_t size)
{
	struct sink k = { out, size ? size - 1 : 0, 0 };

	if (!size)
		return -EMSGSIZE;
	sink_escape(&k, s, len);
	if (sink_over(&k) || k.len > INT_MAX)
		return -EMSGSIZE;
	out[k.len] = '\0';
	return (int)k.len;
}

int audit_unescape(const char *body, size_t len, char *out, size_t size)
{
	struct sink k = { out, size ? size - 1 : 0, 0 };
	size_t n, src;

	if (!size)
		return -EMSGSIZE;
	if (!str_scan(body, len, &k, &n, &src) || n != len)
		return -EINVAL;
	if (sink_over(&k) || k.len > INT_MAX)
		return -EMSGSIZE;
	out[k.len] = '\0';
	return (int)k.len;
}

/* [a-z][a-z0-9_]* (keys), or with '.' and '-' too (events), 1..max bytes. */
static bool name_ok(const char *s, size_t len, size_t max, bool event)
{
	size_t i;

	if (!len || len > max || s[0] < 'a' || s[0] > 'z')
		return false;
	for (i = 1; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
		      (event && (s[i] == '.' || s[i] == '-'))))
			return false;
	return true;
}

static bool key_reserved(const char *k, size_t len)
{
	static const char *const rsv[] = { "seq", "time", "actor", "event", "prev", "hash" };
	size_t i;

	for (i = 0; i < sizeof(rsv) / sizeof(rsv[0]); i++)
		if (strlen(rsv[i]) == len && !memcmp(rsv[i], k, len))
			return true;
	return false;
}

/* ---- time: JST, arithmetic only (util_time.h) ---------------------------------------- */

/* n decimal digits of v, zero-padded, at out. */
static void put_digits(char *out, int n, int v)
{
	while (n--) {
		out[n] = (char)('0' + v % 10);
		v /= 10;
	}
}

int audit_time_format(int64_t t, char out[AUDIT_TIME_LEN + 1])
{
	int64_t lt, y;
	int m, d, sec;

	if (t < 0 || t > AUDIT_TIME_MAX)
		return -ERANGE;
	lt = t + JST_OFFSET;
	util_civil_from_days(lt / 86400, &y, &m, &d);
	sec = (int)(lt % 86400);
	memcpy(out, "YYYY-MM-DDThh:mm:ss+09:00", AUDIT_TIME_LEN + 1);
	put_digits(out, 4, (int)y);
	put_digits(out + 5, 2, m);
	put_digits(out + 8, 2, d);
	put_digits(out + 11, 2, sec / 3600);
	put_digits(out + 14, 2, sec / 60 % 60);
	put_digits(out + 17, 2, sec % 60);
	return AUDIT_TIME_LEN;
}

static bool digits(const char *s, int n, int *ret)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*ret = v;
	return true;
}

int audit_time_parse(const char *s, size_t len, int64_t *ret)
{
	int y, mo, d, h, mi, sec;
	int64_t t;

	if (len != AUDIT_TIME_LEN || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
	    s[16] != ':' || memcmp(s + 19, "+09:00", 6))
		return -EINVAL;
	if (!digits(s, 4, &y) || !digits(s + 5, 2, &mo) || !digits(s + 8, 2, &d) ||
	    !digits(s + 11, 2, &h) || !digits(s + 14, 2, &mi) || !digits(s + 17, 2, &sec))
		return -EINVAL;
	if (y < 1970 || d < 1 || d > util_days_in_month(y, mo) || h > 23 || mi > 59 || sec > 59)
		return -EINVAL;
	t = util_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - JST_OFFSET;
	if (t < 0)
		return -EINVAL;
	*ret = t;
	return 0;
}

/* ---- fields --------------------------------------------------------------------------- */

void audit_fields_init(struct audit_fields *f)
{
	f->len = 0;
	f->n = 0;
	f->err = 0;
}

static int fields_fail(struct audit_fields *f, int err)
{
	if (!f->err)
		f->err = err;
	return f->err;
}

/* Start a member ,"key": into s (over f->buf); the caller adds the value, then fields_end(). */
static int fields_begin(struct audit_fields *f, const char *key, struct sink *s)
{
	size_t klen = key ? strnlen(key, AUDIT_KEY_MAX + 1) : 0;
	unsigned int i;

	if (f->err)
		return f->err;
	if (!name_ok(key, klen, AUDIT_KEY_MAX, false) || key_reserved(key, klen) ||
	    f->n >= AUDIT_FIELDS_MAX)
		return fields_fail(f, -EINVAL);
	for (i = 0; i < f->n; i++)
		if (f->key_len[i] == klen && !memcmp(f->buf + f->key_off[i], key, klen))
			return fields_fail(f, -EINVAL);
	s->p = f->buf;
	s->size = sizeof(f->buf);
	s->len = f->len;
	sink_str(s, ",\"");
	f->key_off[f->n] = (uint16_t)s->len;
	f->key_len[f->n] = (uint8_t)klen;
	sink_put(s, key, klen);
	sink_str(s, "\":");
	return 0;
}

static int fields_end(struct audit_fields *f, const struct sink *s)
{
	if (sink_over(s))
		return fields_fail(f, -EMSGSIZE);
	f->len = s->len;
	f->n++;
	return 0;
}

int audit_field_strn(struct audit_fields *f, const char *key, const char *val, size_t len)
{
	struct sink s;
	int r;

	if (!val && len)
		return fields_fail(f, -EINVAL);
	r = fields_begin(f, key, &s);
	if (r < 0)
		return r;
	sink_str(&s, "\"");
	if (len)
		sink_escape(&s, val, len);
	sink_str(&s, "\"");
	return fields_end(f, &s);
}

int audit_field_str(struct audit_fields *f, const char *key, const char *val)
{
	if (!val)
		return fields_fail(f, -EINVAL);
	return audit_field_strn(f, key, val, strlen(val));
}

int audit_field_int(struct audit_fields *f, const char *key, int64_t val)
{
	char num[24];
	struct sink s;
	int r;

	r = fields_begin(f, key, &s);
	if (r < 0)
		return r;
	snprintf(num, sizeof(num), "%" PRId64, val);
	sink_str(&s, num);
	return fields_end(f, &s);
}

int audit_field_bool(struct audit_fields *f, const char *key, bool val)
{
	struct sink s;
	int r;

	r = fields_begin(f, key, &s);
	if (r < 0)
		return r;
	sink_str(&s, val ? "true" : "false");
	return fields_end(f, &s);
}

/* ---- formatting a record -------------------------------------------------------------- */

int audit_format_line(char *buf, size_t size, uint64_t seq,
		      const uint8_t prev[SHA256_DIGEST_SIZE], int64_t t, const char *actor,
		      const char *event, const struct audit_fields *f)
{
	struct sink s = { buf, size < AUDIT_LINE_MAX ? size : AUDIT_LINE_MAX, 0 };
	size_t alen = actor ? strnlen(actor, AUDIT_ACTOR_MAX + 1) : 0;
	char tm[AUDIT_TIME_LEN + 1], num[24];
	uint8_t h[SHA256_DIGEST_SIZE];

	if (f && f->err)
		return f->err;
	if (!seq || !alen || alen > AUDIT_ACTOR_MAX || !event ||
	    !name_ok(event, strnlen(event, AUDIT_EVENT_MAX + 1), AUDIT_EVENT_MAX, true) ||
	    audit_time_format(t, tm) < 0)
		return -EINVAL;
	snprintf(num, sizeof(num), "%" PRIu64, seq);
	sink_str(&s, "{\"seq\":");
	sink_str(&s, num);
	sink_str(&s, ",\"time\":\"");
	sink_str(&s, tm);
	sink_str(&s, "\",\"actor\":\"");
	sink_escape(&s, actor, alen);
	sink_str(&s, "\",\"event\":\"");
	sink_str(&s, event);
	sink_str(&s, "\",\"prev\":\"");
	sink_hex(&s, prev);
	sink_str(&s, "\"");
	if (f)
		sink_put(&s, f->buf, f->len);
	if (s.size < AUDIT_TAIL_LEN || s.len > s.size - AUDIT_TAIL_LEN)
		return -EMSGSIZE;
	sha256_buf(buf, s.len, h);
	sink_str(&s, HASH_KEY);
	sink_hex(&s, h);
	sink_str(&s, "\"}\n");
	return (int)s.len;
}

/* ---- parsing a record ----------------------------------------------------------------- */

struct cur {
	const char *p;
	size_t n, i;			/* p[i..n) is left */
};

static bool cur_lit(struct cur *c, const char *s)
{
	size_t k = strlen(s);

	if (c->n - c->i < k || memcmp(c->p + c->i, s, k))
		return false;
	c->i += k;
	return true;
}

/* Decimal without leading zeros; *neg_ok allows a '-' (int64 range then). */
static bool cur_num(struct cur *c, bool neg_ok, uint64_t *ret)
{
	bool neg = neg_ok && c->i < c->n && c->p[c->i] == '-';
	uint64_t v = 0, lim;
	size_t start;
	unsigned int d;

	c->i += neg;
	start = c->i;
	lim = !neg_ok ? UINT64_MAX : neg ? (uint64_t)INT64_MAX + 1 : INT64_MAX;
	while (c->i < c->n && c->p[c->i] >= '0' && c->p[c->i] <= '9') {
		d = (unsigned int)(c->p[c->i] - '0');
		if (v > (lim - d) / 10)
			return false;
		v = v * 10 + d;
		c->i++;
	}
	if (c->i == start || (c->p[start] == '0' && (c->i - start > 1 || neg)))
		return false;
	*ret = v;
	return true;
}

static bool cur_hex32(struct cur *c, uint8_t out[SHA256_DIGEST_SIZE])
{
	unsigned int hi, lo;
	int i;

	if (c->n - c->i < 2 * SHA256_DIGEST_SIZE)
		return false;
	for (i = 0; i < SHA256_DIGEST_SIZE; i++) {
		if (!hex_nibble(c->p[c->i], &hi) || !hex_nibble(c->p[c->i + 1], &lo))
			return false;
		out[i] = (uint8_t)(hi << 4 | lo);
		c->i += 2;
	}
	return true;
}

/* A quoted string; *ret_body is its body, *ret_src the length of what was escaped. */
static bool cur_str(struct cur *c, const char **ret_body, size_t *ret_len, size_t *ret_src)
{
	struct sink none = { NULL, 0, 0 };
	size_t n;

	if (!cur_lit(c, "\"") || !str_scan(c->p + c->i, c->n - c->i, &none, &n, ret_src) ||
	    c->i + n >= c->n)
		return false;
	*ret_body = c->p + c->i;
	*ret_len = n;
	c->i += n + 1;
	return true;
}

/* A name up to the next '"', which is left unread. */
static bool cur_name(struct cur *c, size_t max, bool event, const char **ret, size_t *ret_len)
{
	const char *q = memchr(c->p + c->i, '"', c->n - c->i);
	size_t len = q ? (size_t)(q - (c->p + c->i)) : 0;

	if (!q || !name_ok(c->p + c->i, len, max, event))
		return false;
	*ret = c->p + c->i;
	*ret_len = len;
	c->i += len;
	return true;
}

static bool cur_value(struct cur *c)
{
	const char *body;
	size_t len, raw;
	uint64_t v;

	if (c->i >= c->n)
		return false;
	if (c->p[c->i] == '"')
		return cur_str(c, &body, &len, &raw);
	if (c->p[c->i] == 't')
		return cur_lit(c, "true");
	if (c->p[c->i] == 'f')
		return cur_lit(c, "false");
	return cur_num(c, true, &v);
}

/* The members F up to c->n: unique, unreserved keys. */
static bool cur_fields(struct cur *c)
{
	const char *key[AUDIT_FIELDS_MAX];
	size_t klen[AUDIT_FIELDS_MAX];
	unsigned int n = 0, i;

	while (c->i < c->n) {
		if (n == AUDIT_FIELDS_MAX || !cur_lit(c, ",\"") ||
		    !cur_name(c, AUDIT_KEY_MAX, false, &key[n], &klen[n]) ||
		    key_reserved(key[n], klen[n]) || !cur_lit(c, "\":") || !cur_value(c))
			return false;
		for (i = 0; i < n; i++)
			if (klen[i] == klen[n] && !memcmp(key[i], key[n], klen[n]))
				return false;
		n++;
	}
	return true;
}

/* Parse line[0..len) (no '\n'). ret is filled as far as parsing got (seq first). */
static enum audit_bad line_parse(const char *line, size_t len, struct audit_line *ret)
{
	struct cur c = { line, 0, 0 };
	uint8_t h[SHA256_DIGEST_SIZE];
	const char *tm;
	size_t tlen, raw;
	bool time_ok;

	ret->seq = 0;
	if (len + 1 > AUDIT_LINE_MAX || len < AUDIT_TAIL_LEN - 1)
		return len + 1 > AUDIT_LINE_MAX ? AUDIT_BAD_TOO_LONG : AUDIT_BAD_SYNTAX;
	c.n = ret->hashed_len = len - (AUDIT_TAIL_LEN - 1);
	if (!cur_lit(&c, "{\"seq\":") || !cur_num(&c, false, &ret->seq) || !ret->seq ||
	    !cur_lit(&c, ",\"time\":") || !cur_str(&c, &tm, &tlen, &raw) ||
	    !cur_lit(&c, ",\"actor\":") ||
	    !cur_str(&c, &ret->actor, &ret->actor_len, &raw) || !raw || raw > AUDIT_ACTOR_MAX ||
	    !cur_lit(&c, ",\"event\":\"") ||
	    !cur_name(&c, AUDIT_EVENT_MAX, true, &ret->event, &ret->event_len) ||
	    !cur_lit(&c, "\",\"prev\":\"") || !cur_hex32(&c, ret->prev) || !cur_lit(&c, "\""))
		return AUDIT_BAD_SYNTAX;
	ret->fields = line + c.i;
	if (!cur_fields(&c))
		return AUDIT_BAD_SYNTAX;
	ret->fields_len = (size_t)(line + c.i - ret->fields);
	c.n = len;
	if (!cur_lit(&c, HASH_KEY) || !cur_hex32(&c, ret->hash) || !cur_lit(&c, "\"}") ||
	    c.i != len)
		return AUDIT_BAD_SYNTAX;
	time_ok = audit_time_parse(tm, tlen, &ret->time) == 0;
	sha256_buf(line, ret->hashed_len, h);
	if (memcmp(h, ret->hash, sizeof(h)))
		return AUDIT_BAD_HASH;
	return time_ok ? AUDIT_OK : AUDIT_BAD_TIME;
}

int audit_line_parse(const char *line, size_t len, struct audit_line *ret)
{
	struct audit_line l;

	if (line_parse(line, len, &l) != AUDIT_OK)
		return -EBADMSG;
	*ret = l;
	return 0;
}

/* ---- verification --------------------------------------------------------------------- */

struct vstate {
	const struct audit_anchor *anchor;
	struct audit_report rep;
	uint64_t want;			/* after a SEQ_GAP: the missing seq, to tell ORDER apart */
};

static void v_init(struct vstate *v, const struct audit_anchor *anchor)
{
	memset(v, 0, sizeof(*v));
	v->anchor = anchor;
}

static void v_fail(struct vstate *v, enum audit_bad bad, uint64_t line, uint64_t got)
{
	if (v->rep.bad)
		return;
	v->rep.bad = bad;
	v->rep.line = line;
	v->rep.expect_seq = v->rep.last.seq + 1;
	v->rep.got_seq = got;
}

/* After the first error, only look for the seq a SEQ_GAP missed. */
static void v_lookahead(struct vstate *v, const char *p, size_t len)
{
	struct audit_line l;

	if (v->want && line_parse(p, len - 1, &l) == AUDIT_OK && l.seq == v->want) {
		v->rep.bad = AUDIT_BAD_SEQ_ORDER;
		v->want = 0;
	}
}

/* One line, '\n' included. */
static void v_line(struct vstate *v, const char *p, size_t len)
{
	struct audit_report *r = &v->rep;
	struct audit_line l;
	uint8_t h[SHA256_DIGEST_SIZE];
	enum audit_bad bad;

	r->lines++;
	if (r->bad) {
		v_lookahead(v, p, len);
		return;
	}
	bad = line_parse(p, len - 1, &l);
	if (bad == AUDIT_OK && l.seq > r->last.seq + 1) {
		bad = AUDIT_BAD_SEQ_GAP;
		v->want = r->last.seq + 1;
	} else if (bad == AUDIT_OK && l.seq <= r->last.seq) {
		bad = AUDIT_BAD_SEQ_REPEAT;
	} else if (bad == AUDIT_OK && memcmp(l.prev, r->last.hash, sizeof(h))) {
		bad = AUDIT_BAD_PREV;
	}
	if (bad == AUDIT_OK) {
		sha256_buf(p, len, h);
		if (v->anchor && v->anchor->seq == l.seq && memcmp(v->anchor->hash, h, sizeof(h)))
			bad = AUDIT_BAD_ANCHOR_HASH;
	}
	if (bad != AUDIT_OK) {
		v_fail(v, bad, r->lines, l.seq);
		return;
	}
	if (l.seq == 1)
		r->first_time = l.time;
	else if (l.time < r->last_time)
		r->time_back++;
	r->last_time = l.time;
	r->last.seq = l.seq;
	memcpy(r->last.hash, h, sizeof(h));
}

/* A line over AUDIT_LINE_MAX whose end was not kept (audit_verify_fd). */
static void v_too_long(struct vstate *v)
{
	v->rep.lines++;
	v_fail(v, AUDIT_BAD_TOO_LONG, v->rep.lines, 0);
}

/* tail: the bytes after the last '\n'. */
static int v_finish(struct vstate *v, size_t tail_len, struct audit_report *ret)
{
	struct audit_report *r = &v->rep;
	const struct audit_anchor *an = v->anchor;

	if (tail_len) {
		r->lines++;
		v_fail(v, tail_len >= AUDIT_LINE_MAX ? AUDIT_BAD_TOO_LONG : AUDIT_BAD_TRUNCATED,
		       r->lines, 0);
	}
	if (!r->bad && an && an->seq > r->last.seq) {
		v_fail(v, AUDIT_BAD_ANCHOR_SHORT, r->lines + 1, r->last.seq);
		r->expect_seq = an->seq;
	} else if (!r->bad && an && !an->seq && memcmp(an->hash, zero_hash, sizeof(zero_hash))) {
		v_fail(v, AUDIT_BAD_ANCHOR_HASH, 0, 0);
	} else if (!r->bad && an) {
		r->after_anchor = r->last.seq - an->seq;
	}
	*ret = *r;
	return r->bad ? -EBADMSG : 0;
}

int audit_verify_buf(const char *buf, size_t len, const struct audit_anchor *anchor,
		     struct audit_report *ret)
{
	struct vstate v;
	const char *nl;
	size_t off = 0;

	v_init(&v, anchor);
	while (off < len && (nl = memchr(buf + off, '\n', len - off))) {
		v_line(&v, buf + off, (size_t)(nl - (buf + off)) + 1);
		off = (size_t)(nl - buf) + 1;
	}
	return v_finish(&v, len - off, ret);
}

#define VERIFY_CHUNK	65536

int audit_verify_fd(int fd, const struct audit_anchor *anchor, struct audit_report *ret)
{
	size_t cap = AUDIT_LINE_MAX + VERIFY_CHUNK, have = 0, off;
	char *buf = malloc(cap), *nl;
	bool skip = false;		/* inside an over-long line: drop up to its '\n' */
	struct vstate v;
	ssize_t n;
	int r;

	if (!buf)
		return -ENOMEM;
	v_init(&v, anchor);
	for (;;) {
		n = read(fd, buf + have, cap - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			goto out;
		}
		if (n == 0)
			break;
		have += (size_t)n;
		for (off = 0; (nl = memchr(buf + off, '\n', have - off)); off = (size_t)(nl - buf) + 1) {
			if (!skip)
				v_line(&v, buf + off, (size_t)(nl - (buf + off)) + 1);
			skip = false;
		}
		if (have - off >= AUDIT_LINE_MAX) {
			if (!skip)
				v_too_long(&v);
			skip = true;
			off = have;
		}
		memmove(buf, buf + off, have - off);
		have -= off;
	}
	r = v_finish(&v, skip ? 0 : have, ret);
out:
	free(buf);
	return r;
}

int audit_verify(const char *path, const struct audit_anchor *anchor, struct audit_report *ret)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY), r;

	if (fd < 0)
		return -errno;
	r = audit_verify_fd(fd, anchor, ret);
	close(fd);
	return r;
}

const char *audit_bad_str(enum audit_bad b)
{
	static const char *const s[AUDIT_BAD_MAX] = {
		[AUDIT_OK] = "chain intact",
		[AUDIT_BAD_SYNTAX] = "not a well-formed record (edited)",
		[AUDIT_BAD_TOO_LONG] = "line too long (edited or inserted)",
		[AUDIT_BAD_HASH] = "hash does not match the record (edited)",
		[AUDIT_BAD_TIME] = "invalid time",
		[AUDIT_BAD_SEQ_GAP] = "seq skips ahead (records removed before this line)",
		[AUDIT_BAD_SEQ_ORDER] = "seq out of order (records reordered or inserted)",
		[AUDIT_BAD_SEQ_REPEAT] = "seq does not increase (record inserted or duplicated)",
		[AUDIT_BAD_PREV] = "prev does not match the previous line (previous record replaced)",
		[AUDIT_BAD_TRUNCATED] = "last line truncated (no newline)",
		[AUDIT_BAD_ANCHOR_SHORT] = "trail ends before the anchor (trailing records removed)",
		[AUDIT_BAD_ANCHOR_HASH] = "record differs from the anchor (rewritten)",
	};

	return (unsigned int)b < AUDIT_BAD_MAX && s[b] ? s[b] : "unknown";
}

/* ---- anchor file ---------------------------------------------------------------------- */

int audit_anchor_format(const struct audit_anchor *an, char *buf, size_t size)
{
	char hex[SHA256_HEX_SIZE];
	int n;

	sha256_hex(an->hash, hex);
	n = snprintf(buf, size, "{\"seq\":%" PRIu64 ",\"hash\":\"%s\"}\n", an->seq, hex);
	return n < 0 || (size_t)n >= size ? -EMSGSIZE : n;
}

int audit_anchor_parse(const char *buf, size_t len, struct audit_anchor *ret)
{
	struct cur c = { buf, len, 0 };
	struct audit_anchor an;

	if (!cur_lit(&c, "{\"seq\":") || !cur_num(&c, false, &an.seq) ||
	    !cur_lit(&c, ",\"hash\":\"") || !cur_hex32(&c, an.hash) || !cur_lit(&c, "\"}\n") ||
	    c.i != len || (!an.seq && memcmp(an.hash, zero_hash, sizeof(zero_hash))))
		return -EBADMSG;
	*ret = an;
	return 0;
}

static int write_all(int fd, const char *p, size_t len)
{
	ssize_t n;

	while (len) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* fsync the directory holding path, so a rename in it is durable. */
static int fsync_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : NULL;
	int fd = -1, r = -ENOMEM;

	if (slash && !dir)
		goto out;
	fd = open(dir ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	r = fd < 0 || (fsync(fd) < 0 && errno != EINVAL) ? -errno : 0;
out:
	if (fd >= 0)
		close(fd);
	free(dir);
	return r;
}

int audit_anchor_write(const char *path, const struct audit_anchor *an)
{
	char tmp[PATH_MAX], buf[AUDIT_ANCHOR_LEN_MAX + 1];
	int fd = -1, len, r;

	len = audit_anchor_format(an, buf, sizeof(buf));
	if (len < 0)
		return len;
	r = snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if (r < 0 || (size_t)r >= sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0640);
	if (fd < 0)
		return -errno;
	r = write_all(fd, buf, (size_t)len);
	if (r == 0 && fdatasync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0) {
		unlink(tmp);
		return r;
	}
	return fsync_dir(path);
}

int audit_anchor_read(const char *path, struct audit_anchor *ret)
{
	char buf[AUDIT_ANCHOR_LEN_MAX + 1];
	size_t have = 0;
	ssize_t n;
	int fd, r = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	if (fd < 0)
		return -errno;
	while (have < sizeof(buf)) {
		n = read(fd, buf + have, sizeof(buf) - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = n < 0 ? -errno : 0;
			break;
		}
		have += (size_t)n;
	}
	close(fd);
	if (r < 0)
		return r;
	return audit_anchor_parse(buf, have, ret);
}

/* ---- writer --------------------------------------------------------------------------- */

static bool anchor_eq(const struct audit_anchor *a, const struct audit_anchor *b)
{
	return a->seq == b->seq && !memcmp(a->hash, b->hash, sizeof(a->hash));
}

static int pread_all(int fd, char *p, size_t len, off_t off)
{
	ssize_t n;

	while (len) {
		n = pread(fd, p, len, off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EBADMSG;	/* shrank under us */
		p += n;
		off += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The state after the last record (*ret_last) and before it (*ret_before), from the file's
 * last line, which must be complete and valid. An empty file gives seq 0 for both. */
static int read_tail(int fd, off_t size, struct audit_anchor *ret_last,
		     struct audit_anchor *ret_before)
{
	size_t n = size < AUDIT_LINE_MAX + 1 ? (size_t)size : AUDIT_LINE_MAX + 1, start;
	char *buf = NULL;
	const char *nl;
	struct audit_line l;
	int r;

	memset(ret_last, 0, sizeof(*ret_last));
	*ret_before = *ret_last;
	if (!size)
		return 0;
	buf = malloc(n);
	if (!buf)
		return -ENOMEM;
	r = pread_all(fd, buf, n, size - (off_t)n);
	if (r < 0)
		goto out;
	r = -EBADMSG;
	nl = n > 1 ? memrchr(buf, '\n', n - 1) : NULL;
	if (buf[n - 1] != '\n' || (!nl && (off_t)n != size))
		goto out;
	start = nl ? (size_t)(nl - buf) + 1 : 0;
	if (line_parse(buf + start, n - start - 1, &l) != AUDIT_OK)
		goto out;
	ret_last->seq = l.seq;
	sha256_buf(buf + start, n - start, ret_last->hash);
	ret_before->seq = l.seq - 1;
	memcpy(ret_before->hash, l.prev, sizeof(l.prev));
	r = 0;
out:
	free(buf);
	return r;
}

/* Check the anchor against the trail's tail; keep its path in a. */
static int anchor_attach(struct audit *a, const char *path, const struct audit_anchor *before)
{
	struct audit_anchor an;
	int r;

	r = audit_anchor_read(path, &an);
	if (r == -ENOENT)
		memset(&an, 0, sizeof(an));
	else if (r < 0)
		return r;
	if (!anchor_eq(&an, &a->last) && !anchor_eq(&an, before))
		return -EBADMSG;
	a->anchor_path = strdup(path);
	if (!a->anchor_path)
		return -ENOMEM;
	a->anchor_stale = !anchor_eq(&an, &a->last);
	return 0;
}

int audit_open_fd(struct audit *a, int fd, const char *anchor_path)
{
	struct audit_anchor before;
	struct stat st;
	int fl, r;

	a->fd = -1;
	a->anchor_path = NULL;
	a->anchor_stale = false;
	a->err = 0;
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fstat(fd, &st) < 0)
		return -errno;
	if ((fl & O_ACCMODE) != O_RDWR || !(fl & O_APPEND) || !S_ISREG(st.st_mode))
		return -EINVAL;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0)
		return errno == EWOULDBLOCK ? -EBUSY : -errno;
	r = read_tail(fd, st.st_size, &a->last, &before);
	if (r == 0 && anchor_path)
		r = anchor_attach(a, anchor_path, &before);
	if (r < 0) {
		flock(fd, LOCK_UN);
		free(a->anchor_path);
		a->anchor_path = NULL;
		return r;
	}
	a->fd = fd;
	return 0;
}

int audit_open(struct audit *a, const char *path, const char *anchor_path)
{
	int fd, r;

	a->fd = -1;
	a->anchor_path = NULL;
	fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0640);
	if (fd < 0)
		return -errno;
	r = audit_open_fd(a, fd, anchor_path);
	if (r < 0)
		close(fd);
	return r;
}

void audit_close(struct audit *a)
{
	if (!a)
		return;
	if (a->fd >= 0)
		close(a->fd);
	free(a->anchor_path);
	a->fd = -1;
	a->anchor_path = NULL;
}

void audit_last(const struct audit *a, struct audit_anchor *ret)
{
	*ret = a->last;
}

static int anchor_update(struct audit *a)
{
	int r = audit_anchor_write(a->anchor_path, &a->last);

	if (r == 0)
		a->anchor_stale = false;
	return r;
}

/* Write the whole line; on failure leave nothing of it in the file (or go sticky). */
static int write_line(struct audit *a, const char *p, size_t len)
{
	struct stat st;
	size_t done = 0;
	ssize_t n;
	int r = 0;

	if (fstat(a->fd, &st) < 0)
		return -errno;
	while (done < len) {
		n = write(a->fd, p + done, len - done);	/* one call unless the kernel cuts it */
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = n < 0 ? -errno : -EIO;
			break;
		}
		done += (size_t)n;
	}
	if (r == 0 || done == 0)
		return r;
	if (ftruncate(a->fd, st.st_size) < 0)
		a->err = r = -EIO;
	return r;
}

int audit_append(struct audit *a, int64_t t, const char *actor, const char *event,
		 const struct audit_fields *f)
{
	int len, r;

	if (a->fd < 0)
		return -EBADF;
	if (a->err)
		return a->err;
	if (a->last.seq == UINT64_MAX)
		return -EOVERFLOW;
	if (a->anchor_path && a->anchor_stale) {
		r = anchor_update(a);
		if (r < 0)
			return r;
	}
	len = audit_format_line(a->line, sizeof(a->line), a->last.seq + 1, a->last.hash, t,
				actor, event, f);
	if (len < 0)
		return len;
	r = write_line(a, a->line, (size_t)len);
	if (r < 0)
		return r;
	a->last.seq++;
	sha256_buf(a->line, (size_t)len, a->last.hash);
	if (fdatasync(a->fd) < 0) {
		a->err = -errno;
		return a->err;
	}
	if (!a->anchor_path)
		return 0;
	a->anchor_stale = true;
	return anchor_update(a);
}

/* ---- failure policy ------------------------------------------------------------------- */

int audit_fail_mode_parse(const char *s, enum audit_fail_mode *ret)
{
	if (!strcmp(s, "block-crosszone"))
		*ret = AUDIT_FAIL_BLOCK;
	else if (!strcmp(s, "alert-only"))
		*ret = AUDIT_FAIL_ALERT;
	else
		return -EINVAL;
	return 0;
}

bool audit_must_refuse(int append_rc, enum audit_class cls, enum audit_fail_mode traffic)
{
	if (append_rc >= 0)
		return false;
	return cls != AUDIT_CLASS_TRAFFIC || traffic != AUDIT_FAIL_ALERT;
}

int audit_checkpoint_msg(uint64_t seq, const uint8_t hash[SHA256_DIGEST_SIZE], char *buf,
			 size_t len)
{
	char hex[SHA256_HEX_SIZE];

	sha256_hex(hash, hex);
	return snprintf(buf, len, "sanso audit checkpoint seq=%llu hash=%s\n",
			(unsigned long long)seq, hex);
}
