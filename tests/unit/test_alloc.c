/*
 * test_alloc.c -- the bounded heap of arena.h (the static binary's malloc).
 *
 * The test binary keeps the C library's malloc (cmocka's own allocations
 * go there); the arena is called by name, lp_arena_*, exactly what alloc.c's
 * malloc/free/... forward to.  One arena serves the whole binary, so every
 * test gives back all it takes and checks that it did.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <nghttp2/nghttp2.h>
#include <zlib.h>

#include "arena.h"

static size_t in_use(void)
{
	struct lp_arena_stats s;

	lp_arena_stats(&s);
	return s.in_use;
}

static void assert_arena_empty(void)
{
	struct lp_arena_stats s;

	lp_arena_stats(&s);
	assert_int_equal(s.in_use, 0);
	assert_int_equal(s.blocks, 0);
}

static void test_payloads_are_16_byte_aligned(void **state)
{
	void *p[64];
	size_t i;

	(void)state;
	for (i = 0; i < 64; i++) {
		p[i] = lp_arena_malloc(i * 37);
		assert_non_null(p[i]);
		assert_int_equal((uintptr_t)p[i] % 16, 0);
	}
	for (i = 0; i < 64; i += 2)
		lp_arena_free(p[i]);
	for (i = 0; i < 64; i += 2) { /* reused space is aligned too */
		p[i] = lp_arena_realloc(lp_arena_malloc(i + 1), i * 53 + 1);
		assert_int_equal((uintptr_t)p[i] % 16, 0);
	}
	for (i = 0; i < 64; i++)
		lp_arena_free(p[i]);
	assert_arena_empty();
}

static void test_aligned_alloc_honours_any_power_of_two(void **state)
{
	size_t align;
	void *before, *p, *after;

	(void)state;
	before = lp_arena_malloc(24);
	for (align = 1; align <= 8192; align <<= 1) {
		p = lp_arena_aligned_alloc(align, 100);
		assert_non_null(p);
		assert_int_equal((uintptr_t)p % (align > 16 ? align : 16), 0);
		memset(p, 0x5a, 100);
		after = lp_arena_malloc(24); /* the padding was given back */
		lp_arena_free(p);
		lp_arena_free(after);
	}
	assert_null(lp_arena_aligned_alloc(48, 10));
	lp_arena_free(before);
	assert_arena_empty();
}

static void test_a_freed_block_is_reused(void **state)
{
	void *p, *q;

	(void)state;
	p = lp_arena_malloc(100);
	lp_arena_free(p);
	q = lp_arena_malloc(100);
	assert_ptr_equal(p, q);
	lp_arena_free(q);
	lp_arena_free(NULL);
	assert_arena_empty();
}

static void test_freed_neighbours_merge(void **state)
{
	static const int orders[][3] = {{0, 1, 2}, {0, 2, 1}, {2, 0, 1}, {1, 0, 2}, {2, 1, 0}};
	unsigned char *b[3], *big;
	size_t k, i;

	(void)state;
	for (k = 0; k < sizeof orders / sizeof orders[0]; k++) {
		for (i = 0; i < 3; i++)
			b[i] = lp_arena_malloc(1000);
		assert_ptr_equal(b[1], b[0] + 1024); /* 1000 + the tag, rounded to 16 */
		for (i = 0; i < 3; i++)
			lp_arena_free(b[orders[k][i]]);
		assert_arena_empty();
		/* all three and the rest of the arena are one block again */
		big = lp_arena_malloc(LP_ARENA_SIZE - 16);
		assert_ptr_equal(big, b[0]);
		lp_arena_free(big);
	}
}

