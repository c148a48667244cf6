/* SPDX-License-Identifier: GPL-2.0-only */
/* monitor.h: live notice of ruleset changes (the nftables netlink multicast group). Every
 * committed generation is announced with the process that made it: a change by any other
 * process than sansod is reported at once, with its name and pid (R49), and sansod then
 * reads its own table back. */
#ifndef SANSO_MONITOR_H
#define SANSO_MONITOR_H

#include <stdbool.h>
#include <sys/types.h>

struct mnl_socket;

struct monitor {
	struct mnl_socket *nl;
	bool ours_touched;		/* a message of this generation named table inet sanso */
	bool ours_deleted;		/* ... and one deleted it (delete table, flush ruleset) */
};

struct monitor_event {
	pid_t pid;			/* the committing process */
	char comm[64];
	bool sanso;			/* table inet sanso was part of the change */
	bool deleted;			/* the change deleted table inet sanso */
};

int monitor_open(struct monitor *m);		/* -errno */
void monitor_close(struct monitor *m);		/* NULL-safe */
int monitor_fd(const struct monitor *m);
/* Read what is pending; for every generation committed by another process than self, call
 * cb. Returns 0 or -errno (ENOBUFS: notices were lost: treat as a foreign change). */
int monitor_read(struct monitor *m, pid_t self, void (*cb)(void *arg,
							 const struct monitor_event *e),
		 void *arg);

#endif
