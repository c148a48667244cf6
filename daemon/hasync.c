/* SPDX-License-Identifier: GPL-2.0-only */
/* hasync.c: see hasync.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <time.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "hasync.h"

#define HASYNC_MAGIC	"SANSOHA1"
#define HASYNC_MAC	32

struct hasync_hdr {
	char magic[8];
	int64_t ms;
	uint64_t seq;
	uint32_t len;
	uint32_t pad;
};

static int read_key(struct hasync *h, const char *state_dir, char *why, size_t why_len)
{
	char path[4096];
	struct stat st;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/" HASYNC_KEY_FILE, state_dir);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || fstat(fd, &st) < 0) {
		snprintf(why, why_len, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -ENOENT;
	}
	if (st.st_mode & 077) {
		snprintf(why, why_len, "%s: readable by others than its owner (chmod 600)", path);
		close(fd);
		return -EPERM;
	}
	n = read(fd, h->key, sizeof(h->key));
	close(fd);
	if (n < HASYNC_KEY_MIN) {
		snprintf(why, why_len, "%s: shorter than %d bytes", path, HASYNC_KEY_MIN);
		return -EINVAL;
	}
	h->klen = (size_t)n;
	return 0;
}

static socklen_t node_addr(const struct prefix *pf, int port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (pf->family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		memcpy(&s6->sin6_addr, pf->addr, 16);
		return sizeof(*s6);
	}
	{
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		memcpy(&s4->sin_addr, pf->addr, 4);
		return sizeof(*s4);
	}
}

int hasync_open(struct hasync *h, const struct ha_conf *ha, const char *state_dir,
		char *why, size_t why_len)
{
	struct sockaddr_storage own;
	socklen_t len;
	int i, r;

	memset(h, 0, sizeof(*h));
	h->fd = -1;
	r = read_key(h, state_dir, why, why_len);
	if (r < 0)
		return r;
	for (i = 0; i < ha->n_nodes; i++) {
		int fd = socket(ha->nodes[i].family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

		if (fd < 0) {
			r = -errno;
			snprintf(why, why_len, "cannot open a UDP socket: %s%s", strerror(-r),
				 r == -EAFNOSUPPORT || r == -EPERM ? " (under systemd: the unit "
				 "opens IP only through sanso-generator: systemctl daemon-reload && "
				 "systemctl restart sansod; sansod(8) --unit-dropin)" : "");
			explicit_bzero(h->key, sizeof(h->key));
			return r;
		}
		len = node_addr(&ha->nodes[i], ha->sync_port, &own);
		if (bind(fd, (struct sockaddr *)&own, len) == 0) {
			h->fd = fd;
			h->peer_len = node_addr(&ha->nodes[1 - i], ha->sync_port, &h->peer);
			inet_ntop(ha->nodes[i].family, ha->nodes[i].addr, h->own_addr,
				  sizeof(h->own_addr));
			inet_ntop(ha->nodes[i].family, ha->nodes[1 - i].addr, h->peer_addr,
				  sizeof(h->peer_addr));
			return 0;
		}
		close(fd);
	}
	snprintf(why, why_len, "no node address of the ha section is an address of this host");
	explicit_bzero(h->key, sizeof(h->key));
	return -EADDRNOTAVAIL;
}

void hasync_close(struct hasync *h)
{
	if (h->fd >= 0)
		close(h->fd);
	h->fd = -1;
	explicit_bzero(h->key, sizeof(h->key));
}

static void mac(const struct hasync *h, const uint8_t *data, size_t len, uint8_t out[HASYNC_MAC])
{
	unsigned int n = HASYNC_MAC;

	if (!HMAC(EVP_sha256(), h->key, (int)h->klen, data, len, out, &n))
		memset(out, 0, HASYNC_MAC);
}

int hasync_send(struct hasync *h, const char *payload, size_t len, int64_t now_ms)
{
	static uint8_t buf[sizeof(struct hasync_hdr) + HASYNC_PAYLOAD_MAX + HASYNC_MAC];
	struct hasync_hdr hd = { .ms = now_ms, .seq = ++h->seq, .len = (uint32_t)len };

	if (h->fd < 0 || len > HASYNC_PAYLOAD_MAX)
		return -EINVAL;
	memcpy(hd.magic, HASYNC_MAGIC, sizeof(hd.magic));
	memcpy(buf, &hd, sizeof(hd));
	memcpy(buf + sizeof(hd), payload, len);
	mac(h, buf, sizeof(hd) + len, buf + sizeof(hd) + len);
	if (sendto(h->fd, buf, sizeof(hd) + len + HASYNC_MAC, MSG_NOSIGNAL,
		   (struct sockaddr *)&h->peer, h->peer_len) < 0)
		return -errno;
	return 0;
}

static bool same_host(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET)
		return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
		       ((const struct sockaddr_in *)b)->sin_addr.s_addr;
	return !memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
		       &((const struct sockaddr_in6 *)b)->sin6_addr, 16);
}

static void addr_text(const struct sockaddr_storage *ss, char *out, size_t len)
{
	const void *a = ss->ss_family == AF_INET6 ?
			(const void *)&((const struct sockaddr_in6 *)ss)->sin6_addr :
			(const void *)&((const struct sockaddr_in *)ss)->sin_addr;

	if (!inet_ntop(ss->ss_family, a, out, (socklen_t)len))
		snprintf(out, len, "?");
}

int hasync_recv(struct hasync *h, char *buf, size_t cap, size_t *len, int64_t now_ms,
		char *from, size_t from_len)
{
	static uint8_t in[sizeof(struct hasync_hdr) + HASYNC_PAYLOAD_MAX + HASYNC_MAC + 1];
	struct sockaddr_storage src;
	socklen_t slen = sizeof(src);
	struct hasync_hdr hd;
	uint8_t want[HASYNC_MAC];
	ssize_t n;

	n = recvfrom(h->fd, in, sizeof(in), 0, (struct sockaddr *)&src, &slen);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? -EAGAIN : -errno;
	addr_text(&src, from, from_len);
	if (!same_host(&src, &h->peer))
		return HASYNC_SOURCE;
	if ((size_t)n < sizeof(hd) + HASYNC_MAC)
		return HASYNC_FORGED;
	memcpy(&hd, in, sizeof(hd));
	if (memcmp(hd.magic, HASYNC_MAGIC, sizeof(hd.magic)) ||
	    (size_t)n != sizeof(hd) + hd.len + HASYNC_MAC || hd.len >= cap)
		return HASYNC_FORGED;
	mac(h, in, sizeof(hd) + hd.len, want);
	if (CRYPTO_memcmp(want, in + sizeof(hd) + hd.len, HASYNC_MAC))
		return HASYNC_FORGED;
	if (hd.ms < now_ms - HASYNC_SKEW_MS || hd.ms > now_ms + HASYNC_SKEW_MS)
		return HASYNC_STALE;
	if (hd.ms < h->rx_ms || (hd.ms == h->rx_ms && hd.seq <= h->rx_seq))
		return HASYNC_REPLAYED;
	h->rx_ms = hd.ms;
	h->rx_seq = hd.seq;
	memcpy(buf, in + sizeof(hd), hd.len);
	buf[hd.len] = '\0';
	*len = hd.len;
	return 0;
}

const char *hasync_err_name(int e)
{
	switch (e) {
	case HASYNC_FORGED:
		return "forged (HMAC or shape)";
	case HASYNC_REPLAYED:
		return "replayed (sequence)";
	case HASYNC_STALE:
		return "stale (clock)";
	case HASYNC_SOURCE:
		return "not from the peer";
	default:
		return "?";
	}
}

int64_t hasync_clock_ms(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
