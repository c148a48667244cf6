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

_Static_assert(CTL_TYPE_MAX <= 64, "ctl_tally.refusal_seen has a bit per request type");

#define CTL_ROW_(id, nm, mut, rl, handler) \
	[CTL_##id] = { .type = CTL_##id, .name = nm, .mutates = mut, .roles = rl },
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

static const char *const role_groups[CTL_ROLE_N] = CTL_ROLE_GROUPS;
static const char *const role_names[CTL_ROLE_N] = {
	"ciso", "admin", "operator", "audit", "contractor",
};

static int role_bit(enum ctl_role role)
{
	int i;

	for (i = 0; i < CTL_ROLE_N; i++) {
		if ((unsigned)role == 1U << i)
			return i;
	}
	return -1;
}

const char *ctl_role_group(enum ctl_role role)
{
	int i = role_bit(role);

	return i < 0 ? NULL : role_groups[i];
}

const char *ctl_role_name(enum ctl_role role)
{
	int i = role_bit(role);

	return i < 0 ? NULL : role_names[i];
}

const char *ctl_roles_text(unsigned roles, bool groups, const char *sep, char *buf, size_t len)
{
	size_t off = 0;
	int i, n;

	snprintf(buf, len, "none");
	for (i = 0; i < CTL_ROLE_N && off < len; i++) {
		if (!(roles & (1U << i)))
			continue;
		n = snprintf(buf + off, len - off, "%s%s", off ? sep : "",
			     groups ? role_groups[i] : role_names[i]);
		off += n > 0 ? (size_t)n : 0;
	}
	return buf;
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
	ret->fd = -1;
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
	return p->uid == 0 || (p->roles & r->roles) != 0;	/* root: every role */
}

int ctl_listen(struct ctl_server *s, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

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
	/* Every role's group may connect, and Unix permissions name one group only: anyone may
	 * connect (the directory is 0755), each request is authorized by the peer's roles
	 * (SO_PEERCRED), a peer without a role is refused and recorded (ops_handle). */
	(void)chmod(path, 0666);
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

unsigned ctl_roles_of(uid_t uid, gid_t gid, const char *user)
{
	gid_t list[256];
	unsigned roles = 0;
	struct group *g;
	int n = 256, i, j;

	if (uid == 0)
		return CTL_ROLES_ALL;
	if (!user || getgrouplist(user, gid, list, &n) < 0) {
		list[0] = gid;		/* no name, or too many groups: the primary group only */
		n = 1;
	}
	for (i = 0; i < CTL_ROLE_N; i++) {
		g = getgrnam(role_groups[i]);
		for (j = 0; g && j < n; j++) {
			if (list[j] == g->gr_gid)
				roles |= 1U << i;
		}
	}
	return roles;
}

/* One user found by ctl_role_overlaps: counted, and named while there is room. */
static void overlap_check(const char *user, uid_t uid, gid_t gid,
			  char (*names)[CTL_OVERLAP_NAME], int max, int *n)
{
	unsigned r = ctl_roles_of(uid, gid, user);

	if (uid == 0 || !(r & CTL_ROLE_AUDIT) || !(r & (CTL_ROLE_ADMIN | CTL_ROLE_CISO)))
		return;
	if (*n < max)
		snprintf(names[*n], CTL_OVERLAP_NAME, "%s", user);
	(*n)++;
}

static bool listed(char **mem, const char *name)
{
	for (; mem && *mem; mem++) {
		if (!strcmp(*mem, name))
			return true;
	}
	return false;
}

int ctl_role_overlaps(char (*names)[CTL_OVERLAP_NAME], int max)
{
	const size_t size = 64 * 1024;
	struct group grp, *g = NULL;
	struct passwd *pw;
	char *buf = malloc(size), **m;
	int n = 0;

	if (!buf)
		return -ENOMEM;
	if (getgrnam_r(CTL_AUDIT_GROUP, &grp, buf, size, &g) != 0 || !g) {
		free(buf);
		return 0;		/* no audit group: nobody holds the role */
	}
	for (m = g->gr_mem; *m; m++) {		/* members (their own copy: buf) */
		pw = getpwnam(*m);
		if (pw)
			overlap_check(*m, pw->pw_uid, pw->pw_gid, names, max, &n);
	}
	setpwent();
	while ((pw = getpwent())) {		/* and those whose primary group it is */
		char user[CTL_OVERLAP_NAME];

		if (pw->pw_gid != g->gr_gid || listed(g->gr_mem, pw->pw_name))
			continue;
		snprintf(user, sizeof(user), "%s", pw->pw_name);
		overlap_check(user, pw->pw_uid, pw->pw_gid, names, max, &n);
	}
	endpwent();
	free(buf);
	return n;
}

static struct ctl_tally *tally_slot(struct ctl_tallies *ts, const struct ctl_peer *p,
				    int64_t minute, struct ctl_tally *evicted, int *flags)
{
	struct ctl_tally *t, *free_t = NULL, *oldest = &ts->t[0];
	int i;

	for (i = 0; i < CTL_TALLY_MAX; i++) {
		t = &ts->t[i];
		if (t->minute == minute && t->uid == p->uid)
			return t;
		if (!t->minute && !free_t)
			free_t = t;
		if (t->minute && t->minute < oldest->minute)
			oldest = t;
	}
	if (!free_t) {			/* full: the oldest is recorded now, its slot reused */
		*evicted = *oldest;
		*flags |= CTL_TALLY_EVICTED;
		free_t = oldest;
	}
	memset(free_t, 0, sizeof(*free_t));
	free_t->minute = minute;
	free_t->uid = p->uid;
	free_t->roles = p->roles;
	snprintf(free_t->name, sizeof(free_t->name), "%s", p->name);
	return free_t;
}

int ctl_tally_note(struct ctl_tallies *ts, const struct ctl_peer *p, int64_t minute,
		   uint16_t type, bool refused, struct ctl_tally *evicted)
{
	struct ctl_tally *t;
	int flags = 0;

	if (!ctl_request(type) || minute <= 0)
		return 0;
	t = tally_slot(ts, p, minute, evicted, &flags);
	if (!refused) {
		t->reads[type]++;
	} else if (!(t->refusal_seen & (UINT64_C(1) << type))) {
		t->refusal_seen |= UINT64_C(1) << type;
		flags |= CTL_TALLY_FIRST_REFUSAL;
	} else {
		t->refused[type]++;
	}
	return flags;
}

int ctl_tally_take(struct ctl_tallies *ts, int64_t before, struct ctl_tally *ret)
{
	int i;

	for (i = 0; i < CTL_TALLY_MAX; i++) {
		if (ts->t[i].minute && ts->t[i].minute < before) {
			*ret = ts->t[i];
			memset(&ts->t[i], 0, sizeof(ts->t[i]));
			return 1;
		}
	}
	return 0;
}

uint32_t ctl_tally_text(const uint32_t *counts, char *buf, size_t len)
{
	size_t off = 0;
	uint32_t sum = 0;
	uint16_t t;
	int n;

	buf[0] = 0;
	for (t = CTL_TYPE_NONE + 1; t < CTL_TYPE_MAX; t++) {
		if (!counts[t])
			continue;
		sum += counts[t];
		n = off < len ? snprintf(buf + off, len - off, "%s%s:%u", off ? " " : "",
					 requests[t].name, (unsigned)counts[t]) : 0;
		off += n > 0 ? (size_t)n : 0;
	}
	return sum;
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
	ret->roles = ctl_roles_of(cr.uid, cr.gid, pw ? pw->pw_name : NULL);
	ret->contractor = cr.uid != 0 && (ret->roles & CTL_ROLE_CONTRACTOR);
	*ret_fd = fd;
	return 0;
}

/* The descriptors of a control message: the first kept in *fd, any other closed. */
static void take_fds(struct msghdr *mh, int *fd)
{
	struct cmsghdr *cm;
	int *v, i, n;

	for (cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		v = (int *)(void *)CMSG_DATA(cm);
		n = (int)((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		for (i = 0; i < n; i++) {
			if (*fd < 0)
				*fd = v[i];
			else
				close(v[i]);
		}
	}
}

int ctl_conn_recv(struct ctl_conn *c, struct ctl_req *ret)
{
	static char buf[CTL_MSG_MAX + 1];
	union { struct cmsghdr h; char b[CMSG_SPACE(4 * sizeof(int))]; } cbuf;
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf.b,
			     .msg_controllen = sizeof(cbuf.b) };
	ssize_t n;
	int fd = -1, r;

	ret->fd = -1;
	n = recvmsg(c->fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	take_fds(&mh, &fd);
	if (n == 0 || (mh.msg_flags & MSG_CTRUNC)) {
		if (fd >= 0)
			close(fd);
		return n == 0 ? -ECONNRESET : -EMSGSIZE;
	}
	r = ctl_req_parse(buf, (size_t)n, ret);
	if (r < 0) {
		ret->fd = -1;
		if (fd >= 0)
			close(fd);
	} else {
		ret->fd = fd;
	}
	return r;
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
