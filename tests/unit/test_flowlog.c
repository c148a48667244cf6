/* SPDX-License-Identifier: GPL-2.0-only */
/* test_flowlog.c: the flow log's line (decode, fields, timestamp), its NFLOG parser against
 * well-formed, truncated and hostile messages, and the writer: segments that verify, a
 * changed line found, the (rule, source) rate with its suppressed summary, scan and burst
 * detection, write failures (a gap line, the chain still whole). */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_log.h>

#include "flowlog.h"
#include "nflog.h"

Suite *suite_flowlog(void);

#define T0 INT64_C(1796601600)		/* 2026-12-07T00:00:00Z */

/* IPv4 + TCP SYN 10.10.0.5:40000 -> 10.30.0.100:443 */
static const uint8_t syn4[40] = {
	0x45, 0, 0, 40, 0, 1, 0x40, 0, 64, 6, 0, 0, 10, 10, 0, 5, 10, 30, 0, 100,
	0x9c, 0x40, 0x01, 0xbb, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0xff, 0xff, 0, 0, 0, 0,
};

static struct flowlog_event decoded(const char *prefix, const uint8_t *pl, size_t len)
{
	struct flowlog_rec rec = { .prefix = prefix, .in_iface = "mn0", .out_iface = "in0",
				   .payload = pl, .payload_len = len };
	struct flowlog_event ev;

	ck_assert_int_eq(flowlog_decode(NULL, NULL, &rec, &ev), 0);
	return ev;
}

static void line_of(const struct flowlog_event *ev, int64_t us, char *buf, size_t len)
{
	struct audit_fields f;
	uint8_t prev[SHA256_DIGEST_SIZE] = { 0 };

	int n;

	ck_assert_int_eq(flowlog_fields(ev, us, &f), 0);
	n = audit_format_line(buf, len, 1, prev, us / 1000000, "sansod", ev->event_type, &f);
	ck_assert_int_gt(n, 0);
	ck_assert_uint_lt((size_t)n, len);
	buf[n] = '\0';		/* the line is counted, not terminated: strstr below */
}

START_TEST(test_decode_format)
{
	struct flowlog_event ev = decoded("sanso drop mynumber>internet ", syn4, sizeof(syn4));
	char buf[AUDIT_LINE_MAX];

	ck_assert_str_eq(ev.event_type, "drop");
	ck_assert_str_eq(ev.reason, "policy");
	ck_assert_str_eq(ev.zone_pair, "mynumber>internet");
	ck_assert_str_eq(ev.rule, "sanso drop mynumber>internet");
	ck_assert(ev.ports);
	ck_assert_uint_eq(ev.dport, 443);
	line_of(&ev, T0 * 1000000 + 1234, buf, sizeof(buf));
	ck_assert_ptr_nonnull(strstr(buf, "\"timestamp\":\"2026-12-07T09:00:00.001234+09:00\","
				     "\"event_type\":\"drop\",\"src_ip\":\"10.10.0.5\",\"src_port\":40000,"
				     "\"dest_ip\":\"10.30.0.100\",\"dest_port\":443,\"proto\":\"TCP\","
				     "\"in_iface\":\"mn0\",\"out_iface\":\"in0\",\"zone_pair\":"
				     "\"mynumber>internet\",\"decision\":\"drop\",\"reason\":\"policy\","
				     "\"rule\":\"sanso drop mynumber>internet\",\"hash\""));
	ev = decoded("sanso spoof mac/ip ", NULL, 0);
	ck_assert_str_eq(ev.reason, "spoof");
	ck_assert_int_eq(ev.family, 0);		/* no payload: no addresses, no crash */
	line_of(&ev, T0 * 1000000, buf, sizeof(buf));
	ck_assert_ptr_null(strstr(buf, "src_ip"));
	ev = decoded("sanso flow lgwan>internet ", syn4, 23);	/* truncated: no ports */
	ck_assert_str_eq(ev.decision, "accept");
	ck_assert(!ev.ports);
}
END_TEST

