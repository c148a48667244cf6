/* SPDX-License-Identifier: GPL-2.0-only */
/* mwin.c: remote maintenance windows in the daemon; see mwin.h and maint.h. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctdel.h"
#include "ctev.h"
#include "gen.h"
#include "kdump.h"
#include "log.h"
#include "mwin.h"
#include "reply.h"
#include "state.h"
#include "trail.h"

#define MW_SESS_MAX	256		/* sessions whose end is awaited (start recorded) */
#define MW_LINGER_S	30		/* the subscription outlives the last window this long */

static struct mw_rt {
	struct ctev ct;
	uint32_t mark[MW_MAX];		/* decision id of each window (0: not compiled yet) */
	unsigned gen;			/* generation the marks were read from */
	bool gen_known;
	struct { uint32_t ctid; int w; } sess[MW_SESS_MAX];
	int n_sess;
	int64_t linger_until;
	uint64_t lost_seen;
	bool dirty;			/* counts changed: saved at the next tick */
} rt;

static void subscription(struct daemon *d, int64_t now);

struct kc_ctx {
	char want[64];			/* the rule's comment */
	uint64_t v[2];			/* packets, bytes */
	bool found;
};

static void kc_cb(void *arg, const char *chain, int idx, const char *comment, uint64_t pkts,
		  uint64_t bytes)
{
	struct kc_ctx *k = arg;

	(void)chain;
	(void)idx;
	if (strcmp(comment, k->want))
		return;
	k->v[0] += pkts;
	k->v[1] += bytes;
	k->found = true;
}

/* The counter of the window's rule (compile.c: rules_window_counters) in the kernel now:
 * kc, or NULL when the window is not compiled (or the kernel cannot be read). */
static const uint64_t *kernel_counter(struct daemon *d, const struct mwin *w, uint64_t kc[2])
{
	struct kc_ctx k = { .found = false };
	int r;

	if (w->state != MW_ACTIVE || !d->cur.cr)
		return NULL;
	snprintf(k.want, sizeof(k.want), "maintenance window %s", w->id);
	pthread_mutex_lock(&d->ap_lock);
	r = kdump_counters(kc_cb, &k);
	pthread_mutex_unlock(&d->ap_lock);
	if (r < 0 || !k.found)
		return NULL;
	kc[0] = k.v[0];
	kc[1] = k.v[1];
	return kc;
}

static const char *arg(const struct ctl_req *q, const char *k)
{
	const char *v = ctl_req_get(q, k);

	return v ? v : "";
}

/* The kernel counter of w as two strings for the trail ("unknown" when it cannot be read). */
static void kernel_counter_text(struct daemon *d, const struct mwin *w, char p[24], char b[24])
{
	uint64_t kc[2];

	if (!kernel_counter(d, w, kc)) {
		snprintf(p, 24, "unknown");
		snprintf(b, 24, "unknown");
		return;
	}
	snprintf(p, 24, "%" PRIu64, kc[0]);
	snprintf(b, 24, "%" PRIu64, kc[1]);
}

/* Room for one more: the oldest ended window goes. */
static int make_room(struct daemon *d)
{
	int i;

	if (d->ops.n_mw < MW_MAX)
		return 0;
	for (i = 0; i < d->ops.n_mw; i++) {
		if (d->ops.mw[i].state != MW_PROPOSED && d->ops.mw[i].state != MW_ACTIVE)
			break;
	}
	if (i == d->ops.n_mw)
		return -ENOSPC;
	memmove(&d->ops.mw[i], &d->ops.mw[i + 1], (size_t)(d->ops.n_mw - i - 1) * sizeof(d->ops.mw[0]));
	d->ops.n_mw--;
	rt.gen_known = false;		/* indices moved */
	memset(rt.mark, 0, sizeof(rt.mark));
	rt.n_sess = 0;
	return 0;
}

static int next_number(const struct daemon *d)
{
	int i, n = 0, k;

	for (i = 0; i < d->ops.n_mw; i++) {
		k = atoi(d->ops.mw[i].id + 3);
		n = k > n ? k : n;
	}
	return n + 1;
}