static void test_realloc_shrinks_and_grows_in_place_when_it_can(void **state)
{
	unsigned char *p, *q, *next;
	size_t i;

	(void)state;
	p = lp_arena_malloc(4000);
	for (i = 0; i < 4000; i++)
		p[i] = (unsigned char)i;
	next = lp_arena_malloc(10);
	q = lp_arena_realloc(p, 100); /* shrink: same place, the tail freed */
	assert_ptr_equal(q, p);
	q = lp_arena_realloc(p, 3000); /* grow back into the freed tail */
	assert_ptr_equal(q, p);
	for (i = 0; i < 100; i++)
		assert_int_equal(p[i], (unsigned char)i);
	q = lp_arena_realloc(p, 8000); /* next is in use: it moves */
	assert_ptr_not_equal(q, p);
	for (i = 0; i < 100; i++)
		assert_int_equal(q[i], (unsigned char)i);
	lp_arena_free(next);
	p = lp_arena_realloc(q, 20000); /* next is free now: in place */
	assert_ptr_equal(p, q);
	assert_ptr_equal(lp_arena_realloc(p, 0), p); /* as musl: a minimal block */
	lp_arena_free(p);
	p = lp_arena_realloc(NULL, 0); /* as malloc(0) */
	assert_non_null(p);
	lp_arena_free(p);
	assert_arena_empty();
}

static void test_realloc_that_does_not_fit_keeps_the_block(void **state)
{
	unsigned char *p;

	(void)state;
	p = lp_arena_malloc(64);
	memset(p, 7, 64);
	assert_null(lp_arena_realloc(p, LP_ARENA_SIZE));
	assert_null(lp_arena_realloc(p, SIZE_MAX));
	assert_int_equal(p[63], 7);
	lp_arena_free(p);
	assert_arena_empty();
}

static void test_calloc_zeroes_and_refuses_overflow(void **state)
{
	unsigned char *p;
	size_t i;

	(void)state;
	assert_null(lp_arena_calloc(SIZE_MAX / 2, 3));
	assert_null(lp_arena_calloc((size_t)1 << (sizeof(size_t) * 4),
				    (size_t)1 << (sizeof(size_t) * 4)));
	p = lp_arena_malloc(512);
	memset(p, 0xaa, 512);
	lp_arena_free(p);
	p = lp_arena_calloc(16, 32); /* the same block, cleared */
	for (i = 0; i < 512; i++)
		assert_int_equal(p[i], 0);
	lp_arena_free(p);
	assert_arena_empty();
}

static void test_exhaustion_returns_null_then_recovers(void **state)
{
	enum { CHUNK = 64 * 1024 };
	void *p[LP_ARENA_SIZE / CHUNK + 1];
	size_t n = 0, i;

	(void)state;
	assert_null(lp_arena_malloc(LP_ARENA_SIZE));
	assert_null(lp_arena_malloc(SIZE_MAX));
	while ((p[n] = lp_arena_malloc(CHUNK)) != NULL)
		n++;
	/* every block but the last fits, tags included */
	assert_int_equal(n, LP_ARENA_SIZE / (CHUNK + 16));
	assert_null(lp_arena_malloc(CHUNK));
	lp_arena_free(p[n / 2]);
	p[n / 2] = lp_arena_malloc(CHUNK);
	assert_non_null(p[n / 2]);
	for (i = 0; i < n; i++)
		lp_arena_free(p[i]);
	assert_arena_empty();
	p[0] = lp_arena_malloc(LP_ARENA_SIZE - 16);
	assert_non_null(p[0]);
	lp_arena_free(p[0]);
}

/* Random churn: many small short-lived blocks around a few large ones, as
 * OpenSSL's start-up and handshake do (the OpenSSL build, tls_openssl.c,
 * allocates from this arena too).  Coalescing keeps the touched part of
 * the arena near the live peak, and all of it comes back. */
static void test_a_tls_library_churn_stays_near_its_live_peak(void **state)
{
	static void *slot[512];
	struct lp_arena_stats s;
	uint32_t x = 12345;
	size_t i, k, n;

	(void)state;
	lp_arena_reset_peak();
	for (i = 0; i < 200000; i++) {
		x = x * 1103515245 + 12345;
		k = (x >> 8) % 512;
		if (slot[k]) {
			lp_arena_free(slot[k]);
			slot[k] = NULL;
		} else {
			n = (x >> 20) % 32 == 0 ? (x >> 12) % 17000 : (x >> 12) % 300;
			slot[k] = lp_arena_malloc(n);
			assert_non_null(slot[k]);
		}
	}
	lp_arena_stats(&s);
	print_message("churn: peak %zu, touched %zu\n", s.peak, s.top);
	assert_true(s.top <= s.peak + s.peak / 2);
	for (k = 0; k < 512; k++)
		lp_arena_free(slot[k]), slot[k] = NULL;
	assert_arena_empty();
}

