/* SPDX-License-Identifier: GPL-2.0-only */
/* test_hasync.c: sansod's HA state sync (hasync.c) over loopback: two nodes 127.0.0.1 and
 * 127.0.0.2 (both local), a genuine datagram accepted once, then a replay, a forged MAC,
 * another key, a stale clock and another source refused; the key file's checks. */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hasync.h"

static char dir_a[64], dir_b[64];
static struct ha_conf ha;
static struct prefix nodes[2];

static void key(const char *dir, const char *k, mode_t mode)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "%s/" HASYNC_KEY_FILE, dir);
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, k, strlen(k)), (ssize_t)strlen(k));
	fchmod(fd, mode);
	close(fd);
}

static void setup(void)
{
	snprintf(dir_a, sizeof(dir_a), "/tmp/hasync-a.XXXXXX");
	snprintf(dir_b, sizeof(dir_b), "/tmp/hasync-b.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir_a));
	ck_assert_ptr_nonnull(mkdtemp(dir_b));
	key(dir_a, "0123456789abcdef0123456789abcdef", 0600);
	key(dir_b, "0123456789abcdef0123456789abcdef", 0600);
	memset(&ha, 0, sizeof(ha));
	ha.present = true;
	ck_assert_int_eq(policy_prefix_parse("127.0.0.1", &nodes[0]), 0);
	ck_assert_int_eq(policy_prefix_parse("127.0.0.2", &nodes[1]), 0);
	ha.nodes = nodes;
	ha.n_nodes = 2;
	ha.sync_port = 20000 + (int)(getpid() % 20000);
}

static void teardown(void)
{
	char cmd[200];

	snprintf(cmd, sizeof(cmd), "rm -rf %s %s", dir_a, dir_b);
	ck_assert_int_eq(system(cmd), 0);
}

/* b receives one datagram (waits up to 1 s): 0, -EAGAIN or an enum hasync_err */
static int rx(struct hasync *b, char *buf, size_t cap, int64_t now)
{
	struct pollfd p = { .fd = b->fd, .events = POLLIN };
	char from[64];
	size_t len;

	if (poll(&p, 1, 1000) != 1)
		return -EAGAIN;
	return hasync_recv(b, buf, cap, &len, now, from, sizeof(from));
}

/* raw bytes from a socket bound to src to b's port */
static void raw(const char *src, const uint8_t *data, size_t len)
{
	struct sockaddr_in s = { .sin_family = AF_INET }, d = { .sin_family = AF_INET };
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	inet_pton(AF_INET, src, &s.sin_addr);
	inet_pton(AF_INET, "127.0.0.2", &d.sin_addr);
	d.sin_port = htons((uint16_t)ha.sync_port);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&s, sizeof(s)), 0);
	ck_assert_int_eq(sendto(fd, data, len, 0, (struct sockaddr *)&d, sizeof(d)), (ssize_t)len);
	close(fd);
}

