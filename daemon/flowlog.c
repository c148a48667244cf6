/* SPDX-License-Identifier: GPL-2.0-only */
/* flowlog.c: the flow log's lines, segments, rates and scans; see flowlog.h. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "flowlog.h"
#include "pkt.h"
#include "util_hash.h"
#include "util_time.h"

#define RATE_SLOTS	1024		/* (rule, source) windows held at once */
#define SCAN_SLOTS	256		/* sources watched at once */
#define PROBE		8
#define SEG_PREFIX	"flows-"
#define SEG_SUFFIX	".jsonl"
#define ACTOR		"sansod"
#define EV_SEGMENT	"flowlog.segment"
#define SEG_NEW		".flows-new" SEG_SUFFIX	/* a segment before its header is in */

struct flowlog_rate {
	bool used;
	uint32_t rule;			/* FNV-1a of the rule */
	uint8_t src[16];
	int64_t start;			/* window start, unix seconds */
	int lines;
	int64_t over;			/* suppressed in this window */
	struct flowlog_event last;	/* what the summary names */
};

struct flowlog_scan {
	bool used, alerted, burst_alerted;
	uint8_t src[16];
	int64_t seen;			/* the last event: the oldest slot is taken over */
	int64_t start, burst_start;	/* the windows, unix seconds */
	int64_t events;			/* logged packets in the burst window */
	int n_ports, n_hosts;
	uint16_t ports[LOGGING_SCAN_MAX];
	uint8_t hosts[LOGGING_SCAN_MAX][16];
};

/* ---- decoding ---- */

/* Prefixes of compile.c's log statements: the longest first where one starts another. */
static const struct {
	const char *prefix, *event, *decision, *reason;
	bool pair;			/* a zone pair follows */
} kinds[] = {
	{ "sanso flow ",	  "flow",   "accept", NULL,	 true },
	{ "sanso engine accept ", "engine", "accept", "engine",	 false },
	{ "sanso refused ",	  "engine", "drop",   "engine",	 false },
	{ "sanso drop no-zone ",  "drop",   "drop",   "no-zone", false },
	{ "sanso drop ",	  "drop",   "drop",   "policy",	 true },
	{ "sanso cut ",		  "drop",   "drop",   "cut",	 false },
	{ "sanso invalid ",	  "drop",   "drop",   "invalid", false },
	{ "sanso spoof ",	  "drop",   "drop",   "spoof",	 false },
	{ "sanso isolated ",	  "drop",   "drop",   "isolated", false },
	{ "sanso uplink ",	  "drop",   "drop",   "uplink",	 false },
	{ "sanso meter ",	  "drop",   "drop",   "limit",	 false },
};

static void copy(char *dst, size_t size, const char *src, size_t len)
{
	if (len >= size)
		len = size - 1;
	memcpy(dst, src, len);
	dst[len] = '\0';
}

/* The zone of an interface, or NULL. */
static const struct zone *zone_of(const struct policy *p, const char *ifname)
{
	int z, i;

	for (z = 0; p && *ifname && z < p->n_zones; z++) {
		for (i = 0; i < p->zones[z].n_ifaces; i++) {
			if (!strcmp(p->zones[z].ifaces[i], ifname))
				return &p->zones[z];
		}
	}
	for (i = 0; p && *ifname && i < p->n_segments; i++) {
		if (!strcmp(p->segments[i].iface, ifname) && p->segments[i].zone >= 0)
			return &p->zones[p->segments[i].zone];
	}
	return NULL;
}

/* "from>to" from the prefix, its missing side (">gateway") from the interfaces. */
static void decode_pair(const struct policy *p, const char *pair, size_t len,
			struct flowlog_event *ev)
{
	const struct zone *in = zone_of(p, ev->in_iface), *out = zone_of(p, ev->out_iface);
	char buf[FLOWLOG_PAIR_MAX];

	copy(buf, sizeof(buf), pair, len);
	if (len && buf[0] == '>')
		snprintf(ev->zone_pair, sizeof(ev->zone_pair), "%.*s%.*s", POLICY_NAME_MAX - 1,
			 in ? in->id : "?", POLICY_NAME_MAX + 1, buf);
	else if (len && buf[len - 1] == '>')
		snprintf(ev->zone_pair, sizeof(ev->zone_pair), "%.*s%.*s", POLICY_NAME_MAX + 1,
			 buf, POLICY_NAME_MAX - 1, out ? out->id : "?");
	else if (len)
		snprintf(ev->zone_pair, sizeof(ev->zone_pair), "%s", buf);
	else
		snprintf(ev->zone_pair, sizeof(ev->zone_pair), "%s>%s", in ? in->id : "?",
			 out ? out->id : (*ev->out_iface ? "?" : "gateway"));
	ev->watch = in && (in->role == ZONE_INTERNET || in->role == ZONE_LGWAN);
}

/* The flow, exception or service of decision id. */
static void decode_name(const struct policy *p, const struct comp_result *cr, uint32_t id,
			struct flowlog_event *ev)
{
	const struct comp_decision *d = NULL;
	int i;

