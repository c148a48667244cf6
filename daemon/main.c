/* SPDX-License-Identifier: GPL-2.0-only */
/* main.c: sansod — arguments, modes (check, print, once, verify, daemon) and the
 * foreground loop (signalfd: SIGHUP reloads, SIGTERM/SIGINT exit and leave the ruleset in
 * the kernel; control clients; ruleset notices; the HA peer; periodic checks). Generations
 * are gen.c's. The only file that exits; -errno of the modules becomes an exit code here. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stddef.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "alert.h"
#include "alertcheck.h"
#include "change.h"
#include "conf.h"
#include "unitnet.h"
#include "conftext.h"
#include "lang.h"
#include "log.h"
#include "nftgen.h"
#include "monitor.h"
#include "flowd.h"
#include "mwin.h"
#include "gen.h"
#include "version.h"
#include "ha.h"
#include "ops.h"
#include "pdiff.h"
#include "sansod.h"
#include "state.h"
#include "trail.h"
#include "sha256.h"

enum exit_code {
	EXIT_OK = 0,
	EXIT_POLICY = 1,		/* invalid policy, or verify found differences */
	EXIT_USAGE = 2,
	EXIT_KERNEL = 3,		/* the kernel refused or could not be reached */
};

/* -errno of gen.h -> exit code: -EINVAL the policy (or the kernel) refused it. */
static int exit_of(int r)
{
	return !r ? EXIT_OK : r == -EINVAL ? EXIT_POLICY : EXIT_KERNEL;
}

#define DEFAULT_CONF	"/etc/sanso/sanso.conf"
#define DRIFT_CHECK_MS	30000
#define RESTORE_BURST	5		/* restores a minute before it is a restore loop */
#define RESTORE_WINDOW	60.0		/* seconds */
#define RESTORE_RECHECK_MS 200		/* after a restore: look again (notices may be lost) */
#define METRICS_EVERY_MS 15000		/* --metrics-file: rewritten this often */



















/* -k: the FIB check (R36) before anything is applied; findings refuse (exit 1). */
static int check_fib(const struct policy *p)
{
	struct fib_report r;
	int i, e = fibcheck_run(p, &r);

	if (e < 0) {
		fprintf(stderr, "fib check: cannot ask the kernel: %s\n", strerror(-e));
		return EXIT_KERNEL;
	}
	for (i = 0; i < r.n; i++)
		fprintf(stderr, "%s: %s\n", r.note[i] ? "note" : "error",
			r.v[i] + (r.note[i] ? strlen("note: ") : 0));
	if (r.findings + r.notes > r.n)
		fprintf(stderr, "fib check: %d more not shown\n", r.findings + r.notes - r.n);
	if (!r.findings)
		return EXIT_OK;
	fprintf(stderr, "fib check: %d disagreement(s) between routing and the zones "
		"(%d lookups)\n", r.findings, r.lookups);
	return EXIT_POLICY;
}

static int mode_check(struct daemon *d)
{
	struct diag diag;
	struct gen g;
	int r, code;

	diag_init(&diag);
	r = gen_build(&d->o, NULL, &g, &diag);
	gen_diag_print(d, &diag, d->ja || d->reply_ja);
	diag_fini(&diag);
	if (r < 0) {
		fprintf(stderr, "%s: configuration refused: nothing applied\n", d->o.file);
		return r == -EINVAL ? EXIT_POLICY : EXIT_KERNEL;
	}
	if (d->o.verbose && g.policy->changes.single)
		printf("# finding: policy.changes = \"single\": one person can change what is "
		       "enforced (edit and reload); two-person approval (R62) is off\n");
	if (d->o.verbose) {
		policy_print(g.policy, stdout);
		policy_print_matrix_ex(g.policy, stdout, d->ja, true);
		policy_print_uplinks(g.policy, stdout);
	}
	if (d->o.verbose > 1)
		nftgen_print(g.cr->rs, stdout, false);
	code = EXIT_OK;
	if (d->o.kernel_check)
		code = check_fib(g.policy);
	if (d->o.kernel_check && code == EXIT_OK) {
		if (apply_open(&d->ap) < 0) {
			log_warn("netlink");
			code = EXIT_KERNEL;
		} else {
			code = exit_of(gen_commit(d, &g, true));
		}
		apply_close(&d->ap);
	}
	if (code == EXIT_OK)
		fprintf(stderr, "%s\n", d->ja ? "設定に問題はありません" : "configuration OK");
	gen_free(&g);
	return code;
}

/* --unit-dropin: parsed only (no compile, no kernel): quick enough for a generator. */
static int mode_unit_dropin(struct daemon *d)
{
	struct policy *p = NULL;
	struct diag diag;
	int r;

	diag_init(&diag);
	r = conf_load_file(d->o.file, &p, &diag);
	gen_diag_print(d, &diag, d->ja);
	diag_fini(&diag);
	if (r < 0) {
		fprintf(stderr, "%s: configuration refused: no drop-in\n", d->o.file);
		return r == -EINVAL ? EXIT_POLICY : EXIT_KERNEL;
	}
	r = unitnet_dropin(p, d->o.file, stdout);
	policy_free(p);
	return r < 0 ? EXIT_KERNEL : EXIT_OK;
}

