/*
 * fuzz_http1.c -- libFuzzer target for the HTTP/1.x response parser.
 *
 * Input: byte 0 = flags, byte 1 = split seed, byte 2 = cap offset, the
 * rest = the response.
 *   flags bit 0: the request was HEAD
 *   flags bit 1: start as if 64 KiB - 256 + byte 2 bytes of interim (1xx)
 *                responses had already been read -- the exact state the
 *                parser is in after them (S_VER, head_bytes = that count) --
 *                so the cap's edge is reached without 64 KiB inputs
 * The response is parsed three ways -- whole, in pseudo-random pieces and
 * one byte at a time -- and must give the same outcome (http1_parse.h:
 * any split gives the same events).  Checked on every call: used <= len,
 * MORE only when everything was used, HEAD once and before DATA, DATA
 * inside the bytes just used, progress, no feeding after ERROR/TOO_LARGE,
 * head_bytes never over the cap + 1, ERROR always with a reason.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http1_parse.h"

struct outcome {
	int heads, status, minor;
	uint64_t body_len, body_hash;
	enum lp_h1_event last;
	const char *error;
	int finished;
};

#define CHECK(cond)                                                                            \
	do {                                                                                   \
		if (!(cond)) {                                                                 \
			fprintf(stderr, "fuzz_http1: invariant failed: %s (line %d)\n", #cond, \
				__LINE__);                                                     \
			abort();                                                               \
		}                                                                              \
	} while (0)

static void feed_piece(struct lp_http1 *p, struct outcome *o, const unsigned char *buf, size_t len)
{
	enum lp_h1_event ev;
	size_t used, i;

	while (!o->finished) {
		used = (size_t)-1;
		ev = lp_http1_feed(p, buf, len, &used);
		CHECK(used <= len);
		CHECK(p->head_bytes <= LP_H1_HEAD_MAX + 1);
		CHECK(p->chunk.line_bytes <= LP_H1_LINE_MAX + 1);
		switch (ev) {
		case LP_H1_MORE:
			CHECK(used == len);
			return;
		case LP_H1_HEAD:
			CHECK(used > 0);
			CHECK(o->heads == 0);
			CHECK(lp_http1_head_done(p));
			CHECK(p->status >= 100 && p->status <= 599);
			CHECK(p->status >= 200 || p->status == 101);
			o->heads++;
			o->status = p->status;
			o->minor = p->minor;
			break;
		case LP_H1_DATA:
			CHECK(o->heads == 1);
			CHECK(p->data_len > 0);
			CHECK(p->data >= buf && p->data + p->data_len == buf + used);
			for (i = 0; i < p->data_len; i++)
				o->body_hash = (o->body_hash ^ p->data[i]) * 0x100000001b3ULL;
			o->body_len += p->data_len;
			break;
		case LP_H1_DONE:
			CHECK(o->heads == 1);
			CHECK(p->error == NULL);
			/* done stays done and reads nothing more */
			CHECK(lp_http1_feed(p, buf + used, len - used, &i) == LP_H1_DONE && i == 0);
			/* fall through */
		case LP_H1_ERROR:
		case LP_H1_TOO_LARGE:
			CHECK(ev != LP_H1_ERROR || p->error != NULL);
			CHECK(ev != LP_H1_TOO_LARGE || p->head_bytes == LP_H1_HEAD_MAX + 1);
			o->finished = 1;
			o->last = ev;
			o->error = p->error;
			break;
		default:
			CHECK(0 && "unknown event");
		}
		buf += used;
		len -= used;
	}
}

static uint32_t next(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* mode 0: whole; 1: byte by byte; 2: pseudo-random pieces of 1..max. */
static void run(const unsigned char *in, size_t len, int head, size_t head_start, int mode,
		uint32_t seed, struct outcome *o)
{
	struct lp_http1 p;
	size_t off = 0, n, max = (seed & 0xff) + 1;

	memset(o, 0, sizeof *o);
	lp_http1_init(&p, head != 0);
	p.head_bytes = head_start;
	seed |= 1;
	while (off < len && !o->finished) {
		n = mode == 0 ? len - off : mode == 1 ? 1 : 1 + next(&seed) % max;
		if (n > len - off)
			n = len - off;
		feed_piece(&p, o, in + off, n);
		off += n;
	}
	if (!o->finished) {
		o->last = lp_http1_eof(&p);
		o->error = p.error;
		CHECK(o->last == LP_H1_DONE || o->last == LP_H1_ERROR);
		CHECK(o->last != LP_H1_ERROR || p.error != NULL);
		CHECK(o->last != LP_H1_DONE || o->heads == 1);
	}
}

static void same(const struct outcome *a, const struct outcome *b)
{
	CHECK(a->last == b->last);
	CHECK(a->heads == b->heads);
	CHECK(a->status == b->status);
	CHECK(a->minor == b->minor);
	CHECK(a->body_len == b->body_len);
	CHECK(a->body_hash == b->body_hash);
	CHECK((a->error == NULL) == (b->error == NULL));
	CHECK(a->error == NULL || strcmp(a->error, b->error) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct outcome whole, bytes, pieces;
	const unsigned char *in = data + 3;
	size_t len = size - 3, head_start = 0;
	uint32_t seed;
	int head;

	if (size < 3)
		return 0;
	head = data[0] & 1;
	seed = (uint32_t)data[1] | (uint32_t)data[0] << 8;
	if (data[0] & 2)
		head_start = LP_H1_HEAD_MAX - 256 + data[2];

	run(in, len, head, head_start, 0, seed, &whole);
	run(in, len, head, head_start, 2, seed, &pieces);
	same(&whole, &pieces);
	run(in, len, head, head_start, 1, seed, &bytes);
	same(&whole, &bytes);
	return 0;
}
