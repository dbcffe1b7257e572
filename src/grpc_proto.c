/*
 * grpc_proto.c -- protobuf wire format (encoding guide: varints, wire types
 * 0/1/2/5) for the two health messages, and gRPC framing (PROTOCOL-HTTP2.md:
 * Length-Prefixed-Message, Timeout, Status-Message).
 */
#include "grpc_proto.h"

#include <stdio.h>
#include <string.h>
#include <zlib.h>

#include "hexdig.h"

static size_t lp_varint_put(unsigned char *out, uint64_t v)
{
	size_t n = 0;

	while (v >= 0x80) {
		out[n++] = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	out[n++] = (unsigned char)v;
	return n;
}

size_t lp_pb_health_request(unsigned char *out, size_t cap, const char *service, size_t slen)
{
	size_t n;

	if (slen == 0)
		return 0; /* proto3: a default field is not sent; the message is empty */
	if (cap < 1 + 10 + slen)
		return LP_PB_NO_ROOM;
	out[0] = 0x0a; /* field 1, wire type 2 */
	n = 1 + lp_varint_put(out + 1, slen);
	memcpy(out + n, service, slen);
	return n + slen;
}

/* Reads a varint of at most 10 bytes.  Returns 0 or -1. */
static int lp_varint_get(const unsigned char **p, const unsigned char *end, uint64_t *v)
{
	unsigned shift = 0;
	uint64_t x = 0;

	while (*p < end) {
		unsigned char b = *(*p)++;
		if (shift == 63 && b > 1)
			return -1; /* overflows 64 bits */
		x |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*v = x;
			return 0;
		}
		if ((shift += 7) > 63)
			return -1;
	}
	return -1;
}

int lp_pb_health_status(const unsigned char *msg, size_t len, uint64_t *status)
{
	const unsigned char *p = msg, *end = msg + len;
	uint64_t key, v;

	*status = 0;
	while (p < end) {
		if (lp_varint_get(&p, end, &key) < 0 || (key >> 3) == 0)
			return -1;
		switch (key & 7) {
		case 0:
			if (lp_varint_get(&p, end, &v) < 0)
				return -1;
			if ((key >> 3) == 1)
				*status = v;
			break;
		case 1:
			if (end - p < 8)
				return -1;
			p += 8;
			break;
		case 2:
			if (lp_varint_get(&p, end, &v) < 0 || v > (uint64_t)(end - p))
				return -1;
			p += v;
			break;
		case 5:
			if (end - p < 4)
				return -1;
			p += 4;
			break;
		default: /* 3, 4: deprecated groups; 6, 7: invalid */
			return -1;
		}
		if ((key >> 3) == 1 && (key & 7) != 0)
			return -1; /* status must be a varint */
	}
	return 0;
}

void lp_grpc_prefix(unsigned char *out, bool compressed, uint32_t len)
{
	out[0] = compressed ? 1 : 0;
	out[1] = (unsigned char)(len >> 24), out[2] = (unsigned char)(len >> 16);
	out[3] = (unsigned char)(len >> 8), out[4] = (unsigned char)len;
}

int lp_grpc_message(const unsigned char *buf, size_t len, bool *compressed,
		    const unsigned char **msg, size_t *mlen)
{
	uint32_t n;

	if (len < LP_GRPC_PREFIX)
		return LP_GRPC_MSG_TRUNCATED;
	n = (uint32_t)buf[1] << 24 | (uint32_t)buf[2] << 16 | (uint32_t)buf[3] << 8 | buf[4];
	if (len - LP_GRPC_PREFIX < n)
		return LP_GRPC_MSG_TRUNCATED;
	if (len - LP_GRPC_PREFIX > n)
		return LP_GRPC_MSG_TRAILING;
	if (buf[0] > 1)
		return LP_GRPC_MSG_TRUNCATED;
	*compressed = buf[0] == 1;
	*msg = buf + LP_GRPC_PREFIX;
	*mlen = n;
	return LP_GRPC_MSG_ONE;
}

