/*
 * test_http1_request.c -- the HTTP/1.1 exchange of http1.h: the exact bytes
 * of the request (SPEC "Verdict: http": Accept and Connection: close), and
 * the verdict on an answer, replayed through a socketpair.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "config.h"
#include "http1.h"
#include "target.h"

/* The http mode's table, driven as probe.c drives it. */
static void exchange_of(struct lp_exchange *x, const struct lp_config *c, const struct lp_target *t)
{
	memset(x, 0, sizeof *x);
	x->cfg = c;
	x->target = t;
	x->deadline = INT64_MAX;
	lp_conn_init(&x->conn, &x->deadline);
}

/* What a timeout now would say the exchange was doing. */
static const char *waiting_for(struct lp_http1_probe *h, struct lp_exchange *x)
{
	lp_http1_mode.expire(h, x, "1s");
	return x->res.detail;
}

static void config_of(struct lp_config *c, const char *const *args)
{
	char *argv[24];
	struct lp_result r;
	int argc = 0;

	argv[argc++] = (char *)"lprobe";
	for (; args && *args; args++)
		argv[argc++] = (char *)*args;
	argv[argc] = NULL;
	if (lp_config_parse(c, argc, argv, NULL, &r) != 0)
		fail_msg("config refused: %s", r.detail);
}

static void test_request_bytes_are_exact(void **state)
{
	static const struct {
		const char *args[8];
		const char *host;
		const char *want;
	} cases[] = {
		{{NULL},
		 "127.0.0.1:8080",
		 "GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: lprobe\r\nAccept: */*\r\n"
		 "Connection: close\r\n\r\n"},
		{{"-method=HEAD"},
		 "127.0.0.1:8080",
		 "HEAD / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: lprobe\r\nAccept: */*\r\n"
		 "Connection: close\r\n\r\n"},
		{{"-endpoint=/healthz?full=1&x=%20"},
		 "[::1]:9000",
		 "GET /healthz?full=1&x=%20 HTTP/1.1\r\nHost: [::1]:9000\r\nUser-Agent: lprobe\r\n"
		 "Accept: */*\r\nConnection: close\r\n\r\n"},
		{{"-endpoint=healthz"},
		 "127.0.0.1:8080",
		 "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: lprobe\r\n"
		 "Accept: */*\r\nConnection: close\r\n\r\n"},
		{{"-endpoint=?q"},
		 "127.0.0.1:8080",
		 "GET /?q HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: lprobe\r\n"
		 "Accept: */*\r\nConnection: close\r\n\r\n"},
		{{"-user-agent=kube-probe/1.30"},
		 "app.internal",
		 "GET / HTTP/1.1\r\nHost: app.internal\r\nUser-Agent: kube-probe/1.30\r\n"
		 "Accept: */*\r\nConnection: close\r\n\r\n"},
		{{"-http-header=X-B: 2", "-http-header=X-A: 1",
		  "-http-header=Authorization: Bearer t"},
		 "127.0.0.1:8080",
		 "GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: lprobe\r\nAccept: */*\r\n"
		 "Connection: close\r\nX-B: 2\r\nX-A: 1\r\nAuthorization: Bearer t\r\n\r\n"},
		/* DECISIONS: an Accept of the user's replaces ours, in any case */
		{{"-http-header=accept: application/json"},
		 "127.0.0.1:8080",
		 "GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: lprobe\r\n"
		 "Connection: close\r\naccept: application/json\r\n\r\n"},
	};
	struct lp_config c;
	char buf[LP_REQUEST_MAX];
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		config_of(&c, cases[i].args);
		n = lp_http1_request(buf, sizeof buf, &c, cases[i].host);
		if (n != strlen(cases[i].want) || memcmp(buf, cases[i].want, n) != 0)
			fail_msg("case %zu: got %zu bytes \"%.*s\"", i, n, (int)n, buf);
		assert_int_equal(buf[n], '\0');
	}
}

static void test_request_that_does_not_fit_returns_zero(void **state)
{
	static const char want[] = "GET / HTTP/1.1\r\nHost: h\r\nUser-Agent: lprobe\r\n"
				   "Accept: */*\r\nConnection: close\r\n\r\n";
	struct lp_config c;
	char buf[sizeof want + 8];
	size_t cap;

	(void)state;
	config_of(&c, NULL);
	/* it needs room for the terminating NUL too */
	assert_int_equal(lp_http1_request(buf, sizeof want, &c, "h"), sizeof want - 1);
	assert_memory_equal(buf, want, sizeof want);
	for (cap = 0; cap < sizeof want; cap++)
		if (lp_http1_request(buf, cap, &c, "h") != 0)
			fail_msg("fitted in %zu bytes", cap);
}