static const struct reply_why why_range = { "in the past or more than 24 h ahead",
					   "過去か、24 時間より先です" };
static const struct reply_why why_until = { "+N[smh] or an RFC 3339 time",
					   "+N[smh] か RFC 3339 の時刻を指定してください" };
static const struct reply_why why_state = { "not a proposed window", "申請中の窓ではありません" };
static const struct reply_why why_self = {
	"the approver must be another person than the proposer (R62)",
	"承認者は申請者と別の人でなければなりません (R62)" };
static const struct reply_why why_over = { "its time is over", "期限が過ぎています" };
static const struct reply_why why_invalid = {
	"the window is not valid against the policy (see above); nothing changed",
	"この窓はポリシーに照らして正しくありません (上記参照)。何も変わっていません" };
static const struct reply_why why_ended = { "the window has ended already",
					   "この窓は既に終わっています" };

/* The proposal from the request: 0, or the reply's status. */
static int from_request(struct daemon *d, const struct ctl_req *q, struct mwin *w, FILE *out)
{
	int64_t now = gen_clock(&d->o);
	char why[160];
	int r;

	memset(w, 0, sizeof(*w));
	snprintf(w->vendor, sizeof(w->vendor), "%s", arg(q, "vendor"));
	snprintf(w->from, sizeof(w->from), "%s", arg(q, "from"));
	snprintf(w->to, sizeof(w->to), "%s", arg(q, "to"));
	snprintf(w->proto, sizeof(w->proto), "%s", arg(q, "proto"));
	snprintf(w->ports, sizeof(w->ports), "%s", arg(q, "ports"));
	snprintf(w->reason, sizeof(w->reason), "%s", arg(q, "reason"));
	if (mw_check(w, why, sizeof(why)) < 0) {
		REPLY(d, out, "refused: %s\n", "拒否: %s\n", why);
		return CTL_ERR_INVALID;
	}
	r = mw_until_parse(arg(q, "until"), now, &w->until_t);
	if (r < 0) {
		REPLY(d, out, "refused: --until '%s': %s\n", "拒否: --until '%s': %s\n",
		      arg(q, "until"), reply_why(d, r == -ERANGE ? &why_range : &why_until));
		return CTL_ERR_INVALID;
	}
	if (!d->cur.policy || policy_host_find(d->cur.policy, w->to) < 0) {
		REPLY(d, out, "refused: --to '%s' is not a host of the policy in force\n",
		      "拒否: --to '%s' は実施中のポリシーのホストではありません\n", w->to);
		return CTL_ERR_INVALID;
	}
	comp_time_text(w->until_t, w->until, sizeof(w->until));
	w->opened_at = now;
	w->state = MW_PROPOSED;
	return CTL_OK;
}

/* A proposal is checked at once as if it were approved: what the invariants refuse is never
 * proposed. */
static bool valid_now(struct daemon *d, const struct mwin *w)
{
	struct ops *o = malloc(sizeof(*o));
	bool ok;

	if (!o)
		return false;
	*o = d->ops;
	if (o->n_mw >= MW_MAX) {
		free(o);
		return false;
	}
	o->mw[o->n_mw] = *w;
	o->mw[o->n_mw].state = MW_ACTIVE;
	snprintf(o->mw[o->n_mw].by2, sizeof(o->mw[0].by2), "(check)");
	o->n_mw++;
	ok = gen_check_ops(d, o) == 0;
	free(o);
	return ok;
}

