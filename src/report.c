/*
 * report.c -- the failure table: each kind's message template and its exit
 * status under -exit-codes=detailed (grpc_health_probe's numbering).
 * Templates expand {w} to the result's "where" and {d} to its "detail".
 */
#include "report.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const struct {
	const char *tmpl;
	unsigned char exit_detailed;
} lp_table[LP_KIND_COUNT] = {
	[LP_OK] = {"healthy", 0},
	[LP_USAGE] = {"usage: {d}", 1},
	[LP_TARGET] = {"refusing target {d}: only 127.0.0.0/8, ::1 or a unix socket may be probed",
		       1},
	[LP_REFUSED] = {"connect {w}: connection refused{d}", 2},
	[LP_CONNECT] = {"connect {w}: {d}", 2},
	[LP_CONNECT_TIMEOUT] = {"timeout after {d}", 2},
	[LP_TLS] = {"tls handshake with {w}: {d}", 2},
	[LP_TIMEOUT] = {"timeout after {d}", 3},
	[LP_RESET] = {"connection reset by {w}{d}", 3},
	[LP_CLOSED] = {"connection closed by {w} before {d}", 3},
	[LP_MALFORMED] = {"malformed HTTP response from {w}: {d}", 3},
	[LP_TOO_LARGE] = {"response headers from {w} exceed 64 KiB", 3},
	[LP_HTTP_STATUS] = {"unhealthy: HTTP {d}", 4},
	[LP_BODY_MISMATCH] = {"unhealthy: body of HTTP {d}", 4},
	[LP_H2] = {"grpc: {w}: {d}", 2},
	[LP_RPC] = {"grpc: {d}", 3},
	[LP_GRPC_UNHEALTHY] = {"grpc: {d}", 4},
	[LP_INTERNAL] = {"internal error: {d}", 1},
};

int lp_fail(struct lp_result *r, enum lp_kind kind, const char *fmt, ...)
{
	va_list ap;

	r->kind = kind;
	va_start(ap, fmt);
	vsnprintf(r->detail, sizeof r->detail, fmt, ap);
	va_end(ap);
	return -1;
}

char *lp_quote(char *dst, size_t cap, const void *src, size_t len)
{
	const unsigned char *s = src;
	size_t i, n = 0, keep = len > 128 ? 128 : len;

	if (cap == 0)
		return dst;
	for (i = 0; i < keep && n + 1 < cap; i++)
		dst[n++] = (s[i] >= 0x20 && s[i] < 0x7f) ? (char)s[i] : '.';
	if (len > keep)
		for (i = 0; i < 3 && n + 1 < cap; i++)
			dst[n++] = '.';
	dst[n] = '\0';
	return dst;
}

void lp_report_format(const struct lp_result *r, char *buf, size_t cap)
{
	const char *t = lp_table[r->kind].tmpl, *ins;
	size_t n = 0, k;

	if (cap == 0)
		return;
	for (; *t && n + 1 < cap; t++) {
		if (t[0] == '{' && (t[1] == 'w' || t[1] == 'd') && t[2] == '}') {
			ins = t[1] == 'w' ? r->where : r->detail;
			for (k = 0; ins[k] && n + 1 < cap; k++)
				buf[n++] = ins[k];
			t += 2;
		} else {
			buf[n++] = *t;
		}
	}
	buf[n] = '\0';
}

int lp_report_exit_code(const struct lp_result *r, enum lp_exit_mode mode)
{
	if (r->kind == LP_OK)
		return 0;
	return mode == LP_EXIT_DETAILED ? lp_table[r->kind].exit_detailed : 1;
}

static void lp_write_line(const char *msg)
{
	char line[LP_WHERE_MAX + 2 * LP_DETAIL_MAX + 16];
	int n = snprintf(line, sizeof line, "lprobe: %s\n", msg);

	if (n < 0)
		return;
	if ((size_t)n >= sizeof line) {
		n = (int)sizeof line - 1;
		line[n - 1] = '\n';
	}
	/* One write(2): the line reaches Docker's log atomically. */
	if (write(2, line, (size_t)n) < 0)
		return;
}

int lp_report(const struct lp_result *r, enum lp_exit_mode mode)
{
	char msg[LP_WHERE_MAX + 2 * LP_DETAIL_MAX];

	if (r->kind != LP_OK) {
		lp_report_format(r, msg, sizeof msg);
		lp_write_line(msg);
	}
	return lp_report_exit_code(r, mode);
}

void lp_log(const char *fmt, ...)
{
	char msg[LP_WHERE_MAX + 2 * LP_DETAIL_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	lp_write_line(msg);
}