/* --- real users: nghttp2 sessions and zlib inflate streams ------------------ */

static void *mem_malloc(size_t n, void *ud)
{
	(void)ud;
	return lp_arena_malloc(n);
}
static void mem_free(void *p, void *ud)
{
	(void)ud;
	lp_arena_free(p);
}
static void *mem_calloc(size_t n, size_t size, void *ud)
{
	(void)ud;
	return lp_arena_calloc(n, size);
}
static void *mem_realloc(void *p, size_t n, void *ud)
{
	(void)ud;
	return lp_arena_realloc(p, n);
}
static nghttp2_mem arena_mem = {NULL, mem_malloc, mem_free, mem_calloc, mem_realloc};

static voidpf z_alloc(voidpf opaque, uInt items, uInt size)
{
	(void)opaque;
	return lp_arena_calloc(items, size);
}
static void z_free(voidpf opaque, voidpf p)
{
	(void)opaque;
	lp_arena_free(p);
}

#define NV(n, v)                                                                                   \
	{                                                                                          \
		(uint8_t *)(n), (uint8_t *)(v), sizeof(n) - 1, sizeof(v) - 1, NGHTTP2_NV_FLAG_NONE \
	}

static ssize_t send_message(nghttp2_session *s, int32_t id, uint8_t *buf, size_t len,
			    uint32_t *flags, nghttp2_data_source *src, void *ud)
{
	static const uint8_t msg[] = {0, 0, 0, 0, 2, 0x08, 0x01}; /* SERVING */

	(void)s, (void)id, (void)src, (void)ud;
	assert_true(len >= sizeof msg);
	memcpy(buf, msg, sizeof msg);
	*flags |= NGHTTP2_DATA_FLAG_EOF | NGHTTP2_DATA_FLAG_NO_END_STREAM;
	return sizeof msg;
}

/* A gRPC health client session as grpc.c makes it, on the arena: SETTINGS
 * and the request submitted and serialised (into sent, if not NULL). */
