/* SPDX-License-Identifier: GPL-2.0-only */
/* sansoctl.c: the control and audit CLI of sansod. Thin: build a request, print the reply.
 * Exit codes: 0 ok, 1 the daemon refused or failed (or verify found drift), 2 usage,
 * 3 cannot reach the daemon, 4 permission denied. Messages in Japanese under LANG=ja*. */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "audit.h"
#include "flowlog.h"
#include "conftext.h"
#include "ctl.h"
#include "diag.h"
#include "prove_cmd.h"
#include "report_pdf.h"
#include "sign.h"
#include "version.h"
#include "lang.h"

enum {
	EX_OK = 0,
	EX_REFUSED = 1,
	EX_USAGE = 2,
	EX_UNREACHABLE = 3,
	EX_DENIED = 4,
	EX_CANNOT = 5,			/* prove: the kernel's table cannot be evaluated */
};

/* A command sent to sansod: its request type (the protocol table, ctl_proto.h, names it:
 * "breakout-revoke" is `sansoctl breakout revoke`), unless an alias names it here. */
struct cmd {
	uint16_t type;
	const char *alias;		/* NULL: the request's name */
	const char *args;		/* positional argument names, space separated */
	const char *help;
	const char *help_ja;
};

static const struct cmd cmds[] = {
	{ CTL_STATUS, NULL, "", "generation, policy, engine, kernel", "稼働状況" },
	{ CTL_DUMP, NULL, "", "what the kernel enforces (--json, --nft; --signed -o FILE: signed evidence)", "カーネルが実施中の内容（--signed -o FILE で署名付き証跡）" },
	{ CTL_VERIFY, NULL, "", "kernel vs compiled policy: what differs, exit 1 on drift", "カーネルとポリシーの照合（差分を表示）" },
	{ CTL_VERIFY, "diff", "", "same as verify (the differences, then in sync/drift)", "verify と同じ（差分と一致・差分ありを表示）" },
	{ CTL_VDIFF, "diff", "version to", "VERSION [VERSION]: what changed between two stored versions,\n"
	  "                                         object by object (default second: the running one; --json)",
	  "保存された二つの版の違い（オブジェクト単位。二つ目の既定は実施中の版）" },
	{ CTL_STATS, NULL, "", "counters (--prometheus)", "統計" },
	{ CTL_RELOAD, NULL, "", "apply the running version again (two-person; the file: single)\n                                         and report a file not approved (--full: replace the table)", "ポリシーの再読み込み（--full: テーブル全体を置換）" },
	{ CTL_ISOLATE, NULL, "target", "cut a zone, host or group from everything (R50/R51)", "ゾーン・端末・グループの遮断" },
	{ CTL_RESTORE, NULL, "target", "lift an isolation", "遮断の解除" },
	{ CTL_BO_REVOKE, NULL, "service", "cut a cloud service now (R28)", "クラウドサービスの即時遮断" },
	{ CTL_BO_RESTORE, NULL, "service", "lift a revocation", "遮断の解除" },
	{ CTL_EXPLAIN, NULL, "src dst proto port", "would SRC reach DST PROTO PORT, and why", "通信可否とその理由" },
	{ CTL_EXC_LIST, NULL, "", "exceptions with time left", "例外措置の一覧" },
	{ CTL_EXC_ADD, NULL, "id", "a time-bounded exception:\n"
	  "                                         --from A --to B --proto P [--ports N] --reason R\n"
	  "                                         --requested-by X [--approved-by Y] --expires TIME\n"
	  "                                         (two-person mode: a proposal; approve ID applies it)", "例外措置の申請・追加: --from --to --proto [--ports] --reason --requested-by [--approved-by] --expires（二人制では申請。approve ID で適用）" },
	{ CTL_EXC_REVOKE, NULL, "id", "end an exception now", "例外措置の取消" },
	{ CTL_CHANGES, NULL, "", "proposed and emergency changes", "変更の申請・緊急変更の一覧" },
	{ CTL_PROPOSE, NULL, "file", "propose a new policy (checked, not applied)", "新しいポリシーの申請" },
	{ CTL_APPROVE, NULL, "id", "apply a proposal or a proposed exception: another person than its proposer\n"
	  "                                         [--confirm-within 10m: reverted unless confirmed]", "申請の承認と適用（申請者以外）[--confirm-within 10m]" },
	{ CTL_EMERGENCY, NULL, "file", "apply now, one person; flagged until ratified", "緊急変更（事後承認が必要）" },
	{ CTL_RATIFY, NULL, "id", "ratify an emergency change: another person", "緊急変更の事後承認（別の人）" },
	{ CTL_HISTORY, NULL, "", "versions of the policy, newest first (--json)", "ポリシーの版の履歴（新しい順）" },
	{ CTL_SHOW, NULL, "version", "the stored text of a version", "版の保存された全文" },
	{ CTL_ROLLBACK, NULL, "version", "propose an earlier version again (--reason)", "以前の版に戻す申請（--reason）" },
	{ CTL_CONFIRM, NULL, "", "keep a change applied with --confirm-within", "--confirm-within で適用した変更の確定" },
	{ CTL_BACKUP, NULL, "", "the store, state, changes and signing key in one archive (-o FILE)",
	  "構成ストア・状態・変更・署名鍵を一つのアーカイブに（-o FILE）" },
	{ CTL_BACKUP_RESTORE, NULL, "file", "restore a backup: its running version is proposed (also: restore FILE)",
	  "バックアップの復元: その実施中の版を申請（restore FILE でも可）" },
	{ CTL_KEYGEN, NULL, "", "create the gateway's signing key; prints its public key (PEM)",
	  "ゲートウェイの署名鍵を作成し、公開鍵 (PEM) を表示" },
	{ CTL_PROVE, NULL, "", "prove the kernel's ruleset independently (through sansod; --dump: a file, here)",
	  "カーネルのルールセットの到達可能性を独立に証明（sansod 経由。--dump はファイルをここで）" },
	{ CTL_MAINT_OPEN, NULL, "", "propose a remote maintenance window (R80):\n"
	  "                                         --vendor NAME --from ADDR --to HOST --proto P\n"
	  "                                         [--ports N] --until TIME --reason R",
	  "リモート保守の申請: --vendor --from --to --proto [--ports] --until --reason" },
	{ CTL_MAINT_APPROVE, NULL, "id", "open a proposed window: another person", "保守の承認と開始（申請者以外）" },
	{ CTL_MAINT_CLOSE, NULL, "id", "end a maintenance window now", "保守の即時終了" },
	{ CTL_MAINT_LIST, NULL, "", "maintenance windows and their sessions (--json)", "保守の一覧と通信の記録" },
	{ CTL_ALERT_TEST, NULL, "", "send a test alert (alert.test) through every sink: journal, syslog, command",
	  "試験用の警報 (alert.test) を全ての送信先（ジャーナル・syslog・コマンド）に送信" },
	{ CTL_REPORT, NULL, "", "the auditor's report, one HTML page (-o FILE; --lang ja|en;\n"
	  "                                         --format pdf: through headless Chromium)",
	  "監査報告書を一つの HTML に（-o FILE。--lang ja|en。--format pdf は Chromium で PDF に）" },
};

