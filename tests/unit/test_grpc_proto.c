/*
 * test_grpc_proto.c -- the bytes of a grpc.health.v1 call (grpc_proto.h):
 * the request encoding, the response decoding (protobuf encoding guide:
 * varints, wire types 0/1/2/5, last field wins, unknown fields skipped),
 * gRPC's Length-Prefixed-Message, and the header values (grpc-timeout,
 * grpc-message percent-decoding, unpadded base64 for -bin metadata, the
 * stored-block gzip of -gzip).  Cases are tables of bytes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <zlib.h>

#include "grpc_proto.h"

/* A literal and its length: cases hold NUL bytes. */
#define S(s)   (const unsigned char *)(s), sizeof(s) - 1
#define T(s)   s, sizeof(s) - 1
#define N(a)   (sizeof(a) / sizeof((a)[0]))
#define CANARY 0xa5

static void hexdump(char *out, size_t cap, const unsigned char *p, size_t n)
{
	size_t i, at = 0;

	out[0] = '\0';
	for (i = 0; i < n && at + 4 < cap; i++)
		at += (size_t)snprintf(out + at, cap - at, "%02x ", p[i]);
}

/* ---- HealthCheckRequest ------------------------------------------------- */

static void check_request(const char *service, size_t slen, const unsigned char *want,
			  size_t want_len)
{
	static unsigned char out[1 + 10 + 300 + 16];
	char got_hex[128], want_hex[128];
	size_t n, i;

	memset(out, CANARY, sizeof out);
	n = lp_pb_health_request(out, sizeof out, service, slen);
	if (n != want_len || memcmp(out, want, want_len) != 0) {
		hexdump(got_hex, sizeof got_hex, out, n == (size_t)-1 ? 0 : n);
		hexdump(want_hex, sizeof want_hex, want, want_len);
		fail_msg("service of %zu bytes: %zu bytes [%s], want %zu [%s]", slen, n, got_hex,
			 want_len, want_hex);
	}
	for (i = n; i < sizeof out; i++)
		if (out[i] != CANARY)
			fail_msg("service of %zu bytes: wrote past the %zu bytes returned", slen,
				 n);
}

static void test_empty_service_encodes_to_an_empty_message(void **state)
{
	unsigned char out[4] = {CANARY, CANARY, CANARY, CANARY};

	(void)state;
	/* proto3: the default value is not sent */
	check_request("", 0, (const unsigned char *)"", 0);
	assert_int_equal(lp_pb_health_request(out, 0, "", 0), 0);
	assert_int_equal(out[0], CANARY);
}

static void test_service_is_field_1_length_delimited(void **state)
{
	(void)state;
	check_request("orders", 6, S("\x0a\x06orders"));
	check_request("grpc.health.v1.Health", 21, S("\x0a\x15grpc.health.v1.Health"));
	/* only slen bytes are read: no NUL is needed or sent */
	check_request("ordersXYZ", 6, S("\x0a\x06orders"));
}

static void test_long_service_needs_a_two_byte_length_varint(void **state)
{
	static const struct {
		size_t len;
		unsigned char varint[2];
		size_t vlen;
	} cases[] = {
		{127, {0x7f}, 1},
		{128, {0x80, 0x01}, 2},
		{200, {0xc8, 0x01}, 2},
		{300, {0xac, 0x02}, 2},
	};
	static char name[300];
	static unsigned char want[1 + 2 + 300];
	size_t i;

	(void)state;
	memset(name, 'a', sizeof name);
	for (i = 0; i < N(cases); i++) {
		want[0] = 0x0a;
		memcpy(want + 1, cases[i].varint, cases[i].vlen);
		memcpy(want + 1 + cases[i].vlen, name, cases[i].len);
		check_request(name, cases[i].len, want, 1 + cases[i].vlen + cases[i].len);
	}
}

