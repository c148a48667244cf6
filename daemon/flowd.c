/* SPDX-License-Identifier: GPL-2.0-only */
/* flowd.c: the flow log in the daemon; see flowd.h. */
#include <errno.h>
#include <net/if.h>
#include <string.h>
#include <time.h>

#include "alert.h"
#include "flowd.h"
#include "flowhits.h"
#include "log.h"
#include "nflog.h"
#include "queue.h"
#include "sign.h"

#define IFCACHE		64

static struct {
	bool on;			/* --flow-log given and the writer open */
	struct nflog nl;
	struct flowlog fl;
	struct daemon *d;
	int err;			/* the last write error, 0: writing */
	int64_t alert_at;		/* real seconds of the last failure alert */
	int64_t retry_at;		/* real seconds of the last try to write again */
	int64_t ckpt_at;		/* real seconds of the last signed checkpoint (or try) */
	uint64_t lost, bad;		/* reported so far */
	const void *policy;		/* the generation the names come from */
	struct { unsigned idx; char name[IF_NAMESIZE]; } ifc[IFCACHE];
} F = { .nl = { .group = -1 }, .fl = { .dirfd = -1, .fd = -1 } };

static int64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void flowlog_scan_alert(const struct flowlog_scan_hit *h)
{
	if (h->found & FLOWLOG_HIT_SCAN)
		alert_raise("scan.detected", "scan detected: source %s on %s (%s) refused at %d "
			    "ports and %d hosts within %d s", h->src, h->in_iface, h->zone_pair,
			    h->ports, h->hosts, h->window);
	if (h->found & FLOWLOG_HIT_BURST)
		alert_raise("burst.detected", "burst detected: source %s on %s (%s): %lld logged "
			    "packets within %d s", h->src, h->in_iface, h->zone_pair,
			    (long long)h->events, h->burst_window);
}

static bool blocks(void)
{
	return F.d->cur.policy && F.d->cur.policy->logging.block_on_failure;
}

static void failed(int err)
{
	int64_t now = now_us() / 1000000;

	F.d->flowlog_blocks = blocks();
	if (err == F.err && now - F.alert_at < FLOWD_ALERT_S)
		return;
	if (!F.err)
		F.retry_at = now;
	F.err = err;
	F.alert_at = now;
	alert_raise("flowlog.failing", "flow log '%s': %s: lines are lost; %s", F.d->o.flow_log,
		    strerror(-err), F.d->flowlog_blocks ? "traffic between zones is cut until it "
		    "is written again (logging.on_failure = block-crosszone)" : "traffic keeps its "
		    "policy (logging.on_failure = alert-only)");
}

/* Writing works again after a failure (the gap line is in, or a later line): the zones are
 * opened again. */
static void resumed(uint64_t lost)
{
	log_info("flow log '%s': writing again after %llu lost lines%s", F.d->o.flow_log,
		 (unsigned long long)lost, F.d->flowlog_blocks ?
		 "; traffic between zones follows the policy again" : "");
	F.err = 0;
	F.d->flowlog_blocks = false;
}

/* The first line after a failure says how many were lost (flowlog.h, gaps). */
static int write_gap(void)
{
	uint64_t lost = F.fl.gap;
	int r = flowlog_gap(&F.fl, now_us());

	if (r == 0)
		resumed(lost);
	return r;
}

/* ifindex -> name, cached (if_indextoname opens a socket per call); "" if unknown. */
static const char *ifname(unsigned idx)
{
	unsigned slot = idx % IFCACHE;

	if (!idx)
		return "";
	if (F.ifc[slot].idx != idx) {
		if (!if_indextoname(idx, F.ifc[slot].name))
			return "";
		F.ifc[slot].idx = idx;
	}
	return F.ifc[slot].name;
}

static void count_hit(const struct flowlog_event *ev);	/* at the end */

