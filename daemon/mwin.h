/* SPDX-License-Identifier: GPL-2.0-only */
/* mwin.h: remote maintenance windows (R80) in the daemon: the control requests (sansoctl
 * maintenance open|approve|close|list), their end (expiry, audited once, also when it came
 * while sansod was stopped), and the sessions that used a window (conntrack events carrying
 * its decision id in ct mark -> maintenance.session.start/.end, capped per window). */
#ifndef SANSO_MWIN_H
#define SANSO_MWIN_H

#include <stdint.h>
#include <stdio.h>

#include "sansod.h"

int mw_h_open(struct daemon *d, const struct ctl_peer *peer, const struct ctl_req *q, FILE *out);
int mw_h_approve(struct daemon *d, const struct ctl_peer *peer, const struct ctl_req *q,
		 FILE *out);
int mw_h_close(struct daemon *d, const struct ctl_peer *peer, const struct ctl_req *q, FILE *out);
int mw_h_list(struct daemon *d, const struct ctl_peer *peer, const struct ctl_req *q, FILE *out);
/* The active windows, for sansoctl status. */
void mwin_status(const struct daemon *d, FILE *out);
/* The same as members of status --json: , "maintenance_windows": [ active and proposed ] */
void mwin_status_json(const struct daemon *d, FILE *out);
/* From the main loop: windows whose time is over (and proposals), tampered lines, the
 * conntrack subscription (open while a window is active or just ended). */
void mwin_tick(struct daemon *d, int64_t now);
/* The conntrack event socket to poll (-1: none), and what it has to read. */
int mwin_fd(void);
void mwin_input(struct daemon *d);

#endif
