/* SPDX-License-Identifier: GPL-2.0-only */
/* trail.c: the daemon's audit trail — open and check it at start, record events; see
 * trail.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "alert.h"
#include "log.h"
#include "sha256.h"
#include "sign.h"
#include "trail.h"

/* A signed checkpoint of the chain's head (the last record), when there is a signing key
 * (sansoctl keygen). Written with audit_append() itself: no recursion. 0 or -errno. */
static int checkpoint(struct daemon *d)
{
	char msg[160], b64[SIGN_B64_LEN + 1], id[SIGN_KEYID_LEN + 1], seq[24], hex[SHA256_HEX_SIZE];
	struct audit_fields f;
	int64_t now = (int64_t)time(NULL);
	int r;

	d->ckpt_at = now;
	if (!d->o.state_dir || !d->audit_on || !d->ckpt_pending)
		return 0;
	audit_checkpoint_msg(d->au.last.seq, d->au.last.hash, msg, sizeof(msg));
	r = sign_msg(d->o.state_dir, msg, strlen(msg), b64, id);
	if (r == -ENOENT) {		/* no key: try again after the next batch */
		d->ckpt_pending = 0;
		return 0;
	}
	if (r < 0) {
		log_warnx("audit trail: cannot sign a checkpoint: %s", strerror(-r));
		return r;
	}
	snprintf(seq, sizeof(seq), "%llu", (unsigned long long)d->au.last.seq);
	sha256_hex(d->au.last.hash, hex);
	audit_fields_init(&f);
	audit_field_str(&f, "key", id);
	audit_field_str(&f, "signed_seq", seq);
	audit_field_str(&f, "signed_hash", hex);
	audit_field_str(&f, "signature", b64);
	r = audit_append(&d->au, now, "sansod", AUDIT_EV_CHECKPOINT, &f);
	if (r < 0) {
		log_warnx("audit trail '%s': cannot record a checkpoint: %s", d->o.audit,
			  strerror(-r));
		d->audit_failed = true;
		return r;
	}
	d->ckpt_pending = 0;
	return 0;
}

int trail_checkpoint(struct daemon *d, bool force)
{
	if (force || d->ckpt_pending >= TRAIL_CKPT_RECORDS ||
	    (d->ckpt_pending && (int64_t)time(NULL) - d->ckpt_at >= TRAIL_CKPT_S))
		return checkpoint(d);
	return 0;
}

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
		if (!d->audit_failed)
			alert_raise("audit.failing", "audit trail '%s' cannot be written (%s): changes "
				    "are refused%s", d->o.audit, strerror(-r), d->o.audit_alert_only ?
				    "" : " and traffic between zones is cut");
		d->audit_failed = true;
		return r;
	}
	d->ckpt_pending++;
	(void)trail_checkpoint(d, false);
	return 0;
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
		alert_raise("audit.failing", "audit trail '%s' cannot be opened (%s): changes are "
			    "refused%s", d->o.audit, r == -EBADMSG ? "tampered or truncated" :
			    strerror(-r), d->o.audit_alert_only ? "" :
			    " and traffic between zones is cut");
		d->audit_failed = true;
		return r;
	}
	d->audit_on = true;
	d->audit_failed = false;
	d->ckpt_pending = 1;		/* what was there before this start gets signed too */
	r = trail_audit(d, "sansod", AUDIT_EV_START, "policy", d->o.file, NULL);
	return r < 0 ? r : trail_checkpoint(d, true);
}
