/* SPDX-License-Identifier: GPL-2.0-only */
/* state.c: the operational state on disk — isolations, revocations, the exception ledger,
 * and the policy in force — one line per entry (the changes: change.c); see state.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "state.h"

#define OPS_FILE "ops.state"

/* One line per entry: "isolate<TAB>NAME" ("isolate NAME", the rest of the line, is still
 * read), "revoke NAME", ... local: also the policy in force (not shared with an HA peer: it
 * names a file of this host). */
void state_write(const struct ops *o, FILE *f, bool local)
{
	int i;

	for (i = 0; i < o->n_isolate; i++)		/* names hold no tab nor newline */
		fprintf(f, "isolate\t%s\n", o->isolate[i]);
	for (i = 0; i < o->n_revoke; i++)
		fprintf(f, "revoke %s\n", o->revoke[i]);
	if (local && o->policy[0])
		fprintf(f, "policy\t%s\n", o->policy);
	for (i = 0; i < o->n_ledger; i++) {
		const struct ledger_entry *l = &o->ledger[i];

		fprintf(f, "exception\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%lld\t%d", l->id,
			l->from, l->to, l->proto, l->ports[0] ? l->ports : "-", l->reason,
			l->requested_by, l->approved_by, l->expires, l->added_by,
			(long long)l->added_at, l->revoked ? 1 : l->proposed ? 2 : 0);
		if (local)	/* this trail's record, not the peer's */
			fprintf(f, "\t%d", l->expire_reported);
		fputc('\n', f);
	}
	for (i = 0; local && i < o->n_mw; i++) {	/* windows stay on this gateway */
		fputs("maint\t", f);
		mw_write(&o->mw[i], f);
		fputc('\n', f);
	}
}

/* Written atomically (rename). */
void state_save(const struct daemon *d)
{
	char path[4096], tmp[4200];
	FILE *f;

	if (!d->o.state_dir)
		return;
	snprintf(path, sizeof(path), "%s/" OPS_FILE, d->o.state_dir);
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	f = fopen(tmp, "we");
	if (!f) {
		log_warn("cannot save the operational state to '%s'", tmp);
		return;
	}
	state_write(&d->ops, f, true);
	if (fflush(f) || fsync(fileno(f)) || fclose(f) || rename(tmp, path))
		log_warn("cannot save the operational state to '%s'", path);
}

int state_write_file(const struct daemon *d, const char *name, const char *head,
		     const void *body, size_t len, char *path, size_t path_len)
{
	size_t hl = head ? strlen(head) : 0;
	char tmp[4400];
	FILE *f;
	int r = 0;

	snprintf(path, path_len, "%s/%s", d->o.state_dir, name);
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	f = fopen(tmp, "we");
	if (!f)
		return -errno;
	if (fwrite(head ? head : "", 1, hl, f) != hl || fwrite(body, 1, len, f) != len ||
	    fflush(f) || fsync(fileno(f)))
		r = -EIO;
	if (fclose(f) && !r)
		r = -EIO;
	if (!r && rename(tmp, path) < 0)
		r = -errno;
	if (r)
		(void)unlink(tmp);
	return r;
}

static int ledger_parse(char *line, struct ledger_entry *l)
{
	char *f[13], *save = NULL, *nl = strchr(line, '\n'), *tok;
	int n = 0;

	if (nl)
		*nl = '\0';
	for (tok = strtok_r(line, "\t", &save); tok && n < 13; tok = strtok_r(NULL, "\t", &save))
		f[n++] = tok;
	if (n < 12 || tok)	/* 13th (local): exception.expire recorded */
		return -EINVAL;
	memset(l, 0, sizeof(*l));
	snprintf(l->id, sizeof(l->id), "%s", f[0]);
	snprintf(l->from, sizeof(l->from), "%s", f[1]);
	snprintf(l->to, sizeof(l->to), "%s", f[2]);
	snprintf(l->proto, sizeof(l->proto), "%s", f[3]);
	snprintf(l->ports, sizeof(l->ports), "%s", strcmp(f[4], "-") ? f[4] : "");
	snprintf(l->reason, sizeof(l->reason), "%s", f[5]);
	snprintf(l->requested_by, sizeof(l->requested_by), "%s", f[6]);
	snprintf(l->approved_by, sizeof(l->approved_by), "%s", f[7]);
	snprintf(l->expires, sizeof(l->expires), "%s", f[8]);
	snprintf(l->added_by, sizeof(l->added_by), "%s", f[9]);
	l->added_at = strtoll(f[10], NULL, 10);
	l->revoked = atoi(f[11]) == 1;		/* 2: proposed (an older reader: revoked) */
	l->proposed = atoi(f[11]) == 2;
	if (atoi(f[11]) < 0 || atoi(f[11]) > 2)
		return -EINVAL;
	l->expire_reported = n == 13 && atoi(f[12]) != 0;
	return 0;
}

/* A state line that cannot be read (or does not fit) is never dropped silently (this runs
 * before the audit trail is opened: the log has it). */
static void ops_line_refused(const char *path, int n, char *line)
{
	line[strcspn(line, "\n")] = '\0';
	if (n <= 64)
		log_warnx("operational state '%s': line not understood or over the limits, ignored: '%s'",
			  path, line);
}

/* Add what f holds to o; path names f in the log. Returns the lines refused. */
int state_read(struct ops *o, FILE *f, const char *path)
{
	char line[2048], name[POLICY_NAME_MAX];
	int bad = 0;

	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "change\t", 7))	/* before the store: change.c has them */
			continue;
		if (!strncmp(line, "maint\t", 6) && o->n_mw < MW_MAX) {
			if (mw_parse(line + 6, &o->mw[o->n_mw]) == 0)
				o->n_mw++;
			else
				ops_line_refused(path, ++bad, line);
			continue;
		}
		if (sscanf(line, "policy\t%255[^\n]", o->policy) == 1)
			continue;
		if (!strncmp(line, "exception\t", 10) && o->n_ledger < LEDGER_MAX) {
			if (ledger_parse(line + 10, &o->ledger[o->n_ledger]) == 0)
				o->n_ledger++;
			else
				ops_line_refused(path, ++bad, line);
			continue;
		}
		if ((sscanf(line, "isolate\t%63[^\n]", name) == 1 ||
		     sscanf(line, "isolate %63[^\n]", name) == 1) && o->n_isolate < OPS_MAX)
			snprintf(o->isolate[o->n_isolate++], POLICY_NAME_MAX, "%s", name);
		else if (sscanf(line, "revoke %63[^\n]", name) == 1 && o->n_revoke < OPS_MAX)
			snprintf(o->revoke[o->n_revoke++], POLICY_NAME_MAX, "%s", name);
		else
			ops_line_refused(path, ++bad, line);
	}
	return bad;
}

void state_load(struct daemon *d)
{
	char path[4096];
	FILE *f;

	if (!d->o.state_dir)
		return;
	snprintf(path, sizeof(path), "%s/" OPS_FILE, d->o.state_dir);
	f = fopen(path, "re");
	if (!f)
		return;
	(void)state_read(&d->ops, f, path);
	fclose(f);
	if (d->ops.n_isolate || d->ops.n_revoke)
		log_info("operational state: %d isolation(s), %d revoked service(s) from '%s'",
			 d->ops.n_isolate, d->ops.n_revoke, path);
}
