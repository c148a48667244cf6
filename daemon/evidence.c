// SPDX-License-Identifier: GPL-2.0-only
/* evidence.c: the signed dump; see evidence.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "clocksync.h"
#include "evidence.h"
#include "sha256.h"
#include "sign.h"
#include "version.h"

#define EV_FILE_MAX	(64L << 20)

/* The units sansod runs under, where the package installs them. */
static const char *const units[] = {
	"/lib/systemd/system/sansod.service",
	"/lib/systemd/system/sansod-early.service",
	"/etc/systemd/system/sansod.service.d/override.conf",
};

/* SHA-256 of a file, hex, or "absent" / "unreadable". */
static void file_sha(const char *path, char hex[SHA256_HEX_SIZE])
{
	uint8_t dg[SHA256_DIGEST_SIZE];
	char *buf = NULL;
	ssize_t n;
	size_t len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	snprintf(hex, SHA256_HEX_SIZE, "%s", fd < 0 && errno == ENOENT ? "absent" : "unreadable");
	if (fd < 0)
		return;
	buf = malloc(EV_FILE_MAX);
	while (buf && len < EV_FILE_MAX && (n = read(fd, buf + len, EV_FILE_MAX - len)) > 0)
		len += (size_t)n;
	close(fd);
	if (!buf || len >= EV_FILE_MAX) {
		free(buf);
		return;
	}
	sha256_buf(buf, len, dg);
	sha256_hex(dg, hex);
	free(buf);
}

static const char *clock_text(void)
{
	struct clocksync c;

	clocksync_read(&c);
	return clocksync_str(c.state, false);
}

/* The header: every line starts with "# " so a text dump stays nft-commentable. */
static void header(struct daemon *d, const char *actor, FILE *out)
{
	const struct policy *p = d->cur.policy;
	char hex[SHA256_HEX_SIZE], when[AUDIT_TIME_LEN + 1];
	size_t i;

	if (audit_time_format((int64_t)time(NULL), when) < 0)
		snprintf(when, sizeof(when), "?");
	fprintf(out, "# sanso signed evidence: check with sansoctl verify-dump FILE --key PUBLIC.pem\n");
	fprintf(out, "# generated %s by %s; clock %s\n", when, actor, clock_text());
	fprintf(out, "# organisation %s; classification %s\n",
		p && p->organisation ? p->organisation : "-",
		p && p->classification ? p->classification : "none");
	fprintf(out, "# generation %u; config sha256 %s; policy %s\n", d->generation,
		d->cur.sha256, p ? p->file : "-");
	fprintf(out, "# sansod %s; %s\n", version_sanso(), version_libs());
	file_sha("/proc/self/exe", hex);
	fprintf(out, "# binary sansod sha256 %s\n", hex);
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		file_sha(units[i], hex);
		fprintf(out, "# unit %s sha256 %s\n", units[i], hex);
	}
	sha256_hex(d->au.last.hash, hex);
	fprintf(out, "# audit checkpoint seq %llu hash %s%s\n", (unsigned long long)d->au.last.seq,
		hex, d->o.audit ? "" : " (no audit trail)");
}

int evidence_dump(struct daemon *d, const char *actor, const char *body, size_t len, FILE *out)
{
	char *doc = NULL;
	size_t dlen = 0;
	FILE *f;
	int r;

	if (!d->o.state_dir)
		return -ENOTSUP;
	f = open_memstream(&doc, &dlen);
	if (!f)
		return -ENOMEM;
	header(d, actor, f);
	fwrite(body, 1, len, f);
	if (fclose(f)) {
		free(doc);
		return -ENOMEM;
	}
	r = sign_doc(d->o.state_dir, doc, dlen, out);
	free(doc);
	return r;
}
