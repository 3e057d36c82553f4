/*
 * The HTML report (-f html): one self-contained file, inline CSS and JS,
 * nothing fetched, so it opens the same air-gapped. A summary, a timeline
 * (inline SVG) of finding occurrences, Warning and Normal events over the
 * time the bundle covers with each finding's first and last sighting, a
 * sortable and filterable findings table with collapsible evidence, a
 * chain view per Certificate, the coverage notes, the limits reached and
 * the inputs; the JSON report is embedded for tools. Every string from
 * the input goes through escape_html() (text and attribute values
 * alike), the embedded JSON through escape_script_json(), and a
 * Content-Security-Policy allows only this file's own script (by its
 * SHA-256), as a second line of defence.
 */
#include "report.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "summary.h"

/* SHA-256 (FIPS 180-4), for the script's hash in the CSP. */
struct sha256 {
	uint32_t h[8];
	unsigned char blk[64];
	size_t nblk;
	uint64_t len;
};

static const uint32_t sha_k[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b,
	0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01,
	0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7,
	0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc,
	0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152,
	0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
	0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
	0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08,
	0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f,
	0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static uint32_t ror(uint32_t x, int n)
{
	return (x >> n) | (x << (32 - n));
}

static void sha_block(struct sha256 *s, const unsigned char *p)
{
	uint32_t w[64], a, b, c, d, e, f, g, h, t1, t2;
	int i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		       (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (i = 16; i < 64; i++)
		w[i] = w[i - 16] + (ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^
				    (w[i - 15] >> 3)) + w[i - 7] +
		       (ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ (w[i - 2] >> 10));
	a = s->h[0]; b = s->h[1]; c = s->h[2]; d = s->h[3];
	e = s->h[4]; f = s->h[5]; g = s->h[6]; h = s->h[7];
	for (i = 0; i < 64; i++) {
		t1 = h + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) +
		     ((e & f) ^ (~e & g)) + sha_k[i] + w[i];
		t2 = (ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) +
		     ((a & b) ^ (a & c) ^ (b & c));
		h = g; g = f; f = e; e = d + t1;
		d = c; c = b; b = a; a = t1 + t2;
	}
	s->h[0] += a; s->h[1] += b; s->h[2] += c; s->h[3] += d;
	s->h[4] += e; s->h[5] += f; s->h[6] += g; s->h[7] += h;
}

static void sha_init(struct sha256 *s)
{
	static const uint32_t iv[8] = {
		0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
		0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
	};

	memcpy(s->h, iv, sizeof(iv));
	s->nblk = 0;
	s->len = 0;
}

static void sha_add(struct sha256 *s, const void *data, size_t n)
{
	const unsigned char *p = data;

	s->len += n;
	while (n--) {
		s->blk[s->nblk++] = *p++;
		if (s->nblk == 64) {
			sha_block(s, s->blk);
			s->nblk = 0;
		}
	}
}

static void sha_done(struct sha256 *s, unsigned char out[32])
{
	uint64_t bits = s->len * 8;
	unsigned char pad = 0x80, len[8];
	int i;

	sha_add(s, &pad, 1);
	pad = 0;
	while (s->nblk != 56)
		sha_add(s, &pad, 1);
	for (i = 0; i < 8; i++)
		len[i] = (unsigned char)(bits >> (56 - 8 * i));
	sha_add(s, len, 8);
	for (i = 0; i < 32; i++)
		out[i] = (unsigned char)(s->h[i / 4] >> (24 - 8 * (i % 4)));
}

static void base64(struct buf *out, const unsigned char *p, size_t n)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
				  "qrstuvwxyz0123456789+/";
	size_t i;

	for (i = 0; i < n; i += 3) {
		unsigned v = (unsigned)p[i] << 16 |
			     (i + 1 < n ? (unsigned)p[i + 1] << 8 : 0) |
			     (i + 2 < n ? p[i + 2] : 0);

		buf_addc(out, tab[v >> 18 & 63]);
		buf_addc(out, tab[v >> 12 & 63]);
		buf_addc(out, i + 1 < n ? tab[v >> 6 & 63] : '=');
		buf_addc(out, i + 2 < n ? tab[v & 63] : '=');
	}
}