static int mode_print(struct daemon *d)
{
	struct diag diag;
	struct gen g;
	int r;

	diag_init(&diag);
	r = gen_build(&d->o, NULL, &g, &diag);
	gen_diag_print(d, &diag, d->ja || d->reply_ja);
	diag_fini(&diag);
	if (r < 0)
		return r == -EINVAL ? EXIT_POLICY : EXIT_KERNEL;
	r = nftgen_print(g.cr->rs, stdout, true);
	gen_free(&g);
	return r < 0 ? EXIT_KERNEL : EXIT_OK;
}













static int mode_verify(struct daemon *d)
{
	struct diag diag;
	struct gen g;
	int r;

	diag_init(&diag);
	r = gen_build(&d->o, &d->ops, &g, &diag);
	if (r < 0) {
		gen_diag_print(d, &diag, d->ja || d->reply_ja);
		diag_fini(&diag);
		return r == -EINVAL ? EXIT_POLICY : EXIT_KERNEL;
	}
	r = readback_verify(&d->ap, g.cr->rs, &diag);
	gen_diag_print(d, &diag, d->ja || d->reply_ja);
	diag_fini(&diag);
	gen_free(&g);
	if (r == 0) {
		printf("in sync: table inet sanso is the compiled '%s'\n", d->o.file);
		return EXIT_OK;
	}
	if (r == 1) {
		printf("drift: table inet sanso differs from the compiled '%s'\n", d->o.file);
		return EXIT_POLICY;
	}
	fprintf(stderr, "sansod: cannot read table inet sanso: %s\n", strerror(-r));
	return r == -ENOENT ? EXIT_POLICY : EXIT_KERNEL;
}









/* ---- control clients: non-blocking, with deadlines, at most CTL_CLIENTS_PER_UID per uid:
 * no client, silent or slow, delays another, a reload, the drift check or the watchdog ---- */
static int64_t mono_ms(void)
{
	return (int64_t)(gen_mono() * 1000);
}

static void control_refuse(int fd, const struct ctl_peer *peer, const char *why)
{
	static int64_t last;

	(void)ctl_reply_now(fd, CTL_ERR_FAILED, why);
	close(fd);
	if (mono_ms() - last >= 1000) {		/* at most one line a second */
		last = mono_ms();
		log_warnx("control: connection of %s (pid %d) refused: %s", peer->name,
			  (int)peer->pid, why);
	}
}

static void control_accept(struct ctl_server *cs, struct ctl_conn *conns)
{
	struct ctl_peer peer;
	int fd, i, n, free_slot;

	while (ctl_accept(cs, &fd, &peer) == 0) {
		for (i = 0, n = 0, free_slot = -1; i < CTL_CLIENTS_MAX; i++) {
			if (conns[i].fd < 0 && free_slot < 0)
				free_slot = i;
			n += conns[i].fd >= 0 && conns[i].peer.uid == peer.uid;
		}
		if (n >= CTL_CLIENTS_PER_UID || free_slot < 0) {
			control_refuse(fd, &peer, free_slot < 0 ?
				       "too many control connections; try again\n" :
				       "too many control connections of this uid (at most 16); try again\n");
			continue;
		}
		conns[free_slot].fd = fd;
		conns[free_slot].peer = peer;
		conns[free_slot].deadline = mono_ms() + CTL_RECV_MS;
	}
}

/* The request of c has arrived (or not): answer it, the reply goes out as the peer reads. */
static void control_serve(struct daemon *d, struct ctl_conn *c)
{
	struct ctl_req *q = calloc(1, sizeof(*q));
	char *body = NULL;
	size_t len = 0;
	FILE *out;
	int r, st;

	r = q ? ctl_conn_recv(c, q) : -ENOMEM;
	if (r == -EAGAIN) {
		free(q);
		return;
	}
	if (r == -ECONNRESET) {
		free(q);
		ctl_conn_close(c);
		return;
	}
	out = open_memstream(&body, &len);
	d->report = out;
	if (!out) {
		st = CTL_ERR_FAILED;
	} else if (r < 0) {
		fprintf(out, "malformed request: %s\n", strerror(-r));
		st = CTL_ERR_INVALID;
		log_warnx("control: malformed request from %s refused", c->peer.name);
	} else {
		st = ops_handle(d, &c->peer, q, out);
	}
	d->report = NULL;
	if (out)
		fclose(out);
	if (q && q->fd >= 0)
		close(q->fd);
	free(q);
	r = ctl_conn_queue(c, st, body ? body : "", body ? len : 0);
	free(body);
	c->deadline = mono_ms() + CTL_SEND_MS;
	if (r < 0 || ctl_conn_flush(c) != 0)
		ctl_conn_close(c);	/* all sent, or failed */
}

/* After poll: serve, send, expire. */
static void control_io(struct daemon *d, struct ctl_conn *conns, const struct pollfd *pfd)
{
	int64_t now;
	int i;

	for (i = 0; i < CTL_CLIENTS_MAX; i++) {
		struct ctl_conn *c = &conns[i];

		if (c->fd < 0 || !pfd[i].revents)
			continue;
		if (!c->out)
			control_serve(d, c);
		else if (ctl_conn_flush(c) != 0)
			ctl_conn_close(c);
	}
	now = mono_ms();
	for (i = 0; i < CTL_CLIENTS_MAX; i++) {
		if (conns[i].fd >= 0 && now >= conns[i].deadline) {
			log_warnx("control: %s (pid %d) %s in time: connection closed",
				  conns[i].peer.name, (int)conns[i].peer.pid, conns[i].out ?
				  "did not read its reply" : "sent no request");
			ctl_conn_close(&conns[i]);
		}
	}
}

