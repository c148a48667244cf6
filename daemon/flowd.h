/* SPDX-License-Identifier: GPL-2.0-only */
/* flowd.h: the daemon's side of the flow log (R84-R86): the NFLOG socket (nflog.h) read from
 * the main loop, each packet decoded against the generation in force and handed to the
 * writer (flowlog.h), scan and burst alerts, and what happens when the log cannot be
 * written (R85, logging.on_failure): an alert (once per failure, and again every
 * FLOWD_ALERT_S while it lasts); under "alert-only" traffic keeps its policy, under
 * "block-crosszone" d->flowlog_blocks asks the main loop for the generation that isolates
 * every zone until the log is written again. Writing is retried every FLOWD_RETRY_S; the
 * first line after a failure is a "gap" line with the count of lines lost. With a signing
 * key (sansoctl keygen) the segment's head is signed into an audit.checkpoint record every
 * FLOWD_CKPT_LINES lines or FLOWD_CKPT_S seconds and at stop (sansoctl flowlog verify --key).
 * Runs only with --flow-log DIR. */
#ifndef SANSO_FLOWD_H
#define SANSO_FLOWD_H

#include "flowlog.h"
#include "sansod.h"

#define FLOWD_ALERT_S	300
#define FLOWD_RETRY_S	5
#define FLOWD_CKPT_LINES	100	/* a signed checkpoint every so many lines */
#define FLOWD_CKPT_S	600	/* or so many seconds after lines were written */

/* Open the writer and bind the policy's NFLOG group; failures are alerted, not fatal. */
void flowd_start(struct daemon *d);
void flowd_stop(void);
int flowd_fd(void);			/* -1: nothing to poll */
void flowd_input(struct daemon *d);
/* Once per loop turn: the policy's group and limits (after a reload), the writer's tick. */
void flowd_tick(struct daemon *d);
/* For the auditor's report: 0 no flow log (--flow-log not given), 1 writing, -errno failing;
 * why: the words (directory, lines, or the error). */
int flowd_state(char *why, size_t len, bool ja);
/* Connections the kernel accepted by flow, exception or service name since sansod started:
 * the flow log's "flow" events as read from NFLOG, before the writer's rate limit. A lower
 * bound (the kernel's log rule is limited by logging.kernel_rate); the verdict engine's own
 * decisions are not among them (engine.h counts those). */
struct flowd_hit {
	char name[POLICY_NAME_MAX];
	uint64_t n;
};
/* Up to max names into out: how many, or -ENODATA when sansod keeps no flow log.
 * *ret_other: connections without a name or beyond the table (flowhits.h). */
int flowd_hits(struct flowd_hit *out, int max, uint64_t *ret_other);
/* The one place scans and bursts are alerted. */
void flowlog_scan_alert(const struct flowlog_scan_hit *h);

#endif
