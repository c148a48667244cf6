// SPDX-License-Identifier: GPL-2.0-only
/* report_pdf.c: sansoctl report --format pdf; see report_pdf.h. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ctl_proto.h"
#include "report_pdf.h"

#define PDF_TIMEOUT_MS	120000

static const char *const browsers[] = { "chromium", "chromium-browser", "google-chrome" };

/* The browser: $SANSO_CHROMIUM, else the first of browsers[] on $PATH. */
const char *report_browser(void)
{
	static char found[4096];
	const char *env = getenv("SANSO_CHROMIUM"), *path = getenv("PATH");
	char dirs[8192], *save = NULL, *dir;
	size_t i;

	if (env && *env)
		return access(env, X_OK) == 0 ? env : NULL;
	for (i = 0; i < sizeof(browsers) / sizeof(browsers[0]); i++) {
		snprintf(dirs, sizeof(dirs), "%s", path && *path ? path : "/usr/bin:/bin");
		for (dir = strtok_r(dirs, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
			snprintf(found, sizeof(found), "%s/%s", dir, browsers[i]);
			if (access(found, X_OK) == 0)
				return found;
		}
	}
	return NULL;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	(void)remove(path);
	return 0;
}

/* The browser, run in the scratch directory as its HOME, its output into log. */
static pid_t spawn(const char *browser, const char *dir, const char *html, const char *pdf)
{
	char home[4200], profile[4300], out[4400], url[4400], logp[4300];
	pid_t pid;
	int fd;

	snprintf(profile, sizeof(profile), "--user-data-dir=%s/profile", dir);
	snprintf(out, sizeof(out), "--print-to-pdf=%s", pdf);
	snprintf(url, sizeof(url), "file://%s", html);
	snprintf(logp, sizeof(logp), "%s/chromium.log", dir);
	snprintf(home, sizeof(home), "%s", dir);
	pid = fork();
	if (pid != 0)
		return pid;
	fd = open(logp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd >= 0) {
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
	}
	/* a HOME of its own: chromium writes its profile and caches there, also as root */
	setenv("HOME", home, 1);
	setenv("XDG_CONFIG_HOME", home, 1);
	setenv("XDG_CACHE_HOME", home, 1);
	if (geteuid() == 0)	/* chromium refuses to run as root with its sandbox */
		execl(browser, browser, "--headless=new", "--no-sandbox", "--disable-gpu",
		      "--no-pdf-header-footer", "--no-first-run", profile, out, url, (char *)NULL);
	else
		execl(browser, browser, "--headless=new", "--disable-gpu", "--no-pdf-header-footer",
		      "--no-first-run", profile, out, url, (char *)NULL);
	_exit(127);
}

/* Wait for pid at most PDF_TIMEOUT_MS: its exit status, or -ETIMEDOUT (killed). */
static int wait_for(pid_t pid)
{
	struct timespec ts = { 0, 100 * 1000 * 1000 };
	int st, ms;

	for (ms = 0; ms < PDF_TIMEOUT_MS; ms += 100) {
		pid_t w = waitpid(pid, &st, WNOHANG);

		if (w == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		if (w < 0 && errno != EINTR)
			return -errno;
		nanosleep(&ts, NULL);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	return -ETIMEDOUT;
}

/* Is path a PDF of some size? */
static bool is_pdf(const char *path)
{
	char head[5] = "";
	struct stat st;
	FILE *f = fopen(path, "re");
	bool ok = f && fstat(fileno(f), &st) == 0 && st.st_size > 1000 &&
		  fread(head, 1, 4, f) == 4 && !memcmp(head, "%PDF", 4);

	if (f)
		fclose(f);
	return ok;
}

static int write_html(const char *path, const char *html, size_t len)
{
	FILE *f = fopen(path, "we");

	if (!f || fwrite(html, 1, len, f) != len || fclose(f)) {
		fprintf(stderr, "sansoctl: cannot write %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* The end of the browser's log, to stderr: why it failed. */
static void show_log(const char *path)
{
	char buf[2048];
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f)
		return;
	if (fseek(f, -(long)sizeof(buf), SEEK_END) < 0)
		rewind(f);
	n = fread(buf, 1, sizeof(buf), f);
	fwrite(buf, 1, n, stderr);
	fclose(f);
}

/* path made absolute (chromium runs in no particular directory): 0 or -1. */
static int abs_path(const char *path, char *buf, size_t len)
{
	char cwd[4096];

	if (path[0] == '/')
		return snprintf(buf, len, "%s", path) < (int)len ? 0 : -1;
	if (!getcwd(cwd, sizeof(cwd)))
		return -1;
	return snprintf(buf, len, "%s/%s", cwd, path) < (int)len ? 0 : -1;
}

int report_pdf(const char *html, size_t len, const char *out)
{
	const char *tmpdir = getenv("TMPDIR"), *browser = report_browser();
	char dir[4096], page[4200], tmp[4300], logp[4200];
	int r = CTL_ERR_FAILED, st;

	snprintf(dir, sizeof(dir), "%s/sansoctl-report.XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
	if (!browser || abs_path(out, page, sizeof(page) - 8) < 0 || !mkdtemp(dir)) {
		fprintf(stderr, "sansoctl: %s\n", browser ? strerror(errno) : "no browser");
		return CTL_ERR_FAILED;
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", page);
	snprintf(page, sizeof(page), "%s/report.html", dir);
	snprintf(logp, sizeof(logp), "%s/chromium.log", dir);
	if (write_html(page, html, len) == 0) {
		st = wait_for(spawn(browser, dir, page, tmp));
		if (st == 0 && is_pdf(tmp) && rename(tmp, out) == 0) {
			fprintf(stderr, "sansoctl: written to %s (PDF, %s)\n", out, browser);
			r = CTL_OK;
		} else {
			fprintf(stderr, "sansoctl: %s could not print the report (%s); its output:\n",
				browser, st < 0 ? strerror(-st) : st ? "exit status" : "no PDF");
			(void)unlink(tmp);
			show_log(logp);
		}
	}
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return r;
}