/* Commands that run here, without the daemon (or beside it: ha). */
static const struct local {
	const char *name, *syn, *help, *help_ja;
} locals[] = {
	{ "check", "FILE", "check a policy file (sansod -n -v)", "ポリシーの検査（sansod -n -v）" },
	{ "ha status", "", "high availability: state and sync", "冗長構成: 状態と同期の表示" },
	{ "ha check", "", "high availability: keepalived's track_script (0 = healthy)",
	  "冗長構成: keepalived の track_script 用 (0 = 健全)" },
	{ "ha notify", "STATE", "high availability: keepalived's notify hook",
	  "冗長構成: keepalived の notify 用" },
	{ "audit verify", "FILE [ANCHOR]", "check the hash chain of an audit trail (local)",
	  "監査証跡の検証（ローカル）" },
	{ "flowlog verify", "[DIR] [--key PUB]", "check the flow log's chains and links; --key: its signatures (local)",
	  "フローログの検証（ローカル）" },
	{ "verify-dump", "FILE --key PUB", "check a signed dump against the gateway's public key (local)",
	  "署名付きダンプを公開鍵で検証（ローカル）" },
};

#define N_CMDS		(sizeof(cmds) / sizeof(cmds[0]))
#define N_LOCALS	(sizeof(locals) / sizeof(locals[0]))

static int ja;
static int quiet;		/* sansoctl ha: the daemon's reply is not printed */
static FILE *reply_to;		/* -o FILE: the reply is kept here first (NULL: stdout) */

/* The command's name as typed: the alias, or the request's name with spaces for hyphens. */
static const char *cmd_name(const struct cmd *c, char *buf, size_t len)
{
	size_t i;

	snprintf(buf, len, "%s", c->alias ? c->alias : ctl_type_name(c->type));
	for (i = 0; buf[i]; i++)
		buf[i] = buf[i] == '-' ? ' ' : buf[i];
	return buf;
}

/* The synopsis of a command's arguments: its argument names in capitals. */
static void cmd_syn(const struct cmd *c, char *syn, size_t len)
{
	size_t j;

	for (j = 0; c->args[j] && j < len - 1; j++)
		syn[j] = (char)(c->args[j] >= 'a' && c->args[j] <= 'z' ?
				c->args[j] - 'a' + 'A' : c->args[j]);
	syn[j] = 0;
	if (c->type == CTL_ISOLATE || c->type == CTL_RESTORE)
		snprintf(syn, len, "ZONE|HOST|GROUP");
	if (c->type == CTL_EXPLAIN)
		snprintf(syn, len, "SRC DST PROTO [PORT]");
	if (c->type == CTL_PROVE)
		snprintf(syn, len, "[--dump FILE [-f POLICY]]");
}

/* One line of the usage: the name (two spaces at least after it), the synopsis, the help
 * from column 41. */
static void usage_line(FILE *out, const char *name, const char *syn, const char *help)
{
	int w = fprintf(out, "  %-17s%s%s", name, strlen(name) < 17 ? " " : "  ", syn);

	fprintf(out, "%*s%s\n", w < 40 ? 41 - w : 1, "", help);
}