int mw_h_open(struct daemon *d, const struct ctl_peer *peer, const struct ctl_req *q, FILE *out)
{
	struct mwin w;
	int r = from_request(d, q, &w, out);

	if (r != CTL_OK)
		return r;
	if (make_room(d) < 0) {
		REPLY(d, out, "refused: %d windows are proposed or active\n",
		      "拒否: 申請中または有効な窓が既に %d 個あります\n", MW_MAX);
		return CTL_ERR_FAILED;
	}
	snprintf(w.id, sizeof(w.id), "mw-%d", next_number(d));
	snprintf(w.by, sizeof(w.by), "%s", peer->name);
	w.uid = peer->uid;
	if (!valid_now(d, &w)) {
		REPLY(d, out, "refused: the window is not valid against the policy (see above)\n",
		      "拒否: この窓はポリシーに照らして正しくありません (上記参照)\n");
		return CTL_ERR_FAILED;
	}
	if (trail_audit(d, peer->name, AUDIT_EV_MAINT_OPEN, "id", w.id, "vendor", w.vendor,
			 "from", w.from, "to", w.to, "proto", w.proto, "ports", w.ports, "until",
			 w.until, "reason", w.reason, NULL) < 0) {
		REPLY(d, out, "refused: the audit trail cannot be written\n",
		      "拒否: 監査証跡に書き込めません\n");
		return CTL_ERR_FAILED;
	}
	d->ops.mw[d->ops.n_mw++] = w;
	state_save(d);
	log_info("maintenance window %s proposed by %s: %s -> %s until %s", w.id, peer->name,
		 w.from, w.to, w.until);
	REPLY(d, out, "%s\nproposed maintenance window %s until %s; another person approves it "
	      "with: sansoctl maintenance approve %s\n", "%s\n保守の窓 %s を %s まで申請しました。"
	      "別の人が次のコマンドで承認します: sansoctl maintenance approve %s\n", w.id, w.id,
	      w.until, w.id);
	return CTL_OK;
}

static struct mwin *find(struct daemon *d, const struct ctl_req *q, FILE *out)
{
	int i = mw_find(d->ops.mw, d->ops.n_mw, ctl_req_get(q, "id"));

	if (i < 0)
		REPLY(d, out, "no maintenance window '%s'\n", "保守の窓 '%s' はありません\n",
		      arg(q, "id"));
	return i < 0 ? NULL : &d->ops.mw[i];
}

static int refuse(struct daemon *d, const struct ctl_peer *peer, const struct mwin *w,
		  const struct reply_why *why, FILE *out, int status)
{
	(void)trail_audit(d, peer->name, AUDIT_EV_MAINT_REFUSED, "id", w->id, "why", why->en,
			  NULL);
	REPLY(d, out, "refused: %s\n", "拒否: %s\n", reply_why(d, why));
	return status;
}

int mw_h_approve(struct daemon *d, const struct ctl_peer *peer, const struct ctl_req *q,
		 FILE *out)
{
	struct mwin *w = find(d, q, out), save;

	if (!w)
		return CTL_ERR_INVALID;
	if (w->state != MW_PROPOSED)
		return refuse(d, peer, w, &why_state, out, CTL_ERR_INVALID);
	if (peer->uid == w->uid)
		return refuse(d, peer, w, &why_self, out, CTL_ERR_DENIED);
	if (w->until_t <= gen_clock(&d->o))
		return refuse(d, peer, w, &why_over, out, CTL_ERR_INVALID);
	if (trail_audit(d, peer->name, AUDIT_EV_MAINT_APPROVE, "id", w->id, "opened_by", w->by,
			 "vendor", w->vendor, "from", w->from, "to", w->to, "proto", w->proto,
			 "ports", w->ports, "until", w->until, NULL) < 0) {
		REPLY(d, out, "refused: the audit trail cannot be written\n",
		      "拒否: 監査証跡に書き込めません\n");
		return CTL_ERR_FAILED;
	}
	save = *w;
	w->state = MW_ACTIVE;
	snprintf(w->by2, sizeof(w->by2), "%s", peer->name);
	w->uid2 = peer->uid;
	w->approved_at = gen_clock(&d->o);
	if (gen_apply_ops(d) != 0) {
		*w = save;
		return refuse(d, peer, w, &why_invalid, out, CTL_ERR_FAILED);
	}
	state_save(d);
	subscription(d, gen_clock(&d->o));	/* before the first session */
	log_info("maintenance window %s approved by %s: open until %s", w->id, peer->name, w->until);
	REPLY(d, out, "maintenance window %s open until %s: generation %u applied\n",
	      "保守の窓 %s を %s まで開きました: 第 %u 世代を適用\n", w->id, w->until,
	      d->generation);
	return CTL_OK;
}