/* The poll set of the clients; returns the poll timeout capped at the nearest deadline. */
static int control_pollset(const struct ctl_conn *conns, struct pollfd *pfd, int timeout)
{
	int64_t now = mono_ms(), left;
	int i;

	for (i = 0; i < CTL_CLIENTS_MAX; i++) {
		pfd[i] = (struct pollfd){ .fd = conns[i].fd,
					  .events = conns[i].out ? POLLOUT : POLLIN };
		if (conns[i].fd < 0)
			continue;
		left = conns[i].deadline - now;
		if (left < timeout)
			timeout = left > 0 ? (int)left : 0;
	}
	return timeout;
}

/* 0 in sync, 1 drift, -ENOENT without the table, or another -errno. */
static int drift_check(struct daemon *d)
{
	struct diag diag;
	int r;

	if (!d->cur.cr)
		return 0;
	diag_init(&diag);
	r = readback_verify(&d->ap, d->cur.cr->rs, &diag);	/* its own socket: no lock */
	if (r != 0) {
		d->table_suspect = true;
		d->suspect_why = "the read-back found drift";
		gen_diag_print(d, &diag, d->ja || d->reply_ja);
		alert_raise("ruleset.drift", "drift: table inet sanso no longer matches generation "
			    "%u (%s)", d->generation, r < 0 ? strerror(-r) : "changed out of band");
		(void)trail_audit(d, "sansod", AUDIT_EV_DRIFT, "policy", d->o.file, "detail",
				   r < 0 ? strerror(-r) : "changed out of band", NULL);
	}
	diag_fini(&diag);
	return r;
}


/* sd_notify(3) without libsystemd: one datagram to $NOTIFY_SOCKET, if set. */
static void notify(const char *msg)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t len;
	int fd;

	if (!path || !*path || strlen(path) >= sizeof(sa.sun_path))
		return;
	len = strlen(path);
	memcpy(sa.sun_path, path, len);
	if (sa.sun_path[0] == '@')
		sa.sun_path[0] = '\0';		/* abstract namespace */
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	(void)sendto(fd, msg, strlen(msg), MSG_NOSIGNAL, (struct sockaddr *)&sa,
		     (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len));
	close(fd);
}

/* The watchdog is fed only while every worker thread is making progress (each one beats at
 * least every 250 ms, also when idle: its receive timeout), so a hung engine gets the daemon
 * restarted. */
static void watchdog(struct daemon *d, uint64_t *last)
{
	int i;

	for (i = 0; d->engine && i < queue_workers(&d->q); i++) {
		uint64_t b = queue_beats(&d->q, i);

		if (b == last[i])
			return;
		last[i] = b;
	}
	notify("WATCHDOG=1");
}

static void log_counters(struct daemon *d)
{
	uint64_t c[EC_MAX], enobufs;
	char line[1024];
	size_t o = 0;
	int i;

	queue_counts(&d->q, c, &enobufs);
	for (i = 0; i < EC_MAX && o < sizeof(line); i++) {
		if (c[i])
			o += (size_t)snprintf(line + o, sizeof(line) - o, " %s=%llu",
					      eng_count_name((enum eng_count)i),
					      (unsigned long long)c[i]);
	}
	log_info("engine counters:%s enobufs=%llu", o ? line : " none",
		 (unsigned long long)enobufs);
}



/* Rate limit of the alerts: a process removing the table in a loop gets the table back every
 * time (without it the gateway has no rules at all), but not a log line every time. */
static bool restore_loud(struct daemon *d, double now)
{
	struct restore_state *s = &d->restore;

	if (now - s->window_start > RESTORE_WINDOW) {
		if (s->quiet)
			alert_raise("table.restore_loop", "restore loop: %d more restores of table inet sanso in the last minute",
				  s->quiet);
		s->window_start = now;
		s->in_window = 0;
		s->quiet = 0;
	}
	s->total++;
	if (++s->in_window <= RESTORE_BURST)
		return true;
	if (s->in_window == RESTORE_BURST + 1)
		alert_raise("table.restore_loop", "restore loop: table inet sanso removed %d times within a minute; it is restored each time, further alerts once a minute",
			  s->in_window);
	s->quiet++;
	return false;
}

/* Another process deleted table inet sanso (flush ruleset, delete table: possible where the
 * kernel has no table flag persist, so the table has no owner). Until it is back the
 * gateway forwards without any rule of ours: restore the generation in force at once, then
 * record it. The window is measured from the notice to the commit's acknowledgement. */
