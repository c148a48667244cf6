/* SPDX-License-Identifier: GPL-2.0-only */
/* alert.c: see alert.h. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "alert.h"
#include "log.h"

#define ALERT_WINDOW_MS		60000	/* the rate limit's window */
#define ALERT_RETRY_MS		10000	/* a TCP collector: connect again after */
#define ALERT_CONNECT_MS	5000	/* a connect not done by then is given up */
#define ALERT_SNDBUF		16384	/* TCP: the kernel's share of a collector's queue */
#define ALERT_MSG_MAX		(3 * ALERT_TEXT_MAX + 512)
#define ALERT_EVENTS_MAX	64
#define JOURNAL_SOCKET		"/run/systemd/journal/socket"

extern char **environ;

struct sink {
	struct alert_url url;
	int fd;				/* -1: none */
	bool connecting;		/* TCP: connect in progress */
	int64_t retry_ms;		/* TCP: not before (monotonic ms) */
	int64_t connect_ms;		/* TCP: connect started */
	char *buf;			/* TCP: framed messages not yet written */
	size_t len;
	uint64_t sent, dropped;
	int last_err;			/* logged once per kind of failure */
};

struct child {
	pid_t pid;			/* 0: free slot */
	int fd;				/* its stdin (our end), -1 when all was written */
	char *buf;
	size_t len, off;
	int64_t deadline_ms;
	bool killed;
};

struct rate {
	int64_t window_ms;		/* start of the window */
	int in_window;
	unsigned suppressed;
	uint64_t raised, dropped;
};

static struct alert_state {
	pthread_mutex_t lock;
	struct sink sinks[ALERT_SINKS_MAX];
	int n_sinks;
	char command[4096];		/* "": none */
	int timeout_s;
	int burst;			/* alerts per event and minute */
	struct child kids[ALERT_CHILDREN];
	char *pending[ALERT_PENDING];	/* JSON waiting for a free slot */
	int n_pending;
	struct rate rate[ALERT_EVENTS_MAX];
	uint64_t seq, cmd_run, cmd_dropped, cmd_killed, cmd_failed;
	char host[256];
	int journal;			/* 0 unknown, 1 native socket, -1 stderr */
} al = { .lock = PTHREAD_MUTEX_INITIALIZER, .timeout_s = ALERTS_COMMAND_TIMEOUT,
	 .burst = ALERTS_RATE };

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* RFC 3339 with microseconds and the local offset (the SOC compares with JST). */
static void timestamp(char *buf, size_t size)
{
	struct timespec ts;
	struct tm tm;
	long off;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
	off = tm.tm_gmtoff / 60;
	snprintf(buf + n, size - n, ".%06ld%c%02ld:%02ld", ts.tv_nsec / 1000, off < 0 ? '-' : '+',
		 labs(off) / 60, labs(off) % 60);
}

static int event_index(const struct alert_event *ev)
{
	int i;

	for (i = 0; alertfmt_event_at(i); i++)
		if (alertfmt_event_at(i) == ev)
			return i < ALERT_EVENTS_MAX ? i : -1;
	return -1;
}

/* ---- the journal ------------------------------------------------------------------------ */

/* Native protocol (systemd.journal-fields(7)): one datagram of FIELD=value lines; values are
 * single lines here (the message's control bytes are spaces). */