/* The decision id each window's connections carry (read once per generation; a window no
 * longer compiled keeps its last id: its sessions still end). */
static void refresh_marks(const struct daemon *d)
{
	const struct comp_result *cr = d->cur.cr;
	const struct policy *p = d->cur.policy;
	int i, j;

	if (!cr || !p || (rt.gen_known && rt.gen == d->generation))
		return;
	for (i = 0; i < cr->n_decisions; i++) {
		if (cr->decisions[i].kind != COMP_EXCEPTION || cr->decisions[i].idx >= p->n_exceptions)
			continue;
		j = mw_find(d->ops.mw, d->ops.n_mw, p->exceptions[cr->decisions[i].idx].id);
		if (j >= 0)
			rt.mark[j] = cr->decisions[i].id;
	}
	rt.gen = d->generation;
	rt.gen_known = true;
}

static void suppressed_record(struct daemon *d, const struct mwin *w)
{
	char n[24];

	if (!w->suppressed)
		return;
	snprintf(n, sizeof(n), "%" PRIu64, w->suppressed);
	(void)trail_audit(d, "sansod", AUDIT_EV_MAINT_SUPPRESSED, "id", w->id, "count", n, NULL);
}

/* Its sessions are cut in the kernel already (the id left @live): forget them now, so their
 * ends (with bytes) reach the trail. */
static void end_sessions(struct daemon *d, int i)
{
	refresh_marks(d);
	if (rt.mark[i] && ctdel_mark(rt.mark[i]) < 0)
		log_warnx("maintenance window %s: its connections could not be deleted",
			  d->ops.mw[i].id);
	rt.linger_until = gen_clock(&d->o) + MW_LINGER_S;
}

int mw_h_close(struct daemon *d, const struct ctl_peer *peer, const struct ctl_req *q, FILE *out)
{
	struct mwin *w = find(d, q, out), save;
	char kp[24], kb[24];

	if (!w)
		return CTL_ERR_INVALID;
	if (w->state != MW_PROPOSED && w->state != MW_ACTIVE)
		return refuse(d, peer, w, &why_ended, out, CTL_ERR_INVALID);
	kernel_counter_text(d, w, kp, kb);
	if (trail_audit(d, peer->name, AUDIT_EV_MAINT_CLOSE, "id", w->id, "was",
			 mw_state_name(w->state), "reason", arg(q, "reason"), "kernel_packets", kp,
			 "kernel_bytes", kb, NULL) < 0) {
		REPLY(d, out, "refused: the audit trail cannot be written\n",
		      "拒否: 監査証跡に書き込めません\n");
		return CTL_ERR_FAILED;
	}
	refresh_marks(d);
	save = *w;
	w->state = MW_CLOSED;
	w->ended_at = gen_clock(&d->o);
	w->end_reported = true;
	if (save.state == MW_ACTIVE && gen_apply_ops(d) != 0) {
		*w = save;
		REPLY(d, out, "refused: the new generation could not be applied\n",
		      "拒否: 新しい世代を適用できませんでした\n");
		return CTL_ERR_FAILED;
	}
	if (save.state == MW_ACTIVE)
		end_sessions(d, (int)(w - d->ops.mw));
	suppressed_record(d, w);
	state_save(d);
	log_info("maintenance window %s closed by %s", w->id, peer->name);
	REPLY(d, out, "maintenance window %s closed: generation %u applied\n",
	      "保守の窓 %s を閉じました: 第 %u 世代を適用\n", w->id, d->generation);
	return CTL_OK;
}

int mw_h_list(struct daemon *d, const struct ctl_peer *peer __attribute__((unused)),
	      const struct ctl_req *q, FILE *out)
{
	const char *f = ctl_req_get(q, "format");
	uint64_t kc[2];
	int i;

	if (f && !strcmp(f, "json")) {
		fprintf(out, "{\"windows\":[");
		for (i = 0; i < d->ops.n_mw; i++) {
			if (i)
				fputc(',', out);
			mw_json(&d->ops.mw[i], kernel_counter(d, &d->ops.mw[i], kc), out);
		}
		fprintf(out, "]}\n");
		return CTL_OK;
	}
	if (!d->ops.n_mw)
		REPLY(d, out, "no maintenance windows\n", "保守の窓はありません\n");
	for (i = 0; i < d->ops.n_mw; i++)
		mw_print(&d->ops.mw[i], kernel_counter(d, &d->ops.mw[i], kc), out);
	return CTL_OK;
}