static void table_restore(struct daemon *d, const char *comm, pid_t pid, double t0)
{
	char ms_text[32], pid_text[16], gen_text[16];
	double ms = 0;
	bool loud;
	int r, tries = 0;

	if (!d->cur.cr)
		return;
	do			/* another commit in between (genid, or a second flush): again */
		r = gen_recommit(d, d->cur.cr->rs, t0, &ms);
	while (r < 0 && r != -ENOMEM && ++tries < 3);
	d->restore.last_ms = ms;
	loud = restore_loud(d, gen_mono());
	snprintf(ms_text, sizeof(ms_text), "%.1f", ms);
	snprintf(pid_text, sizeof(pid_text), "%d", (int)pid);
	if (r < 0) {
		alert_raise("table.restore_failed", "table inet sanso removed by %s (pid %d); restoring generation %u failed (%s): the gateway may have no rules, retrying at the next check",
			  comm, (int)pid, d->generation, strerror(-r));
	} else if (loud) {
		alert_raise("table.removed", "table inet sanso removed by %s (pid %d): restored generation %u in %s ms (notice to commit ack)",
			  comm, (int)pid, d->generation, ms_text);
	}
	snprintf(gen_text, sizeof(gen_text), "%u", d->generation);
	(void)trail_audit(d, "sansod", AUDIT_EV_TABLE_RESTORE, "process", comm, "pid", pid_text,
			   "generation", gen_text, "window_ms", ms_text,
			   "result", r < 0 ? strerror(-r) : "restored", NULL);
	if (r >= 0)
		gen_refresh_timeouts(d);
	/* a process removing it in a loop floods the notices (every element of the table):
	 * some may be lost, so look again shortly, until a check finds the table */
	d->restore.recheck = true;
}

/* Another process committed a ruleset generation: record who, then read our table back
 * (or, if it was deleted, restore it first). */
static void foreign_change(void *arg, const struct monitor_event *e)
{
	struct daemon *d = arg;
	double t0 = gen_mono();
	const char *comm = e->comm[0] ? e->comm : "?";
	char pid[16];

	if (e->deleted)
		table_restore(d, comm, e->pid, t0);
	snprintf(pid, sizeof(pid), "%d", (int)e->pid);
	log_warnx("ruleset changed by %s (pid %d)%s", comm, (int)e->pid,
		  e->deleted ? ", deleting table inet sanso" :
		  e->sanso ? ", touching table inet sanso" : "");
	(void)trail_audit(d, "kernel", AUDIT_EV_RULESET_CHANGED, "process", e->comm, "pid", pid,
			   "sanso_table", e->deleted ? "deleted" : e->sanso ? "yes" : "no", NULL);
	if (e->sanso && !e->deleted) {
		alert_raise("ruleset.foreign", "table inet sanso changed by %s (pid %d), not by "
			    "sansod: it is read back now", comm, (int)e->pid);
		d->table_suspect = true;	/* no delta on top of what we did not write */
		d->suspect_why = "another process changed the table";
		drift_check(d);
	}
}

/* Conntrack use and queue drops, every KWATCH_INTERVAL_MS (R44). */
static void kwatch_check(struct daemon *d)
{
	const struct policy *p = d->cur.policy;
	struct kwatch_engine e = { 0 };
	uint64_t c[EC_MAX];

	if (!p || !kwatch_due(&d->kw))
		return;		/* the counters only when they are looked at */
	if (d->engine) {
		queue_counts(&d->q, c, &e.enobufs);
		e.state_full = c[EC_BO_STATE_FULL];
		e.source_quota = c[EC_BO_SOURCE_QUOTA];
		e.learn_overflow = c[EC_DNS_LEARN_OVERFLOW];
	}
	kwatch_tick(&d->kw, p->limits.conntrack_warn, p->engine.queue_base,
		    d->engine ? queue_workers(&d->q) : 0, d->engine ? &e : NULL);
}

/* The periodic check, or notices were lost: a missing table is restored like on a notice. */
static void drift_check_restore(struct daemon *d)
{
	if (drift_check(d) == -ENOENT)
		table_restore(d, "?", 0, gen_mono());
}

/* --metrics-file: the counters of `stats --prometheus`, written beside the file and renamed
 * over it, so node_exporter's textfile collector never reads half a file. */
static void metrics_write(struct daemon *d)
{
	static int last_err;
	char tmp[4200];
	FILE *f;
	int r = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", d->o.metrics_file) >= (int)sizeof(tmp))
		return;
	f = fopen(tmp, "we");
	if (!f) {
		r = -errno;
	} else {
		ops_prometheus(d, f);
		(void)fchmod(fileno(f), 0644);	/* node_exporter runs as another user */
		if (ferror(f) | fclose(f))
			r = -EIO;
		if (!r && rename(tmp, d->o.metrics_file) < 0)
			r = -errno;
		if (r)
			(void)unlink(tmp);
	}
	if (r && r != last_err)
		log_warnx("--metrics-file '%s': cannot write it: %s", d->o.metrics_file,
			  strerror(-r));
	last_err = r;
}

static int signals(void)
{
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
		return -errno;
	return signalfd(-1, &mask, SFD_CLOEXEC);
}

