// SPDX-License-Identifier: GPL-2.0-only
/* haver.c: the running version from the master of an HA pair to its peer; see haver.h. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "change.h"
#include "haver.h"
#include "hasync.h"
#include "log.h"
#include "sha256.h"
#include "store.h"

#define HEAD_MAX	1024		/* the header line of a chunk */
#define CHUNK		(HASYNC_PAYLOAD_MAX - HEAD_MAX)

struct haver_rx {
	char sha[65];
	size_t total, got;
	struct store_ver meta;
	char *text;
};

void haver_free(struct daemon *d)
{
	if (d->ha.rx)
		free(d->ha.rx->text);
	free(d->ha.rx);
	d->ha.rx = NULL;
}

static void request(struct daemon *d)
{
	char buf[128];
	int n = snprintf(buf, sizeof(buf), "need\t%s\t%zu", d->ha.rx->sha, d->ha.rx->got);

	d->ha.need_ms = hasync_clock_ms(CLOCK_MONOTONIC);
	(void)hasync_send(&d->ha.s, buf, (size_t)n, hasync_clock_ms(CLOCK_REALTIME));
}

#define FAILED_RETRY_MS	60000		/* a version that did not apply: pulled again after */

void haver_want(struct daemon *d, const char *sha)
{
	struct haver_rx *rx = d->ha.rx;

	if (!strcmp(sha, d->ha.ver_failed) &&
	    hasync_clock_ms(CLOCK_MONOTONIC) - d->ha.ver_failed_ms < FAILED_RETRY_MS)
		return;

	if (rx && strcmp(rx->sha, sha))
		haver_free(d);		/* the master moved on: start again */
	if (!d->ha.rx) {
		rx = calloc(1, sizeof(*rx));
		if (!rx)
			return;
		snprintf(rx->sha, sizeof(rx->sha), "%s", sha);
		d->ha.rx = rx;
	}
	if (hasync_clock_ms(CLOCK_MONOTONIC) - d->ha.need_ms >= HAVER_RETRY_MS)
		request(d);
}

/* The meta fields as one tab-free field each: names and reason cleaned. */
static void clean(char *dst, size_t len, const char *src)
{
	size_t i;

	for (i = 0; i + 1 < len && src[i]; i++)
		dst[i] = src[i] == '\t' || src[i] == '\n' || src[i] == '\r' ? ' ' : src[i];
	dst[i] = '\0';
}

/* Master: up to HAVER_BATCH chunks of the text in force from off, if it is sha. */
static void serve(struct daemon *d, const char *sha, size_t off)
{
	static char buf[HASYNC_PAYLOAD_MAX];
	const struct conf_text *t = &d->cur.text;
	struct store_ver v = { .approved_uid = (uid_t)-1 };
	char by[STORE_NAME_MAX], ab[STORE_NAME_MAX], reason[STORE_REASON_MAX];
	size_t n;
	int i, h;

	if (strcmp(sha, d->cur.sha256) || off > t->len)
		return;			/* not what runs here (any more) */
	if (d->store_on && d->running)
		(void)store_get(&d->store, d->running, &v);
	clean(by, sizeof(by), v.by);
	clean(ab, sizeof(ab), v.approved_by);
	clean(reason, sizeof(reason), v.reason);
	for (i = 0; i < HAVER_BATCH && off < t->len; i++, off += n) {
		n = t->len - off < CHUNK ? t->len - off : CHUNK;
		h = snprintf(buf, HEAD_MAX, "text\t%s\t%zu\t%zu\t%u\t%d\t%ld\t%ld\t%" PRId64
			     "\t%u\t%s\t%s\t%s\n", sha, t->len, off, v.version, (int)v.kind,
			     (long)v.by_uid, v.approved_uid == (uid_t)-1 ? -1L :
			     (long)v.approved_uid, v.at, v.rollback_of, by, ab, reason);
		if (h <= 0 || h >= HEAD_MAX)
			return;
		memcpy(buf + h, t->text + off, n);
		(void)hasync_send(&d->ha.s, buf, (size_t)h + n, hasync_clock_ms(CLOCK_REALTIME));
	}
}

/* "text\t..." header: fields into rx's meta when its sha is the one wanted; the offset and
 * total in *off, *total. 0, or -EINVAL. */
