/* SPDX-License-Identifier: GPL-2.0-only */
/* maint.c: remote maintenance windows (R80): parsing, checks, the state line and the merge
 * into a policy; see maint.h. Pure. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "compile.h"
#include "maint.h"
#include "sha256.h"
#include "util_json.h"

#define MW_FIELDS 22			/* the state line, digest included */

const char *mw_state_name(enum mw_state s)
{
	static const char *const n[MW_STATE_MAX] = { "proposed", "active", "closed", "expired",
						     "tampered" };

	return s < MW_STATE_MAX ? n[s] : "?";
}

int mw_until_parse(const char *s, int64_t now, int64_t *ret)
{
	char *end;
	long long v;
	int64_t t;

	if (!s || !*s)
		return -EINVAL;
	if (*s == '+') {
		errno = 0;
		v = strtoll(s + 1, &end, 10);
		if (errno || end == s + 1 || v <= 0 || v > MW_AHEAD_MAX || (*end && end[1]))
			return -EINVAL;	/* one unit letter at most */
		if (*end == 'm')
			v *= 60;
		else if (*end == 'h')
			v *= 3600;
		else if (*end && *end != 's')
			return -EINVAL;
		t = now + v;
	} else if (policy_time_parse(s, &t) < 0) {
		return -EINVAL;
	}
	if (t <= now || t > now + MW_AHEAD_MAX)
		return -ERANGE;
	*ret = t;
	return 0;
}

/* Printable, no tab nor newline (a field of the state line), not empty. */
static bool field_ok(const char *s)
{
	for (; *s; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	}
	return true;
}

static int ports_ok(const char *s)
{
	char buf[128], *tok, *save = NULL, *end;
	long lo, hi;

	snprintf(buf, sizeof(buf), "%s", s);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		lo = strtol(tok, &end, 10);
		hi = *end == '-' ? strtol(end + 1, &end, 10) : lo;
		if (*end || lo < 1 || hi > 65535 || lo > hi)
			return -EINVAL;
	}
	return 0;
}

int mw_check(const struct mwin *w, char *why, size_t len)
{
	const char *const f[] = { w->vendor, w->from, w->to, w->proto, w->reason };
	const char *const k[] = { "vendor", "from", "to", "proto", "reason" };
	struct prefix pf;
	uint8_t proto;
	size_t i;

	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		if (!f[i][0] || !field_ok(f[i]) || !strcmp(f[i], "-")) {
			snprintf(why, len, "--%s: missing or not printable", k[i]);
			return -EINVAL;
		}
	}
	if (policy_prefix_parse(w->from, &pf) < 0) {
		snprintf(why, len, "--from '%s': not an address or prefix", w->from);
		return -EINVAL;
	}
	if (policy_proto_parse(w->proto, &proto) < 0) {
		snprintf(why, len, "--proto '%s': not a protocol", w->proto);
		return -EINVAL;
	}
	if (!field_ok(w->ports) || ports_ok(w->ports) < 0 ||
	    (!w->ports[0] && (proto == 6 || proto == 17))) {
		snprintf(why, len, "--ports '%s': ports 1-65535 (N, N-M, comma separated) needed",
			 w->ports);
		return -EINVAL;
	}
	return 0;
}

static const char *dash(const char *s)
{
	return s[0] ? s : "-";
}

/* The line without its digest. */
static int line_body(const struct mwin *w, char *buf, size_t len)
{
	return snprintf(buf, len, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%" PRId64 "\t%s\t%u\t%s\t%u\t%"
			PRId64 "\t%" PRId64 "\t%" PRId64 "\t%d\t%d\t%" PRIu64 "\t%" PRIu64 "\t%"
			PRIu64, w->id, w->vendor, w->from, w->to, w->proto, dash(w->ports),
			w->reason, w->until, w->until_t, w->by, (unsigned)w->uid, dash(w->by2),
			(unsigned)w->uid2, w->opened_at, w->approved_at, w->ended_at,
			(int)w->state, w->end_reported, w->sessions, w->suppressed, w->bytes);
}

static void digest(const char *body, char out[17])
{
	uint8_t d[SHA256_DIGEST_SIZE];
	char hex[SHA256_HEX_SIZE];

	sha256_buf(body, strlen(body), d);
	sha256_hex(d, hex);
	snprintf(out, 17, "%.16s", hex);
}