/* The foreground loop's resources. */
struct loop {
	uint64_t beats[ENGINE_QUEUES_MAX];
	struct ctl_server cs;
	struct ctl_conn conns[CTL_CLIENTS_MAX];
	struct monitor mon;
	struct pollfd pfd[6 + CTL_CLIENTS_MAX + ALERT_POLLFDS];	/* [4]: conntrack events (mwin),
						 * [5]: NFLOG; after the clients: alerts */
	long long wd_ms;		/* watchdog: ping every wd_ms (0: none) */
	int64_t next_drift;
	int64_t next_metrics;
	int tick;			/* poll timeout, ms */
	double block_retry;		/* gen_mono(): the next try of a failed cut (or its end) */
};

static void loop_open(struct daemon *d, struct loop *l, int sigfd)
{
	int r, i;

	l->cs.fd = -1;
	for (i = 0; i < CTL_CLIENTS_MAX; i++)
		l->conns[i] = (struct ctl_conn){ .fd = -1 };
	r = ctl_listen(&l->cs, d->o.control);
	if (r < 0)
		log_warnx("control socket '%s': %s: sansoctl cannot reach this daemon",
			  d->o.control, strerror(-r));
	if (monitor_open(&l->mon) < 0) {
		log_warn("ruleset monitor: out-of-band changes are found by the periodic check only");
		d->deltas_unsafe = !d->ap.table_flags;	/* nothing keeps others out either */
	}
	ha_start(d);
	l->pfd[0] = (struct pollfd){ .fd = sigfd, .events = POLLIN };
	l->pfd[1] = (struct pollfd){ .fd = l->cs.fd, .events = POLLIN };
	l->pfd[2] = (struct pollfd){ .fd = monitor_fd(&l->mon), .events = POLLIN };
	l->pfd[3] = (struct pollfd){ .fd = ha_fd(d), .events = POLLIN };
	l->wd_ms = getenv("WATCHDOG_USEC") ? atoll(getenv("WATCHDOG_USEC")) / 2000 : 0;
	l->tick = l->wd_ms > 0 && l->wd_ms < DRIFT_CHECK_MS ? (int)l->wd_ms : DRIFT_CHECK_MS;
	l->tick = l->tick < KWATCH_INTERVAL_MS ? l->tick : KWATCH_INTERVAL_MS;
	l->tick = d->ha.on && l->tick > HA_TICK_MS ? HA_TICK_MS : l->tick;
	l->next_drift = mono_ms() + DRIFT_CHECK_MS;
}

static void loop_close(struct daemon *d, struct loop *l)
{
	int i;

	for (i = 0; i < CTL_CLIENTS_MAX; i++)
		ctl_conn_close(&l->conns[i]);
	ctl_close(&l->cs);
	monitor_close(&l->mon);
	ha_stop(d);
}

static void on_sighup(struct daemon *d)
{
	int r;

	log_info("SIGHUP: reloading '%s'", d->o.file);
	notify("RELOADING=1");
	if (d->o.audit && d->audit_failed) {	/* repaired? */
		if (d->audit_on)
			audit_close(&d->au);
		d->audit_on = false;
		(void)trail_start(d);
	}
	r = change_reload(d, NULL, NULL);
	if (r == -EAGAIN)
		log_warnx("reload: the running version was applied again; the file is pending, "
			  "not approved");
	else if (r < 0)
		log_warnx("reload refused: generation %u stays in the kernel", d->generation);
	notify("READY=1");
}

/* One turn: wait for a signal, a client, a ruleset notice, the HA peer or the tick.
 * Returns the signal read (0: none). */
static int loop_once(struct daemon *d, struct loop *l)
{
	struct signalfd_siginfo si;
	int r, n_alert, a;

	/* the trail or the flow log broke (cut between zones), or the flow log writes again
	 * (the policy again); a failed try is repeated after GEN_BLOCK_RETRY_S */
	if (gen_must_block(d) != d->blocking && gen_mono() >= l->block_retry &&
	    gen_reload(d) < 0)
		l->block_retry = gen_mono() + GEN_BLOCK_RETRY_S;
	l->pfd[4] = (struct pollfd){ .fd = mwin_fd(), .events = POLLIN };
	l->pfd[5] = (struct pollfd){ .fd = flowd_fd(), .events = POLLIN };
	r = change_next_ms(d, (int64_t)time(NULL));	/* a confirm deadline */
	r = r >= 0 && r < l->tick ? r : l->tick;
	a = alert_next_ms();		/* a command's timeout, a TCP collector's queue */
	r = a >= 0 && a < r ? a : r;
	n_alert = alert_pollfds(l->pfd + 6 + CTL_CLIENTS_MAX, ALERT_POLLFDS);
	r = poll(l->pfd, (nfds_t)(6 + CTL_CLIENTS_MAX + n_alert), control_pollset(l->conns,
		 l->pfd + 6, d->restore.recheck ? RESTORE_RECHECK_MS : r));
	alert_tick();
	if (l->wd_ms > 0)
		watchdog(d, l->beats);
	kwatch_check(d);
	if (r > 0 && (l->pfd[2].revents & (POLLIN | POLLERR)) &&
	    monitor_read(&l->mon, getpid(), foreign_change, d) == -ENOBUFS)
		drift_check_restore(d);	/* notices were lost: look */
	if (r == 0 && d->restore.recheck) {
		d->restore.recheck = false;	/* until the table is found missing again */
		drift_check_restore(d);
	}
	if (r > 0 && l->cs.fd >= 0 && (l->pfd[1].revents & POLLIN))
		control_accept(&l->cs, l->conns);
	control_io(d, l->conns, l->pfd + 6);
	if (r > 0 && (l->pfd[4].revents & POLLIN))
		mwin_input(d);
	if (r > 0 && (l->pfd[5].revents & POLLIN))
		flowd_input(d);
	flowd_tick(d);			/* rate summaries, sync, rotation, retention */
	if (r > 0 && (l->pfd[3].revents & POLLIN))
		ha_input(d);
	ha_tick(d);
	(void)ops_expire_check(d, gen_clock(&d->o));	/* exception.expire, once each */
	(void)trail_checkpoint(d, false);		/* signed, at least every TRAIL_CKPT_S */
	ops_tally_flush(d, (int64_t)time(NULL), false);	/* ctl.read of the minutes past */
	change_tick(d, (int64_t)time(NULL));	/* confirm deadlines, unratified alerts */
	mwin_tick(d, gen_clock(&d->o));		/* maintenance windows that ended */
	alertcheck_tick(d, gen_clock(&d->o));	/* expiring within 30 days; the clock */
	if (d->o.metrics_file && mono_ms() >= l->next_metrics) {
		l->next_metrics = mono_ms() + METRICS_EVERY_MS;
		metrics_write(d);
	}
	if (mono_ms() >= l->next_drift) {
		l->next_drift = mono_ms() + DRIFT_CHECK_MS;
		drift_check_restore(d);
		gen_fib_check(d);
	}
	if (r <= 0 || !(l->pfd[0].revents & POLLIN) ||
	    read(l->pfd[0].fd, &si, sizeof(si)) != sizeof(si))
		return 0;
	return (int)si.ssi_signo;
}

