/* SPDX-License-Identifier: GPL-2.0-only */
/* state.h: the operational state on disk (state_dir/ops.state): isolations, revocations,
 * the exception ledger, and (local only) the changes and the policy in force. One line per
 * entry, written atomically; lines that cannot be read are refused one by one, with a
 * warning, never silently. */
#ifndef SANSO_STATE_H
#define SANSO_STATE_H

#include <stdbool.h>
#include <stdio.h>

#include "sansod.h"

/* As text; local: also the policy in force and the changes (an HA peer gets the rest). */
void state_write(const struct ops *o, FILE *f, bool local);
/* Add what f holds to o; returns the number of lines refused. */
int state_read(struct ops *o, FILE *f, const char *path);
void state_save(const struct daemon *d);
/* STATE_DIR/name written atomically (tmp, fsync, rename) with head then body (head may be
 * NULL); its path into path. 0 or -errno (nothing of it left). */
int state_write_file(const struct daemon *d, const char *name, const char *head,
		     const void *body, size_t len, char *path, size_t path_len);
void state_load(struct daemon *d);

#endif