START_TEST(test_decode_foreign)
{
	struct flowlog_rec rec = { .prefix = "other drop ", .in_iface = "", .out_iface = "" };
	struct flowlog_event ev;

	ck_assert_int_eq(flowlog_decode(NULL, NULL, &rec, &ev), -EINVAL);
	rec.prefix = "";
	ck_assert_int_eq(flowlog_decode(NULL, NULL, &rec, &ev), -EINVAL);
}
END_TEST

/* ---- the NFLOG parser ---- */

struct got {
	int n;
	struct nflog_pkt p;
};

static void on_pkt(void *arg, const struct nflog_pkt *p)
{
	struct got *g = arg;

	g->n++;
	g->p = *p;
}

/* One NFULNL_MSG_PACKET; mark_len 4 is well-formed. Returns its length. */
static size_t msg(char *buf, const char *prefix, size_t mark_len)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nfgenmsg *g;
	uint32_t mark = htonl(0x1234), idx = htonl(3);

	nlh->nlmsg_type = (NFNL_SUBSYS_ULOG << 8) | NFULNL_MSG_PACKET;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->nfgen_family = AF_INET;
	mnl_attr_put_strz(nlh, NFULA_PREFIX, prefix);
	mnl_attr_put(nlh, NFULA_MARK, mark_len, &mark);
	mnl_attr_put(nlh, NFULA_IFINDEX_INDEV, sizeof(idx), &idx);
	mnl_attr_put(nlh, NFULA_PAYLOAD, sizeof(syn4), syn4);
	return nlh->nlmsg_len;
}

START_TEST(test_nflog_parse)
{
	static char buf[4096];
	struct got g = { 0 };
	size_t len = msg(buf, "sanso cut ", 4), i;

	ck_assert_int_eq(nflog_parse(buf, len, on_pkt, &g), 1);
	ck_assert_str_eq(g.p.prefix, "sanso cut ");
	ck_assert(g.p.has_mark);
	ck_assert_uint_eq(g.p.mark, 0x1234);
	ck_assert_uint_eq(g.p.indev, 3);
	ck_assert_uint_eq(g.p.outdev, 0);
	ck_assert_uint_eq(g.p.payload_len, sizeof(syn4));
	ck_assert_int_eq(memcmp(g.p.payload, syn4, sizeof(syn4)), 0);
	/* every truncation is refused whole */
	for (i = 1; i < len; i++) {
		g.n = 0;
		ck_assert_int_eq(nflog_parse(buf, i, on_pkt, &g), -EBADMSG);
		ck_assert_int_eq(g.n, 0);
	}
	/* a mark of the wrong size */
	len = msg(buf, "sanso cut ", 2);
	ck_assert_int_eq(nflog_parse(buf, len, on_pkt, &g), -EBADMSG);
	/* a prefix without its NUL */
	len = msg(buf, "sanso cut ", 4);
	buf[MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(struct nfgenmsg)) + MNL_ATTR_HDRLEN + 10] = 'x';
	ck_assert_int_eq(nflog_parse(buf, len, on_pkt, &g), -EBADMSG);
	/* an attribute longer than its message */
	len = msg(buf, "sanso cut ", 4);
	((struct nlattr *)(buf + MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(struct nfgenmsg))))->nla_len = 4000;
	ck_assert_int_eq(nflog_parse(buf, len, on_pkt, &g), -EBADMSG);
	ck_assert_int_eq(nflog_parse(buf, 0, on_pkt, &g), 0);
}
END_TEST

/* ---- the writer ---- */

static const struct logging_conf conf = {
	.group = 7, .kernel_rate = 50, .source_lines = 3, .source_window = 2,
	.segment_bytes = 4096, .segment_seconds = 86400, .retention_days = 400,
	.scan_ports = 5, .scan_hosts = 20, .scan_window = 10,
	.burst_events = 30, .burst_window = 10,
};

static char *tmpdir(void)
{
	char *d = strdup("/tmp/sanso-flowlog.XXXXXX");

	ck_assert_ptr_nonnull(mkdtemp(d));
	return d;
}

static void rmdir_all(char *d)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d);
	ck_assert_int_eq(system(cmd), 0);
	free(d);
}