static int journal_send(const struct alert_msg *m)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX, .sun_path = JOURNAL_SOCKET };
	char d[ALERT_MSG_MAX], *p;
	int fd, n, r = 0;

	n = snprintf(d, sizeof(d), "MESSAGE=ALERT %s: %s\nPRIORITY=%d\nSYSLOG_IDENTIFIER=sansod\n"
		     "SANSO_EVENT=%s\nSANSO_SEVERITY=%s\nSANSO_SEQ=%llu\nSANSO_SUPPRESSED=%u\n",
		     m->ev->name, m->text, (int)m->ev->sev, m->ev->name,
		     alertfmt_sev_name(m->ev->sev), (unsigned long long)m->seq, m->suppressed);
	if (n < 0 || (size_t)n >= sizeof(d))
		n = (int)strlen(d);
	for (p = d + strlen("MESSAGE="); *p && *p != '\n'; p++)
		if ((unsigned char)*p < 0x20)
			*p = ' ';
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (sendto(fd, d, (size_t)n, MSG_NOSIGNAL, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		r = -errno;
	close(fd);
	return r;
}

/* Under systemd (JOURNAL_STREAM set) the native socket, else stderr ("<N>" or plain). */
static void sink_journal(const struct alert_msg *m)
{
	if (!al.journal)
		al.journal = getenv("JOURNAL_STREAM") ? 1 : -1;
	if (al.journal > 0 && journal_send(m) == 0)
		return;
	log_event((int)m->ev->sev, "ALERT SANSO_EVENT=%s SANSO_SEVERITY=%s%s%.0u: %s", m->ev->name,
		  alertfmt_sev_name(m->ev->sev), m->suppressed ? " SANSO_SUPPRESSED=" : "",
		  m->suppressed, m->text);
}

/* ---- syslog ----------------------------------------------------------------------------- */

static void sink_err(struct sink *s, int err, const char *what)
{
	if (s->last_err == err)
		return;
	s->last_err = err;
	log_warnx("alerts: syslog %s: %s: %s%s", s->url.text, what, strerror(err),
		  err == EPERM || err == EAFNOSUPPORT ? " (under systemd: the unit allows no IP "
		  "socket or not this address; sanso-generator opens the policy's collectors: "
		  "systemctl daemon-reload && systemctl restart sansod; sansod(8) ALERTS)" : "");
}

static void sink_close(struct sink *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	s->connecting = false;
}

static socklen_t sink_addr(const struct sink *s, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (s->url.family == AF_INET6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons(s->url.port);
		memcpy(&a->sin6_addr, s->url.addr, 16);
		return sizeof(*a);
	}
	struct sockaddr_in *a = (struct sockaddr_in *)ss;

	a->sin_family = AF_INET;
	a->sin_port = htons(s->url.port);
	memcpy(&a->sin_addr, s->url.addr, 4);
	return sizeof(*a);
}

/* A socket to the collector, connected (UDP) or connecting (TCP); non-blocking. */
static void sink_open(struct sink *s)
{
	struct sockaddr_storage ss;
	socklen_t len = sink_addr(s, &ss);
	int type = s->url.proto == ALERT_TCP ? SOCK_STREAM : SOCK_DGRAM;

	s->fd = socket(s->url.family, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s->fd < 0) {
		sink_err(s, errno, "socket");
		s->retry_ms = now_ms() + ALERT_RETRY_MS;
		return;
	}
	if (type == SOCK_STREAM)	/* what a collector does not read is bounded here too */
		(void)setsockopt(s->fd, SOL_SOCKET, SO_SNDBUF, &(int){ ALERT_SNDBUF }, sizeof(int));
	if (connect(s->fd, (struct sockaddr *)&ss, len) == 0)
		return;
	if (errno == EINPROGRESS) {
		s->connecting = true;
		s->connect_ms = now_ms();
		return;
	}
	sink_err(s, errno, "connect");
	sink_close(s);
	s->retry_ms = now_ms() + ALERT_RETRY_MS;
}

/* TCP: finish a connect, then write what is queued, as far as the socket takes it. */
static void sink_flush(struct sink *s)
{
	struct pollfd p = { .fd = s->fd, .events = POLLOUT };
	int err = 0;
	socklen_t elen = sizeof(err);
	ssize_t n;

	if (s->fd < 0 && s->len && now_ms() >= s->retry_ms)
		sink_open(s);
	if (s->fd < 0)
		return;
	if (s->connecting) {
		if (poll(&p, 1, 0) <= 0) {
			if (now_ms() - s->connect_ms < ALERT_CONNECT_MS)
				return;
			err = ETIMEDOUT;
		} else if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0) {
			err = errno;
		}
		if (err) {
			sink_err(s, err, "connect");
			sink_close(s);
			s->retry_ms = now_ms() + ALERT_RETRY_MS;
			return;
		}
		s->connecting = false;
		s->last_err = 0;
	}
	while (s->len) {
		n = send(s->fd, s->buf, s->len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			sink_err(s, n < 0 ? errno : EPIPE, "send");
			sink_close(s);
			s->retry_ms = now_ms() + ALERT_RETRY_MS;
			return;
		}
		memmove(s->buf, s->buf + n, s->len - (size_t)n);
		s->len -= (size_t)n;
	}
}

