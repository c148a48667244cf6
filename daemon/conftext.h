/* SPDX-License-Identifier: GPL-2.0-only */
/* conftext.h: the complete text of a policy as it is parsed: the main file with every
 * `@include "file"` inlined (recursively, at most CONF_TEXT_DEPTH deep; a relative path is
 * relative to the directory of the main file). Each inlined file is framed by comment lines
 * naming its path and SHA-256:
 *     # sanso: @include "x.conf" = /etc/sanso/x.conf sha256 <64 hex>
 *     ...the text of x.conf...
 *     # sanso: end of @include "x.conf"
 * This text is what is hashed, proposed, approved, staged, audited, kept as last-good and
 * parsed (from memory, never from the files again), so what was checked is what is applied.
 * A policy without @include is its own flattened text, byte for byte.
 * Pure: reads the files, no logging. */
#ifndef SANSO_CONFTEXT_H
#define SANSO_CONFTEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"

#define CONF_TEXT_DEPTH		10
#define CONF_TEXT_FILES		256
#define CONF_TEXT_MAX		(64u << 20)	/* bytes of flattened text */

struct conf_src {
	char *path;			/* as opened */
	char sha256[65];		/* of the file's bytes */
	bool recorded;			/* named by a marker line of an already flattened text
					 * (a staged change, last-good.conf), not read */
};

/* Lines of the flattened text from flat_line on come from files[src] from line on. */
struct conf_seg {
	int flat_line, src, line;
};

struct conf_text {
	char *text;			/* NUL-terminated */
	size_t len;
	char sha256[65];		/* of text[0..len) */
	struct conf_src *files;		/* [0]: the main file */
	int n_files, n_read;		/* all of them, those read now */
	struct conf_seg *segs;
	int n_segs, cap_segs;
};

/* Read path and its includes. 0, or -errno with a "file:line: ..." entry in diag. */
int conf_text_read(const char *path, struct conf_text *ret, struct diag *diag);
void conf_text_free(struct conf_text *t);	/* NULL-safe, leaves t empty */
/* Diagnostics from index first on that name file (the flattened text) get the file and line
 * the text came from. */
void conf_text_map_diag(const struct conf_text *t, const char *file, struct diag *d, int first);
/* "path sha256; path sha256" of the included files ("" when none), for the audit trail;
 * also those an already flattened text records in its marker lines. */
char *conf_text_includes(const struct conf_text *t);

#endif