	for (i = 0; cr && p && id && i < cr->n_decisions && !d; i++)
		d = cr->decisions[i].id == id ? &cr->decisions[i] : NULL;
	if (!d)
		return;
	switch (d->kind) {
	case COMP_FLOW:
	case COMP_MGMT:
		snprintf(ev->name, sizeof(ev->name), "%s", p->flows[d->idx].name);
		snprintf(ev->approval, sizeof(ev->approval), "%s", p->flows[d->idx].approval);
		break;
	case COMP_EXCEPTION:
		snprintf(ev->name, sizeof(ev->name), "%s", p->exceptions[d->idx].id);
		snprintf(ev->approval, sizeof(ev->approval), "%s",
			 p->exceptions[d->idx].approved_by);
		break;
	case COMP_SERVICE:
		snprintf(ev->name, sizeof(ev->name), "%s", p->breakout.services[d->idx].name);
		snprintf(ev->approval, sizeof(ev->approval), "%s",
			 p->breakout.services[d->idx].approval);
		break;
	default:
		snprintf(ev->name, sizeof(ev->name), "dns");	/* the resolvers' upstream queries */
		break;
	}
}

static void decode_payload(const struct flowlog_rec *rec, struct flowlog_event *ev)
{
	struct pkt_hdrs h;

	if (!rec->payload || pkt_parse(rec->payload, rec->payload_len, &h) < 0)
		return;
	ev->family = h.family;
	memcpy(ev->src, h.src, 16);
	memcpy(ev->dst, h.dst, 16);
	ev->proto = h.l4proto;
	if (!(h.flags & PKT_F_L4))
		return;
	if (h.l4proto == IPPROTO_ICMP || h.l4proto == IPPROTO_ICMPV6) {
		ev->icmp = true;
		ev->icmp_type = h.icmp_type;
		ev->icmp_code = h.icmp_code;
	} else if (h.l4proto == IPPROTO_TCP || h.l4proto == IPPROTO_UDP ||
		   h.l4proto == IPPROTO_SCTP) {
		ev->ports = true;
		ev->sport = h.sport;
		ev->dport = h.dport;
	}
}

int flowlog_decode(const struct policy *p, const struct comp_result *cr,
		   const struct flowlog_rec *rec, struct flowlog_event *ev)
{
	size_t i, n, len;
	const char *rest;

	memset(ev, 0, sizeof(*ev));
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		n = strlen(kinds[i].prefix);
		if (!strncmp(rec->prefix, kinds[i].prefix, n))
			break;
	}
	if (i == sizeof(kinds) / sizeof(kinds[0]))
		return -EINVAL;
	ev->event_type = kinds[i].event;
	ev->decision = kinds[i].decision;
	ev->reason = kinds[i].reason;
	len = strlen(rec->prefix);
	while (len && rec->prefix[len - 1] == ' ')
		len--;
	copy(ev->rule, sizeof(ev->rule), rec->prefix, len);
	copy(ev->in_iface, sizeof(ev->in_iface), rec->in_iface, strlen(rec->in_iface));
	copy(ev->out_iface, sizeof(ev->out_iface), rec->out_iface, strlen(rec->out_iface));
	rest = rec->prefix + n;
	decode_pair(p, rest, kinds[i].pair ? strcspn(rest, " ") : 0, ev);
	if (!strcmp(ev->decision, "accept") && rec->has_mark)
		decode_name(p, cr, rec->mark & COMP_MARK_MASK, ev);
	decode_payload(rec, ev);
	return 0;
}

/* ---- formatting ---- */

void flowlog_addr(const struct flowlog_event *ev, bool dst, char *buf, size_t len)
{
	if (!ev->family || !inet_ntop(ev->family, dst ? ev->dst : ev->src, buf, (socklen_t)len))
		buf[0] = '\0';
}

static const char *proto_name(uint8_t p, char *buf, size_t len)
{
	switch (p) {
	case IPPROTO_TCP: return "TCP";
	case IPPROTO_UDP: return "UDP";
	case IPPROTO_ICMP: return "ICMP";
	case IPPROTO_ICMPV6: return "IPv6-ICMP";
	case IPPROTO_SCTP: return "SCTP";
	default:
		snprintf(buf, len, "%u", p);
		return buf;
	}
}

/* "2026-12-07T12:00:00.123456+09:00" */
static int timestamp(int64_t us, char *out, size_t len)
{
	char t[AUDIT_TIME_LEN + 1];
	int64_t s = us / 1000000;
	int r = audit_time_format(s, t);

	if (r < 0)
		return r;
	snprintf(out, len, "%.19s.%06lld%s", t, (long long)(us - s * 1000000), t + 19);
	return 0;
}

static void opt_str(struct audit_fields *f, const char *key, const char *v)
{
	if (v && *v)
		audit_field_str(f, key, v);
}

