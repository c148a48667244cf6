/* SPDX-License-Identifier: GPL-2.0-only */
/* sansoctl.c: the control and audit CLI of sansod. Thin: build a request, print the reply.
 * Exit codes: 0 ok, 1 the daemon refused or failed (or verify found drift), 2 usage,
 * 3 cannot reach the daemon, 4 permission denied. Messages in Japanese under LANG=ja*. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "audit.h"
#include "ctl_proto.h"
#include "prove_cmd.h"
#include "lang.h"

enum {
	EX_OK = 0,
	EX_REFUSED = 1,
	EX_USAGE = 2,
	EX_UNREACHABLE = 3,
	EX_DENIED = 4,
};

struct cmd {
	const char *name;
	uint16_t type;
	const char *args;		/* positional argument names, space separated */
	const char *help;
	const char *help_ja;
};

static const struct cmd cmds[] = {
	{ "status", CTL_STATUS, "", "generation, policy, engine, kernel", "稼働状況" },
	{ "dump", CTL_DUMP, "", "what the kernel enforces (--json, --nft)", "カーネルが実施中の内容" },
	{ "verify", CTL_VERIFY, "", "kernel vs compiled policy: what differs, exit 1 on drift", "カーネルとポリシーの照合（差分を表示）" },
	{ "diff", CTL_VERIFY, "", "same as verify (the differences, then in sync/drift)", "verify と同じ（差分と一致・差分ありを表示）" },
	{ "stats", CTL_STATS, "", "counters (--prometheus)", "統計" },
	{ "reload", CTL_RELOAD, "", "reload the policy file atomically", "ポリシーの再読み込み" },
	{ "isolate", CTL_ISOLATE, "target", "cut a zone, host or group from everything (R50/R51)", "ゾーン・端末・グループの遮断" },
	{ "restore", CTL_RESTORE, "target", "lift an isolation", "遮断の解除" },
	{ "breakout revoke", CTL_BO_REVOKE, "service", "cut a cloud service now (R28)", "クラウドサービスの即時遮断" },
	{ "breakout restore", CTL_BO_RESTORE, "service", "lift a revocation", "遮断の解除" },
	{ "explain", CTL_EXPLAIN, "src dst proto port", "would SRC reach DST PROTO PORT, and why", "通信可否とその理由" },
	{ "exception list", CTL_EXC_LIST, "", "exceptions with time left", "例外措置の一覧" },
	{ "exception add", CTL_EXC_ADD, "id", "a time-bounded exception:\n"
	  "                                         --from A --to B --proto P [--ports N] --reason R\n"
	  "                                         --requested-by X --approved-by Y --expires TIME", "例外措置の追加: --from --to --proto [--ports] --reason --requested-by --approved-by --expires" },
	{ "exception revoke", CTL_EXC_REVOKE, "id", "end an exception now", "例外措置の取消" },
	{ "changes", CTL_CHANGES, "", "proposed and emergency changes", "変更の申請・緊急変更の一覧" },
	{ "propose", CTL_PROPOSE, "file", "propose a new policy (checked, not applied)", "新しいポリシーの申請" },
	{ "approve", CTL_APPROVE, "id", "apply a proposal: another person than its proposer", "申請の承認と適用（申請者以外）" },
	{ "emergency", CTL_EMERGENCY, "file", "apply now, one person; flagged until ratified", "緊急変更（事後承認が必要）" },
	{ "ratify", CTL_RATIFY, "id", "ratify an emergency change: another person", "緊急変更の事後承認（別の人）" },
};

static int ja;
static int quiet;		/* sansoctl ha: the daemon's reply is not printed */

