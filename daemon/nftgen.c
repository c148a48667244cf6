/* SPDX-License-Identifier: GPL-2.0-only */
/* nftgen.c: ruleset -> nft syntax; see nftgen.h. Pure: stdio only. */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#include "nftgen.h"

struct buf {
	char *p;
	size_t len, off;
	bool full;
};

static void bput(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void bput(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->full)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->p + b->off, b->len - b->off, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= b->len - b->off)
		b->full = true;
	else
		b->off += (size_t)n;
}

static const char *proto_name(uint8_t p)
{
	switch (p) {
	case 1: return "icmp";
	case 6: return "tcp";
	case 17: return "udp";
	case 47: return "gre";
	case 50: return "esp";
	case 51: return "ah";
	case 58: return "ipv6-icmp";
	case 132: return "sctp";
	default: return NULL;
	}
}

static const char *icmp6_name(uint8_t t)
{
	switch (t) {
	case 130: return "mld-listener-query";
	case 131: return "mld-listener-report";
	case 132: return "mld-listener-done";
	case 133: return "nd-router-solicit";
	case 134: return "nd-router-advert";
	case 135: return "nd-neighbor-solicit";
	case 136: return "nd-neighbor-advert";
	case 137: return "nd-redirect";
	case 143: return "mld2-listener-report";
	default: return NULL;
	}
}

static int bit_of(const uint8_t *a, int bit)
{
	return (a[bit / 8] >> (7 - bit % 8)) & 1;
}

/* Prefix length if [lo, hi] is exactly one CIDR block, else -1. */
static int cidr_len(const uint8_t *lo, const uint8_t *hi, int alen)
{
	int nbits = alen * 8, len = 0, bit;

	while (len < nbits && bit_of(lo, len) == bit_of(hi, len))
		len++;
	for (bit = len; bit < nbits; bit++) {
		if (bit_of(lo, bit) != 0 || bit_of(hi, bit) != 1)
			return -1;
	}
	return len;
}

static void put_addr(struct buf *b, int family, const uint8_t *lo, const uint8_t *hi)
{
	char s1[INET6_ADDRSTRLEN], s2[INET6_ADDRSTRLEN];
	int alen = family == AF_INET ? 4 : 16, len;

	inet_ntop(family, lo, s1, sizeof(s1));
	if (!memcmp(lo, hi, (size_t)alen)) {
		bput(b, "%s", s1);
		return;
	}
	len = cidr_len(lo, hi, alen);
	if (len >= 0) {
		bput(b, "%s/%d", s1, len);
		return;
	}
	inet_ntop(family, hi, s2, sizeof(s2));
	bput(b, "%s-%s", s1, s2);
}

static uint32_t be16(const uint8_t *p)
{
	return (uint32_t)p[0] << 8 | p[1];
}

static void put_field(struct buf *b, enum ir_field f, const uint8_t *lo, const uint8_t *hi)
{
	const char *n;
	uint32_t v;

	switch (f) {
	case F_IIFNAME:
	case F_OIFNAME:
		bput(b, "\"%.16s\"", (const char *)lo);
		break;
	case F_ETHER_SADDR:
		bput(b, "%02x:%02x:%02x:%02x:%02x:%02x", lo[0], lo[1], lo[2], lo[3], lo[4], lo[5]);
		break;
	case F_IP_SADDR:
	case F_IP_DADDR:
		put_addr(b, AF_INET, lo, hi);
		break;
	case F_IP6_SADDR:
	case F_IP6_DADDR:
		put_addr(b, AF_INET6, lo, hi);
		break;
	case F_L4PROTO:
		n = proto_name(lo[0]);
		if (n)
			bput(b, "%s", n);
		else
			bput(b, "%u", lo[0]);
		break;
	case F_TH_DPORT:
	case F_TH_SPORT:
		bput(b, "%" PRIu32, be16(lo));
		if (be16(hi) != be16(lo))
			bput(b, "-%" PRIu32, be16(hi));
		break;
	case F_ICMPV6_TYPE:
		n = icmp6_name(lo[0]);
		if (n)
			bput(b, "%s", n);
		else
			bput(b, "%u", lo[0]);
		break;
	case F_CT_MARK:
		memcpy(&v, lo, 4);
		bput(b, "0x%08" PRIx32, v);
		break;
	case F_CT_DIRECTION:
		bput(b, "%s", lo[0] ? "reply" : "original");
		break;
	default:
		bput(b, "?");
	}
}