int flowlog_fields(const struct flowlog_event *ev, int64_t time_us, struct audit_fields *f)
{
	char ts[48], a[FLOWLOG_ADDR_MAX], pb[8];
	int r;

	audit_fields_init(f);
	r = timestamp(time_us, ts, sizeof(ts));
	if (r < 0)
		return r;
	audit_field_str(f, "timestamp", ts);
	audit_field_str(f, "event_type", ev->event_type);
	flowlog_addr(ev, false, a, sizeof(a));
	opt_str(f, "src_ip", a);
	if (ev->ports)
		audit_field_int(f, "src_port", ev->sport);
	flowlog_addr(ev, true, a, sizeof(a));
	opt_str(f, "dest_ip", a);
	if (ev->ports)
		audit_field_int(f, "dest_port", ev->dport);
	if (ev->family)
		audit_field_str(f, "proto", proto_name(ev->proto, pb, sizeof(pb)));
	if (ev->icmp) {
		audit_field_int(f, "icmp_type", ev->icmp_type);
		audit_field_int(f, "icmp_code", ev->icmp_code);
	}
	opt_str(f, "in_iface", ev->in_iface);
	opt_str(f, "out_iface", ev->out_iface);
	opt_str(f, "zone_pair", ev->zone_pair);
	opt_str(f, "decision", ev->decision);
	opt_str(f, "name", ev->name);
	opt_str(f, "approval", ev->approval);
	opt_str(f, "reason", ev->reason);
	if (ev->engine_reason)
		opt_str(f, "engine_reason", ev->engine_reason);
	opt_str(f, "rule", ev->rule);
	if (ev->count)
		audit_field_int(f, "count", ev->count);
	if (ev->scan_ports || ev->scan_hosts) {
		audit_field_int(f, "scan_ports", ev->scan_ports);
		audit_field_int(f, "scan_hosts", ev->scan_hosts);
	}
	return f->err;
}

/* ---- segments ---- */

static bool seg_name_ok(const char *n)
{
	size_t len = strlen(n), pl = strlen(SEG_PREFIX), sl = strlen(SEG_SUFFIX);

	return len > pl + sl && len < FLOWLOG_SEG_NAME_MAX && !strncmp(n, SEG_PREFIX, pl) &&
	       !strcmp(n + len - sl, SEG_SUFFIX) && !strchr(n, '/');
}

/* The counter of a segment name (after the time stamp's '-'), 0 when it has none. */
static unsigned long seg_counter(const char *n)
{
	size_t pl = strlen(SEG_PREFIX) + FLOWLOG_STAMP_LEN;

	return strlen(n) > pl && n[pl] == '-' ? strtoul(n + pl + 1, NULL, 10) : 0;
}

int flowlog_seg_cmp(const void *a, const void *b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;
	const char *bx = strrchr(x, '/'), *by = strrchr(y, '/');	/* paths: their names */
	size_t pl = strlen(SEG_PREFIX) + FLOWLOG_STAMP_LEN;
	unsigned long cx, cy;
	int c;

	x = bx ? bx + 1 : x;
	y = by ? by + 1 : y;
	c = strncmp(x, y, pl);
	if (c)
		return c;
	cx = seg_counter(x);
	cy = seg_counter(y);
	return cx != cy ? (cx < cy ? -1 : 1) : strcmp(x, y);
}

/* The segment names of dirfd, sorted (oldest first: the names start with their UTC time).
 * *ret is an array of *n strings, freed with names_free. */
static int seg_list(int dirfd, char ***ret, int *n)
{
	int fd = dup(dirfd), cap = 0, r = 0;
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *e;
	char **v = NULL, **nv;

	*ret = NULL;
	*n = 0;
	if (!d) {
		r = -errno;
		if (fd >= 0)
			close(fd);
		return r;
	}
	rewinddir(d);
	while ((e = readdir(d))) {
		if (!seg_name_ok(e->d_name))
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			nv = realloc(v, (size_t)cap * sizeof(*v));
			if (!nv) {
				r = -ENOMEM;
				break;
			}
			v = nv;
		}
		if (!(v[*n] = strdup(e->d_name))) {
			r = -ENOMEM;
			break;
		}
		(*n)++;
	}
	closedir(d);
	if (*n)
		qsort(v, (size_t)*n, sizeof(*v), flowlog_seg_cmp);
	*ret = v;
	return r;
}