START_TEST(test_writer)
{
	char *d = tmpdir(), path[512], cmd[700];
	struct flowlog *fl = calloc(1, sizeof(*fl));
	struct flowlog_event ev = decoded("sanso drop mynumber>internet ", syn4, sizeof(syn4));
	struct flowlog_scan_hit hit, found = { 0 };
	struct flowlog_verify v;
	int64_t us = T0 * 1000000;
	int i, scans = 0, r;

	ck_assert_ptr_nonnull(fl);
	ck_assert_int_eq(flowlog_open(fl, d, &conf, T0), 0);
	for (i = 0; i < 20; i++)		/* one rule, one source: 3 lines, 17 counted */
		ck_assert_int_eq(flowlog_input(fl, &ev, us + i, &hit), 0);
	ck_assert_uint_eq(fl->lines, 3);
	ck_assert_int_eq(flowlog_tick(fl, us + 3000000), 0);	/* the window ended */
	ck_assert_uint_eq(fl->suppressed, 17);
	ck_assert_uint_eq(fl->lines, 4);
	ev.watch = true;			/* an Internet source: scans */
	for (i = 0; i < 8; i++) {
		ev.dport = (uint16_t)(1000 + i);
		r = flowlog_input(fl, &ev, us + 4000000, &hit);
		ck_assert_int_ge(r, 0);
		ck_assert_int_eq(r, hit.found);
		scans += r;
		if (r)
			found = hit;
	}
	ck_assert_int_eq(scans, FLOWLOG_HIT_SCAN);	/* once per source and window */
	ck_assert_str_eq(found.src, "10.10.0.5");
	ck_assert_int_eq(found.ports, 5);
	for (i = 0; i < 40; i++) {		/* rotation at 4096 bytes */
		ev.src[3] = (uint8_t)i;
		ck_assert_int_ge(flowlog_input(fl, &ev, us + 5000000, &hit), 0);
	}
	ck_assert_uint_gt(fl->seg_n, 2);
	flowlog_close(fl);
	ck_assert_int_eq(flowlog_verify_dir(d, NULL, &v), 0);
	ck_assert_int_eq(v.segments, (int)fl->seg_n);
	/* a changed line */
	snprintf(path, sizeof(path), "%s/%s", d, fl->seg);
	snprintf(cmd, sizeof(cmd), "sed -i '2s/\"proto\":\"TCP\"/\"proto\":\"UDP\"/' '%s'", path);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_int_eq(flowlog_verify_dir(d, NULL, &v), -EBADMSG);
	ck_assert_str_eq(v.bad_seg, fl->seg);
	ck_assert_uint_eq(v.bad_line, 2);
	free(fl);
	rmdir_all(d);
}
END_TEST

static int count_in_dir(const char *d, const char *needle)
{
	char cmd[600];
	FILE *f;
	int n = -1;

	snprintf(cmd, sizeof(cmd), "cat '%s'/flows-*.jsonl | grep -c '%s'", d, needle);
	f = popen(cmd, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fscanf(f, "%d", &n), 1);
	pclose(f);
	return n;
}

/* One watched source, one port and host: no scan, one burst per window; an unwatched one
 * never. */