int nftgen_elem(const struct ir_set *s, const struct ir_elem *e, char *out, size_t len)
{
	struct buf b = { out, len, 0, false };
	size_t off = 0;
	int i;

	for (i = 0; i < s->n_key; i++) {
		const struct ir_field_info *fi = ir_field(s->key[i]);

		if (i)
			bput(&b, " . ");
		put_field(&b, s->key[i], e->key + off,
			  (s->flags & IR_SET_INTERVAL) ? e->key_end + off : e->key + off);
		off += ((size_t)fi->len + 3) & ~(size_t)3;
	}
	return b.full ? -ENOSPC : (int)b.off;
}

int nftgen_duration(uint64_t ms, char *buf, size_t len)
{
	static const struct { char u; uint64_t s; } units[] = {
		{ 'd', 86400 }, { 'h', 3600 }, { 'm', 60 }, { 's', 1 }
	};
	struct buf b = { buf, len, 0, false };
	uint64_t sec = (ms + 999) / 1000;
	size_t i;

	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (sec >= units[i].s || (!b.off && units[i].u == 's')) {
			bput(&b, "%" PRIu64 "%c", sec / units[i].s, units[i].u);
			sec %= units[i].s;
		}
	}
	return b.full ? -ENOSPC : (int)b.off;
}

static void print_quoted(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++)	/* ir_comment() strings are clean already: this is the last guard */
		fputc(*s == '"' ? '\'' : (unsigned char)*s < 0x20 ? ' ' : *s, out);
	fputc('"', out);
}

static void print_type(FILE *out, const struct ir_set *s)
{
	int i;

	fprintf(out, "\t\ttype ");
	for (i = 0; i < s->n_key; i++)
		fprintf(out, "%s%s", i ? " . " : "", ir_field(s->key[i])->type);
	if (s->data == IR_DATA_MARK)
		fprintf(out, " : mark");
	else if (s->data == IR_DATA_VERDICT)
		fprintf(out, " : verdict");
	fprintf(out, "\n");
}

static void print_flags(FILE *out, uint32_t flags)
{
	const char *sep = "";

	if (!flags)
		return;
	fprintf(out, "\t\tflags ");
	if (flags & IR_SET_CONSTANT) {
		fprintf(out, "constant");
		sep = ",";
	}
	if (flags & IR_SET_INTERVAL) {
		fprintf(out, "%sinterval", sep);
		sep = ",";
	}
	if (flags & IR_SET_TIMEOUT) {
		fprintf(out, "%stimeout", sep);
		sep = ",";
	}
	if (flags & IR_SET_METER)
		fprintf(out, "%sdynamic", sep);
	fprintf(out, "\n");
}

static void print_set(FILE *out, const struct ir_ruleset *rs, const struct ir_set *s)
{
	char key[512];
	int i;

	fprintf(out, "\t%s %s {\n", s->data == IR_DATA_NONE ? "set" : "map", s->name);
	print_type(out, s);
	print_flags(out, s->flags);
	if (ir_set_capacity(s))		/* as nlbatch declares it */
		fprintf(out, "\t\tsize %" PRIu32 "\n", ir_set_capacity(s));
	if (s->timeout_ms)
		fprintf(out, "\t\ttimeout %" PRIu64 "s\n", (s->timeout_ms + 999) / 1000);
	if (s->flags & IR_SET_COUNTER)
		fprintf(out, "\t\tcounter\n");
	if (s->comment[0]) {
		fprintf(out, "\t\tcomment ");
		print_quoted(out, s->comment);
		fprintf(out, "\n");
	}
	for (i = 0; i < s->n_elems; i++) {
		struct ir_elem el;
		const struct ir_elem *e = &el;

		ir_elem_get(s, i, &el);
		if (nftgen_elem(s, e, key, sizeof(key)) < 0)
			continue;
		fprintf(out, i ? ",\n\t\t\t     %s" : "\t\telements = { %s", key);
		if (e->timeout_ms) {
			nftgen_duration(e->timeout_ms, key, sizeof(key));
			fprintf(out, " timeout %s", key);
		}
		if (e->comment) {
			fprintf(out, " comment ");
			print_quoted(out, e->comment);
		}
		if (s->data == IR_DATA_MARK)
			fprintf(out, " : 0x%08" PRIx32, e->data);
		else if (s->data == IR_DATA_VERDICT)
			fprintf(out, " : jump %s", rs->chains[e->data].name);
	}
	if (s->n_elems)
		fprintf(out, " }\n");
	fprintf(out, "\t}\n\n");
}