static void test_request_too_big_for_cap_is_refused(void **state)
{
	static char name[200];
	unsigned char out[1 + 2 + 200];
	size_t cap, n;

	(void)state;
	memset(name, 'a', sizeof name);
	/* every cap below the encoded length (8 for "orders", 203 for 200
	 * bytes) is too small; nothing may be written past cap */
	for (cap = 0; cap < 8; cap++) {
		memset(out, CANARY, sizeof out);
		n = lp_pb_health_request(out, cap, "orders", 6);
		if (n != (size_t)-1)
			fail_msg("\"orders\" in cap %zu: %zu, want (size_t)-1", cap, n);
		if (out[cap] != CANARY)
			fail_msg("\"orders\" in cap %zu: wrote past cap", cap);
	}
	for (cap = 0; cap < 203; cap += 7) {
		memset(out, CANARY, sizeof out);
		n = lp_pb_health_request(out, cap, name, sizeof name);
		if (n != (size_t)-1)
			fail_msg("200-byte name in cap %zu: %zu, want (size_t)-1", cap, n);
		if (out[cap] != CANARY)
			fail_msg("200-byte name in cap %zu: wrote past cap", cap);
	}
	/* 1 + 10 + slen is always enough (grpc.c sizes its buffer that way) */
	assert_int_equal(lp_pb_health_request(out, 1 + 10 + 6, "orders", 6), 8);
}

/* ---- HealthCheckResponse ------------------------------------------------ */

struct status_case {
	const char *name;
	const unsigned char *msg;
	size_t len;
	int rc;		 /* 0 or -1 */
	uint64_t status; /* when rc == 0 */
};

static void check_status_cases(const struct status_case *cases, size_t n)
{
	unsigned char *copy;
	uint64_t status;
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		/* an exact-size heap copy, so ASan sees any read past len */
		copy = malloc(cases[i].len ? cases[i].len : 1);
		assert_non_null(copy);
		memcpy(copy, cases[i].msg, cases[i].len);
		status = 0xdeadbeef;
		rc = lp_pb_health_status(copy, cases[i].len, &status);
		free(copy);
		if (rc != cases[i].rc)
			fail_msg("%s: returned %d, want %d", cases[i].name, rc, cases[i].rc);
		if (rc == 0 && status != cases[i].status)
			fail_msg("%s: status %llu, want %llu", cases[i].name,
				 (unsigned long long)status, (unsigned long long)cases[i].status);
	}
}

static void test_status_is_field_1(void **state)
{
	static const struct status_case cases[] = {
		{"SERVING", S("\x08\x01"), 0, 1},
		{"NOT_SERVING", S("\x08\x02"), 0, 2},
		{"SERVICE_UNKNOWN", S("\x08\x03"), 0, 3},
		{"explicit UNKNOWN", S("\x08\x00"), 0, 0},
		{"a value past the enum is passed on", S("\x08\x05"), 0, 5},
		{"two-byte value", S("\x08\x96\x01"), 0, 150},
		{"non-minimal varint for SERVING", S("\x08\x81\x80\x00"), 0, 1},
		{"non-minimal key", S("\x88\x00\x01"), 0, 1},
		{"largest 10-byte varint", S("\x08\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01"), 0,
		 UINT64_MAX},
		{"10-byte zero", S("\x08\x80\x80\x80\x80\x80\x80\x80\x80\x80\x00"), 0, 0},
	};

	(void)state;
	check_status_cases(cases, N(cases));
}

static void test_empty_response_is_unknown(void **state)
{
	static const struct status_case cases[] = {
		{"empty message", S(""), 0, 0},
		{"only unknown fields", S("\x10\x01\x1a\x00"), 0, 0},
	};

	(void)state;
	check_status_cases(cases, N(cases));
}

static void test_last_status_field_wins(void **state)
{
	static const struct status_case cases[] = {
		{"SERVING then NOT_SERVING", S("\x08\x01\x08\x02"), 0, 2},
		{"NOT_SERVING then SERVING", S("\x08\x02\x08\x01"), 0, 1},
		{"SERVING then explicit UNKNOWN", S("\x08\x01\x08\x00"), 0, 0},
		{"three, with a field between", S("\x08\x03\x10\x07\x08\x01"), 0, 1},
	};

	(void)state;
	check_status_cases(cases, N(cases));
}

