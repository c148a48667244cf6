/* SPDX-License-Identifier: GPL-2.0-only */
/* alertfmt.c: see alertfmt.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "alertfmt.h"
#include "util_json.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define ALERT_PORT	514

/* Every event sansod raises. A name is never reused for something else: SOC rules match it. */
static const struct alert_event events[] = {
	{ "alert.test",		  ALERT_NOTICE,	 "a test through every sink (sansoctl alert test)" },
	{ "ruleset.drift",	  ALERT_ERR,	 "table inet sanso no longer matches the generation in force" },
	{ "ruleset.foreign",	  ALERT_WARNING, "another process changed table inet sanso" },
	{ "table.removed",	  ALERT_ALERT,	 "table inet sanso was removed by another process and restored" },
	{ "table.restore_failed", ALERT_EMERG,	 "table inet sanso was removed and could not be restored" },
	{ "table.restore_loop",	  ALERT_ALERT,	 "table inet sanso is removed again and again" },
	{ "store.refused",	  ALERT_ALERT,	 "a stored policy version was edited or corrupted" },
	{ "store.unwritable",	  ALERT_CRIT,	 "the configuration store cannot be written" },
	{ "change.not_ratified",	  ALERT_WARNING, "an emergency change is not ratified by another admin" },
	{ "change.unconfirmed",	  ALERT_CRIT,	 "a change was not confirmed and could not be reverted" },
	{ "audit.failing",	  ALERT_CRIT,	 "the audit trail cannot be written" },
	{ "flowlog.failing",	  ALERT_ERR,	 "the flow log cannot be written" },
	{ "engine.overload",	  ALERT_WARNING, "the verdict engine refuses work (queue full, out of time)" },
	{ "queue.drops",	  ALERT_WARNING, "the kernel dropped packets queued to the verdict engine" },
	{ "conntrack.high",	  ALERT_WARNING, "the conntrack table is above limits.conntrack_warn" },
	{ "scan.detected",	  ALERT_WARNING, "a source scans ports or hosts from the Internet or LGWAN zone" },
	{ "burst.detected",	  ALERT_WARNING, "a source in the Internet or LGWAN zone sends a burst of refused or new connections" },
	{ "exception.expiring",	  ALERT_NOTICE,	 "an exception expires within 30 days" },
	{ "ismap.expiring",	  ALERT_NOTICE,	 "a breakout service's ISMAP registration expires within 30 days" },
	{ "clock.unsync",	  ALERT_WARNING, "the clock is not synchronised: timestamps of evidence are doubtful" },
	{ "ha.state",		  ALERT_NOTICE,	 "the HA pair's state changed (in sync, or not)" },
};

static const char *const sev_names[] = {
	"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug",
};

const struct alert_event *alertfmt_event(const char *name)
{
	size_t i;

	for (i = 0; name && i < ARRAY_SIZE(events); i++)
		if (!strcmp(events[i].name, name))
			return &events[i];
	return NULL;
}

const struct alert_event *alertfmt_event_at(int i)
{
	return i >= 0 && (size_t)i < ARRAY_SIZE(events) ? &events[i] : NULL;
}

const char *alertfmt_sev_name(enum alert_sev s)
{
	return (unsigned)s < ARRAY_SIZE(sev_names) ? sev_names[s] : "?";
}

int alertfmt_sd_escape(const char *v, char *out, size_t size)
{
	size_t o = 0;

	if (!size)
		return -ENOSPC;
	for (; v && *v; v++) {
		unsigned char c = (unsigned char)*v;
		bool esc = c == '"' || c == '\\' || c == ']';

		if (o + esc + 1 >= size) {
			out[o] = '\0';
			return -ENOSPC;
		}
		if (esc)
			out[o++] = '\\';
		out[o++] = c < 0x20 || c == 0x7f ? ' ' : (char)c;
	}
	out[o] = '\0';
	return (int)o;
}

/* The MSG: UTF-8 after a BOM (RFC 5424 6.4), one line. */
static void msg_text(FILE *out, const char *s)
{
	fputs("\xEF\xBB\xBF", out);
	for (; s && *s; s++)
		fputc((unsigned char)*s < 0x20 ? ' ' : *s, out);
}

