/* SPDX-License-Identifier: GPL-2.0-only */
/* store.c: the configuration store; see store.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sha256.h"
#include "store.h"

static const char *const kind_names[STORE_KIND_MAX] = {
	"adopted", "approved", "emergency", "ratified", "rollback",
};

const char *store_kind_name(enum store_kind k)
{
	return k < STORE_KIND_MAX ? kind_names[k] : "?";
}

static int kind_parse(const char *s, enum store_kind *k)
{
	int i;

	for (i = 0; i < STORE_KIND_MAX; i++) {
		if (!strcmp(s, kind_names[i])) {
			*k = (enum store_kind)i;
			return 0;
		}
	}
	return -EINVAL;
}

static void file_path(const struct store *s, unsigned n, const char *ext, char *buf,
		      size_t size)
{
	snprintf(buf, size, "%s/v%06u.%s", s->dir, n, ext);
}

void store_path(const struct store *s, unsigned n, char *buf, size_t size)
{
	file_path(s, n, "conf", buf, size);
}

static void sha_hex(const void *buf, size_t len, char hex[65])
{
	uint8_t dg[SHA256_DIGEST_SIZE];

	sha256_buf(buf, len, dg);
	sha256_hex(dg, hex);
}

/* tmp + fsync + rename + fsync of the directory. */
static int write_atomic(const struct store *s, const char *path, const void *buf, size_t len)
{
	char tmp[4200];
	int fd, r = 0, dfd;

	snprintf(tmp, sizeof(tmp), "%s.new", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (fd < 0)
		return -errno;
	for (size_t off = 0; off < len && !r;) {
		ssize_t w = write(fd, (const char *)buf + off, len - off);

		if (w < 0 && errno != EINTR)
			r = -errno;
		else if (w > 0)
			off += (size_t)w;
	}
	if (!r && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && !r)
		r = -errno;
	if (!r && rename(tmp, path) < 0)
		r = -errno;
	if (r) {
		(void)unlink(tmp);
		return r;
	}
	dfd = open(s->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		(void)fsync(dfd);
		close(dfd);
	}
	return 0;
}

/* Names and reasons hold no tab nor newline in the meta: replaced by spaces. */
static void clean(char *s)
{
	for (; *s; s++) {
		if (*s == '\t' || *s == '\n' || *s == '\r')
			*s = ' ';
	}
}

static int meta_write(const struct store *s, const struct store_ver *v)
{
	char path[4200], *buf = NULL, by[STORE_NAME_MAX], ab[STORE_NAME_MAX];
	char reason[STORE_REASON_MAX];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int r;

	if (!f)
		return -ENOMEM;
	memcpy(by, v->by, sizeof(by));
	memcpy(ab, v->approved_by, sizeof(ab));
	memcpy(reason, v->reason, sizeof(reason));
	by[sizeof(by) - 1] = ab[sizeof(ab) - 1] = reason[sizeof(reason) - 1] = '\0';
	clean(by);
	clean(ab);
	clean(reason);
	fprintf(f, "version\t%u\nparent\t%u\nkind\t%s\nsha256\t%s\nby\t%s\nby_uid\t%ld\n"
		"approved_by\t%s\napproved_uid\t%ld\nat\t%" PRId64 "\nreason\t%s\n"
		"rollback_of\t%u\nreverted\t%d\n", v->version, v->parent,
		store_kind_name(v->kind), v->sha256, by, (long)v->by_uid, ab,
		v->approved_uid == (uid_t)-1 ? -1L : (long)v->approved_uid, v->at, reason,
		v->rollback_of, v->reverted);
	if (fclose(f))
		return -ENOMEM;
	file_path(s, v->version, "meta", path, sizeof(path));
	r = write_atomic(s, path, buf, len);
	free(buf);
	return r;
}

static int meta_field(struct store_ver *v, const char *k, const char *val)
{
	long l;

	if (!strcmp(k, "version")) v->version = (unsigned)strtoul(val, NULL, 10);
	else if (!strcmp(k, "parent")) v->parent = (unsigned)strtoul(val, NULL, 10);
	else if (!strcmp(k, "kind")) return kind_parse(val, &v->kind);
	else if (!strcmp(k, "sha256")) snprintf(v->sha256, sizeof(v->sha256), "%s", val);
	else if (!strcmp(k, "by")) snprintf(v->by, sizeof(v->by), "%s", val);
	else if (!strcmp(k, "approved_by"))
		snprintf(v->approved_by, sizeof(v->approved_by), "%s", val);
	else if (!strcmp(k, "reason")) snprintf(v->reason, sizeof(v->reason), "%s", val);
	else if (!strcmp(k, "at")) v->at = strtoll(val, NULL, 10);
	else if (!strcmp(k, "rollback_of")) v->rollback_of = (unsigned)strtoul(val, NULL, 10);
	else if (!strcmp(k, "reverted")) v->reverted = atoi(val) != 0;
	else if (!strcmp(k, "by_uid") || !strcmp(k, "approved_uid")) {
		l = strtol(val, NULL, 10);
		*(!strcmp(k, "by_uid") ? &v->by_uid : &v->approved_uid) = (uid_t)l;
	}
	return 0;
}

int store_get(const struct store *s, unsigned n, struct store_ver *v)
{
	char path[4200], line[1024], *tab;
	FILE *f;
	int r = 0;

	memset(v, 0, sizeof(*v));
	v->approved_uid = (uid_t)-1;
	file_path(s, n, "meta", path, sizeof(path));
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? -ENOENT : -errno;
	while (r == 0 && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		tab = strchr(line, '\t');
		if (!tab) {
			r = -EBADMSG;
			break;
		}
		*tab = '\0';
		r = meta_field(v, line, tab + 1) < 0 ? -EBADMSG : 0;
	}
	fclose(f);
	if (r == 0 && (v->version != n || strlen(v->sha256) != 64))
		r = -EBADMSG;
	return r;
}

static void remove_version(const struct store *s, unsigned n)
{
	char path[4200];

	file_path(s, n, "meta", path, sizeof(path));
	(void)unlink(path);		/* the meta first: no version without its text */
	store_path(s, n, path, sizeof(path));
	(void)unlink(path);
}

int store_open_dir(struct store *s, const char *dir)
{
	struct dirent *e;
	unsigned n;
	char c;
	DIR *d;

	memset(s, 0, sizeof(*s));
	if (snprintf(s->dir, sizeof(s->dir), "%s", dir) >= (int)sizeof(s->dir))
		return -ENAMETOOLONG;
	if (mkdir(s->dir, 0750) < 0 && errno != EEXIST)
		return -errno;
	d = opendir(s->dir);
	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		if (sscanf(e->d_name, "v%u.meta%c", &n, &c) == 1 && n > s->last)
			s->last = n;
	}
	closedir(d);
	return 0;
}

