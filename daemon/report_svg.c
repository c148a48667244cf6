// SPDX-License-Identifier: GPL-2.0-only
/* report_svg.c: the zone diagram of the auditor's report; see report.h. Zones sit on an
 * ellipse (their order in the policy), one edge per zone pair that anything crosses, labelled
 * by direction with the classes crossing (flow, relay, breakout, exception); a pair the
 * invariants forbid outright is drawn dashed red with a cross. Pure: stdio only. */
#include <stdio.h>
#include <string.h>

#include "report.h"

#define SVG_W		860
#define SVG_H		520
#define NODE_W		180
#define NODE_H		56

struct pt {
	int x, y;
};

/* Here, not in report.c: the diagram is the lower of the two (report.c calls it). */
void report_esc(FILE *out, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", out); break;
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '"': fputs("&quot;", out); break;
		case '\'': fputs("&#39;", out); break;
		default: fputc(*s, out);
		}
	}
}

static const char *const reach_labels[] = { "flow", "relay", "breakout", "exception" };

const char *report_reach_label(uint32_t bit)
{
	if (bit == (1U << FLOW_SANITISED_RELAY) || bit == (1U << FLOW_SCREEN_INTO_MYNUMBER))
		return reach_labels[1];
	if (bit == REACH_BREAKOUT)
		return reach_labels[2];
	if (bit == REACH_EXCEPTION)
		return reach_labels[3];
	return reach_labels[0];
}

const char *report_zone_name(const struct zone *z, bool ja)
{
	const char *role_ja = policy_zone_label_ja(policy_zone_role(z->id));

	if (z->label && *z->label && strcmp(z->label, z->id))
		return z->label;
	return ja && role_ja ? role_ja : z->id;
}

bool report_pair_forbidden(const struct policy *p, int a, int b)
{
	enum zone_role ra = policy_zone_role(p->zones[a].id), rb = policy_zone_role(p->zones[b].id);

	return (ra == ZONE_MYNUMBER && rb == ZONE_INTERNET) ||
	       (ra == ZONE_INTERNET && rb == ZONE_MYNUMBER);
}

#define PI		3.14159265358979323846

/* sin(x) for x in [-2pi, 2pi] by its Taylor series (pixels need no libm). */
static double tsin(double x)
{
	double term, sum;
	int k;

	while (x > PI)
		x -= 2 * PI;
	while (x < -PI)
		x += 2 * PI;
	term = sum = x;
	for (k = 1; k < 12; k++) {
		term *= -x * x / ((2 * k) * (2 * k + 1));
		sum += term;
	}
	return sum;
}

static int round_px(double v)
{
	return (int)(v < 0 ? v - 0.5 : v + 0.5);
}

/* Node centres on an ellipse, the first zone at the top. */
static struct pt node_at(int i, int n)
{
	double a = -PI / 2 + 2 * PI * i / (n ? n : 1);
	struct pt c = { SVG_W / 2, SVG_H / 2 };

	if (n > 1) {
		c.x += round_px(tsin(a + PI / 2) * (SVG_W / 2 - NODE_W / 2 - 20));
		c.y += round_px(tsin(a) * (SVG_H / 2 - NODE_H / 2 - 20));
	}
	return c;
}

/* "flow,relay" of the bits crossing one way, each label once; "" if none. */
static void labels(uint32_t bits, char *buf, size_t len)
{
	bool seen[4] = { false };
	size_t o = 0, k;
	int c;

	buf[0] = '\0';
	for (c = 0; c < 18; c++) {
		uint32_t bit = 1U << c;
		const char *l;

		if (!(bits & bit) || bit == (1U << FLOW_MANAGEMENT))
			continue;
		l = report_reach_label(bit);
		for (k = 0; strcmp(reach_labels[k], l); k++)
			;
		if (seen[k] || o + strlen(l) + 2 >= len)
			continue;
		seen[k] = true;
		o += (size_t)snprintf(buf + o, len - o, "%s%s", o ? "," : "", l);
	}
}

/* The colour of an edge: the most notable class that crosses it. */
static const char *edge_colour(uint32_t bits)
{
	if (bits & REACH_EXCEPTION)
		return "#c77700";
	if (bits & REACH_BREAKOUT)
		return "#1a7f37";
	if (bits & ((1U << FLOW_SANITISED_RELAY) | (1U << FLOW_SCREEN_INTO_MYNUMBER)))
		return "#0b5cad";
	return "#333";
}