/* RFC 6587 octet counting: "LEN SP MSG"; dropped when the queue is full. */
static void sink_tcp(struct sink *s, const char *msg, size_t len)
{
	char hdr[16];
	int h = snprintf(hdr, sizeof(hdr), "%zu ", len);

	if (!s->buf)
		s->buf = malloc(ALERT_TCP_BUF);
	if (!s->buf || s->len + (size_t)h + len > ALERT_TCP_BUF) {
		s->dropped++;
		return;
	}
	memcpy(s->buf + s->len, hdr, (size_t)h);
	memcpy(s->buf + s->len + h, msg, len);
	s->len += (size_t)h + len;
	s->sent++;
	sink_flush(s);
}

static void sink_udp(struct sink *s, const char *msg, size_t len)
{
	if (s->fd < 0 && now_ms() >= s->retry_ms)
		sink_open(s);
	if (s->fd >= 0 && send(s->fd, msg, len, MSG_NOSIGNAL | MSG_DONTWAIT) >= 0) {
		s->sent++;
		s->last_err = 0;
		return;
	}
	s->dropped++;
	if (s->fd >= 0 && errno != ECONNREFUSED)	/* ICMP of an earlier one: next try */
		sink_err(s, errno, "send");
}

static void sinks_syslog(const struct alert_msg *m)
{
	char msg[ALERT_MSG_MAX];
	FILE *f;
	size_t len;
	int i;

	if (!al.n_sinks)
		return;
	f = fmemopen(msg, sizeof(msg), "w");
	if (!f)
		return;
	(void)alertfmt_rfc5424(f, m);
	len = (size_t)ftell(f);
	fclose(f);
	len = len < sizeof(msg) ? len : sizeof(msg) - 1;
	for (i = 0; i < al.n_sinks; i++) {
		if (al.sinks[i].url.proto == ALERT_TCP)
			sink_tcp(&al.sinks[i], msg, len);
		else
			sink_udp(&al.sinks[i], msg, len);
	}
}

/* ---- the command ------------------------------------------------------------------------ */

/* Write what the child's stdin takes; at the end, EOF (the socket's write side shut). */
static void child_feed(struct child *k)
{
	ssize_t n;

	while (k->fd >= 0 && k->off < k->len) {
		n = send(k->fd, k->buf + k->off, k->len - k->off, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0)
			break;		/* it closed its stdin: its business */
		k->off += (size_t)n;
	}
	if (k->fd >= 0)
		close(k->fd);
	k->fd = -1;
}

/* The command, in a process group of its own (killed as a whole on timeout), its stdin one
 * end of a socket pair (sends that cannot raise SIGPIPE), every other descriptor closed. */
static int child_spawn(struct child *k, char *json, const char *event)
{
	char ev[96], *argv[3] = { al.command, (char *)event, NULL };
	char *envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", ev, NULL };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	int sv[2], r;

	snprintf(ev, sizeof(ev), "SANSO_EVENT=%s", event);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, sv[1], 0);
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	posix_spawnattr_init(&at);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
				 POSIX_SPAWN_SETSIGDEF);
	posix_spawnattr_setpgroup(&at, 0);
	{
		sigset_t none, all;

		sigemptyset(&none);
		sigfillset(&all);
		posix_spawnattr_setsigmask(&at, &none);	/* sansod blocks HUP, TERM, INT */
		posix_spawnattr_setsigdefault(&at, &all);
	}
	r = posix_spawn(&k->pid, al.command, &fa, &at, argv, envp);
	posix_spawnattr_destroy(&at);
	posix_spawn_file_actions_destroy(&fa);
	close(sv[1]);
	if (r) {
		close(sv[0]);
		k->pid = 0;
		return -r;
	}
	(void)fcntl(sv[0], F_SETFL, O_NONBLOCK);
	*k = (struct child){ .pid = k->pid, .fd = sv[0], .buf = json, .len = strlen(json),
			     .deadline_ms = now_ms() + (int64_t)al.timeout_s * 1000 };
	al.cmd_run++;
	child_feed(k);
	return 0;
}

/* json is taken over. The event name is the JSON's (argv[1] of the command). */
static void command_start(char *json, const char *event)
{
	int i, r;

	for (i = 0; i < ALERT_CHILDREN && al.kids[i].pid; i++)
		;
	if (i == ALERT_CHILDREN) {
		if (al.n_pending < ALERT_PENDING) {
			al.pending[al.n_pending++] = json;
			return;
		}
		al.cmd_dropped++;
		free(json);
		return;
	}
	r = child_spawn(&al.kids[i], json, event);
	if (r < 0) {
		al.cmd_failed++;
		log_warnx("alerts: command '%s': cannot run it: %s", al.command, strerror(-r));
		free(json);
	}
}