static void test_unknown_fields_are_skipped_by_wire_type(void **state)
{
	static const struct status_case cases[] = {
		{"varint before", S("\x10\x96\x01\x08\x01"), 0, 1},
		{"varint after", S("\x08\x01\x10\x96\x01"), 0, 1},
		{"64-bit before", S("\x11\x01\x02\x03\x04\x05\x06\x07\x08\x08\x01"), 0, 1},
		{"64-bit after", S("\x08\x01\x11\x01\x02\x03\x04\x05\x06\x07\x08"), 0, 1},
		{"length-delimited before", S("\x1a\x03\x08\x02\x00\x08\x01"), 0, 1},
		{"length-delimited after", S("\x08\x01\x1a\x03\x08\x02\x00"), 0, 1},
		{"empty length-delimited", S("\x1a\x00\x08\x01"), 0, 1},
		{"32-bit before", S("\x15\x08\x02\x08\x02\x08\x01"), 0, 1},
		{"32-bit after", S("\x08\x01\x15\x08\x02\x08\x02"), 0, 1},
		/* a field-1 key inside skipped bytes is not a field 1 */
		{"status-like bytes inside a string", S("\x08\x01\x22\x02\x08\x02"), 0, 1},
		{"large field number", S("\xf8\xff\xff\xff\x0f\x05\x08\x02"), 0, 2},
		{"every wire type around status",
		 S("\x10\x01\x19\x00\x00\x00\x00\x00\x00\x00\x00\x22\x01x\x2d\x00\x00\x00\x00"
		   "\x08\x01"
		   "\x10\x01\x19\x00\x00\x00\x00\x00\x00\x00\x00\x22\x01x\x2d\x00\x00\x00\x00"),
		 0, 1},
	};

	(void)state;
	check_status_cases(cases, N(cases));
}

static void test_malformed_response_is_refused(void **state)
{
	static const struct status_case cases[] = {
		{"truncated key varint", S("\x88"), -1, 0},
		{"truncated status varint", S("\x08"), -1, 0},
		{"status varint cut mid-way", S("\x08\x96"), -1, 0},
		{"11-byte varint", S("\x08\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x01"), -1, 0},
		{"10th byte overflows 64 bits", S("\x08\xff\xff\xff\xff\xff\xff\xff\xff\xff\x02"),
		 -1, 0},
		{"10th byte overflows 64 bits (0x7f)",
		 S("\x08\x80\x80\x80\x80\x80\x80\x80\x80\x80\x7f"), -1, 0},
		{"11-byte key varint", S("\x88\x80\x80\x80\x80\x80\x80\x80\x80\x80\x00\x01"), -1,
		 0},
		{"length past the end", S("\x1a\x05\x01\x02\x03\x04"), -1, 0},
		{"length past the end after status", S("\x08\x01\x1a\x01"), -1, 0},
		{"huge length", S("\x1a\xff\xff\xff\xff\xff\xff\xff\xff\x7f"), -1, 0},
		{"length varint truncated", S("\x1a\x80"), -1, 0},
		{"truncated fixed64", S("\x11\x01\x02\x03\x04\x05\x06\x07"), -1, 0},
		{"truncated fixed32", S("\x15\x01\x02\x03"), -1, 0},
		{"fixed32 key alone", S("\x08\x01\x15"), -1, 0},
		{"wire type 3 (start group)", S("\x13\x14\x08\x01"), -1, 0},
		{"wire type 4 (end group)", S("\x14\x08\x01"), -1, 0},
		{"wire type 6", S("\x16\x00\x08\x01"), -1, 0},
		{"wire type 7", S("\x17\x00\x08\x01"), -1, 0},
		{"field number 0, varint", S("\x00\x01\x08\x01"), -1, 0},
		{"field number 0, length-delimited", S("\x02\x00\x08\x01"), -1, 0},
		{"field 1 as fixed64", S("\x09\x01\x00\x00\x00\x00\x00\x00\x00"), -1, 0},
		{"field 1 as string", S("\x0a\x01\x01"), -1, 0},
		{"field 1 as fixed32", S("\x0d\x01\x00\x00\x00"), -1, 0},
		{"field 1 as group", S("\x0b\x0c"), -1, 0},
		{"valid status then garbage", S("\x08\x01\xff"), -1, 0},
	};

	(void)state;
	check_status_cases(cases, N(cases));
}