int store_open(struct store *s, const char *state_dir)
{
	char dir[sizeof(s->dir)];

	if (snprintf(dir, sizeof(dir), "%s/store", state_dir) >= (int)sizeof(dir))
		return -ENAMETOOLONG;
	return store_open_dir(s, dir);
}

bool store_name_ok(const char *name)
{
	size_t i;

	if (!strcmp(name, "running"))
		return true;
	if (strlen(name) != strlen("v000000.conf") || name[0] != 'v')
		return false;
	for (i = 1; i < 7; i++) {
		if (name[i] < '0' || name[i] > '9')
			return false;
	}
	return !strcmp(name + 7, ".conf") || !strcmp(name + 7, ".meta");
}

int store_import(struct store *s, const char *name, const void *buf, size_t len)
{
	char path[4200];
	unsigned n;
	int r;

	if (!store_name_ok(name))
		return -EINVAL;
	snprintf(path, sizeof(path), "%s/%s", s->dir, name);
	r = write_atomic(s, path, buf, len);
	if (r == 0 && sscanf(name, "v%u.meta", &n) == 1 && n > s->last)
		s->last = n;
	return r;
}

void store_clear(struct store *s)
{
	char path[4200];
	unsigned n;

	for (n = 1; n <= s->last; n++)
		remove_version(s, n);
	snprintf(path, sizeof(path), "%s/running", s->dir);
	(void)unlink(path);
	s->last = 0;
}

