/*
 * test_probe.c -- the probe API itself (probe.h): sixteen probes of mixed
 * modes in one run of the poll loop, each with its own verdict; a gRPC
 * probe carrying several checks on one connection; more probes than fit
 * refused, never skipped.
 *
 * The peers are the far ends of socketpairs: each one's whole answer is
 * queued before the loop runs and its write side shut (end of stream after
 * it), as fuzz/fuzz_exchange.c does; the integration tests do the same
 * against real nginx and gRPC servers, TLS included.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "config.h"
#include "probe.h"

/* ---- HTTP/2 answers, built as a gRPC server sends them (RFC 9113) --------- */

struct bytes {
	unsigned char b[2048];
	size_t n;
};

static void put(struct bytes *o, const void *p, size_t n)
{
	assert_true(o->n + n <= sizeof o->b);
	memcpy(o->b + o->n, p, n);
	o->n += n;
}

static void frame(struct bytes *o, unsigned type, unsigned flags, unsigned sid, const void *payload,
		  size_t len)
{
	unsigned char h[9] = {
		(unsigned char)(len >> 16), (unsigned char)(len >> 8), (unsigned char)len,
		(unsigned char)type,	    (unsigned char)flags,      (unsigned char)(sid >> 24),
		(unsigned char)(sid >> 16), (unsigned char)(sid >> 8), (unsigned char)sid};

	put(o, h, 9);
	put(o, payload, len);
}

/* A literal header field without indexing, new name (RFC 7541 §6.2.2). */
static size_t lit(unsigned char *dst, const char *name, const char *value)
{
	size_t nl = strlen(name), vl = strlen(value);

	dst[0] = 0, dst[1] = (unsigned char)nl;
	memcpy(dst + 2, name, nl);
	dst[2 + nl] = (unsigned char)vl;
	memcpy(dst + 3 + nl, value, vl);
	return 3 + nl + vl;
}

/* Stream sid's whole answer: :status 200, content-type, one message with
 * HealthCheckResponse{status}, trailers with grpc_status. */
static void answer(struct bytes *o, unsigned sid, unsigned status, const char *grpc_status)
{
	unsigned char h[64], msg[7] = {0, 0, 0, 0, 2, 0x08, (unsigned char)status};
	size_t n;

	h[0] = 0x88; /* :status 200, static table index 8 */
	n = 1 + lit(h + 1, "content-type", "application/grpc");
	frame(o, 1, 4, sid, h, n); /* HEADERS, END_HEADERS */
	frame(o, 0, 0, sid, msg, sizeof msg);
	n = lit(h, "grpc-status", grpc_status);
	frame(o, 1, 5, sid, h, n); /* HEADERS, END_HEADERS | END_STREAM */
}

static void h2_open(struct bytes *o)
{
	frame(o, 4, 0, 0, NULL, 0); /* SETTINGS */
	frame(o, 4, 1, 0, NULL, 0); /* SETTINGS ACK */
}

/* ---- a run of probes ------------------------------------------------------------ */

#define N 16

static struct lp_config cfg[N + 1], more[2];
static struct lp_probe probes[N + 1];
static int peer[N + 1];

static void config_of(struct lp_config *c, const char *flags)
{
	char buf[256], *argv[12];
	struct lp_result r;
	int argc = 0;

	snprintf(buf, sizeof buf, "%s", flags);
	argv[argc++] = (char *)"lprobe";
	for (char *t = strtok(buf, " "); t && argc < 11; t = strtok(NULL, " "))
		argv[argc++] = t;
	argv[argc] = NULL;
	/* flags with string values would point into buf: these have none */
	if (lp_config_parse(c, argc, argv, NULL, &r) != 0)
		fail_msg("%s: %s", flags, r.detail);
}

