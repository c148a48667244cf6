/* SPDX-License-Identifier: GPL-2.0-only */
/* http.h: the target host name of an HTTP/1.x request, from the first bytes of the stream.
 * Pure: no syscalls, no logging, no allocation; never reads past len; host is written only
 * on success. Strict where a server and we could disagree (RFC 9112): then -EPROTO. */
#ifndef SANSO_HTTP_H
#define SANSO_HTTP_H

#include <stddef.h>
#include <stdint.h>

#define HTTP_HOST_MAX	253		/* host name without port, as returned */
#define HTTP_HDRS_MAX	16384		/* request line + headers we are willing to wait for */

/* Parse the request line (GET, POST, HEAD, PUT, DELETE, OPTIONS, PATCH or CONNECT, then
 * HTTP/1.x) and the header section up to the empty line, and return the host: from the one
 * Host header (case-insensitive name; port and one final dot stripped; lowercased; a valid
 * host name), or from an absolute-form / CONNECT target, which must then agree with Host.
 * Returns the host length, -EAGAIN if the header section is still incomplete, -EMSGSIZE if
 * it exceeds HTTP_HDRS_MAX, -ENOENT if an HTTP/1.0 request names no host (or Host is
 * empty), -ENOSPC if hostlen is too small, -EPROTO if not HTTP/1.x or malformed: two Host
 * headers, obsolete line folding, bare CR, control characters, an IP-literal host. */
int http_host_parse(const uint8_t *p, size_t len, char *host, size_t hostlen);

#define HTTP_BODY_MAX	(1U << 30)	/* request body (Content-Length) we let pass */

/* The bytes of the first request at p: its header section and the body its one
 * Content-Length announces (none: no body). Returns 0 with *ret, -EAGAIN / -EMSGSIZE as
 * http_host_parse(), or -EPROTO if malformed, if the body length is not known in advance
 * (Transfer-Encoding), for CONNECT (a tunnel), two or invalid Content-Length headers, or a
 * body over HTTP_BODY_MAX. */
int http_request_len(const uint8_t *p, size_t len, size_t *ret);

#endif /* SANSO_HTTP_H */