static void sink_command(const struct alert_msg *m)
{
	char *json = NULL;
	size_t len = 0;
	FILE *f;

	if (!al.command[0])
		return;
	f = open_memstream(&json, &len);
	if (!f)
		return;
	(void)alertfmt_json(f, m);
	if (fclose(f) != 0) {
		free(json);
		return;
	}
	command_start(json, m->ev->name);
}

/* Reap, feed, and kill what outlived its timeout; start what waits. */
static void children_tick(void)
{
	int i, st;
	char ev[64];

	for (i = 0; i < ALERT_CHILDREN; i++) {
		struct child *k = &al.kids[i];

		if (!k->pid)
			continue;
		child_feed(k);
		if (waitpid(k->pid, &st, WNOHANG) == k->pid) {
			if (!k->killed && !(WIFEXITED(st) && WEXITSTATUS(st) == 0)) {
				al.cmd_failed++;
				log_warnx("alerts: command '%s' failed (%s %d)", al.command,
					  WIFEXITED(st) ? "exit" : "signal",
					  WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
			}
			if (k->fd >= 0)
				close(k->fd);
			free(k->buf);
			*k = (struct child){ .fd = -1 };
			continue;
		}
		if (!k->killed && now_ms() >= k->deadline_ms) {
			kill(-k->pid, SIGKILL);
			kill(k->pid, SIGKILL);
			k->killed = true;
			al.cmd_killed++;
			log_warnx("alerts: command '%s' (pid %d) still ran after %d s: killed",
				  al.command, (int)k->pid, al.timeout_s);
		}
	}
	while (al.n_pending) {
		for (i = 0; i < ALERT_CHILDREN && al.kids[i].pid; i++)
			;
		if (i == ALERT_CHILDREN)
			break;
		char *json = al.pending[0];
		const char *e = strstr(json, "\"event\": \"");

		memmove(al.pending, al.pending + 1, (size_t)--al.n_pending * sizeof(char *));
		snprintf(ev, sizeof(ev), "%.*s", e ? (int)strcspn(e + 10, "\"") : 1, e ? e + 10 : "?");
		command_start(json, ev);
	}
}

/* ---- raising ---------------------------------------------------------------------------- */

static void emit(const struct alert_event *ev, const char *text, unsigned suppressed)
{
	char ts[64];
	struct alert_msg m = { .ev = ev, .text = text, .timestamp = ts, .host = al.host,
			       .pid = (int)getpid(), .seq = ++al.seq, .suppressed = suppressed };

	timestamp(ts, sizeof(ts));
	if (!al.host[0] && gethostname(al.host, sizeof(al.host) - 1) < 0)
		strcpy(al.host, "-");
	sink_journal(&m);
	sinks_syslog(&m);
	sink_command(&m);
}

/* true: send it now (with r->suppressed, then reset); false: suppressed. */
static bool rate_pass(struct rate *r, int64_t now)
{
	if (now - r->window_ms >= ALERT_WINDOW_MS) {
		r->window_ms = now;
		r->in_window = 0;
	}
	r->raised++;
	if (++r->in_window <= al.burst)
		return true;
	r->suppressed++;
	r->dropped++;
	return false;
}

void alert_raise(const char *event, const char *fmt, ...)
{
	const struct alert_event *ev = alertfmt_event(event);
	char text[ALERT_TEXT_MAX];
	struct rate *r;
	unsigned sup;
	va_list ap;
	int i = event_index(ev);

	if (i < 0) {
		log_warnx("alerts: '%s' is not an alert event (alertfmt.c): not sent", event);
		return;
	}
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&al.lock);
	r = &al.rate[i];
	if (rate_pass(r, now_ms())) {
		sup = r->suppressed;
		r->suppressed = 0;
		emit(ev, text, sup);
	}
	pthread_mutex_unlock(&al.lock);
}