static void names_free(char **v, int n)
{
	int i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static int write_all(int fd, const char *p, size_t len)
{
	ssize_t w;

	while (len) {
		w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		if (w == 0)
			return -EIO;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/* One record into the current segment: the chain goes on only when the whole line is in. */
static int seg_append(struct flowlog *fl, int64_t t, const char *event,
		      const struct audit_fields *f)
{
	int len = audit_format_line(fl->line, sizeof(fl->line), fl->seq + 1, fl->prev, t, ACTOR,
				    event, f);
	int r;

	if (len < 0)
		return len;
	r = write_all(fl->fd, fl->line, (size_t)len);
	if (r < 0) {
		/* a partial line would break the chain: cut it, else leave the segment */
		if (ftruncate(fl->fd, (off_t)fl->seg_bytes) < 0) {
			close(fl->fd);
			fl->fd = -1;
		}
		return r;
	}
	fl->seq++;
	sha256_buf(fl->line, (size_t)len, fl->prev);
	fl->seg_bytes += len;
	fl->dirty = true;
	fl->ckpt_pending++;
	return 0;
}

int flowlog_ckpt_msg(const struct flowlog *fl, char *buf, size_t len)
{
	if (fl->fd < 0 || !fl->seq)
		return -ENOENT;
	return audit_checkpoint_msg(fl->seq, fl->prev, buf, len) < 0 ? -EINVAL : 0;
}

int flowlog_checkpoint(struct flowlog *fl, const char *key_id, const char *sig_b64, int64_t now)
{
	char seq[24], hex[SHA256_HEX_SIZE];
	struct audit_fields f;
	int r;

	if (fl->fd < 0 || !fl->seq)
		return -ENOENT;
	snprintf(seq, sizeof(seq), "%llu", (unsigned long long)fl->seq);
	sha256_hex(fl->prev, hex);
	audit_fields_init(&f);
	audit_field_str(&f, "key", key_id);
	audit_field_str(&f, "signed_seq", seq);
	audit_field_str(&f, "signed_hash", hex);
	audit_field_str(&f, "signature", sig_b64);
	r = seg_append(fl, now, AUDIT_EV_CHECKPOINT, &f);
	if (r == 0)
		fl->ckpt_pending = 0;
	return r;
}

/* Close the current segment (synced); its name and last hash are what the next links to. */
static int seg_finish(struct flowlog *fl)
{
	int r = 0;

	if (fl->fd < 0)
		return 0;
	if (fl->dirty && fdatasync(fl->fd) < 0)
		r = -errno;
	close(fl->fd);
	fl->fd = -1;
	fl->dirty = false;
	return r;
}

/* flows-YYYYmmddTHHMMSSZ-N.jsonl: N counts the segments of that second, so a new name sorts
 * after the newest one even when the clock has not moved on (a restart in the same second)
 * or went back. */
static void seg_name(struct flowlog *fl, int64_t now, char *buf, size_t len)
{
	char stamp[sizeof(fl->seg_stamp)];
	int64_t y, days = now / 86400, sod = now % 86400;
	int m, d;

	util_civil_from_days(days, &y, &m, &d);
	snprintf(stamp, sizeof(stamp), "%04lld%02d%02dT%02d%02d%02dZ", (long long)y, m, d,
		 (int)(sod / 3600), (int)(sod / 60 % 60), (int)(sod % 60));
	if (strcmp(stamp, fl->seg_stamp) > 0) {
		memcpy(fl->seg_stamp, stamp, sizeof(stamp));
		fl->seg_ctr = 0;
	}
	snprintf(buf, len, SEG_PREFIX "%s-%lu" SEG_SUFFIX, fl->seg_stamp, ++fl->seg_ctr);
}

/* Where the names go on from: the newest segment's time and counter. */
static void seg_name_from(struct flowlog *fl, const char *newest)
{
	size_t pl = strlen(SEG_PREFIX);

	if (strlen(newest) < pl + FLOWLOG_STAMP_LEN)
		return;
	memcpy(fl->seg_stamp, newest + pl, FLOWLOG_STAMP_LEN);
	fl->seg_stamp[FLOWLOG_STAMP_LEN] = '\0';
	fl->seg_ctr = seg_counter(newest);
}

/* A segment appears whole: its first record is written into SEG_NEW (no segment name, so
 * no reader lists it) and then linked under a free name. A reader never sees a segment
 * without its header, and a name taken meanwhile is never overwritten. */
static int seg_publish(struct flowlog *fl, int64_t now, char *name, size_t len)
{
	int tries;

	for (tries = 0; tries < 100; tries++) {
		seg_name(fl, now, name, len);
		if (linkat(fl->dirfd, SEG_NEW, fl->dirfd, name, 0) == 0) {
			(void)unlinkat(fl->dirfd, SEG_NEW, 0);
			fl->seg_n++;
			return 0;
		}
		if (errno != EEXIST)
			return -errno;
	}
	return -EEXIST;
}

/* Start a segment linked to prev_seg (its last line's hash prev_hash; "" and NULL: none). */
static int seg_start(struct flowlog *fl, int64_t now, const char *prev_seg,
		     const uint8_t *prev_hash)
{
	struct audit_fields f;
	char name[FLOWLOG_SEG_NAME_MAX], hex[SHA256_HEX_SIZE];
	struct {
		uint8_t prev[SHA256_DIGEST_SIZE];
		uint64_t seq;
		int64_t seg_start, seg_bytes;
	} was;
	int fd, r;

	(void)unlinkat(fl->dirfd, SEG_NEW, 0);	/* left by a crash between write and link */
	fd = openat(fl->dirfd, SEG_NEW, O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC |
		    O_NOFOLLOW | O_NOCTTY, 0640);
	if (fd < 0)
		return -errno;
	/* the tail a retry links to if this fails */
	memcpy(was.prev, fl->prev, sizeof(was.prev));
	was.seq = fl->seq;
	was.seg_start = fl->seg_start;
	was.seg_bytes = fl->seg_bytes;
	fl->fd = fd;
	fl->seq = 0;
	memset(fl->prev, 0, sizeof(fl->prev));
	fl->seg_start = now;
	fl->seg_bytes = 0;
	audit_fields_init(&f);
	audit_field_int(&f, "version", 1);
	audit_field_str(&f, "prev_segment", prev_seg ? prev_seg : "");
	if (prev_hash)
		sha256_hex(prev_hash, hex);
	audit_field_str(&f, "prev_hash", prev_hash ? hex : "");
	r = seg_append(fl, now, EV_SEGMENT, &f);
	if (r == 0)
		r = seg_publish(fl, now, name, sizeof(name));
	if (r == 0) {
		snprintf(fl->seg, sizeof(fl->seg), "%s", name);
		return 0;
	}
	/* no segment without its first record: it would not verify */
	if (fl->fd >= 0)
		close(fl->fd);
	(void)unlinkat(fl->dirfd, SEG_NEW, 0);
	fl->seq = was.seq;
	memcpy(fl->prev, was.prev, sizeof(fl->prev));
	fl->seg_start = was.seg_start;
	fl->seg_bytes = was.seg_bytes;
	fl->fd = -1;
	return r;
}

static int retention(struct flowlog *fl, int64_t now);

/* The current segment closed, a new one linked to it; old segments deleted. */
static int seg_rotate(struct flowlog *fl, int64_t now)
{
	char prev_seg[FLOWLOG_SEG_NAME_MAX];
	uint8_t prev_hash[SHA256_DIGEST_SIZE];
	bool linked = fl->seq > 0;	/* also after a failed write: the tail is fl->prev */
	int r;

	snprintf(prev_seg, sizeof(prev_seg), "%s", fl->seg);
	memcpy(prev_hash, fl->prev, sizeof(prev_hash));
	r = seg_finish(fl);
	if (r < 0)
		linked = false;		/* its tail may not be on disk: say so by no link */
	r = seg_start(fl, now, linked ? prev_seg : NULL, linked ? prev_hash : NULL);
	if (r == 0)
		(void)retention(fl, now);	/* a failure is retried by flowlog_tick */
	return r;
}

/* The newest segment's last line, for the link from the next one. */
static int seg_tail(int dirfd, const char *name, uint8_t hash[SHA256_DIGEST_SIZE])
{
	struct audit_report rep;
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW), r;

	if (fd < 0)
		return -errno;
	r = audit_verify_fd(fd, NULL, &rep);
	close(fd);
	if (r == 0 && rep.last.seq == 0)
		r = -ENODATA;
	if (r == 0)
		memcpy(hash, rep.last.hash, SHA256_DIGEST_SIZE);
	return r;
}

/* ---- the writer ---- */

int flowlog_open(struct flowlog *fl, const char *dir, const struct logging_conf *conf,
		 int64_t now)
{
	uint8_t hash[SHA256_DIGEST_SIZE];
	char **names = NULL, last[FLOWLOG_SEG_NAME_MAX] = "";
	bool linked = false;
	int n = 0, r;

	memset(fl, 0, sizeof(*fl));
	fl->fd = -1;
	fl->conf = *conf;
	fl->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fl->dirfd < 0)
		return -errno;
	fl->rate = calloc(RATE_SLOTS, sizeof(*fl->rate));
	fl->scan = calloc(SCAN_SLOTS, sizeof(*fl->scan));
	r = fl->rate && fl->scan ? seg_list(fl->dirfd, &names, &n) : -ENOMEM;
	if (r == 0 && n) {
		snprintf(last, sizeof(last), "%s", names[n - 1]);
		seg_name_from(fl, last);
		linked = seg_tail(fl->dirfd, last, hash) == 0;	/* else: no link, a gap shows */
	}
	names_free(names, n);
	if (r == 0)
		r = seg_start(fl, now, linked ? last : NULL, linked ? hash : NULL);
	if (r < 0)
		flowlog_close(fl);
	return r;
}

void flowlog_close(struct flowlog *fl)
{
	if (fl->dirfd < 0 && fl->fd < 0)
		return;
	(void)seg_finish(fl);
	if (fl->dirfd >= 0)
		close(fl->dirfd);
	fl->dirfd = -1;
	free(fl->rate);
	free(fl->scan);
	fl->rate = NULL;
	fl->scan = NULL;
}

void flowlog_conf(struct flowlog *fl, const struct logging_conf *conf)
{
	fl->conf = *conf;
}

int flowlog_write(struct flowlog *fl, const struct flowlog_event *ev, int64_t now_us)
{
	struct audit_fields f;
	int64_t now = now_us / 1000000;
	int r;

	if (fl->dirfd < 0)
		return -EBADF;
	if (fl->fd < 0 || fl->seg_bytes >= fl->conf.segment_bytes ||
	    now - fl->seg_start >= fl->conf.segment_seconds) {
		r = seg_rotate(fl, now);
		if (r < 0)
			goto out;
	}
	r = flowlog_fields(ev, now_us, &f);
	if (r == 0)
		r = seg_append(fl, now, ev->event_type, &f);
out:
	if (r < 0) {
		fl->failed++;
		fl->gap++;
	} else {
		fl->lines++;
	}
	return r;
}

int flowlog_gap(struct flowlog *fl, int64_t now_us)
{
	struct flowlog_event ev = {
		.event_type = "gap", .decision = "none", .reason = "write-failure",
		.count = (int64_t)fl->gap,
	};
	int r;

	snprintf(ev.rule, sizeof(ev.rule), "sanso flowlog");
	r = flowlog_write(fl, &ev, now_us);
	if (r == 0)
		fl->gap = 0;
	else
		fl->gap--;		/* the gap line itself is not one of the lost */
	return r;
}

/* Segments whose last write is older than retention_days, the current one never. */
static int retention(struct flowlog *fl, int64_t now)
{
	int64_t keep = (int64_t)fl->conf.retention_days * 86400;
	char **names = NULL;
	struct stat st;
	int n = 0, i, r;

	r = seg_list(fl->dirfd, &names, &n);
	for (i = 0; r == 0 && i < n; i++) {
		if (!strcmp(names[i], fl->seg) ||
		    fstatat(fl->dirfd, names[i], &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(st.st_mode) || (int64_t)st.st_mtime >= now - keep)
			continue;
		if (unlinkat(fl->dirfd, names[i], 0) == 0)
			fl->deleted++;
		else
			r = -errno;
	}
	names_free(names, n);
	return r;
}

/* ---- rates ---- */

static bool same_src(const uint8_t *a, const uint8_t *b)
{
	return !memcmp(a, b, 16);
}

static void summary(struct flowlog *fl, struct flowlog_rate *e, int64_t now_us, int *err)
{
	struct flowlog_event ev = e->last;
	int r;

	if (!e->over)
		return;
	ev.event_type = "suppressed";
	ev.count = e->over;
	ev.ports = false;
	ev.icmp = false;
	fl->suppressed += (uint64_t)e->over;
	e->over = 0;
	r = flowlog_write(fl, &ev, now_us);
	if (r < 0 && !*err)
		*err = r;
}

/* The (rule, source) window of ev: true if ev may be written. */
static bool rate_pass(struct flowlog *fl, const struct flowlog_event *ev, int64_t now_us,
		      int *err)
{
	uint32_t rule = util_fnv32(UTIL_FNV32_BASIS, ev->rule, strlen(ev->rule));
	uint32_t h = util_fnv32(rule, ev->src, 16);
	struct flowlog_rate *e = NULL, *old = NULL;
	int64_t now = now_us / 1000000;
	int i;

	for (i = 0; i < PROBE && !e; i++) {
		struct flowlog_rate *s = &fl->rate[(h + (uint32_t)i) % RATE_SLOTS];

		if (s->used && s->rule == rule && same_src(s->src, ev->src))
			e = s;
		else if (!old || !s->used || (old->used && s->start < old->start))
			old = s;
	}
	if (!e) {
		e = old;
		if (e->used)
			summary(fl, e, now_us, err);
		*e = (struct flowlog_rate){ .used = true, .rule = rule, .start = now };
		memcpy(e->src, ev->src, 16);
	}
	if (now - e->start >= fl->conf.source_window) {
		summary(fl, e, now_us, err);
		e->start = now;
		e->lines = 0;
	}
	if (e->lines < fl->conf.source_lines) {
		e->lines++;
		return true;
	}
	e->over++;
	e->last = *ev;
	return false;
}

/* ---- scans ---- */

static bool scan_add(struct flowlog_scan *s, const struct flowlog_event *ev)
{
	int i;
	bool grew = false;

	for (i = 0; ev->ports && i < s->n_ports && s->ports[i] != ev->dport; i++)
		;
	if (ev->ports && i == s->n_ports && s->n_ports < LOGGING_SCAN_MAX) {
		s->ports[s->n_ports++] = ev->dport;
		grew = true;
	}
	for (i = 0; i < s->n_hosts && !same_src(s->hosts[i], ev->dst); i++)
		;
	if (i == s->n_hosts && s->n_hosts < LOGGING_SCAN_MAX) {
		memcpy(s->hosts[s->n_hosts++], ev->dst, 16);
		grew = true;
	}
	return grew;
}

/* The slot of ev's source: its own, else a free or the least recently seen one. */
static struct flowlog_scan *watch_slot(struct flowlog *fl, const struct flowlog_event *ev,
				       int64_t now)
{
	uint32_t h = util_fnv32(UTIL_FNV32_BASIS, ev->src, 16);
	struct flowlog_scan *s = NULL, *old = NULL;
	int i;

	for (i = 0; i < PROBE && !s; i++) {
		struct flowlog_scan *x = &fl->scan[(h + (uint32_t)i) % SCAN_SLOTS];

		if (x->used && same_src(x->src, ev->src))
			s = x;
		else if (!old || !x->used || (old->used && x->seen < old->seen))
			old = x;
	}
	if (!s) {
		s = old;
		memset(s, 0, sizeof(*s));
		s->used = true;
		s->start = s->burst_start = now;
		memcpy(s->src, ev->src, 16);
	}
	s->seen = now;
	return s;
}

/* A refusal: true once per source and window at the thresholds. */
static bool scan_check(struct flowlog *fl, struct flowlog_scan *s,
		       const struct flowlog_event *ev, int64_t now)
{
	if (strcmp(ev->decision, "drop"))
		return false;
	if (now - s->start >= fl->conf.scan_window) {
		s->start = now;
		s->n_ports = s->n_hosts = 0;
		s->alerted = false;
	}
	if (!scan_add(s, ev) || s->alerted)
		return false;
	if (s->n_ports < fl->conf.scan_ports && s->n_hosts < fl->conf.scan_hosts)
		return false;
	s->alerted = true;
	return true;
}

/* Any logged packet: true once per source and window at burst_events. */
static bool burst_check(struct flowlog *fl, struct flowlog_scan *s, int64_t now)
{
	if (now - s->burst_start >= fl->conf.burst_window) {
		s->burst_start = now;
		s->events = 0;
		s->burst_alerted = false;
	}
	if (++s->events < fl->conf.burst_events || s->burst_alerted)
		return false;
	s->burst_alerted = true;
	return true;
}

/* The "scan" or "burst" line of s, from the event that crossed the threshold. */
static void hit_line(struct flowlog *fl, const struct flowlog_event *ev,
		     const struct flowlog_scan *s, bool burst, int64_t now_us, int *err)
{
	struct flowlog_event sev = *ev;
	int r;

	sev.event_type = sev.reason = burst ? "burst" : "scan";
	sev.ports = sev.icmp = false;
	memset(sev.dst, 0, sizeof(sev.dst));
	sev.scan_ports = burst ? 0 : s->n_ports;
	sev.scan_hosts = burst ? 0 : s->n_hosts;
	sev.count = burst ? s->events : 0;
	r = flowlog_write(fl, &sev, now_us);
	if (r < 0 && !*err)
		*err = r;
}

/* Scans and bursts of a watched source: FLOWLOG_HIT_* bits, their lines written. */
static int watch(struct flowlog *fl, const struct flowlog_event *ev, int64_t now_us,
		 struct flowlog_scan_hit *hit, int *err)
{
	int64_t now = now_us / 1000000;
	struct flowlog_scan *s;
	int found = 0;

	if (!ev->watch || !ev->family)
		return 0;
	s = watch_slot(fl, ev, now);
	if (scan_check(fl, s, ev, now)) {
		found |= FLOWLOG_HIT_SCAN;
		hit_line(fl, ev, s, false, now_us, err);
	}
	if (burst_check(fl, s, now)) {
		found |= FLOWLOG_HIT_BURST;
		hit_line(fl, ev, s, true, now_us, err);
	}
	if (!found)
		return 0;
	hit->found = found;
	flowlog_addr(ev, false, hit->src, sizeof(hit->src));
	snprintf(hit->in_iface, sizeof(hit->in_iface), "%s", ev->in_iface);
	snprintf(hit->zone_pair, sizeof(hit->zone_pair), "%s", ev->zone_pair);
	hit->ports = s->n_ports;
	hit->hosts = s->n_hosts;
	hit->window = fl->conf.scan_window;
	hit->events = s->events;
	hit->burst_window = fl->conf.burst_window;
	return found;
}

int flowlog_input(struct flowlog *fl, struct flowlog_event *ev, int64_t now_us,
		  struct flowlog_scan_hit *hit)
{
	int err = 0, found, r;

	memset(hit, 0, sizeof(*hit));
	found = watch(fl, ev, now_us, hit, &err);
	if (rate_pass(fl, ev, now_us, &err)) {
		r = flowlog_write(fl, ev, now_us);
		err = err ? err : r;
	}
	return err < 0 ? err : found;
}

int flowlog_tick(struct flowlog *fl, int64_t now_us)
{
	int64_t now = now_us / 1000000;
	int err = 0, i, r;

	if (fl->dirfd < 0)
		return -EBADF;
	for (i = 0; i < RATE_SLOTS; i++) {
		struct flowlog_rate *e = &fl->rate[i];

		if (e->used && e->over && now - e->start >= fl->conf.source_window) {
			summary(fl, e, now_us, &err);
			e->start = now;
			e->lines = 0;
		}
	}
	if (fl->fd >= 0 && now - fl->seg_start >= fl->conf.segment_seconds &&
	    (r = seg_rotate(fl, now)) < 0 && !err)
		err = r;
	if (fl->fd >= 0 && fl->dirty) {
		fl->dirty = false;
		if (fdatasync(fl->fd) < 0 && !err)
			err = -errno;
	}
	if (now >= fl->next_retention) {
		fl->next_retention = now + 60;
		r = retention(fl, now);
		err = err ? err : r;
	}
	return err;
}

/* ---- verification ---- */

/* The prev_hash member of a segment's first record (64 hex digits), false if it has none. */
static bool first_link(int dirfd, const char *name, char hex[SHA256_HEX_SIZE], bool *ret_empty)
{
	char buf[AUDIT_LINE_MAX];
	struct audit_line l;
	const char *k = ",\"prev_hash\":\"", *p, *nl;
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	ssize_t n;

	*ret_empty = false;
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	nl = strchr(buf, '\n');
	if (!nl || audit_line_parse(buf, (size_t)(nl - buf), &l) < 0 ||
	    l.event_len != strlen(EV_SEGMENT) || strncmp(l.event, EV_SEGMENT, l.event_len))
		return false;
	p = memmem(l.fields, l.fields_len, k, strlen(k));
	if (!p)
		return false;
	p += strlen(k);
	if (*p == '"') {
		*ret_empty = true;
		return true;
	}
	if ((size_t)(nl - p) < SHA256_HEX_SIZE || p[SHA256_HEX_SIZE - 1] != '"')
		return false;
	memcpy(hex, p, SHA256_HEX_SIZE - 1);
	hex[SHA256_HEX_SIZE - 1] = '\0';
	return true;
}

/* One segment's chain. The newest one may be being written by the daemon: a last line cut
 * short may be one it has not finished, so with a wait (the caller's: this module does not
 * sleep) it is read again until the wait gives up, before it is called truncated. */
static int verify_seg(int dirfd, const char *name, const struct flowlog_wait *live,
		      struct flowlog_verify *ret, struct audit_report *rep)
{
	int fd, r;

	for (;;) {
		fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0)
			return -errno;
		r = audit_verify_fd(fd, NULL, rep);
		close(fd);
		if (!live || r != -EBADMSG || rep->bad != AUDIT_BAD_TRUNCATED ||
		    live->wait(live->arg) != 0)
			break;
	}
	if (r == -EBADMSG) {
		snprintf(ret->bad_seg, sizeof(ret->bad_seg), "%s", name);
		ret->bad_line = rep->line;
		ret->why = audit_bad_str(rep->bad);
	}
	ret->lines += r == -EBADMSG ? rep->line : rep->lines;
	return r;
}

/* Segment i links to segment i - 1 (whose last line hashes to prev). */
static int verify_link(int dirfd, char **names, int i, const uint8_t *prev,
		       struct flowlog_verify *ret)
{
	char hex[SHA256_HEX_SIZE], want[SHA256_HEX_SIZE];
	bool empty;

	if (!first_link(dirfd, names[i], hex, &empty)) {
		ret->why = "the first line is not a segment header";
	} else if (empty && i == 0) {
		return 0;
	} else if (i == 0) {
		ret->first_unlinked = true;	/* the one before was deleted (retention) */
		return 0;
	} else if (empty) {
		ret->why = "the segment does not link to the one before (a restart after a "
			   "damaged segment, or a segment removed)";
	} else {
		sha256_hex(prev, want);
		if (!strcmp(hex, want))
			return 0;
		ret->why = "the segment before was changed or removed (its last line does not "
			   "match the link)";
	}
	snprintf(ret->bad_seg, sizeof(ret->bad_seg), "%s", names[i]);
	ret->bad_line = 1;
	return -EBADMSG;
}

int flowlog_verify_dir(const char *dir, const struct flowlog_wait *live,
		       struct flowlog_verify *ret)
{
	struct audit_report rep;
	uint8_t prev[SHA256_DIGEST_SIZE] = { 0 };
	char **names = NULL;
	int dirfd, n = 0, i, r, first = 0;

	memset(ret, 0, sizeof(*ret));
	dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return -errno;
	r = seg_list(dirfd, &names, &n);
	for (i = 0; r == 0 && i < n; i++) {
		r = verify_seg(dirfd, names[i], i == n - 1 ? live : NULL, ret, &rep);
		if (r == -ENOENT && i == first && i < n - 1) {
			first++;	/* deleted by retention since it was listed */
			r = 0;
			continue;
		}
		if (r == 0)
			r = verify_link(dirfd, names + first, i - first, prev, ret);
		memcpy(prev, rep.last.hash, sizeof(prev));
		ret->segments++;
	}
	names_free(names, n);
	close(dirfd);
	return r;
}

int flowlog_dir_size(const char *dir, int64_t *ret_bytes, int *ret_segments)
{
	char **names = NULL;
	struct stat st;
	int64_t sum = 0;
	int dirfd, n = 0, i, r;

	dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return -errno;
	r = seg_list(dirfd, &names, &n);
	for (i = 0; r == 0 && i < n; i++) {
		if (fstatat(dirfd, names[i], &st, AT_SYMLINK_NOFOLLOW) == 0)
			sum += st.st_size;
		else if (errno != ENOENT)	/* deleted by retention meanwhile */
			r = -errno;
	}
	names_free(names, n);
	close(dirfd);
	if (r == 0) {
		*ret_bytes = sum;
		*ret_segments = n;
	}
	return r;
}
