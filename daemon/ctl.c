/* SPDX-License-Identifier: GPL-2.0-only */
/* ctl.c: control socket; see ctl.h. */
#include <errno.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl.h"

#define CTL_ROW_(id, nm, mut, rl, handler) \
	[CTL_##id] = { .type = CTL_##id, .name = nm, .mutates = mut, .role = rl },
static const struct ctl_request requests[CTL_TYPE_MAX] = { CTL_REQUESTS(CTL_ROW_) };
#undef CTL_ROW_

const struct ctl_request *ctl_request(uint16_t type)
{
	return type > CTL_TYPE_NONE && type < CTL_TYPE_MAX ? &requests[type] : NULL;
}

const struct ctl_request *ctl_request_find(const char *name)
{
	uint16_t t;

	for (t = CTL_TYPE_NONE + 1; name && t < CTL_TYPE_MAX; t++) {
		if (!strcmp(requests[t].name, name))
			return &requests[t];
	}
	return NULL;
}

const char *ctl_type_name(uint16_t type)
{
	const struct ctl_request *r = ctl_request(type);

	return r ? r->name : "unknown";
}

const char *ctl_role_group(enum ctl_role role)
{
	return role == CTL_ROLE_AUDIT ? CTL_AUDIT_GROUP : CTL_ADMIN_GROUP;
}

static bool key_ok(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n >= 32)
		return false;
	for (i = 0; i < n; i++) {
		if (!((s[i] >= 'a' && s[i] <= 'z') || s[i] == '_' || s[i] == '-'))
			return false;
	}
	return true;
}

static bool val_ok(const char *s, size_t n)
{
	size_t i;

	if (n >= CTL_ARG_MAX)
		return false;
	for (i = 0; i < n; i++) {
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;	/* no control characters, no NUL, no newline */
	}
	return true;
}

int ctl_req_parse(const void *msg, size_t len, struct ctl_req *ret)
{
	const char *p, *end, *nl, *eq;
	struct ctl_hdr h;

	if (len < sizeof(h))
		return -EMSGSIZE;
	memcpy(&h, msg, sizeof(h));
	if (h.version != CTL_VERSION)
		return -EPROTO;
	if (h.len > CTL_BODY_MAX || h.len != len - sizeof(h))
		return -EMSGSIZE;
	if (!ctl_request(h.type))
		return -EINVAL;
	memset(ret, 0, sizeof(*ret));
	ret->type = h.type;
	p = (const char *)msg + sizeof(h);
	end = p + h.len;
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		eq = memchr(p, '=', (size_t)(nl - p));
		if (!eq || ret->n >= CTL_ARGS_MAX || !key_ok(p, (size_t)(eq - p)) ||
		    !val_ok(eq + 1, (size_t)(nl - eq - 1)))
			return -EINVAL;
		memcpy(ret->key[ret->n], p, (size_t)(eq - p));
		memcpy(ret->val[ret->n], eq + 1, (size_t)(nl - eq - 1));
		ret->n++;
		p = nl + 1;
	}
	return 0;
}

const char *ctl_req_get(const struct ctl_req *r, const char *key)
{
	int i;

	for (i = 0; i < r->n; i++) {
		if (!strcmp(r->key[i], key))
			return r->val[i];
	}
	return NULL;
}

bool ctl_allowed(const struct ctl_peer *p, uint16_t type)
{
	const struct ctl_request *r = ctl_request(type);

	if (!r)
		return false;
	if (p->uid == 0 || p->admin)
		return true;		/* root and sanso-admin: every role */
	return r->role == CTL_ROLE_AUDIT && p->audit;
}

int ctl_listen(struct ctl_server *s, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct group *g;

	s->fd = -1;
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	snprintf(s->path, sizeof(s->path), "%s", path);
	memcpy(sa.sun_path, path, strlen(path));
	s->fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s->fd < 0)
		return -errno;
	(void)unlink(path);
	if (bind(s->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(s->fd, CTL_CLIENTS_MAX) < 0) {
		int e = -errno;

		ctl_close(s);
		return e;
	}
	/* members of the audit group may connect; the daemon checks each request */
	/* works as user sanso too; if the group cannot be given, nobody but the owner connects */
	g = getgrnam(CTL_AUDIT_GROUP);
	(void)chmod(path, g && chown(path, (uid_t)-1, g->gr_gid) == 0 ? 0660 : 0600);
	return 0;
}