/* A window ended with alerts suppressed: say how many, once. */
static void rate_tick(int64_t now)
{
	const struct alert_event *ev;
	char text[160];
	int i;

	for (i = 0; (ev = alertfmt_event_at(i)) && i < ALERT_EVENTS_MAX; i++) {
		struct rate *r = &al.rate[i];

		if (!r->suppressed || now - r->window_ms < ALERT_WINDOW_MS)
			continue;
		snprintf(text, sizeof(text), "%u more '%s' alerts in the last minute were not sent "
			 "(at most %d a minute)", r->suppressed, ev->name, al.burst);
		r->window_ms = now;
		r->in_window = 1;
		emit(ev, text, r->suppressed);
		r->suppressed = 0;
	}
}

/* ---- configuration and the loop ---------------------------------------------------------- */

static bool same_conf(const struct alerts_conf *c)
{
	int i;

	al.burst = c && c->rate ? c->rate : ALERTS_RATE;	/* takes effect at once */
	if ((c ? c->n_syslog : 0) != al.n_sinks ||
	    strcmp(c && c->command ? c->command : "", al.command) ||
	    (c && c->command_timeout ? c->command_timeout : ALERTS_COMMAND_TIMEOUT) != al.timeout_s)
		return false;
	for (i = 0; i < al.n_sinks; i++) {
		struct alert_url u;
		const char *why;

		if (alertfmt_url_parse(c->syslog[i], &u, &why) < 0 ||
		    strcmp(u.text, al.sinks[i].url.text))
			return false;
	}
	return true;
}

static void sinks_free(void)
{
	int i;

	for (i = 0; i < al.n_sinks; i++) {
		sink_close(&al.sinks[i]);
		free(al.sinks[i].buf);
	}
	al.n_sinks = 0;
}

void alert_configure(const struct alerts_conf *c)
{
	const char *why;
	int i;

	pthread_mutex_lock(&al.lock);
	if (same_conf(c))
		goto out;
	sinks_free();
	for (i = 0; c && i < c->n_syslog && al.n_sinks < ALERT_SINKS_MAX; i++) {
		struct sink *s = &al.sinks[al.n_sinks];

		*s = (struct sink){ .fd = -1 };
		if (alertfmt_url_parse(c->syslog[i], &s->url, &why) < 0)
			continue;	/* conf.c refused it already */
		al.n_sinks++;
		if (s->url.proto == ALERT_UDP)
			sink_open(s);
	}
	snprintf(al.command, sizeof(al.command), "%s", c && c->command ? c->command : "");
	al.timeout_s = c && c->command_timeout ? c->command_timeout : ALERTS_COMMAND_TIMEOUT;
	log_info("alerts: journal%s%d syslog collector(s), command %s", al.n_sinks ? ", " : " and ",
		 al.n_sinks, al.command[0] ? al.command : "none");
out:
	pthread_mutex_unlock(&al.lock);
}

int alert_pollfds(struct pollfd *pfd, int max)
{
	int i, n = 0;

	pthread_mutex_lock(&al.lock);
	for (i = 0; i < al.n_sinks && n < max; i++) {
		const struct sink *s = &al.sinks[i];

		if (s->fd >= 0 && s->url.proto == ALERT_TCP && (s->connecting || s->len))
			pfd[n++] = (struct pollfd){ .fd = s->fd, .events = POLLOUT };
	}
	for (i = 0; i < ALERT_CHILDREN && n < max; i++)
		if (al.kids[i].pid && al.kids[i].fd >= 0)
			pfd[n++] = (struct pollfd){ .fd = al.kids[i].fd, .events = POLLOUT };
	pthread_mutex_unlock(&al.lock);
	return n;
}

/* Something waits on time (a command's deadline, a reconnect, a rate-limit summary). */
int alert_next_ms(void)
{
	int i, ms = -1;

	pthread_mutex_lock(&al.lock);
	for (i = 0; i < ALERT_CHILDREN; i++)
		if (al.kids[i].pid)
			ms = 1000;
	for (i = 0; i < al.n_sinks; i++)
		if (al.sinks[i].len || al.sinks[i].connecting)
			ms = 1000;
	for (i = 0; i < ALERT_EVENTS_MAX; i++)
		if (al.rate[i].suppressed)
			ms = 1000;
	pthread_mutex_unlock(&al.lock);
	return ms;
}

void alert_tick(void)
{
	int i;

	pthread_mutex_lock(&al.lock);
	for (i = 0; i < al.n_sinks; i++)
		if (al.sinks[i].url.proto == ALERT_TCP)
			sink_flush(&al.sinks[i]);
	children_tick();
	rate_tick(now_ms());
	pthread_mutex_unlock(&al.lock);
}