static void test_request_with_headers_that_does_not_fit_returns_zero(void **state)
{
	static const char *const args[] = {"-http-header=X-A: 1", "-http-header=X-B: 2", NULL};
	struct lp_config c;
	char buf[256];
	size_t full, cap;

	(void)state;
	config_of(&c, args);
	full = lp_http1_request(buf, sizeof buf, &c, "h");
	assert_true(full > 0);
	assert_int_equal(lp_http1_request(buf, full + 1, &c, "h"), full);
	for (cap = 0; cap <= full; cap++)
		if (lp_http1_request(buf, cap, &c, "h") != 0)
			fail_msg("fitted in %zu bytes", cap);
}

static void test_begin_uses_the_target_as_host_unless_host_is_given(void **state)
{
	static const struct {
		const char *args[4];
		const char *host_line;
	} cases[] = {
		{{NULL}, "\r\nHost: 127.0.0.1:8080\r\n"},
		{{"-ipv6", "-port=9000"}, "\r\nHost: [::1]:9000\r\n"},
		{{"-addr=127.0.0.5:81", "-mode=http"}, "\r\nHost: 127.0.0.5:81\r\n"},
		{{"-unix=/run/app.sock"}, "\r\nHost: localhost\r\n"},
		{{"-host=app.internal"}, "\r\nHost: app.internal\r\n"},
		{{"-host=app.internal", "-unix=/run/app.sock"}, "\r\nHost: app.internal\r\n"},
	};
	static struct lp_http1_probe h;
	struct lp_exchange x;
	struct lp_config c;
	struct lp_target t;
	struct lp_result r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		config_of(&c, cases[i].args);
		assert_int_equal(lp_target_from_config(&c, &t, &r), 0);
		exchange_of(&x, &c, &t);
		assert_int_equal(lp_http1_mode.prepare(&h, &x, &r), 0);
		assert_int_equal(lp_http1_mode.begin(&h, &x), 0);
		assert_int_equal(h.req_len, strlen(h.req));
		if (!strstr(h.req, cases[i].host_line))
			fail_msg("case %zu: no \"%s\" in \"%s\"", i, cases[i].host_line, h.req);
		assert_non_null(strstr(waiting_for(&h, &x), "sending the request to"));
	}
}

static void test_begin_refuses_a_request_over_8_kib(void **state)
{
	static char hdr[LP_MAX_HEADERS][700];
	const char *args[LP_MAX_HEADERS + 1];
	static struct lp_http1_probe h;
	struct lp_config c;
	struct lp_target t;
	struct lp_result r;
	int i;

	(void)state;
	for (i = 0; i < LP_MAX_HEADERS; i++) {
		snprintf(hdr[i], sizeof hdr[i], "-http-header=X-%d: ", i);
		memset(hdr[i] + strlen(hdr[i]), 'v', sizeof hdr[i] - 1 - strlen(hdr[i]));
		args[i] = hdr[i];
	}
	args[LP_MAX_HEADERS] = NULL;
	struct lp_exchange x;

	config_of(&c, args);
	assert_int_equal(lp_target_from_config(&c, &t, &r), 0);
	exchange_of(&x, &c, &t);
	assert_int_equal(lp_http1_mode.prepare(&h, &x, &r), -1);
	assert_int_equal(r.kind, LP_USAGE);
}

/* --- the verdict ------------------------------------------------------------ */

/* Serves `resp` (len bytes; then closes if `close_after`) to an http1
 * exchange over a socketpair and returns its verdict in r.  The exchange is
 * driven as the probe loop drives it: step, and when it asks to wait, poll
 * for the events it names -- as many rounds as it takes.  Once the whole
 * answer is there, a wait that sees nothing within a second is a hang. */
static void exchange(const char *const *args, const char *resp, size_t len, bool close_after,
		     struct lp_result *r)
{
	static struct lp_http1_probe h;
	static char sink[65536];
	struct lp_config c;
	struct lp_target t;
	struct lp_exchange x;
	struct pollfd pfd;
	size_t off = 0;
	ssize_t n;
	int sv[2], rounds = 0;
	bool shut = false, all_there;