static void on_pkt(void *arg, const struct nflog_pkt *p)
{
	struct daemon *d = arg;
	struct flowlog_rec rec = {
		.prefix = p->prefix, .mark = p->mark, .has_mark = p->has_mark,
		.payload = p->payload, .payload_len = p->payload_len,
	};
	struct flowlog_event ev;
	struct flowlog_scan_hit hit;
	char in[IF_NAMESIZE], out[IF_NAMESIZE];
	int r;

	snprintf(in, sizeof(in), "%s", ifname(p->indev));
	snprintf(out, sizeof(out), "%s", ifname(p->outdev));
	rec.in_iface = in;
	rec.out_iface = out;
	if (flowlog_decode(d->cur.policy, d->cur.cr, &rec, &ev) < 0)
		return;		/* not one of ours: another table's log to this group */
	if (d->engine && ev.family && !strcmp(ev.event_type, "engine") &&
	    !strcmp(ev.decision, "drop"))
		ev.engine_reason = queue_refusal_why(&d->q, ev.family, ev.src, ev.dst,
						     ev.ports ? ev.sport : 0,
						     ev.ports ? ev.dport : 0, ev.proto);
	count_hit(&ev);
	r = flowlog_input(&F.fl, &ev, now_us(), &hit);
	if (hit.found)
		flowlog_scan_alert(&hit);
	if (r < 0)
		failed(r);
	else if (F.err && write_gap() < 0)
		failed(-EIO);
}

static void bind_group(struct daemon *d)
{
	int g = d->cur.policy ? d->cur.policy->logging.group : LOGGING_GROUP, r;

	if (F.nl.nl && F.nl.group == g)
		return;
	nflog_close(&F.nl);
	r = nflog_open(&F.nl, (uint16_t)g);
	if (r < 0)
		log_alert("flow log: cannot bind NFLOG group %d: %s%s: drops and flows are not "
			  "logged", g, strerror(-r), r == -EBUSY ? " (another listener, e.g. "
			  "ulogd, has it: choose another logging.group)" : "");
	else
		log_info("flow log: NFLOG group %d -> '%s'", g, d->o.flow_log);
}

void flowd_start(struct daemon *d)
{
	int r;

	F.d = d;
	if (!d->o.flow_log || !d->cur.policy)
		return;
	r = flowlog_open(&F.fl, d->o.flow_log, &d->cur.policy->logging, now_us() / 1000000);
	if (r < 0) {
		failed(r);
		return;
	}
	F.on = true;
	F.policy = d->cur.policy;
	bind_group(d);
	if (F.err)		/* opened again: the gap line says so */
		(void)write_gap();
}

/* The segment's head signed with the gateway's key (sansoctl keygen), as the audit trail's
 * (trail.c): every FLOWD_CKPT_LINES lines or FLOWD_CKPT_S seconds, and at stop. */
static void checkpoint(void)
{
	char msg[160], b64[SIGN_B64_LEN + 1], id[SIGN_KEYID_LEN + 1];
	int64_t now = now_us() / 1000000;
	int r;

	F.ckpt_at = now;
	if (!F.d->o.state_dir || !F.fl.ckpt_pending || F.err ||
	    flowlog_ckpt_msg(&F.fl, msg, sizeof(msg)) < 0)
		return;
	r = sign_msg(F.d->o.state_dir, msg, strlen(msg), b64, id);
	if (r == -ENOENT) {		/* no key: try again after the next batch */
		F.fl.ckpt_pending = 0;
		return;
	}
	if (r < 0) {
		log_warnx("flow log: cannot sign a checkpoint: %s", strerror(-r));
		return;
	}
	r = flowlog_checkpoint(&F.fl, id, b64, now);
	if (r < 0)
		failed(r);
}

void flowd_stop(void)
{
	nflog_close(&F.nl);
	if (F.on) {
		checkpoint();
		flowlog_close(&F.fl);
	}
	F.on = false;
}

int flowd_fd(void)
{
	return F.on ? nflog_fd(&F.nl) : -1;
}

void flowd_input(struct daemon *d)
{
	if (F.on)
		(void)nflog_read(&F.nl, on_pkt, d);
}