void alert_describe(FILE *out)
{
	int i;

	pthread_mutex_lock(&al.lock);
	fprintf(out, "journal:     %s\n", al.journal > 0 ? "native protocol (" JOURNAL_SOCKET ")" :
		"stderr (no journal)");
	for (i = 0; i < al.n_sinks; i++) {
		const struct sink *s = &al.sinks[i];

		fprintf(out, "syslog:      %s: %s, %llu sent, %llu dropped, %zu bytes queued%s%s\n",
			s->url.text, s->fd < 0 ? "not connected" : s->connecting ? "connecting" :
			"connected", (unsigned long long)s->sent, (unsigned long long)s->dropped,
			s->len, s->last_err ? ", last error: " : "",
			s->last_err ? strerror(s->last_err) : "");
	}
	if (!al.n_sinks)
		fprintf(out, "syslog:      none (policy alerts.syslog)\n");
	if (al.command[0])
		fprintf(out, "command:     %s (timeout %d s): %llu run, %llu failed, %llu killed, "
			"%llu dropped, %d waiting\n", al.command, al.timeout_s,
			(unsigned long long)al.cmd_run, (unsigned long long)al.cmd_failed,
			(unsigned long long)al.cmd_killed, (unsigned long long)al.cmd_dropped,
			al.n_pending);
	else
		fprintf(out, "command:     none (policy alerts.command)\n");
	pthread_mutex_unlock(&al.lock);
}

void alert_prometheus(FILE *out)
{
	const struct alert_event *ev;
	int i;

	pthread_mutex_lock(&al.lock);
	fprintf(out, "# TYPE sanso_alerts_total counter\n# TYPE sanso_alerts_suppressed_total counter\n");
	for (i = 0; (ev = alertfmt_event_at(i)) && i < ALERT_EVENTS_MAX; i++)
		fprintf(out, "sanso_alerts_total{event=\"%s\"} %llu\n"
			"sanso_alerts_suppressed_total{event=\"%s\"} %llu\n", ev->name,
			(unsigned long long)al.rate[i].raised, ev->name,
			(unsigned long long)al.rate[i].dropped);
	fprintf(out, "# TYPE sanso_alert_syslog_sent_total counter\n"
		"# TYPE sanso_alert_syslog_dropped_total counter\n");
	for (i = 0; i < al.n_sinks; i++)
		fprintf(out, "sanso_alert_syslog_sent_total{sink=\"%s\"} %llu\n"
			"sanso_alert_syslog_dropped_total{sink=\"%s\"} %llu\n", al.sinks[i].url.text,
			(unsigned long long)al.sinks[i].sent, al.sinks[i].url.text,
			(unsigned long long)al.sinks[i].dropped);
	fprintf(out, "# TYPE sanso_alert_command_total counter\n"
		"sanso_alert_command_total{result=\"run\"} %llu\n"
		"sanso_alert_command_total{result=\"failed\"} %llu\n"
		"sanso_alert_command_total{result=\"killed\"} %llu\n"
		"sanso_alert_command_total{result=\"dropped\"} %llu\n",
		(unsigned long long)al.cmd_run, (unsigned long long)al.cmd_failed,
		(unsigned long long)al.cmd_killed, (unsigned long long)al.cmd_dropped);
	pthread_mutex_unlock(&al.lock);
}

void alert_shutdown(void)
{
	int i;

	pthread_mutex_lock(&al.lock);
	for (i = 0; i < al.n_sinks; i++)
		if (al.sinks[i].url.proto == ALERT_TCP)
			sink_flush(&al.sinks[i]);	/* what the socket takes now */
	sinks_free();
	for (i = 0; i < ALERT_CHILDREN; i++) {
		if (!al.kids[i].pid)
			continue;
		kill(-al.kids[i].pid, SIGKILL);	/* nobody would reap or time it out */
		(void)waitpid(al.kids[i].pid, NULL, 0);
		if (al.kids[i].fd >= 0)
			close(al.kids[i].fd);
		free(al.kids[i].buf);
		al.kids[i] = (struct child){ .fd = -1 };
	}
	for (i = 0; i < al.n_pending; i++)
		free(al.pending[i]);
	al.n_pending = 0;
	pthread_mutex_unlock(&al.lock);
}
