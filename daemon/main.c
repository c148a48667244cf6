/* SPDX-License-Identifier: GPL-2.0-only */
/* main.c: sansod — modes, the generation pipeline (conf -> policy -> compile -> apply ->
 * read back) and the foreground loop (signalfd: SIGHUP reloads, SIGTERM/SIGINT exit and leave
 * the ruleset in the kernel). The only file that exits. */
#include <errno.h>
#include <getopt.h>
#include <stddef.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "apply.h"
#include "compile.h"
#include "conf.h"
#include "engine.h"
#include "log.h"
#include "nftgen.h"
#include "policy.h"
#include "queue.h"

#define DEFAULT_CONF	"/etc/sanso/sanso.conf"
#define DRIFT_CHECK_MS	30000

enum exit_code {
	EXIT_OK = 0,
	EXIT_POLICY = 1,		/* invalid policy, or verify found differences */
	EXIT_USAGE = 2,
	EXIT_KERNEL = 3,		/* the kernel refused or could not be reached */
};

enum mode {
	MODE_DAEMON = 0,
	MODE_CHECK,
	MODE_PRINT_NFT,
	MODE_ONCE,
	MODE_VERIFY,
};

struct opts {
	enum mode mode;
	const char *file;
	int verbose;
	bool kernel_check;		/* -n -k: dry run through the kernel */
	bool stats;
	int64_t now;			/* 0: the real clock */
};

/* One compiled generation: the policy it came from, its ruleset, the engine's tables. */
struct gen {
	struct policy *policy;
	struct comp_result *cr;
	struct eng_tables *tables;
};

struct daemon {
	struct opts o;
	struct apply ap;
	pthread_mutex_t ap_lock;	/* the netlink socket: main thread and DNS learning */
	struct gen cur;
	unsigned generation;
	int ja;				/* Japanese diagnostics */
	bool engine;			/* the workers run (daemon mode) */
	struct queue_rt q;
};

static int64_t clock_now(const struct opts *o)
{
	return o->now ? o->now : (int64_t)time(NULL);
}

static void gen_free(struct gen *g)
{
	eng_tables_free(g->tables);
	comp_result_free(g->cr);
	policy_free(g->policy);
	g->tables = NULL;
	g->cr = NULL;
	g->policy = NULL;
}

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* conf -> policy -> compile. Every diagnostic goes to diag. */
static int gen_build(const struct opts *o, struct gen *g, struct diag *diag)
{
	double t0 = mono(), t1 = 0, t2 = 0;
	int r;

	memset(g, 0, sizeof(*g));
	r = conf_load_file(o->file, &g->policy, diag);
	if (r >= 0) {
		t1 = mono();
		r = policy_validate(g->policy, clock_now(o), diag);
	}
	if (r >= 0) {
		t2 = mono();
		r = comp_build(g->policy, clock_now(o), &g->cr, diag);
	}
	if (r >= 0 && o->stats)
		fprintf(stderr, "stats: parse %.3fs validate %.3fs compile %.3fs\n", t1 - t0,
			t2 - t1, mono() - t2);
	if (r < 0)
		gen_free(g);
	return r;
}

static int print_diag(const struct diag *d, int ja)
{
	return diag_print(d, stderr, ja);
}

static void print_stats(const struct gen *g, const struct apply_stats *st, double verify_s)
{
	const struct ir_ruleset *rs = g->cr->rs;
	long elems = 0, rules = 0;
	int i;

	for (i = 0; i < rs->n_sets; i++)
		elems += rs->sets[i].n_elems;
	for (i = 0; i < rs->n_chains; i++)
		rules += rs->chains[i].n_rules;
	fprintf(stderr,
		"stats: sets %d elements %ld chains %d rules %ld decisions %d batch %zu bytes %d messages build %.3fs commit %.3fs verify %.3fs\n",
		rs->n_sets, elems, rs->n_chains, rules, g->cr->n_decisions, st->batch_bytes,
		st->batch_msgs, st->build_s, st->commit_s, verify_s);
}