START_TEST(test_burst)
{
	char *d = tmpdir();
	struct flowlog *fl = calloc(1, sizeof(*fl));
	struct flowlog_event ev = decoded("sanso drop internet>lgwan ", syn4, sizeof(syn4));
	struct flowlog_scan_hit hit;
	int64_t us = T0 * 1000000;
	int i, bursts = 0, at = -1, r;

	ck_assert_ptr_nonnull(fl);
	ck_assert_int_eq(flowlog_open(fl, d, &conf, T0), 0);
	for (i = 0; i < 100; i++) {		/* not watched */
		ck_assert_int_eq(flowlog_input(fl, &ev, us + i, &hit), 0);
		ck_assert_int_eq(hit.found, 0);
	}
	ev.watch = true;
	for (i = 0; i < 100; i++) {
		r = flowlog_input(fl, &ev, us + 1000000 + i, &hit);
		ck_assert_int_ge(r, 0);
		ck_assert_int_eq(r & FLOWLOG_HIT_SCAN, 0);	/* one port, one host */
		if (r & FLOWLOG_HIT_BURST) {
			bursts++;
			at = i;
			ck_assert_int_eq(hit.events, 30);
			ck_assert_int_eq(hit.burst_window, 10);
			ck_assert_str_eq(hit.src, "10.10.0.5");
		}
	}
	ck_assert_int_eq(bursts, 1);
	ck_assert_int_eq(at, 29);
	/* the next window: again, once */
	for (i = 0, bursts = 0; i < 40; i++)
		bursts += !!(flowlog_input(fl, &ev, us + 12000000 + i, &hit) & FLOWLOG_HIT_BURST);
	ck_assert_int_eq(bursts, 1);
	/* accepted new connections count too */
	ev = decoded("sanso flow internet>lgwan ", syn4, sizeof(syn4));
	ev.watch = true;
	ev.src[3] = 77;
	for (i = 0, bursts = 0; i < 30; i++)
		bursts += !!(flowlog_input(fl, &ev, us + 13000000 + i, &hit) & FLOWLOG_HIT_BURST);
	ck_assert_int_eq(bursts, 1);
	flowlog_close(fl);
	ck_assert_int_eq(count_in_dir(d, "\"event_type\":\"burst\""), 3);
	ck_assert_int_eq(count_in_dir(d, "\"count\":30"), 3);
	free(fl);
	rmdir_all(d);
}
END_TEST

/* A line that cannot be written: counted, the chain kept; the gap line says how many were
 * lost, and the directory still verifies. A segment that cannot be created leaves nothing. */
