/*
 * fuzz_config.c -- libFuzzer target for the command line, the environment
 * and the loopback-only target policy.
 *
 * Input: byte 0 = how many of the NUL-separated strings that follow are
 * environment entries (taken from the end, 0-3); the others are argv[1..].
 * Checked: a refusal is a usage error with a reason; an accepted
 * configuration has values in range; a target is only ever 127.0.0.0/8,
 * ::1 or a unix path (SPEC security guarantee 1); the HTTP request built
 * from any accepted configuration is one head ending in one empty line
 * (no header injection); durations and -http-codes parse consistently;
 * lp_parse_ipv4 agrees with inet_pton.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "http1.h"
#include "report.h"
#include "target.h"

#define CHECK(cond)                                                                             \
	do {                                                                                    \
		if (!(cond)) {                                                                  \
			fprintf(stderr, "fuzz_config: invariant failed: %s (line %d)\n", #cond, \
				__LINE__);                                                      \
			abort();                                                                \
		}                                                                               \
	} while (0)

#define MAX_STRINGS 24

static void check_string_parsers(const char *s)
{
	struct lp_code_range codes[LP_MAX_CODE_RANGES];
	struct in_addr a, b;
	char buf[64];
	int64_t ms, again;
	int n, i;

	if (lp_parse_duration(s, &ms) == 0) {
		CHECK(ms >= 1 && ms <= 86400000);
		lp_format_duration(ms, buf, sizeof buf);
		CHECK(lp_parse_duration(buf, &again) == 0 && again == ms);
	}
	n = lp_parse_codes(s, codes, LP_MAX_CODE_RANGES);
	CHECK(n == -1 || (n >= 1 && n <= LP_MAX_CODE_RANGES));
	for (i = 0; i < n; i++)
		CHECK(codes[i].lo >= 100 && codes[i].lo <= codes[i].hi && codes[i].hi <= 599);
	if (lp_parse_ipv4(s, strlen(s), &a) == 0) {
		CHECK(inet_pton(AF_INET, s, &b) == 1);
		CHECK(a.s_addr == b.s_addr);
	}
}

/* The request is "line CRLF (header CRLF)* CRLF": every CR is followed by
 * LF, every LF preceded by CR, and the only empty line is the last. */
static void check_request(const char *req, size_t n)
{
	size_t i;

	CHECK(n >= 4 && strlen(req) == n);
	CHECK(memcmp(req + n - 4, "\r\n\r\n", 4) == 0);
	for (i = 0; i < n; i++) {
		if (req[i] == '\r')
			CHECK(i + 1 < n && req[i + 1] == '\n');
		if (req[i] == '\n')
			CHECK(i > 0 && req[i - 1] == '\r');
		if (i + 4 < n)
			CHECK(memcmp(req + i, "\r\n\r\n", 4) != 0);
	}
}

static void check_target(const struct lp_config *c)
{
	static const unsigned char v6_loopback[16] = {[15] = 1};
	static char req[LP_REQUEST_MAX];
	struct lp_target t;
	struct lp_result r;
	size_t n;

	memset(&r, 0, sizeof r);
	if (lp_target_from_config(c, &t, &r) < 0) {
		CHECK(r.kind == LP_TARGET || r.kind == LP_USAGE);
		CHECK(r.detail[0] != '\0');
		return;
	}
	switch (t.addr.sa.sa_family) {
	case AF_INET:
		CHECK((ntohl(t.addr.in.sin_addr.s_addr) >> 24) == 127);
		CHECK(ntohs(t.addr.in.sin_port) >= 1);
		break;
	case AF_INET6:
		CHECK(memcmp(&t.addr.in6.sin6_addr, v6_loopback, 16) == 0);
		CHECK(t.addr.in6.sin6_scope_id == 0 && ntohs(t.addr.in6.sin6_port) >= 1);
		break;
	case AF_UNIX:
		CHECK(t.addr.un.sun_path[0] != '\0');
		break;
	default:
		CHECK(0 && "unexpected address family");
	}
	CHECK(memchr(t.name, '\0', sizeof t.name) != NULL);
	/* the Host lp_http1_begin would send */
	n = lp_http1_request(req, sizeof req, c,
			     c->host			      ? c->host
			     : t.addr.sa.sa_family == AF_UNIX ? "localhost"
							      : t.name);
	if (n)
		check_request(req, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf, *strs[MAX_STRINGS], *argv[MAX_STRINGS + 2], *envp[MAX_STRINGS + 1];
	struct lp_config c;
	struct lp_result r;
	char msg[LP_WHERE_MAX + 2 * LP_DETAIL_MAX];
	int n = 0, n_env, argc = 0, i;
	size_t k;

	if (size < 1 || size > 4096)
		return 0;
	buf = malloc(size);
	if (!buf)
		return 0;
	memcpy(buf, data + 1, size - 1);
	buf[size - 1] = '\0';
	strs[n++] = buf;
	for (k = 0; k + 1 < size && n < MAX_STRINGS; k++)
		if (buf[k] == '\0' && k + 1 < size - 1)
			strs[n++] = buf + k + 1;
	n_env = data[0] % 4;
	if (n_env > n)
		n_env = n;

	for (i = 0; i < n; i++)
		check_string_parsers(strs[i]);

	argv[argc++] = (char *)"lprobe";
	for (i = 0; i < n - n_env; i++)
		argv[argc++] = strs[i];
	argv[argc] = NULL;
	for (i = 0; i < n_env; i++)
		envp[i] = strs[n - n_env + i];
	envp[n_env] = NULL;

	memset(&r, 0, sizeof r);
	if (lp_config_parse(&c, argc, argv, envp, &r) < 0) {
		CHECK(r.kind == LP_USAGE);
		CHECK(r.detail[0] != '\0' && memchr(r.detail, '\0', sizeof r.detail));
		lp_report_format(&r, msg, sizeof msg);
		CHECK(strncmp(msg, "usage: ", 7) == 0);
		CHECK(lp_report_exit_code(&r, LP_EXIT_DOCKER) == 1);
	} else if (c.action == LP_RUN) {
		CHECK(c.port >= 1 && c.port <= 65535);
		CHECK(c.n_codes >= 1 && c.n_codes <= LP_MAX_CODE_RANGES);
		CHECK(c.connect_timeout_ms >= 1 && c.connect_timeout_ms <= 86400000);
		CHECK(c.rpc_timeout_ms >= 1 && c.rpc_timeout_ms <= 86400000);
		CHECK(c.n_http_headers >= 0 && c.n_http_headers <= LP_MAX_HEADERS);
		CHECK(c.n_rpc_headers >= 0 && c.n_rpc_headers <= LP_MAX_HEADERS);
		CHECK(!c.tls_no_verify || c.tls);
		CHECK(!c.expect_body || c.method == LP_GET);
		check_target(&c);
	}
	free(buf);
	return 0;
}