void flowd_tick(struct daemon *d)
{
	int r;

	if (!d->o.flow_log)
		return;
	if (!F.on) {		/* the directory could not be opened: try again */
		if (now_us() / 1000000 - F.retry_at >= FLOWD_RETRY_S) {
			F.retry_at = now_us() / 1000000;
			flowd_start(d);
		}
		return;
	}
	if (F.err && now_us() / 1000000 - F.retry_at >= FLOWD_RETRY_S) {
		F.retry_at = now_us() / 1000000;	/* no line came: try the gap line */
		r = write_gap();
		if (r < 0)
			failed(r);	/* also: a reload to block-crosszone blocks now */
	}
	if (F.policy != d->cur.policy && d->cur.policy) {
		F.policy = d->cur.policy;
		flowlog_conf(&F.fl, &d->cur.policy->logging);
		memset(F.ifc, 0, sizeof(F.ifc));
		bind_group(d);
	}
	if (F.fl.ckpt_pending >= FLOWD_CKPT_LINES ||
	    (F.fl.ckpt_pending && now_us() / 1000000 - F.ckpt_at >= FLOWD_CKPT_S))
		checkpoint();
	r = flowlog_tick(&F.fl, now_us());
	if (r < 0)
		failed(r);
	else if (F.err && F.policy && !blocks())
		F.d->flowlog_blocks = false;	/* a reload to alert-only */
	if (F.nl.lost != F.lost || F.nl.bad != F.bad) {
		log_warnx("flow log: %llu NFLOG overflows, %llu malformed messages so far",
			  (unsigned long long)F.nl.lost, (unsigned long long)F.nl.bad);
		F.lost = F.nl.lost;
		F.bad = F.nl.bad;
	}
}

int flowd_state(char *why, size_t len, bool ja)
{
	if (!F.d || !F.d->o.flow_log) {
		snprintf(why, len, "%s", ja ? "sansod に --flow-log がありません" :
			 "sansod runs without --flow-log");
		return 0;
	}
	if (!F.on || F.err || !F.nl.nl) {
		snprintf(why, len, ja ? "'%s' に書けません: %s" : "'%s' not written: %s",
			 F.d->o.flow_log, F.err ? strerror(-F.err) : !F.on ?
			 (ja ? "ディレクトリを開けません" : "the directory cannot be opened") :
			 (ja ? "NFLOG グループに接続できません" : "the NFLOG group is not bound"));
		return F.err ? F.err : -EIO;
	}
	snprintf(why, len, ja ? "'%s' に記録中: %llu 行、抑制 %llu、NFLOG あふれ %llu "
		 "(改ざん検知は sansoctl flowlog verify)" : "writing '%s': %llu lines, %llu "
		 "suppressed, %llu NFLOG overflows (chain: sansoctl flowlog verify)",
		 F.d->o.flow_log, (unsigned long long)F.fl.lines,
		 (unsigned long long)F.fl.suppressed, (unsigned long long)F.nl.lost);
	return 1;
}

/* ---- connections the kernel accepted, by name (the report, sansoctl stats) ---- */

/* Counted before the writer's rate limit, so its "suppressed" summaries are never added
 * again. Kept across reloads: a name that stays names the same flow, and the count runs
 * from sansod's start. Static (80 KiB): nothing is allocated per packet. */
static struct flowhits hits_tab;

static void count_hit(const struct flowlog_event *ev)
{
	flowhits_event(&hits_tab, ev);
}

int flowd_hits(struct flowd_hit *out, int max, uint64_t *ret_other)
{
	const char *name;
	uint64_t n;
	int i = 0, k = 0;

	if (!F.d || !F.d->o.flow_log)
		return -ENODATA;
	while (k < max && (i = flowhits_next(&hits_tab, i, &name, &n)) >= 0) {
		snprintf(out[k].name, sizeof(out[k].name), "%s", name);
		out[k++].n = n;
	}
	*ret_other = hits_tab.unnamed + hits_tab.other;
	return k;
}