void mwin_status(const struct daemon *d, FILE *out)
{
	int i;

	for (i = 0; i < d->ops.n_mw; i++) {
		const struct mwin *w = &d->ops.mw[i];

		if (w->state == MW_ACTIVE)
			fprintf(out, "maintenance: %s OPEN for %s: %s -> %s %s %s until %s "
				"(approved by %s), sessions %" PRIu64 "\n", w->id, w->vendor,
				w->from, w->to, w->proto, w->ports, w->until, w->by2, w->sessions);
		else if (w->state == MW_PROPOSED)
			fprintf(out, "maintenance: %s proposed by %s, waiting for approval\n", w->id,
				w->by);
		else if (w->state == MW_TAMPERED)
			fprintf(out, "WARNING:     maintenance window %s: its state line was changed "
				"outside sansod; it is not applied\n", w->id);
	}
}

void mwin_status_json(const struct daemon *d, FILE *out)
{
	int i, n = 0;

	fprintf(out, ", \"maintenance_windows\": [");
	for (i = 0; i < d->ops.n_mw; i++) {
		if (d->ops.mw[i].state != MW_ACTIVE && d->ops.mw[i].state != MW_PROPOSED &&
		    d->ops.mw[i].state != MW_TAMPERED)
			continue;
		fprintf(out, "%s", n++ ? ", " : "");
		mw_json(&d->ops.mw[i], NULL, out);
	}
	fprintf(out, "]");
}

/* One window's end: expired (or a proposal that was never approved in time). */
static bool expire_one(struct daemon *d, int i, int64_t now)
{
	struct mwin *w = &d->ops.mw[i];
	char s[24], b[24], kp[24], kb[24];

	if (w->state == MW_TAMPERED && !w->end_reported) {
		if (trail_audit(d, "sansod", AUDIT_EV_MAINT_TAMPERED, "id", w->id, "until",
				 w->until, NULL) < 0)
			return false;
		log_warnx("maintenance window %s: its state line was changed outside sansod: not applied",
			  w->id);
		w->end_reported = true;
		return true;
	}
	if ((w->state != MW_ACTIVE && w->state != MW_PROPOSED) || w->until_t > now)
		return false;
	snprintf(s, sizeof(s), "%" PRIu64, w->sessions);
	snprintf(b, sizeof(b), "%" PRIu64, w->bytes);
	kernel_counter_text(d, w, kp, kb);
	if (trail_audit(d, "sansod", AUDIT_EV_MAINT_EXPIRE, "id", w->id, "until", w->until,
			 "was", mw_state_name(w->state), "sessions", s, "bytes", b,
			 "kernel_packets", kp, "kernel_bytes", kb, NULL) < 0)
		return false;
	log_info("maintenance window %s ended at %s", w->id, w->until);
	if (w->state == MW_ACTIVE)
		end_sessions(d, i);
	w->state = MW_EXPIRED;
	w->ended_at = w->until_t;
	w->end_reported = true;
	suppressed_record(d, w);
	return true;
}

static void subscription(struct daemon *d, int64_t now)
{
	bool want = now < rt.linger_until && d->cur.cr;
	char n[24];
	int i, r;

	for (i = 0; d->cur.cr && i < d->ops.n_mw && !want; i++)	/* cr: ids to watch */
		want = d->ops.mw[i].state == MW_ACTIVE;
	if (want && !rt.ct.nl) {
		r = ctev_open(&rt.ct);
		if (r < 0)
			log_warnx("maintenance windows: conntrack events unavailable (%s): sessions "
				  "are not recorded", strerror(-r));
		else if (rt.ct.acct_off)
			log_warnx("maintenance windows: conntrack accounting is off and cannot be "
				  "turned on here: sessions are recorded without bytes (set "
				  "net.netfilter.nf_conntrack_acct = 1 in sysctl.d)");
	} else if (!want && rt.ct.nl) {
		ctev_close(&rt.ct);
		rt.n_sess = 0;
	}
	if (rt.ct.lost != rt.lost_seen) {
		snprintf(n, sizeof(n), "%" PRIu64, rt.ct.lost - rt.lost_seen);
		if (trail_audit(d, "sansod", AUDIT_EV_MAINT_LOST, "overflows", n, NULL) == 0)
			rt.lost_seen = rt.ct.lost;
	}
}