static void test_status_decoding_reads_only_len_bytes(void **state)
{
	/* a message cut at every length is either whole or refused, never
	 * read past its end (the heap copy makes ASan watch) */
	static const unsigned char msg[] = "\x10\x96\x01\x19\x01\x02\x03\x04\x05\x06\x07\x08"
					   "\x22\x02xy\x2d\x01\x02\x03\x04\x08\x02";
	size_t len, full = sizeof msg - 1;
	unsigned char *copy;
	uint64_t status;
	int rc;

	(void)state;
	for (len = 0; len <= full; len++) {
		copy = malloc(len ? len : 1);
		assert_non_null(copy);
		memcpy(copy, msg, len);
		rc = lp_pb_health_status(copy, len, &status);
		free(copy);
		if (rc != 0 && rc != -1)
			fail_msg("cut at %zu: returned %d", len, rc);
		if (len == full && (rc != 0 || status != 2))
			fail_msg("whole message: %d, status %llu", rc, (unsigned long long)status);
	}
}

/* ---- Length-Prefixed-Message -------------------------------------------- */

struct message_case {
	const char *name;
	const unsigned char *buf;
	size_t len;
	int rc;
	bool compressed;
	size_t mlen; /* the message starts at buf + 5 */
};

static void test_one_length_prefixed_message_is_split(void **state)
{
	static const struct message_case cases[] = {
		{"SERVING", S("\x00\x00\x00\x00\x02\x08\x01"), 0, false, 2},
		{"empty message", S("\x00\x00\x00\x00\x00"), 0, false, 0},
		{"compressed", S("\x01\x00\x00\x00\x03\x1f\x8b\x08"), 0, true, 3},
		{"empty input", S(""), -1, false, 0},
		{"prefix cut short", S("\x00\x00\x00\x00"), -1, false, 0},
		{"message cut short", S("\x00\x00\x00\x00\x02\x08"), -1, false, 0},
		{"length near 4 GiB", S("\x00\xff\xff\xff\xff\x08\x01"), -1, false, 0},
		{"a byte after the message", S("\x00\x00\x00\x00\x02\x08\x01\x00"), -2, false, 0},
		{"a second message", S("\x00\x00\x00\x00\x02\x08\x01\x00\x00\x00\x00\x00"), -2,
		 false, 0},
		{"compressed flag 2", S("\x02\x00\x00\x00\x02\x08\x01"), -1, false, 0},
		{"compressed flag 0x80", S("\x80\x00\x00\x00\x00"), -1, false, 0},
	};
	const unsigned char *msg;
	size_t i, mlen;
	bool compressed;
	int rc;

	(void)state;
	for (i = 0; i < N(cases); i++) {
		msg = NULL, mlen = 12345, compressed = !cases[i].compressed;
		rc = lp_grpc_message(cases[i].buf, cases[i].len, &compressed, &msg, &mlen);
		if (rc != cases[i].rc)
			fail_msg("%s: returned %d, want %d", cases[i].name, rc, cases[i].rc);
		if (rc != 0)
			continue;
		if (compressed != cases[i].compressed || msg != cases[i].buf + LP_GRPC_PREFIX ||
		    mlen != cases[i].mlen)
			fail_msg("%s: compressed %d, message at +%td of %zu bytes", cases[i].name,
				 compressed, msg - cases[i].buf, mlen);
	}
}

static void test_prefix_round_trips_through_message(void **state)
{
	static const uint32_t lens[] = {0, 1, 255, 256, 65535, 65536, 0x01020304};
	unsigned char buf[LP_GRPC_PREFIX];
	const unsigned char *msg;
	bool compressed;
	size_t i, mlen;
	int c;

	(void)state;
	for (i = 0; i < N(lens); i++)
		for (c = 0; c <= 1; c++) {
			lp_grpc_prefix(buf, c == 1, lens[i]);
			assert_int_equal(buf[0], c);
			assert_int_equal((uint32_t)buf[1] << 24 | (uint32_t)buf[2] << 16 |
						 (uint32_t)buf[3] << 8 | buf[4],
					 lens[i]);
			/* the prefix alone: whole only for an empty message */
			assert_int_equal(lp_grpc_message(buf, sizeof buf, &compressed, &msg, &mlen),
					 lens[i] == 0 ? 0 : -1);
		}
}

/* ---- header values ------------------------------------------------------ */

static void test_timeout_is_milliseconds_then_seconds_in_8_digits(void **state)
{
	static const struct {
		int64_t ms;
		const char *want;
	} cases[] = {
		{1, "1m"},
		{250, "250m"},
		{1000, "1000m"},
		{86400000, "86400000m"}, /* the longest -rpc-timeout config.c accepts */
		{99999999, "99999999m"},
		{100000000, "100000s"},
		{100000001, "100001s"}, /* rounded up: never a shorter deadline */
	};
	char buf[16];
	size_t i;

	(void)state;
	for (i = 0; i < N(cases); i++) {
		lp_grpc_timeout_value(cases[i].ms, buf, sizeof buf);
		if (strcmp(buf, cases[i].want) != 0)
			fail_msg("%lld ms: \"%s\", want \"%s\"", (long long)cases[i].ms, buf,
				 cases[i].want);
	}
}