/* Commit g, then read it back (I7). Returns an exit code. */
static int gen_apply(struct daemon *d, const struct gen *g, bool dry_run)
{
	struct apply_stats st = { 0 };
	struct diag diag;
	double t;
	int r, code = EXIT_OK;

	diag_init(&diag);
	pthread_mutex_lock(&d->ap_lock);
	r = apply_commit(&d->ap, g->cr->rs, g->policy->file, dry_run, &diag, &st);
	if (r >= 0 && !dry_run)
		r = apply_verify(&d->ap, g->cr->rs, &diag) == 0 ? 0 : -EPROTO;
	pthread_mutex_unlock(&d->ap_lock);
	t = mono();
	if (r == -EPROTO) {
		print_diag(&diag, d->ja);
		log_warnx("I7: table inet sanso read back from the kernel differs from the compiled ruleset (see above)");
		code = EXIT_KERNEL;
		goto out;
	}
	if (r < 0) {
		print_diag(&diag, d->ja);
		log_warnx("apply of '%s' failed (%s): the previous ruleset stays in the kernel",
			  d->o.file, strerror(-r));
		code = r == -EINVAL ? EXIT_POLICY : EXIT_KERNEL;
		goto out;
	}
	if (d->o.stats) {
		print_stats(g, &st, mono() - t);
		fprintf(stderr, "kernel: table flag persist %s; queue %s\n",
			d->ap.persist ? "yes" : "no",
			d->ap.queue_native ? "native (nft_queue)" :
			d->ap.queue_compat ? "xtables NFQUEUE target (nft_compat)" : "unavailable");
	}
out:
	diag_fini(&diag);
	return code;
}

static int mode_check(struct daemon *d)
{
	struct diag diag;
	struct gen g;
	int r, code;

	diag_init(&diag);
	r = gen_build(&d->o, &g, &diag);
	print_diag(&diag, d->ja);
	diag_fini(&diag);
	if (r < 0) {
		fprintf(stderr, "%s: configuration refused: nothing applied\n", d->o.file);
		return r == -EINVAL ? EXIT_POLICY : EXIT_KERNEL;
	}
	if (d->o.verbose) {
		policy_print(g.policy, stdout);
		policy_print_matrix(g.policy, stdout);
	}
	if (d->o.verbose > 1)
		nftgen_print(g.cr->rs, stdout, false);
	code = EXIT_OK;
	if (d->o.kernel_check) {
		if (apply_open(&d->ap) < 0) {
			log_warn("netlink");
			code = EXIT_KERNEL;
		} else {
			code = gen_apply(d, &g, true);
		}
	}
	if (code == EXIT_OK)
		fprintf(stderr, "configuration OK\n");
	gen_free(&g);
	return code;
}

static int mode_print(struct daemon *d)
{
	struct diag diag;
	struct gen g;
	int r;

	diag_init(&diag);
	r = gen_build(&d->o, &g, &diag);
	print_diag(&diag, d->ja);
	diag_fini(&diag);
	if (r < 0)
		return r == -EINVAL ? EXIT_POLICY : EXIT_KERNEL;
	r = nftgen_print(g.cr->rs, stdout, true);
	gen_free(&g);
	return r < 0 ? EXIT_KERNEL : EXIT_OK;
}

/* Called by a worker: put learned breakout addresses into the kernel before the DNS answer
 * that taught them reaches the client. */
static int commit_learned(void *arg, const struct eng_update *u, int n)
{
	struct daemon *d = arg;
	int r;

	pthread_mutex_lock(&d->ap_lock);
	r = apply_learned(&d->ap, u, n);
	pthread_mutex_unlock(&d->ap_lock);
	return r;
}