static int chunk_head(char *line, struct haver_rx *rx, size_t *off, size_t *total)
{
	char *f[14], *save = NULL, *p;
	int i = 0;

	for (p = strtok_r(line, "\t", &save); p && i < 14; p = strtok_r(NULL, "\t", &save))
		f[i++] = p;
	if (i < 11 || strcmp(f[1], rx->sha))
		return -EINVAL;
	*total = strtoull(f[2], NULL, 10);
	*off = strtoull(f[3], NULL, 10);
	memset(&rx->meta, 0, sizeof(rx->meta));
	rx->meta.version = (unsigned)strtoul(f[4], NULL, 10);
	rx->meta.kind = (enum store_kind)atoi(f[5]);
	rx->meta.by_uid = (uid_t)strtol(f[6], NULL, 10);
	rx->meta.approved_uid = (uid_t)strtol(f[7], NULL, 10);
	rx->meta.at = strtoll(f[8], NULL, 10);
	rx->meta.rollback_of = (unsigned)strtoul(f[9], NULL, 10);
	snprintf(rx->meta.by, sizeof(rx->meta.by), "%s", f[10]);
	snprintf(rx->meta.approved_by, sizeof(rx->meta.approved_by), "%s", i > 11 ? f[11] : "");
	snprintf(rx->meta.reason, sizeof(rx->meta.reason), "%s", i > 12 ? f[12] : "");
	if (rx->meta.kind >= STORE_KIND_MAX || *total == 0 || *total > HAVER_TEXT_MAX)
		return -EINVAL;
	return 0;
}

/* The whole text arrived: checked against its sha, then applied. */
static void complete(struct daemon *d)
{
	struct haver_rx *rx = d->ha.rx;
	uint8_t dg[SHA256_DIGEST_SIZE];
	char hex[SHA256_HEX_SIZE];
	int r;

	sha256_buf(rx->text, rx->total, dg);
	sha256_hex(dg, hex);
	if (strcmp(hex, rx->sha)) {
		log_warnx("ha: the version received from %s does not match its SHA-256: dropped",
			  d->ha.s.peer_addr);
		haver_free(d);
		return;
	}
	r = change_adopt_peer(d, rx->text, rx->total, rx->sha, &rx->meta, d->ha.s.peer_addr);
	if (r < 0) {
		snprintf(d->ha.why, sizeof(d->ha.why), "the peer's version %u (%.16s) could not be "
			 "applied here: %s", rx->meta.version, rx->sha, r == -ENOTSUP ?
			 "single mode or no store: copy the policy file" : strerror(-r));
		log_warnx("ha: %s", d->ha.why);
		snprintf(d->ha.ver_failed, sizeof(d->ha.ver_failed), "%s", rx->sha);
		d->ha.ver_failed_ms = hasync_clock_ms(CLOCK_MONOTONIC);
	} else {
		d->ha.versions_rx++;
	}
	haver_free(d);
}

/* Peer: one chunk, taken only in order (a gap is asked for again). */
static void take(struct daemon *d, const char *buf, size_t len)
{
	struct haver_rx *rx = d->ha.rx;
	const char *nl = memchr(buf, '\n', len < HEAD_MAX ? len : HEAD_MAX);
	char line[HEAD_MAX];
	size_t off, total, n;

	if (!rx || !nl)
		return;
	memcpy(line, buf, (size_t)(nl - buf));
	line[nl - buf] = '\0';
	if (chunk_head(line, rx, &off, &total) < 0 || off != rx->got ||
	    (rx->total && total != rx->total))
		return;
	n = len - (size_t)(nl + 1 - buf);
	if (off + n > total)
		return;
	if (!rx->text && !(rx->text = malloc(total)))
		return;
	rx->total = total;
	memcpy(rx->text + off, nl + 1, n);
	rx->got += n;
	if (rx->got == rx->total)
		complete(d);
	else if (n && (rx->got / CHUNK) % HAVER_BATCH == 0)
		request(d);		/* the batch is in: the next one now */
}

int haver_input(struct daemon *d, const char *buf, size_t len)
{
	char sha[65];
	size_t off;

	if (len > 5 && !strncmp(buf, "need\t", 5)) {
		if (sscanf(buf + 5, "%64[0-9a-f]\t%zu", sha, &off) == 2)
			serve(d, sha, off);
		return 1;
	}
	if (len > 5 && !strncmp(buf, "text\t", 5)) {
		take(d, buf, len);
		return 1;
	}
	return 0;
}