static void usage(FILE *out)
{
	char name[32], syn[32];
	size_t i;

	fprintf(out, ja ? "使い方: sansoctl [-s ソケット] [--json] コマンド [引数] [--reason 理由]\n" :
		"usage: sansoctl [-s SOCKET] [--json] COMMAND [ARG] [--reason TEXT]\n");
	for (i = 0; i < N_CMDS; i++) {
		cmd_syn(&cmds[i], syn, sizeof(syn));
		usage_line(out, cmd_name(&cmds[i], name, sizeof(name)), syn,
			   ja ? cmds[i].help_ja : cmds[i].help);
	}
	for (i = 0; i < N_LOCALS; i++)
		usage_line(out, locals[i].name, locals[i].syn,
			   ja ? locals[i].help_ja : locals[i].help);
	fprintf(out, ja ? "  二語のコマンドはハイフンでも書けます (exception-add など)。\n"
		"  -s ソケット  制御ソケット (既定 $SANSO_CONTROL, " CTL_SOCKET_DEFAULT ")\n"
		"  --json  JSON で出力   --nft  dump を nft 形式で   --prometheus  stats を Prometheus 形式で\n"
		"  --reason 理由  監査証跡に記録する理由 (isolate, breakout revoke, emergency では必須)\n"
		"  -h, --help  この説明   --version  版とビルド、ライブラリの版\n" :
		"  Two-word commands may also be written with a hyphen (exception-add, breakout-revoke).\n"
		"  -s SOCKET      control socket (default $SANSO_CONTROL, else " CTL_SOCKET_DEFAULT ")\n"
		"  --json         JSON output   --nft  dump in nft syntax   --prometheus  stats for Prometheus\n"
		"  --reason TEXT  why, kept in the audit trail (needed by isolate, breakout revoke, emergency)\n"
		"  -h, --help     this text   --version  version, build, libraries built against\n");
	fprintf(out, ja ? "終了コード: 0 成功, 1 拒否・失敗・差分あり, 2 使い方, 3 接続不可, 4 権限なし, 5 評価不能 (prove)\n" :
		"exit: 0 ok, 1 refused/failed/drift, 2 usage, 3 daemon unreachable, 4 permission denied,\n"
		"      5 cannot evaluate (prove)\n");
}

/* --list-commands (not in --help; for make check-docs): every command, one a line:
 * "NAME<TAB>REQUEST<TAB>ROLES", ROLES the roles that may send it, from the protocol table
 * ("admin,operator"; root may send everything), or local (REQUEST "-"). A request no command
 * sends is listed with NAME "-". */