void mwin_tick(struct daemon *d, int64_t now)
{
	bool changed = false;
	int i;

	for (i = 0; !d->audit_failed && i < d->ops.n_mw; i++)
		changed |= expire_one(d, i, now);
	if (changed || rt.dirty)
		state_save(d);
	rt.dirty = false;
	subscription(d, now);
}

int mwin_fd(void)
{
	return ctev_fd(&rt.ct);
}

static int window_of(const struct daemon *d, uint32_t mark)
{
	int i;

	mark &= COMP_MARK_MASK;
	for (i = 0; mark && i < d->ops.n_mw; i++) {
		if (rt.mark[i] == mark)
			return i;
	}
	return -1;
}

static void session_start(struct daemon *d, int i, const struct ctev_event *e,
			  const char *src, const char *dst, const char *sp, const char *dp)
{
	struct mwin *w = &d->ops.mw[i];

	w->sessions++;
	if (w->sessions - w->suppressed > MW_SESSIONS_AUDIT || rt.n_sess >= MW_SESS_MAX) {
		w->suppressed++;	/* counted; one record at the window's end */
		return;
	}
	if (trail_audit(d, "sansod", AUDIT_EV_MAINT_SESSION_START, "id", w->id, "vendor",
			 w->vendor, "src", src, "dst", dst, "proto", w->proto, "sport", sp, "dport",
			 dp, NULL) < 0)
		return;
	rt.sess[rt.n_sess].ctid = e->id;
	rt.sess[rt.n_sess++].w = i;
}

static void session_end(struct daemon *d, int i, const struct ctev_event *e,
			const char *src, const char *dst, const char *sp, const char *dp)
{
	struct mwin *w = &d->ops.mw[i];
	char b[24], p[24];
	int k;

	w->bytes += e->bytes;
	for (k = 0; k < rt.n_sess && (rt.sess[k].ctid != e->id || rt.sess[k].w != i); k++)
		;
	if (k == rt.n_sess)
		return;			/* its start was not recorded: neither is its end */
	rt.sess[k] = rt.sess[--rt.n_sess];
	snprintf(b, sizeof(b), "%" PRIu64, e->bytes);
	snprintf(p, sizeof(p), "%" PRIu64, e->packets);
	(void)trail_audit(d, "sansod", AUDIT_EV_MAINT_SESSION_END, "id", w->id, "vendor",
			   w->vendor, "src", src, "dst", dst, "proto", w->proto, "sport", sp,
			   "dport", dp, "bytes", e->counted ? b : "unknown",
			   "packets", e->counted ? p : "unknown", NULL);
}

static void on_event(void *arg, const struct ctev_event *e)
{
	struct daemon *d = arg;
	char src[48], dst[48], sp[8], dp[8];
	int i = window_of(d, e->mark);

	if (i < 0)
		return;
	ctev_addr(e, false, src, sizeof(src));
	ctev_addr(e, true, dst, sizeof(dst));
	snprintf(sp, sizeof(sp), "%u", e->sport);
	snprintf(dp, sizeof(dp), "%u", e->dport);
	if (e->destroy)
		session_end(d, i, e, src, dst, sp, dp);
	else
		session_start(d, i, e, src, dst, sp, dp);
}

void mwin_input(struct daemon *d)
{
	int r;

	refresh_marks(d);
	r = ctev_read(&rt.ct, on_event, d);
	if (r < 0)
		log_warnx("maintenance windows: conntrack events: %s", strerror(-r));
	if (r > 0)
		rt.dirty = true;	/* session counts and bytes: saved at the tick */
}