static void print_fields(FILE *out, const struct ir_stmt *x)
{
	int i;

	for (i = 0; i < x->n_f; i++)
		fprintf(out, "%s%s", i ? " . " : "", ir_field(x->f[i])->nft);
}

static void print_ctstate(FILE *out, uint32_t mask)
{
	static const char *const names[] = { "invalid", "established", "related", "new" };
	const char *sep = "";
	int i;

	fprintf(out, "ct state ");
	for (i = 0; i < 4; i++) {
		if (mask & (1U << i)) {
			fprintf(out, "%s%s", sep, names[i]);
			sep = ",";
		}
	}
}

/* update @m { ip saddr limit rate over ... } / add @m { ip6 saddr & ffff:ffff:ffff:ffff:: ct
 * count over ... }, as nft lists them. */
static void print_meter(FILE *out, const struct ir_ruleset *rs, const struct ir_stmt *x)
{
	uint8_t mask[16] = { 0 };
	char v[INET6_ADDRSTRLEN];
	int i, v6 = x->f[0] == F_IP6_SADDR || x->f[0] == F_IP6_DADDR;

	fprintf(out, "%s @%s { ", x->op == OP_METER_RATE ? "update" : "add", rs->sets[x->set].name);
	print_fields(out, x);
	if (x->plen && x->plen < (v6 ? 128 : 32)) {
		for (i = 0; i < x->plen; i++)
			mask[i / 8] |= (uint8_t)(0x80 >> (i % 8));
		inet_ntop(v6 ? AF_INET6 : AF_INET, mask, v, sizeof(v));
		fprintf(out, " & %s", v);
	}
	if (x->op == OP_METER_RATE)
		fprintf(out, " limit rate over %" PRIu32 "/second burst %" PRIu32 " packets }",
			x->value, x->aux);
	else
		fprintf(out, " ct count over %" PRIu32 " }", x->value);
}

/* The statements that read or write marks: false if x is none of them. */
static bool print_mark(FILE *out, const struct ir_stmt *x)
{
	switch (x->op) {
	case OP_CTMARK_SET:
		fprintf(out, "ct mark set 0x%08" PRIx32, x->value);
		return true;
	case OP_CTMARK_NONZERO:
		fprintf(out, "ct mark != 0x00000000");
		return true;
	case OP_MARK_BIT:
	case OP_CTMARK_BIT:
		fprintf(out, "%s & 0x%08" PRIx32 " %s 0x%08" PRIx32,
			x->op == OP_MARK_BIT ? "meta mark" : "ct mark", x->aux, x->neg ? "!=" : "==",
			x->value);
		return true;
	case OP_CTMARK_FROM_META:
		fprintf(out, "ct mark set meta mark & 0x%08" PRIx32, x->aux);
		return true;
	case OP_META_MARK_SET:
		fprintf(out, "meta mark set 0x%08" PRIx32, x->value);
		return true;
	case OP_META_FROM_CT:
		fprintf(out, "meta mark set ct mark");
		return true;
	default:
		return false;
	}
}