int alertfmt_rfc5424(FILE *out, const struct alert_msg *m)
{
	char esc[2 * ALERT_TEXT_MAX + 1];

	/* HEADER: PRI VERSION TIMESTAMP HOSTNAME APP-NAME PROCID MSGID */
	fprintf(out, "<%d>1 %s %s sansod %d %s [" ALERT_SD_ID " event=\"%s\" severity=\"%s\" "
		"seq=\"%" PRIu64 "\" suppressed=\"%u\"", ALERT_FACILITY * 8 + (int)m->ev->sev,
		m->timestamp, m->host && *m->host ? m->host : "-", m->pid, m->ev->name,
		m->ev->name, alertfmt_sev_name(m->ev->sev), m->seq, m->suppressed);
	(void)alertfmt_sd_escape(m->text, esc, sizeof(esc));
	fprintf(out, " msg=\"%s\"] ", esc);
	msg_text(out, m->text);
	return ferror(out) ? -EIO : 0;
}

int alertfmt_json(FILE *out, const struct alert_msg *m)
{
	fputs("{\"timestamp\": ", out);
	util_json_str(out, m->timestamp);
	fputs(", \"event\": ", out);
	util_json_str(out, m->ev->name);
	fprintf(out, ", \"severity\": \"%s\", \"priority\": %d, \"host\": ",
		alertfmt_sev_name(m->ev->sev), (int)m->ev->sev);
	util_json_str(out, m->host);
	fputs(", \"message\": ", out);
	util_json_str(out, m->text);
	fputs(", \"what\": ", out);
	util_json_str(out, m->ev->what);
	fprintf(out, ", \"pid\": %d, \"seq\": %" PRIu64 ", \"suppressed\": %u}\n", m->pid, m->seq,
		m->suppressed);
	return ferror(out) ? -EIO : 0;
}

/* ":PORT" at s (or nothing): 1-65535. */
static int url_port(const char *s, uint16_t *port)
{
	char *end;
	long v;

	if (!*s) {
		*port = ALERT_PORT;
		return 0;
	}
	if (*s != ':' || !s[1] || s[1] < '0' || s[1] > '9')
		return -EINVAL;
	v = strtol(s + 1, &end, 10);
	if (*end || v < 1 || v > 65535)
		return -EINVAL;
	*port = (uint16_t)v;
	return 0;
}

static int url_host(const char *h, struct alert_url *u, const char **rest)
{
	char buf[64];
	const char *end;
	size_t n;

	if (*h == '[') {
		end = strchr(h, ']');
		u->family = AF_INET6;
		h++;
	} else {
		end = h + strcspn(h, ":");
		u->family = AF_INET;
	}
	if (!end || (n = (size_t)(end - h)) == 0 || n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, h, n);
	buf[n] = '\0';
	if (inet_pton(u->family, buf, u->addr) != 1)
		return -EINVAL;
	*rest = end + (u->family == AF_INET6);
	return 0;
}

int alertfmt_url_parse(const char *s, struct alert_url *u, const char **why)
{
	const char *rest;
	char a[64];

	memset(u, 0, sizeof(*u));
	*why = "write udp://ADDRESS[:PORT] or tcp://ADDRESS[:PORT], e.g. \"udp://10.20.0.60:514\" "
	       "or \"tcp://[2001:db8::60]:6514\"";
	if (!strncmp(s, "udp://", 6))
		u->proto = ALERT_UDP;
	else if (!strncmp(s, "tcp://", 6))
		u->proto = ALERT_TCP;
	else
		return -EINVAL;
	if (url_host(s + 6, u, &rest) < 0) {
		*why = "the collector must be a literal IPv4 address or an IPv6 address in [ ] (no "
		       "name: nothing is looked up when an alert leaves), e.g. \"udp://10.20.0.60:514\"";
		return -EINVAL;
	}
	if (url_port(rest, &u->port) < 0) {
		*why = "the port must be :1 to :65535 after the address (default 514), e.g. "
		       "\"tcp://10.20.0.60:514\"";
		return -EINVAL;
	}
	inet_ntop(u->family, u->addr, a, sizeof(a));
	snprintf(u->text, sizeof(u->text), u->family == AF_INET6 ? "%s://[%s]:%u" : "%s://%s:%u",
		 u->proto == ALERT_UDP ? "udp" : "tcp", a, u->port);
	*why = NULL;
	return 0;
}