/* what a sent: a's own datagram as it went out, captured by a socket standing in for b */
START_TEST(test_genuine_then_attacks)
{
	struct hasync a, b;
	char why[256], buf[256];
	uint8_t wire[512];
	int64_t now = 1790000000000LL;
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	ssize_t n;

	ck_assert_int_eq(hasync_open(&a, &ha, dir_a, why, sizeof(why)), 0);
	ck_assert_str_eq(a.own_addr, "127.0.0.1");
	ck_assert_int_eq(hasync_open(&b, &ha, dir_b, why, sizeof(why)), 0);
	ck_assert_str_eq(b.own_addr, "127.0.0.2");	/* .1 taken: the other node */
	ck_assert_str_eq(b.peer_addr, "127.0.0.1");
	ck_assert_int_eq(hasync_send(&a, "isolate\tjuki\n", 13, now), 0);
	ck_assert_int_eq(rx(&b, buf, sizeof(buf), now), 0);
	ck_assert_str_eq(buf, "isolate\tjuki\n");
	/* the same bytes again: replayed. Capture them from a second send first. */
	ck_assert_int_eq(hasync_send(&a, "revoke x\n", 9, now + 1), 0);
	n = recvfrom(b.fd, wire, sizeof(wire), MSG_PEEK, (struct sockaddr *)&sa, &sl);
	(void)n;
	{
		struct pollfd p = { .fd = b.fd, .events = POLLIN };

		ck_assert_int_eq(poll(&p, 1, 1000), 1);
	}
	n = recvfrom(b.fd, wire, sizeof(wire), MSG_PEEK, NULL, NULL);
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(rx(&b, buf, sizeof(buf), now + 1), 0);
	raw("127.0.0.1", wire, (size_t)n);
	ck_assert_int_eq(rx(&b, buf, sizeof(buf), now + 1), HASYNC_REPLAYED);
	/* a flipped bit in the payload: forged */
	wire[40] ^= 1;
	raw("127.0.0.1", wire, (size_t)n);
	ck_assert_int_eq(rx(&b, buf, sizeof(buf), now + 2), HASYNC_FORGED);
	wire[40] ^= 1;
	/* from another address than the peer's */
	raw("127.0.0.3", wire, (size_t)n);
	ck_assert_int_eq(rx(&b, buf, sizeof(buf), now + 2), HASYNC_SOURCE);
	/* a genuine datagram whose clock is 31 s off */
	ck_assert_int_eq(hasync_send(&a, "x\n", 2, now + 31002), 0);
	ck_assert_int_eq(rx(&b, buf, sizeof(buf), now), HASYNC_STALE);
	/* truncated: forged */
	raw("127.0.0.1", wire, 20);
	ck_assert_int_eq(rx(&b, buf, sizeof(buf), now + 3), HASYNC_FORGED);
	/* a sender that restarts (sequence from 1) with a later clock is accepted */
	hasync_close(&a);
	ck_assert_int_eq(hasync_open(&a, &ha, dir_a, why, sizeof(why)), 0);
	ck_assert_int_eq(hasync_send(&a, "y\n", 2, now + 5000), 0);
	ck_assert_int_eq(rx(&b, buf, sizeof(buf), now + 5000), 0);
	hasync_close(&a);
	hasync_close(&b);
}
END_TEST

START_TEST(test_other_key)
{
	struct hasync a, b;
	char why[256], buf[256];
	int64_t now = 1790000000000LL;

	key(dir_a, "another key, 32 bytes or more....", 0600);
	ck_assert_int_eq(hasync_open(&a, &ha, dir_a, why, sizeof(why)), 0);
	ck_assert_int_eq(hasync_open(&b, &ha, dir_b, why, sizeof(why)), 0);
	ck_assert_int_eq(hasync_send(&a, "isolate\tlgwan\n", 14, now), 0);
	ck_assert_int_eq(rx(&b, buf, sizeof(buf), now), HASYNC_FORGED);
	hasync_close(&a);
	hasync_close(&b);
}
END_TEST

START_TEST(test_key_file)
{
	struct hasync a;
	char why[256];

	key(dir_a, "0123456789abcdef0123456789abcdef", 0640);
	ck_assert_int_eq(hasync_open(&a, &ha, dir_a, why, sizeof(why)), -EPERM);
	ck_assert_ptr_nonnull(strstr(why, "chmod 600"));
	ck_assert_int_eq(a.fd, -1);
	key(dir_a, "short", 0600);
	ck_assert_int_eq(hasync_open(&a, &ha, dir_a, why, sizeof(why)), -EINVAL);
	ck_assert_int_eq(hasync_open(&a, &ha, "/nonexistent", why, sizeof(why)), -ENOENT);
	key(dir_a, "0123456789abcdef0123456789abcdef", 0600);
	ck_assert_int_eq(policy_prefix_parse("198.51.100.1", &nodes[0]), 0);	/* not ours */
	ck_assert_int_eq(policy_prefix_parse("198.51.100.2", &nodes[1]), 0);
	ck_assert_int_eq(hasync_open(&a, &ha, dir_a, why, sizeof(why)), -EADDRNOTAVAIL);
}
END_TEST

Suite *suite_hasync(void);

Suite *suite_hasync(void)
{
	Suite *s = suite_create("hasync");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_genuine_then_attacks);
	tcase_add_test(tc, test_other_key);
	tcase_add_test(tc, test_key_file);
	suite_add_tcase(s, tc);
	return s;
}
