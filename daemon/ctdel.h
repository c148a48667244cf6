/* SPDX-License-Identifier: GPL-2.0-only */
/* ctdel.h: forget the connections of a decision (ctnetlink). */
#ifndef SANSO_CTDEL_H
#define SANSO_CTDEL_H

#include <stdint.h>

/* Delete every conntrack entry whose ct mark is id, both families, and read each ack. The
 * ruleset already drops their packets (the id left @live); this frees them at once.
 * Returns 0 (also when there was none), or the first -errno the kernel answered. */
int ctdel_mark(uint32_t id);

#endif
