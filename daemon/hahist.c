// SPDX-License-Identifier: GPL-2.0-only
/* hahist.c: the store's history from the HA master to its peer; see hahist.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hahist.h"
#include "hasync.h"
#include "haver.h"
#include "log.h"
#include "store.h"

#define HEAD_MAX	128
#define CHUNK		(HASYNC_PAYLOAD_MAX - HEAD_MAX)

struct hahist_rx {
	struct store st;		/* STATE_DIR/store/peer */
	unsigned master_last;		/* announced */
	unsigned next;			/* the version being copied (0: none yet) */
	int which;			/* 0: its text, 1: its meta */
	size_t total, got;
	char *buf;
	int64_t asked_ms;		/* monotonic: the last request */
};

void hahist_free(struct daemon *d)
{
	if (d->ha.hist)
		free(d->ha.hist->buf);
	free(d->ha.hist);
	d->ha.hist = NULL;
}

void hahist_announce(struct daemon *d)
{
	char buf[32];
	int n;

	if (!d->store_on)
		return;
	n = snprintf(buf, sizeof(buf), "hist\t%u", d->store.last);
	(void)hasync_send(&d->ha.s, buf, (size_t)n, hasync_clock_ms(CLOCK_REALTIME));
}

/* ---- the master's side ---- */

static char *file_read(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat st;
	char *buf = NULL;
	ssize_t k;
	size_t n = 0;

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
	    st.st_size <= HAVER_TEXT_MAX && (buf = malloc((size_t)st.st_size))) {
		while (n < (size_t)st.st_size && (k = pread(fd, buf + n, (size_t)st.st_size - n,
							    (off_t)n)) > 0)
			n += (size_t)k;
		if (n != (size_t)st.st_size) {
			free(buf);
			buf = NULL;
		}
	}
	close(fd);
	*len = n;
	return buf;
}

/* Up to HAVER_BATCH chunks of version n's text (which 0) or meta (1) from off. */
static void serve(struct daemon *d, unsigned n, int which, size_t off)
{
	static char out[HASYNC_PAYLOAD_MAX];
	char path[4200];
	size_t len = 0, k;
	char *buf;
	int i, h;

	store_path(&d->store, n, path, sizeof(path));
	if (which)
		memcpy(path + strlen(path) - 4, "meta", 4);
	buf = n && n <= d->store.last ? file_read(path, &len) : NULL;
	if (!buf) {
		h = snprintf(out, sizeof(out), "vgone\t%u", n);
		(void)hasync_send(&d->ha.s, out, (size_t)h, hasync_clock_ms(CLOCK_REALTIME));
		return;
	}
	for (i = 0; i < HAVER_BATCH && off < len; i++, off += k) {
		k = len - off < CHUNK ? len - off : CHUNK;
		h = snprintf(out, HEAD_MAX, "vfile\t%u\t%d\t%zu\t%zu\n", n, which, len, off);
		memcpy(out + h, buf + off, k);
		(void)hasync_send(&d->ha.s, out, (size_t)h + k, hasync_clock_ms(CLOCK_REALTIME));
	}
	free(buf);
}

/* ---- the peer's side ---- */

static void ask(struct daemon *d)
{
	struct hahist_rx *x = d->ha.hist;
	char buf[64];
	int n = snprintf(buf, sizeof(buf), "needv\t%u\t%d\t%zu", x->next, x->which, x->got);

	x->asked_ms = hasync_clock_ms(CLOCK_MONOTONIC);
	(void)hasync_send(&d->ha.s, buf, (size_t)n, hasync_clock_ms(CLOCK_REALTIME));
}

/* The next version to copy (the one after the newest here), if the master has it. */
static void next_version(struct daemon *d)
{
	struct hahist_rx *x = d->ha.hist;

	free(x->buf);
	x->buf = NULL;
	x->total = x->got = 0;
	x->which = 0;
	x->next = x->next > x->st.last ? x->next + 1 : x->st.last + 1;
	if (x->next <= x->master_last)
		ask(d);
	else
		x->next = 0;
}

static struct hahist_rx *rx_open(struct daemon *d)
{
	char dir[4300];

	if (d->ha.hist)
		return d->ha.hist;
	d->ha.hist = calloc(1, sizeof(*d->ha.hist));
	snprintf(dir, sizeof(dir), "%s/" HAHIST_DIR, d->o.state_dir);
	if (d->ha.hist && store_open_dir(&d->ha.hist->st, dir) < 0)
		hahist_free(d);
	return d->ha.hist;
}

static void announced(struct daemon *d, unsigned last)
{
	struct hahist_rx *x = d->store_on ? rx_open(d) : NULL;

	if (!x)
		return;
	x->master_last = last;
	if (!x->next && x->st.last < last)
		next_version(d);
	else if (x->next && hasync_clock_ms(CLOCK_MONOTONIC) - x->asked_ms >= HAVER_RETRY_MS)
		ask(d);		/* no answer: again */
}

/* One file done: written as the store has it (text first: a version exists with its meta). */
static void file_done(struct daemon *d)
{
	struct hahist_rx *x = d->ha.hist;
	char name[32];
	int r;

	snprintf(name, sizeof(name), "v%06u.%s", x->next, x->which ? "meta" : "conf");
	r = store_import(&x->st, name, x->buf, x->total);
	if (r < 0) {
		log_warnx("ha: the peer's version %u could not be kept: %s", x->next, strerror(-r));
		x->next = 0;
		return;
	}
	if (!x->which) {
		free(x->buf);
		x->buf = NULL;
		x->total = x->got = 0;
		x->which = 1;
		ask(d);
		return;
	}
	next_version(d);
}

static void take(struct daemon *d, const char *buf, size_t len)
{
	struct hahist_rx *x = d->ha.hist;
	const char *nl = memchr(buf, '\n', len < HEAD_MAX ? len : HEAD_MAX);
	unsigned n;
	size_t total, off, k;
	int which;

	if (!x || !x->next || !nl ||
	    sscanf(buf, "vfile\t%u\t%d\t%zu\t%zu\n", &n, &which, &total, &off) != 4 ||
	    n != x->next || which != x->which || off != x->got || !total ||
	    total > HAVER_TEXT_MAX || (x->total && total != x->total))
		return;
	k = len - (size_t)(nl + 1 - buf);
	if (off + k > total || (!x->buf && !(x->buf = malloc(total))))
		return;
	x->total = total;
	memcpy(x->buf + off, nl + 1, k);
	x->got += k;
	if (x->got == x->total)
		file_done(d);
	else if (k && (x->got / CHUNK) % HAVER_BATCH == 0)
		ask(d);
}

int hahist_input(struct daemon *d, const char *buf, size_t len, bool master)
{
	unsigned n, last;
	size_t off;
	int which;

	if (!strncmp(buf, "needv\t", 6)) {
		if (d->store_on && sscanf(buf + 6, "%u\t%d\t%zu", &n, &which, &off) == 3 &&
		    (which == 0 || which == 1))
			serve(d, n, which, off);
		return 1;
	}
	if (!strncmp(buf, "hist\t", 5)) {
		if (!master && sscanf(buf + 5, "%u", &last) == 1)
			announced(d, last);
		return 1;
	}
	if (!strncmp(buf, "vgone\t", 6)) {
		if (!master && d->ha.hist && sscanf(buf + 6, "%u", &n) == 1 && n == d->ha.hist->next)
			next_version(d);	/* removed by the master's retention: skipped */
		return 1;
	}
	if (!strncmp(buf, "vfile\t", 6)) {
		if (!master)
			take(d, buf, len);
		return 1;
	}
	return 0;
}