START_TEST(test_gap)
{
	char *d = tmpdir(), path[512];
	struct flowlog *fl = calloc(1, sizeof(*fl));
	struct flowlog_event ev = decoded("sanso drop mynumber>internet ", syn4, sizeof(syn4));
	struct flowlog_verify v;
	int64_t us = T0 * 1000000;
	int i, dirfd, rofd;

	ck_assert_ptr_nonnull(fl);
	ck_assert_int_eq(flowlog_open(fl, d, &conf, T0), 0);
	ck_assert_int_eq(flowlog_write(fl, &ev, us), 0);
	/* the segment's descriptor turns read-only, and no new segment can be created */
	snprintf(path, sizeof(path), "%s/%s", d, fl->seg);
	rofd = open(path, O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(rofd, 0);
	ck_assert_int_ge(dup2(rofd, fl->fd), 0);
	close(rofd);
	dirfd = fl->dirfd;
	fl->dirfd = open("/proc/self", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ge(fl->dirfd, 0);
	for (i = 0; i < 3; i++)
		ck_assert_int_lt(flowlog_write(fl, &ev, us + 1 + i), 0);
	ck_assert_uint_eq(fl->gap, 3);
	ck_assert_int_lt(flowlog_gap(fl, us + 10), 0);
	ck_assert_int_lt(flowlog_write(fl, &ev, us + 11), 0);
	ck_assert_uint_eq(fl->gap, 4);		/* the gap line is not one of the lost */
	close(fl->dirfd);
	fl->dirfd = dirfd;
	ck_assert_int_eq(flowlog_gap(fl, us + 20), 0);
	ck_assert_uint_eq(fl->gap, 0);
	ck_assert_int_eq(flowlog_write(fl, &ev, us + 21), 0);
	flowlog_close(fl);
	ck_assert_int_eq(count_in_dir(d, "\"event_type\":\"gap\""), 1);
	ck_assert_int_eq(count_in_dir(d, "\"count\":4"), 1);
	ck_assert_int_eq(flowlog_verify_dir(d, NULL, &v), 0);
	ck_assert_int_eq(v.segments, 2);
	free(fl);
	rmdir_all(d);
}
END_TEST

/* A checkpoint record signs the head before it (the signature is sansoctl's to check):
 * written in the segment, the chain still whole, nothing to sign without a segment. */
START_TEST(test_checkpoint)
{
	char *d = tmpdir(), msg[160];
	struct flowlog *fl = calloc(1, sizeof(*fl));
	struct flowlog_event ev = decoded("sanso drop mynumber>internet ", syn4, sizeof(syn4));
	struct flowlog_verify v;
	int64_t us = T0 * 1000000;

	ck_assert_ptr_nonnull(fl);
	ck_assert_int_eq(flowlog_open(fl, d, &conf, T0), 0);
	ck_assert_int_eq(flowlog_write(fl, &ev, us), 0);
	ck_assert_uint_eq(fl->ckpt_pending, 2);			/* header and the line */
	ck_assert_int_eq(flowlog_ckpt_msg(fl, msg, sizeof(msg)), 0);
	ck_assert_ptr_nonnull(strstr(msg, "seq=2 "));
	ck_assert_int_eq(flowlog_checkpoint(fl, "abcd", "c2ln", T0), 0);
	ck_assert_uint_eq(fl->ckpt_pending, 0);
	ck_assert_uint_eq(fl->seq, 3);
	flowlog_close(fl);
	ck_assert_int_eq(flowlog_ckpt_msg(fl, msg, sizeof(msg)), -ENOENT);
	ck_assert_int_eq(count_in_dir(d, "\"event\":\"audit.checkpoint\""), 1);
	ck_assert_int_eq(count_in_dir(d, "\"signed_seq\":\"2\""), 1);
	ck_assert_int_eq(flowlog_verify_dir(d, NULL, &v), 0);
	ck_assert_uint_eq(v.lines, 3);
	free(fl);
	rmdir_all(d);
}
END_TEST

/* A segment appears with its header or not at all: it is written as a hidden file first, and
 * a stale one (a symlink planted there) is removed, never followed. The newest segment's last
 * line cut short: truncated for a reader of a closed log, waited for by a live reader. */
struct finisher {
	int fd;
	const char *rest;
	size_t len;
	off_t at;
	ssize_t wrote;
};

/* A reader's wait: 50 ms, 20 times at most. */
static int wait_50ms(void *arg)
{
	int *left = arg;

	if (--*left < 0)
		return -1;
	usleep(50000);
	return 0;
}

/* The writer finishing its line 150 ms later (a thread: a forked child under valgrind
 * would report the test's memory as its leaks). */
static void *finish_line(void *arg)
{
	struct finisher *f = arg;

	usleep(150000);
	f->wrote = pwrite(f->fd, f->rest, f->len, f->at);
	return NULL;
}

START_TEST(test_live)
{
	char *d = tmpdir(), path[512], target[512], *buf = malloc(1 << 16), *last;
	struct flowlog *fl = calloc(1, sizeof(*fl));
	struct flowlog_event ev = decoded("sanso drop mynumber>internet ", syn4, sizeof(syn4));
	struct flowlog_verify v;
	ssize_t len;
	size_t head, half;
	struct finisher fin;
	pthread_t th;
	int fd, left = 20;
	struct flowlog_wait live = { wait_50ms, &left };

	ck_assert_ptr_nonnull(fl);
	ck_assert_ptr_nonnull(buf);
	snprintf(target, sizeof(target), "%s.target", d);
	fd = open(target, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);
	snprintf(path, sizeof(path), "%s/.flows-new.jsonl", d);
	ck_assert_int_eq(symlink(target, path), 0);
	ck_assert_int_eq(flowlog_open(fl, d, &conf, T0), 0);
	ck_assert_int_eq(flowlog_write(fl, &ev, T0 * 1000000), 0);
	flowlog_close(fl);
	ck_assert_int_eq(access(path, F_OK), -1);		/* removed, not followed */
	fd = open(target, O_RDONLY | O_CLOEXEC);
	ck_assert_int_eq(read(fd, buf, 16), 0);
	close(fd);
	unlink(target);
	ck_assert_int_eq(flowlog_verify_dir(d, NULL, &v), 0);
	ck_assert_uint_eq(v.lines, 2);
	/* the last line cut in two; a writer finishes it 150 ms later */
	snprintf(path, sizeof(path), "%s/%s", d, fl->seg);
	fd = open(path, O_RDWR | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	len = read(fd, buf, (1 << 16) - 1);
	ck_assert_int_gt(len, 0);
	buf[len] = '\0';
	buf[len - 1] = '\0';
	last = strrchr(buf, '\n') + 1;
	buf[len - 1] = '\n';
	head = (size_t)(last - buf);
	half = ((size_t)len - head) / 2;
	ck_assert_int_eq(ftruncate(fd, (off_t)(head + half)), 0);
	ck_assert_int_eq(flowlog_verify_dir(d, NULL, &v), -EBADMSG);
	ck_assert_str_eq(v.why, audit_bad_str(AUDIT_BAD_TRUNCATED));
	fin = (struct finisher){ fd, last + half, (size_t)len - head - half,
				 (off_t)(head + half), 0 };
	ck_assert_int_eq(pthread_create(&th, NULL, finish_line, &fin), 0);
	ck_assert_int_eq(flowlog_verify_dir(d, &live, &v), 0);
	ck_assert_uint_eq(v.lines, 2);
	ck_assert_int_eq(pthread_join(th, NULL), 0);
	ck_assert_int_eq(fin.wrote, (ssize_t)((size_t)len - head - half));
	/* never finished: a live reader too calls it truncated, after its wait */
	ck_assert_int_eq(ftruncate(fd, (off_t)(head + half)), 0);
	left = 20;
	ck_assert_int_eq(flowlog_verify_dir(d, &live, &v), -EBADMSG);
	ck_assert_uint_eq(v.bad_line, 2);
	close(fd);
	free(buf);
	free(fl);
	rmdir_all(d);
}
END_TEST

/* A restart in the same second, or after the clock went back, names its segment after the
 * newest one, so the links are read in the order they were made; "-10" sorts after "-9". */
START_TEST(test_order)
{
	char *d = tmpdir(), first[FLOWLOG_SEG_NAME_MAX];
	struct flowlog *fl = calloc(1, sizeof(*fl));
	struct flowlog_event ev = decoded("sanso drop mynumber>internet ", syn4, sizeof(syn4));
	struct flowlog_verify v;
	const char *a = "flows-20261207T000000Z-9.jsonl", *b = "flows-20261207T000000Z-10.jsonl";
	const char *c = "/x/flows-20261207T000001Z-1.jsonl";
	int64_t t[] = { T0, T0, T0 - 100, T0 + 1 };
	unsigned i;

	ck_assert_int_lt(flowlog_seg_cmp(&a, &b), 0);
	ck_assert_int_lt(flowlog_seg_cmp(&b, &c), 0);
	ck_assert_int_gt(flowlog_seg_cmp(&c, &a), 0);
	ck_assert_ptr_nonnull(fl);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		ck_assert_int_eq(flowlog_open(fl, d, &conf, t[i]), 0);
		if (!i)
			snprintf(first, sizeof(first), "%s", fl->seg);
		ck_assert_int_eq(flowlog_write(fl, &ev, t[i] * 1000000), 0);
		flowlog_close(fl);
	}
	ck_assert_str_eq(first, "flows-20261207T000000Z-1.jsonl");
	ck_assert_str_eq(fl->seg, "flows-20261207T000001Z-1.jsonl");
	ck_assert_int_eq(flowlog_verify_dir(d, NULL, &v), 0);
	ck_assert_int_eq(v.segments, 4);
	ck_assert(!v.first_unlinked);
	free(fl);
	rmdir_all(d);
}
END_TEST

Suite *suite_flowlog(void)
{
	Suite *s = suite_create("flowlog");
	TCase *tc = tcase_create("flowlog");

	tcase_add_test(tc, test_decode_format);
	tcase_add_test(tc, test_decode_foreign);
	tcase_add_test(tc, test_nflog_parse);
	tcase_add_test(tc, test_writer);
	tcase_add_test(tc, test_burst);
	tcase_add_test(tc, test_gap);
	tcase_add_test(tc, test_checkpoint);
	tcase_add_test(tc, test_live);
	tcase_add_test(tc, test_order);
	suite_add_tcase(s, tc);
	return s;
}