static nghttp2_session *client_session(uint8_t *sent, size_t cap, size_t *len)
{
	static const nghttp2_nv req[] = {
		NV(":method", "POST"),
		NV(":scheme", "http"),
		NV(":path", "/grpc.health.v1.Health/Check"),
		NV(":authority", "127.0.0.1:50051"),
		NV("te", "trailers"),
		NV("content-type", "application/grpc"),
		NV("user-agent", "lprobe"),
		NV("grpc-timeout", "1000m"),
		NV("grpc-accept-encoding", "gzip"),
	};
	static const nghttp2_settings_entry iv[] = {
		{NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
		{NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, 16384},
	};
	nghttp2_session_callbacks *cb;
	nghttp2_option *opt;
	nghttp2_session *s;
	nghttp2_data_provider body = {{0}, send_message};
	const uint8_t *out;
	ssize_t k;
	size_t n = 0;

	assert_int_equal(nghttp2_session_callbacks_new(&cb), 0);
	assert_int_equal(nghttp2_option_new(&opt), 0);
	nghttp2_option_set_max_outbound_ack(opt, 16);
	nghttp2_option_set_max_settings(opt, 16);
	assert_int_equal(nghttp2_session_client_new3(&s, cb, NULL, opt, &arena_mem), 0);
	nghttp2_session_callbacks_del(cb);
	nghttp2_option_del(opt);
	assert_int_equal(nghttp2_submit_settings(s, NGHTTP2_FLAG_NONE, iv, 2), 0);
	assert_true(nghttp2_submit_request(s, NULL, req, sizeof req / sizeof req[0], &body, NULL) >
		    0);
	while ((k = nghttp2_session_mem_send(s, &out)) > 0) {
		if (sent) {
			assert_true(n + (size_t)k <= cap);
			memcpy(sent + n, out, (size_t)k);
		}
		n += (size_t)k;
	}
	if (len)
		*len = n;
	return s;
}

/* The server's answer, as grpcio sends it: SETTINGS, HEADERS, one DATA,
 * trailers; made by an nghttp2 server session on the C library's heap. */
static size_t server_answer(const uint8_t *request, size_t len, uint8_t *buf, size_t cap)
{
	static const nghttp2_nv head[] = {
		NV(":status", "200"),
		NV("content-type", "application/grpc"),
		NV("grpc-encoding", "identity"),
		NV("server", "grpcio/1.60"),
	};
	static const nghttp2_nv trailers[] = {NV("grpc-status", "0"), NV("grpc-message", "")};
	nghttp2_session_callbacks *cb;
	nghttp2_session *s;
	nghttp2_data_provider body = {{0}, send_message};
	const uint8_t *out;
	ssize_t n;
	size_t got = 0;

	assert_int_equal(nghttp2_session_callbacks_new(&cb), 0);
	assert_int_equal(nghttp2_session_server_new(&s, cb, NULL), 0);
	nghttp2_session_callbacks_del(cb);
	assert_int_equal(nghttp2_submit_settings(s, NGHTTP2_FLAG_NONE, NULL, 0), 0);
	assert_int_equal(nghttp2_session_mem_recv(s, request, len), (ssize_t)len);
	assert_int_equal(nghttp2_submit_response(s, 1, head, 4, &body), 0);
	assert_int_equal(nghttp2_submit_trailer(s, 1, trailers, 2), 0);
	while ((n = nghttp2_session_mem_send(s, &out)) > 0) {
		assert_true(got + (size_t)n <= cap);
		memcpy(buf + got, out, (size_t)n);
		got += (size_t)n;
	}
	nghttp2_session_del(s);
	return got;
}

/* A whole exchange on one client session: request, the server's answer
 * received, SETTINGS acknowledged.  Returns the session, not deleted. */
static nghttp2_session *client_exchange(void)
{
	static uint8_t sent[4096], answer[4096];
	nghttp2_session *s;
	const uint8_t *out;
	size_t n, m;

	s = client_session(sent, sizeof sent, &n);
	m = server_answer(sent, n, answer, sizeof answer);
	assert_int_equal(nghttp2_session_mem_recv(s, answer, m), (ssize_t)m);
	while (nghttp2_session_mem_send(s, &out) > 0) /* SETTINGS ack */
		;
	return s;
}

/* gzip of `len` pseudo-random bytes, on the C library's heap. */
static size_t gzip_of(uint8_t *out, size_t cap, size_t len)
{
	static uint8_t in[64 * 1024];
	z_stream z;
	size_t i;

	for (i = 0; i < len; i++)
		in[i] = (uint8_t)((i * 2654435761u) >> 13);
	memset(&z, 0, sizeof z);
	assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, 16 + 15, 8, Z_DEFAULT_STRATEGY), Z_OK);
	z.next_in = in, z.avail_in = (uInt)len;
	z.next_out = out, z.avail_out = (uInt)cap;
	assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
	deflateEnd(&z);
	return cap - z.avail_out;
}

/* An inflate stream as grpc.c opens it (gzip, window 15), on the arena, at
 * its largest: a message that inflates past grpc.c's buffer (a gzip bomb)
 * makes zlib allocate its 32 KiB window too. */
static void inflate_open(z_stream *z, const uint8_t *gz, size_t len)
{
	static uint8_t out[4096];

	memset(z, 0, sizeof *z);
	z->zalloc = z_alloc, z->zfree = z_free;
	assert_int_equal(inflateInit2(z, 16 + 15), Z_OK);
	z->next_in = (Bytef *)(uintptr_t)gz, z->avail_in = (uInt)len;
	z->next_out = out, z->avail_out = sizeof out;
	assert_int_equal(inflate(z, Z_FINISH), Z_BUF_ERROR);
	assert_int_equal(z->avail_out, 0);
}