static void usage(FILE *out)
{
	size_t i, j;

	fprintf(out, ja ? "使い方: sansoctl [-s ソケット] [--json] コマンド [引数] [--reason 理由]\n" :
		"usage: sansoctl [-s SOCKET] [--json] COMMAND [ARG] [--reason TEXT]\n");
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		char syn[32];

		for (j = 0; cmds[i].args[j] && j < sizeof(syn) - 1; j++)
			syn[j] = (char)(cmds[i].args[j] >= 'a' && cmds[i].args[j] <= 'z' ?
					cmds[i].args[j] - 'a' + 'A' : cmds[i].args[j]);
		syn[j] = 0;
		if (cmds[i].type == CTL_ISOLATE || cmds[i].type == CTL_RESTORE)
			snprintf(syn, sizeof(syn), "ZONE|HOST|GROUP");
		if (cmds[i].type == CTL_EXPLAIN)
			snprintf(syn, sizeof(syn), "SRC DST PROTO [PORT]");
		fprintf(out, "  %-17s %-20s %s\n", cmds[i].name, syn,
			ja ? cmds[i].help_ja : cmds[i].help);
	}
	fprintf(out, "  %-17s %-20s %s\n", "check", "FILE",
		ja ? "ポリシーの検査（sansod -n -v）" : "check a policy file (sansod -n -v)");
	fprintf(out, "  %-17s %-20s %s\n", "ha status", "",
		ja ? "冗長構成: 状態と同期の表示" : "high availability: state and sync");
	fprintf(out, "  %-17s %-20s %s\n", "ha check", "",
		ja ? "冗長構成: keepalived の track_script 用 (0 = 健全)" :
		"high availability: keepalived's track_script (0 = healthy)");
	fprintf(out, "  %-17s %-20s %s\n", "ha notify", "STATE",
		ja ? "冗長構成: keepalived の notify 用" : "high availability: keepalived's notify hook");
	fprintf(out, "  %-17s %-20s %s\n", "prove", "--dump FILE [-f POLICY] [--json]",
		ja ? "カーネルのルールセット (nft の JSON) の到達可能性を独立に証明" :
		"prove the kernel's ruleset (nft JSON) independently");
	fprintf(out, "  %-17s %-20s %s\n", "audit verify", "FILE [ANCHOR]",
		ja ? "監査証跡の検証（ローカル）" : "check the hash chain of an audit trail (local)");
	fprintf(out, ja ? "  二語のコマンドはハイフンでも書けます (exception-add など)。\n"
		"  -s ソケット  制御ソケット (既定 $SANSO_CONTROL, " CTL_SOCKET_DEFAULT ")\n"
		"  --json  JSON で出力   --nft  dump を nft 形式で   --prometheus  stats を Prometheus 形式で\n"
		"  --reason 理由  監査証跡に記録する理由 (isolate, breakout revoke, emergency では必須)\n"
		"  -h, --help  この説明\n" :
		"  Two-word commands may also be written with a hyphen (exception-add, breakout-revoke).\n"
		"  -s SOCKET      control socket (default $SANSO_CONTROL, else " CTL_SOCKET_DEFAULT ")\n"
		"  --json         JSON output   --nft  dump in nft syntax   --prometheus  stats for Prometheus\n"
		"  --reason TEXT  why, kept in the audit trail (needed by isolate, breakout revoke, emergency)\n"
		"  -h, --help     this text\n");
	fprintf(out, ja ? "終了コード: 0 成功, 1 拒否・失敗・差分あり, 2 使い方, 3 接続不可, 4 権限なし\n" :
		"exit: 0 ok, 1 refused/failed/drift, 2 usage, 3 daemon unreachable, 4 permission denied\n");
}

static int connect_to(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path));
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = -errno;

		close(fd);
		return e;
	}
	return fd;
}

static int add_arg(char *body, size_t *len, const char *k, const char *v)
{
	int n;

	if (!v)
		return 0;
	if (strchr(v, '\n'))
		return -EINVAL;
	n = snprintf(body + *len, CTL_BODY_MAX - *len, "%s%s=%s", *len ? "\n" : "", k, v);
	if (n < 0 || (size_t)n >= CTL_BODY_MAX - *len)
		return -E2BIG;
	*len += (size_t)n;
	return 0;
}

/* Send, then print every reply message; returns the daemon's status or -errno. */
static int exchange(int fd, uint16_t type, const char *body, size_t blen)
{
	static char buf[CTL_MSG_MAX];
	struct ctl_hdr h = { .version = CTL_VERSION, .type = type, .len = (uint32_t)blen };
	ssize_t n;

	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), body, blen);
	if (send(fd, buf, sizeof(h) + blen, MSG_NOSIGNAL) < 0)
		return -errno;
	for (;;) {
		n = recv(fd, buf, sizeof(buf), 0);
		if (n < (ssize_t)sizeof(h))
			return n < 0 ? -errno : -EPROTO;
		memcpy(&h, buf, sizeof(h));
		if (h.version != CTL_VERSION || h.len != (size_t)n - sizeof(h))
			return -EPROTO;
		if (!quiet)
			fwrite(buf + sizeof(h), 1, h.len, stdout);
		if (h.flags & CTL_F_END)
			return h.status;
	}
}

