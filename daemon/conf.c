/* SPDX-License-Identifier: GPL-2.0-only */
/* conf.c: libconfig -> struct policy, see conf.h. Each object kind is described by a table of
 * keys (name, parser, offsets, required); one generic walker rejects unknown keys, reports
 * missing ones and calls the parsers, and keeps going after an error so that every problem is
 * reported in one run. Memory comes from the policy arena; no kernel I/O, no logging. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <libgen.h>
#include <string.h>
#include <sys/stat.h>

#include <libconfig.h>

#include "conf.h"
#include "alertfmt.h"
#include "confscan.h"
#include "namepat.h"
#include "psl.h"

#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#define OFF(t, f)		offsetof(struct t, f)
#define AT(obj, off, type)	((type *)(void *)((char *)(obj) + (off)))

#define CONF_TEXT_MAX		4096	/* purpose, reason, comment (bytes) */
#define CONF_ZONE_ID_MAX	32
#define CONF_LABEL_MAX		255	/* zone labels (bytes) */
#define CONF_FQDN_MAX		253
#define CONF_QUOTE_MAX		64	/* user strings quoted in messages are cut here */
#define CONF_DEFAULT_PORT	443	/* breakout service without ports */
#define CONF_QUEUE_MAX		65535	/* NFQUEUE numbers are 16 bits */

struct conf {
	struct policy *p;
	struct diag *diag;
	const char *file;
	const char *text;		/* what was parsed, for columns; NULL: from a file */
	bool drop_bad;			/* conf_check_partial(): leave out flows, exceptions and
					 * services with errors, so the checker adds no follow-on */
	int errors;
	const char *kind;		/* object being read: "flow" ... */
	const char *kind_ja;
	char obj[CONF_QUOTE_MAX + 16];	/* "'name'" or "#3" */
};

struct conf_key;
typedef int conf_fn(struct conf *c, const config_setting_t *s, void *obj,
		    const struct conf_key *k);

/* One key of an object: its parser stores at off (and off2: a count or a text copy). */
struct conf_key {
	const char *key;
	conf_fn *fn;
	size_t off, off2;
	unsigned int flags;
};

#define K_REQ	1U

/* ---------------------------------------------------------------------------------------- */
/* Messages */

static void conf_err(struct conf *c, const config_setting_t *s, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void conf_ja(struct conf *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Every error carries an English and a Japanese text; both formats take the same arguments. */
#define CONF_ERR(c, s, en, ja, ...)				\
	do {							\
		conf_err((c), (s), en, ##__VA_ARGS__);		\
		conf_ja((c), ja, ##__VA_ARGS__);		\
	} while (0)

static void conf_err(struct conf *c, const config_setting_t *s, const char *fmt, ...)
{
	const char *file = c->file;
	char *msg = NULL;
	va_list ap;
	int line = 0;

	if (s) {
		line = config_setting_source_line(s);
		if (config_setting_source_file(s))
			file = config_setting_source_file(s);
	}
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	diag_add(c->diag, DIAG_ERROR, file, line, "%s%s%s: %s", c->kind, c->obj[0] ? " " : "",
		 c->obj, msg ? msg : "(out of memory)");
	free(msg);
	if (s && config_setting_name(s) && file == c->file)	/* the column of the key */
		confscan_at(c->diag, c->text, line, config_setting_name(s));
	c->errors++;
}

static void conf_ja(struct conf *c, const char *fmt, ...)
{
	char *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	if (msg)
		diag_ja(c->diag, "%s%s%s: %s", c->kind_ja, c->obj[0] ? " " : "", c->obj, msg);
	free(msg);
}

/* A user string made safe to quote: control bytes become '?', long ones are cut at a UTF-8
 * boundary and end in "...". */
static const char *conf_q(const char *s, char *buf, size_t len)
{
	size_t i, max = len - 4;

	for (i = 0; s[i] && i < max; i++)
		buf[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
	if (s[i]) {
		while (i > 0 && ((unsigned char)s[i] & 0xc0) == 0x80)
			i--;
		memcpy(buf + i, "...", 4);
	} else {
		buf[i] = '\0';
	}
	return buf;
}

#define Q(s, b)	conf_q((s), (b), sizeof(b))

static void conf_obj(struct conf *c, const char *kind, const char *kind_ja, const char *name,
		     int idx)
{
	char q[CONF_QUOTE_MAX];

	c->kind = kind;
	c->kind_ja = kind_ja;
	if (name && *name)
		snprintf(c->obj, sizeof(c->obj), "'%s'", Q(name, q));
	else
		snprintf(c->obj, sizeof(c->obj), "#%d", idx + 1);
}

/* How a setting is named in a message: its key, or "key[i]" for an element. */
static const char *conf_what(const config_setting_t *s, char *buf, size_t len)
{
	const config_setting_t *parent;
	const char *name = config_setting_name(s);

	if (name)
		return name;
	parent = config_setting_parent(s);
	if (parent && config_setting_name(parent))
		snprintf(buf, len, "%s[%d]", config_setting_name(parent), config_setting_index(s));
	else
		snprintf(buf, len, "element %d", config_setting_index(s) + 1);
	return buf;
}

/* For error paths only: config_setting_index() is linear in the parent's length. */
#define WHAT(s)	conf_what((s), w, sizeof(w))

static const char *type_en(int t)
{
	switch (t) {
	case CONFIG_TYPE_GROUP:
		return "a group { }";
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		return "an integer";
	case CONFIG_TYPE_FLOAT:
		return "a float";
	case CONFIG_TYPE_STRING:
		return "a string";
	case CONFIG_TYPE_BOOL:
		return "a boolean";
	case CONFIG_TYPE_ARRAY:
		return "an array [ ]";
	case CONFIG_TYPE_LIST:
		return "a list ( )";
	default:
		return "nothing";
	}
}

static const char *type_ja(int t)
{
	switch (t) {
	case CONFIG_TYPE_GROUP:
		return "グループ { }";
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		return "整数";
	case CONFIG_TYPE_FLOAT:
		return "小数";
	case CONFIG_TYPE_STRING:
		return "文字列";
	case CONFIG_TYPE_BOOL:
		return "真偽値";
	case CONFIG_TYPE_ARRAY:
		return "配列 [ ]";
	case CONFIG_TYPE_LIST:
		return "リスト ( )";
	default:
		return "なし";
	}
}

static void conf_type_err(struct conf *c, const config_setting_t *s, const char *want,
			  const char *want_ja)
{
	char w[96];
	const char *what = conf_what(s, w, sizeof(w));
	int t = config_setting_type(s);

	conf_err(c, s, "%s: expected %s, got %s", what, want, type_en(t));
	conf_ja(c, "%s: %sを指定してください (%sが書かれています)", what, want_ja, type_ja(t));
}

/* ---------------------------------------------------------------------------------------- */
/* Scalars */

static bool utf8_valid(const unsigned char *s)
{
	while (*s) {
		int n, i;
		unsigned int cp;

		if (*s < 0x80) {
			s++;
			continue;
		}
		if ((*s & 0xe0) == 0xc0)
			n = 1, cp = *s & 0x1f;
		else if ((*s & 0xf0) == 0xe0)
			n = 2, cp = *s & 0x0f;
		else if ((*s & 0xf8) == 0xf0)
			n = 3, cp = *s & 0x07;
		else
			return false;
		for (i = 1; i <= n; i++) {
			if ((s[i] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i] & 0x3f);
		}
		if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		s += n + 1;
	}
	return true;
}

#define STR_NAME	0	/* one line, no control characters, no outer spaces */
#define STR_TEXT	1	/* free text: tabs and newlines allowed */

/* The string value of s, checked: non-empty, at most max bytes, valid UTF-8. NULL after an
 * error was reported. */
static const char *conf_str(struct conf *c, const config_setting_t *s, size_t max, int kind)
{
	char w[96], q[CONF_QUOTE_MAX];
	const char *v;
	size_t len, i;

	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		conf_type_err(c, s, "a string", "文字列");
		return NULL;
	}
	v = config_setting_get_string(s);
	len = strlen(v);
	if (len == 0) {
		CONF_ERR(c, s, "%s: must not be empty", "%s: 空にはできません", WHAT(s));
		return NULL;
	}
	if (len > max) {
		CONF_ERR(c, s, "%s: '%s' is too long (%zu bytes, at most %zu)",
			 "%s: '%s' が長すぎます (%zu バイト、最大 %zu バイト)", WHAT(s), Q(v, q), len, max);
		return NULL;
	}
	if (!utf8_valid((const unsigned char *)v)) {
		CONF_ERR(c, s, "%s: not valid UTF-8", "%s: UTF-8 として正しくありません", WHAT(s));
		return NULL;
	}
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)v[i];

		if ((ch < 0x20 || ch == 0x7f) && !(kind == STR_TEXT && (ch == '\t' || ch == '\n')))
			break;
	}
	if (i < len || (kind == STR_NAME && (v[0] == ' ' || v[len - 1] == ' '))) {
		CONF_ERR(c, s, "%s: '%s' contains control characters or leading/trailing spaces",
			 "%s: '%s' に制御文字または前後の空白が含まれています", WHAT(s), Q(v, q));
		return NULL;
	}
	return v;
}

/* A name people type, as it is compared: NFKC and trimmed (policy_name_norm()); as written
 * when nothing would be left. */
static const char *conf_name(const char *v, char *buf, size_t len)
{
	policy_name_norm(v, buf, len);
	return buf[0] ? buf : v;
}

static int k_name(struct conf *c, const config_setting_t *s, void *obj, const struct conf_key *k)
{
	const char *v = conf_str(c, s, POLICY_NAME_MAX - 1, STR_NAME);
	char buf[POLICY_NAME_MAX];

	if (!v)
		return -EINVAL;
	v = conf_name(v, buf, sizeof(buf));
	memcpy(AT(obj, k->off, char), v, strlen(v) + 1);
	return 0;
}

static int k_text(struct conf *c, const config_setting_t *s, void *obj, const struct conf_key *k)
{
	const char *v = conf_str(c, s, CONF_TEXT_MAX, STR_TEXT);
	char *d;

	if (!v)
		return -EINVAL;
	d = policy_strdup(c->p, v);
	if (!d)
		return -ENOMEM;
	*AT(obj, k->off, char *) = d;
	return 0;
}

/* A reference by name (zone, endpoint): kept as written for policy_validate(). */
static int k_ref(struct conf *c, const config_setting_t *s, void *obj, const struct conf_key *k)
{
	const char *v = conf_str(c, s, POLICY_NAME_MAX - 1, STR_NAME);
	char buf[POLICY_NAME_MAX], *d;

	if (!v)
		return -EINVAL;
	d = policy_strdup(c->p, conf_name(v, buf, sizeof(buf)));
	if (!d)
		return -ENOMEM;
	*AT(obj, k->off, char *) = d;
	return 0;
}

/* A string accepted for the asset register but not stored in the policy. */
static int k_ignore(struct conf *c, const config_setting_t *s, void *obj, const struct conf_key *k)
{
	(void)obj;
	(void)k;
	return conf_str(c, s, CONF_TEXT_MAX, STR_TEXT) ? 0 : -EINVAL;
}

static int k_endpoint(struct conf *c, const config_setting_t *s, void *obj,
		      const struct conf_key *k)
{
	struct endpoint *e = AT(obj, k->off, struct endpoint);
	const char *v = conf_str(c, s, POLICY_NAME_MAX - 1, STR_NAME);
	char buf[POLICY_NAME_MAX];

	if (!v)
		return -EINVAL;
	e->name = policy_strdup(c->p, conf_name(v, buf, sizeof(buf)));
	if (!e->name)
		return -ENOMEM;
	e->kind = EP_UNRESOLVED;
	e->idx = -1;
	e->zone = -1;
	return 0;
}

static int k_tristate(struct conf *c, const config_setting_t *s, void *obj,
		      const struct conf_key *k)
{
	if (config_setting_type(s) != CONFIG_TYPE_BOOL) {
		conf_type_err(c, s, "true or false", "true または false");
		return -EINVAL;
	}
	*AT(obj, k->off, int) = config_setting_get_bool(s) ? 1 : 0;
	return 0;
}

static int k_tls(struct conf *c, const config_setting_t *s, void *obj, const struct conf_key *k)
{
	const char *v = conf_str(c, s, POLICY_NAME_MAX - 1, STR_NAME);
	char q[CONF_QUOTE_MAX];

	if (!v)
		return -EINVAL;
	if (strcmp(v, "required") && strcmp(v, "optional")) {
		CONF_ERR(c, s, "tls: unknown value '%s'; allowed: required, optional",
			 "tls: '%s' は使えません (required または optional)", Q(v, q));
		return -EINVAL;
	}
	*AT(obj, k->off, bool) = !strcmp(v, "required");
	return 0;
}

/* Enumerations: one small parser each, so the types stay exact. */
static int enum_err(struct conf *c, const config_setting_t *s, const char *v, const char *allowed)
{
	char q[CONF_QUOTE_MAX], w[96];
	const char *what = conf_what(s, w, sizeof(w));

	char cand[POLICY_NAME_MAX], hint[POLICY_NAME_MAX + 32] = "", hint_ja[POLICY_NAME_MAX + 32] = "";
	const char *a, *e;
	int best = 99, d;

	for (a = allowed; *a; a = *e ? e + 2 : e) {	/* "a, b, c": the closest, if close */
		e = strstr(a, ", ");
		if (!e)
			e = a + strlen(a);
		snprintf(cand, sizeof(cand), "%.*s", (int)(e - a), a);
		if (policy_name_close(v, cand) && (d = policy_name_distance(v, cand)) < best) {
			best = d;
			snprintf(hint, sizeof(hint), " (did you mean '%s'?)", cand);
			snprintf(hint_ja, sizeof(hint_ja), " ('%s' の誤りでは?)", cand);
		}
	}
	Q(v, q);
	conf_err(c, s, "%s: unknown value '%s'; allowed: %s%s", what, q, allowed, hint);
	conf_ja(c, "%s: '%s' は使えません (使える値: %s)%s", what, q, allowed, hint_ja);
	return -EINVAL;
}

#define ENUM_KEY(fname, type, parse, allowed)						\
static int fname(struct conf *c, const config_setting_t *s, void *obj,			\
		 const struct conf_key *k)						\
{											\
	const char *v = conf_str(c, s, POLICY_NAME_MAX - 1, STR_NAME);			\
	type e;										\
											\
	if (!v)										\
		return -EINVAL;								\
	if (parse(v, &e) < 0)								\
		return enum_err(c, s, v, allowed);					\
	*AT(obj, k->off, type) = e;							\
	return 0;									\
}

/* policy.verify: "readback" (false: I7 alone) or "prove" (true: I7 and the proof) */
static int verify_parse(const char *s, bool *prove)
{
	if (strcmp(s, "readback") && strcmp(s, "prove"))
		return -EINVAL;
	*prove = !strcmp(s, "prove");
	return 0;
}

ENUM_KEY(k_verify, bool, verify_parse, "readback, prove")
ENUM_KEY(k_class, enum flow_class, policy_class_parse,
	 "peer, public-system-via-lgwan, sanitised-relay, screen-transfer-into-mynumber, internal, management")
ENUM_KEY(k_method, enum relay_method, policy_method_parse,
	 "mail-text, screen-transfer, file-sanitise")
ENUM_KEY(k_model, enum policy_model, policy_model_parse,
	 "three-tier, lgwan-internet, mynumber-internet")
ENUM_KEY(k_link, enum link_type, policy_link_parse, "dedicated, lgwan, vpn, internet")
ENUM_KEY(k_match, enum svc_match, policy_match_parse, "dns+sni, sni, ip")
ENUM_KEY(k_svctype, enum svc_type, policy_svctype_parse, "cloud, security-update")
ENUM_KEY(k_verdict, enum flow_verdict, policy_verdict_parse, "kernel, engine")
ENUM_KEY(k_ech, enum ech_policy, policy_ech_parse, "refuse, outer-sni")

/* An integer within lo..hi. */
static int conf_int(struct conf *c, const config_setting_t *s, long long lo, long long hi,
		    int *ret)
{
	int t = config_setting_type(s);
	long long v;

	if (t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64) {
		conf_type_err(c, s, "an integer", "整数");
		return -EINVAL;
	}
	v = config_setting_get_int64(s);
	if (v < lo || v > hi) {
		CONF_ERR(c, s, "%s: %lld is out of range %lld-%lld", "%s: %lld は %lld-%lld の範囲外です",
			 config_setting_name(s), v, lo, hi);
		return -EINVAL;
	}
	*ret = (int)v;
	return 0;
}

#define INT_KEY(fname, lo, hi)								\
static int fname(struct conf *c, const config_setting_t *s, void *obj,			\
		 const struct conf_key *k)						\
{											\
	return conf_int(c, s, lo, hi, AT(obj, k->off, int));				\
}

INT_KEY(k_dns_floor, 1, 86400)
INT_KEY(k_dns_grace, 0, 86400)
INT_KEY(k_dns_ttl_max, 1, 604800)
INT_KEY(k_dns_max, 16, 1048576)
INT_KEY(k_port_span_max, 1, 65535)
INT_KEY(k_queues, 1, ENGINE_QUEUES_MAX)
INT_KEY(k_queue_base, 0, CONF_QUEUE_MAX)
INT_KEY(k_queue_maxlen, 16, 65536)
INT_KEY(k_source_quota, 1, ENGINE_SOURCE_QUOTA_MAX)
INT_KEY(k_exc_days, 1, 3650)

static int k_proto(struct conf *c, const config_setting_t *s, void *obj, const struct conf_key *k)
{
	const char *allowed = "tcp, udp, sctp, icmp, icmpv6, esp, ah, gre, dccp, udplite, 1-255";
	uint8_t *ret = AT(obj, k->off, uint8_t);
	int t = config_setting_type(s);
	char num[24];
	const char *v;
	long long n;

	if (t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64) {
		n = config_setting_get_int64(s);
		snprintf(num, sizeof(num), "%lld", n);
		if (n < 1 || n > 255 || policy_proto_parse(num, ret) < 0)
			return enum_err(c, s, num, allowed);
		return 0;
	}
	v = conf_str(c, s, POLICY_NAME_MAX - 1, STR_NAME);
	if (!v)
		return -EINVAL;
	if (policy_proto_parse(v, ret) < 0)
		return enum_err(c, s, v, allowed);
	return 0;
}

static int k_time(struct conf *c, const config_setting_t *s, void *obj, const struct conf_key *k)
{
	const char *v = conf_str(c, s, POLICY_NAME_MAX - 1, STR_NAME);
	char q[CONF_QUOTE_MAX];
	int64_t t;

	if (!v)
		return -EINVAL;
	if (policy_time_parse(v, &t) < 0) {
		CONF_ERR(c, s, "%s: '%s' is not an RFC 3339 time with a UTC offset, e.g. \"2026-12-31T23:59:59+09:00\"",
			 "%s: '%s' は時差付きの RFC 3339 日時ではありません (例: \"2026-12-31T23:59:59+09:00\")",
			 config_setting_name(s), Q(v, q));
		return -EINVAL;
	}
	*AT(obj, k->off, int64_t) = t;
	*AT(obj, k->off2, char *) = policy_strdup(c->p, v);
	return *AT(obj, k->off2, char *) ? 0 : -ENOMEM;
}

/* A date (end of that day, JST) or a full RFC 3339 time. */
static int k_date(struct conf *c, const config_setting_t *s, void *obj, const struct conf_key *k)
{
	const char *v = conf_str(c, s, POLICY_NAME_MAX - 1, STR_NAME);
	char q[CONF_QUOTE_MAX];
	int64_t t;

	if (!v)
		return -EINVAL;
	if (policy_date_parse(v, &t) < 0 && policy_time_parse(v, &t) < 0) {
		CONF_ERR(c, s, "%s: '%s' is not a valid date YYYY-MM-DD",
			 "%s: '%s' は正しい YYYY-MM-DD 形式の日付ではありません",
			 config_setting_name(s), Q(v, q));
		return -EINVAL;
	}
	*AT(obj, k->off, int64_t) = t;
	*AT(obj, k->off2, char *) = policy_strdup(c->p, v);
	return *AT(obj, k->off2, char *) ? 0 : -ENOMEM;
}

/* ---------------------------------------------------------------------------------------- */
/* Sequences */

/* Length of an array or list s with min..max elements, or -EINVAL. */
static int conf_seq(struct conf *c, const config_setting_t *s, int min, int max)
{
	char w[96];
	int n;

	if (!config_setting_is_aggregate(s) || config_setting_is_group(s)) {
		conf_type_err(c, s, "an array [ ] or list ( )", "配列 [ ] またはリスト ( )");
		return -EINVAL;
	}
	n = config_setting_length(s);
	if (n < min) {
		if (min == 1)
			CONF_ERR(c, s, "%s: must not be empty", "%s: 空にはできません", WHAT(s));
		else
			CONF_ERR(c, s, "%s: needs at least %d entries", "%s: %d 個以上必要です",
				 WHAT(s), min);
		return -EINVAL;
	}
	if (n > max) {
		CONF_ERR(c, s, "%s: too many entries (%d, at most %d)",
			 "%s: 要素が多すぎます (%d 個、最大 %d 個)", WHAT(s), n, max);
		return -EINVAL;
	}
	return n;
}

static bool all_digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
	}
	return n > 0 && n <= 5;
}