/* Probe i, adopted on a socketpair whose far end has queued answer. */
static void start(size_t i, const void *answer_bytes, size_t len)
{
	struct lp_result r;
	int sv[2];

	assert_int_equal(lp_probe_init(&probes[i], &cfg[i], NULL, &r), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	assert_int_equal(fcntl(sv[0], F_SETFL, O_NONBLOCK), 0);
	assert_int_equal(write(sv[1], answer_bytes, len), (ssize_t)len);
	shutdown(sv[1], SHUT_WR);
	peer[i] = sv[1];
	lp_probe_adopt(&probes[i], sv[0]);
}

#define HTTP(s) s, sizeof(s) - 1

static void test_sixteen_mixed_probes_each_get_their_own_verdict(void **state)
{
	static const struct {
		const char *flags;
		enum lp_kind want;
	} kinds[4] = {
		{"-port=1", LP_OK},
		{"-port=1 -mode=grpc", LP_OK},
		{"-port=1 -mode=tcp", LP_OK},
		{"-port=1", LP_HTTP_STATUS},
	};
	struct bytes h2;
	size_t i;

	(void)state;
	memset(&h2, 0, sizeof h2);
	h2_open(&h2);
	answer(&h2, 1, 1, "0"); /* SERVING */
	for (i = 0; i < N; i++) {
		config_of(&cfg[i], kinds[i % 4].flags);
		if (i % 4 == 0)
			start(i, HTTP("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"));
		else if (i % 4 == 1)
			start(i, h2.b, h2.n);
		else if (i % 4 == 2)
			start(i, "", 0);
		else
			start(i, HTTP("HTTP/1.1 503 Unavailable\r\nContent-Length: 0\r\n\r\n"));
	}
	lp_probes_finish(probes, N);
	for (i = 0; i < N; i++) {
		const struct lp_result *r = lp_probe_result(&probes[i]);
		if (r->kind != kinds[i % 4].want)
			fail_msg("probe %zu (%s): kind %d, want %d: %s", i, kinds[i % 4].flags,
				 (int)r->kind, (int)kinds[i % 4].want, r->detail);
		assert_int_equal(probes[i].phase, LP_PH_DONE);
		assert_int_equal(probes[i].x.conn.fd, -1); /* released, closed */
		close(peer[i]);
	}
	assert_non_null(strstr(lp_probe_result(&probes[3])->detail, "503"));
}

/* A -service list: three checks on one connection, answered out of order,
 * one NOT_SERVING; each check has its own verdict, the probe the first
 * failure. */
static void test_grpc_checks_share_a_connection_with_a_verdict_each(void **state)
{
	struct bytes h2;
	struct lp_result r;
	const struct lp_result *v;

	(void)state;
	memset(&h2, 0, sizeof h2);
	h2_open(&h2);
	answer(&h2, 5, 1, "0");
	answer(&h2, 3, 2, "0"); /* NOT_SERVING */
	answer(&h2, 1, 1, "0");
	config_of(&cfg[0], "-port=1 -mode=grpc");
	cfg[0].service = "a";
	more[0] = cfg[0], more[0].service = "b";
	more[1] = cfg[0], more[1].service = "c";
	assert_int_equal(lp_probe_init(&probes[0], &cfg[0], NULL, &r), 0);
	assert_int_equal(lp_probe_share(&probes[0], &more[0], &r), 0);
	assert_int_equal(lp_probe_share(&probes[0], &more[1], &r), 0);
	{
		int sv[2];
		assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
		assert_int_equal(fcntl(sv[0], F_SETFL, O_NONBLOCK), 0);
		assert_int_equal(write(sv[1], h2.b, h2.n), (ssize_t)h2.n);
		shutdown(sv[1], SHUT_WR);
		peer[0] = sv[1];
		lp_probe_adopt(&probes[0], sv[0]);
	}
	lp_probes_finish(probes, 1);
	assert_int_equal(lp_probe_check_result(&probes[0], 0)->kind, LP_OK);
	v = lp_probe_check_result(&probes[0], 1);
	assert_int_equal(v->kind, LP_GRPC_UNHEALTHY);
	assert_non_null(strstr(v->detail, "service \"b\" is NOT_SERVING"));
	assert_int_equal(lp_probe_check_result(&probes[0], 2)->kind, LP_OK);
	assert_int_equal(lp_probe_result(&probes[0])->kind, LP_GRPC_UNHEALTHY);
	close(peer[0]);
}

/* http and tcp carry one check per connection. */
static void test_only_grpc_shares_a_connection(void **state)
{
	struct lp_result r;

	(void)state;
	config_of(&cfg[0], "-port=1");
	assert_int_equal(lp_probe_init(&probes[0], &cfg[0], NULL, &r), 0);
	assert_int_equal(lp_probe_share(&probes[0], &cfg[0], &r), -1);
	assert_int_equal(r.kind, LP_INTERNAL);
}

/* Issue 9: a harness running 17 probes got "healthy" for the 17th.  Now
 * none starts, and each says why. */
static void test_more_probes_than_fit_are_refused_not_skipped(void **state)
{
	struct lp_result r;
	size_t i;

	(void)state;
	for (i = 0; i < N + 1; i++) {
		config_of(&cfg[i], "-port=1 -mode=tcp");
		assert_int_equal(lp_probe_init(&probes[i], &cfg[i], NULL, &r), 0);
		assert_int_equal(lp_probe_result(&probes[i])->kind, LP_UNDECIDED);
	}
	lp_probes_connect(probes, N + 1);
	lp_probes_finish(probes, N + 1);
	for (i = 0; i < N + 1; i++) {
		const struct lp_result *res = lp_probe_result(&probes[i]);
		assert_int_equal(res->kind, LP_INTERNAL);
		assert_non_null(strstr(res->detail, "more than 16 probes"));
		assert_int_equal(probes[i].x.conn.fd, -1); /* no socket was made */
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sixteen_mixed_probes_each_get_their_own_verdict),
		cmocka_unit_test(test_grpc_checks_share_a_connection_with_a_verdict_each),
		cmocka_unit_test(test_only_grpc_shares_a_connection),
		cmocka_unit_test(test_more_probes_than_fit_are_refused_not_skipped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