/* A reload replaces the table: the learned addresses go into the new one, timeouts left. */
static void carry_learned(struct daemon *d, struct gen *g)
{
	struct eng_update *u;
	struct ir_elem e;
	struct timespec ts;
	int n, i, s, max;

	clock_gettime(CLOCK_REALTIME, &ts);
	max = g->policy->breakout.dns_max > 0 ? g->policy->breakout.dns_max : 65536;
	u = calloc((size_t)max, sizeof(*u));
	if (!u)
		return;
	n = queue_learned(&d->q, (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000, u, max);
	for (i = 0; i < n && i < max; i++) {
		s = ir_set_find(g->cr->rs, u[i].family == 2 ? "bo_learn4" : "bo_learn6");
		if (s < 0)
			continue;
		memset(&e, 0, sizeof(e));
		memcpy(e.key, u[i].addr, 16);
		memcpy(e.key_end, u[i].addr, 16);
		e.timeout_ms = u[i].timeout_ms;
		(void)ir_elem_add(g->cr->rs, s, &e);
	}
	free(u);
}

/* Start the workers on the first generation that needs them; later ones swap tables. */
static void engine_install(struct daemon *d, const struct gen *g)
{
	const struct engine_conf *e = &g->policy->engine;
	int queues = e->queues > 0 ? e->queues : 1, maxlen = e->queue_maxlen > 0 ? e->queue_maxlen : 4096;
	struct eng_learned *l;
	int r;

	if (d->engine) {
		(void)queue_swap(&d->q, g->tables);	/* the old ones go with the old generation */
		return;
	}
	if (!g->tables || (!eng_tables_flows(g->tables) && !eng_tables_services(g->tables)))
		return;
	l = eng_learned_new(g->policy->breakout.dns_max);
	r = l ? queue_start(&d->q, e->queue_base, queues, maxlen, g->tables, l, commit_learned, d) :
		-ENOMEM;
	if (r < 0) {
		log_warnx("verdict engine: cannot bind NFQUEUE %d-%d (%s): its traffic is refused",
			  e->queue_base, e->queue_base + queues - 1, strerror(-r));
		return;
	}
	d->engine = true;
	log_info("verdict engine: %d queue(s) from %d, %d flow entries, %d services", queues,
		 e->queue_base, eng_tables_flows(g->tables), eng_tables_services(g->tables));
}

/* Build and apply the configured file; on success it becomes d->cur. */
static int load_and_apply(struct daemon *d)
{
	struct diag diag;
	struct gen g;
	int r, code;

	diag_init(&diag);
	r = gen_build(&d->o, &g, &diag);
	print_diag(&diag, d->ja);
	diag_fini(&diag);
	if (r < 0)
		return r == -EINVAL ? EXIT_POLICY : EXIT_KERNEL;
	if (d->engine)
		carry_learned(d, &g);
	code = gen_apply(d, &g, false);
	if (code != EXIT_OK) {
		gen_free(&g);
		return code;
	}
	if (d->o.mode == MODE_DAEMON) {
		g.tables = eng_tables_build(g.policy, g.cr);
		if (!g.tables)
			log_warnx("engine tables: out of memory: engine traffic is refused");
		engine_install(d, &g);
	}
	gen_free(&d->cur);
	d->cur = g;
	d->generation++;
	log_info("applied generation %u of '%s' (%d decisions, kernel genid %u)", d->generation,
		 d->o.file, d->cur.cr->n_decisions, d->ap.genid);
	return EXIT_OK;
}

static int mode_verify(struct daemon *d)
{
	struct diag diag;
	struct gen g;
	int r;

	diag_init(&diag);
	r = gen_build(&d->o, &g, &diag);
	if (r < 0) {
		print_diag(&diag, d->ja);
		diag_fini(&diag);
		return r == -EINVAL ? EXIT_POLICY : EXIT_KERNEL;
	}
	r = apply_verify(&d->ap, g.cr->rs, &diag);
	print_diag(&diag, d->ja);
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

static void drift_check(struct daemon *d)
{
	struct diag diag;
	int r;

	if (!d->cur.cr)
		return;
	diag_init(&diag);
	pthread_mutex_lock(&d->ap_lock);
	r = apply_verify(&d->ap, d->cur.cr->rs, &diag);
	pthread_mutex_unlock(&d->ap_lock);
	if (r != 0) {
		print_diag(&diag, d->ja);
		log_warnx("drift: table inet sanso no longer matches generation %u (%s)",
			  d->generation, r < 0 ? strerror(-r) : "changed out of band");
	}
	diag_fini(&diag);
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
 * least once a second, also when idle), so a hung engine gets the daemon restarted. */
static void watchdog(struct daemon *d, uint64_t *last)
{
	int i;

	for (i = 0; d->engine && i < d->q.n; i++) {
		uint64_t b = atomic_load(&d->q.w[i].beats);

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

static int mode_daemon(struct daemon *d)
{
	uint64_t beats[ENGINE_QUEUES_MAX] = { 0 };
	struct signalfd_siginfo si;
	struct pollfd pfd;
	long long wd_ms;
	int fd, code, r, tick, waited = 0;

	fd = signals();
	if (fd < 0) {
		log_warn("signalfd");
		return EXIT_KERNEL;
	}
	code = load_and_apply(d);
	if (code != EXIT_OK) {
		close(fd);
		return code;
	}
	notify("READY=1");
	pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
	wd_ms = getenv("WATCHDOG_USEC") ? atoll(getenv("WATCHDOG_USEC")) / 2000 : 0;
	tick = wd_ms > 0 && wd_ms < DRIFT_CHECK_MS ? (int)wd_ms : DRIFT_CHECK_MS;
	for (;;) {
		r = poll(&pfd, 1, tick);
		if (wd_ms > 0)
			watchdog(d, beats);
		if (r == 0) {
			waited += tick;
			if (waited >= DRIFT_CHECK_MS) {
				waited = 0;
				drift_check(d);
			}
			continue;
		}
		if (r < 0 || read(fd, &si, sizeof(si)) != sizeof(si))
			continue;
		if (si.ssi_signo != SIGHUP)
			break;
		log_info("SIGHUP: reloading '%s'", d->o.file);
		notify("RELOADING=1");
		if (load_and_apply(d) != EXIT_OK)
			log_warnx("reload refused: generation %u stays in the kernel", d->generation);
		notify("READY=1");
	}
	notify("STOPPING=1");
	log_info("exiting; generation %u stays in the kernel", d->generation);
	if (d->engine) {
		log_counters(d);
		queue_stop(&d->q);	/* unbound queues drop: fail closed */
	}
	close(fd);
	return EXIT_OK;
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: sansod [-f FILE] [-v]          run in the foreground (SIGHUP reloads)\n"
		"       sansod -n [-v[v]] [-k] [-f FILE] check the policy (-k: also by the kernel)\n"
		"       sansod --print-nft [-f FILE]   print the compiled ruleset in nft syntax\n"
		"       sansod --once [-f FILE]        apply, read back, exit\n"
		"       sansod --verify [-f FILE]      compare the kernel with FILE (exit 0: same)\n"
		"  -f FILE   policy (default " DEFAULT_CONF ")\n"
		"  --stats   print sizes and timings of the commit\n"
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
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	char *end;
	int c;

	memset(o, 0, sizeof(*o));
	o->file = DEFAULT_CONF;
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
		case 'N':
			errno = 0;
			o->now = strtoll(optarg, &end, 10);
			if (errno || *end || o->now <= 0)
				return -EINVAL;
			break;
		case 'h': usage(stdout); exit(EXIT_OK);
		default: return -EINVAL;
		}
	}
	if (optind != argc || (o->kernel_check && o->mode != MODE_CHECK))
		return -EINVAL;
	return 0;
}

int main(int argc, char **argv)
{
	struct daemon d;
	const char *lang = getenv("LANG");
	int code;

	memset(&d, 0, sizeof(d));
	pthread_mutex_init(&d.ap_lock, NULL);
	if (parse_args(argc, argv, &d.o) < 0) {
		usage(stderr);
		return EXIT_USAGE;
	}
	d.ja = lang && !strncmp(lang, "ja", 2);
	log_init(getenv("JOURNAL_STREAM") != NULL, d.o.verbose);
	if (d.o.mode == MODE_CHECK)
		return mode_check(&d);
	if (d.o.mode == MODE_PRINT_NFT)
		return mode_print(&d);
	if (apply_open(&d.ap) < 0) {
		log_warn("cannot open a netfilter netlink socket");
		return EXIT_KERNEL;
	}
	if (d.o.mode == MODE_VERIFY)
		code = mode_verify(&d);
	else if (d.o.mode == MODE_ONCE)
		code = load_and_apply(&d);
	else
		code = mode_daemon(&d);
	gen_free(&d.cur);
	apply_close(&d.ap);
	return code;
}
