/* SPDX-License-Identifier: GPL-2.0-only */
/* http.c: request line and header section of an HTTP/1.x request, down to the host name.
 * Pure: no syscalls, no logging, no allocation. Lines end in CRLF or a bare LF (as servers
 * accept); anything a server might read differently from us is rejected, not guessed. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "dns.h"
#include "http.h"

/* Where the interesting parts of the request are (offsets into the buffer). */
struct http_req {
	size_t method_len;
	size_t target, target_len;
	unsigned int minor;		/* HTTP/1.<minor> */
	bool connect;
	unsigned int n_host;		/* Host header lines seen */
	size_t host, host_len;		/* value of the Host header, OWS trimmed */
	size_t head_len;		/* request line and headers, empty line included */
	unsigned int n_clen;		/* Content-Length header lines seen */
	bool clen_bad;			/* a Content-Length that is not 1*DIGIT */
	bool te;			/* Transfer-Encoding seen */
	uint64_t clen;
};

static const char *const http_methods[] = {
	"GET", "POST", "HEAD", "PUT", "DELETE", "OPTIONS", "PATCH", "CONNECT",
};

/* RFC 9110 5.6.2 tchar */
static bool is_tchar(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* field-value characters: VCHAR, obs-text, SP, HTAB; never CR, LF, NUL, other controls */
static bool is_field_char(uint8_t c)
{
	return c == ' ' || c == '\t' || (c > 0x20 && c != 0x7f);
}

static bool eq_nocase(const uint8_t *a, const char *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((a[i] | 0x20) != b[i])
			return false;
	return true;
}

/* Content-Length = 1*DIGIT (RFC 9110 8.6), at most 15 digits here; Transfer-Encoding noted. */
static void body_header(const uint8_t *p, size_t name, size_t nlen, size_t v, size_t ve,
			struct http_req *rq)
{
	size_t i;

	if (nlen == 17 && eq_nocase(p + name, "transfer-encoding", 17))
		rq->te = true;
	if (nlen != 14 || !eq_nocase(p + name, "content-length", 14))
		return;
	rq->n_clen++;
	rq->clen_bad |= v == ve || ve - v > 15;
	for (i = v; i < ve && !rq->clen_bad; i++) {
		if (p[i] < '0' || p[i] > '9')
			rq->clen_bad = true;
		else
			rq->clen = rq->clen * 10 + (uint64_t)(p[i] - '0');
	}
}

/* Length of the method (then a space), -EAGAIN while p is a prefix of one, else -EPROTO. */
static int method(const uint8_t *p, size_t len, struct http_req *rq)
{
	size_t i, n;

	for (i = 0; i < sizeof(http_methods) / sizeof(http_methods[0]); i++) {
		n = strlen(http_methods[i]);
		if (len <= n) {
			if (!memcmp(p, http_methods[i], len))
				return -EAGAIN;
		} else if (!memcmp(p, http_methods[i], n) && p[n] == ' ') {
			rq->method_len = n;
			rq->connect = !strcmp(http_methods[i], "CONNECT");
			return 0;
		}
	}
	return -EPROTO;
}

/* The line starting at pos: *eol is its end without CR LF (or bare LF), *next the start of
 * the next line. A CR not followed by LF stays in the line and is rejected later. */
static int line_end(const uint8_t *p, size_t len, size_t pos, size_t *eol, size_t *next)
{
	size_t lim = len < HTTP_HDRS_MAX ? len : HTTP_HDRS_MAX;
	const uint8_t *lf = pos < lim ? memchr(p + pos, '\n', lim - pos) : NULL;

	if (!lf)
		return len >= HTTP_HDRS_MAX ? -EMSGSIZE : -EAGAIN;
	*next = (size_t)(lf - p) + 1;
	*eol = *next - 1;
	if (*eol > pos && p[*eol - 1] == '\r')
		(*eol)--;
	return 0;
}

/* method SP request-target SP "HTTP/1." DIGIT; the method was checked already. */
static int request_line(const uint8_t *p, size_t eol, struct http_req *rq)
{
	size_t t = rq->method_len + 1, te;

	for (te = t; te < eol && p[te] != ' '; te++)
		if (p[te] < 0x21 || p[te] > 0x7e)
			return -EPROTO;
	if (te == t || eol - te != 9 || memcmp(p + te, " HTTP/1.", 8) ||
	    p[te + 8] < '0' || p[te + 8] > '9')
		return -EPROTO;
	rq->target = t;
	rq->target_len = te - t;
	rq->minor = p[te + 8] - '0';
	return 0;
}

/* field-name ":" OWS field-value OWS. No space before the colon, no obs-fold (RFC 9112 5). */
static int header_line(const uint8_t *p, size_t pos, size_t eol, struct http_req *rq)
{
	size_t colon, v, ve, i;

	for (colon = pos; colon < eol && is_tchar(p[colon]); colon++)
		;
	if (colon == pos || colon == eol || p[colon] != ':')
		return -EPROTO;
	for (v = colon + 1; v < eol && (p[v] == ' ' || p[v] == '\t'); v++)
		;
	for (ve = eol; ve > v && (p[ve - 1] == ' ' || p[ve - 1] == '\t'); ve--)
		;
	for (i = v; i < ve; i++)
		if (!is_field_char(p[i]))
			return -EPROTO;
	body_header(p, pos, colon - pos, v, ve, rq);
	if (colon - pos == 4 && eq_nocase(p + pos, "host", 4)) {
		if (rq->n_host++)
			return -EPROTO;
		rq->host = v;
		rq->host_len = ve - v;
	}
	return 0;
}

static int parse_lines(const uint8_t *p, size_t len, struct http_req *rq)
{
	size_t pos = 0, eol, next;
	int r;

	r = method(p, len, rq);
	while (r == 0) {
		r = line_end(p, len, pos, &eol, &next);
		if (r < 0)
			return r;
		if (pos == 0)
			r = request_line(p, eol, rq);
		else if (eol == pos) {
			rq->head_len = next;
			return 0;		/* empty line: end of the header section */
		}
		else
			r = header_line(p, pos, eol, rq);
		pos = next;
	}
	return r;
}

/* uri-host [":" port] -> lowercased name without port and final dot. */
static int host_norm(const uint8_t *h, size_t n, char *out)
{
	size_t colon, i;
	unsigned long port = 0;
	int r;

	if (n && h[0] == '[')
		return -EPROTO;		/* IP-literal: not a name */
	for (colon = 0; colon < n && h[colon] != ':'; colon++)
		;
	for (i = colon + 1; i < n; i++) {
		if (h[i] < '0' || h[i] > '9' || (port = port * 10 + h[i] - '0') > 65535)
			return -EPROTO;
	}
	if (colon && h[colon - 1] == '.')
		colon--;
	r = dns_host_norm(h, colon, out, HTTP_HOST_MAX + 1);
	return r < 0 ? -EPROTO : r;
}

/* The authority of an absolute-form or authority-form (CONNECT) target: 1 and *ret set, 0 for
 * origin-form ("/...") and asterisk-form ("*"), -EPROTO otherwise. */
static int target_authority(const uint8_t *t, size_t n, bool connect, size_t *ret_off,
			    size_t *ret_len)
{
	size_t i, a;

	if (connect) {
		*ret_off = 0;
		*ret_len = n;
		return 1;
	}
	if (t[0] == '/' || (n == 1 && t[0] == '*'))
		return 0;
	for (i = 0; i < n && (is_tchar(t[i]) && t[i] != ':' && t[i] != '/'); i++)
		;
	if (i == 0 || n - i < 3 || memcmp(t + i, "://", 3))
		return -EPROTO;
	a = i + 3;
	for (i = a; i < n && t[i] != '/' && t[i] != '?' && t[i] != '#'; i++)
		;
	*ret_off = a;
	*ret_len = i - a;
	return 1;
}

/* Host header and target authority must agree; HTTP/1.1 requires a Host header (RFC 9112
 * 3.2), even with an absolute-form target. */
static int pick_host(const uint8_t *p, const struct http_req *rq, char *out)
{
	char th[HTTP_HOST_MAX + 1];
	size_t aoff, alen;
	int r = -ENOENT, t;

	if (!rq->n_host && rq->minor >= 1)
		return -EPROTO;
	if (rq->host_len)
		r = host_norm(p + rq->host, rq->host_len, out);
	if (r < 0 && r != -ENOENT)
		return r;
	t = target_authority(p + rq->target, rq->target_len, rq->connect, &aoff, &alen);
	if (t <= 0)
		return t < 0 ? t : r;
	t = host_norm(p + rq->target + aoff, alen, th);
	if (t < 0)
		return t;
	if (r >= 0 && strcmp(out, th))
		return -EPROTO;
	memcpy(out, th, (size_t)t + 1);
	return t;
}

int http_host_parse(const uint8_t *p, size_t len, char *host, size_t hostlen)
{
	struct http_req rq;
	char name[HTTP_HOST_MAX + 1];
	int r;

	memset(&rq, 0, sizeof(rq));
	r = parse_lines(p, len, &rq);
	if (r < 0)
		return r;
	r = pick_host(p, &rq, name);
	if (r < 0)
		return r;
	if ((size_t)r >= hostlen)
		return -ENOSPC;
	memcpy(host, name, (size_t)r + 1);
	return r;
}

int http_request_len(const uint8_t *p, size_t len, size_t *ret)
{
	struct http_req rq;
	int r;

	memset(&rq, 0, sizeof(rq));
	r = parse_lines(p, len, &rq);
	if (r < 0)
		return r;
	if (rq.te || rq.connect || rq.n_clen > 1 || rq.clen_bad || rq.clen > HTTP_BODY_MAX)
		return -EPROTO;
	*ret = rq.head_len + (size_t)rq.clen;
	return 0;
}
