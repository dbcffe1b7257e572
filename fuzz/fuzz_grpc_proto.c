/*
 * fuzz_grpc_proto.c -- libFuzzer target for the gRPC health message codecs
 * (grpc_proto.h).
 *
 * Input: byte 0 = a small output capacity (0..63), the rest = the bytes.
 * Checked on every call:
 *   - lp_pb_health_status returns 0 or -1, the same twice, and agrees with
 *     a reference decoder written here from the protobuf encoding guide
 *     (varints of at most 10 bytes, wire types 0/1/2/5, field 0 invalid,
 *     field 1 a varint, last one wins);
 *   - lp_grpc_message: 0 only for exactly one message (the span inside the
 *     input, flag 0 or 1), -1 when cut short or flag > 1, -2 when bytes
 *     follow; the message it finds is decoded too;
 *   - lp_pb_health_request of the bytes as a service name is 0x0a, the
 *     length varint, the bytes; (size_t)-1 only when cap is short;
 *   - lp_grpc_percent_decode and lp_base64 into exactly cap bytes (ASan
 *     watches the edge): terminated, in range; base64 decodes back;
 *   - lp_gzip_stored inflates back with zlib;
 *   - lp_grpc_timeout_value has at most 8 digits and never shortens the
 *     deadline, for every duration config.c accepts (1 ms .. 24 h);
 *   - the name tables answer NULL exactly past their ends.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "grpc_proto.h"

#define CHECK(cond)                                                                          \
	do {                                                                                 \
		if (!(cond)) {                                                               \
			fprintf(stderr, "fuzz_grpc_proto: invariant failed: %s (line %d)\n", \
				#cond, __LINE__);                                            \
			abort();                                                             \
		}                                                                            \
	} while (0)

/* ---- reference protobuf reader ------------------------------------------ */

static int ref_varint(const uint8_t *p, size_t len, size_t *at, uint64_t *v)
{
	uint64_t x = 0;
	size_t i;

	for (i = 0; i < 10 && *at < len; i++) {
		uint8_t b = p[(*at)++];
		if (i == 9 && b > 1)
			return -1; /* an 11th byte, or bits past 64 */
		x |= (uint64_t)(b & 0x7f) << (7 * i);
		if (!(b & 0x80)) {
			*v = x;
			return 0;
		}
	}
	return -1; /* ran out of input */
}

static int ref_status(const uint8_t *p, size_t len, uint64_t *status)
{
	size_t at = 0;
	uint64_t key, v;

	*status = 0;
	while (at < len) {
		if (ref_varint(p, len, &at, &key) < 0 || key >> 3 == 0)
			return -1;
		if (key >> 3 == 1 && (key & 7) != 0)
			return -1;
		switch (key & 7) {
		case 0:
			if (ref_varint(p, len, &at, &v) < 0)
				return -1;
			if (key >> 3 == 1)
				*status = v;
			break;
		case 1:
		case 5:
			if (len - at < ((key & 7) == 1 ? 8u : 4u))
				return -1;
			at += (key & 7) == 1 ? 8 : 4;
			break;
		case 2:
			if (ref_varint(p, len, &at, &v) < 0 || v > len - at)
				return -1;
			at += (size_t)v;
			break;
		default:
			return -1;
		}
	}
	return 0;
}

static void check_status(const uint8_t *msg, size_t len)
{
	uint64_t s1 = 7, s2 = 9, ref = 11;
	int rc1 = lp_pb_health_status(msg, len, &s1);
	int rc2 = lp_pb_health_status(msg, len, &s2);
	int rcr = ref_status(msg, len, &ref);

	CHECK(rc1 == 0 || rc1 == -1);
	CHECK(rc1 == rc2);
	CHECK(rc1 == rcr);
	if (rc1 == 0) {
		CHECK(s1 == s2);
		CHECK(s1 == ref);
	}
}

/* ---- the rest ----------------------------------------------------------- */

static void check_message(const uint8_t *buf, size_t len)
{
	const unsigned char *msg = NULL;
	size_t mlen = 0, n;
	bool compressed = false;
	int rc = lp_grpc_message(buf, len, &compressed, &msg, &mlen);

	CHECK(rc == 0 || rc == -1 || rc == -2);
	if (len < LP_GRPC_PREFIX) {
		CHECK(rc == -1);
		return;
	}
	n = (size_t)buf[1] << 24 | (size_t)buf[2] << 16 | (size_t)buf[3] << 8 | buf[4];
	if (rc == 0) {
		CHECK(buf[0] <= 1 && compressed == (buf[0] == 1));
		CHECK(msg == buf + LP_GRPC_PREFIX && mlen == n && mlen == len - LP_GRPC_PREFIX);
		check_status(msg, mlen);
	} else if (rc == -2) {
		CHECK(len - LP_GRPC_PREFIX > n);
	} else {
		CHECK(len - LP_GRPC_PREFIX < n || (len - LP_GRPC_PREFIX == n && buf[0] > 1));
	}
}