static int mode_daemon(struct daemon *d)
{
	static struct loop l;		/* large: not on the stack */
	int fd, code, sig;

	fd = signals();
	if (fd < 0) {
		log_warn("signalfd");
		return EXIT_KERNEL;
	}
	code = exit_of(change_start(d));	/* the running version, or adopt the file */
	if (code != EXIT_OK) {
		close(fd);
		return code;
	}
	memset(&l, 0, sizeof(l));
	loop_open(d, &l, fd);
	flowd_start(d);
	(void)ops_expire_check(d, gen_clock(&d->o));	/* expired while sansod was down */
	mwin_tick(d, gen_clock(&d->o));
	notify("READY=1");
	while ((sig = loop_once(d, &l)) == 0 || sig == SIGHUP) {
		if (sig == SIGHUP)
			on_sighup(d);
	}
	notify("STOPPING=1");
	loop_close(d, &l);
	flowd_stop();
	alert_shutdown();
	ops_tally_flush(d, 0, true);	/* the reads of this minute too */
	log_info("exiting; generation %u stays in the kernel", d->generation);
	if (d->engine) {
		log_counters(d);
		queue_stop(&d->q);	/* unbound queues drop: fail closed */
	}
	close(fd);
	return EXIT_OK;
}

/* mkdir -p: every missing component is created with mode (umask aside). */
static int mkdir_p(const char *path, mode_t mode)
{
	char buf[4096], *p;
	struct stat st;

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	for (p = buf + 1;; p++) {
		if (*p && *p != '/')
			continue;
		if (p[-1] != '/') {
			char c = *p;

			*p = '\0';
			if (mkdir(buf, mode) == 0)
				(void)chmod(buf, mode);
			else if (errno != EEXIST)
				return -errno;
			*p = c;
		}
		if (!*p)
			break;
	}
	if (stat(buf, &st) < 0)
		return -errno;
	return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}

/* The directory part of path into buf ("" when it has none). */
static const char *dir_of(const char *path, char *buf, size_t size)
{
	const char *slash = strrchr(path, '/');
	size_t n = slash ? (size_t)(slash - path) : 0;

	if (n >= size)
		n = 0;
	memcpy(buf, path, n);
	buf[n] = '\0';
	return buf;
}

/* Run by hand (without systemd's RuntimeDirectory=, StateDirectory=, LogsDirectory=), the
 * directories may not exist yet: create them as the units do, or refuse to start with one
 * line before anything touches the kernel. (Without them the audit trail could not be
 * opened, and sansod would isolate every zone, the answer to an audit failure at run time.) */