static int nargs(const struct cmd *c)
{
	const char *s;
	int n = c->args[0] ? 1 : 0;

	for (s = c->args; *s; s++)
		n += *s == ' ';
	return n;
}

static void argname(const struct cmd *c, int i, char *out, size_t len)
{
	const char *s = c->args, *e;

	while (i-- > 0 && (s = strchr(s, ' ')))
		s++;
	e = s ? strchr(s, ' ') : NULL;
	snprintf(out, len, "%.*s", s ? (int)(e ? e - s : (long)strlen(s)) : 0, s ? s : "");
}

static const struct cmd *find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		const char *a = cmds[i].name, *b = name;

		while (*a && (*a == *b || (*a == ' ' && *b == '-')))
			a++, b++;
		if (!*a && !*b)
			return &cmds[i];
	}
	return NULL;
}

/* sansoctl check FILE: the daemon's own checker (sansod -n -v), run here as the caller, who
 * may read files the daemon's sandbox cannot. */
static int check_cmd(const char *self, const char *file)
{
	char path[4096];
	const char *slash = strrchr(self, '/');

	if (slash) {
		snprintf(path, sizeof(path), "%.*ssansod", (int)(slash - self + 1), self);
		execl(path, "sansod", "-n", "-v", "-f", file, (char *)NULL);
	}
	execlp("sansod", "sansod", "-n", "-v", "-f", file, (char *)NULL);
	fprintf(stderr, "sansoctl: cannot run sansod: %s\n", strerror(errno));
	return EX_UNREACHABLE;
}

/* sansoctl audit verify FILE [ANCHOR]: local, no daemon needed (auditors, R87). */
static int audit_verify_cmd(const char *file, const char *anchor_path)
{
	struct audit_anchor an;
	struct audit_report rep;
	int r;

	if (anchor_path && audit_anchor_read(anchor_path, &an) < 0) {
		fprintf(stderr, "sansoctl: cannot read the anchor '%s'\n", anchor_path);
		return EX_REFUSED;
	}
	r = audit_verify(file, anchor_path ? &an : NULL, &rep);
	if (r == 0) {
		printf(ja ? "監査証跡は完全です: %llu 件、最終 seq %llu\n" :
		       "audit trail intact: %llu records, last seq %llu\n",
		       (unsigned long long)rep.lines, (unsigned long long)rep.last.seq);
		return EX_OK;
	}
	if (r == -EBADMSG) {
		printf(ja ? "監査証跡の改ざんを検出: %llu 行目: %s\n" :
		       "audit trail broken at line %llu: %s\n", (unsigned long long)rep.line,
		       audit_bad_str(rep.bad));
		return EX_REFUSED;
	}
	fprintf(stderr, "sansoctl: %s: %s\n", file, strerror(-r));
	return EX_UNREACHABLE;
}

/* ---- sansoctl ha (keepalived's track_script and notify hooks, R99, R102) ---- */

enum {
	EX_HA_NOT_APPLIED = 5,		/* sansod runs, but its policy is not what the kernel has */
	EX_HA_NOT_SYNCED = 6,		/* sansod has not (yet) the peer's state */
};

#define HA_SYNC_FRESH_S	3		/* sansod rewrites ha-sync every 0.5 s */

/* The file the last keepalived state goes to: $SANSO_HA_STATE, else "ha-state" next to the
 * control socket. */
static void ha_state_path(const char *sock, char *out, size_t len)
{
	const char *env = getenv("SANSO_HA_STATE"), *slash = strrchr(sock, '/');

	if (env && *env)
		snprintf(out, len, "%s", env);
	else
		snprintf(out, len, "%.*sha-state", slash ? (int)(slash - sock + 1) : 0, sock);
}

/* sansod's sync status ("ha-sync" next to the socket, written while the policy has an ha
 * section): 0 in sync or no such file, EX_HA_NOT_SYNCED otherwise (also when stale). */