void lp_grpc_timeout_value(int64_t ms, char *buf, size_t cap)
{
	if (ms <= 99999999)
		snprintf(buf, cap, "%lldm", (long long)ms);
	else
		snprintf(buf, cap, "%llds", (long long)((ms + 999) / 1000));
}

size_t lp_grpc_percent_decode(const unsigned char *in, size_t len, char *out, size_t cap)
{
	size_t i, n = 0;
	int hi, lo;

	if (cap == 0)
		return 0;
	for (i = 0; i < len && n + 1 < cap; i++) {
		if (in[i] == '%' && i + 2 < len && (hi = lp_hexval(in[i + 1])) >= 0 &&
		    (lo = lp_hexval(in[i + 2])) >= 0) {
			out[n++] = (char)(hi << 4 | lo);
			i += 2;
		} else {
			out[n++] = (char)in[i]; /* a stray '%' is kept, as grpc-go does */
		}
	}
	out[n] = '\0';
	return n;
}

size_t lp_base64(const unsigned char *in, size_t len, char *out, size_t cap)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i, n = 0, need = len / 3 * 4 + (len % 3 ? len % 3 + 1 : 0);
	uint32_t v;

	if (cap < need + 1)
		return 0;
	for (i = 0; i + 2 < len; i += 3) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		out[n++] = tab[v >> 18], out[n++] = tab[(v >> 12) & 63];
		out[n++] = tab[(v >> 6) & 63], out[n++] = tab[v & 63];
	}
	if (len - i == 1) {
		v = (uint32_t)in[i] << 16;
		out[n++] = tab[v >> 18], out[n++] = tab[(v >> 12) & 63];
	} else if (len - i == 2) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
		out[n++] = tab[v >> 18], out[n++] = tab[(v >> 12) & 63],
		out[n++] = tab[(v >> 6) & 63];
	}
	out[n] = '\0';
	return n;
}

static void lp_le32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v, p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16), p[3] = (unsigned char)(v >> 24);
}

size_t lp_gzip_stored(const unsigned char *in, size_t len, unsigned char *out, size_t cap)
{
	/* ID1 ID2 CM=deflate FLG=0 MTIME=0 XFL=0 OS=255 (unknown) */
	static const unsigned char head[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255};
	size_t n = sizeof head;

	if (len > 65535 || cap < sizeof head + 5 + len + 8)
		return 0;
	memcpy(out, head, sizeof head);
	out[n++] = 1; /* BFINAL=1, BTYPE=00 (stored) */
	out[n++] = (unsigned char)len, out[n++] = (unsigned char)(len >> 8);
	out[n++] = (unsigned char)~len, out[n++] = (unsigned char)(~len >> 8);
	if (len)
		memcpy(out + n, in, len);
	n += len;
	lp_le32(out + n, (uint32_t)crc32(0, in, (uInt)len));
	lp_le32(out + n + 4, (uint32_t)len);
	return n + 8;
}

const char *lp_grpc_code_name(uint64_t code)
{
	static const char *const names[] = {"OK",
					    "CANCELLED",
					    "UNKNOWN",
					    "INVALID_ARGUMENT",
					    "DEADLINE_EXCEEDED",
					    "NOT_FOUND",
					    "ALREADY_EXISTS",
					    "PERMISSION_DENIED",
					    "RESOURCE_EXHAUSTED",
					    "FAILED_PRECONDITION",
					    "ABORTED",
					    "OUT_OF_RANGE",
					    "UNIMPLEMENTED",
					    "INTERNAL",
					    "UNAVAILABLE",
					    "DATA_LOSS",
					    "UNAUTHENTICATED"};

	return code < sizeof names / sizeof names[0] ? names[code] : NULL;
}

const char *lp_grpc_serving_name(uint64_t status)
{
	static const char *const names[] = {"UNKNOWN", "SERVING", "NOT_SERVING", "SERVICE_UNKNOWN"};

	return status < 4 ? names[status] : NULL;
}