/* Report a bad address or prefix; for host bits set, suggest the network. */
static void prefix_err(struct conf *c, const config_setting_t *s, const char *v)
{
	char w[96], q[CONF_QUOTE_MAX], addr[64], sug[64];
	const char *what = conf_what(s, w, sizeof(w));
	const char *slash = strchr(v, '/');
	struct prefix a;
	size_t alen = slash ? (size_t)(slash - v) : 0;
	int i, len;

	if (slash && alen < sizeof(addr) && all_digits(slash + 1, strlen(slash + 1))) {
		memcpy(addr, v, alen);
		addr[alen] = '\0';
		len = atoi(slash + 1);
		if (policy_prefix_parse(addr, &a) == 0 && len < a.len) {
			for (i = len; i < a.len; i++)
				a.addr[i / 8] &= (uint8_t)~(0x80 >> (i % 8));
			a.len = (uint8_t)len;
			if (policy_prefix_format(&a, sug, sizeof(sug)) > 0) {
				CONF_ERR(c, s, "%s: '%s' has host bits set; did you mean '%s'?",
					 "%s: '%s' はホスト部が 0 ではありません ('%s' の誤りでは?)",
					 what, Q(v, q), sug);
				return;
			}
		}
	}
	CONF_ERR(c, s, "%s: '%s' is not an IPv4/IPv6 address or prefix (e.g. 10.0.0.0/8, fd00::/8)",
		 "%s: '%s' は IPv4/IPv6 のアドレスまたはプレフィックスではありません (例: 10.0.0.0/8)",
		 what, Q(v, q));
}

/* Parse element i of s as a prefix; with bare, only a single address is accepted. */
static int conf_prefix(struct conf *c, const config_setting_t *el, bool bare, struct prefix *ret)
{
	const char *v = conf_str(c, el, POLICY_NAME_MAX - 1, STR_NAME);
	char w[96], q[CONF_QUOTE_MAX];

	if (!v)
		return -EINVAL;
	if (policy_prefix_parse(v, ret) < 0) {
		prefix_err(c, el, v);
		return -EINVAL;
	}
	if (bare && strchr(v, '/')) {
		CONF_ERR(c, el, "%s: '%s' must be a single address without a prefix length",
			 "%s: '%s' はプレフィックス長なしの単一アドレスで指定してください",
			 conf_what(el, w, sizeof(w)), Q(v, q));
		return -EINVAL;
	}
	return 0;
}