static int ha_sync(const char *sock, char *line, size_t len)
{
	const char *slash = strrchr(sock, '/');
	char path[4096];
	struct stat st;
	FILE *f;

	snprintf(path, sizeof(path), "%.*sha-sync", slash ? (int)(slash - sock + 1) : 0, sock);
	snprintf(line, len, "-");
	f = fopen(path, "r");
	if (!f)
		return errno == ENOENT ? EX_OK : EX_HA_NOT_SYNCED;
	if (fstat(fileno(f), &st) < 0 || !fgets(line, (int)len, f))
		snprintf(line, len, "not-in-sync unreadable");
	fclose(f);
	line[strcspn(line, "\n")] = '\0';
	if (time(NULL) - st.st_mtime > HA_SYNC_FRESH_S)
		snprintf(line, len, "not-in-sync %s", ja ? "状態ファイルが古い" : "status file stale");
	return !strncmp(line, "in-sync ", 8) ? EX_OK : EX_HA_NOT_SYNCED;
}

/* Healthy: sansod answers and the kernel enforces exactly its current generation. */
static int ha_health(const char *sock, const char **why)
{
	int fd = connect_to(sock), r;

	if (fd < 0) {
		*why = ja ? "sansod に接続できません" : "sansod unreachable";
		return fd == -EACCES ? EX_DENIED : EX_UNREACHABLE;
	}
	quiet = 1;
	r = exchange(fd, CTL_VERIFY, "", 0);
	quiet = 0;
	close(fd);
	if (r < 0) {
		*why = ja ? "sansod が応答しません" : "sansod does not answer";
		return EX_UNREACHABLE;
	}
	if (r == CTL_ERR_DENIED) {
		*why = ja ? "権限がありません" : "permission denied";
		return EX_DENIED;
	}
	if (r != CTL_OK) {
		*why = ja ? "ポリシーが適用されていないか、カーネルと一致しません" :
		       "no policy applied, or the kernel differs from it";
		return EX_HA_NOT_APPLIED;
	}
	*why = ja ? "sansod 稼働中、ポリシー適用済み" : "sansod running, policy applied";
	return EX_OK;
}


static int ha_notify(const char *sock, const char *state)
{
	static const char *const states[] = { "MASTER", "BACKUP", "FAULT", "STOP" };
	char path[4096], tmp[4200];
	FILE *f;
	size_t i;

	for (i = 0; i < sizeof(states) / sizeof(states[0]) && strcasecmp(state, states[i]); i++)
		;
	if (i == sizeof(states) / sizeof(states[0])) {
		usage(stderr);
		return EX_USAGE;
	}
	ha_state_path(sock, path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f || fprintf(f, "%s\n", states[i]) < 0 || fclose(f) != 0 || rename(tmp, path) < 0) {
		fprintf(stderr, "sansoctl: %s: %s\n", path, strerror(errno));
		return EX_REFUSED;
	}
	return EX_OK;
}

/* sansoctl ha status|check|notify STATE: exit codes in sansoctl(8). */
static int ha_cmd(const char *sock, int argc, char **argv)
{
	char path[4096], role[32] = "unknown", sync[256];
	const char *why = "";
	FILE *f;
	int r;

	if (argc == 2 && !strcmp(argv[0], "notify"))
		return ha_notify(sock, argv[1]);
	if (argc != 1 || (strcmp(argv[0], "check") && strcmp(argv[0], "status"))) {
		usage(stderr);
		return EX_USAGE;
	}
	r = ha_health(sock, &why);
	if (r == EX_OK)
		r = ha_sync(sock, sync, sizeof(sync));
	else
		snprintf(sync, sizeof(sync), "-");
	if (!strcmp(argv[0], "check"))
		return r;
	ha_state_path(sock, path, sizeof(path));
	f = fopen(path, "r");
	if (f) {
		if (!fgets(role, sizeof(role), f))
			snprintf(role, sizeof(role), "unknown");
		role[strcspn(role, "\n")] = '\0';
		fclose(f);
	}
	printf(ja ? "状態: %s\nkeepalived の状態: %s\nピアとの同期: %s\n" :
	       "health: %s\nkeepalived state: %s\nsync with the peer: %s\n", why, role, sync);
	return r;
}