int store_put(struct store *s, const char *text, size_t len, struct store_ver *v)
{
	char path[4200];
	int r;

	v->version = s->last + 1;
	sha_hex(text, len, v->sha256);
	store_path(s, v->version, path, sizeof(path));
	r = write_atomic(s, path, text, len);
	if (r == 0)
		r = meta_write(s, v);	/* the meta last: a version exists once it has one */
	if (r == 0)
		s->last = v->version;
	return r;
}

int store_update(const struct store *s, const struct store_ver *v)
{
	return meta_write(s, v);
}

static int read_all(const char *path, char **text, size_t *len)
{
	struct stat st;
	char *buf;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC), r = 0;

	if (fd < 0)
		return errno == ENOENT ? -ENOENT : -errno;
	if (fstat(fd, &st) < 0 || st.st_size < 0 || st.st_size > (64 << 20)) {
		close(fd);
		return -EBADMSG;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	*len = 0;
	while ((n = read(fd, buf + *len, (size_t)st.st_size - *len)) > 0)
		*len += (size_t)n;
	if (n < 0)
		r = -errno;
	close(fd);
	if (r < 0) {
		free(buf);
		return r;
	}
	buf[*len] = '\0';
	*text = buf;
	return 0;
}

int store_text(const struct store *s, unsigned n, char **text, size_t *len,
	       struct store_ver *v)
{
	char path[4200], sha[65];
	int r = store_get(s, n, v);

	*text = NULL;
	if (r < 0)
		return r;
	store_path(s, n, path, sizeof(path));
	r = read_all(path, text, len);
	if (r < 0)
		return r == -ENOENT ? -EBADMSG : r;	/* a meta without its text */
	sha_hex(*text, *len, sha);
	if (strcmp(sha, v->sha256)) {
		free(*text);
		*text = NULL;
		return -EBADMSG;
	}
	return 0;
}

int store_running(const struct store *s, unsigned *n, char sha[65])
{
	char path[4200];
	FILE *f;
	int k;

	*n = 0;
	sha[0] = '\0';
	snprintf(path, sizeof(path), "%s/running", s->dir);
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? 0 : -errno;
	k = fscanf(f, "version\t%u\nsha256\t%64[0-9a-f]\n", n, sha);
	fclose(f);
	if (k != 2 || strlen(sha) != 64 || !*n) {
		*n = 0;
		return -EBADMSG;
	}
	return 0;
}

int store_set_running(const struct store *s, unsigned n, const char *sha)
{
	char path[4200], buf[128];
	int len;

	snprintf(path, sizeof(path), "%s/running", s->dir);
	len = snprintf(buf, sizeof(buf), "version\t%u\nsha256\t%s\n", n, sha);
	return write_atomic(s, path, buf, (size_t)len);
}

int store_prune(struct store *s, int keep_versions, int keep_days, int64_t now,
		unsigned running)
{
	struct store_ver v, run;
	unsigned n, keep_parent = 0;
	int removed = 0;

	if (running && store_get(s, running, &run) == 0)
		keep_parent = run.parent;
	for (n = 1; keep_versions > 0 && n + (unsigned)keep_versions <= s->last; n++) {
		if (n == running || n == keep_parent || store_get(s, n, &v) < 0)
			continue;
		if (v.at > now - (int64_t)keep_days * 86400)
			continue;
		remove_version(s, n);
		removed++;
	}
	return removed;
}
