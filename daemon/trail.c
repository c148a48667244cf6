/* SPDX-License-Identifier: GPL-2.0-only */
/* trail.c: the daemon's audit trail — open and check it at start, record events; see
 * trail.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "trail.h"

/* See trail.h. */
int trail_audit(struct daemon *d, const char *actor, const char *event, ...)
{
	struct audit_fields f;
	const char *k, *v;
	va_list ap;
	int r;

	if (!d->audit_on)	/* no trail configured: nothing to do; a broken one: refuse */
		return d->o.audit ? -EIO : 0;
	audit_fields_init(&f);
	va_start(ap, event);
	while ((k = va_arg(ap, const char *)) && (v = va_arg(ap, const char *)))
		audit_field_str(&f, k, v);
	va_end(ap);
	r = audit_append(&d->au, (int64_t)time(NULL), actor, event, &f);
	if (r < 0) {
		log_warnx("audit trail '%s': cannot record %s: %s", d->o.audit, event, strerror(-r));
		d->audit_failed = true;
	}
	return r;
}

int trail_start(struct daemon *d)
{
	struct audit_report rep;
	char anchor[4096];
	int r;

	if (!d->o.audit)
		return 0;
	if (d->o.state_dir)
		snprintf(anchor, sizeof(anchor), "%s/audit.anchor", d->o.state_dir);
	/* the whole chain is checked before it is continued (R87): a tampered trail stops
	 * every change until an operator looks at it */
	r = audit_verify(d->o.audit, NULL, &rep);
	if (r == -ENOENT)
		r = 0;
	if (r >= 0)
		r = audit_open(&d->au, d->o.audit, d->o.state_dir ? anchor : NULL);
	if (r < 0) {
		log_warnx("audit trail '%s': %s: changes are refused until it can be written%s",
			  d->o.audit, r == -EBADMSG ? "tampered or truncated (sansoctl audit verify)" :
			  strerror(-r), d->o.audit_alert_only ? "" :
			  "; traffic between zones is cut (--audit-failure block-crosszone)");
		d->audit_failed = true;
		return r;
	}
	d->audit_on = true;
	d->audit_failed = false;
	return trail_audit(d, "sansod", AUDIT_EV_START, "policy", d->o.file, NULL);
}