/* A list of prefixes (off: struct prefix *, off2: int count); bare: addresses only. */
static int prefixes(struct conf *c, const config_setting_t *s, void *obj,
		    const struct conf_key *k, bool bare)
{
	struct prefix *v;
	int n, i, m = 0;

	n = conf_seq(c, s, 1, POLICY_OBJECTS_MAX);
	if (n < 0)
		return n;
	v = policy_alloc(c->p, (size_t)n * sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		if (conf_prefix(c, config_setting_get_elem(s, (unsigned int)i), bare, &v[m]) == 0)
			m++;
	}
	*AT(obj, k->off, struct prefix *) = v;
	*AT(obj, k->off2, int) = m;
	return m == n ? 0 : -EINVAL;
}

static int k_prefixes(struct conf *c, const config_setting_t *s, void *obj,
		      const struct conf_key *k)
{
	return prefixes(c, s, obj, k, false);
}

static int k_addrs(struct conf *c, const config_setting_t *s, void *obj, const struct conf_key *k)
{
	return prefixes(c, s, obj, k, true);
}

/* A port: an integer, or a string "443" or "8000-8080". */
static int conf_port(struct conf *c, const config_setting_t *el, struct port_range *ret)
{
	char w[96], q[CONF_QUOTE_MAX];
	long long lo, hi;
	const char *v, *dash;
	int t = config_setting_type(el);

	if (t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64) {
		lo = hi = config_setting_get_int64(el);
		snprintf(q, sizeof(q), "%lld", lo);
	} else if (t == CONFIG_TYPE_STRING) {
		v = conf_str(c, el, POLICY_NAME_MAX - 1, STR_NAME);
		if (!v)
			return -EINVAL;
		Q(v, q);
		dash = strchr(v, '-');
		if (!dash)
			dash = v + strlen(v);
		if (!all_digits(v, (size_t)(dash - v)) ||
		    (*dash && !all_digits(dash + 1, strlen(dash + 1)))) {
			CONF_ERR(c, el, "%s: '%s' is not a port or a range \"lo-hi\"",
				 "%s: '%s' はポート番号または範囲 \"lo-hi\" ではありません", WHAT(el), q);
			return -EINVAL;
		}
		lo = atoll(v);
		hi = *dash ? atoll(dash + 1) : lo;
	} else {
		conf_type_err(c, el, "a port number or a string \"lo-hi\"",
			      "ポート番号または文字列 \"lo-hi\"");
		return -EINVAL;
	}
	if (lo < 1 || lo > 65535 || hi < 1 || hi > 65535) {
		CONF_ERR(c, el, "%s: '%s' is out of range 1-65535", "%s: '%s' は 1-65535 の範囲外です",
			 WHAT(el), q);
		return -EINVAL;
	}
	if (lo > hi) {
		CONF_ERR(c, el, "%s: '%s' is an empty range (low > high)",
			 "%s: '%s' は下限が上限より大きい範囲です", WHAT(el), q);
		return -EINVAL;
	}
	ret->lo = (uint16_t)lo;
	ret->hi = (uint16_t)hi;
	return 0;
}

static int k_ports(struct conf *c, const config_setting_t *s, void *obj, const struct conf_key *k)
{
	struct port_range *v;
	int n, i, m = 0;

	n = conf_seq(c, s, 1, POLICY_PORTS_MAX);
	if (n < 0)
		return n;
	v = policy_alloc(c->p, (size_t)n * sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		if (conf_port(c, config_setting_get_elem(s, (unsigned int)i), &v[m]) == 0)
			m++;
	}
	*AT(obj, k->off, struct port_range *) = v;
	*AT(obj, k->off2, int) = m;
	return m == n ? 0 : -EINVAL;
}

/* ---------------------------------------------------------------------------------------- */
/* Objects */

static int lower(int ch)
{
	return ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch;
}

/* Edit distance (ASCII case-insensitive) for "did you mean"; large for long strings. */
static int distance(const char *a, const char *b)
{
	int d[POLICY_NAME_MAX + 1], i, j, prev, tmp;
	size_t la = strlen(a), lb = strlen(b);

	if (la > POLICY_NAME_MAX || lb > POLICY_NAME_MAX)
		return 99;
	for (j = 0; j <= (int)lb; j++)
		d[j] = j;
	for (i = 1; i <= (int)la; i++) {
		prev = d[0];
		d[0] = i;
		for (j = 1; j <= (int)lb; j++) {
			tmp = d[j];
			d[j] = prev + (lower((unsigned char)a[i - 1]) !=
				       lower((unsigned char)b[j - 1]));
			if (d[j - 1] + 1 < d[j])
				d[j] = d[j - 1] + 1;
			if (tmp + 1 < d[j])
				d[j] = tmp + 1;
			prev = tmp;
		}
	}
	return d[lb];
}

/* "allowed: a, b, c (did you mean 'b'?)" for an unknown key among names[0..n). */
static void unknown_err(struct conf *c, const config_setting_t *s, const char *what,
			const char *name, const char *const *names, size_t n)
{
	char allowed[512], q[CONF_QUOTE_MAX], hint[96] = "", hint_ja[96] = "";
	size_t i, o = 0;
	int best = 3, d;

	for (i = 0; i < n && o < sizeof(allowed); i++) {
		o += (size_t)snprintf(allowed + o, sizeof(allowed) - o, "%s%s", i ? ", " : "",
				      names[i]);
		d = distance(name, names[i]);
		if (d < best && d <= (int)strlen(names[i]) / 2) {
			best = d;
			snprintf(hint, sizeof(hint), " (did you mean '%s'?)", names[i]);
			snprintf(hint_ja, sizeof(hint_ja), " ('%s' の誤りでは?)", names[i]);
		}
	}
	Q(name, q);
	conf_err(c, s, "unknown %s '%s'; allowed: %s%s", what, q, allowed, hint);
	conf_ja(c, "%s '%s' は使えません。使える%s: %s%s", !strcmp(what, "key") ? "キー" :
		"セクション", q, !strcmp(what, "key") ? "キー" : "セクション", allowed, hint_ja);
}

/* Walk the keys of group g into obj: unknown keys and missing required keys are errors.
 * Returns 0 (errors are counted in c) or -ENOMEM. */
static int conf_object(struct conf *c, const config_setting_t *g, const struct conf_key *keys,
		       size_t n_keys, void *obj)
{
	const char *names[32];
	unsigned int seen = 0;
	size_t j;
	int i, n, r;

	if (!config_setting_is_group(g)) {
		conf_type_err(c, g, "a group { key = value; ... }", "グループ { key = value; ... }");
		return 0;
	}
	n = config_setting_length(g);
	for (i = 0; i < n; i++) {
		const config_setting_t *s = config_setting_get_elem(g, (unsigned int)i);
		const char *name = config_setting_name(s);

		for (j = 0; j < n_keys && strcmp(name, keys[j].key); j++)
			;
		if (j == n_keys) {
			for (j = 0; j < n_keys; j++)
				names[j] = keys[j].key;
			unknown_err(c, s, "key", name, names, n_keys);
			continue;
		}
		seen |= 1U << j;
		r = keys[j].fn(c, s, obj, &keys[j]);
		if (r == -ENOMEM)
			return r;
	}
	for (j = 0; j < n_keys; j++) {
		if ((keys[j].flags & K_REQ) && !(seen & (1U << j)))
			CONF_ERR(c, g, "missing required key '%s'", "必須のキー '%s' がありません",
				 keys[j].key);
	}
	return 0;
}

/* The name (or id) of group g, if it is a plain string, for messages. */
static const char *group_name(const config_setting_t *g, const char *key)
{
	const config_setting_t *s;

	if (!config_setting_is_group(g))
		return NULL;
	s = config_setting_get_member(g, key);
	if (!s || config_setting_type(s) != CONFIG_TYPE_STRING)
		return NULL;
	return config_setting_get_string(s);
}

/* Ports make sense only for protocols that have them. */
static void check_ports(struct conf *c, const config_setting_t *g, uint8_t proto, int n_ports)
{
	const char *name = policy_proto_name(proto);
	char num[8];

	if (proto == 0 || n_ports == 0)
		return;
	if (proto == 6 || proto == 17 || proto == 132 || proto == 33 || proto == 136)
		return;
	if (!name) {
		snprintf(num, sizeof(num), "%u", proto);
		name = num;
	}
	CONF_ERR(c, config_setting_get_member(g, "ports"),
		 "ports: protocol '%s' has no ports; remove 'ports'",
		 "ports: プロトコル '%s' にはポートがありません。'ports' を削除してください", name);
}

/* Each list kind: its section, message names, keys, and the checks after the keys. */
struct conf_kind {
	const char *section;
	const char *kind, *kind_ja;
	const char *id_key;
	size_t size, name_off, loc_off;
	const struct conf_key *keys;
	size_t n_keys;
	int max;
	void (*init)(void *obj);
	int (*check)(struct conf *c, const config_setting_t *g, void *obj);
	const char *dup_hint, *dup_hint_ja;	/* appended to duplicate-name errors */
};

struct dup_ent {
	const char *name;
	int idx, line;
};

static int dup_cmp(const void *a, const void *b)
{
	const struct dup_ent *x = a, *y = b;
	int r = strcmp(x->name, y->name);

	return r ? r : (x->idx > y->idx) - (x->idx < y->idx);
}

/* Duplicate names within one list, reported at every later definition: sort, not O(n^2). */
static int conf_dups(struct conf *c, const struct conf_kind *kd, const config_setting_t *list,
		     void *base, int n)
{
	const config_setting_t *el;
	const char *written;
	struct dup_ent *v;
	int i, m = 0;

	v = malloc((size_t)(n ? n : 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		char *o = (char *)base + (size_t)i * kd->size;

		if (!o[kd->name_off])
			continue;
		v[m].name = o + kd->name_off;
		v[m].idx = i;
		v[m].line = AT(o, kd->loc_off, struct src_loc)->line;
		m++;
	}
	qsort(v, (size_t)m, sizeof(*v), dup_cmp);
	for (i = 1; i < m; i++) {
		int first = i - 1;

		if (strcmp(v[i].name, v[i - 1].name))
			continue;
		while (first > 0 && !strcmp(v[first - 1].name, v[i].name))
			first--;
		el = config_setting_get_elem(list, (unsigned int)v[i].idx);
		written = group_name(el, kd->id_key);
		if (!written)
			written = config_setting_name(el);	/* zones: { key: { } } */
		conf_obj(c, kd->kind, kd->kind_ja, written ? written : v[i].name, v[i].idx);
		conf_err(c, el,
			 "duplicate %s '%s' (first defined at line %d%s)", kd->kind, v[i].name,
			 v[first].line, kd->dup_hint ? kd->dup_hint : "");
		conf_ja(c, "%s '%s' が重複しています (最初の定義は %d 行目%s)", kd->kind_ja,
			v[i].name, v[first].line, kd->dup_hint_ja ? kd->dup_hint_ja : "");
	}
	free(v);
	return 0;
}

/* A list section of objects of one kind: allocates *ret_base with *ret_n objects. */
/* Leave out the objects of base[0..*n) marked bad (conf_check_partial()). */
static void drop_bad(const struct conf_kind *kd, char *base, int *n, const bool *bad)
{
	int i, k = 0;

	for (i = 0; i < *n; i++) {
		if (bad[i])
			continue;
		if (k != i)
			memcpy(base + (size_t)k * kd->size, base + (size_t)i * kd->size, kd->size);
		k++;
	}
	*n = k;
}

static bool leaf_kind(const struct conf_kind *kd)
{
	return !strcmp(kd->kind, "flow") || !strcmp(kd->kind, "exception") ||
	       !strcmp(kd->kind, "service");
}

static int conf_objects(struct conf *c, const config_setting_t *list, const struct conf_kind *kd,
			void **ret_base, int *ret_n)
{
	bool *bad = NULL;
	char *base;
	int n, i, r, before;

	if (config_setting_type(list) != CONFIG_TYPE_LIST) {
		conf_type_err(c, list, "a list ( { ... }, { ... } )", "リスト ( { ... }, { ... } )");
		return 0;
	}
	n = config_setting_length(list);
	if (n > kd->max) {
		CONF_ERR(c, list, "%s: too many entries (%d, at most %d)",
			 "%s: 要素が多すぎます (%d 個、最大 %d 個)", kd->section, n, kd->max);
		return 0;
	}
	base = policy_alloc(c->p, (size_t)(n ? n : 1) * kd->size);
	if (c->drop_bad && leaf_kind(kd))
		bad = policy_alloc(c->p, (size_t)(n ? n : 1));
	if (!base || (c->drop_bad && leaf_kind(kd) && !bad))
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		const config_setting_t *g = config_setting_get_elem(list, (unsigned int)i);
		char *o = base + (size_t)i * kd->size;

		before = c->errors;
		conf_obj(c, kd->kind, kd->kind_ja, group_name(g, kd->id_key), i);
		AT(o, kd->loc_off, struct src_loc)->line = config_setting_source_line(g);
		if (kd->init)
			kd->init(o);
		r = conf_object(c, g, kd->keys, kd->n_keys, o);
		if (r == 0 && kd->check && config_setting_is_group(g))
			r = kd->check(c, g, o);
		if (r == -ENOMEM)
			return r;
		if (bad)
			bad[i] = c->errors > before;
	}
	*ret_base = base;
	*ret_n = n;
	r = conf_dups(c, kd, list, base, n);
	if (r >= 0 && bad)
		drop_bad(kd, base, ret_n, bad);
	return r;
}