static void list_commands(void)
{
	const struct ctl_request *r;
	char name[32], roles[64];
	uint16_t t;
	size_t i;

	for (i = 0; i < N_CMDS; i++) {
		r = ctl_request(cmds[i].type);
		printf("%s\t%s\t%s\n", cmd_name(&cmds[i], name, sizeof(name)), r->name,
		       ctl_roles_text(r->roles, false, ",", roles, sizeof(roles)));
	}
	for (i = 0; i < N_LOCALS; i++)
		printf("%s\t-\tlocal\n", locals[i].name);
	for (t = CTL_TYPE_NONE + 1; t < CTL_TYPE_MAX; t++) {
		for (i = 0; i < N_CMDS && cmds[i].type != t; i++)
			;
		if (i == N_CMDS)
			printf("-\t%s\t%s\n", ctl_type_name(t), ctl_roles_text(ctl_request(t)->roles,
			       false, ",", roles, sizeof(roles)));
	}
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
/* One request (with pass: a descriptor handed over, SCM_RIGHTS; -1 none), then the reply. */
static int exchange(int fd, uint16_t type, const char *body, size_t blen, int pass)
{
	static char buf[CTL_MSG_MAX];
	struct ctl_hdr h = { .version = CTL_VERSION, .type = type, .len = (uint32_t)blen };
	union { struct cmsghdr h; char b[CMSG_SPACE(sizeof(int))]; } cbuf;
	struct iovec iov = { buf, 0 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), body, blen);
	iov.iov_len = sizeof(h) + blen;
	if (pass >= 0) {
		memset(&cbuf, 0, sizeof(cbuf));
		mh.msg_control = cbuf.b;
		mh.msg_controllen = sizeof(cbuf.b);
		CMSG_FIRSTHDR(&mh)->cmsg_level = SOL_SOCKET;
		CMSG_FIRSTHDR(&mh)->cmsg_type = SCM_RIGHTS;
		CMSG_FIRSTHDR(&mh)->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(CMSG_FIRSTHDR(&mh)), &pass, sizeof(int));
	}
	if (sendmsg(fd, &mh, MSG_NOSIGNAL) < 0)
		return -errno;
	for (;;) {
		n = recv(fd, buf, sizeof(buf), 0);
		if (n < (ssize_t)sizeof(h))
			return n < 0 ? -errno : -EPROTO;
		memcpy(&h, buf, sizeof(h));
		if (h.version != CTL_VERSION || h.len != (size_t)n - sizeof(h))
			return -EPROTO;
		if (!quiet)
			fwrite(buf + sizeof(h), 1, h.len, reply_to ? reply_to : stdout);
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

static const struct cmd *by_type(uint16_t type)
{
	size_t i;

	for (i = 0; i < N_CMDS && cmds[i].type != type; i++)
		;
	return i < N_CMDS ? &cmds[i] : NULL;
}

static const struct cmd *find(const char *name)
{
	char buf[32];
	size_t i;

	for (i = 0; i < N_CMDS; i++) {
		const char *a = cmd_name(&cmds[i], buf, sizeof(buf)), *b = name;

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

static char *slurp_file(const char *path, size_t max, size_t *len)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (!fseek(f, 0, SEEK_END) && (n = ftell(f)) >= 0 && (size_t)n <= max &&
	    !fseek(f, 0, SEEK_SET) && (buf = malloc((size_t)n + 1))) {
		*len = fread(buf, 1, (size_t)n, f);
		buf[*len] = '\0';
	}
	fclose(f);
	return buf;
}

/* The value of member key in a record's members (plain values only: no escapes). */
static bool member(const struct audit_line *l, const char *key, char *out, size_t len)
{
	char pat[48];
	const char *s, *e, *end = l->fields + l->fields_len;

	snprintf(pat, sizeof(pat), ",\"%s\":\"", key);
	s = memmem(l->fields, l->fields_len, pat, strlen(pat));
	if (!s)
		return false;
	s += strlen(pat);
	e = memchr(s, '"', (size_t)(end - s));
	if (!e || (size_t)(e - s) >= len || memchr(s, '\\', (size_t)(e - s)))
		return false;
	memcpy(out, s, (size_t)(e - s));
	out[e - s] = '\0';
	return true;
}

struct ckpt_report {
	uint64_t proven_seq, checkpoints, bad_line;
	int64_t proven_time;
};

/* An audit.checkpoint record names the chain's head just before it — the seq before its own
 * and its own prev (the SHA-256 of that record's line, checked by the chain) — and its
 * signature of that head verifies with the key. -EBADMSG if not. */
static int ckpt_check(const struct audit_line *l, const char *pub)
{
	uint64_t prev_seq = l->seq - 1;
	const uint8_t *prev_hash = l->prev;
	char key[SIGN_KEYID_LEN + 1], seq[24], hash[SHA256_HEX_SIZE], sig[SIGN_B64_LEN + 1];
	char want[SHA256_HEX_SIZE], msg[160];

	sha256_hex(prev_hash, want);
	if (!member(l, "key", key, sizeof(key)) || !member(l, "signed_seq", seq, sizeof(seq)) ||
	    !member(l, "signed_hash", hash, sizeof(hash)) ||
	    !member(l, "signature", sig, sizeof(sig)) ||
	    strtoull(seq, NULL, 10) != prev_seq || strcmp(hash, want))
		return -EBADMSG;
	audit_checkpoint_msg(prev_seq, prev_hash, msg, sizeof(msg));
	return sign_msg_verify(pub, msg, strlen(msg), sig, key) == 0 ? 0 : -EBADMSG;
}

static int ckpt_walk(const char *file, const char *pub, struct ckpt_report *rep)
{
	const char *ev = AUDIT_EV_CHECKPOINT;
	uint64_t n = 0;
	struct audit_line l;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	FILE *f = fopen(file, "re");
	int r = 0;

	memset(rep, 0, sizeof(*rep));
	if (!f)
		return -errno;
	while (r == 0 && (len = getline(&line, &cap, f)) > 0) {
		n++;
		if (audit_line_parse(line, (size_t)len - (line[len - 1] == '\n'), &l) < 0) {
			r = -EBADMSG;
			break;
		}
		if (l.event_len == strlen(ev) && !memcmp(l.event, ev, l.event_len)) {
			r = ckpt_check(&l, pub);
			if (r == 0) {
				rep->checkpoints++;
				rep->proven_seq = l.seq - 1;
				rep->proven_time = l.time;
			}
		}
	}
	rep->bad_line = r ? n : 0;
	free(line);
	fclose(f);
	return r;
}

/* --key PUB: which part of an intact chain its signed checkpoints prove. */
static int audit_verify_key(const char *file, const char *key, uint64_t last_seq)
{
	struct ckpt_report rep;
	size_t klen = 0;
	char *pub = slurp_file(key, 64UL << 10, &klen), when[AUDIT_TIME_LEN + 1] = "-";
	int r;

	if (!pub) {
		fprintf(stderr, "sansoctl: cannot read %s: %s\n", key, strerror(errno));
		return EX_REFUSED;
	}
	r = ckpt_walk(file, pub, &rep);
	free(pub);
	if (r < 0) {
		printf("signed checkpoint INVALID at line %llu: not signed by this key, or the "
		       "records it signs were changed\n", (unsigned long long)rep.bad_line);
		return EX_REFUSED;
	}
	if (!rep.checkpoints) {
		printf("no signed checkpoint by this key: the chain is intact but not proven by "
		       "signature\n");
		return EX_REFUSED;
	}
	(void)audit_time_format(rep.proven_time, when);
	printf("proven by signature up to seq %llu (checkpoint of %s, %llu checkpoints); "
	       "%llu later records hash-chained, not yet signed\n",
	       (unsigned long long)rep.proven_seq, when, (unsigned long long)rep.checkpoints,
	       (unsigned long long)(last_seq - rep.proven_seq));
	return EX_OK;
}

/* sansoctl audit verify FILE [ANCHOR] [--key PUB]: local, no daemon needed (auditors, R87). */
static int audit_verify_cmd(const char *file, const char *anchor_path, const char *key)
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
		return key ? audit_verify_key(file, key, rep.last.seq) : EX_OK;
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

/* --key PUB over the segments in order (flowlog.c's): the last valid checkpoint proves every
 * line before it, through the chain and the links between segments. */
static int flowlog_verify_key(const char *dir, const char *key)
{
	char pat[4200], when[AUDIT_TIME_LEN + 1] = "-", *pub, *seg = NULL;
	struct ckpt_report rep, last = { 0 };
	uint64_t n = 0;
	size_t klen = 0, i;
	glob_t g;
	int r = 0;

	if (!(pub = slurp_file(key, 64UL << 10, &klen))) {
		fprintf(stderr, "sansoctl: cannot read %s: %s\n", key, strerror(errno));
		return EX_REFUSED;
	}
	snprintf(pat, sizeof(pat), "%s/flows-*.jsonl", dir);
	if (glob(pat, GLOB_NOSORT, NULL, &g) != 0)
		g.gl_pathc = 0;
	qsort(g.gl_pathv, g.gl_pathc, sizeof(char *), flowlog_seg_cmp);
	for (i = 0; r == 0 && i < g.gl_pathc; i++) {
		r = ckpt_walk(g.gl_pathv[i], pub, &rep);
		if (r < 0)
			printf("signed checkpoint INVALID: %s line %llu: not signed by this key, or "
			       "the lines it signs were changed\n", strrchr(g.gl_pathv[i], '/') + 1,
			       (unsigned long long)rep.bad_line);
		if (r == 0 && rep.checkpoints) {
			last = rep;
			seg = strrchr(g.gl_pathv[i], '/') + 1;
		}
		n += rep.checkpoints;
	}
	if (r == 0 && !n)
		printf("no signed checkpoint by this key: the chain is intact but not proven by "
		       "signature\n");
	if (r == 0 && n) {
		(void)audit_time_format(last.proven_time, when);
		printf("proven by signature up to %s seq %llu (checkpoint of %s, %llu checkpoints); "
		       "later lines hash-chained, not yet signed\n", seg,
		       (unsigned long long)last.proven_seq, when, (unsigned long long)n);
	}
	globfree(&g);
	free(pub);
	return r == 0 && n ? EX_OK : EX_REFUSED;
}

/* A line sansod is writing: 50 ms more, 20 times at most. */
static int line_wait(void *arg)
{
	int *left = arg;

	if (--*left < 0)
		return -1;
	usleep(50000);
	return 0;
}

/* sansoctl flowlog verify [DIR] [--key PUB]: every segment's chain and the links between
 * them; with --key, how far the signed checkpoints prove it. */
static int flowlog_verify_cmd(const char *dir, const char *key)
{
	int left = 20;
	struct flowlog_wait live = { line_wait, &left };
	struct flowlog_verify v;
	int r = flowlog_verify_dir(dir, &live, &v);

	if (r == 0) {
		printf(ja ? "フローログは完全です: %d セグメント、%llu 行%s\n" :
		       "flow log intact: %d segments, %llu lines%s\n", v.segments,
		       (unsigned long long)v.lines, !v.first_unlinked ? "" : ja ?
		       "（最古のセグメントは保存期間で削除されたものに続きます）" :
		       " (the oldest links to a segment deleted by retention)");
		return key ? flowlog_verify_key(dir, key) : EX_OK;
	}
	if (r == -EBADMSG) {
		printf(ja ? "フローログの改ざんを検出: %s %llu 行目: %s\n" :
		       "flow log broken: %s line %llu: %s\n", v.bad_seg,
		       (unsigned long long)v.bad_line, v.why);
		return EX_REFUSED;
	}
	fprintf(stderr, "sansoctl: %s: %s\n", dir, strerror(-r));
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

/* The second line of ha-sync: breakout addresses learned from the peer (ha.c). */
static void ha_learned(const char *sock, char *line, size_t len)
{
	const char *slash = strrchr(sock, '/');
	unsigned rx = 0, bad = 0;
	char path[4096], l[128];
	FILE *f;

	snprintf(path, sizeof(path), "%.*sha-sync", slash ? (int)(slash - sock + 1) : 0, sock);
	snprintf(line, len, "-");
	f = fopen(path, "r");
	if (!f)
		return;
	if (fgets(l, sizeof(l), f) && fgets(l, sizeof(l), f) &&
	    sscanf(l, "learned-from-peer %u refused %u", &rx, &bad) == 2)
		snprintf(line, len, ja ? "%u (拒否 %u)" : "%u (refused %u)", rx, bad);
	fclose(f);
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
	r = exchange(fd, CTL_VERIFY, "", 0, -1);
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
	char path[4096], role[32] = "unknown", sync[256], learned[64];
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
	ha_learned(sock, learned, sizeof(learned));
	printf(ja ? "状態: %s\nkeepalived の状態: %s\nピアとの同期: %s\nピアから学習したアドレス: %s\n" :
	       "health: %s\nkeepalived state: %s\nsync with the peer: %s\n"
	       "addresses learned from the peer: %s\n", why, role, sync, learned);
	return r;
}

/* ---- a request to sansod, from the command line ---- */

struct inv {
	const char *path;		/* the control socket */
	const char *format, *reason;
	const char *output;		/* -o FILE: the reply goes there, not to stdout */
	const char *file;		/* propose, emergency: the policy, read here */
	const char *lang;		/* report: --lang (default ja) */
	bool pdf;			/* report: --format pdf */
	const struct cmd *c;		/* NULL until the command is read */
	int pos;			/* positional arguments taken */
	char body[CTL_BODY_MAX];	/* key=value lines */
	size_t blen;
};

#define ARG_NEXT	(-1)		/* take_arg: go on with the next argument */

static int bad_usage(void)
{
	usage(stderr);
	return EX_USAGE;
}

/* A command run here, named at argv[i] (before any daemon command): its exit code, or
 * ARG_NEXT if argv[i] names none. */
/* sansoctl verify-dump FILE --key PUB: local, no daemon (auditors, R107). */
static int verify_dump_cmd(int argc, char **argv)
{
	const char *file = NULL, *key = NULL;
	size_t len = 0, klen = 0, body = 0;
	char why[256], *doc, *pub, *e;
	int i, r;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--key") && i + 1 < argc)
			key = argv[++i];
		else if (!file && argv[i][0] != '-')
			file = argv[i];
		else
			return bad_usage();
	}
	if (!file || !key)
		return bad_usage();
	doc = slurp_file(file, 512UL << 20, &len);
	pub = slurp_file(key, 64UL << 10, &klen);
	if (!doc || !pub) {
		fprintf(stderr, "sansoctl: cannot read %s: %s\n", !doc ? file : key, strerror(errno));
		free(doc);
		free(pub);
		return EX_REFUSED;
	}
	r = sign_verify(doc, len, pub, &body, why, sizeof(why));
	if (r == 0) {		/* the evidence header, for the reader */
		for (i = 0, e = doc; i < 8 && e < doc + body && !strncmp(e, "# ", 2); i++) {
			char *nl = memchr(e, '\n', (size_t)(doc + body - e));

			printf("%.*s\n", nl ? (int)(nl - e) : 0, e);
			e = nl ? nl + 1 : doc + body;
		}
	}
	printf("%s: %s\n", r == 0 ? "VALID" : "INVALID", why);
	free(doc);
	free(pub);
	return r == 0 ? EX_OK : EX_REFUSED;
}

/* ARG... [--key PUB]: up to max positional arguments into pos (unset ones stay NULL) and the
 * key; -1 on anything else. */
static int key_args(int argc, char **argv, const char **pos, int max, const char **key)
{
	int i, n = 0;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--key") && i + 1 < argc)
			*key = argv[++i];
		else if (n < max && argv[i][0] != '-')
			pos[n++] = argv[i];
		else
			return -1;
	}
	return n;
}

/* FILE [ANCHOR] [--key PUB] */
static int audit_verify_args(int argc, char **argv)
{
	const char *pos[2] = { NULL, NULL }, *key = NULL;

	if (key_args(argc, argv, pos, 2, &key) < 1)
		return bad_usage();
	return audit_verify_cmd(pos[0], pos[1], key);
}

static int flowlog_verify_args(int argc, char **argv)
{
	const char *dir = NULL, *key = NULL;

	if (key_args(argc, argv, &dir, 1, &key) < 0)
		return bad_usage();
	return flowlog_verify_cmd(dir ? dir : FLOWLOG_DIR_DEFAULT, key);
}

static bool has_arg(int argc, char **argv, int from, const char *a)
{
	for (; from < argc; from++) {
		if (!strcmp(argv[from], a))
			return true;
	}
	return false;
}

static int local_cmd(const struct inv *v, int argc, char **argv, int i)
{
	if (!strcmp(argv[i], "ha"))
		return ha_cmd(v->path, argc - i - 1, argv + i + 1);
	if (i + 2 < argc && !strcmp(argv[i], "audit") && !strcmp(argv[i + 1], "verify"))
		return audit_verify_args(argc - i - 2, argv + i + 2);
	if (i + 1 < argc && !strcmp(argv[i], "flowlog") && !strcmp(argv[i + 1], "verify"))
		return flowlog_verify_args(argc - i - 2, argv + i + 2);
	if (i + 1 < argc && !strcmp(argv[i], "audit-verify"))
		return audit_verify_args(argc - i - 1, argv + i + 1);
	if (i + 2 == argc && !strcmp(argv[i], "check"))
		return check_cmd(argv[0], argv[i + 1]);
	if (!strcmp(argv[i], "verify-dump"))
		return verify_dump_cmd(argc - i - 1, argv + i + 1);
	if (!strcmp(argv[i], "prove") && has_arg(argc, argv, i, "--dump"))
		return prove_cmd(argc - i + 1, argv + i - 1);	/* a file, here: no daemon */
	return ARG_NEXT;
}

/* Is path a file that starts as a sanso backup? */
static bool is_backup(const char *path)
{
	char head[16] = "";
	FILE *f = strchr(path, '/') || strchr(path, '.') ? fopen(path, "re") : NULL;

	if (f) {
		if (!fgets(head, sizeof(head), f))
			head[0] = '\0';
		fclose(f);
	}
	return !strcmp(head, "sanso-backup 1\n");
}

/* The command at argv[*i], of one word or two (moves *i past the second). */
static int take_command(struct inv *v, int argc, char **argv, int *i)
{
	char two[64];

	v->c = NULL;
	if (*i + 1 < argc) {		/* two words first: "backup restore" is not "backup" */
		snprintf(two, sizeof(two), "%s %s", argv[*i], argv[*i + 1]);
		v->c = find(two);
		*i += v->c != NULL;
	}
	if (!v->c)
		v->c = find(argv[*i]);
	if (v->c && v->c->type == CTL_RESTORE && *i + 1 < argc && is_backup(argv[*i + 1]))
		v->c = by_type(CTL_BACKUP_RESTORE);	/* restore FILE: a backup, not a host */
	if (v->c && v->c->type == CTL_VERIFY && *i + 1 < argc && argv[*i + 1][0] >= '0' &&
	    argv[*i + 1][0] <= '9')		/* diff VERSION [VERSION]: the stored versions */
		v->c = by_type(CTL_VDIFF);
	return v->c ? ARG_NEXT : bad_usage();
}

/* The next positional argument of the command. */
static int take_positional(struct inv *v, const char *arg)
{
	char key[32];

	if (!v->c->args[0] || v->pos >= nargs(v->c))
		return bad_usage();
	argname(v->c, v->pos++, key, sizeof(key));
	if (!strcmp(key, "file"))
		v->file = arg;
	return add_arg(v->body, &v->blen, key, arg) < 0 ? bad_usage() : ARG_NEXT;
}

/* report --lang ja|en, --format html|pdf */
static int report_opt(struct inv *v, const char *opt, const char *val)
{
	if (!strcmp(opt, "--lang") && (!strcmp(val, "ja") || !strcmp(val, "en")))
		v->lang = val;
	else if (!strcmp(opt, "--format") && (!strcmp(val, "html") || !strcmp(val, "pdf")))
		v->pdf = !strcmp(val, "pdf");
	else
		return bad_usage();
	return ARG_NEXT;
}

/* One argument at argv[*i] (an option moves *i past its value): ARG_NEXT, or the exit code
 * (of a local command, of --help, of a usage error). */
static int take_arg(struct inv *v, int argc, char **argv, int *i)
{
	const char *a = argv[*i];
	int r;

	if (!v->c && (r = local_cmd(v, argc, argv, *i)) != ARG_NEXT)
		return r;
	if (!strcmp(a, "-s") && *i + 1 < argc) {
		v->path = argv[++*i];
	} else if (!strcmp(a, "--json") || !strcmp(a, "--nft") || !strcmp(a, "--prometheus")) {
		v->format = a + 2;
	} else if (!strcmp(a, "--reason") && *i + 1 < argc) {
		v->reason = argv[++*i];
	} else if (!strcmp(a, "--signed") && v->c && v->c->type == CTL_DUMP) {
		if (add_arg(v->body, &v->blen, "signed", "1") < 0)
			return bad_usage();
	} else if (!strcmp(a, "-o") && *i + 1 < argc) {
		v->output = argv[++*i];
	} else if (v->c && v->c->type == CTL_REPORT && *i + 1 < argc &&
		   (!strcmp(a, "--lang") || !strcmp(a, "--format"))) {
		return report_opt(v, a, argv[++*i]);
	} else if (!strcmp(a, "--full") && v->c && v->c->type == CTL_RELOAD) {
		if (add_arg(v->body, &v->blen, "full", "1") < 0)
			return bad_usage();
	} else if (!strcmp(a, "--confirm-within") && *i + 1 < argc && v->c &&
		   (v->c->type == CTL_APPROVE || v->c->type == CTL_EMERGENCY)) {
		if (add_arg(v->body, &v->blen, "confirm-within", argv[++*i]) < 0)
			return bad_usage();
	} else if (!strncmp(a, "--", 2) && strcmp(a, "--reason") && *i + 1 < argc && v->c &&
		   v->c->type == CTL_MAINT_OPEN) {
		if (add_arg(v->body, &v->blen, a + 2, argv[++*i]) < 0)
			return bad_usage();
	} else if (!strncmp(a, "--", 2) && *i + 1 < argc && v->c && v->c->type == CTL_EXC_ADD) {
		if (add_arg(v->body, &v->blen, a + 2, argv[++*i]) < 0)
			return bad_usage();
	} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
		usage(stdout);
		return EX_OK;
	} else if (!strcmp(a, "--version")) {
		version_print(stdout, "sansoctl");
		return EX_OK;
	} else if (!strcmp(a, "--list-commands")) {
		list_commands();
		return EX_OK;
	} else {
		return v->c ? take_positional(v, a) : take_command(v, argc, argv, i);
	}
	return ARG_NEXT;
}

