/* SPDX-License-Identifier: GPL-2.0-only */
/* alertfmt.h: the alert events (one registry: name, severity, what it means) and their
 * renderings: RFC 5424 syslog with structured data, a JSON object (the alert command's
 * stdin), and the syslog collector URLs of the policy (udp://ADDR[:PORT], tcp://...).
 * Pure: the caller supplies the clock, the host name and the stream. */
#ifndef SANSO_ALERTFMT_H
#define SANSO_ALERTFMT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* Syslog severities (RFC 5424, 6.2.1). */
enum alert_sev {
	ALERT_EMERG = 0, ALERT_ALERT, ALERT_CRIT, ALERT_ERR, ALERT_WARNING, ALERT_NOTICE,
	ALERT_INFO, ALERT_DEBUG,
};

#define ALERT_FACILITY		16	/* local0: the SOC routes by it (sanso.conf(5)) */
#define ALERT_SD_ID		"sanso@32473"	/* RFC 5612's documentation PEN */
#define ALERT_TEXT_MAX		1024	/* the message text, bytes */

struct alert_event {
	const char *name;		/* "table.restored": the MSGID, SANSO_EVENT= */
	enum alert_sev sev;
	const char *what;		/* one line, for sanso.conf(5) and `alert test` */
};

/* The registry; NULL if name is not an event. */
const struct alert_event *alertfmt_event(const char *name);
/* The i-th event (0..), NULL past the last. */
const struct alert_event *alertfmt_event_at(int i);
const char *alertfmt_sev_name(enum alert_sev s);

/* One alert as it leaves: what happened and where. */
struct alert_msg {
	const struct alert_event *ev;
	const char *text;		/* the message (UTF-8) */
	const char *timestamp;		/* RFC 3339, e.g. 2026-12-05T23:07:03.123456+09:00 */
	const char *host;		/* HOSTNAME, "-" if unknown */
	int pid;
	uint64_t seq;			/* per process, every alert sent */
	unsigned suppressed;		/* of this event since the last one sent (rate limit) */
};

/* One RFC 5424 message (no framing, no newline) into out. */
int alertfmt_rfc5424(FILE *out, const struct alert_msg *m);
/* The SD-PARAM value v escaped (RFC 5424 6.3.3: '"', '\' and ']' get a backslash; control
 * bytes become a space) into out, at most size bytes with the NUL; -ENOSPC if cut. */
int alertfmt_sd_escape(const char *v, char *out, size_t size);
/* One JSON object, one line: the event for the alert command and the journal. */
int alertfmt_json(FILE *out, const struct alert_msg *m);

enum alert_proto { ALERT_UDP = 1, ALERT_TCP };

/* A syslog collector: udp://ADDR[:PORT] or tcp://ADDR[:PORT]; ADDR is a literal IPv4 or
 * [IPv6] address (no name: the unit's IPAddressAllow= names addresses, and no lookup stalls
 * an alert); PORT defaults to 514. */
struct alert_url {
	enum alert_proto proto;
	int family;			/* AF_INET, AF_INET6 */
	uint8_t addr[16];
	uint16_t port;
	char text[80];			/* canonical "udp://10.20.0.60:514" */
};

/* 0, or -EINVAL with *why set to a static "what is wrong, how to write it". */
int alertfmt_url_parse(const char *s, struct alert_url *u, const char **why);

#endif