/* ---------------------------------------------------------------------------------------- */
/* Zones */

static bool ifname_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= POLICY_IFNAME_MAX || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") == n;
}

static int conf_ifname(struct conf *c, const config_setting_t *s, char *ret)
{
	const char *v = conf_str(c, s, POLICY_NAME_MAX - 1, STR_NAME);
	char w[96], q[CONF_QUOTE_MAX];

	if (!v)
		return -EINVAL;
	if (!ifname_valid(v)) {
		CONF_ERR(c, s, "%s: '%s' is not an interface name (1-15 characters of A-Z a-z 0-9 . _ -)",
			 "%s: '%s' はインターフェース名ではありません (A-Z a-z 0-9 . _ - の 1-15 文字)",
			 conf_what(s, w, sizeof(w)), Q(v, q));
		return -EINVAL;
	}
	memcpy(ret, v, strlen(v) + 1);
	return 0;
}

static int k_ifname(struct conf *c, const config_setting_t *s, void *obj, const struct conf_key *k)
{
	return conf_ifname(c, s, AT(obj, k->off, char));
}

static int k_ifaces(struct conf *c, const config_setting_t *s, void *obj, const struct conf_key *k)
{
	struct zone *z = obj;
	char w[96];
	int n, i, j;

	(void)k;
	n = conf_seq(c, s, 1, POLICY_ZONE_IFACES_MAX);
	if (n < 0)
		return n;
	for (i = 0; i < n; i++) {
		const config_setting_t *el = config_setting_get_elem(s, (unsigned int)i);

		if (conf_ifname(c, el, z->ifaces[z->n_ifaces]) < 0)
			continue;
		for (j = 0; j < z->n_ifaces && strcmp(z->ifaces[j], z->ifaces[z->n_ifaces]); j++)
			;
		if (j < z->n_ifaces) {
			CONF_ERR(c, el, "%s: interface '%s' is listed twice",
				 "%s: インターフェース '%s' が二重に書かれています",
				 conf_what(el, w, sizeof(w)), z->ifaces[j]);
			continue;
		}
		z->n_ifaces++;
	}
	return 0;
}

/* networks: prefixes, or the single word "any". */
static int k_znets(struct conf *c, const config_setting_t *s, void *obj, const struct conf_key *k)
{
	struct zone *z = obj;
	const config_setting_t *el = NULL;
	int i, n;

	n = conf_seq(c, s, 0, POLICY_OBJECTS_MAX);
	if (n < 0)
		return n;
	for (i = 0; i < n; i++) {
		el = config_setting_get_elem(s, (unsigned int)i);
		if (config_setting_type(el) == CONFIG_TYPE_STRING &&
		    !strcmp(config_setting_get_string(el), "any"))
			break;
	}
	if (i == n)
		return k_prefixes(c, s, obj, k);
	if (n > 1) {
		CONF_ERR(c, el, "networks: \"any\" must be the only entry",
			 "networks: \"any\" は単独で指定してください");
		return -EINVAL;
	}
	z->any = true;
	return 0;
}

static int k_label(struct conf *c, const config_setting_t *s, void *obj, const struct conf_key *k)
{
	const char *v = conf_str(c, s, CONF_LABEL_MAX, STR_NAME);
	struct zone *z = obj;

	(void)k;
	if (!v)
		return -EINVAL;
	z->label = policy_strdup(c->p, v);
	return z->label ? 0 : -ENOMEM;
}

/* The zone id, as written (group key or id = "..."): canonical via the aliases, otherwise
 * [a-z][a-z0-9-]*, at most 32 characters. */
static int zone_id(struct conf *c, const config_setting_t *s, struct zone *z, const char *written)
{
	const char *id = policy_zone_canon(written);
	char q[CONF_QUOTE_MAX];
	size_t n = strlen(id);

	if (policy_zone_role(id) == ZONE_OTHER &&
	    (n == 0 || n > CONF_ZONE_ID_MAX || id[0] < 'a' || id[0] > 'z' ||
	     strspn(id, "abcdefghijklmnopqrstuvwxyz0123456789-") != n)) {
		CONF_ERR(c, s, "zone id '%s' is neither a known zone name (mynumber, lgwan, internet or an alias such as マイナンバー利用事務系) nor a custom id of [a-z][a-z0-9-]* (at most 32 characters)",
			 "ゾーン ID '%s' は既知のゾーン名 (mynumber, lgwan, internet またはマイナンバー利用事務系などの別名) でも、[a-z][a-z0-9-]* (32 文字以内) の独自 ID でもありません",
			 Q(written, q));
		return -EINVAL;
	}
	memcpy(z->id, id, n + 1);
	z->role = policy_zone_role(id);
	return 0;
}

static int k_zone_id(struct conf *c, const config_setting_t *s, void *obj,
		     const struct conf_key *k)
{
	const char *v = conf_str(c, s, POLICY_NAME_MAX - 1, STR_NAME);

	(void)k;
	if (!v)
		return -EINVAL;
	return zone_id(c, s, obj, v);
}

/* uplinks (R11) is read by zone_uplinks() once interfaces is known, whatever the order. */
static int k_uplinks(struct conf *c, const config_setting_t *s, void *obj,
		     const struct conf_key *k)
{
	(void)c;
	(void)s;
	(void)obj;
	(void)k;
	return 0;
}

static const struct conf_key zone_group_keys[] = {
	{ "name",	k_label,	0, 0, 0 },
	{ "interfaces",	k_ifaces,	0, 0, K_REQ },
	{ "networks",	k_znets,	OFF(zone, nets), OFF(zone, n_nets), 0 },
	{ "uplinks",	k_uplinks,	0, 0, 0 },
};

static const struct conf_key zone_list_keys[] = {
	{ "id",		k_zone_id,	0, 0, K_REQ },
	{ "name",	k_label,	0, 0, 0 },
	{ "interfaces",	k_ifaces,	0, 0, K_REQ },
	{ "networks",	k_znets,	OFF(zone, nets), OFF(zone, n_nets), 0 },
	{ "uplinks",	k_uplinks,	0, 0, 0 },
};

/* One entry of uplinks: IF = "role", IF an interface of the zone. */
static void zone_uplink(struct conf *c, const config_setting_t *el, struct zone *z)
{
	static const char *const roles[] = { "security-cloud", "breakout-line",
					     "security-cloud+breakout" };
	static const uint8_t role_of[] = { UPLINK_SECURITY_CLOUD, UPLINK_BREAKOUT_LINE,
					   UPLINK_CLOUD_BREAKOUT };
	const char *name = config_setting_name(el), *v;
	char q[CONF_QUOTE_MAX];
	int i, j;

	for (i = 0; i < z->n_ifaces && strcmp(z->ifaces[i], name); i++)
		;
	if (i == z->n_ifaces) {
		CONF_ERR(c, el, "uplinks: '%s' is not an interface of zone '%s' (R11)",
			 "uplinks: '%s' はゾーン '%s' のインターフェースではありません (R11)",
			 Q(name, q), z->id);
		return;
	}
	v = conf_str(c, el, POLICY_NAME_MAX - 1, STR_NAME);
	if (!v)
		return;
	for (j = 0; j < (int)ARRAY_SIZE(roles) && strcmp(roles[j], v); j++)
		;
	if (j == (int)ARRAY_SIZE(roles)) {
		enum_err(c, el, v, "security-cloud, breakout-line, security-cloud+breakout");
		return;
	}
	z->uplink[i] = role_of[j];
}

/* uplinks (R11): the Internet zone leaves through the prefecture's security cloud. Every
 * interface of the zone gets a role, and one of them is the security cloud. */
static void zone_uplinks(struct conf *c, const config_setting_t *g, struct zone *z)
{
	const config_setting_t *s = config_setting_get_member(g, "uplinks");
	int i, n, cloud = 0;

	if (!s)
		return;
	if (!config_setting_is_group(s)) {
		conf_type_err(c, s, "a group { IF = \"security-cloud\"; ... }",
			      "グループ { IF = \"security-cloud\"; ... }");
		return;
	}
	if (z->role != ZONE_INTERNET) {
		CONF_ERR(c, s, "uplinks: only the Internet zone has uplinks, not zone '%s' (R11)",
			 "uplinks: アップリンクを持てるのはインターネット接続系だけです (ゾーン '%s') (R11)",
			 z->id);
		return;
	}
	z->has_uplinks = true;
	n = config_setting_length(s);
	for (i = 0; i < n; i++)
		zone_uplink(c, config_setting_get_elem(s, (unsigned int)i), z);
	for (i = 0; i < z->n_ifaces; i++) {
		if (z->uplink[i] == UPLINK_NONE)
			CONF_ERR(c, s, "uplinks: interface '%s' of zone '%s' has no role; give it \"security-cloud\" or \"breakout-line\" (R11)",
				 "uplinks: インターフェース '%s' (ゾーン '%s') に役割がありません。\"security-cloud\" または \"breakout-line\" を指定してください (R11)",
				 z->ifaces[i], z->id);
		cloud += z->uplink[i] == UPLINK_SECURITY_CLOUD ||
			 z->uplink[i] == UPLINK_CLOUD_BREAKOUT;
	}
	if (!cloud)
		CONF_ERR(c, s, "uplinks: zone '%s' has no \"security-cloud\" uplink; the Internet zone leaves through the prefecture's security cloud (R11)",
			 "uplinks: ゾーン '%s' に \"security-cloud\" のアップリンクがありません。インターネット接続系は都道府県の自治体情報セキュリティクラウドを経由します (R11)",
			 z->id);
}

static const struct conf_kind zone_kind = {
	.section = "zones", .kind = "zone", .kind_ja = "ゾーン", .id_key = "id",
	.size = sizeof(struct zone), .name_off = OFF(zone, id),
	.loc_off = OFF(zone, loc), .max = POLICY_ZONES_MAX,
	.dup_hint = "; aliases name the same zone", .dup_hint_ja = "。別名も同じゾーンを指します",
};

