/* SPDX-License-Identifier: GPL-2.0-only */
/* test_http.c: http_host_parse() over real curl requests (tests/unit/data/http_samples.h),
 * every prefix of them, and hostile variants (duplicate Host, folding, bare CR, proxy and
 * CONNECT targets that disagree with Host). Inputs live in exact-size heap buffers. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "data/http_samples.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

Suite *suite_http(void);

struct http_case {
	const char *name;
	const uint8_t *p;
	size_t len;
	int want;			/* host length or -errno */
	const char *host;
	size_t hdr_end;			/* header section length (0: the whole input) */
};

#define CAP(a, want, host, end) { #a, a, sizeof(a), want, host, end }

static const struct http_case captures[] = {
	CAP(http_req_0, 9, "127.0.0.1", 0),
	CAP(http_req_1, 19, "intra.example.lg.jp", 0),
	CAP(http_req_2, -ENOENT, NULL, 0),			/* HTTP/1.0, no Host */
	CAP(http_req_3, 20, "portal.lgwan.example", 153),	/* POST with a body */
	CAP(http_req_4, 14, "www.example.jp", 0),		/* final dot stripped */
};

static int parse_copy(const void *p, size_t len, char *host, size_t hostlen)
{
	uint8_t *b = malloc(len ? len : 1);
	int r;

	ck_assert_ptr_nonnull(b);
	if (len)
		memcpy(b, p, len);
	r = http_host_parse(b, len, host, hostlen);
	free(b);
	return r;
}

START_TEST(test_captures)
{
	const struct http_case *c = &captures[_i];
	char host[HTTP_HOST_MAX + 1];

	strcpy(host, "unchanged");
	ck_assert_int_eq(parse_copy(c->p, c->len, host, sizeof(host)), c->want);
	ck_assert_str_eq(host, c->host ? c->host : "unchanged");
}
END_TEST

/* Every prefix before the empty line needs more data; from there on it is complete. */
START_TEST(test_prefixes)
{
	const struct http_case *c = &captures[_i];
	size_t end = c->hdr_end ? c->hdr_end : c->len, k;
	char host[HTTP_HOST_MAX + 1];
	int r;

	for (k = 0; k < c->len; k++) {
		r = parse_copy(c->p, k, host, sizeof(host));
		ck_assert_msg(r == (k < end ? -EAGAIN : c->want), "%s: prefix %zu: %d", c->name, k, r);
	}
}
END_TEST

#define R(name, s, want, host) { name, (const uint8_t *)s, sizeof(s) - 1, want, host, 0 }
#define GET "GET / HTTP/1.1\r\n"