/* All arguments there (explain: PORT may be left out), then the options into the body. */
static bool complete(struct inv *v)
{
	const struct cmd *c = v->c;

	if (c && c->type == CTL_REPORT)	/* its own language: Japanese unless --lang en */
		return v->output && add_arg(v->body, &v->blen, "lang", v->lang ? v->lang : "ja") == 0;
	if (!c || (ja && add_arg(v->body, &v->blen, "lang", "ja") < 0))
		return false;
	if (c->type == CTL_EXPLAIN ? v->pos < 3 : c->type == CTL_VDIFF ? v->pos < 1 :
	    c->args[0] && v->pos != nargs(c))
		return false;
	return add_arg(v->body, &v->blen, "format", v->format) == 0 &&
	       add_arg(v->body, &v->blen, "reason", v->reason) == 0;
}

/* Send it, print the reply: the exit code. */
/* -o FILE: a successful reply goes into FILE (written whole, then renamed into place); a
 * refusal is printed instead. */
static int save_reply(const char *path, const char *mem, size_t len, int status)
{
	char tmp[4200];
	FILE *f;

	if (status != CTL_OK) {
		fwrite(mem, 1, len, stdout);
		return status;
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "we");
	if (!f || fwrite(mem, 1, len, f) != len || fflush(f) || fsync(fileno(f)) || fclose(f) ||
	    rename(tmp, path)) {
		fprintf(stderr, "sansoctl: cannot write %s: %s\n", path, strerror(errno));
		(void)unlink(tmp);
		return CTL_ERR_FAILED;
	}
	fprintf(stderr, "sansoctl: written to %s (%zu bytes)\n", path, len);
	return status;
}

