/* SPDX-License-Identifier: GPL-2.0-only */
/* ctl.h: the control socket of sansod (protocol in ctl_proto.h). Requests are parsed and
 * bounded here (ctl_req_parse is pure and fuzzed); who may ask what is decided here too:
 * read-only requests for root and the audit and admin groups, changes for root and the admin
 * group only, everything else refused (and recorded by the caller). */
#ifndef SANSO_CTL_H
#define SANSO_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "ctl_proto.h"

#define CTL_ADMIN_GROUP		"sanso-admin"
#define CTL_AUDIT_GROUP		"sanso-audit"
#define CTL_ARGS_MAX		16
#define CTL_ARG_MAX		256

struct ctl_req {
	uint16_t type;
	int n;
	char key[CTL_ARGS_MAX][32];
	char val[CTL_ARGS_MAX][CTL_ARG_MAX];
};

struct ctl_peer {
	pid_t pid;
	uid_t uid;
	gid_t gid;
	bool admin, audit;		/* member of the groups (or root for admin) */
	char name[64];			/* "uid=1000(tanaka)" */
};

struct ctl_server {
	int fd;
	char path[108];
};

/* Pure: a received message -> request. -EPROTO (version), -EMSGSIZE (size), -EINVAL (type,
 * keys, values: printable UTF-8 without newlines, bounded). */
int ctl_req_parse(const void *msg, size_t len, struct ctl_req *ret);
const char *ctl_req_get(const struct ctl_req *r, const char *key);	/* NULL if absent */
/* Pure: may this peer make this request? */
bool ctl_allowed(const struct ctl_peer *p, uint16_t type);
const char *ctl_type_name(uint16_t type);

int ctl_listen(struct ctl_server *s, const char *path);
void ctl_close(struct ctl_server *s);
/* Accept one client (non-blocking listener): its fd (SOCK_CLOEXEC) and credentials. */
int ctl_accept(struct ctl_server *s, int *ret_fd, struct ctl_peer *ret);
/* Receive one request with a deadline of a second; -errno or the ctl_req_parse error. */
int ctl_recv(int fd, struct ctl_req *ret);
/* Send a reply: body split into messages, the last with CTL_F_END. */
int ctl_reply(int fd, int status, const char *body, size_t len);

#endif