	config_of(&c, args);
	assert_int_equal(lp_target_from_config(&c, &t, r), 0);
	memset(&h, 0, sizeof h);
	exchange_of(&x, &c, &t);
	assert_int_equal(lp_http1_mode.prepare(&h, &x, r), 0);
	assert_int_equal(lp_http1_mode.begin(&h, &x), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
	x.conn.fd = sv[0];
	for (;;) {
		if (off < len) {
			n = write(sv[1], resp + off, len - off);
			if (n > 0)
				off += (size_t)n;
			else
				assert_true(n < 0 && errno == EAGAIN);
		} else if (close_after && !shut) {
			shutdown(sv[1], SHUT_WR);
			shut = true;
		}
		while (read(sv[1], sink, sizeof sink) > 0) /* the request */
			;
		if (lp_http1_mode.step(&h, &x) == 1)
			break;
		if (++rounds > 100000)
			fail_msg("no verdict");
		all_there = off == len && (shut || !close_after);
		pfd.fd = x.conn.fd, pfd.events = (short)x.conn.events, pfd.revents = 0;
		if (poll(&pfd, 1, all_there ? 1000 : 0) == 0 && all_there)
			fail_msg("waiting for more: %s", waiting_for(&h, &x));
	}
	*r = x.res;
	close(sv[0]);
	close(sv[1]);
}

#define RESP(s) s, sizeof(s) - 1

static void test_verdict_on_well_formed_answers(void **state)
{
	static const struct {
		const char *name;
		const char *args[4];
		const char *resp;
		size_t len;
		bool close_after;
		enum lp_kind kind;
		const char *detail; /* substring, or NULL */
	} cases[] = {
		{"200 is healthy",
		 {NULL},
		 RESP("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
		 false,
		 LP_OK,
		 NULL},
		{"healthy as soon as the head is in",
		 {NULL},
		 RESP("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial"),
		 false,
		 LP_OK,
		 NULL},
		{"503 is unhealthy",
		 {"-endpoint=healthz"},
		 RESP("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n"),
		 false,
		 LP_HTTP_STATUS,
		 "503 from 127.0.0.1:8080/healthz"},
		{"redirect status is judged, not followed",
		 {NULL},
		 RESP("HTTP/1.1 302 Found\r\nLocation: http://169.254.169.254/latest/meta-data/\r\n"
		      "Content-Length: 0\r\n\r\n"),
		 false,
		 LP_HTTP_STATUS,
		 "302 from 127.0.0.1:8080/"},
		{"redirect accepted when listed",
		 {"-http-codes=200-399"},
		 RESP("HTTP/1.1 301 Moved\r\nLocation: /x\r\nContent-Length: 0\r\n\r\n"),
		 false,
		 LP_OK,
		 NULL},
		{"204 when listed",
		 {"-http-codes=204"},
		 RESP("HTTP/1.1 204 No Content\r\n\r\n"),
		 false,
		 LP_OK,
		 NULL},
		{"200 when not listed",
		 {"-http-codes=204"},
		 RESP("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
		 false,
		 LP_HTTP_STATUS,
		 "200 from"},
		{"interim then 200",
		 {NULL},
		 RESP("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n\r\n"),
		 false,
		 LP_OK,
		 NULL},
		{"HEAD",
		 {"-method=HEAD"},
		 RESP("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n"),
		 false,
		 LP_OK,
		 NULL},
		{"expected body found",
		 {"-expect-body=UP"},
		 RESP("HTTP/1.1 200 OK\r\nContent-Length: 15\r\n\r\n{\"status\":\"UP\"}"),
		 false,
		 LP_OK,
		 NULL},
		{"expected body found across chunks",
		 {"-expect-body=healthy"},
		 RESP("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nheal\r\n"
		      "3\r\nthy\r\n0\r\n\r\n"),
		 false,
		 LP_OK,
		 NULL},
		{"expected body absent",
		 {"-expect-body=UP"},
		 RESP("HTTP/1.1 200 OK\r\nContent-Length: 17\r\n\r\n{\"status\":\"DOWN\"}"),
		 false,
		 LP_BODY_MISMATCH,
		 "does not contain \"UP\""},
		{"expected body in a close-delimited body",
		 {"-expect-body=ok"},
		 RESP("HTTP/1.0 200 OK\r\n\r\nall ok"),
		 true,
		 LP_OK,
		 NULL},
		{"expected body absent from a close-delimited body",
		 {"-expect-body=ok"},
		 RESP("HTTP/1.0 200 OK\r\n\r\nall bad"),
		 true,
		 LP_BODY_MISMATCH,
		 NULL},
		{"status is judged before the body",
		 {"-expect-body=ok"},
		 RESP("HTTP/1.1 500 x\r\nContent-Length: 2\r\n\r\nok"),
		 false,
		 LP_HTTP_STATUS,
		 NULL},
	};
	struct lp_result r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		exchange(cases[i].args, cases[i].resp, cases[i].len, cases[i].close_after, &r);
		if (r.kind != cases[i].kind ||
		    (cases[i].detail && !strstr(r.detail, cases[i].detail)))
			fail_msg("%s: kind %d \"%s\", want kind %d \"%s\"", cases[i].name,
				 (int)r.kind, r.detail, (int)cases[i].kind,
				 cases[i].detail ? cases[i].detail : "");
	}
}

static void test_verdict_on_broken_answers(void **state)
{
	static const struct {
		const char *name;
		const char *resp;
		size_t len;
		enum lp_kind kind;
		const char *detail;
	} cases[] = {
		{"garbage is malformed and quoted printable",
		 RESP("SSH-2.0-OpenSSH_9.6\r\n\x1b[31m"), LP_MALFORMED, "\"SSH-2.0-OpenSSH_9.6"},
		{"HTTP/2 answer is malformed", RESP("HTTP/2 200\r\n\r\n"), LP_MALFORMED, NULL},
		{"cut headers", RESP("HTTP/1.1 200 OK\r\nContent-"), LP_CLOSED,
		 "the response headers were complete"},
		{"nothing at all", RESP(""), LP_CLOSED, "the response headers were complete"},
	};
	struct lp_result r;
	const char *p;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		exchange(NULL, cases[i].resp, cases[i].len, true, &r);
		if (r.kind != cases[i].kind ||
		    (cases[i].detail && !strstr(r.detail, cases[i].detail)))
			fail_msg("%s: kind %d \"%s\", want kind %d \"%s\"", cases[i].name,
				 (int)r.kind, r.detail, (int)cases[i].kind,
				 cases[i].detail ? cases[i].detail : "");
		for (p = r.detail; *p; p++)
			if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
				fail_msg("%s: unprintable byte in \"%s\"", cases[i].name, r.detail);
	}
}

static void test_headers_over_64k_are_refused(void **state)
{
	static char resp[LP_H1_HEAD_MAX + 64];
	struct lp_result r;
	size_t n = (size_t)snprintf(resp, sizeof resp, "HTTP/1.1 200 OK\r\nX: ");

	(void)state;
	memset(resp + n, 'a', sizeof resp - n);
	exchange(NULL, resp, sizeof resp, false, &r);
	assert_int_equal(r.kind, LP_TOO_LARGE);
}

/* SPEC: -expect-body must occur in the first 64 KiB of the body. */
static void test_expect_body_is_searched_in_the_first_64k_only(void **state)
{
	static const char *const args[] = {"-expect-body=NEEDLE", NULL};
	static char resp[LP_BODY_MAX + 256];
	struct lp_result r;
	size_t head, n;

	(void)state;
	head = (size_t)snprintf(resp, sizeof resp, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n",
				LP_BODY_MAX + 16);
	n = head + LP_BODY_MAX + 16;
	memset(resp + head, '.', LP_BODY_MAX + 16);

	memcpy(resp + head + LP_BODY_MAX - 6, "NEEDLE", 6); /* ends at byte 64 Ki */
	exchange(args, resp, n, false, &r);
	assert_int_equal(r.kind, LP_OK);

	memset(resp + head, '.', LP_BODY_MAX + 16);
	memcpy(resp + head + LP_BODY_MAX - 5, "NEEDLE", 6); /* straddles it */
	exchange(args, resp, n, false, &r);
	assert_int_equal(r.kind, LP_BODY_MISMATCH);

	memset(resp + head, '.', LP_BODY_MAX + 16);
	memcpy(resp + head + LP_BODY_MAX + 2, "NEEDLE", 6); /* after it */
	exchange(args, resp, n, false, &r);
	assert_int_equal(r.kind, LP_BODY_MISMATCH);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_bytes_are_exact),
		cmocka_unit_test(test_request_that_does_not_fit_returns_zero),
		cmocka_unit_test(test_request_with_headers_that_does_not_fit_returns_zero),
		cmocka_unit_test(test_begin_uses_the_target_as_host_unless_host_is_given),
		cmocka_unit_test(test_begin_refuses_a_request_over_8_kib),
		cmocka_unit_test(test_verdict_on_well_formed_answers),
		cmocka_unit_test(test_verdict_on_broken_answers),
		cmocka_unit_test(test_headers_over_64k_are_refused),
		cmocka_unit_test(test_expect_body_is_searched_in_the_first_64k_only),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