void ctl_close(struct ctl_server *s)
{
	if (!s || s->fd < 0)
		return;
	close(s->fd);
	(void)unlink(s->path);
	s->fd = -1;
}

static bool in_group(const char *user, gid_t primary, const char *group)
{
	struct group *g = getgrnam(group);
	gid_t list[64];
	int n = 64, i;

	if (!g)
		return false;
	if (primary == g->gr_gid)
		return true;
	if (!user || getgrouplist(user, primary, list, &n) < 0)
		return false;
	for (i = 0; i < n; i++) {
		if (list[i] == g->gr_gid)
			return true;
	}
	return false;
}

int ctl_accept(struct ctl_server *s, int *ret_fd, struct ctl_peer *ret)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);
	struct passwd *pw;
	int fd;

	fd = accept4(s->fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0) {
		int e = -errno;

		close(fd);
		return e;
	}
	memset(ret, 0, sizeof(*ret));
	ret->pid = cr.pid;
	ret->uid = cr.uid;
	ret->gid = cr.gid;
	pw = getpwuid(cr.uid);
	snprintf(ret->name, sizeof(ret->name), "uid=%u(%s)", (unsigned)cr.uid,
		 pw ? pw->pw_name : "?");
	ret->admin = in_group(pw ? pw->pw_name : NULL, cr.gid, CTL_ADMIN_GROUP);
	ret->audit = ret->admin || in_group(pw ? pw->pw_name : NULL, cr.gid, CTL_AUDIT_GROUP);
	*ret_fd = fd;
	return 0;
}

int ctl_conn_recv(struct ctl_conn *c, struct ctl_req *ret)
{
	static char buf[CTL_MSG_MAX + 1];
	ssize_t n;

	n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);
	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	if (n == 0)
		return -ECONNRESET;
	return ctl_req_parse(buf, (size_t)n, ret);
}

int ctl_conn_queue(struct ctl_conn *c, int status, const char *body, size_t len)
{
	struct ctl_hdr h = { .version = CTL_VERSION, .status = status };
	size_t off = 0, n, msgs = len / CTL_BODY_MAX + 1;
	char *p;

	free(c->out);
	c->out = malloc(len + msgs * sizeof(h));
	c->len = c->off = 0;
	if (!c->out)
		return -ENOMEM;
	p = c->out;
	do {
		n = len - off > CTL_BODY_MAX ? CTL_BODY_MAX : len - off;
		h.len = (uint32_t)n;
		h.flags = off + n >= len ? CTL_F_END : 0;
		memcpy(p, &h, sizeof(h));
		if (n)
			memcpy(p + sizeof(h), body + off, n);
		p += sizeof(h) + n;
		off += n;
	} while (off < len);
	c->len = (size_t)(p - c->out);
	return 0;
}

int ctl_conn_flush(struct ctl_conn *c)
{
	struct ctl_hdr h;
	size_t n;

	while (c->off < c->len) {
		memcpy(&h, c->out + c->off, sizeof(h));
		n = sizeof(h) + h.len;
		/* SOCK_SEQPACKET: a message goes whole or not at all */
		if (send(c->fd, c->out + c->off, n, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
			return errno == EWOULDBLOCK || errno == EAGAIN ? 0 : -errno;
		c->off += n;
	}
	return 1;
}

void ctl_conn_close(struct ctl_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	free(c->out);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

int ctl_reply_now(int fd, int status, const char *body)
{
	struct ctl_conn c = { .fd = fd };
	int r = ctl_conn_queue(&c, status, body, strlen(body));

	if (r >= 0)
		r = ctl_conn_flush(&c);
	free(c.out);
	return r < 0 ? r : r == 1 ? 0 : -EAGAIN;
}
