/*
 * report.c -- the failure table: each kind's message template and its exit
 * status under -exit-codes=detailed (grpc_health_probe's numbering).
 * Templates expand {w} to the result's "where" and {d} to its "detail".
 */
#include "report.h"

#include <stdio.h>
#include <string.h>

#include "log.h"

static const struct {
	const char *tmpl;
	unsigned char exit_detailed;
} lp_table[LP_KIND_COUNT] = {
	[LP_UNDECIDED] = {"internal error: the probe ended without a verdict", 1},
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
	[LP_FLOOD] = {"too much from {w}: over {d} without a complete answer", 3},
	[LP_HTTP_STATUS] = {"unhealthy: HTTP {d}", 4},
	[LP_BODY_MISMATCH] = {"unhealthy: body of HTTP {d}", 4},
	[LP_H2] = {"grpc: {w}: {d}", 2},
	[LP_RPC] = {"grpc: {d}", 3},
	[LP_GRPC_UNHEALTHY] = {"grpc: {d}", 4},
	[LP_INTERNAL] = {"internal error: {d}", 1},
};

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

int lp_report(const struct lp_result *r, enum lp_exit_mode mode)
{
	char msg[LP_WHERE_MAX + 2 * LP_DETAIL_MAX];

	if (r->kind != LP_OK) {
		lp_report_format(r, msg, sizeof msg);
		lp_log_line(2, msg);
	}
	return lp_report_exit_code(r, mode);
}