static int conf_zones(struct conf *c, const config_setting_t *sec)
{
	bool list = config_setting_type(sec) == CONFIG_TYPE_LIST;
	struct zone *v;
	int n, i, r;

	if (!list && !config_setting_is_group(sec)) {
		conf_type_err(c, sec,
			      "a group { mynumber: { ... }; ... } or a list ( { id = ...; }, ... )",
			      "グループ { mynumber: { ... }; ... } またはリスト ( { id = ...; }, ... )");
		return 0;
	}
	n = config_setting_length(sec);
	if (n < 1 || n > POLICY_ZONES_MAX) {
		CONF_ERR(c, sec, "needs 1 to %d zones, found %d", "ゾーンは 1 から %d 個必要です (%d 個)",
			 POLICY_ZONES_MAX, n);
		return 0;
	}
	v = policy_alloc(c->p, (size_t)n * sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		const config_setting_t *g = config_setting_get_elem(sec, (unsigned int)i);
		const char *written = list ? group_name(g, "id") : config_setting_name(g);

		conf_obj(c, "zone", "ゾーン", written, i);
		v[i].loc.line = config_setting_source_line(g);
		if (!list)
			zone_id(c, g, &v[i], written);
		r = conf_object(c, g, list ? zone_list_keys : zone_group_keys,
				list ? ARRAY_SIZE(zone_list_keys) : ARRAY_SIZE(zone_group_keys),
				&v[i]);
		if (r < 0)
			return r;
		zone_uplinks(c, g, &v[i]);
		if (!v[i].label && written && !(v[i].label = policy_strdup(c->p, written)))
			return -ENOMEM;
	}
	c->p->zones = v;
	c->p->n_zones = n;
	return conf_dups(c, &zone_kind, sec, v, n);
}

/* ---------------------------------------------------------------------------------------- */
/* Segments, hosts, groups */

static const struct conf_key segment_keys[] = {
	{ "name",	k_name,		OFF(segment, name), 0, K_REQ },
	{ "zone",	k_ref,		OFF(segment, zone_name), 0, K_REQ },
	{ "link",	k_link,		OFF(segment, link), 0, K_REQ },
	{ "interface",	k_ifname,	OFF(segment, iface), 0, K_REQ },
	{ "networks",	k_prefixes,	OFF(segment, nets),
					OFF(segment, n_nets), K_REQ },
};

static void segment_init(void *obj)
{
	((struct segment *)obj)->zone = -1;
}

static int k_mac(struct conf *c, const config_setting_t *s, void *obj, const struct conf_key *k)
{
	struct host *h = obj;
	const char *v = conf_str(c, s, POLICY_NAME_MAX - 1, STR_NAME);
	char q[CONF_QUOTE_MAX];
	static const uint8_t zero[6];

	(void)k;
	if (!v)
		return -EINVAL;
	if (policy_mac_parse(v, h->mac) < 0) {
		CONF_ERR(c, s, "mac: '%s' is not a MAC address like 02:00:00:00:10:05",
			 "mac: '%s' は MAC アドレス (例: 02:00:00:00:10:05) ではありません", Q(v, q));
		return -EINVAL;
	}
	if ((h->mac[0] & 1) || !memcmp(h->mac, zero, 6)) {
		CONF_ERR(c, s, "mac: '%s' is not a unicast address", "mac: '%s' はユニキャストアドレスではありません",
			 Q(v, q));
		return -EINVAL;
	}
	h->has_mac = true;
	return 0;
}

static int host_ip(struct conf *c, const config_setting_t *s, struct host *h, int family)
{
	const char *key = family == AF_INET ? "ipv4" : "ipv6";
	char q[CONF_QUOTE_MAX];
	struct prefix p;
	const char *v;

	if (conf_prefix(c, s, true, &p) < 0)
		return -EINVAL;
	if (p.family != family) {
		v = config_setting_get_string(s);
		CONF_ERR(c, s, "%s: '%s' is not an %s address", "%s: '%s' は %s アドレスではありません",
			 key, Q(v, q), family == AF_INET ? "IPv4" : "IPv6");
		return -EINVAL;
	}
	if (family == AF_INET) {
		memcpy(h->ip4, p.addr, 4);
		h->has4 = true;
	} else {
		memcpy(h->ip6, p.addr, 16);
		h->has6 = true;
	}
	return 0;
}

static int k_ipv4(struct conf *c, const config_setting_t *s, void *obj, const struct conf_key *k)
{
	(void)k;
	return host_ip(c, s, obj, AF_INET);
}

static int k_ipv6(struct conf *c, const config_setting_t *s, void *obj, const struct conf_key *k)
{
	(void)k;
	return host_ip(c, s, obj, AF_INET6);
}

static const struct conf_key host_keys[] = {
	{ "name",		k_name,		OFF(host, name), 0, K_REQ },
	{ "zone",		k_ref,		OFF(host, zone_name), 0, K_REQ },
	{ "mac",		k_mac,		0, 0, 0 },
	{ "ipv4",		k_ipv4,		0, 0, 0 },
	{ "ipv6",		k_ipv6,		0, 0, 0 },
	{ "internet_connected",	k_tristate,	OFF(host, internet_connected), 0, 0 },
	{ "asset",		k_ignore,	0, 0, 0 },
	{ "owner",		k_ignore,	0, 0, 0 },
};

static void host_init(void *obj)
{
	struct host *h = obj;

	h->zone = -1;
	h->internet_connected = -1;
}

static int host_check(struct conf *c, const config_setting_t *g, void *obj)
{
	struct host *h = obj;
	const config_setting_t *ic = config_setting_get_member(g, "internet_connected");

	if (ic)
		h->ic_line = config_setting_source_line(ic);
	if (!h->has4 && !h->has6 && !config_setting_get_member(g, "ipv4") &&
	    !config_setting_get_member(g, "ipv6"))
		CONF_ERR(c, g, "needs an address: ipv4, ipv6 or both",
			 "アドレス (ipv4、ipv6 またはその両方) が必要です");
	return 0;
}

/* A member that looks like an address is a prefix; anything else names a host. */
static bool looks_like_address(const char *s)
{
	return strchr(s, '/') || strchr(s, ':') || strspn(s, "0123456789.") == strlen(s);
}

static int k_members(struct conf *c, const config_setting_t *s, void *obj,
		     const struct conf_key *k)
{
	struct group *g = obj;
	struct member *v;
	int n, i;

	(void)k;
	n = conf_seq(c, s, 1, POLICY_OBJECTS_MAX);
	if (n < 0)
		return n;
	v = policy_alloc(c->p, (size_t)n * sizeof(*v));
	if (!v)
		return -ENOMEM;
	g->members = v;
	for (i = 0; i < n; i++) {
		const config_setting_t *el = config_setting_get_elem(s, (unsigned int)i);
		struct member *m = &g->members[g->n_members];
		const char *name = conf_str(c, el, POLICY_NAME_MAX - 1, STR_NAME);

		if (!name)
			continue;
		m->host = -1;
		if (looks_like_address(name)) {
			if (conf_prefix(c, el, false, &m->pfx) < 0)
				continue;
			m->kind = MEMBER_PREFIX;
		} else {
			char buf[POLICY_NAME_MAX];

			m->kind = MEMBER_HOST;
			m->name = policy_strdup(c->p, conf_name(name, buf, sizeof(buf)));
			if (!m->name)
				return -ENOMEM;
		}
		g->n_members++;
	}
	return 0;
}

static const struct conf_key group_keys[] = {
	{ "name",	k_name,		OFF(group, name), 0, K_REQ },
	{ "members",	k_members,	0, 0, K_REQ },
};

static void group_init(void *obj)
{
	((struct group *)obj)->zone = -1;
}

/* ---------------------------------------------------------------------------------------- */
/* Flows, exceptions */

static const struct conf_key flow_keys[] = {
	{ "name",	k_name,		OFF(flow, name), 0, K_REQ },
	{ "class",	k_class,	OFF(flow, cls), 0, K_REQ },
	{ "method",	k_method,	OFF(flow, method), 0, 0 },
	{ "from",	k_endpoint,	OFF(flow, from), 0, K_REQ },
	{ "to",		k_endpoint,	OFF(flow, to), 0, K_REQ },
	{ "proto",	k_proto,	OFF(flow, proto), 0, K_REQ },
	{ "ports",	k_ports,	OFF(flow, ports), OFF(flow, n_ports), 0 },
	{ "approval",	k_name,		OFF(flow, approval), 0, 0 },
	{ "purpose",	k_text,		OFF(flow, purpose), 0, 0 },
	{ "authority",	k_text,		OFF(flow, authority), 0, 0 },
	{ "comment",	k_text,		OFF(flow, comment), 0, 0 },
	{ "verdict",	k_verdict,	OFF(flow, verdict), 0, 0 },
};

static void flow_init(void *obj)
{
	struct flow *f = obj;

	f->cls = FLOW_CLASS_MAX;		/* unknown until parsed: no follow-on errors */
	f->from.idx = f->to.idx = -1;
	f->from.zone = f->to.zone = -1;
}

static int flow_check(struct conf *c, const config_setting_t *g, void *obj)
{
	struct flow *f = obj;

	check_ports(c, g, f->proto, f->n_ports);
	if (f->cls == FLOW_SANITISED_RELAY && f->method == METHOD_NONE &&
	    !config_setting_get_member(g, "method"))
		CONF_ERR(c, g,
			 "class 'sanitised-relay' needs a method: mail-text, screen-transfer or file-sanitise",
			 "class 'sanitised-relay' には method (mail-text, screen-transfer, file-sanitise) が必要です");
	if (f->cls != FLOW_SANITISED_RELAY && f->cls != FLOW_CLASS_MAX &&
	    config_setting_get_member(g, "method"))
		CONF_ERR(c, config_setting_get_member(g, "method"),
			 "method: only flows of class 'sanitised-relay' have a method (class is '%s')",
			 "method: method を指定できるのは class 'sanitised-relay' のフローだけです (class は '%s')",
			 policy_class_name(f->cls));
	if (f->cls == FLOW_CLASS_MAX)
		f->cls = FLOW_PEER;
	return 0;
}

static const struct conf_key exception_keys[] = {
	{ "id",			k_name,		OFF(exception, id), 0, K_REQ },
	{ "from",		k_endpoint,	OFF(exception, from), 0, K_REQ },
	{ "to",			k_endpoint,	OFF(exception, to), 0, K_REQ },
	{ "proto",		k_proto,	OFF(exception, proto), 0, K_REQ },
	{ "ports",		k_ports,	OFF(exception, ports),
						OFF(exception, n_ports), 0 },
	{ "reason",		k_text,		OFF(exception, reason), 0, K_REQ },
	{ "requested_by",	k_name,		OFF(exception, requested_by), 0, K_REQ },
	{ "approved_by",	k_name,		OFF(exception, approved_by), 0, K_REQ },
	{ "expires",		k_time,		OFF(exception, expires),
						OFF(exception, expires_text), K_REQ },
};

static void exception_init(void *obj)
{
	struct exception *e = obj;

	e->from.idx = e->to.idx = -1;
	e->from.zone = e->to.zone = -1;
}

static int exception_check(struct conf *c, const config_setting_t *g, void *obj)
{
	struct exception *e = obj;

	check_ports(c, g, e->proto, e->n_ports);
	return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* Breakout */

/* A DNS name pattern (namepat.h): labels of 1-63 [a-z0-9-] not starting or ending with '-',
 * at most 253 characters, at most one '*' as namepat_valid() allows. Lowercased in place. */
static bool fqdn_valid(char *s)
{
	char *p;

	if (strlen(s) > CONF_FQDN_MAX + (strncmp(s, "*.", 2) ? 0 : 2))
		return false;
	for (p = s; *p; p++)
		*p = (char)lower((unsigned char)*p);
	return namepat_valid(s, NULL);
}

static int k_fqdns(struct conf *c, const config_setting_t *s, void *obj, const struct conf_key *k)
{
	struct service *svc = obj;
	char q[CONF_QUOTE_MAX], w[96];
	int n, i;

	(void)k;
	n = conf_seq(c, s, 1, POLICY_OBJECTS_MAX);
	if (n < 0)
		return n;
	svc->fqdns = policy_alloc(c->p, (size_t)n * sizeof(*svc->fqdns));
	if (!svc->fqdns)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		const config_setting_t *el = config_setting_get_elem(s, (unsigned int)i);
		const char *v = conf_str(c, el, CONF_FQDN_MAX + 2, STR_NAME);
		char *d;

		if (!v)
			continue;
		d = policy_strdup(c->p, v);
		if (!d)
			return -ENOMEM;
		if (!fqdn_valid(d)) {
			CONF_ERR(c, el, "%s: '%s' is not a DNS name (labels of a-z 0-9 -; one '*': a leading \"*.\", inside the first label or a whole middle label, followed by at least two labels)",
				 "%s: '%s' は DNS 名ではありません (a-z 0-9 - のラベル。'*' は 1 つだけ: 先頭の \"*.\"、最初のラベルの中、または中間のラベル全体。その後に 2 つ以上のラベルが必要)",
				 conf_what(el, w, sizeof(w)), Q(v, q));
			continue;
		}
		svc->fqdns[svc->n_fqdns++] = d;
	}
	return 0;
}

