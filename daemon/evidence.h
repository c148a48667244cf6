/* SPDX-License-Identifier: GPL-2.0-only */
/* evidence.h: the signed dump (sansoctl dump --signed, R87, R106, R107): what the kernel
 * enforces, with what produced it — the running generation and configuration SHA-256, the
 * versions and SHA-256 of the binary and units, the last audit record, the clock state and
 * the classification label — signed with the gateway's key (sign.h). */
#ifndef SANSO_EVIDENCE_H
#define SANSO_EVIDENCE_H

#include <stdio.h>

#include "sansod.h"

/* body: the dump (text or JSON, as asked); the signed document to out. 0, -ENOENT (no key:
 * sansoctl keygen), -ENOTSUP (no state directory) or -errno. */
int evidence_dump(struct daemon *d, const char *actor, const char *body, size_t len, FILE *out);

#endif