static void test_timeout_has_at_most_8_digits_for_any_accepted_duration(void **state)
{
	char buf[16];
	int64_t ms;

	(void)state;
	/* PROTOCOL-HTTP2.md: TimeoutValue is at most 8 ASCII digits */
	for (ms = 1; ms <= 86400000; ms = ms * 3 + 1) {
		lp_grpc_timeout_value(ms, buf, sizeof buf);
		if (strspn(buf, "0123456789") > 8 || strspn(buf, "0123456789") < 1 ||
		    strlen(buf) != strspn(buf, "0123456789") + 1)
			fail_msg("%lld ms: \"%s\"", (long long)ms, buf);
	}
}

struct decode_case {
	const char *in;
	size_t len;
	size_t cap;
	const char *want;
	size_t want_len;
};

/* Decodes from an exact-size heap copy: ASan sees a look past the end
 * (a "%4" at the end must not read a third byte). */
static size_t decode(const struct decode_case *c, char *out)
{
	unsigned char *in = malloc(c->len ? c->len : 1);
	size_t n;

	assert_non_null(in);
	memcpy(in, c->in, c->len);
	n = lp_grpc_percent_decode(in, c->len, out, c->cap);
	free(in);
	return n;
}

static void test_grpc_message_is_percent_decoded(void **state)
{
	static const struct decode_case cases[] = {
		{T("a%20b"), 64, T("a b")},
		{T("plain"), 64, T("plain")},
		{T(""), 64, T("")},
		{T("%41%42%43"), 64, T("ABC")},
		{T("%2f%2F"), 64, T("//")},
		{T("%e2%9C%93"), 64, T("\xe2\x9c\x93")},
		{T("%25"), 64, T("%")},
		{T("%2520"), 64, T("%20")}, /* decoded once only */
		{T("a%00b"), 64, T("a\0b")},
		/* not an escape: kept as it came (grpc-go) */
		{T("%"), 64, T("%")},
		{T("100%"), 64, T("100%")},
		{T("%zz"), 64, T("%zz")},
		{T("%4"), 64, T("%4")},
		{T("%4g"), 64, T("%4g")},
		{T("%%41"), 64, T("%A")},
		{T("%g1%41"), 64, T("%g1A")},
	};
	char out[64];
	size_t i, n;

	(void)state;
	for (i = 0; i < N(cases); i++) {
		memset(out, CANARY, sizeof out);
		n = decode(&cases[i], out);
		if (n != cases[i].want_len || memcmp(out, cases[i].want, n) != 0 || out[n] != '\0')
			fail_msg("\"%.*s\": %zu bytes \"%.*s\", want %zu \"%s\"", (int)cases[i].len,
				 cases[i].in, n, (int)n, out, cases[i].want_len, cases[i].want);
	}
}

static void test_percent_decode_truncates_at_cap_and_terminates(void **state)
{
	static const struct decode_case cases[] = {
		{T("abcdef"), 4, T("abc")},    /* cut */
		{T("abcdef"), 1, T("")},       /* room for the NUL only */
		{T("abcdef"), 7, T("abcdef")}, /* exactly enough */
		{T("ab%41cd"), 4, T("abA")},   /* an escape is one byte of output */
		{T("ab%41cd"), 3, T("ab")},    /* no room for the escape's byte */
		{T("%41%42%43"), 3, T("AB")},  /* cut between escapes */
		{T("%zz"), 2, T("%")},
	};
	char out[16];
	size_t i, j, n;

	(void)state;
	for (i = 0; i < N(cases); i++) {
		memset(out, CANARY, sizeof out);
		n = decode(&cases[i], out);
		if (n != cases[i].want_len || strcmp(out, cases[i].want) != 0)
			fail_msg("\"%.*s\" in cap %zu: %zu \"%s\", want \"%s\"", (int)cases[i].len,
				 cases[i].in, cases[i].cap, n, out, cases[i].want);
		for (j = cases[i].cap; j < sizeof out; j++)
			if ((unsigned char)out[j] != CANARY)
				fail_msg("\"%.*s\" in cap %zu: wrote byte %zu", (int)cases[i].len,
					 cases[i].in, cases[i].cap, j);
	}
	/* cap 0: nothing is written */
	out[0] = (char)CANARY;
	assert_int_equal(lp_grpc_percent_decode(S("abc"), out, 0), 0);
	assert_int_equal((unsigned char)out[0], CANARY);
}

