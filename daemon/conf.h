/* SPDX-License-Identifier: GPL-2.0-only */
/* conf.h: libconfig text -> struct policy. Checks shape, types, required keys, unknown keys,
 * value syntax, limits and duplicate names within a list; every problem becomes a
 * "file:line: object 'name': why" diag entry (with a Japanese line), all reported at once.
 * Names are not resolved and invariants are not checked here: that is policy_validate(). */
#ifndef SANSO_CONF_H
#define SANSO_CONF_H

#include "diag.h"
#include "policy.h"

/* Load a policy. 0: *ret is a new policy owned by the caller (policy_free()). -EINVAL: errors
 * were added to diag. -ENOMEM. conf_load_file() also returns -ENOENT, -EACCES, -EISDIR, ...
 * with a "path: cannot read: why" entry. On failure *ret is untouched and nothing leaks. */
int conf_load_file(const char *path, struct policy **ret, struct diag *diag);
/* name is used as the file in diagnostics and as policy->file. */
int conf_load_string(const char *name, const char *text, struct policy **ret,
		     struct diag *diag);

/* After conf_load_string() refused text with -EINVAL for errors of shape, type or value: check
 * the names and invariants of what did parse (policy_validate() at now), so that one run
 * reports every mistake. Flows, exceptions and services with errors are left out, so nothing
 * is reported twice or as a follow-on. Adds to diag; nothing when the text does not parse. */
void conf_check_partial(const char *name, const char *text, int64_t now, struct diag *diag);

#endif