/* propose, emergency: the policy flattened here (this user reads it and its includes, the
 * daemon need not), in a memfd handed over with the request. -1 and a message on error. */
static int policy_fd(const char *file)
{
	struct conf_text t = { 0 };
	struct diag dg;
	int fd = -1, r;

	diag_init(&dg);
	r = conf_text_read(file, &t, &dg);
	if (r < 0) {
		diag_print(&dg, stderr, ja);
		fprintf(stderr, "sansoctl: %s cannot be read as a policy: %s\n", file, strerror(-r));
	} else {
		fd = memfd_create("sanso-proposal", MFD_CLOEXEC);
		if (fd < 0 || write(fd, t.text, t.len) != (ssize_t)t.len) {
			fprintf(stderr, "sansoctl: %s\n", strerror(errno));
			if (fd >= 0)
				close(fd);
			fd = -1;
		}
	}
	conf_text_free(&t);
	diag_fini(&dg);
	return fd;
}

/* report --format pdf with no browser: what to install, before asking sansod anything. */
static int no_browser(void)
{
	fprintf(stderr, ja ? "sansoctl: PDF には headless Chromium と日本語フォントが必要です: "
		"apt-get install chromium fonts-noto-cjk（HTML は --format html で作成できます）\n" :
		"sansoctl: a PDF needs headless Chromium and Japanese fonts: "
		"apt-get install chromium fonts-noto-cjk (--format html needs neither)\n");
	return EX_REFUSED;
}