static int prepare_dirs(const struct opts *o)
{
	const struct { const char *what, *path; mode_t mode; bool dir_of; } d[] = {
		{ "--state-dir", o->state_dir, 0750, false },
		{ "--audit", o->audit, 0750, true },
		{ "--flow-log", o->mode == MODE_DAEMON ? o->flow_log : NULL, 0750, false },
		{ "--control", o->mode == MODE_DAEMON ? o->control : NULL, 0755, true },
	};
	char buf[4096];
	const char *dir;
	size_t i;
	int r;

	if (o->mode == MODE_VERIFY)
		return 0;		/* reads only */
	for (i = 0; i < sizeof(d) / sizeof(d[0]); i++) {
		if (!d[i].path)
			continue;
		dir = d[i].dir_of ? dir_of(d[i].path, buf, sizeof(buf)) : d[i].path;
		if (!*dir)
			continue;
		r = mkdir_p(dir, d[i].mode);
		if (r < 0) {
			log_warnx("cannot create directory '%s' for %s: %s", dir, d[i].what,
				  strerror(-r));
			return r;
		}
	}
	return 0;
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: sansod [-f FILE] [-v]          run in the foreground (SIGHUP reloads)\n"
		"       sansod -n [-v[v]] [-k] [-f FILE] check the policy (-k: also by the kernel)\n"
		"       sansod --print-nft [-f FILE]   print the compiled ruleset in nft syntax\n"
		"       sansod --once [-f FILE]        apply, read back, exit\n"
		"       sansod --verify [-f FILE]      compare the kernel with FILE (exit 0: same)\n"
		"       sansod --diff-policy OLD NEW [--json]\n"
		"                                      what differs between two policies (zones,\n"
		"                                      hosts, flows, ...; exit 0 same, 1 differs)\n"
		"  -f, --file FILE    policy (default " DEFAULT_CONF ")\n"
		"  -v, --verbose      more output (-n -v: normalized policy and matrix)\n"
		"  -h, --help         this text\n"
		"  --version          version, build and the libraries built against\n"
		"  --control PATH     control socket (default " CTL_SOCKET_DEFAULT ")\n"
		"  --state-dir DIR    keep isolations and revocations there (e.g. /var/lib/sanso)\n"
		"  --audit FILE       hash-chained audit trail (e.g. /var/log/sanso/audit.jsonl)\n"
		"  --audit-failure block-crosszone|alert-only\n"
		"                     when the trail fails: cut traffic between zones (default), or\n"
		"                     only refuse changes\n"
		"  --flow-log DIR     flow log: accepted flows, drops, engine decisions and scans\n"
		"                     as hash-chained JSON lines (e.g. /var/log/sanso/flows)\n"
		"  --no-persist       commit without the table flags owner and persist, as on\n"
		"                     kernels without persist (tests; see sansod(8))\n"
		"  --unit-dropin      print the systemd drop-in that opens sansod.service's network\n"
		"                     for the policy's syslog collectors and HA nodes (nothing more)\n"
		"  --stats            print sizes and timings of the commit\n"
		"  --metrics-file PATH\n"
		"                     write sansoctl stats' counters there (Prometheus text) every 15 s\n"
		"                     (node_exporter's textfile collector; renamed into place)\n"
		"exit: 0 ok, 1 policy refused or drift, 2 usage, 3 kernel error\n");
}

static int parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "file", required_argument, NULL, 'f' },
		{ "check", no_argument, NULL, 'n' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "print-nft", no_argument, NULL, 'P' },
		{ "once", no_argument, NULL, 'O' },
		{ "verify", no_argument, NULL, 'V' },
		{ "stats", no_argument, NULL, 'S' },
		{ "now", required_argument, NULL, 'N' },
		{ "control", required_argument, NULL, 'C' },
		{ "state-dir", required_argument, NULL, 'D' },
		{ "audit", required_argument, NULL, 'A' },
		{ "audit-failure", required_argument, NULL, 'F' },
		{ "no-persist", no_argument, NULL, 'Q' },
		{ "flow-log", required_argument, NULL, 'L' },
		{ "metrics-file", required_argument, NULL, 'M' },
		{ "unit-dropin", no_argument, NULL, 'U' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'W' },
		{ NULL, 0, NULL, 0 }
	};
	char *end;
	int c;

	memset(o, 0, sizeof(*o));
	o->file = DEFAULT_CONF;
	o->control = CTL_SOCKET_DEFAULT;
	while ((c = getopt_long(argc, argv, "f:nkvh", lo, NULL)) != -1) {
		switch (c) {
		case 'f': o->file = optarg; break;
		case 'n': o->mode = MODE_CHECK; break;
		case 'k': o->kernel_check = true; break;
		case 'v': o->verbose++; break;
		case 'P': o->mode = MODE_PRINT_NFT; break;
		case 'O': o->mode = MODE_ONCE; break;
		case 'V': o->mode = MODE_VERIFY; break;
		case 'S': o->stats = true; break;
		case 'C': o->control = optarg; break;
		case 'D': o->state_dir = optarg; break;
		case 'A': o->audit = optarg; break;
		case 'Q': o->no_persist = true; break;
		case 'L': o->flow_log = optarg; break;
		case 'M': o->metrics_file = optarg; break;
		case 'U': o->mode = MODE_UNIT_DROPIN; break;
		case 'F':
			if (strcmp(optarg, "block-crosszone") && strcmp(optarg, "alert-only"))
				return -EINVAL;
			o->audit_alert_only = !strcmp(optarg, "alert-only");
			break;
		case 'N':
			errno = 0;
			o->now = strtoll(optarg, &end, 10);
			if (errno || *end || o->now <= 0)
				return -EINVAL;
			break;
		case 'h': usage(stdout); exit(EXIT_OK);
		case 'W': version_print(stdout, "sansod"); exit(EXIT_OK);
		default: return -EINVAL;
		}
	}
	if (optind != argc || (o->kernel_check && o->mode != MODE_CHECK))
		return -EINVAL;
	return 0;
}

/* --once runs no verdict engine: say once which flows wait for it (their new connections are
 * refused until sansod runs as a daemon) and how to decide them in the kernel alone. */