static void test_session_peak_is_measured(void **state)
{
	static uint8_t gz[80 * 1024];
	struct lp_arena_stats s;
	nghttp2_session *sess;
	size_t session_peak, inflate_peak, len;
	z_stream z;

	(void)state;
	lp_arena_reset_peak();
	sess = client_exchange();
	nghttp2_session_del(sess);
	lp_arena_stats(&s);
	session_peak = s.peak;
	len = gzip_of(gz, sizeof gz, 40000);
	lp_arena_reset_peak();
	inflate_open(&z, gz, len);
	inflateEnd(&z);
	lp_arena_stats(&s);
	inflate_peak = s.peak;
	print_message("arena peak: nghttp2 client session %zu bytes, inflate stream %zu bytes\n",
		      session_peak, inflate_peak);
	/* arena.h's bound: 16 of both side by side, with a quarter spare */
	assert_true(16 * (session_peak + inflate_peak) <= LP_ARENA_SIZE / 4 * 3);
	assert_arena_empty();
}

/* Up to 16 probes of a run, each with its session and inflate stream, side
 * by side and one round after another: all fit, deleting them gives all
 * back, and the rounds reach no higher into the arena than the first. */
static void test_16_sessions_side_by_side_fit_and_leave_no_growth(void **state)
{
	static uint8_t gz[80 * 1024];
	nghttp2_session *sess[16];
	static z_stream z[16];
	struct lp_arena_stats s;
	size_t first_top = 0, first_peak = 0, len, i;
	int round;

	(void)state;
	len = gzip_of(gz, sizeof gz, 40000);
	lp_arena_reset_peak();
	for (round = 0; round < 5; round++) {
		for (i = 0; i < 16; i++) {
			sess[i] = i % 2 ? client_exchange() : client_session(NULL, 0, NULL);
			inflate_open(&z[i], gz, len);
		}
		for (i = 0; i < 16; i++) { /* not in the order made */
			size_t k = (i * 7) % 16;
			nghttp2_session_del(sess[k]);
			inflateEnd(&z[k]);
		}
		assert_arena_empty();
		lp_arena_stats(&s);
		if (round == 0) {
			first_top = s.top, first_peak = s.peak;
			print_message(
				"arena peak for 16 probes: %zu bytes in use, top %zu of %zu\n",
				s.peak, s.top, s.size);
		}
		assert_int_equal(s.top, first_top);
		assert_int_equal(s.peak, first_peak);
	}
	assert_true(first_top <= LP_ARENA_SIZE / 4 * 3);
}

/* A session that cannot get memory fails cleanly, and the arena recovers. */
static void test_a_full_arena_fails_a_session_cleanly(void **state)
{
	enum { CHUNK = 4096 };
	static void *fill[LP_ARENA_SIZE / CHUNK];
	nghttp2_session_callbacks *cb;
	nghttp2_session *s = NULL;
	size_t n = 0;

	(void)state;
	while ((fill[n] = lp_arena_malloc(CHUNK)) != NULL)
		n++;
	assert_int_equal(nghttp2_session_callbacks_new(&cb), 0);
	assert_int_equal(nghttp2_session_client_new3(&s, cb, NULL, NULL, &arena_mem),
			 NGHTTP2_ERR_NOMEM);
	while (n)
		lp_arena_free(fill[--n]);
	assert_arena_empty();
	assert_int_equal(nghttp2_session_client_new3(&s, cb, NULL, NULL, &arena_mem), 0);
	nghttp2_session_del(s);
	nghttp2_session_callbacks_del(cb);
	assert_arena_empty();
	assert_true(in_use() == 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_payloads_are_16_byte_aligned),
		cmocka_unit_test(test_aligned_alloc_honours_any_power_of_two),
		cmocka_unit_test(test_a_freed_block_is_reused),
		cmocka_unit_test(test_freed_neighbours_merge),
		cmocka_unit_test(test_realloc_shrinks_and_grows_in_place_when_it_can),
		cmocka_unit_test(test_realloc_that_does_not_fit_keeps_the_block),
		cmocka_unit_test(test_calloc_zeroes_and_refuses_overflow),
		cmocka_unit_test(test_exhaustion_returns_null_then_recovers),
		cmocka_unit_test(test_a_tls_library_churn_stays_near_its_live_peak),
		cmocka_unit_test(test_session_peak_is_measured),
		cmocka_unit_test(test_16_sessions_side_by_side_fit_and_leave_no_growth),
		cmocka_unit_test(test_a_full_arena_fails_a_session_cleanly),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