static void check_request(const uint8_t *s, size_t len, size_t cap)
{
	unsigned char *out = malloc(cap ? cap : 1);
	size_t n, vlen = len < 128 ? 1 : len < 16384 ? 2 : 3;

	CHECK(out != NULL);
	n = lp_pb_health_request(out, cap, (const char *)s, len);
	if (len == 0) {
		CHECK(n == 0);
	} else if (n == (size_t)-1) {
		CHECK(cap < 1 + 10 + len); /* refused only when it might not fit */
	} else {
		CHECK(n == 1 + vlen + len && n <= cap);
		CHECK(out[0] == 0x0a && memcmp(out + 1 + vlen, s, len) == 0);
		CHECK(out[1] == (vlen == 1 ? len : (len & 0x7f) | 0x80));
	}
	free(out);
}

static void check_percent(const uint8_t *in, size_t len, size_t cap)
{
	char *out = malloc(cap ? cap : 1);
	size_t n, i;

	CHECK(out != NULL);
	n = lp_grpc_percent_decode(in, len, out, cap);
	if (cap == 0) {
		CHECK(n == 0);
	} else {
		CHECK(n < cap && n <= len && out[n] == '\0');
		/* without a '%' it is a copy, cut to fit */
		if (memchr(in, '%', len) == NULL) {
			CHECK(n == (len < cap - 1 ? len : cap - 1));
			for (i = 0; i < n; i++)
				CHECK((unsigned char)out[i] == in[i]);
		}
	}
	free(out);
}

static int b64val(char c)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *at = c ? strchr(tab, c) : NULL;

	return at ? (int)(at - tab) : -1;
}

static void check_base64(const uint8_t *in, size_t len, size_t cap)
{
	size_t need = (len * 4 + 2) / 3, n, i, bits = 0, got = 0;
	char *out = malloc(cap ? cap : 1);
	uint32_t acc = 0;
	int v;

	CHECK(out != NULL);
	n = lp_base64(in, len, out, cap);
	if (cap < need + 1) {
		CHECK(n == 0);
		free(out);
		return;
	}
	CHECK(n == need && out[n] == '\0');
	for (i = 0; i < n; i++) { /* decode back */
		v = b64val(out[i]);
		CHECK(v >= 0);
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			CHECK(got < len && (uint8_t)(acc >> bits) == in[got]);
			got++;
		}
	}
	CHECK(got == len);
	CHECK((acc & ((1u << bits) - 1)) == 0); /* unused bits are zero */
	free(out);
}

static void check_gzip(const uint8_t *in, size_t len, size_t small_cap)
{
	static unsigned char gz[4096 + 64], back[4096 + 1];
	size_t n;
	z_stream z;
	int rc;

	if (len > 4096)
		len = 4096;
	CHECK(lp_gzip_stored(in, len, gz, small_cap) == (small_cap >= len + 23 ? len + 23 : 0));
	n = lp_gzip_stored(in, len, gz, sizeof gz);
	CHECK(n == len + 23 && gz[0] == 0x1f && gz[1] == 0x8b && gz[2] == 8);
	memset(&z, 0, sizeof z);
	CHECK(inflateInit2(&z, 16 + 15) == Z_OK);
	z.next_in = gz;
	z.avail_in = (uInt)n;
	z.next_out = back;
	z.avail_out = sizeof back;
	rc = inflate(&z, Z_FINISH);
	inflateEnd(&z);
	CHECK(rc == Z_STREAM_END && z.avail_in == 0);
	CHECK(sizeof back - z.avail_out == len && memcmp(back, in, len) == 0);
}

static void check_timeout(const uint8_t *p, size_t len)
{
	uint64_t x = 0;
	int64_t ms, v = 0;
	char buf[16];
	size_t i, digits;

	for (i = 0; i < 8 && i < len; i++)
		x = x << 8 | p[i];
	ms = (int64_t)(x % 86400000) + 1;
	lp_grpc_timeout_value(ms, buf, sizeof buf);
	digits = strspn(buf, "0123456789");
	CHECK(digits >= 1 && digits <= 8 && strlen(buf) == digits + 1);
	for (i = 0; i < digits; i++)
		v = v * 10 + (buf[i] - '0');
	CHECK(buf[digits] == 'm' || buf[digits] == 'S' || buf[digits] == 's');
	CHECK(buf[digits] == 'm' ? v == ms : v * 1000 >= ms);
}

static void check_names(const uint8_t *p, size_t len)
{
	uint64_t x = 0;
	size_t i;

	for (i = 0; i < 8 && i < len; i++)
		x = x << 8 | p[i];
	x >>= (len ? p[0] : 0) % 64; /* small values too */
	CHECK((lp_grpc_code_name(x) == NULL) == (x > 16));
	CHECK((lp_grpc_serving_name(x) == NULL) == (x > 3));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *in = data + 1;
	size_t len = size - 1, cap;

	if (size < 1)
		return 0;
	cap = data[0] % 64;
	check_status(in, len);
	check_message(in, len);
	check_request(in, len, cap);
	check_request(in, len, 1 + 10 + len);
	check_percent(in, len, cap);
	check_percent(in, len, len + 1);
	check_base64(in, len, cap);
	check_base64(in, len, len / 3 * 4 + 5);
	check_gzip(in, len, cap);
	check_timeout(in, len);
	check_names(in, len);
	return 0;
}