static const char css[] =
"*{box-sizing:border-box}\n"
"body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;"
"margin:0;padding:0 24px 40px;color:#1f2328;background:#f6f8fa}\n"
"h1{font-size:22px;margin:20px 0 8px}h2{font-size:18px;margin:28px 0 10px}"
"h3{font-size:15px;margin:0 0 6px}\n"
"section,header{max-width:1400px}\n"
"table{border-collapse:collapse}\n"
".summary td{padding:2px 16px 2px 0;vertical-align:top}"
".summary td:first-child{font-weight:600;color:#57606a}\n"
".sev{display:inline-block;min-width:64px;padding:1px 6px;border-radius:4px;"
"color:#fff;font-size:12px;font-weight:600;text-align:center;"
"text-transform:uppercase}\n"
".s4{background:#8e0b1f}.s3{background:#cf222e}.s2{background:#bf8700}"
".s1{background:#0969da}.s0{background:#6e7781}\n"
".controls{display:flex;flex-wrap:wrap;gap:12px;align-items:center;"
"margin:0 0 10px}\n"
".controls select,.controls input{font:inherit;padding:3px 6px;"
"border:1px solid #d0d7de;border-radius:4px;background:#fff}\n"
"#f-count{color:#57606a}\n"
"#ft{width:100%;background:#fff;border:1px solid #d0d7de}\n"
"#ft th{position:sticky;top:0;background:#eaeef2;text-align:left;"
"padding:6px 8px;cursor:pointer;user-select:none;white-space:nowrap}\n"
"#ft th[aria-sort=ascending]::after{content:' \\25B2'}"
"#ft th[aria-sort=descending]::after{content:' \\25BC'}\n"
"#ft td{padding:6px 8px;vertical-align:top;border-top:1px solid #d0d7de}\n"
"#ft tr.detail td{border-top:0;padding:0 8px 12px 40px}\n"
"#ft td.num{text-align:right;font-variant-numeric:tabular-nums}\n"
"#ft td.t{white-space:nowrap;font-size:12px;color:#57606a}\n"
"tbody.f:target tr.row{background:#fff8c5}\n"
".title{font-weight:600}.res{word-break:break-all}\n"
"code,pre{font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,"
"monospace}\n"
"pre{margin:4px 0 8px;padding:8px;background:#f6f8fa;border:1px solid "
"#d0d7de;border-radius:4px;white-space:pre-wrap;word-break:break-all}\n"
"details{margin:6px 0}summary{cursor:pointer;font-weight:600}\n"
".loc{color:#0550ae;font:12px ui-monospace,monospace;word-break:break-all}"
".loc span{color:#57606a}\n"
".msg{margin:4px 0 8px}\n"
".chain{display:flex;flex-wrap:wrap;align-items:center;gap:4px;"
"margin:6px 0}\n"
".node{border:1px solid #d0d7de;border-radius:4px;padding:2px 6px;"
"background:#fff;font-size:12px}\n"
".node b{font-weight:600;margin-right:4px}.node.here{border-color:#cf222e;"
"box-shadow:0 0 0 1px #cf222e}\n"
".arrow{color:#57606a}\n"
".st{font-size:11px;padding:0 4px;border-radius:3px;margin-left:4px}"
".ok{background:#dafbe1;color:#116329}.bad{background:#ffebe9;"
"color:#a40e26}.wait{background:#fff8c5;color:#7d4e00}\n"
".certs{display:grid;grid-template-columns:repeat(auto-fill,"
"minmax(420px,1fr));gap:12px}\n"
".cert{background:#fff;border:1px solid #d0d7de;border-radius:6px;"
"padding:10px 12px}\n"
".cert ul{list-style:none;margin:4px 0 0;padding-left:16px;"
"border-left:2px solid #d0d7de}\n"
".cert li{margin:3px 0}.cert>ul{padding-left:10px}\n"
".muted{color:#57606a}\n"
"#timeline svg{width:100%;height:auto;background:#fff;"
"border:1px solid #d0d7de;border-radius:6px}\n"
"svg text{font:11px system-ui,sans-serif;fill:#1f2328}\n"
"svg .axis text{fill:#57606a}\n"
"footer{margin-top:32px;color:#57606a;font-size:12px}\n";

/*
 * The page's own script: sorting, filtering, and the markers the browser
 * test reads (data-ready once it ran, data-pwned if anything injected had
 * set window.__pwned). It never builds HTML from strings.
 */
static const char script[] =
"(function () {\n"
"  'use strict';\n"
"  var d = document, body = d.body, table = d.getElementById('ft');\n"
"  var rows = Array.prototype.slice.call(table.tBodies);\n"
"  var sev = d.getElementById('f-sev'), rule = d.getElementById('f-rule');\n"
"  var res = d.getElementById('f-res'), txt = d.getElementById('f-text');\n"
"  var count = d.getElementById('f-count');\n"
"  var lanes = d.querySelectorAll('g.lane');\n"
"  function apply() {\n"
"    var s = +sev.value, r = rule.value, o = res.value;\n"
"    var q = txt.value.toLowerCase(), n = 0, i;\n"
"    rows.forEach(function (b) {\n"
"      var ok = +b.dataset.sev >= s && (!r || b.dataset.rule === r) &&\n"
"        (!o || b.dataset.res === o) &&\n"
"        (!q || b.textContent.toLowerCase().indexOf(q) >= 0);\n"
"      b.hidden = !ok;\n"
"      if (ok) n++;\n"
"    });\n"
"    count.textContent = n + ' of ' + rows.length + ' findings shown';\n"
"    for (i = 0; i < lanes.length; i++) {\n"
"      var b = d.getElementById(lanes[i].getAttribute('data-f'));\n"
"      lanes[i].style.opacity = b && b.hidden ? '0.15' : '1';\n"
"    }\n"
"  }\n"
"  [sev, rule, res].forEach(function (e) {\n"
"    e.addEventListener('change', apply);\n"
"  });\n"
"  txt.addEventListener('input', apply);\n"
"  var heads = table.tHead.rows[0].cells, dir = { rank: true };\n"
"  Array.prototype.forEach.call(heads, function (th) {\n"
"    th.addEventListener('click', function () {\n"
"      var k = th.dataset.k, num = th.dataset.t === 'n', up, i;\n"
"      up = dir[k] = k in dir ? !dir[k] : !num;\n"
"      rows.sort(function (a, b) {\n"
"        var x = a.dataset[k], y = b.dataset[k], c;\n"
"        c = num ? parseFloat(x) - parseFloat(y) : x < y ? -1 : x > y ? 1 : 0;\n"
"        return (up ? c : -c) || a.dataset.rank - b.dataset.rank;\n"
"      });\n"
"      rows.forEach(function (b) { table.appendChild(b); });\n"
"      for (i = 0; i < heads.length; i++) heads[i].removeAttribute('aria-sort');\n"
"      th.setAttribute('aria-sort', up ? 'ascending' : 'descending');\n"
"    });\n"
"  });\n"
"  apply();\n"
"  function mark() { body.dataset.pwned = window.__pwned ? '1' : '0'; }\n"
"  mark();\n"
"  window.addEventListener('load', mark);\n"
"  body.dataset.ready = '1';\n"
"})();\n";

struct hw {
	struct buf *out;
	struct buf tmp;
	const struct analysis *a;
	const struct report_opts *o;
	struct redactor *red;
};

