// SPDX-License-Identifier: GPL-2.0-only
/* kprove.c: the kernel's table, read through libnftables, proven; see kprove.h.
 * The proof runs in a child process with its own memory and CPU limits: whatever the
 * ruleset, it cannot exhaust the gateway's memory or hold the daemon past KPROVE_DEADLINE_S. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <nftables/libnftables.h>

#include "kprove.h"
#include "prove_policy.h"

#define KPROVE_AS_MAX		(2ULL << 30)	/* bytes of address space for the proof */
#define KPROVE_DEADLINE_S	60		/* wall clock, then the child is killed */
#define KPROVE_EX_CANNOT	5		/* the child's exit: cannot evaluate (why printed) */
#define KPROVE_OUT_MAX		(64 << 20)	/* bytes of output kept */

int kprove_table_json(char **ret, char *why, size_t whylen)
{
	struct nft_ctx *nft = nft_ctx_new(NFT_CTX_DEFAULT);
	const char *out, *err;
	int r = -ENOMEM;

	*ret = NULL;
	snprintf(why, whylen, "libnftables: out of memory");
	if (!nft || nft_ctx_buffer_output(nft) || nft_ctx_buffer_error(nft))
		goto out;
	nft_ctx_output_set_flags(nft, NFT_CTX_OUTPUT_JSON | NFT_CTX_OUTPUT_HANDLE);
	if (nft_run_cmd_from_buffer(nft, "list table inet sanso") != 0) {
		err = nft_ctx_get_error_buffer(nft);
		r = err && strstr(err, "No such file") ? -ENOENT : -EIO;
		snprintf(why, whylen, "cannot list table inet sanso: %s",
			 err && *err ? err : "libnftables failed");
		why[strcspn(why, "\n")] = '\0';
		goto out;
	}
	out = nft_ctx_get_output_buffer(nft);
	*ret = strdup(out ? out : "");
	r = *ret ? 0 : -ENOMEM;
out:
	if (nft)
		nft_ctx_free(nft);
	return r;
}

/* In the child: read, prove, print; the exit status is the result, why goes to wfd. */
static void __attribute__((noreturn)) child(const struct policy *p, int fd, int wfd, bool json)
{
	struct rlimit as = { KPROVE_AS_MAX, KPROVE_AS_MAX };
	struct rlimit cpu = { KPROVE_DEADLINE_S, KPROVE_DEADLINE_S + 1 };
	char why[512] = "", *text = NULL;
	FILE *out = fdopen(fd, "w");
	int r;

#ifndef __SANITIZE_ADDRESS__	/* ASan's shadow memory is terabytes of address space */
	(void)setrlimit(RLIMIT_AS, &as);
#else
	(void)as;
#endif
	(void)setrlimit(RLIMIT_CPU, &cpu);
	if (!out)
		_exit(KPROVE_EX_CANNOT);
	r = kprove_table_json(&text, why, sizeof(why));
	if (r == 0)
		r = pv_prove(p, text, out, json, why, sizeof(why));
	fflush(out);
	if (r < 0 && write(wfd, why, strlen(why)) < 0)
		_exit(KPROVE_EX_CANNOT);
	_exit(r < 0 ? KPROVE_EX_CANNOT : r);
}

/* The child's output into out until EOF or the deadline; false at the deadline. */
static bool relay(int fd, FILE *out, time_t deadline, size_t *kept)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	char buf[65536];
	ssize_t n;

	for (;;) {
		int left = (int)(deadline - time(NULL));

		if (left <= 0 || poll(&pfd, 1, left * 1000) == 0)
			return false;
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			return true;
		if (*kept < KPROVE_OUT_MAX)
			fwrite(buf, 1, (size_t)n, out);
		*kept += (size_t)n;
	}
}

int kprove_run(const struct policy *p, FILE *out, bool json, char *why, size_t whylen)
{
	size_t kept = 0;
	int fds[2], wfds[2], st = 0;
	ssize_t n = -1;
	bool done;
	pid_t pid;

	fflush(out);
	if (pipe2(fds, O_CLOEXEC) < 0) {
		snprintf(why, whylen, "pipe: %s", strerror(errno));
		return -EAGAIN;
	}
	if (pipe2(wfds, O_CLOEXEC | O_NONBLOCK) < 0) {
		close(fds[0]);
		close(fds[1]);
		snprintf(why, whylen, "pipe: %s", strerror(errno));
		return -EAGAIN;
	}
	pid = fork();
	if (pid == 0) {
		close(fds[0]);
		close(wfds[0]);
		child(p, fds[1], wfds[1], json);
	}
	close(fds[1]);
	close(wfds[1]);
	done = pid > 0 && relay(fds[0], out, time(NULL) + KPROVE_DEADLINE_S, &kept);
	close(fds[0]);
	if (pid > 0 && !done)
		kill(pid, SIGKILL);
	while (pid > 0 && waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (done && WIFEXITED(st) && WEXITSTATUS(st) == KPROVE_EX_CANNOT)
		n = read(wfds[0], why, whylen - 1);
	close(wfds[0]);
	if (pid < 0) {
		snprintf(why, whylen, "fork: %s", strerror(errno));
		return -EAGAIN;
	}
	if (done && WIFEXITED(st) && WEXITSTATUS(st) <= 1)
		return WEXITSTATUS(st);
	if (n >= 0) {
		why[n] = '\0';
		return -EIO;
	}
	snprintf(why, whylen, "the proof exceeded its budget (%llu MiB, %d s) and was stopped",
		 KPROVE_AS_MAX >> 20, KPROVE_DEADLINE_S);
	return -E2BIG;
}
