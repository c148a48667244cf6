/* SPDX-License-Identifier: GPL-2.0-only */
/* udpflood.c: bench traffic — UDP datagrams where every one is a new flow (source address
 * and port walk a range), sent with sendmmsg on a raw socket for a fixed time.
 *   udpflood SRC_BASE N_SRC DST PORT SECONDS   (prints datagrams sent) */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#define BATCH 64
#define PKT 64

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	static uint8_t pkts[BATCH][PKT];
	struct mmsghdr msg[BATCH];
	struct iovec iov[BATCH];
	struct sockaddr_in dst = { .sin_family = AF_INET };
	uint32_t base, n_src, src = 0, sport = 1024;
	unsigned long long sent = 0;
	double end;
	int fd, one = 1, i;

	if (argc != 6) {
		fprintf(stderr, "usage: udpflood SRC_BASE N_SRC DST PORT SECONDS\n");
		return 2;
	}
	base = ntohl(inet_addr(argv[1]));
	n_src = (uint32_t)atoi(argv[2]);
	dst.sin_addr.s_addr = inet_addr(argv[3]);
	fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
	if (fd < 0 || setsockopt(fd, IPPROTO_IP, IP_HDRINCL, &one, sizeof(one)) < 0) {
		perror("udpflood");
		return 1;
	}
	for (i = 0; i < BATCH; i++) {
		struct iphdr *ip = (struct iphdr *)pkts[i];
		struct udphdr *u = (struct udphdr *)(pkts[i] + sizeof(*ip));

		ip->version = 4;
		ip->ihl = 5;
		ip->ttl = 64;
		ip->protocol = IPPROTO_UDP;
		ip->tot_len = htons(PKT);
		ip->daddr = dst.sin_addr.s_addr;
		u->dest = htons((uint16_t)atoi(argv[4]));
		u->len = htons(PKT - sizeof(*ip));
		iov[i] = (struct iovec){ pkts[i], PKT };
		memset(&msg[i], 0, sizeof(msg[i]));
		msg[i].msg_hdr.msg_iov = &iov[i];
		msg[i].msg_hdr.msg_iovlen = 1;
		msg[i].msg_hdr.msg_name = &dst;
		msg[i].msg_hdr.msg_namelen = sizeof(dst);
	}
	end = now() + atof(argv[5]);
	while (now() < end) {
		for (i = 0; i < BATCH; i++) {
			struct iphdr *ip = (struct iphdr *)pkts[i];
			struct udphdr *u = (struct udphdr *)(pkts[i] + sizeof(*ip));

			if (++sport > 60999) {
				sport = 1024;
				src = (src + 1) % n_src;
			}
			ip->saddr = htonl(base + src);
			u->source = htons((uint16_t)sport);
		}
		i = sendmmsg(fd, msg, BATCH, 0);
		if (i > 0)
			sent += (unsigned long long)i;
	}
	printf("%llu\n", sent);
	return 0;
}