static const struct http_case hostile[] = {
	R("two hosts", GET "Host: a.example\r\nHost: b.example\r\n\r\n", -EPROTO, NULL),
	R("same host twice", GET "Host: a.example\r\nhost: a.example\r\n\r\n", -EPROTO, NULL),
	R("case-insensitive name", GET "hOsT:A.Example\r\n\r\n", 9, "a.example"),
	R("ows around value", GET "Host: \t a.example \t\r\n\r\n", 9, "a.example"),
	R("space before colon", GET "Host : a.example\r\n\r\n", -EPROTO, NULL),
	R("tab before colon", GET "Host\t: a.example\r\n\r\n", -EPROTO, NULL),
	R("folded host value", GET "Host: a.example\r\n b.example\r\n\r\n", -EPROTO, NULL),
	R("host hidden by folding", GET "X-A: 1\r\n Host: evil.example\r\n\r\n", -EPROTO, NULL),
	R("fold after request line", GET " Host: a.example\r\n\r\n", -EPROTO, NULL),
	R("bare CR in value", GET "Host: a.example\rHost: b\r\n\r\n", -EPROTO, NULL),
	R("bare CR line", GET "Host: a.example\r\n\r\r\n", -EPROTO, NULL),
	R("NUL in value", GET "Host: a.exa\0mple\r\n\r\n", -EPROTO, NULL),
	R("NUL in other header", GET "Host: a.example\r\nX: \0\r\n\r\n", -EPROTO, NULL),
	R("DEL in value", GET "Host: a.example\x7f\r\n\r\n", -EPROTO, NULL),
	R("non-ASCII host", GET "Host: caf\xc3\xa9.example\r\n\r\n", -EPROTO, NULL),
	R("non-ASCII elsewhere", GET "Host: a.example\r\nX: caf\xc3\xa9\r\n\r\n", 9, "a.example"),
	R("bare LF lines", "GET / HTTP/1.1\nHost: A.Example\n\n", 9, "a.example"),
	R("LF smuggled second host", GET "X: 1\nHost: evil.example\r\nHost: a.example\r\n\r\n",
	  -EPROTO, NULL),
	R("lowercase method", "get / HTTP/1.1\r\nHost: a.example\r\n\r\n", -EPROTO, NULL),
	R("unknown method", "FOO / HTTP/1.1\r\nHost: a.example\r\n\r\n", -EPROTO, NULL),
	R("http/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", -EPROTO, NULL),
	R("http/2.0 version", "GET / HTTP/2.0\r\nHost: a.example\r\n\r\n", -EPROTO, NULL),
	R("http/0.9", "GET /\r\n\r\n", -EPROTO, NULL),
	R("double space", "GET /  HTTP/1.1\r\nHost: a.example\r\n\r\n", -EPROTO, NULL),
	R("trailing space", "GET / HTTP/1.1 \r\nHost: a.example\r\n\r\n", -EPROTO, NULL),
	R("control in target", "GET /\x01 HTTP/1.1\r\nHost: a.example\r\n\r\n", -EPROTO, NULL),
	R("leading empty line", "\r\nGET / HTTP/1.1\r\nHost: a.example\r\n\r\n", -EPROTO, NULL),
	R("tls record", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", -EPROTO, NULL),
	R("1.1 without host", GET "Accept: */*\r\n\r\n", -EPROTO, NULL),
	R("1.1 empty host", GET "Host:\r\n\r\n", -ENOENT, NULL),
	R("1.0 empty host", "GET / HTTP/1.0\r\nHost: \r\n\r\n", -ENOENT, NULL),
	R("port stripped", GET "Host: a.example:8443\r\n\r\n", 9, "a.example"),
	R("empty port", GET "Host: a.example:\r\n\r\n", 9, "a.example"),
	R("bad port", GET "Host: a.example:80x\r\n\r\n", -EPROTO, NULL),
	R("port > 65535", GET "Host: a.example:65536\r\n\r\n", -EPROTO, NULL),
	R("two colons", GET "Host: a.example:1:2\r\n\r\n", -EPROTO, NULL),
	R("ip literal", GET "Host: [2001:db8::1]:8080\r\n\r\n", -EPROTO, NULL),
	R("ipv4 host", GET "Host: 192.0.2.1\r\n\r\n", 9, "192.0.2.1"),
	R("list value", GET "Host: a.example, b.example\r\n\r\n", -EPROTO, NULL),
	R("userinfo in host", GET "Host: user@a.example\r\n\r\n", -EPROTO, NULL),
	R("two final dots", GET "Host: a.example..\r\n\r\n", -EPROTO, NULL),
	R("only a dot", GET "Host: .\r\n\r\n", -EPROTO, NULL),
	R("bad header name", GET "Ho(st: a.example\r\n\r\n", -EPROTO, NULL),
	R("no colon", GET "Host a.example\r\n\r\n", -EPROTO, NULL),
	R("empty name", GET ": a.example\r\n\r\n", -EPROTO, NULL),
	R("absolute form", "GET http://Proxy.Example:8080/x?y HTTP/1.1\r\nHost: proxy.example"
	  "\r\n\r\n", 13, "proxy.example"),
	R("absolute form, other host", "GET http://good.example/ HTTP/1.1\r\nHost: evil.example"
	  "\r\n\r\n", -EPROTO, NULL),
	R("absolute form, userinfo", "GET http://good.example@evil.example/ HTTP/1.1\r\n"
	  "Host: good.example\r\n\r\n", -EPROTO, NULL),
	R("absolute form, no host", "GET http://a.example/ HTTP/1.1\r\n\r\n", -EPROTO, NULL),
	R("absolute form, 1.0", "GET http://a.example/ HTTP/1.0\r\n\r\n", 9, "a.example"),
	R("absolute form, empty host", "GET http://a.example HTTP/1.1\r\nHost:\r\n\r\n", 9,
	  "a.example"),
	R("relative target", "GET a.example/x HTTP/1.1\r\nHost: a.example\r\n\r\n", -EPROTO,
	  NULL),
	R("connect", "CONNECT login.microsoftonline.com:443 HTTP/1.1\r\n"
	  "Host: login.microsoftonline.com:443\r\n\r\n", 25, "login.microsoftonline.com"),
	R("connect, other host", "CONNECT good.example:443 HTTP/1.1\r\nHost: evil.example:443"
	  "\r\n\r\n", -EPROTO, NULL),
	R("options *", "OPTIONS * HTTP/1.1\r\nHost: a.example\r\n\r\n", 9, "a.example"),
	R("every method", "PATCH /x HTTP/1.1\r\nHost: a.example\r\n\r\n", 9, "a.example"),
	R("delete", "DELETE /x HTTP/1.1\r\nHost: a.example\r\n\r\n", 9, "a.example"),
	R("head", "HEAD /x HTTP/1.1\r\nHost: a.example\r\n\r\n", 9, "a.example"),
	R("put", "PUT /x HTTP/1.1\r\nHost: a.example\r\n\r\n", 9, "a.example"),
	R("partial method", "GE", -EAGAIN, NULL),
	R("method, no space yet", "OPTIONS", -EAGAIN, NULL),
	R("partial header", GET "Host: a.exa", -EAGAIN, NULL),
	R("no end yet", GET "Host: a.example\r\n", -EAGAIN, NULL),
	R("not a method", "X", -EPROTO, NULL),
	R("empty", "", -EAGAIN, NULL),
};

START_TEST(test_hostile)
{
	const struct http_case *c = &hostile[_i];
	char host[HTTP_HOST_MAX + 1];
	int r;

	strcpy(host, "unchanged");
	r = parse_copy(c->p, c->len, host, sizeof(host));
	ck_assert_msg(r == c->want, "%s: got %d, want %d", c->name, r, c->want);
	ck_assert_str_eq(host, c->host ? c->host : "unchanged");
}
END_TEST

START_TEST(test_output_size)
{
	char host[20];

	ck_assert_int_eq(parse_copy(http_req_1, sizeof(http_req_1), host, 19), -ENOSPC);
	ck_assert_int_eq(parse_copy(http_req_1, sizeof(http_req_1), host, 20), 19);
	ck_assert_str_eq(host, "intra.example.lg.jp");
}
END_TEST

/* A header section that never ends: -EAGAIN until HTTP_HDRS_MAX bytes, then -EMSGSIZE. */
START_TEST(test_header_limit)
{
	static const char head[] = GET "Host: a.example\r\nX: ";
	size_t n = HTTP_HDRS_MAX + 100;
	char *b = malloc(n), host[HTTP_HOST_MAX + 1];

	ck_assert_ptr_nonnull(b);
	memcpy(b, head, sizeof(head) - 1);
	memset(b + sizeof(head) - 1, 'x', n - (sizeof(head) - 1));
	ck_assert_int_eq(parse_copy(b, HTTP_HDRS_MAX - 1, host, sizeof(host)), -EAGAIN);
	ck_assert_int_eq(parse_copy(b, HTTP_HDRS_MAX, host, sizeof(host)), -EMSGSIZE);
	ck_assert_int_eq(parse_copy(b, n, host, sizeof(host)), -EMSGSIZE);
	memcpy(b + HTTP_HDRS_MAX - 4, "\r\n\r\n", 4);	/* ends just inside the limit */
	ck_assert_int_eq(parse_copy(b, n, host, sizeof(host)), 9);
	free(b);
}
END_TEST

/* Host names at the length limits. */
START_TEST(test_host_length)
{
	static char req[600];
	char host[HTTP_HOST_MAX + 1], name[260];
	size_t i;

	for (i = 0; i < 253; i++)
		name[i] = (i % 64 == 63) ? '.' : 'a';
	name[253] = '\0';
	snprintf(req, sizeof(req), GET "Host: %s:80\r\n\r\n", name);
	ck_assert_int_eq(parse_copy(req, strlen(req), host, sizeof(host)), 253);
	ck_assert_str_eq(host, name);
	snprintf(req, sizeof(req), GET "Host: %sa\r\n\r\n", name);
	ck_assert_int_eq(parse_copy(req, strlen(req), host, sizeof(host)), -EPROTO);
	snprintf(req, sizeof(req), GET "Host: %s.\r\n\r\n", name);	/* 254 with the dot */
	ck_assert_int_eq(parse_copy(req, strlen(req), host, sizeof(host)), 253);
}
END_TEST

Suite *suite_http(void)
{
	Suite *s = suite_create("http");
	TCase *tc = tcase_create("host");

	tcase_add_loop_test(tc, test_captures, 0, ARRAY_SIZE(captures));
	tcase_add_loop_test(tc, test_prefixes, 0, ARRAY_SIZE(captures));
	tcase_add_loop_test(tc, test_hostile, 0, ARRAY_SIZE(hostile));
	tcase_add_test(tc, test_output_size);
	tcase_add_test(tc, test_header_limit);
	tcase_add_test(tc, test_host_length);
	suite_add_tcase(s, tc);
	return s;
}