static void test_percent_decode_works_in_place(void **state)
{
	/* grpc_proto.h: "in place-safe": the output never overtakes the input */
	char buf[] = "%41%42 a%20b %zz%4";

	(void)state;
	assert_int_equal(
		lp_grpc_percent_decode((const unsigned char *)buf, strlen(buf), buf, sizeof buf),
		strlen("AB a b %zz%4"));
	assert_string_equal(buf, "AB a b %zz%4");
}

static void test_base64_matches_rfc4648_vectors_unpadded(void **state)
{
	static const struct {
		const unsigned char *in;
		size_t len;
		const char *want;
	} cases[] = {
		/* RFC 4648 §10, without the '=' padding gRPC leaves off */
		{S(""), ""},
		{S("f"), "Zg"},
		{S("fo"), "Zm8"},
		{S("foo"), "Zm9v"},
		{S("foob"), "Zm9vYg"},
		{S("fooba"), "Zm9vYmE"},
		{S("foobar"), "Zm9vYmFy"},
		/* the last two letters of the standard alphabet, not URL-safe */
		{S("\xfb\xff"), "+/8"},
		{S("\xff\xff\xff"), "////"},
		{S("\x00\x00\x00"), "AAAA"},
		{S("\x00"), "AA"},
	};
	char out[32];
	size_t i, n;

	(void)state;
	for (i = 0; i < N(cases); i++) {
		memset(out, CANARY, sizeof out);
		n = lp_base64(cases[i].in, cases[i].len, out, sizeof out);
		if (n != strlen(cases[i].want) || strcmp(out, cases[i].want) != 0)
			fail_msg("vector %zu: %zu \"%.*s\", want \"%s\"", i, n, (int)sizeof out,
				 out, cases[i].want);
	}
}

static void test_base64_refuses_a_cap_without_room_for_the_nul(void **state)
{
	static const struct {
		const unsigned char *in;
		size_t len;
		size_t need; /* encoded length + NUL */
	} cases[] = {
		{S("f"), 3},
		{S("fo"), 4},
		{S("foo"), 5},
		{S("foobar"), 9},
	};
	char out[16];
	size_t i, cap;

	(void)state;
	for (i = 0; i < N(cases); i++) {
		for (cap = 0; cap < cases[i].need; cap++) {
			memset(out, CANARY, sizeof out);
			if (lp_base64(cases[i].in, cases[i].len, out, cap) != 0)
				fail_msg("%zu bytes in cap %zu: not refused", cases[i].len, cap);
			if ((unsigned char)out[0] != CANARY)
				fail_msg("%zu bytes in cap %zu: wrote anyway", cases[i].len, cap);
		}
		assert_int_equal(lp_base64(cases[i].in, cases[i].len, out, cases[i].need),
				 cases[i].need - 1);
	}
}

/* ---- -gzip -------------------------------------------------------------- */

/* Inflates a gzip member with zlib (16 + 15: gzip wrapper only). */
static size_t gunzip(const unsigned char *in, size_t len, unsigned char *out, size_t cap)
{
	z_stream z;
	int rc;

	memset(&z, 0, sizeof z);
	assert_int_equal(inflateInit2(&z, 16 + 15), Z_OK);
	z.next_in = (unsigned char *)(uintptr_t)in;
	z.avail_in = (uInt)len;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	rc = inflate(&z, Z_FINISH);
	inflateEnd(&z);
	if (rc != Z_STREAM_END)
		fail_msg("inflate: %d (%s)", rc, z.msg ? z.msg : "no message");
	if (z.avail_in != 0)
		fail_msg("inflate left %u bytes of the member unread", z.avail_in);
	return cap - z.avail_out;
}