/* Names and rule text, escaped for HTML text and attribute values. */
static void h(struct hw *w, const char *s)
{
	escape_html(w->out, slice_cstr(s ? s : ""));
}

/* Text from the input: secrets hidden, then escaped. */
static void h_in(struct hw *w, const char *s)
{
	h(w, report_clean(&w->tmp, w->red, s));
}

static void lit(struct hw *w, const char *s)
{
	buf_adds(w->out, s);
}

static void time_str(struct buf *b, int64_t ms)
{
	if (ms == INT64_MIN)
		buf_adds(b, "");
	else
		report_time(b, ms);
}

static void put_time(struct hw *w, int64_t ms)
{
	if (ms == INT64_MIN)
		lit(w, "<span class=\"muted\">unknown</span>");
	else
		report_time(w->out, ms);
}

/* The CSS class of a status: ok, bad or wait. */
static const char *status_class(const char *st)
{
	if (strstr(st, "=True") || !strcmp(st, "valid"))
		return "ok";
	if (strstr(st, "=False") || !strcmp(st, "invalid") ||
	    !strcmp(st, "errored"))
		return "bad";
	return "wait";
}

static void h_node(struct hw *w, const struct chain_item *it, int here)
{
	lit(w, here ? "<span class=\"node here\"><b>" : "<span class=\"node\"><b>");
	h(w, it->kind ? it->kind : "?");
	lit(w, "</b>");
	if (it->ns) {
		h(w, it->ns);
		lit(w, "/");
	}
	h(w, it->name);
	if (it->status[0]) {
		buf_addf(w->out, "<span class=\"st %s\">",
			 status_class(it->status));
		h_in(w, it->status);
		lit(w, "</span>");
	} else if (it->inferred) {
		lit(w, " <span class=\"muted\">(inferred)</span>");
	}
	lit(w, "</span>");
}

static void h_header(struct hw *w, const struct report_stats *st)
{
	const struct analysis *a = w->a;
	size_t i;
	int s;

	lit(w, "<header>\n<h1>ktriage report</h1>\n<table class=\"summary\">\n"
	    "<tr><td>Findings</td><td>");
	buf_addf(w->out, "<b>%lu</b>", st->shown);
	for (s = SEV_CRITICAL; s >= SEV_INFO; s--)
		if (st->by_sev[s])
			buf_addf(w->out, " <span class=\"sev s%d\">%lu %s</span>",
				 s, st->by_sev[s],
				 severity_name((enum severity)s));
	if (st->folded)
		buf_addf(w->out, " <span class=\"muted\">and %lu more "
			 "explained by a cause</span>", st->folded);
	if (st->hidden)
		buf_addf(w->out, " <span class=\"muted\">(%lu not shown)"
			 "</span>", st->hidden);
	lit(w, "</td></tr>\n<tr><td>Inputs</td><td>");
	for (i = 0; i < a->ninputs; i++) {
		if (i)
			lit(w, "<br>");
		lit(w, "<code>");
		h(w, a->inputs[i].path);
		buf_addf(w->out, "</code> (%lu file%s, %llu bytes%s)",
			 a->inputs[i].files, a->inputs[i].files == 1 ? "" : "s",
			 (unsigned long long)a->inputs[i].bytes,
			 a->inputs[i].error_count ? ", with errors" : "");
	}
	buf_addf(w->out, "</td></tr>\n<tr><td>Read</td><td>%zu object%s, "
		 "%lu event%s, %lu log record%s, %lu line%s</td></tr>\n"
		 "<tr><td>Time span</td><td>", a->store.n,
		 a->store.n == 1 ? "" : "s", st->events,
		 st->events == 1 ? "" : "s", a->records,
		 a->records == 1 ? "" : "s", a->lines,
		 a->lines == 1 ? "" : "s");
	if (st->first_ms != INT64_MIN) {
		report_time(w->out, st->first_ms);
		lit(w, " to ");
		report_time(w->out, st->last_ms);
		lit(w, " (");
		report_span(w->out, (st->last_ms - st->first_ms) / 1000);
		lit(w, ")");
	} else {
		lit(w, "unknown (no times in the input)");
	}
	lit(w, "</td></tr>\n<tr><td>Bundle time</td><td>");
	put_time(w, a->now_ms);
	buf_addf(w->out, "</td></tr>\n<tr><td>Tool</td><td>ktriage %s"
		 "</td></tr>\n</table>\n</header>\n", KTRIAGE_VERSION);
}

/* The timeline: what happened when, over the time the bundle covers. */
#define TL_W 1000
#define TL_X0 240
#define TL_X1 985
#define TL_HIST 110
#define TL_LANE 18
#define TL_BINS 60

struct timeline {
	int64_t t0, t1;
	double bins[3][TL_BINS];	/* finding occurrences, warnings, events */
};

static double tl_x(const struct timeline *t, int64_t ms)
{
	return TL_X0 + (double)(ms - t->t0) * (TL_X1 - TL_X0) /
	       (double)(t->t1 - t->t0);
}

/* Spread count occurrences evenly over [f, l] into the bins of series s. */
static void tl_add(struct timeline *t, int s, int64_t f, int64_t l,
		   double count)
{
	double w = (double)(t->t1 - t->t0) / TL_BINS;
	int b0, b1, b;

	if (f == INT64_MIN)
		return;
	if (l == INT64_MIN || l < f)
		l = f;
	b0 = (int)((double)(f - t->t0) / w);
	b1 = (int)((double)(l - t->t0) / w);
	b0 = b0 < 0 ? 0 : b0 >= TL_BINS ? TL_BINS - 1 : b0;
	b1 = b1 < 0 ? 0 : b1 >= TL_BINS ? TL_BINS - 1 : b1;
	for (b = b0; b <= b1; b++)
		t->bins[s][b] += count / (b1 - b0 + 1);
}