static int request(const struct inv *v)
{
	int fd, r, pass = -1;
	char *mem = NULL;
	size_t mlen = 0;

	if (v->c->type == CTL_REPORT)	/* a network diagram is not for everyone (R110) */
		umask(umask(0) | 027);

	if (v->file && (v->c->type == CTL_PROPOSE || v->c->type == CTL_EMERGENCY) &&
	    (pass = policy_fd(v->file)) < 0)
		return EX_REFUSED;
	if (v->file && v->c->type == CTL_BACKUP_RESTORE &&
	    (pass = open(v->file, O_RDONLY | O_CLOEXEC)) < 0) {
		fprintf(stderr, "sansoctl: %s: %s\n", v->file, strerror(errno));
		return EX_REFUSED;
	}
	fd = connect_to(v->path);
	if (fd < 0 && pass >= 0)
		close(pass);
	if (fd < 0) {
		fprintf(stderr, ja ? "sansoctl: %s に接続できません: %s\n" :
			"sansoctl: cannot reach sansod at %s: %s\n", v->path, strerror(-fd));
		return fd == -EACCES ? EX_DENIED : EX_UNREACHABLE;
	}
	if (v->output && !(reply_to = open_memstream(&mem, &mlen))) {
		close(fd);
		if (pass >= 0)
			close(pass);
		return EX_REFUSED;
	}
	r = exchange(fd, v->c->type, v->body, v->blen, pass);
	close(fd);
	if (pass >= 0)
		close(pass);
	if (reply_to && fclose(reply_to) == 0)
		r = v->pdf && r == CTL_OK ? report_pdf(mem, mlen, v->output) :
		    save_reply(v->output, mem, mlen, r);
	reply_to = NULL;
	free(mem);
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
	if (r == CTL_ERR_CANNOT)
		return EX_CANNOT;
	return r == CTL_OK ? EX_OK : EX_REFUSED;
}

int main(int argc, char **argv)
{
	static struct inv v;
	int i, r;

	ja = lang_ja_env();
	v.path = getenv("SANSO_CONTROL") ? getenv("SANSO_CONTROL") : CTL_SOCKET_DEFAULT;
	for (i = 1; i < argc; i++) {
		r = take_arg(&v, argc, argv, &i);
		if (r != ARG_NEXT)
			return r;
	}
	if (!complete(&v))
		return bad_usage();
	return v.pdf && !report_browser() ? no_browser() : request(&v);
}