void mw_write(const struct mwin *w, FILE *f)
{
	char body[1024], dg[17];

	line_body(w, body, sizeof(body));
	digest(body, dg);
	fprintf(f, "%s\t%s", body, dg);
}

static void copy(char *dst, size_t len, const char *s)
{
	snprintf(dst, len, "%s", strcmp(s, "-") ? s : "");
}

int mw_parse(char *line, struct mwin *w)
{
	char *f[MW_FIELDS + 1], *save = NULL, *tok, body[1024], dg[17];
	int n = 0;

	line[strcspn(line, "\n")] = '\0';
	for (tok = strtok_r(line, "\t", &save); tok && n <= MW_FIELDS; tok = strtok_r(NULL, "\t", &save))
		f[n++] = tok;
	if (n != MW_FIELDS)
		return -EINVAL;
	memset(w, 0, sizeof(*w));
	copy(w->id, sizeof(w->id), f[0]);
	copy(w->vendor, sizeof(w->vendor), f[1]);
	copy(w->from, sizeof(w->from), f[2]);
	copy(w->to, sizeof(w->to), f[3]);
	copy(w->proto, sizeof(w->proto), f[4]);
	copy(w->ports, sizeof(w->ports), f[5]);
	copy(w->reason, sizeof(w->reason), f[6]);
	copy(w->until, sizeof(w->until), f[7]);
	w->until_t = strtoll(f[8], NULL, 10);
	copy(w->by, sizeof(w->by), f[9]);
	w->uid = (uid_t)strtoul(f[10], NULL, 10);
	copy(w->by2, sizeof(w->by2), f[11]);
	w->uid2 = (uid_t)strtoul(f[12], NULL, 10);
	w->opened_at = strtoll(f[13], NULL, 10);
	w->approved_at = strtoll(f[14], NULL, 10);
	w->ended_at = strtoll(f[15], NULL, 10);
	w->state = (enum mw_state)atoi(f[16]);
	w->end_reported = atoi(f[17]) != 0;
	w->sessions = strtoull(f[18], NULL, 10);
	w->suppressed = strtoull(f[19], NULL, 10);
	w->bytes = strtoull(f[20], NULL, 10);
	if (w->state >= MW_STATE_MAX || !w->id[0])
		return -EINVAL;
	line_body(w, body, sizeof(body));
	digest(body, dg);
	if (strcmp(dg, f[MW_FIELDS - 1]) || w->until_t - w->opened_at > MW_AHEAD_MAX)
		w->state = MW_TAMPERED;	/* (a digest can be recomputed: the bound cannot) */
	return 0;
}

int mw_find(const struct mwin *v, int n, const char *id)
{
	int i;

	for (i = 0; id && i < n; i++) {
		if (!strcmp(v[i].id, id))
			return i;
	}
	return -1;
}

static int merge_ports(struct policy *p, const char *s, struct exception *x)
{
	char buf[128], *tok, *save = NULL, *end;
	long lo, hi;

	snprintf(buf, sizeof(buf), "%s", s);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		lo = strtol(tok, &end, 10);
		hi = *end == '-' ? strtol(end + 1, NULL, 10) : lo;
		x->ports = policy_grow(p, x->ports, x->n_ports, sizeof(*x->ports));
		if (!x->ports)
			return -ENOMEM;
		x->ports[x->n_ports++] = (struct port_range){ (uint16_t)lo, (uint16_t)hi };
	}
	return 0;
}

/* The vendor's prefix as a group of one member (it may lie in no host's address). */
static int merge_group(const struct mwin *w, struct policy *p, char *name, size_t len)
{
	struct group *g;

	p->groups = policy_grow(p, p->groups, p->n_groups, sizeof(*g));
	if (!p->groups)
		return -ENOMEM;
	g = &p->groups[p->n_groups];
	memset(g, 0, sizeof(*g));
	snprintf(name, len, "%s-from", w->id);
	snprintf(g->name, sizeof(g->name), "%s", name);
	g->members = policy_alloc(p, sizeof(*g->members));
	if (!g->members)
		return -ENOMEM;
	g->members[0].kind = MEMBER_PREFIX;
	if (policy_prefix_parse(w->from, &g->members[0].pfx) < 0)
		return -EINVAL;
	g->n_members = 1;
	g->zone = -1;
	p->n_groups++;
	return 0;
}