/* A tick step (seconds) giving at most 8 ticks over span seconds. */
static int64_t tick_step(int64_t span)
{
	static const int64_t steps[] = {
		1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600,
		7200, 10800, 21600, 43200, 86400, 172800, 604800, 2592000,
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(steps); i++)
		if (span / steps[i] <= 8)
			return steps[i];
	return span / 8 + 1;
}

static void tl_label(struct buf *b, int64_t ms, int64_t step)
{
	struct buf t = BUF_INIT;

	report_time(&t, ms - ms % 1000);
	/* "2024-05-01T10:05:00Z": show what the step needs. */
	if (step >= 86400)
		buf_add(b, t.p + 5, 11);	/* 05-01T10:05 */
	else if (step >= 60)
		buf_add(b, t.p + 11, 5);	/* 10:05 */
	else
		buf_add(b, t.p + 11, 8);	/* 10:05:30 */
	buf_free(&t);
}

static void h_timeline(struct hw *w, const struct report_stats *st)
{
	const struct analysis *a = w->a;
	struct timeline t;
	size_t i, j, nlanes = 0;
	double max = 0;
	int64_t step, tk;
	int hgt, b, s, y0 = 28, ly;
	static const char *const names[3] = {
		"finding occurrences", "Warning events", "Normal events",
	};
	static const char *const fills[3] = { "#cf222e", "#bf8700", "#8c959f" };

	lit(w, "<section id=\"timeline\">\n<h2>Timeline</h2>\n");
	if (st->first_ms == INT64_MIN) {
		lit(w, "<p class=\"muted\">No times in the input: nothing to "
		    "plot.</p>\n</section>\n");
		return;
	}
	memset(&t, 0, sizeof(t));
	t.t0 = st->first_ms;
	t.t1 = st->last_ms;
	if (t.t1 - t.t0 < 60000) {
		t.t0 -= 30000;
		t.t1 += 30000;
	}
	for (i = 0; i < a->findings.n; i++) {
		const struct finding *f = a->findings.v[i];

		if (!report_shows(w->o, f))
			continue;
		nlanes++;
		for (j = 0; j < f->nev; j++)
			tl_add(&t, 0, f->ev[j].when.first_ms,
			       f->ev[j].when.last_ms, (double)f->ev[j].count);
	}
	for (i = 0; i < a->store.n; i++) {
		const struct kobject *obj = a->store.v[i];

		for (j = 0; j < obj->nevents; j++) {
			const struct kevent *ev = &obj->events[j];
			int64_t f, l;

			if (!report_event_times(a, ev, &f, &l))
				continue;
			tl_add(&t, ev->type && !strcmp(ev->type, "Warning") ?
			       1 : 2, f, l, ev->count ? (double)ev->count : 1);
		}
	}
	for (b = 0; b < TL_BINS; b++) {
		double sum = t.bins[0][b] + t.bins[1][b] + t.bins[2][b];

		if (sum > max)
			max = sum;
	}
	hgt = y0 + TL_HIST + 14 + (int)nlanes * TL_LANE + 34;
	buf_addf(w->out, "<svg viewBox=\"0 0 %d %d\" role=\"img\" "
		 "aria-label=\"Timeline of findings and events\" "
		 "xmlns=\"http://www.w3.org/2000/svg\">\n", TL_W, hgt);
	/* Legend. */
	for (s = 0; s < 3; s++)
		buf_addf(w->out, "<rect x=\"%d\" y=\"8\" width=\"10\" "
			 "height=\"10\" fill=\"%s\"/><text x=\"%d\" y=\"17\">"
			 "%s</text>\n", TL_X0 + s * 170, fills[s],
			 TL_X0 + s * 170 + 14, names[s]);
	buf_addf(w->out, "<text x=\"8\" y=\"%d\">per %s</text>\n",
		 y0 + 12, "bin");
	buf_addf(w->out, "<text x=\"8\" y=\"%d\" class=\"muted\">max %.0f"
		 "</text>\n", y0 + 26, max);
	/* Histogram: stacked bars per bin. */
	for (b = 0; b < TL_BINS && max > 0; b++) {
		double x = TL_X0 + (double)b * (TL_X1 - TL_X0) / TL_BINS;
		double bw = (double)(TL_X1 - TL_X0) / TL_BINS - 1;
		double y = y0 + TL_HIST;
		struct buf tip = BUF_INIT;
		int64_t bs = t.t0 + (t.t1 - t.t0) * b / TL_BINS;

		report_time(&tip, bs - bs % 1000);
		for (s = 0; s < 3; s++) {
			double v = t.bins[s][b], bh = v / max * TL_HIST;

			if (v <= 0)
				continue;
			y -= bh;
			buf_addf(w->out, "<rect x=\"%.1f\" y=\"%.1f\" "
				 "width=\"%.1f\" height=\"%.1f\" fill=\"%s\">"
				 "<title>%s: %.0f %s</title></rect>\n", x, y,
				 bw, bh < 0.5 ? 0.5 : bh, fills[s], tip.p, v,
				 names[s]);
		}
		buf_free(&tip);
	}
	buf_addf(w->out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
		 "stroke=\"#8c959f\"/>\n", TL_X0, y0 + TL_HIST, TL_X1,
		 y0 + TL_HIST);
	/* One lane per finding: first and last seen, evidence groups. */
	ly = y0 + TL_HIST + 14;
	for (i = 0; i < a->findings.n; i++) {
		const struct finding *f = a->findings.v[i];
		double x1, x2;

		if (!report_shows(w->o, f))
			continue;
		buf_addf(w->out, "<g class=\"lane\" data-f=\"f%lu\">"
			 "<text x=\"8\" y=\"%d\"><title>", f->rank, ly + 12);
		h(w, f->rule->title ? f->rule->title : f->rule->id);
		buf_addf(w->out, "</title>#%lu ", f->rank);
		h(w, f->rule->id);
		lit(w, "</text>");
		buf_addf(w->out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
			 "stroke=\"#eaeef2\"/>", TL_X0, ly + 8, TL_X1, ly + 8);
		for (j = 0; j < f->nev; j++) {
			const struct evidence *e = &f->ev[j];

			if (e->when.first_ms == INT64_MIN)
				continue;
			x1 = tl_x(&t, e->when.first_ms);
			x2 = tl_x(&t, e->when.last_ms == INT64_MIN ?
				  e->when.first_ms : e->when.last_ms);
			buf_addf(w->out, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\""
				 " height=\"8\" fill=\"#ff8182\" opacity=\"0.6\">"
				 "<title>", x1, ly + 4,
				 x2 - x1 < 2 ? 2 : x2 - x1);
			h(w, e->source);
			buf_addf(w->out, ":%lu: %lu occurrence%s</title></rect>",
				 e->line, e->count, e->count == 1 ? "" : "s");
		}
		if (f->first_seen_ms != INT64_MIN) {
			struct buf tip = BUF_INIT;

			x1 = tl_x(&t, f->first_seen_ms);
			x2 = tl_x(&t, f->last_seen_ms);
			buf_addf(w->out, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" "
				 "y2=\"%d\" stroke=\"#cf222e\" stroke-width=\"2\"/>",
				 x1, ly + 8, x2, ly + 8);
			report_time(&tip, f->first_seen_ms);
			buf_addf(w->out, "<circle cx=\"%.1f\" cy=\"%d\" r=\"4\" "
				 "fill=\"#cf222e\"><title>#%lu first seen %s"
				 "</title></circle>", x1, ly + 8, f->rank, tip.p);
			buf_reset(&tip);
			report_time(&tip, f->last_seen_ms);
			buf_addf(w->out, "<rect x=\"%.1f\" y=\"%d\" width=\"8\" "
				 "height=\"8\" fill=\"#8e0b1f\"><title>#%lu last "
				 "seen %s</title></rect>", x2 - 4, ly + 4,
				 f->rank, tip.p);
			buf_free(&tip);
		} else {
			buf_addf(w->out, "<text x=\"%d\" y=\"%d\" class=\"muted\">"
				 "no times</text>", TL_X0 + 4, ly + 12);
		}
		lit(w, "</g>\n");
		ly += TL_LANE;
	}
	/* Bundle time, and the time axis. */
	if (a->now_ms != INT64_MIN && a->now_ms >= t.t0 && a->now_ms <= t.t1)
		buf_addf(w->out, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" "
			 "y2=\"%d\" stroke=\"#0969da\" stroke-dasharray=\"4 3\">"
			 "<title>bundle time</title></line>\n",
			 tl_x(&t, a->now_ms), y0, tl_x(&t, a->now_ms), ly);
	lit(w, "<g class=\"axis\">");
	buf_addf(w->out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
		 "stroke=\"#57606a\"/>", TL_X0, ly + 2, TL_X1, ly + 2);
	step = tick_step((t.t1 - t.t0) / 1000) * 1000;
	for (tk = t.t0 - t.t0 % step + (t.t0 % step ? step : 0); tk <= t.t1;
	     tk += step) {
		struct buf l = BUF_INIT;
		double x = tl_x(&t, tk);

		tl_label(&l, tk, step / 1000);
		buf_addf(w->out, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" "
			 "y2=\"%d\" stroke=\"#57606a\"/><text x=\"%.1f\" "
			 "y=\"%d\" text-anchor=\"middle\">%s</text>", x, ly + 2,
			 x, ly + 6, x, ly + 18, l.p);
		buf_free(&l);
	}
	{
		struct buf d = BUF_INIT;

		report_time(&d, t.t0 - t.t0 % 1000);
		buf_addf(w->out, "<text x=\"8\" y=\"%d\">UTC, from %.10s</text>",
			 ly + 18, d.p);
		buf_free(&d);
	}
	lit(w, "</g>\n</svg>\n</section>\n");
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A <select> of the distinct values (sorted), after "all". */
static void h_select(struct hw *w, const char *id, const char *label,
		     char **v, size_t n)
{
	size_t i;

	if (n > 1)	/* v may be NULL when there are none */
		qsort(v, n, sizeof(*v), cmp_str);
	buf_addf(w->out, "<label>%s <select id=\"%s\"><option value=\"\">"
		 "all</option>", label, id);
	for (i = 0; i < n; i++) {
		if (i && !strcmp(v[i], v[i - 1]))
			continue;
		lit(w, "<option value=\"");
		h(w, v[i]);
		lit(w, "\">");
		h(w, v[i]);
		lit(w, "</option>");
	}
	lit(w, "</select></label>\n");
}

static void h_controls(struct hw *w)
{
	const struct analysis *a = w->a;
	char **rules = xcalloc(a->findings.n + 1, sizeof(*rules));
	char **res = xcalloc(a->findings.n + 1, sizeof(*res));
	size_t i, n = 0;
	int s;

	for (i = 0; i < a->findings.n; i++) {
		if (!report_shows(w->o, a->findings.v[i]))
			continue;
		rules[n] = (char *)a->findings.v[i]->rule->id;
		res[n++] = finding_subject(a->findings.v[i]);
	}
	lit(w, "<div class=\"controls\">\n<label>Severity <select id=\"f-sev\">"
	    "<option value=\"0\">all</option>");
	for (s = SEV_CRITICAL; s > SEV_INFO; s--)
		buf_addf(w->out, "<option value=\"%d\">%s%s</option>", s,
			 severity_name((enum severity)s),
			 s == SEV_CRITICAL ? "" : " and above");
	lit(w, "</select></label>\n");
	h_select(w, "f-rule", "Rule", rules, n);
	h_select(w, "f-res", "Resource", res, n);
	lit(w, "<label>Filter <input id=\"f-text\" type=\"search\" "
	    "placeholder=\"text in findings\"></label>\n"
	    "<span id=\"f-count\"></span>\n</div>\n");
	for (i = 0; i < n; i++)
		free(res[i]);
	free(rules);
	free(res);
}

static void h_evidence(struct hw *w, const struct finding *f)
{
	size_t i;

	buf_addf(w->out, "<details%s><summary>Evidence: %lu occurrence%s",
		 f->rank == 1 ? " open" : "", f->count,
		 f->count == 1 ? "" : "s");
	if (f->nev > 1 || f->ev_other)
		buf_addf(w->out, " in %zu%s group%s", f->nev, f->ev_other ?
			 "+" : "", f->nev == 1 && !f->ev_other ? "" : "s");
	lit(w, "</summary>\n");
	for (i = 0; i < f->nev; i++) {
		const struct evidence *e = &f->ev[i];

		lit(w, "<div class=\"loc\">");
		h(w, e->source);
		buf_addf(w->out, ":%lu", e->line);
		if (e->count > 1) {
			buf_addf(w->out, " <span>(×%lu", e->count);
			if (e->when.span_s > 0) {
				lit(w, " over ");
				report_span(w->out, e->when.span_s);
			}
			if (e->last_source) {
				lit(w, ", last at ");
				if (strcmp(e->last_source, e->source))
					h(w, e->last_source);
				buf_addf(w->out, ":%lu", e->last_line);
			}
			lit(w, ")</span>");
		}
		lit(w, "</div><pre>");
		h_in(w, e->text);
		lit(w, "</pre>\n");
	}
	if (f->ev_other)
		buf_addf(w->out, "<p class=\"muted\">… and %lu more occurrences "
			 "of other lines</p>\n", f->ev_other);
	lit(w, "</details>\n");
}

/* A docs link: only http(s) URLs become links. */
static void h_doc(struct hw *w, const char *url)
{
	if (!strncmp(url, "https://", 8) || !strncmp(url, "http://", 7)) {
		lit(w, "<a href=\"");
		h(w, url);
		lit(w, "\" rel=\"noreferrer noopener\">");
		h(w, url);
		lit(w, "</a>");
	} else {
		h(w, url);
	}
}

static void h_finding(struct hw *w, const struct finding *f)
{
	const struct rule *r = f->rule;
	struct chain_item items[CHAIN_MAX];
	char *subject = finding_subject(f);
	struct buf tb = BUF_INIT;
	size_t n, i, k;

	buf_addf(w->out, "<tbody class=\"f\" id=\"f%lu\" data-rank=\"%lu\" "
		 "data-sev=\"%d\" data-score=\"%.1f\" data-count=\"%lu\" "
		 "data-rule=\"", f->rank, f->rank, f->severity, f->score,
		 f->count);
	h(w, r->id);
	lit(w, "\" data-res=\"");
	h(w, subject);
	lit(w, "\" data-title=\"");
	h(w, r->title ? r->title : r->id);
	time_str(&tb, f->first_seen_ms);
	lit(w, "\" data-first=\"");
	h(w, tb.p ? tb.p : "");
	buf_reset(&tb);
	time_str(&tb, f->last_seen_ms);
	lit(w, "\" data-last=\"");
	h(w, tb.p ? tb.p : "");
	buf_free(&tb);
	buf_addf(w->out, "\">\n<tr class=\"row\"><td class=\"num\">%lu</td>"
		 "<td><span class=\"sev s%d\">%s</span></td>"
		 "<td class=\"num\">%.1f</td><td class=\"title\">", f->rank,
		 f->severity, severity_name((enum severity)f->severity),
		 f->score);
	h(w, r->title ? r->title : r->id);
	if (f->resolved)
		lit(w, " <span class=\"st ok\">resolved</span>");
	lit(w, "</td><td><code>");
	h(w, r->id);
	lit(w, "</code></td><td class=\"res\">");
	h(w, subject);
	buf_addf(w->out, "</td><td class=\"num\">%lu</td><td class=\"t\">",
		 f->count);
	put_time(w, f->first_seen_ms);
	lit(w, "</td><td class=\"t\">");
	put_time(w, f->last_seen_ms);
	lit(w, "</td></tr>\n<tr class=\"detail\"><td colspan=\"9\">\n"
	    "<p class=\"msg\">");
	h(w, report_message(&w->tmp, w->red, f));
	lit(w, "</p>\n");
	if (f->resolved)
		lit(w, "<p class=\"muted\">Resolved: the object is healthy "
		    "again; this is history.</p>\n");
	n = summary_chain(w->a, f, items, CHAIN_MAX);
	if (n >= 2) {
		lit(w, "<div class=\"chain\">");
		for (i = 0; i < n; i++) {
			if (i)
				lit(w, "<span class=\"arrow\">→</span>");
			h_node(w, &items[i], items[i].name && f->res.name &&
			       !strcmp(items[i].name, f->res.name) &&
			       items[i].kind && f->res.kind &&
			       !strcmp(items[i].kind, f->res.kind));
		}
		lit(w, "</div>\n");
	}
	h_evidence(w, f);
	for (i = k = 0; i < w->a->findings.n; i++) {
		const struct finding *g = w->a->findings.v[i];
		char *gs;

		if (!g->suppressed || g->suppressor != f)
			continue;
		gs = finding_subject(g);
		lit(w, k++ ? ", " : "<p>Explains: ");
		lit(w, "<code>");
		h(w, g->rule->id);
		lit(w, "</code> on ");
		h(w, gs);
		free(gs);
	}
	if (k)
		lit(w, "</p>\n");
	if (finding_remediation(f) && *finding_remediation(f)) {
		lit(w, "<details><summary>Fix</summary><pre>");
		h(w, finding_remediation(f));
		lit(w, "</pre></details>\n");
	}
	for (i = 0; i < r->ndocs; i++) {
		lit(w, i ? ", " : "<p>Docs: ");
		h_doc(w, r->docs[i]);
	}
	if (r->ndocs)
		lit(w, "</p>\n");
	lit(w, "</td></tr>\n</tbody>\n");
	free(subject);
}

static void h_findings(struct hw *w, const struct report_stats *st)
{
	size_t i;

	lit(w, "<section id=\"findings\">\n<h2>Findings</h2>\n");
	h_controls(w);
	lit(w, "<table id=\"ft\">\n<thead><tr>"
	    "<th data-k=\"rank\" data-t=\"n\" aria-sort=\"ascending\">#</th>"
	    "<th data-k=\"sev\" data-t=\"n\">Severity</th>"
	    "<th data-k=\"score\" data-t=\"n\">Score</th>"
	    "<th data-k=\"title\">Finding</th>"
	    "<th data-k=\"rule\">Rule</th>"
	    "<th data-k=\"res\">Resource</th>"
	    "<th data-k=\"count\" data-t=\"n\">Count</th>"
	    "<th data-k=\"first\">First seen</th>"
	    "<th data-k=\"last\">Last seen</th></tr></thead>\n");
	for (i = 0; i < w->a->findings.n; i++)
		if (report_shows(w->o, w->a->findings.v[i])) {
			h_finding(w, w->a->findings.v[i]);
			report_spill(w->o, w->out);
		}
	lit(w, "</table>\n");
	if (!st->shown)
		lit(w, "<p>No findings.</p>\n");
	lit(w, "</section>\n");
}

static void h_certificates(struct hw *w)
{
	const struct analysis *a = w->a;
	struct cert_summary *cs;
	size_t n = summary_certificates(a, &cs), i, k;

	if (!n) {
		free(cs);
		return;
	}
	lit(w, "<section id=\"certificates\">\n<h2>Certificates</h2>\n"
	    "<div class=\"certs\">\n");
	for (i = 0; i < n; i++) {
		const struct gnode *g = &a->graph.v[cs[i].node];
		struct chain_item items[64];
		int depth[64], cur = 0, iss;
		size_t m = summary_subtree(a, cs[i].node, items, depth, 64);
		const char *ready = cs[i].ready ? cs[i].ready : "unknown";

		lit(w, "<div class=\"cert\"><h3>Certificate ");
		if (g->ns) {
			h(w, g->ns);
			lit(w, "/");
		}
		h(w, g->name);
		buf_addf(w->out, " <span class=\"st %s\">Ready=",
			 !strcmp(ready, "True") ? "ok" :
			 !strcmp(ready, "False") ? "bad" : "wait");
		h_in(w, ready);
		lit(w, "</span>");
		if (!g->obj)
			lit(w, " <span class=\"muted\">(inferred)</span>");
		lit(w, "</h3>\n");
		if (cs[i].reason && strcmp(ready, "True")) {
			lit(w, "<div>");
			h_in(w, cs[i].reason);
			if (cs[i].message) {
				lit(w, ": ");
				h_in(w, cs[i].message);
			}
			lit(w, "</div>\n");
		}
		if (cs[i].not_after) {
			lit(w, "<div class=\"muted\">Expires ");
			h_in(w, cs[i].not_after);
			lit(w, "</div>\n");
		}
		iss = graph_chain_issuer(&a->graph, cs[i].node);
		if (iss >= 0) {
			struct buf stb = BUF_INIT;
			const struct gnode *in = &a->graph.v[iss];

			graph_status(&a->graph, iss, &stb);
			lit(w, "<div>Issuer: <span class=\"node\"><b>");
			h(w, in->kind ? in->kind : "?");
			lit(w, "</b>");
			if (in->ns) {
				h(w, in->ns);
				lit(w, "/");
			}
			h(w, in->name);
			if (stb.len) {
				buf_addf(w->out, "<span class=\"st %s\">",
					 status_class(buf_str(&stb)));
				h_in(w, buf_str(&stb));
				lit(w, "</span>");
			}
			lit(w, "</span></div>\n");
			buf_free(&stb);
		}
		if (cs[i].nblocking) {
			lit(w, "<div>Blocked by ");
			for (k = 0; k < cs[i].nblocking; k++) {
				buf_addf(w->out, "%s<a href=\"#f%lu\">#%lu ",
					 k ? ", " : "",
					 cs[i].blocking[k]->rank,
					 cs[i].blocking[k]->rank);
				h(w, cs[i].blocking[k]->rule->id);
				lit(w, "</a>");
			}
			lit(w, "</div>\n");
		}
		/* The subtree as nested lists, by depth. */
		for (k = 0; k < m; k++) {
			while (cur < depth[k]) {
				lit(w, "<ul>");
				cur++;
			}
			while (cur > depth[k]) {
				lit(w, "</li></ul>");
				cur--;
			}
			if (k && depth[k - 1] >= depth[k])
				lit(w, "</li>");
			lit(w, "<li>");
			h_node(w, &items[k], 0);
		}
		while (cur > 0) {
			lit(w, "</li></ul>");
			cur--;
		}
		lit(w, "\n</div>\n");
		report_spill(w->o, w->out);
	}
	lit(w, "</div>\n</section>\n");
	free(cs);
}

static void h_coverage(struct hw *w)
{
	struct coverage_note notes[16];
	size_t n = summary_coverage(w->a, notes, 16), i;
	int any = 0;

	for (i = 0; i < n; i++) {
		if (!notes[i].note)
			continue;
		if (!any)
			lit(w, "<section id=\"coverage\">\n<h2>Coverage</h2>\n"
			    "<p>What this input could not show:</p>\n<ul>\n");
		any = 1;
		lit(w, "<li>");
		h(w, notes[i].note);
		lit(w, "</li>\n");
	}
	if (any)
		lit(w, "</ul>\n</section>\n");
}

static void h_limits(struct hw *w)
{
	struct limit_note notes[LIMIT_NOTES_MAX];
	size_t n = summary_limits(w->a, notes, LIMIT_NOTES_MAX), i;

	if (!n)
		return;
	lit(w, "<section id=\"limits\">\n<h2>Limits reached</h2>\n<ul>\n");
	for (i = 0; i < n; i++) {
		lit(w, "<li><code>");
		h(w, notes[i].name);
		buf_addf(w->out, "</code> (limit %lu): %lu ", notes[i].limit,
			 notes[i].count);
		h(w, notes[i].count == 1 ? notes[i].unit1 : notes[i].unit);
		if (notes[i].where) {
			lit(w, ", first at <code>");
			h(w, notes[i].where);
			lit(w, "</code>");
		}
		lit(w, "; ");
		h(w, notes[i].note);
		lit(w, "</li>\n");
	}
	lit(w, "</ul>\n</section>\n");
}

static void h_inputs(struct hw *w)
{
	const struct analysis *a = w->a;
	size_t i, j;

	lit(w, "<section id=\"inputs\">\n<h2>Inputs</h2>\n<ul>\n");
	for (i = 0; i < a->ninputs; i++) {
		const struct input *in = &a->inputs[i];

		lit(w, "<li><code>");
		h(w, in->path);
		buf_addf(w->out, "</code>: %lu file%s, %llu bytes", in->files,
			 in->files == 1 ? "" : "s",
			 (unsigned long long)in->bytes);
		if (in->bytes_compressed)
			buf_addf(w->out, " (%llu compressed)",
				 (unsigned long long)in->bytes_compressed);
		if (in->nerrors || in->nskipped)
			lit(w, "<ul>");
		for (j = 0; j < in->nerrors; j++) {
			lit(w, in->errors[j].is_warning ? "<li>warning: <code>" :
			    "<li>error: <code>");
			h(w, in->errors[j].where);
			lit(w, "</code>: ");
			h_in(w, in->errors[j].message);
			lit(w, "</li>");
		}
		for (j = 0; j < in->nskipped; j++) {
			lit(w, "<li>skipped: <code>");
			h(w, in->skipped[j].where);
			lit(w, "</code>: ");
			h_in(w, in->skipped[j].message);
			lit(w, "</li>");
		}
		if (in->nerrors || in->nskipped)
			lit(w, "</ul>");
		if (in->errors_dropped || in->skipped_dropped)
			buf_addf(w->out, " (and %lu more errors, %lu more "
				 "skipped)", in->errors_dropped,
				 in->skipped_dropped);
		lit(w, "</li>\n");
	}
	lit(w, "</ul>\n</section>\n");
}

/*
 * The embedded JSON report, escaped for a script element as it comes:
 * report_json() hands over whole findings and certificates, so no
 * escaped sequence is cut in two.
 */
struct embed {
	struct buf *out;
	const struct report_opts *o;
};

static void embed_flush(struct buf *json, void *ctx)
{
	struct embed *e = ctx;

	escape_script_json(e->out, slice_make(json->p ? json->p : "",
					      json->len));
	buf_reset(json);
	report_spill(e->o, e->out);
}

void report_html(struct buf *out, const struct analysis *a,
		 const struct report_opts *o)
{
	struct hw w;
	struct report_stats st;
	struct sha256 sha;
	unsigned char dig[32];
	struct buf json = BUF_INIT;
	struct report_opts jo = *o;
	struct embed e = { out, o };

	memset(&w, 0, sizeof(w));
	w.out = out;
	w.a = a;
	w.o = o;
	w.red = report_redactor(a, o);
	report_stats(a, o, &st);
	sha_init(&sha);
	sha_add(&sha, script, strlen(script));
	sha_done(&sha, dig);
	/*
	 * Nothing may be fetched (default-src 'none'), and only the script
	 * with this exact hash may run: were an input string ever to escape
	 * its escaping, the browser still would not run it.
	 */
	lit(&w, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n<meta name=\"viewport\" "
	    "content=\"width=device-width, initial-scale=1\">\n"
	    "<meta http-equiv=\"Content-Security-Policy\" content=\""
	    "default-src 'none'; style-src 'unsafe-inline'; "
	    "script-src 'sha256-");
	base64(out, dig, sizeof(dig));
	buf_addf(out, "'; base-uri 'none'; form-action 'none'\">\n"
		 "<meta name=\"generator\" content=\"ktriage %s\">\n"
		 "<title>ktriage report: %lu finding%s</title>\n<style>\n%s"
		 "</style>\n</head>\n<body>\n", KTRIAGE_VERSION, st.shown,
		 st.shown == 1 ? "" : "s", css);
	h_header(&w, &st);
	h_timeline(&w, &st);
	h_findings(&w, &st);
	h_certificates(&w);
	h_coverage(&w);
	h_limits(&w);
	h_inputs(&w);
	buf_addf(out, "<footer>ktriage %s. The JSON report (schema "
		 "ktriage.report/v1) is embedded in this file as "
		 "<code>script#ktriage-report</code>.</footer>\n"
		 "<script type=\"application/json\" id=\"ktriage-report\">\n",
		 KTRIAGE_VERSION);
	jo.flush = embed_flush;
	jo.flush_ctx = &e;
	report_json(&json, a, &jo);
	embed_flush(&json, &e);
	buf_free(&json);
	buf_addf(out, "</script>\n<script>%s</script>\n</body>\n</html>\n",
		 script);
	buf_free(&w.tmp);
	redact_free(w.red);
}