static void test_gzip_stored_inflates_back_to_its_input(void **state)
{
	static const size_t lens[] = {0, 1, 2, 5, 1000, 65535};
	static unsigned char in[65535], gz[65535 + 64], back[65535 + 1];
	size_t i, j, n, m;

	(void)state;
	for (j = 0; j < sizeof in; j++)
		in[j] = (unsigned char)(j * 7 + (j >> 8));
	for (i = 0; i < N(lens); i++) {
		n = lp_gzip_stored(in, lens[i], gz, sizeof gz);
		/* header 10, stored block header 5, data, CRC-32 and ISIZE 8 */
		if (n != 10 + 5 + lens[i] + 8)
			fail_msg("%zu bytes: member of %zu bytes", lens[i], n);
		/* RFC 1952 §2.3.1: ID1 ID2 CM=8 (deflate) */
		assert_memory_equal(gz, "\x1f\x8b\x08", 3);
		m = gunzip(gz, n, back, sizeof back);
		if (m != lens[i] || memcmp(back, in, m) != 0)
			fail_msg("%zu bytes: inflated to %zu different bytes", lens[i], m);
	}
}

static void test_gzip_stored_refuses_over_64k_or_small_cap(void **state)
{
	static unsigned char in[65536], gz[65536 + 64];
	size_t cap;

	(void)state;
	/* one stored block holds at most 65535 bytes (RFC 1951 §3.2.4) */
	assert_int_equal(lp_gzip_stored(in, 65536, gz, sizeof gz), 0);
	assert_int_equal(lp_gzip_stored(in, SIZE_MAX, gz, sizeof gz), 0);
	for (cap = 0; cap < 10 + 5 + 6 + 8; cap++) {
		memset(gz, CANARY, sizeof gz);
		if (lp_gzip_stored((const unsigned char *)"orders", 6, gz, cap) != 0)
			fail_msg("6 bytes in cap %zu: not refused", cap);
		if (gz[0] != CANARY)
			fail_msg("6 bytes in cap %zu: wrote anyway", cap);
	}
	assert_int_equal(lp_gzip_stored((const unsigned char *)"orders", 6, gz, cap), cap);
}

/* ---- names -------------------------------------------------------------- */

/* A name as the gRPC and health.proto enums spell them: [A-Z_]+. */
static bool is_enum_name(const char *n)
{
	if (!n || !*n)
		return false;
	for (; *n; n++)
		if (!((*n >= 'A' && *n <= 'Z') || *n == '_'))
			return false;
	return true;
}

/* The 17 codes of grpc/doc/statuscodes.md have distinct enum names; the
 * ones lprobe's messages rely on are where that document puts them. */
static void test_grpc_status_codes_have_distinct_canonical_names(void **state)
{
	static const struct {
		uint64_t code;
		const char *name;
	} pinned[] = {{0, "OK"},
		      {4, "DEADLINE_EXCEEDED"},
		      {12, "UNIMPLEMENTED"},
		      {14, "UNAVAILABLE"},
		      {16, "UNAUTHENTICATED"}};
	uint64_t i, j;

	(void)state;
	for (i = 0; i < 17; i++) {
		if (!is_enum_name(lp_grpc_code_name(i)))
			fail_msg("code %llu: %s", (unsigned long long)i,
				 lp_grpc_code_name(i) ? lp_grpc_code_name(i) : "NULL");
		for (j = 0; j < i; j++)
			assert_string_not_equal(lp_grpc_code_name(i), lp_grpc_code_name(j));
	}
	for (i = 0; i < N(pinned); i++)
		assert_string_equal(lp_grpc_code_name(pinned[i].code), pinned[i].name);
	assert_null(lp_grpc_code_name(17));
	assert_null(lp_grpc_code_name(256));
	assert_null(lp_grpc_code_name(UINT64_MAX));
	assert_null(lp_grpc_code_name((uint64_t)1 << 32));
}

/* health.proto's ServingStatus: SERVING is 1, NOT_SERVING 2,
 * SERVICE_UNKNOWN 3 (Watch only); the names decode what the wire says. */