static const struct conf_key service_keys[] = {
	{ "name",		k_name,		OFF(service, name), 0, K_REQ },
	{ "type",		k_svctype,	OFF(service, type), 0, 0 },
	{ "ismap",		k_name,		OFF(service, ismap), 0, 0 },
	{ "ismap_valid_until",	k_date,		OFF(service, ismap_valid_until),
						OFF(service, ismap_valid_text), 0 },
	{ "fqdns",		k_fqdns,	0, 0, 0 },
	{ "prefixes",		k_prefixes,	OFF(service, prefixes),
						OFF(service, n_prefixes), 0 },
	{ "ports",		k_ports,	OFF(service, ports),
						OFF(service, n_ports), 0 },
	{ "match",		k_match,	OFF(service, match), 0, 0 },
	{ "approval",		k_name,		OFF(service, approval), 0, 0 },
	{ "handles_admin_docs",	k_tristate,	OFF(service, handles_admin_docs), 0, 0 },
	{ "tls",		k_tls,		OFF(service, tls_required), 0, 0 },
	{ "psl_override",	k_text,		OFF(service, psl_override), 0, 0 },
};

static void service_init(void *obj)
{
	struct service *s = obj;

	s->handles_admin_docs = -1;
	s->match = MATCH_DNS_SNI;
	s->type = SVC_CLOUD;
}

static int service_check(struct conf *c, const config_setting_t *g, void *obj)
{
	struct service *s = obj;

	if (!config_setting_get_member(g, "ports")) {
		s->ports = policy_alloc(c->p, sizeof(*s->ports));
		if (!s->ports)
			return -ENOMEM;
		s->ports[0].lo = s->ports[0].hi = CONF_DEFAULT_PORT;
		s->n_ports = 1;
	}
	if (s->match == MATCH_IP && !config_setting_get_member(g, "prefixes"))
		CONF_ERR(c, g, "match 'ip' needs prefixes", "match 'ip' には prefixes が必要です");
	if (s->match != MATCH_IP && !config_setting_get_member(g, "fqdns"))
		CONF_ERR(c, g, "match '%s' needs fqdns", "match '%s' には fqdns が必要です",
			 policy_match_name(s->match));
	return 0;
}

static const struct conf_kind service_kind = {
	.section = "services", .kind = "service", .kind_ja = "サービス", .id_key = "name",
	.size = sizeof(struct service), .name_off = OFF(service, name),
	.loc_off = OFF(service, loc), .keys = service_keys,
	.n_keys = ARRAY_SIZE(service_keys), .max = POLICY_OBJECTS_MAX,
	.init = service_init, .check = service_check,
};

static int k_bfrom(struct conf *c, const config_setting_t *s, void *obj, const struct conf_key *k)
{
	struct breakout *b = obj;
	int n, i;

	(void)k;
	n = conf_seq(c, s, 1, POLICY_ZONES_MAX);
	if (n < 0)
		return n;
	b->from_names = policy_alloc(c->p, (size_t)n * sizeof(*b->from_names));
	b->from = policy_alloc(c->p, (size_t)n * sizeof(*b->from));
	b->from_group = policy_alloc(c->p, (size_t)n * sizeof(*b->from_group));
	if (!b->from_names || !b->from || !b->from_group)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		const char *v = conf_str(c, config_setting_get_elem(s, (unsigned int)i),
					 POLICY_NAME_MAX - 1, STR_NAME);

		if (!v)
			continue;
		b->from_names[b->n_from] = policy_strdup(c->p, v);
		if (!b->from_names[b->n_from])
			return -ENOMEM;
		b->from_group[b->n_from] = -1;
		b->from[b->n_from++] = -1;
	}
	return 0;
}

static int k_services(struct conf *c, const config_setting_t *s, void *obj,
		      const struct conf_key *k)
{
	struct breakout *b = obj;
	void *base = NULL;
	int r;

	(void)k;
	r = conf_objects(c, s, &service_kind, &base, &b->n_services);
	b->services = base;
	conf_obj(c, "breakout", "ブレイクアウト", NULL, -1);
	c->obj[0] = '\0';
	return r;
}

static const struct conf_key breakout_keys[] = {
	{ "from",	k_bfrom,	0, 0, K_REQ },
	{ "resolvers",	k_addrs,	OFF(breakout, resolvers),
					OFF(breakout, n_resolvers), 0 },
	{ "upstreams",	k_addrs,	OFF(breakout, upstreams),
					OFF(breakout, n_upstreams), 0 },
	{ "dns_floor",	k_dns_floor,	OFF(breakout, dns_floor), 0, 0 },
	{ "dns_grace",	k_dns_grace,	OFF(breakout, dns_grace), 0, 0 },
	{ "dns_ttl_max", k_dns_ttl_max,	OFF(breakout, dns_ttl_max), 0, 0 },
	{ "dns_max",	k_dns_max,	OFF(breakout, dns_max), 0, 0 },
	{ "ech",	k_ech,		OFF(breakout, ech), 0, 0 },
	{ "port_span_max", k_port_span_max, OFF(breakout, port_span_max), 0, 0 },
	{ "services",	k_services,	0, 0, K_REQ },
};

/* ---------------------------------------------------------------------------------------- */
/* Engine */

/* "from>to": one '>' between two zone names (spaces around it are dropped). */
static bool pair_valid(const char *s)
{
	const char *gt = strchr(s, '>');
	size_t a;

	if (!gt || strchr(gt + 1, '>'))
		return false;
	for (a = (size_t)(gt - s); a > 0 && s[a - 1] == ' '; a--)
		;
	return a > 0 && gt[1 + strspn(gt + 1, " ")] != '\0';
}

static int k_fail_open(struct conf *c, const config_setting_t *s, void *obj,
		       const struct conf_key *k)
{
	struct engine_conf *e = obj;
	char q[CONF_QUOTE_MAX], w[96];
	size_t sz;
	int n, i;

	(void)k;
	n = conf_seq(c, s, 0, POLICY_ZONES_MAX * POLICY_ZONES_MAX);
	if (n < 0)
		return n;
	sz = (size_t)(n ? n : 1);
	e->fail_open = policy_alloc(c->p, sz * sizeof(*e->fail_open));
	e->fail_open_from = policy_alloc(c->p, sz * sizeof(*e->fail_open_from));
	e->fail_open_to = policy_alloc(c->p, sz * sizeof(*e->fail_open_to));
	if (!e->fail_open || !e->fail_open_from || !e->fail_open_to)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		const config_setting_t *el = config_setting_get_elem(s, (unsigned int)i);
		const char *v = conf_str(c, el, 2 * POLICY_NAME_MAX, STR_NAME);

		if (!v)
			continue;
		if (!pair_valid(v)) {
			CONF_ERR(c, el, "%s: '%s' is not a zone pair \"from>to\" such as \"lgwan>dmz\"",
				 "%s: '%s' はゾーンの組 \"from>to\" (例: \"lgwan>dmz\") ではありません",
				 conf_what(el, w, sizeof(w)), Q(v, q));
			continue;
		}
		e->fail_open[e->n_fail_open] = policy_strdup(c->p, v);
		if (!e->fail_open[e->n_fail_open])
			return -ENOMEM;
		e->fail_open_from[e->n_fail_open] = -1;
		e->fail_open_to[e->n_fail_open++] = -1;
	}
	return 0;
}

static const struct conf_key engine_keys[] = {
	{ "queues",		k_queues,	OFF(engine_conf, queues), 0, 0 },
	{ "queue_base",		k_queue_base,	OFF(engine_conf, queue_base), 0, 0 },
	{ "queue_maxlen",	k_queue_maxlen,	OFF(engine_conf, queue_maxlen), 0, 0 },
	{ "fail_open",		k_fail_open,	0, 0, 0 },
	{ "source_quota",	k_source_quota,	OFF(engine_conf, source_quota), 0, 0 },
};

/* ---------------------------------------------------------------------------------------- */
/* Limits (denial of service, R44) */

INT_KEY(k_lim_rate, 0, LIMITS_VALUE_MAX)
INT_KEY(k_lim_burst, 1, LIMITS_VALUE_MAX)
INT_KEY(k_lim_count, 0, LIMITS_VALUE_MAX)

/* A fraction in (0, 1]: a float, or the integer 1. */
static int k_ct_warn(struct conf *c, const config_setting_t *s, void *obj,
		     const struct conf_key *k)
{
	int t = config_setting_type(s);
	double v;

	if (t != CONFIG_TYPE_FLOAT && t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64) {
		conf_type_err(c, s, "a number", "数値");
		return -EINVAL;
	}
	v = t == CONFIG_TYPE_FLOAT ? config_setting_get_float(s) :
		(double)config_setting_get_int64(s);
	if (!(v > 0.0 && v <= 1.0)) {
		CONF_ERR(c, s, "conntrack_warn: %g is not a fraction of nf_conntrack_max above 0 and at most 1 (e.g. 0.8)",
			 "conntrack_warn: %g は nf_conntrack_max に対する 0 より大きく 1 以下の割合ではありません (例: 0.8)",
			 v);
		return -EINVAL;
	}
	*AT(obj, k->off, double) = v;
	return 0;
}

/* "from>to" naming two declared zones (zones are read before this section). */
static int k_lim_pair(struct conf *c, const config_setting_t *s, void *obj,
		      const struct conf_key *k)
{
	struct limit_pair *x = obj;
	const char *v = conf_str(c, s, 2 * POLICY_NAME_MAX, STR_NAME);
	char a[2 * POLICY_NAME_MAX + 1], q[CONF_QUOTE_MAX];
	const char *b;
	size_t n;

	(void)k;
	if (!v)
		return -EINVAL;
	if (!pair_valid(v)) {
		CONF_ERR(c, s, "pair: '%s' is not a zone pair \"from>to\" such as \"internet>dmz\"",
			 "pair: '%s' はゾーンの組 \"from>to\" (例: \"internet>dmz\") ではありません",
			 Q(v, q));
		return -EINVAL;
	}
	b = strchr(v, '>');
	for (n = (size_t)(b - v); n > 0 && v[n - 1] == ' '; n--)
		;
	memcpy(a, v, n);
	a[n] = '\0';
	b += 1 + strspn(b + 1, " ");
	x->from = policy_zone_find(c->p, a);
	x->to = policy_zone_find(c->p, b);
	if (x->from < 0 || x->to < 0) {
		CONF_ERR(c, s, "pair '%s': unknown zone '%s'", "pair '%s': ゾーン '%s' は宣言されていません",
			 Q(v, q), x->from < 0 ? a : b);
		return -EINVAL;
	}
	x->pair = policy_strdup(c->p, v);
	return x->pair ? 0 : -ENOMEM;
}

static const struct conf_key lim_pair_keys[] = {
	{ "pair",	k_lim_pair,	0, 0, K_REQ },
	{ "rate",	k_lim_rate,	OFF(limit_pair, l.rate), 0, 0 },
	{ "burst",	k_lim_burst,	OFF(limit_pair, l.burst), 0, 0 },
	{ "ct_count",	k_lim_count,	OFF(limit_pair, l.ct_count), 0, 0 },
};

/* Keys not given (-1) come from d; a burst not given is twice the rate given with it. */
static void lim_inherit(struct pair_limits *l, const struct pair_limits *d)
{
	if (l->burst < 0 && l->rate > 0)
		l->burst = 2 * l->rate < LIMITS_VALUE_MAX ? 2 * l->rate : LIMITS_VALUE_MAX;
	if (l->rate < 0)
		l->rate = d->rate;
	if (l->burst < 0)
		l->burst = d->burst;
	if (l->ct_count < 0)
		l->ct_count = d->ct_count;
}