static void once_engine_note(const struct daemon *d)
{
	const struct policy *p = d->cur.policy;
	char names[512];
	size_t o = 0;
	int i, n = 0;

	for (i = 0; p && i < p->n_flows; i++) {
		if (p->flows[i].verdict != VERDICT_ENGINE)
			continue;
		if (n++ < 8 && o < sizeof(names))
			o += (size_t)snprintf(names + o, sizeof(names) - o, "%s%s", o ? ", " : "",
					      p->flows[i].name);
	}
	if (!n)
		return;
	if (n > 8 && o < sizeof(names))
		snprintf(names + o, sizeof(names) - o, " (+%d)", n - 8);
	fprintf(stderr, "sansod --once: %d flow%s wait for the verdict engine, which --once does not "
		"run: %s. Their new connections are refused until sansod runs as a daemon (on "
		"engine.fail_open pairs: accepted unchecked); to "
		"decide them in the kernel alone, set verdict = \"kernel\"; on each "
		"(conf/REFERENCE.md, flows).\n", n, n > 1 ? "s" : "", names);
	if (d->ja)
		fprintf(stderr, "sansod --once: 次の %d 件のフローは検査エンジンの判定を待ちますが、"
			"--once は検査エンジンを動かしません: %s。sansod をデーモンとして動かすまで"
			"新しい接続は拒否されます。カーネルだけで判定するには、各フローに "
			"verdict = \"kernel\"; を書いてください (conf/REFERENCE.ja.md, flows)。\n",
			n, names);
}

static int once_apply(struct daemon *d)
{
	int code = exit_of(change_start(d));	/* with a store: its running version */

	if (code == EXIT_OK)
		once_engine_note(d);
	return code;
}

/* --diff-policy OLD NEW [--json]: what differs between two policies (pdiff.h), both checked
 * as -n checks them. 0 equal, 1 different, 2 usage or a policy refused (diagnostics). */
static int mode_diff_policy(int argc, char **argv)
{
	const char *file[2] = { NULL, NULL };
	struct gen g[2];
	struct opts o;
	struct diag diag;
	struct pdiff pd;
	bool json = false;
	int i, n = 0, built = 0, r = 0, code;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = true;
		else if (n < 2 && argv[i][0] != '-')
			file[n++] = argv[i];
		else
			n = 3;
	}
	if (n != 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	diag_init(&diag);
	memset(&o, 0, sizeof(o));
	for (; built < 2 && r >= 0; built += r >= 0) {
		o.file = file[built];
		r = gen_build(&o, NULL, &g[built], &diag);
	}
	diag_print(&diag, stderr, lang_ja_env());
	diag_fini(&diag);
	if (built < 2)
		fprintf(stderr, "%s: configuration refused\n", file[built]);
	if (r >= 0)
		r = pdiff_compute(g[0].policy, g[1].policy, &pd);
	if (built == 2 && r >= 0)
		r = json ? pdiff_print_json(&pd, stdout) : pdiff_print_text(&pd, stdout, false);
	code = built < 2 ? EXIT_USAGE : r < 0 ? EXIT_KERNEL : pd.n_changes ? EXIT_POLICY : EXIT_OK;
	if (built == 2 && r < 0)
		fprintf(stderr, "sansod --diff-policy: %s\n", strerror(-r));
	if (built == 2)
		pdiff_fini(&pd);
	for (i = 0; i < built; i++)
		gen_free(&g[i]);
	return code;
}

int main(int argc, char **argv)
{
	struct daemon d;
	int code;

	memset(&d, 0, sizeof(d));
	pthread_mutex_init(&d.ap_lock, NULL);
	if (argc > 1 && !strcmp(argv[1], "--diff-policy"))
		return mode_diff_policy(argc - 2, argv + 2);
	if (parse_args(argc, argv, &d.o) < 0) {
		usage(stderr);
		return EXIT_USAGE;
	}
	d.ja = lang_ja_env();
	log_init(getenv("JOURNAL_STREAM") != NULL, d.o.verbose);
	if (d.o.mode == MODE_CHECK)
		return mode_check(&d);
	if (d.o.mode == MODE_PRINT_NFT)
		return mode_print(&d);
	if (d.o.mode == MODE_UNIT_DROPIN)
		return mode_unit_dropin(&d);
	d.started = time(NULL);
	d.au.fd = -1;
	if (prepare_dirs(&d.o) < 0)
		return EXIT_USAGE;
	d.conf_file = d.o.file;
	state_load(&d);
	if (d.ops.policy[0] && d.o.mode != MODE_CHECK && d.o.mode != MODE_PRINT_NFT)
		d.o.file = d.ops.policy;	/* a policy approved through sansoctl is in force */
	(void)trail_start(&d);
	if (apply_open(&d.ap) < 0) {
		log_warn("cannot open a netfilter netlink socket");
		return EXIT_KERNEL;
	}
	d.ap.no_persist = d.o.no_persist;
	if (d.o.mode == MODE_VERIFY)
		code = mode_verify(&d);
	else if (d.o.mode == MODE_ONCE)
		code = once_apply(&d);
	else
		code = mode_daemon(&d);
	gen_free(&d.cur);
	change_free(&d);
	apply_close(&d.ap);
	if (d.audit_on)
		audit_close(&d.au);
	return code;
}