/* Matches, lookups and maps: false if x is none of them. */
static bool print_test(FILE *out, const struct ir_ruleset *rs, const struct ir_stmt *x)
{
	struct buf b;
	char v[128];

	switch (x->op) {
	case OP_MATCH:
		b = (struct buf){ v, sizeof(v), 0, false };
		put_field(&b, x->f[0], x->val, x->val);
		print_fields(out, x);
		fprintf(out, "%s %s", x->neg ? " !=" : "", v);
		return true;
	case OP_PREFIX:
		inet_ntop(x->f[0] == F_IP_SADDR || x->f[0] == F_IP_DADDR ? AF_INET : AF_INET6,
			  x->val, v, sizeof(v));
		print_fields(out, x);
		fprintf(out, " %s/%" PRIu32, v, x->value);
		return true;
	case OP_LOOKUP:
		print_fields(out, x);
		fprintf(out, "%s @%s", x->neg ? " !=" : "", rs->sets[x->set].name);
		return true;
	case OP_CT_STATE:
		print_ctstate(out, x->value);
		return true;
	case OP_CTMARK_MAP:
		fprintf(out, "ct mark set ");
		print_fields(out, x);
		fprintf(out, " map @%s", rs->sets[x->set].name);
		return true;
	case OP_VMAP:
		print_fields(out, x);
		fprintf(out, " vmap @%s", rs->sets[x->set].name);
		return true;
	default:
		return false;
	}
}

/* Counters, limits, logs, meters and verdicts: false if x is none of them. */
static bool print_action(FILE *out, const struct ir_ruleset *rs, const struct ir_stmt *x)
{
	switch (x->op) {
	case OP_COUNTER:
		fprintf(out, "counter");
		return true;
	case OP_LIMIT:
		fprintf(out, "limit rate %" PRIu32 "/second burst %" PRIu32 " packets", x->value,
			x->aux);
		return true;
	case OP_LOG:
		fprintf(out, "log prefix ");
		print_quoted(out, x->str ? x->str : "");
		fprintf(out, " group %" PRIu32, x->value);
		return true;
	case OP_ACCEPT:
		fprintf(out, "accept");
		return true;
	case OP_DROP:
		fprintf(out, "drop");
		return true;
	case OP_JUMP:
		fprintf(out, "jump %s", rs->chains[x->aux].name);
		return true;
	case OP_REJECT_RST:
		fprintf(out, "reject with tcp reset");
		return true;
	case OP_METER_RATE:
	case OP_METER_CONNS:
		print_meter(out, rs, x);
		return true;
	case OP_QUEUE:
		fprintf(out, "queue num %" PRIu32, x->value);
		if (x->aux > 1)
			fprintf(out, "-%" PRIu32, x->value + x->aux - 1);
		if (x->neg)
			fprintf(out, " bypass");
		return true;
	default:
		return false;
	}
}

static void print_stmt(FILE *out, const struct ir_ruleset *rs, const struct ir_stmt *x)
{
	if (!print_test(out, rs, x) && !print_mark(out, x) && !print_action(out, rs, x))
		fprintf(out, "# ?");
}

static const char *const hook_name[IR_HOOK_MAX] = {
	NULL, "prerouting", "input", "forward", "output"
};

static void print_chain(FILE *out, const struct ir_ruleset *rs, const struct ir_chain *ch)
{
	int i, j;

	fprintf(out, "\tchain %s {\n", ch->name);
	if (ch->hook != IR_HOOK_NONE)
		fprintf(out, "\t\ttype filter hook %s priority %d; policy %s;\n",
			hook_name[ch->hook], ch->prio, ch->policy_drop ? "drop" : "accept");
	for (i = 0; i < ch->n_rules; i++) {
		const struct ir_rule *r = &ch->rules[i];

		fprintf(out, "\t\t");
		for (j = 0; j < r->n; j++) {
			if (j)
				fputc(' ', out);
			print_stmt(out, rs, &r->s[j]);
		}
		if (r->comment) {
			fprintf(out, " comment ");
			print_quoted(out, r->comment);
		}
		fputc('\n', out);
	}
	fprintf(out, "\t}\n\n");
}

int nftgen_print(const struct ir_ruleset *rs, FILE *out, bool replace)
{
	int i;

	fprintf(out, "#!/usr/sbin/nft -f\n# generated by sansod: table inet %s\n", IR_TABLE);
	if (replace)
		fprintf(out, "table inet %s\ndelete table inet %s\n", IR_TABLE, IR_TABLE);
	fprintf(out, "table inet %s {\n", IR_TABLE);
	for (i = 0; i < rs->n_sets; i++)
		print_set(out, rs, &rs->sets[i]);
	for (i = 0; i < rs->n_chains; i++)
		print_chain(out, rs, &rs->chains[i]);
	fprintf(out, "}\n");
	return ferror(out) ? -EIO : 0;
}