static int merge_one(const struct mwin *w, struct policy *p)
{
	char gname[POLICY_NAME_MAX];
	struct exception *x;
	int r = merge_group(w, p, gname, sizeof(gname));

	if (r < 0)
		return r;
	p->exceptions = policy_grow(p, p->exceptions, p->n_exceptions, sizeof(*x));
	if (!p->exceptions)
		return -ENOMEM;
	x = &p->exceptions[p->n_exceptions];
	memset(x, 0, sizeof(*x));
	snprintf(x->id, sizeof(x->id), "%s", w->id);
	x->from.name = policy_strdup(p, gname);
	x->to.name = policy_strdup(p, w->to);
	x->reason = policy_strdup(p, w->reason);
	x->expires_text = policy_strdup(p, w->until);
	if (!x->from.name || !x->to.name || !x->reason || !x->expires_text)
		return -ENOMEM;
	snprintf(x->requested_by, sizeof(x->requested_by), "%s", w->by);
	snprintf(x->approved_by, sizeof(x->approved_by), "%s", w->by2);
	x->expires = w->until_t;
	x->window = true;
	if (policy_proto_parse(w->proto, &x->proto) < 0)
		return -EINVAL;
	r = w->ports[0] ? merge_ports(p, w->ports, x) : 0;
	if (r < 0)
		return r;
	p->n_exceptions++;
	return 0;
}

int mw_merge(const struct mwin *v, int n, struct policy *p, int64_t now)
{
	int i, r;

	for (i = 0; i < n; i++) {
		if (v[i].state != MW_ACTIVE || v[i].until_t <= now)
			continue;
		r = merge_one(&v[i], p);
		if (r < 0)
			return r;
	}
	return 0;
}

void mw_print(const struct mwin *w, const uint64_t kc[2], FILE *out)
{
	fprintf(out, "%-8s %-9s vendor %s: %s -> %s %s%s%s until %s; opened by %s", w->id,
		mw_state_name(w->state), w->vendor, w->from, w->to, w->proto,
		w->ports[0] ? " " : "", w->ports, w->until, w->by);
	if (w->by2[0])
		fprintf(out, ", approved by %s", w->by2);
	fprintf(out, "; sessions %" PRIu64 " (not recorded %" PRIu64 "), bytes %" PRIu64,
		w->sessions, w->suppressed, w->bytes);
	if (kc)
		fprintf(out, "; kernel counter %" PRIu64 " packets %" PRIu64 " bytes", kc[0], kc[1]);
	fprintf(out, "; reason: %s\n", w->reason);
}

static void kv(FILE *out, const char *k, const char *v, bool comma)
{
	fprintf(out, "\"%s\":", k);
	util_json_str(out, v);
	if (comma)
		fputc(',', out);
}

void mw_json(const struct mwin *w, const uint64_t kc[2], FILE *out)
{
	fputc('{', out);
	kv(out, "id", w->id, true);
	kv(out, "state", mw_state_name(w->state), true);
	kv(out, "vendor", w->vendor, true);
	kv(out, "from", w->from, true);
	kv(out, "to", w->to, true);
	kv(out, "proto", w->proto, true);
	kv(out, "ports", w->ports, true);
	kv(out, "reason", w->reason, true);
	kv(out, "until", w->until, true);
	kv(out, "opened_by", w->by, true);
	kv(out, "approved_by", w->by2, true);
	if (kc)
		fprintf(out, "\"kernel_packets\":%" PRIu64 ",\"kernel_bytes\":%" PRIu64 ",", kc[0],
			kc[1]);
	fprintf(out, "\"opened_at\":%" PRId64 ",\"approved_at\":%" PRId64 ",\"ended_at\":%"
		PRId64 ",\"sessions\":%" PRIu64 ",\"sessions_not_recorded\":%" PRIu64
		",\"bytes\":%" PRIu64 "}", w->opened_at, w->approved_at, w->ended_at, w->sessions,
		w->suppressed, w->bytes);
}