static int lim_pair_add(struct conf *c, const config_setting_t *g, struct limits_conf *lc)
{
	struct limit_pair x = { .from = -1, .to = -1, .l = { -1, -1, -1 } };
	int i, errors = c->errors, r;

	x.line = config_setting_source_line(g);
	r = conf_object(c, g, lim_pair_keys, ARRAY_SIZE(lim_pair_keys), &x);
	if (r < 0 || c->errors > errors || !x.pair)
		return r;
	for (i = 0; i < lc->n_pairs; i++) {
		if (lc->pairs[i].from == x.from && lc->pairs[i].to == x.to) {
			CONF_ERR(c, g, "pair '%s' is listed twice (also line %d)",
				 "pair '%s' が二度指定されています (%d 行目にも)", x.pair,
				 lc->pairs[i].line);
			return 0;
		}
	}
	lc->pairs[lc->n_pairs++] = x;
	return 0;
}

static int k_lim_pairs(struct conf *c, const config_setting_t *s, void *obj,
		       const struct conf_key *k)
{
	struct limits_conf *lc = obj;
	int n, i, r = 0;

	(void)k;
	n = conf_seq(c, s, 0, POLICY_ZONES_MAX * POLICY_ZONES_MAX);
	if (n < 0)
		return n;
	lc->pairs = policy_alloc(c->p, (size_t)(n ? n : 1) * sizeof(*lc->pairs));
	if (!lc->pairs)
		return -ENOMEM;
	for (i = 0; i < n && r >= 0; i++)
		r = lim_pair_add(c, config_setting_get_elem(s, (unsigned int)i), lc);
	return r;
}

static const struct conf_key limits_keys[] = {
	{ "rate",		k_lim_rate,	OFF(limits_conf, dflt.rate), 0, 0 },
	{ "burst",		k_lim_burst,	OFF(limits_conf, dflt.burst), 0, 0 },
	{ "ct_count",		k_lim_count,	OFF(limits_conf, dflt.ct_count), 0, 0 },
	{ "conntrack_warn",	k_ct_warn,	OFF(limits_conf, conntrack_warn), 0, 0 },
	{ "pairs",		k_lim_pairs,	0, 0, 0 },
};

/* ---------------------------------------------------------------------------------------- */
/* High availability (R99, R102) */

INT_KEY(k_ha_port, 1, 65535)

/* The sync addresses of both gateways: two distinct addresses of one family. */
static int k_ha_nodes(struct conf *c, const config_setting_t *s, void *obj,
		      const struct conf_key *k)
{
	struct ha_conf *h = obj;
	int r = prefixes(c, s, obj, k, true);

	if (r < 0)
		return r;
	if (h->n_nodes != HA_NODES) {
		CONF_ERR(c, s, "nodes: %d addresses; give the sync addresses of both gateways (2)",
			 "nodes: アドレスが %d 個です。両ゲートウェイの同期用アドレス (2 個) を指定してください",
			 h->n_nodes);
		return -EINVAL;
	}
	if (h->nodes[0].family != h->nodes[1].family ||
	    !memcmp(h->nodes[0].addr, h->nodes[1].addr, sizeof(h->nodes[0].addr))) {
		CONF_ERR(c, s, "nodes: the two addresses must differ and be of one family (IPv4 or IPv6)",
			 "nodes: 二つのアドレスは異なり、同じアドレス族 (IPv4 または IPv6) である必要があります");
		return -EINVAL;
	}
	return 0;
}

static const struct conf_key ha_keys[] = {
	{ "sync_interface",	k_ifname,	OFF(ha_conf, sync_if), 0, K_REQ },
	{ "nodes",		k_ha_nodes,	OFF(ha_conf, nodes), OFF(ha_conf, n_nodes), K_REQ },
	{ "conntrackd_port",	k_ha_port,	OFF(ha_conf, conntrackd_port), 0, 0 },
	{ "sync_port",		k_ha_port,	OFF(ha_conf, sync_port), 0, 0 },
};

/* ---------------------------------------------------------------------------------------- */
/* Alerts (R93, R97): syslog collectors and a command, besides the journal */

INT_KEY(k_cmd_timeout, 1, 3600)
INT_KEY(k_alert_rate, 1, 10000)

/* syslog = ["udp://10.20.0.60:514", "tcp://[2001:db8::60]:6514"]: literal addresses. The
 * error points at the key (an element has no column of its own). */
static int k_syslog(struct conf *c, const config_setting_t *s, void *obj,
		    const struct conf_key *k)
{
	struct alerts_conf *a = obj;
	char q[CONF_QUOTE_MAX];
	struct alert_url u;
	const char *why;
	int n, i;

	(void)k;
	n = conf_seq(c, s, 0, 8);
	if (n < 0)
		return n;
	a->syslog = policy_alloc(c->p, (size_t)(n ? n : 1) * sizeof(*a->syslog));
	if (!a->syslog)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		const char *v = conf_str(c, config_setting_get_elem(s, (unsigned int)i), 256, STR_NAME);

		if (!v)
			continue;
		if (alertfmt_url_parse(v, &u, &why) < 0) {
			CONF_ERR(c, s, "syslog: '%s' is not a collector: %s",
				 "syslog: '%s' は収集先として正しくありません: %s (例: \"udp://10.20.0.60:514\"、\"tcp://[2001:db8::60]:6514\"。アドレスは名前ではなく IP アドレスで書きます)",
				 Q(v, q), why);
			continue;
		}
		a->syslog[a->n_syslog] = policy_strdup(c->p, v);
		if (!a->syslog[a->n_syslog++])
			return -ENOMEM;
	}
	return 0;
}

/* command = "/usr/lib/sanso/notify-mail": absolute, run without a shell. */
static int k_command(struct conf *c, const config_setting_t *s, void *obj,
		     const struct conf_key *k)
{
	const char *v = conf_str(c, s, 1024, STR_NAME);
	char q[CONF_QUOTE_MAX];

	if (!v)
		return -EINVAL;
	if (v[0] != '/') {
		CONF_ERR(c, s, "command: '%s' is not an absolute path; it is run without a shell "
			 "and without a search path, e.g. \"/usr/lib/sanso/notify-mail\"",
			 "command: '%s' は絶対パスではありません。シェルも検索パスも使わずに実行します (例: \"/usr/lib/sanso/notify-mail\")",
			 Q(v, q));
		return -EINVAL;
	}
	*AT(obj, k->off, char *) = policy_strdup(c->p, v);
	return *AT(obj, k->off, char *) ? 0 : -ENOMEM;
}

static const struct conf_key alerts_keys[] = {
	{ "syslog",		k_syslog,	0, 0, 0 },
	{ "command",		k_command,	OFF(alerts_conf, command), 0, 0 },
	{ "command_timeout",	k_cmd_timeout,	OFF(alerts_conf, command_timeout), 0, 0 },
	{ "rate",		k_alert_rate,	OFF(alerts_conf, rate), 0, 0 },
};

/* ---------------------------------------------------------------------------------------- */
/* Sections */

INT_KEY(k_ttl_days, 1, 365)
INT_KEY(k_keep_versions, 2, 1000000)
INT_KEY(k_keep_days, 1, 36500)

/* policy.changes: "two-person" (the default) or "single". */
static int k_changes(struct conf *c, const config_setting_t *s, void *obj,
		     const struct conf_key *k)
{
	const char *v = conf_str(c, s, POLICY_NAME_MAX - 1, STR_NAME);

	if (!v)
		return -EINVAL;
	if (strcmp(v, "two-person") && strcmp(v, "single"))
		return enum_err(c, s, v, "two-person, single");
	*AT(obj, k->off, bool) = !strcmp(v, "single");
	return 0;
}

static const struct conf_key policy_keys[] = {
	{ "organisation",	k_text,		OFF(policy, organisation), 0, K_REQ },
	{ "document",		k_text,		OFF(policy, document), 0, 0 },
	{ "classification",	k_text,		OFF(policy, classification), 0, 0 },
	{ "model",		k_model,	OFF(policy, model), 0, K_REQ },
	{ "exception_max_days",	k_exc_days,	OFF(policy, exception_max_days), 0, 0 },
	{ "verify",		k_verify,	OFF(policy, verify_prove), 0, 0 },
	{ "changes",		k_changes,	OFF(policy, changes.single), 0, 0 },
	{ "proposal_ttl_days",	k_ttl_days,	OFF(policy, changes.proposal_ttl_days), 0, 0 },
	{ "keep_versions",	k_keep_versions, OFF(policy, changes.keep_versions), 0, 0 },
	{ "keep_days",		k_keep_days,	OFF(policy, changes.keep_days), 0, 0 },
};

static int sec_policy(struct conf *c, const config_setting_t *s)
{
	conf_obj(c, "policy", "ポリシー", NULL, -1);
	c->obj[0] = '\0';
	return conf_object(c, s, policy_keys, ARRAY_SIZE(policy_keys), c->p);
}

static int sec_breakout(struct conf *c, const config_setting_t *s)
{
	conf_obj(c, "breakout", "ブレイクアウト", NULL, -1);
	c->obj[0] = '\0';
	c->p->breakout.loc.line = config_setting_source_line(s);
	return conf_object(c, s, breakout_keys, ARRAY_SIZE(breakout_keys), &c->p->breakout);
}

/* The queues queue_base .. queue_base + queues - 1 are NFQUEUE numbers. */
static int sec_engine(struct conf *c, const config_setting_t *s)
{
	struct engine_conf *e = &c->p->engine;
	const config_setting_t *base;
	int r;

	conf_obj(c, "engine", "エンジン", NULL, -1);
	c->obj[0] = '\0';
	e->loc.line = config_setting_source_line(s);
	r = conf_object(c, s, engine_keys, ARRAY_SIZE(engine_keys), e);
	base = config_setting_is_group(s) ? config_setting_get_member(s, "queue_base") : NULL;
	if (r == 0 && base && e->queue_base > CONF_QUEUE_MAX - e->queues &&
	    e->queue_base <= CONF_QUEUE_MAX)
		CONF_ERR(c, base, "queue_base: %d is out of range 0-%d for queues = %d (queue "
			 "numbers end at 65535)",
			 "queue_base: %d は 0-%d の範囲外です (queues = %d のとき。キュー番号は 65535 まで)",
			 e->queue_base, CONF_QUEUE_MAX - e->queues, e->queues);
	return r;
}

/* Pairs inherit what they leave out from the section's own values, and those from the
 * defaults (a burst left out is twice the rate given next to it). */
static int sec_limits(struct conf *c, const config_setting_t *s)
{
	struct limits_conf *l = &c->p->limits;
	const struct pair_limits dflt = l->dflt;
	int i, r;

	conf_obj(c, "limits", "制限", NULL, -1);
	c->obj[0] = '\0';
	l->loc.line = config_setting_source_line(s);
	l->dflt = (struct pair_limits){ -1, -1, -1 };
	r = conf_object(c, s, limits_keys, ARRAY_SIZE(limits_keys), l);
	lim_inherit(&l->dflt, &dflt);
	for (i = 0; i < l->n_pairs; i++)
		lim_inherit(&l->pairs[i].l, &l->dflt);
	return r;
}

INT_KEY(k_log_group, 0, 65535)
INT_KEY(k_log_krate, 1, 100000)
INT_KEY(k_log_lines, 1, 100000)
INT_KEY(k_log_window, 1, 86400)
INT_KEY(k_log_seg_bytes, 4096, 1 << 30)
INT_KEY(k_log_seg_secs, 1, 31 * 86400)
INT_KEY(k_log_retention, 1, 36500)
INT_KEY(k_log_scan, 2, LOGGING_SCAN_MAX)
INT_KEY(k_log_scan_window, 1, 3600)
INT_KEY(k_log_burst, 10, 1000000)
INT_KEY(k_log_burst_window, 1, 3600)