static void test_serving_statuses_have_their_enum_names(void **state)
{
	static const unsigned char serving[] = {0x08, 0x01}, not_serving[] = {0x08, 0x02};
	uint64_t i, st;

	(void)state;
	for (i = 0; i < 4; i++)
		assert_true(is_enum_name(lp_grpc_serving_name(i)));
	assert_int_equal(lp_pb_health_status(serving, sizeof serving, &st), 0);
	assert_string_equal(lp_grpc_serving_name(st), "SERVING");
	assert_int_equal(lp_pb_health_status(not_serving, sizeof not_serving, &st), 0);
	assert_string_equal(lp_grpc_serving_name(st), "NOT_SERVING");
	assert_string_equal(lp_grpc_serving_name(3), "SERVICE_UNKNOWN");
	assert_null(lp_grpc_serving_name(4));
	assert_null(lp_grpc_serving_name(UINT64_MAX));
	assert_null(lp_grpc_serving_name((uint64_t)1 << 32));
}

/* A HealthCheckRequest{service: "orders"} is, by the protobuf encoding
 * guide, tag (1 << 3 | 2) = 0x0a, length 6, the bytes; framed for gRPC it
 * is flag 0 and a 4-byte big-endian length first.  Round trip: the frame
 * splits back to exactly that message. */
static void test_orders_request_has_its_known_wire_bytes_and_round_trips(void **state)
{
	static const unsigned char want[] = {0x00, 0x00, 0x00, 0x00, 0x08, 0x0a, 0x06,
					     'o',  'r',	 'd',  'e',  'r',  's'};
	unsigned char frame[64];
	const unsigned char *msg;
	size_t n, mlen;
	bool compressed = true;

	(void)state;
	n = lp_pb_health_request(frame + 5, sizeof frame - 5, "orders", 6);
	assert_int_equal(n, 8);
	lp_grpc_prefix(frame, false, (uint32_t)n);
	assert_memory_equal(frame, want, sizeof want);
	assert_int_equal(lp_grpc_message(frame, 5 + n, &compressed, &msg, &mlen), 0);
	assert_int_equal(mlen, 8);
	assert_false(compressed);
	assert_memory_equal(msg, want + 5, 8);
}

/* src/crc32.c replaces zlib's crc32 in every build: the check value of
 * CRC-32/ISO-HDLC, chaining, and the NULL convention. */
static void test_crc32_matches_the_gzip_check_value(void **state)
{
	const Bytef *digits = (const Bytef *)"123456789";

	(void)state;
	assert_int_equal(crc32(0, NULL, 0), 0);
	assert_int_equal(crc32(0, digits, 9), 0xcbf43926u);
	assert_int_equal(crc32(crc32(0, digits, 4), digits + 4, 5), 0xcbf43926u);
	assert_int_equal(crc32(0, (const Bytef *)"", 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crc32_matches_the_gzip_check_value),
		cmocka_unit_test(test_empty_service_encodes_to_an_empty_message),
		cmocka_unit_test(test_service_is_field_1_length_delimited),
		cmocka_unit_test(test_long_service_needs_a_two_byte_length_varint),
		cmocka_unit_test(test_request_too_big_for_cap_is_refused),
		cmocka_unit_test(test_status_is_field_1),
		cmocka_unit_test(test_empty_response_is_unknown),
		cmocka_unit_test(test_last_status_field_wins),
		cmocka_unit_test(test_unknown_fields_are_skipped_by_wire_type),
		cmocka_unit_test(test_malformed_response_is_refused),
		cmocka_unit_test(test_status_decoding_reads_only_len_bytes),
		cmocka_unit_test(test_one_length_prefixed_message_is_split),
		cmocka_unit_test(test_prefix_round_trips_through_message),
		cmocka_unit_test(test_timeout_is_milliseconds_then_seconds_in_8_digits),
		cmocka_unit_test(test_timeout_has_at_most_8_digits_for_any_accepted_duration),
		cmocka_unit_test(test_grpc_message_is_percent_decoded),
		cmocka_unit_test(test_percent_decode_truncates_at_cap_and_terminates),
		cmocka_unit_test(test_percent_decode_works_in_place),
		cmocka_unit_test(test_base64_matches_rfc4648_vectors_unpadded),
		cmocka_unit_test(test_base64_refuses_a_cap_without_room_for_the_nul),
		cmocka_unit_test(test_gzip_stored_inflates_back_to_its_input),
		cmocka_unit_test(test_gzip_stored_refuses_over_64k_or_small_cap),
		cmocka_unit_test(test_grpc_status_codes_have_distinct_canonical_names),
		cmocka_unit_test(test_orders_request_has_its_known_wire_bytes_and_round_trips),
		cmocka_unit_test(test_serving_statuses_have_their_enum_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