int main(int argc, char **argv)
{
	const char *path = getenv("SANSO_CONTROL"), *format = NULL;
	const char *reason = NULL;
	static char body[CTL_BODY_MAX];
	const struct cmd *c = NULL;
	size_t blen = 0;
	int i, fd, r, pos = 0;

	ja = lang_ja_env();
	if (argc >= 4 && !strcmp(argv[1], "audit") && !strcmp(argv[2], "verify"))
		return audit_verify_cmd(argv[3], argc >= 5 ? argv[4] : NULL);
	if (argc == 3 && !strcmp(argv[1], "check"))
		return check_cmd(argv[0], argv[2]);
	if (argc >= 2 && !strcmp(argv[1], "prove"))
		return prove_cmd(argc, argv);
	if (!path)
		path = CTL_SOCKET_DEFAULT;
	for (i = 1; i < argc; i++) {
		if (!c && !strcmp(argv[i], "ha"))
			return ha_cmd(path, argc - i - 1, argv + i + 1);
		if (!strcmp(argv[i], "-s") && i + 1 < argc) {
			path = argv[++i];
		} else if (!strcmp(argv[i], "--json")) {
			format = "json";
		} else if (!strcmp(argv[i], "--nft")) {
			format = "nft";
		} else if (!strcmp(argv[i], "--prometheus")) {
			format = "prometheus";
		} else if (!strcmp(argv[i], "--reason") && i + 1 < argc) {
			reason = argv[++i];
		} else if (!strncmp(argv[i], "--", 2) && i + 1 < argc && c &&
			   c->type == CTL_EXC_ADD) {
			if (add_arg(body, &blen, argv[i] + 2, argv[i + 1]) < 0)
				break;
			i++;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return EX_OK;
		} else if (!c && i + 2 < argc && (!strcmp(argv[i], "audit") &&
							   !strcmp(argv[i + 1], "verify"))) {
			return audit_verify_cmd(argv[i + 2], i + 3 < argc ? argv[i + 3] : NULL);
		} else if (!c && i + 1 < argc && !strcmp(argv[i], "audit-verify")) {
			return audit_verify_cmd(argv[i + 1], i + 2 < argc ? argv[i + 2] : NULL);
		} else if (!c && i + 2 == argc && !strcmp(argv[i], "check")) {
			return check_cmd(argv[0], argv[i + 1]);
		} else if (!c) {
			c = find(argv[i]);
			if (!c && i + 1 < argc) {
				char two[64];

				snprintf(two, sizeof(two), "%s %s", argv[i], argv[i + 1]);
				c = find(two);
				i += c != NULL;
			}
			if (!c)
				break;
		} else if (c->args[0] && pos < nargs(c)) {
			char key[32];

			argname(c, pos++, key, sizeof(key));
			if (add_arg(body, &blen, key, argv[i]) < 0)
				break;
		} else {
			c = NULL;
			break;
		}
	}
	if (c && ja && add_arg(body, &blen, "lang", "ja") < 0)
		c = NULL;
	if (!c || (c->args[0] && pos != nargs(c) && c->type != CTL_EXPLAIN) ||
	    (c->type == CTL_EXPLAIN && pos < 3) || add_arg(body, &blen, "format", format) < 0 ||
	    add_arg(body, &blen, "reason", reason) < 0) {
		usage(stderr);
		return EX_USAGE;
	}
	fd = connect_to(path);
	if (fd < 0) {
		fprintf(stderr, ja ? "sansoctl: %s に接続できません: %s\n" :
			"sansoctl: cannot reach sansod at %s: %s\n", path, strerror(-fd));
		return fd == -EACCES ? EX_DENIED : EX_UNREACHABLE;
	}
	r = exchange(fd, c->type, body, blen);
	close(fd);
	if (r < 0) {
		fprintf(stderr, "sansoctl: %s\n", strerror(-r));
		return EX_UNREACHABLE;
	}
	if (r == CTL_ERR_DENIED) {
		fprintf(stderr, ja ? "sansoctl: 権限がありません（記録されました）\n" :
			"sansoctl: permission denied (recorded)\n");
		return EX_DENIED;
	}
	if (r == CTL_ERR_INVALID)
		return EX_USAGE;
	return r == CTL_OK ? EX_OK : EX_REFUSED;
}