/* logging.on_failure, as sansod --audit-failure for the trail (R85) */
static int on_failure_parse(const char *s, bool *block)
{
	if (strcmp(s, "block-crosszone") && strcmp(s, "alert-only"))
		return -EINVAL;
	*block = !strcmp(s, "block-crosszone");
	return 0;
}

ENUM_KEY(k_log_on_failure, bool, on_failure_parse, "alert-only, block-crosszone")

static const struct conf_key logging_keys[] = {
	{ "group",		k_log_group,	OFF(logging_conf, group), 0, 0 },
	{ "kernel_rate",	k_log_krate,	OFF(logging_conf, kernel_rate), 0, 0 },
	{ "source_lines",	k_log_lines,	OFF(logging_conf, source_lines), 0, 0 },
	{ "source_window",	k_log_window,	OFF(logging_conf, source_window), 0, 0 },
	{ "segment_bytes",	k_log_seg_bytes, OFF(logging_conf, segment_bytes), 0, 0 },
	{ "segment_seconds",	k_log_seg_secs,	OFF(logging_conf, segment_seconds), 0, 0 },
	{ "retention_days",	k_log_retention, OFF(logging_conf, retention_days), 0, 0 },
	{ "scan_ports",		k_log_scan,	OFF(logging_conf, scan_ports), 0, 0 },
	{ "scan_hosts",		k_log_scan,	OFF(logging_conf, scan_hosts), 0, 0 },
	{ "scan_window",	k_log_scan_window, OFF(logging_conf, scan_window), 0, 0 },
	{ "burst_events",	k_log_burst,	OFF(logging_conf, burst_events), 0, 0 },
	{ "burst_window",	k_log_burst_window, OFF(logging_conf, burst_window), 0, 0 },
	{ "on_failure",		k_log_on_failure, OFF(logging_conf, block_on_failure), 0, 0 },
};

/* The flow log (R84-R86): NFLOG group, rates, segments, retention, scans and bursts, what a
 * write failure does. */
static int sec_logging(struct conf *c, const config_setting_t *s)
{
	conf_obj(c, "logging", "ログ", NULL, -1);
	c->obj[0] = '\0';
	c->p->logging.loc.line = config_setting_source_line(s);
	return conf_object(c, s, logging_keys, ARRAY_SIZE(logging_keys), &c->p->logging);
}

static int sec_ha(struct conf *c, const config_setting_t *s)
{
	struct ha_conf *h = &c->p->ha;
	int r;

	conf_obj(c, "ha", "冗長構成", NULL, -1);
	c->obj[0] = '\0';
	h->present = true;
	h->loc.line = config_setting_source_line(s);
	r = conf_object(c, s, ha_keys, ARRAY_SIZE(ha_keys), h);
	if (r == 0 && h->sync_port == h->conntrackd_port)
		CONF_ERR(c, s, "sync_port: %d is conntrackd_port too; give sansod a port of its own",
			 "sync_port: %d は conntrackd_port と同じです。sansod には別のポートを指定してください",
			 h->sync_port);
	return r;
}

static int sec_alerts(struct conf *c, const config_setting_t *s)
{
	struct alerts_conf *a = &c->p->alerts;

	conf_obj(c, "alerts", "警報", NULL, -1);
	c->obj[0] = '\0';
	a->present = true;
	a->loc.line = config_setting_source_line(s);
	return conf_object(c, s, alerts_keys, ARRAY_SIZE(alerts_keys), a);
}

#define LIST_KIND(sec, k, kja, idk, type, kkeys, kinit, kcheck)			\
	{ .section = sec, .kind = k, .kind_ja = kja, .id_key = #idk,			\
	  .size = sizeof(struct type), .name_off = OFF(type, idk),		\
	  .loc_off = OFF(type, loc), .keys = kkeys,				\
	  .n_keys = ARRAY_SIZE(kkeys), .max = POLICY_OBJECTS_MAX, .init = kinit,	\
	  .check = kcheck }

static const struct conf_kind list_kinds[] = {
	LIST_KIND("segments", "segment", "セグメント", name, segment, segment_keys,
		  segment_init, NULL),
	LIST_KIND("hosts", "host", "ホスト", name, host, host_keys, host_init, host_check),
	LIST_KIND("groups", "group", "グループ", name, group, group_keys, group_init, NULL),
	LIST_KIND("flows", "flow", "フロー", name, flow, flow_keys, flow_init, flow_check),
	LIST_KIND("exceptions", "exception", "例外", id, exception, exception_keys,
		  exception_init, exception_check),
};

static const char *const sections[] = {
	"policy", "zones", "segments", "hosts", "groups", "flows", "exceptions", "breakout",
	"engine", "limits", "ha", "logging", "alerts",
};

static int conf_section(struct conf *c, const config_setting_t *s, size_t idx)
{
	struct policy *p = c->p;
	void *base = NULL;
	int r = 0, n = 0;

	if (idx == 0)
		return sec_policy(c, s);
	if (idx == 1)
		return conf_zones(c, s);
	if (idx == 7)
		return sec_breakout(c, s);
	if (idx == 8)
		return sec_engine(c, s);
	if (idx == 9)
		return sec_limits(c, s);
	if (idx == 10)
		return sec_ha(c, s);
	if (idx == 11)
		return sec_logging(c, s);
	if (idx == 12)
		return sec_alerts(c, s);
	r = conf_objects(c, s, &list_kinds[idx - 2], &base, &n);
	if (!base)
		n = 0;
	switch (idx) {
	case 2:
		p->segments = base;
		p->n_segments = n;
		break;
	case 3:
		p->hosts = base;
		p->n_hosts = n;
		break;
	case 4:
		p->groups = base;
		p->n_groups = n;
		break;
	case 5:
		p->flows = base;
		p->n_flows = n;
		break;
	default:
		p->exceptions = base;
		p->n_exceptions = n;
		break;
	}
	return r;
}

static int conf_root(struct conf *c, const config_setting_t *root)
{
	const config_setting_t *found[ARRAY_SIZE(sections)] = { NULL };
	int n, i, r;
	size_t j;

	conf_obj(c, "config", "設定", NULL, -1);
	c->obj[0] = '\0';
	n = config_setting_length(root);
	for (i = 0; i < n; i++) {
		const config_setting_t *s = config_setting_get_elem(root, (unsigned int)i);
		const char *name = config_setting_name(s);

		for (j = 0; j < ARRAY_SIZE(sections) && strcmp(name, sections[j]); j++)
			;
		if (j == ARRAY_SIZE(sections)) {
			unknown_err(c, s, "section", name, sections, ARRAY_SIZE(sections));
			continue;
		}
		found[j] = s;
	}
	for (j = 0; j < ARRAY_SIZE(sections); j++) {
		conf_obj(c, "config", "設定", NULL, -1);
		c->obj[0] = '\0';
		if (!found[j]) {
			if (j <= 1)
				CONF_ERR(c, NULL, "missing required section '%s'",
					 "必須のセクション '%s' がありません", sections[j]);
			continue;
		}
		r = conf_section(c, found[j], j);
		if (r < 0)
			return r;
	}
	return 0;
}

/* ---------------------------------------------------------------------------------------- */

static int conf_build(config_t *cfg, const char *name, const char *text, struct policy **ret,
		      struct diag *diag, bool partial)
{
	struct conf c = { .diag = diag, .file = name, .text = text, .drop_bad = partial };
	int r;

	c.p = policy_new(name);
	if (!c.p)
		return -ENOMEM;
	r = conf_root(&c, config_root_setting(cfg));
	if (r == 0 && c.errors && !partial)
		r = -EINVAL;
	if (r < 0) {
		policy_free(c.p);
		return r;
	}
	c.p->psl = psl_default();	/* read once: the wildcard check of policy_validate() */
	*ret = c.p;
	return 0;
}

/* src: the text parsed (NULL: a file): the error gets its column, the line and a hint. */
static void syntax_err(const config_t *cfg, const char *name, const char *src,
		       struct diag *diag)
{
	const char *file = config_error_file(cfg) ? config_error_file(cfg) : name;
	const char *text = config_error_text(cfg) ? config_error_text(cfg) : "unknown error";
	bool plain = !strcmp(text, "syntax error");
	bool mixed = strstr(text, "mismatched element type") != NULL;

	if (src && plain && file == name) {
		confscan_syntax(name, src, config_error_line(cfg), text, diag);
		return;
	}

	diag_add(diag, DIAG_ERROR, file, config_error_line(cfg), "syntax error%s%s%s",
		 plain ? "" : ": ", plain ? "" : text, mixed ?
		 " (an array [ ] holds one type: write mixed values as a list, e.g. ports = (443, \"8000-8080\"))" : "");
	diag_ja(diag, "構文エラー%s%s%s", plain ? "" : ": ", plain ? "" : text, mixed ?
		" (配列 [ ] の要素は同じ型だけです。混在させるときはリストで書きます。例: ports = (443, \"8000-8080\"))" : "");
	if (src && file == name)
		confscan_at(diag, src, config_error_line(cfg), NULL);
}

int conf_load_string(const char *name, const char *text, struct policy **ret,
		     struct diag *diag)
{
	config_t cfg;
	int r;

	text += confscan_bom(text);	/* a UTF-8 byte order mark is accepted */
	if (confscan_pre(name, text, diag) > 0)
		return -EINVAL;		/* libconfig would only say "syntax error" */
	config_init(&cfg);
	config_set_include_dir(&cfg, "/dev/null");	/* text from memory opens no file */
	if (config_read_string(&cfg, text) != CONFIG_TRUE) {
		syntax_err(&cfg, name, text, diag);
		r = -EINVAL;
	} else {
		r = conf_build(&cfg, name, text, ret, diag, false);
	}
	config_destroy(&cfg);
	return r;
}

int conf_load_file(const char *path, struct policy **ret, struct diag *diag)
{
	char *dir = NULL;
	struct stat st;
	config_t cfg;
	FILE *f;
	int r;

	f = fopen(path, "re");
	if (!f) {
		r = -errno;
		goto out_err;
	}
	if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
		fclose(f);
		r = -EISDIR;
		goto out_err;
	}
	config_init(&cfg);
	/* @include "x" is relative to the directory of the main file */
	dir = strdup(path);
	if (!dir) {
		r = -ENOMEM;
		goto out;
	}
	config_set_include_dir(&cfg, dirname(dir));
	if (config_read(&cfg, f) != CONFIG_TRUE) {
		syntax_err(&cfg, path, NULL, diag);
		r = -EINVAL;
	} else {
		r = conf_build(&cfg, path, NULL, ret, diag, false);
	}
out:
	config_destroy(&cfg);
	free(dir);
	fclose(f);
	return r;
out_err:
	diag_add(diag, DIAG_ERROR, path, 0, "cannot read: %s", strerror(-r));
	diag_ja(diag, "読み込めません: %s", strerror(-r));
	return r;
}

void conf_check_partial(const char *name, const char *text, int64_t now, struct diag *diag)
{
	struct policy *p = NULL;
	struct diag scratch, found;
	config_t cfg;
	int i;

	diag_init(&scratch);
	diag_init(&found);
	config_init(&cfg);
	config_set_include_dir(&cfg, "/dev/null");
	text += confscan_bom(text);
	if (confscan_pre(name, text, &scratch) == 0 && config_read_string(&cfg, text) == CONFIG_TRUE &&
	    conf_build(&cfg, name, text, &p, &scratch, true) == 0 && scratch.errors > 0)
		(void)policy_validate(p, now, &found);	/* errors expected: found holds them */
	for (i = 0; i < found.n; i++) {
		const struct diag_entry *e = &found.v[i];

		diag_add(diag, e->sev, e->file, e->line, "%s", e->msg);
		if (e->msg_ja)
			diag_ja(diag, "%s", e->msg_ja);
		if (e->col)
			diag_at(diag, e->col, e->src, e->src ? strlen(e->src) : 0);
	}
	policy_free(p);
	config_destroy(&cfg);
	diag_fini(&found);
	diag_fini(&scratch);
}