static void edge(const struct policy *p, int a, int b, FILE *out)
{
	uint32_t ab = p->reach[a][b] & ~(1U << FLOW_MANAGEMENT);
	uint32_t ba = p->reach[b][a] & ~(1U << FLOW_MANAGEMENT);
	struct pt pa = node_at(a, p->n_zones), pb = node_at(b, p->n_zones);
	int mx = (pa.x + pb.x) / 2, my = (pa.y + pb.y) / 2, line = 0;
	char l[64];

	fprintf(out, "<g class=\"edge\" data-from=\"");
	report_esc(out, p->zones[a].id);
	fprintf(out, "\" data-to=\"");
	report_esc(out, p->zones[b].id);
	fprintf(out, "\"><line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" "
		"stroke-width=\"2\"/>", pa.x, pa.y, pb.x, pb.y, edge_colour(ab | ba));
	for (int dir = 0; dir < 2; dir++) {
		uint32_t bits = dir ? ba : ab;
		const struct zone *f = &p->zones[dir ? b : a], *t = &p->zones[dir ? a : b];

		if (!bits)
			continue;
		labels(bits, l, sizeof(l));
		fprintf(out, "<text class=\"edge-label\" x=\"%d\" y=\"%d\" text-anchor=\"middle\">",
			mx, my - 4 + 14 * line++);
		report_esc(out, f->id);
		fprintf(out, "\u2192");
		report_esc(out, t->id);
		fprintf(out, ": %s</text>", l);
	}
	fprintf(out, "</g>\n");
}

static void forbidden(const struct policy *p, int a, int b, bool ja, FILE *out)
{
	struct pt pa = node_at(a, p->n_zones), pb = node_at(b, p->n_zones);
	/* the cross a third of the way: the middle is where the other lines meet */
	int mx = pa.x + (pb.x - pa.x) / 3, my = pa.y + (pb.y - pa.y) / 3;

	fprintf(out, "<g class=\"forbidden\" data-from=\"");
	report_esc(out, p->zones[a].id);
	fprintf(out, "\" data-to=\"");
	report_esc(out, p->zones[b].id);
	fprintf(out, "\"><line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#d00\" "
		"stroke-width=\"2\" stroke-dasharray=\"8 6\"/><text x=\"%d\" y=\"%d\" "
		"text-anchor=\"middle\" font-size=\"28\" fill=\"#d00\">\u00d7</text>"
		"<text class=\"edge-label\" x=\"%d\" y=\"%d\" text-anchor=\"middle\" fill=\"#d00\">%s"
		"</text></g>\n", pa.x, pa.y, pb.x, pb.y, mx, my + 9, mx, my + 26,
		ja ? "禁止 (I2)" : "forbidden (I2)");
}

static void node(const struct policy *p, int i, bool ja, FILE *out)
{
	const struct zone *z = &p->zones[i];
	struct pt c = node_at(i, p->n_zones);

	fprintf(out, "<g class=\"zone\" data-zone=\"");
	report_esc(out, z->id);
	fprintf(out, "\"><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"8\" "
		"fill=\"#eef4fb\" stroke=\"#234\" stroke-width=\"1.5\"/>", c.x - NODE_W / 2,
		c.y - NODE_H / 2, NODE_W, NODE_H);
	fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-weight=\"bold\">",
		c.x, c.y - 4);
	report_esc(out, report_zone_name(z, ja));
	fprintf(out, "</text><text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-size=\"11\">",
		c.x, c.y + 14);
	report_esc(out, z->id);
	fprintf(out, "</text></g>\n");
}

void report_svg(const struct policy *p, bool ja, FILE *out)
{
	int a, b;

	fprintf(out, "<svg id=\"zones\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
		"width=\"%d\" height=\"%d\" role=\"img\" font-size=\"12\">\n<title>%s</title>\n"
		/* labels keep a white halo where they cross lines */
		"<style>.edge-label{paint-order:stroke;stroke:#fff;stroke-width:4px}</style>\n",
		SVG_W, SVG_H, SVG_W, SVG_H, ja ? "ゾーン構成図" : "zone diagram");
	if (!p) {
		fprintf(out, "</svg>\n");
		return;
	}
	/* lines first, so the nodes are drawn over them */
	for (a = 0; a < p->n_zones; a++) {
		for (b = a + 1; b < p->n_zones; b++) {
			bool crossed = (p->reach[a][b] | p->reach[b][a]) & ~(1U << FLOW_MANAGEMENT);

			if (crossed)
				edge(p, a, b, out);
			if (report_pair_forbidden(p, a, b))
				forbidden(p, a, b, ja, out);
		}
	}
	for (a = 0; a < p->n_zones; a++)
		node(p, a, ja, out);
	fprintf(out, "</svg>\n");
}
