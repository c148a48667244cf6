/* SPDX-License-Identifier: GPL-2.0-only */
/* pdiff.h: what differs between two policies, object by object (not a text diff): zones,
 * segments, hosts, groups, flows, exceptions, breakout and its services, and the scalar
 * settings of the policy, engine, limits and ha sections. Objects are matched by kind and
 * name (a zone by its canonical id, a limits pair by "from>to"); a changed object lists the
 * fields that differ with their old and new values as short text. Pure: no syscalls, no
 * logging; the renderers write to the stream the caller hands in.
 *
 * Both policies come from conf_load_string()/conf_load_file(), both validated or both not
 * (validation resolves a flow's default verdict, which is then compared too). Zone
 * references are compared by canonical id ("LGWAN接続系" and "lgwan" are one zone); lists
 * whose order means nothing (networks, members, fqdns, ports, ...) are compared as sets.
 *
 * Order: by kind (enum pdiff_kind, the order of the file's sections), then by name (bytes),
 * so the same two policies always give the same output. Fields keep a fixed order per kind. */
#ifndef SANSO_PDIFF_H
#define SANSO_PDIFF_H

#include <stdbool.h>
#include <stdio.h>

#include "policy.h"

enum pdiff_kind {
	PDIFF_POLICY = 0,		/* "policy": organisation, document, model */
	PDIFF_ZONE,			/* "zone" */
	PDIFF_SEGMENT,			/* "segment" */
	PDIFF_HOST,			/* "host" */
	PDIFF_GROUP,			/* "group" */
	PDIFF_FLOW,			/* "flow" */
	PDIFF_EXCEPTION,		/* "exception" */
	PDIFF_BREAKOUT,			/* "breakout": the section's own settings */
	PDIFF_SERVICE,			/* "service": a breakout service */
	PDIFF_ENGINE,			/* "engine" */
	PDIFF_LIMITS,			/* "limits": the defaults of every zone pair */
	PDIFF_LIMIT_PAIR,		/* "limit-pair": one listed pair, named "from>to" */
	PDIFF_HA,			/* "ha" */
	PDIFF_KIND_MAX
};

enum pdiff_op {
	PDIFF_ADDED = 0,		/* "added" */
	PDIFF_REMOVED,			/* "removed" */
	PDIFF_CHANGED,			/* "changed" */
	PDIFF_OP_MAX
};

/* One field. old/new: the value as short text, NULL when not set (an added object has no old
 * values, a removed one no new); a list's elements are sorted and joined by ", ". A list field
 * (list) of a changed object also names its elements only in new (added) and only in old
 * (removed), each sorted. */
struct pdiff_field {
	const char *field;		/* static: "ipv4", "ports", "members", ... */
	char *old, *new;
	bool list;
	char **added, **removed;
	int n_added, n_removed;
};

/* One object. added: every field set in new; removed: every field set in old; changed: only
 * the fields that differ. */
struct pdiff_change {
	enum pdiff_kind kind;
	enum pdiff_op op;
	char *name;
	struct pdiff_field *fields;
	int n_fields;
};

struct pdiff {
	struct pdiff_change *changes;
	int n_changes;
};

/* old -> new into d (zeroed first; pdiff_fini() it even on failure). 0, -EINVAL (a NULL
 * argument) or -ENOMEM. n_changes == 0: the policies are equal. */
int pdiff_compute(const struct policy *old, const struct policy *new, struct pdiff *d);
void pdiff_fini(struct pdiff *d);	/* NULL-safe */

const char *pdiff_kind_name(enum pdiff_kind k);		/* "flow"; "?" out of range */
const char *pdiff_kind_label_ja(enum pdiff_kind k);	/* "フロー"; "?" out of range */
const char *pdiff_op_name(enum pdiff_op op);		/* "added", "removed", "changed" */

/* One line per change:
 *   + flow lab-extra: admin-01 -> e-apply tcp/2223
 *   ~ host admin-01: ipv4 10.20.0.10 -> 10.20.0.11
 *   ~ group lg-terminals: members +10.20.1.0/24 -10.20.0.128/25
 *   - exception EX-1
 * An added flow or exception shows from -> to proto/ports (and the expiry), any other added
 * object its fields; a value not set is "(none)". ja: kinds by their Japanese labels.
 * 0, or -EIO when the stream failed. */
int pdiff_print_text(const struct pdiff *d, FILE *out, bool ja);
/* A JSON array of {"kind", "name", "change", "fields": [{"field", "old", "new"}]} (old/new
 * null when not set; a changed list field adds "added" and "removed" arrays), one object a
 * line, then a newline.
 * 0, or -EIO when the stream failed. */
int pdiff_print_json(const struct pdiff *d, FILE *out);

#endif
