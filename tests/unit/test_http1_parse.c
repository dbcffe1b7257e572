/*
 * test_http1_parse.c -- the incremental HTTP/1.x response parser.
 *
 * Every case is replayed (a) all at once, (b) one byte at a time and (c)
 * split in two at every boundary; each replay must give the same events,
 * status, body bytes, final event and error as the others (http1_parse.h:
 * "one at a time or all at once gives the same events").  Cases are data,
 * one table per behaviour; the 64 KiB cases are built at run time and split
 * at a sample of boundaries (check_big_case).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "http1_parse.h"

/* A literal and its length: cases may hold NUL bytes. */
#define S(s) s, sizeof(s) - 1

enum { PLAIN = 0, HEAD_REQUEST = 1, PEER_CLOSES = 2 };

struct h1_case {
	const char *name;
	const char *in; /* what the peer sends */
	size_t len;
	unsigned flags;	  /* HEAD_REQUEST: the request was HEAD; PEER_CLOSES: eof after in */
	int status;	  /* status at LP_H1_HEAD; 0: no LP_H1_HEAD */
	const char *body; /* body bytes delivered by LP_H1_DATA, in order */
	size_t body_len;
	enum lp_h1_event final; /* DONE, ERROR, TOO_LARGE, or MORE: still waiting */
};

#define BODY_CAP 4096

struct h1_outcome {
	int heads;
	int status;
	unsigned char body[BODY_CAP];
	size_t body_len;
	enum lp_h1_event final;
	const char *error;
	size_t used; /* bytes consumed up to the final event */
};

static const char *event_name(enum lp_h1_event ev)
{
	static const char *const names[] = {"MORE", "HEAD", "DATA", "DONE", "ERROR", "TOO_LARGE"};

	return (unsigned)ev < sizeof names / sizeof names[0] ? names[ev] : "?";
}

/* Feeds one piece the way a caller does: again after HEAD or DATA (with
 * what is left, even nothing: that is how DONE is seen), until the parser
 * wants more or ends.  Returns true once it ended. */
static bool feed_piece(const struct h1_case *c, struct lp_http1 *p, const unsigned char *buf,
		       size_t len, struct h1_outcome *o)
{
	enum lp_h1_event ev;
	size_t used;

	do {
		used = (size_t)-1;
		ev = lp_http1_feed(p, buf, len, &used);
		if (used > len)
			fail_msg("%s: used %zu of %zu", c->name, used, len);
		switch (ev) {
		case LP_H1_HEAD:
			if (o->heads++ || o->body_len)
				fail_msg("%s: a second HEAD, or HEAD after DATA", c->name);
			if (!lp_http1_head_done(p))
				fail_msg("%s: HEAD but head not done", c->name);
			o->status = p->status;
			break;
		case LP_H1_DATA:
			if (!o->heads)
				fail_msg("%s: DATA before HEAD", c->name);
			/* the span is in the caller's buffer and ends where `used` does */
			if (p->data_len == 0 || p->data < buf ||
			    p->data + p->data_len != buf + used)
				fail_msg("%s: DATA span of %zu bytes outside what was used",
					 c->name, p->data_len);
			if (o->body_len + p->data_len > BODY_CAP)
				fail_msg("%s: body over %d bytes", c->name, BODY_CAP);
			memcpy(o->body + o->body_len, p->data, p->data_len);
			o->body_len += p->data_len;
			break;
		case LP_H1_MORE:
			if (used != len)
				fail_msg("%s: MORE with %zu bytes unused", c->name, len - used);
			if (!o->heads && lp_http1_head_done(p))
				fail_msg("%s: head done before HEAD", c->name);
			break;
		default:
			o->final = ev;
			o->error = ev == LP_H1_ERROR ? p->error : NULL;
			break;
		}
		o->used += used;
		buf += used;
		len -= used;
	} while (ev == LP_H1_HEAD || ev == LP_H1_DATA);
	return ev != LP_H1_MORE;
}

enum replay_how { ALL_AT_ONCE, BYTEWISE, SPLIT };

static void replay(const struct h1_case *c, enum replay_how how, size_t split, struct h1_outcome *o)
{
	static struct lp_http1 p;
	const unsigned char *in = (const unsigned char *)c->in;
	size_t at;
	bool ended;

	memset(o, 0, sizeof *o);
	o->final = LP_H1_MORE;
	lp_http1_init(&p, (c->flags & HEAD_REQUEST) != 0);
	if (how == ALL_AT_ONCE) {
		ended = feed_piece(c, &p, in, c->len, o);
	} else if (how == SPLIT) {
		ended = feed_piece(c, &p, in, split, o) ||
			feed_piece(c, &p, in + split, c->len - split, o);
	} else {
		for (at = 0, ended = false; at < c->len && !ended; at++)
			ended = feed_piece(c, &p, in + at, 1, o);
	}
	if (!ended && (c->flags & PEER_CLOSES)) {
		o->final = lp_http1_eof(&p);
		o->error = o->final == LP_H1_ERROR ? p.error : NULL;
		if (o->final != LP_H1_DONE && o->final != LP_H1_ERROR)
			fail_msg("%s: eof gave %s", c->name, event_name(o->final));
	}
}

static void describe(const struct h1_case *c, const char *how, size_t split,
		     const struct h1_outcome *o, const char *what)
{
	fail_msg("%s (%s %zu): %s -- got status %d, %zu body bytes \"%.*s\", %s (%s)", c->name, how,
		 split, what, o->status, o->body_len, (int)(o->body_len > 64 ? 64 : o->body_len),
		 (const char *)o->body, event_name(o->final), o->error ? o->error : "no error");
}

/* The outcome the table asks for. */
static void check_as_table(const struct h1_case *c, const char *how, size_t split,
			   const struct h1_outcome *o)
{
	if (o->heads != (c->status ? 1 : 0) || o->status != c->status)
		describe(c, how, split, o, "wrong status");
	if (o->body_len != c->body_len || memcmp(o->body, c->body, c->body_len) != 0)
		describe(c, how, split, o, "wrong body");
	if (o->final != c->final)
		describe(c, how, split, o, "wrong final event");
	if (o->final == LP_H1_ERROR && (!o->error || !*o->error))
		describe(c, how, split, o, "ERROR without a reason");
	if (o->final == LP_H1_MORE && o->used != c->len)
		describe(c, how, split, o, "waiting with input left");
}

/* ... and exactly what the all-at-once replay gave. */
static void check_same(const struct h1_case *c, const char *how, size_t split,
		       const struct h1_outcome *ref, const struct h1_outcome *o)
{
	check_as_table(c, how, split, o);
	if (o->used != ref->used)
		describe(c, how, split, o, "consumed a different number of bytes");
	if ((o->error == NULL) != (ref->error == NULL) ||
	    (o->error && strcmp(o->error, ref->error) != 0))
		describe(c, how, split, o, "a different error");
}

static void check_case(const struct h1_case *c)
{
	static struct h1_outcome ref, o;
	size_t split;

	replay(c, ALL_AT_ONCE, 0, &ref);
	check_as_table(c, "all at once", 0, &ref);
	replay(c, BYTEWISE, 0, &o);
	check_same(c, "byte by byte", 0, &ref, &o);
	for (split = 0; split <= c->len; split++) {
		replay(c, SPLIT, split, &o);
		check_same(c, "split at", split, &ref, &o);
	}
}

static void check_cases(const struct h1_case *cases, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		check_case(&cases[i]);
}

#define CHECK_TABLE(t) check_cases(t, sizeof t / sizeof t[0])

/* --- well-formed responses ------------------------------------------------- */

static void test_content_length_body_is_delivered_then_done(void **state)
{
	static const struct h1_case cases[] = {
		{"200 with Content-Length", S("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"),
		 PLAIN, 200, S("hello"), LP_H1_DONE},
		{"bytes after the body are not consumed",
		 S("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 500 x\r\n\r\n"), PLAIN,
		 200, S("ok"), LP_H1_DONE},
		{"Content-Length: 0", S("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"), PLAIN, 200,
		 S(""), LP_H1_DONE},
		{"whitespace around the length",
		 S("HTTP/1.1 200 OK\r\nContent-Length: \t 3 \t\r\n\r\nabc"), PLAIN, 200, S("abc"),
		 LP_H1_DONE},
		{"no space after the colon", S("HTTP/1.1 200 OK\r\nContent-Length:3\r\n\r\nabc"),
		 PLAIN, 200, S("abc"), LP_H1_DONE},
		{"leading zeros", S("HTTP/1.1 200 OK\r\nContent-Length: 003\r\n\r\nabc"), PLAIN,
		 200, S("abc"), LP_H1_DONE},
		{"name in any case", S("HTTP/1.1 200 OK\r\ncOnTeNt-LeNgTh: 3\r\n\r\nabc"), PLAIN,
		 200, S("abc"), LP_H1_DONE},
		{"the same length twice",
		 S("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nX: y\r\nContent-Length: 3\r\n\r\nabc"),
		 PLAIN, 200, S("abc"), LP_H1_DONE},
		{"binary body", S("HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\n\0\r\n\xff\n\r\0x"),
		 PLAIN, 200, S("\0\r\n\xff\n\r\0x"), LP_H1_DONE},
		{"HTTP/1.0 with Content-Length",
		 S("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok"), PLAIN, 200, S("ok"),
		 LP_H1_DONE},
		{"close after a complete body",
		 S("HTTP/1.1 503 Unavailable\r\nContent-Length: 4\r\n\r\ndown"), PEER_CLOSES, 503,
		 S("down"), LP_H1_DONE},
		{"other headers around it",
		 S("HTTP/1.1 200 OK\r\nDate: Sat, 28 Nov 2026 22:00:00 GMT\r\n"
		   "Content-Type: application/json\r\nContent-Length: 15\r\nServer: x\r\n\r\n"
		   "{\"status\":\"UP\"}"),
		 PLAIN, 200, S("{\"status\":\"UP\"}"), LP_H1_DONE},
	};

	(void)state;
	CHECK_TABLE(cases);
}

static void test_responses_without_a_body_are_done_after_the_head(void **state)
{
	static const struct h1_case cases[] = {
		{"204", S("HTTP/1.1 204 No Content\r\n\r\n"), PLAIN, 204, S(""), LP_H1_DONE},
		{"204 ignores Content-Length",
		 S("HTTP/1.1 204 No Content\r\nContent-Length: 9\r\n\r\n"), PLAIN, 204, S(""),
		 LP_H1_DONE},
		{"304 with Content-Length",
		 S("HTTP/1.1 304 Not Modified\r\nContent-Length: 100\r\n\r\n"), PLAIN, 304, S(""),
		 LP_H1_DONE},
		{"304 with Transfer-Encoding",
		 S("HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n"), PLAIN, 304,
		 S(""), LP_H1_DONE},
		{"HEAD with Content-Length", S("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n"),
		 HEAD_REQUEST, 200, S(""), LP_H1_DONE},
		{"HEAD with chunked", S("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"),
		 HEAD_REQUEST, 200, S(""), LP_H1_DONE},
		{"HEAD without framing", S("HTTP/1.0 200 OK\r\n\r\n"), HEAD_REQUEST, 200, S(""),
		 LP_H1_DONE},
		{"HEAD: what follows is not a body",
		 S("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nbody"), HEAD_REQUEST, 200, S(""),
		 LP_H1_DONE},
		{"101 Switching Protocols",
		 S("HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n\0\0\x12\x04"), PLAIN,
		 101, S(""), LP_H1_DONE},
		{"204 then close", S("HTTP/1.1 204 No Content\r\n\r\n"), PEER_CLOSES, 204, S(""),
		 LP_H1_DONE},
	};

	(void)state;
	CHECK_TABLE(cases);
}

static void test_chunked_body_is_decoded(void **state)
{
	static const struct h1_case cases[] = {
		{"two chunks",
		 S("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		   "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"),
		 PLAIN, 200, S("hello world"), LP_H1_DONE},
		{"extensions and trailers",
		 S("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		   "5;name=value\r\nhello\r\n6 ; a=\"b;c\" ;d\r\n world\r\n0;last\r\n"
		   "X-Checksum: 1234\r\nX-Other: y\r\n\r\n"),
		 PLAIN, 200, S("hello world"), LP_H1_DONE},
		{"hex sizes in any case",
		 S("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		   "a\r\n0123456789\r\nB\r\nabcdefghijk\r\n000\r\n\r\n"),
		 PLAIN, 200, S("0123456789abcdefghijk"), LP_H1_DONE},
		{"leading zeros in the size",
		 S("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0002\r\nok\r\n0\r\n\r\n"),
		 PLAIN, 200, S("ok"), LP_H1_DONE},
		/* RFC 9110 §5.6.1: empty list items do not count */
		{"trailing empty list item",
		 S("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked,\r\n\r\n2\r\nok\r\n0\r\n\r\n"),
		 PLAIN, 200, S("ok"), LP_H1_DONE},
		{"a later empty Transfer-Encoding field",
		 S("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding:\r\n\r\n"
		   "2\r\nok\r\n0\r\n\r\n"),
		 PLAIN, 200, S("ok"), LP_H1_DONE},
		{"gzip then chunked",
		 S("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, "
		   "chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n"),
		 PLAIN, 200, S("ok"), LP_H1_DONE},
		{"chunk data that looks like framing",
		 S("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		   "7\r\n\r\n0\r\n\r\n\r\n0\r\n\r\n"),
		 PLAIN, 200, S("\r\n0\r\n\r\n"), LP_H1_DONE},
		{"no chunks at all",
		 S("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"), PLAIN, 200,
		 S(""), LP_H1_DONE},
		{"coding name in any case",
		 S("HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n"),
		 PLAIN, 200, S("ok"), LP_H1_DONE},
		{"chunked last in a list",
		 S("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
		   "2\r\nok\r\n0\r\n\r\n"),
		 PLAIN, 200, S("ok"), LP_H1_DONE},
		{"chunked in the last of two headers",
		 S("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n"
		   "Transfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n"),
		 PLAIN, 200, S("ok"), LP_H1_DONE},
		{"chunked wins over Content-Length (RFC 9112 6.3)",
		 S("HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n"
		   "2\r\nok\r\n0\r\n\r\n"),
		 PLAIN, 200, S("ok"), LP_H1_DONE},
		{"bytes after the last chunk are not consumed",
		 S("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\nmore"),
		 PLAIN, 200, S("ok"), LP_H1_DONE},
		{"binary chunk data",
		 S("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		   "3\r\n\0\xff\n\r\n0\r\n\r\n"),
		 PLAIN, 200, S("\0\xff\n"), LP_H1_DONE},
	};

	(void)state;
	CHECK_TABLE(cases);
}

static void test_bare_lf_line_ends_are_accepted(void **state)
{
	/* RFC 9112 2.2: a recipient MAY recognise a single LF as a line terminator */
	static const struct h1_case cases[] = {
		{"head with LF only", S("HTTP/1.1 200 OK\nContent-Length: 2\n\nok"), PLAIN, 200,
		 S("ok"), LP_H1_DONE},
		{"chunked with LF only",
		 S("HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n5\nhello\n1;x\n!\n0\nT: 1\n\n"),
		 PLAIN, 200, S("hello!"), LP_H1_DONE},
		{"mixed line ends",
		 S("HTTP/1.1 200 OK\nTransfer-Encoding: chunked\r\nX: 1\n\r\n"
		   "2\nok\r\n2\r\n!!\n0\r\n\n"),
		 PLAIN, 200, S("ok!!"), LP_H1_DONE},
		{"no reason, LF", S("HTTP/1.1 204\n\n"), PLAIN, 204, S(""), LP_H1_DONE},
	};

	(void)state;
	CHECK_TABLE(cases);
}

static void test_close_delimited_body_ends_at_eof(void **state)
{
	static const struct h1_case cases[] = {
		{"HTTP/1.0 without length", S("HTTP/1.0 200 OK\r\n\r\nall of it\r\n\r\n"),
		 PEER_CLOSES, 200, S("all of it\r\n\r\n"), LP_H1_DONE},
		/* not a token: not "chunked", so the body runs to the close */
		{"spaced coding is not chunked",
		 S("HTTP/1.1 200 OK\r\nTransfer-Encoding: chun ked\r\n\r\n2\r\nok"), PEER_CLOSES,
		 200, S("2\r\nok"), LP_H1_DONE},
		{"quoted coding is not chunked",
		 S("HTTP/1.1 200 OK\r\nTransfer-Encoding: \"chunked\"\r\n\r\n2\r\nok"), PEER_CLOSES,
		 200, S("2\r\nok"), LP_H1_DONE},
		/* RFC 9112 §6.3: Transfer-Encoding without chunked last overrides
		 * Content-Length; the body is read until the close */
		{"Transfer-Encoding overrides Content-Length",
		 S("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: x\r\n\r\nhello "
		   "world"),
		 PEER_CLOSES, 200, S("hello world"), LP_H1_DONE},
		{"HTTP/1.1 without framing", S("HTTP/1.1 200 OK\r\nX: y\r\n\r\nbody"), PEER_CLOSES,
		 200, S("body"), LP_H1_DONE},
		{"empty close-delimited body", S("HTTP/1.0 200 OK\r\n\r\n"), PEER_CLOSES, 200,
		 S(""), LP_H1_DONE},
		{"chunked not last: read until close (RFC 9112 6.3)",
		 S("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n2\r\nok"),
		 PEER_CLOSES, 200, S("2\r\nok"), LP_H1_DONE},
		{"until close, before the close", S("HTTP/1.0 200 OK\r\n\r\nsome"), PLAIN, 200,
		 S("some"), LP_H1_MORE},
	};

	(void)state;
	CHECK_TABLE(cases);
}

static void test_interim_responses_are_skipped(void **state)
{
	static const struct h1_case cases[] = {
		{"100 Continue then 200",
		 S("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"),
		 PLAIN, 200, S("ok"), LP_H1_DONE},
		{"103 Early Hints then 503",
		 S("HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload; as=style\r\n\r\n"
		   "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\n\r\ndown"),
		 PLAIN, 503, S("down"), LP_H1_DONE},
		{"several interim responses",
		 S("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 102 Processing\r\n\r\n"
		   "HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n"),
		 PLAIN, 204, S(""), LP_H1_DONE},
		{"an interim Content-Length does not frame the final body",
		 S("HTTP/1.1 100 Continue\r\nContent-Length: 5\r\n\r\n"
		   "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"),
		 PLAIN, 200, S("ok"), LP_H1_DONE},
		{"an interim Transfer-Encoding does not frame the final body",
		 S("HTTP/1.1 100 Continue\r\nTransfer-Encoding: chunked\r\n\r\n"
		   "HTTP/1.0 200 OK\r\n\r\nraw"),
		 PEER_CLOSES, 200, S("raw"), LP_H1_DONE},
		{"interim with LF only", S("HTTP/1.1 100 Continue\n\nHTTP/1.1 200 OK\n\nx"),
		 PEER_CLOSES, 200, S("x"), LP_H1_DONE},
		{"interim to a HEAD request",
		 S("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n"),
		 HEAD_REQUEST, 200, S(""), LP_H1_DONE},
	};

	(void)state;
	CHECK_TABLE(cases);
}

static void test_status_line_forms(void **state)
{
	static const struct h1_case cases[] = {
		{"no reason phrase", S("HTTP/1.1 200\r\nContent-Length: 2\r\n\r\nok"), PLAIN, 200,
		 S("ok"), LP_H1_DONE},
		{"empty reason phrase", S("HTTP/1.1 200 \r\nContent-Length: 2\r\n\r\nok"), PLAIN,
		 200, S("ok"), LP_H1_DONE},
		{"reason with spaces, tabs and obs-text",
		 S("HTTP/1.1 404 Not \tFound \xe2\x9c\x97\r\nContent-Length: 0\r\n\r\n"), PLAIN,
		 404, S(""), LP_H1_DONE},
		{"HTTP/1.0", S("HTTP/1.0 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n"),
		 PLAIN, 500, S(""), LP_H1_DONE},
		{"lowest final code", S("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"), PLAIN, 200,
		 S(""), LP_H1_DONE},
		{"highest code", S("HTTP/1.1 599 x\r\nContent-Length: 0\r\n\r\n"), PLAIN, 599,
		 S(""), LP_H1_DONE},
		{"redirect is just a status",
		 S("HTTP/1.1 302 Found\r\nLocation: http://x/\r\n"
		   "Content-Length: 0\r\n\r\n"),
		 PLAIN, 302, S(""), LP_H1_DONE},
	};

	(void)state;
	CHECK_TABLE(cases);
}

static void test_header_line_forms(void **state)
{
	static const struct h1_case cases[] = {
		{"obs-fold continues a header (RFC 9112 5.2)",
		 S("HTTP/1.1 200 OK\r\nX-Long: a\r\n b\r\n\t c\r\nContent-Length: 2\r\n\r\nok"),
		 PLAIN, 200, S("ok"), LP_H1_DONE},
		{"header names with odd tchars",
		 S("HTTP/1.1 200 OK\r\n!#$%&'*+-.^_`|~09AZaz: v\r\nContent-Length: 2\r\n\r\nok"),
		 PLAIN, 200, S("ok"), LP_H1_DONE},
		{"empty value", S("HTTP/1.1 200 OK\r\nX-Empty:\r\nContent-Length: 2\r\n\r\nok"),
		 PLAIN, 200, S("ok"), LP_H1_DONE},
		{"value with obs-text, tabs and colons",
		 S("HTTP/1.1 200 OK\r\nX: \xff\xfe\t a:b:c \r\nContent-Length: 2\r\n\r\nok"), PLAIN,
		 200, S("ok"), LP_H1_DONE},
		{"a long name",
		 S("HTTP/1.1 200 OK\r\nX-A-Very-Long-Header-Name-Indeed-Longer-Than-"
		   "Any-Buffer: v\r\nContent-Length: 2\r\n\r\nok"),
		 PLAIN, 200, S("ok"), LP_H1_DONE},
		{"names like the framing headers are other headers",
		 S("HTTP/1.1 200 OK\r\nContent-Lengths: abc\r\nX-Content-Length: x\r\n"
		   "Content-Length-Extra: y\r\nContent-Lengt: z\r\nTransfer-Encodings: chunked\r\n"
		   "Content-Length: 2\r\n\r\nok"),
		 PLAIN, 200, S("ok"), LP_H1_DONE},
		{"a value that mentions chunked is not chunked",
		 S("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunkedx\r\n\r\n2\r\nok"), PEER_CLOSES,
		 200, S("2\r\nok"), LP_H1_DONE},
	};

	(void)state;
	CHECK_TABLE(cases);
}

/* --- malformed responses --------------------------------------------------- */

static void test_malformed_status_lines_are_errors(void **state)
{
	static const struct h1_case cases[] = {
		{"garbage", S("SSH-2.0-OpenSSH_9.6\r\n"), PLAIN, 0, S(""), LP_H1_ERROR},
		{"HTTP/2", S("HTTP/2 200\r\n\r\n"), PLAIN, 0, S(""), LP_H1_ERROR},
		{"HTTP/2.0", S("HTTP/2.0 200 OK\r\n\r\n"), PLAIN, 0, S(""), LP_H1_ERROR},
		{"lower-case version", S("http/1.1 200 OK\r\n\r\n"), PLAIN, 0, S(""), LP_H1_ERROR},
		{"two-digit minor", S("HTTP/1.10 200 OK\r\n\r\n"), PLAIN, 0, S(""), LP_H1_ERROR},
		{"no minor", S("HTTP/1 200 OK\r\n\r\n"), PLAIN, 0, S(""), LP_H1_ERROR},
		{"letter minor", S("HTTP/1.x 200 OK\r\n\r\n"), PLAIN, 0, S(""), LP_H1_ERROR},
		{"status 99", S("HTTP/1.1 99 x\r\n\r\n"), PLAIN, 0, S(""), LP_H1_ERROR},
		{"status 099", S("HTTP/1.1 099 x\r\n\r\n"), PLAIN, 0, S(""), LP_H1_ERROR},
		{"status 600", S("HTTP/1.1 600 x\r\n\r\n"), PLAIN, 0, S(""), LP_H1_ERROR},
		{"status 999", S("HTTP/1.1 999 x\r\n\r\n"), PLAIN, 0, S(""), LP_H1_ERROR},
		{"two-digit status", S("HTTP/1.1 20 x\r\n\r\n"), PLAIN, 0, S(""), LP_H1_ERROR},
		{"four-digit status", S("HTTP/1.1 2000 x\r\n\r\n"), PLAIN, 0, S(""), LP_H1_ERROR},
		{"status glued to the reason", S("HTTP/1.1 200OK\r\n\r\n"), PLAIN, 0, S(""),
		 LP_H1_ERROR},
		{"two spaces before the status", S("HTTP/1.1  200 OK\r\n\r\n"), PLAIN, 0, S(""),
		 LP_H1_ERROR},
		{"signed status", S("HTTP/1.1 +20 OK\r\n\r\n"), PLAIN, 0, S(""), LP_H1_ERROR},
		{"NUL in the status line", S("HTTP/1.1 200 O\0K\r\nContent-Length: 0\r\n\r\n"),
		 PLAIN, 0, S(""), LP_H1_ERROR},
		{"NUL in the version",
		 S("HTTP/1.1\0"
		   "200 OK\r\n\r\n"),
		 PLAIN, 0, S(""), LP_H1_ERROR},
		{"CR without LF after the status line", S("HTTP/1.1 200 OK\rX: y\r\n\r\n"), PLAIN,
		 0, S(""), LP_H1_ERROR},
		{"empty line first", S("\r\nHTTP/1.1 200 OK\r\n\r\n"), PLAIN, 0, S(""),
		 LP_H1_ERROR},
		{"a TLS alert", S("\x15\x03\x01\x00\x02\x02\x46"), PLAIN, 0, S(""), LP_H1_ERROR},
		{"an HTTP/2 preface", S("\0\0\x12\x04\0\0\0\0\0"), PLAIN, 0, S(""), LP_H1_ERROR},
	};

	(void)state;
	CHECK_TABLE(cases);
}

static void test_malformed_header_lines_are_errors(void **state)
{
	static const struct h1_case cases[] = {
		{"space before the colon", S("HTTP/1.1 200 OK\r\nX-A : 1\r\n\r\n"), PLAIN, 0, S(""),
		 LP_H1_ERROR},
		{"space in the name", S("HTTP/1.1 200 OK\r\nX A: 1\r\n\r\n"), PLAIN, 0, S(""),
		 LP_H1_ERROR},
		{"no colon", S("HTTP/1.1 200 OK\r\nNoColon\r\n\r\n"), PLAIN, 0, S(""), LP_H1_ERROR},
		{"empty name", S("HTTP/1.1 200 OK\r\n: v\r\n\r\n"), PLAIN, 0, S(""), LP_H1_ERROR},
		{"separator in the name", S("HTTP/1.1 200 OK\r\nX(A): 1\r\n\r\n"), PLAIN, 0, S(""),
		 LP_H1_ERROR},
		{"obs-text in the name", S("HTTP/1.1 200 OK\r\nX\xc3\xa9: 1\r\n\r\n"), PLAIN, 0,
		 S(""), LP_H1_ERROR},
		{"NUL in the name", S("HTTP/1.1 200 OK\r\nX\0: 1\r\n\r\n"), PLAIN, 0, S(""),
		 LP_H1_ERROR},
		{"NUL in a value", S("HTTP/1.1 200 OK\r\nX: a\0b\r\nContent-Length: 0\r\n\r\n"),
		 PLAIN, 0, S(""), LP_H1_ERROR},
		{"NUL in a Content-Length value",
		 S("HTTP/1.1 200 OK\r\nContent-Length: 1\0\r\n\r\n"), PLAIN, 0, S(""), LP_H1_ERROR},
		{"NUL in a Transfer-Encoding value",
		 S("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\0\r\n\r\n"), PLAIN, 0, S(""),
		 LP_H1_ERROR},
		{"CR without LF after a header", S("HTTP/1.1 200 OK\r\nX: 1\rY: 2\r\n\r\n"), PLAIN,
		 0, S(""), LP_H1_ERROR},
		{"CR without LF ending the head", S("HTTP/1.1 200 OK\r\nX: 1\r\n\rok"), PLAIN, 0,
		 S(""), LP_H1_ERROR},
		{"CR CR", S("HTTP/1.1 200 OK\r\r\n\r\n"), PLAIN, 0, S(""), LP_H1_ERROR},
		{"control character starting a line", S("HTTP/1.1 200 OK\r\n\x01X: 1\r\n\r\n"),
		 PLAIN, 0, S(""), LP_H1_ERROR},
	};

	(void)state;
	CHECK_TABLE(cases);
}

static void test_invalid_content_length_is_an_error(void **state)
{
	static const struct h1_case cases[] = {
		{"letters", S("HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\n"), PLAIN, 0, S(""),
		 LP_H1_ERROR},
		{"two numbers", S("HTTP/1.1 200 OK\r\nContent-Length: 1 2\r\n\r\nab"), PLAIN, 0,
		 S(""), LP_H1_ERROR},
		{"empty", S("HTTP/1.1 200 OK\r\nContent-Length: \r\n\r\n"), PLAIN, 0, S(""),
		 LP_H1_ERROR},
		{"empty without a space", S("HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n"), PLAIN, 0,
		 S(""), LP_H1_ERROR},
		{"negative", S("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n"), PLAIN, 0, S(""),
		 LP_H1_ERROR},
		{"signed", S("HTTP/1.1 200 OK\r\nContent-Length: +1\r\n\r\nx"), PLAIN, 0, S(""),
		 LP_H1_ERROR},
		{"hex", S("HTTP/1.1 200 OK\r\nContent-Length: 0x10\r\n\r\n"), PLAIN, 0, S(""),
		 LP_H1_ERROR},
		{"a list", S("HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\n\r\nok"), PLAIN, 0, S(""),
		 LP_H1_ERROR},
		{"a fraction", S("HTTP/1.1 200 OK\r\nContent-Length: 2.0\r\n\r\nok"), PLAIN, 0,
		 S(""), LP_H1_ERROR},
		{"too large",
		 S("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n"), PLAIN, 0,
		 S(""), LP_H1_ERROR},
		{"conflicting lengths",
		 S("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc"), PLAIN,
		 0, S(""), LP_H1_ERROR},
		{"conflicting lengths, other headers between",
		 S("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX: y\r\ncontent-length: 20\r\n\r\n"),
		 PLAIN, 0, S(""), LP_H1_ERROR},
	};

	(void)state;
	CHECK_TABLE(cases);
}

static void test_folded_framing_headers_are_errors(void **state)
{
	/* a fold would let two parsers disagree on the framing: refuse it */
	static const struct h1_case cases[] = {
		{"folded Content-Length continuation",
		 S("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n 0\r\n\r\n0123456789"), PLAIN, 0, S(""),
		 LP_H1_ERROR},
		{"folded Content-Length with a tab",
		 S("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\tx\r\n\r\nok"), PLAIN, 0, S(""),
		 LP_H1_ERROR},
		{"folded Transfer-Encoding continuation",
		 S("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip,\r\n chunked\r\n\r\n"
		   "2\r\nok\r\n0\r\n\r\n"),
		 PLAIN, 0, S(""), LP_H1_ERROR},
		{"folded, LF only", S("HTTP/1.1 200 OK\nContent-Length: 1\n 0\n\n0123456789"),
		 PLAIN, 0, S(""), LP_H1_ERROR},
	};

	(void)state;
	CHECK_TABLE(cases);
}

static void test_bad_chunk_framing_is_an_error(void **state)
{
	static const struct h1_case cases[] = {
		/* regression: the Transfer-Encoding token's length leaked into the
		 * first chunk-size line, so "zz" passed as an extension of size 0 */
		{"zz as the first chunk right after Transfer-Encoding",
		 S("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
		   "Transfer-Encoding: chunked\r\n\r\n"
		   "zz\r\n\r\n"),
		 PLAIN, 200, S(""), LP_H1_ERROR},
		{"zz as the first chunk, LF only",
		 S("HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\nzz\n\n"), PLAIN, 200, S(""),
		 LP_H1_ERROR},
		{"zz after a good chunk",
		 S("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\nzz\r\n\r\n"),
		 PLAIN, 200, S("ok"), LP_H1_ERROR},
		{"empty chunk-size line",
		 S("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\r\n2\r\nok\r\n0\r\n\r\n"),
		 PLAIN, 200, S(""), LP_H1_ERROR},
		{"space before the size",
		 S("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n 2\r\nok\r\n0\r\n\r\n"),
		 PLAIN, 200, S(""), LP_H1_ERROR},
		{"extension without a size",
		 S("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n;x\r\n\r\n"), PLAIN, 200,
		 S(""), LP_H1_ERROR},
		{"negative size",
		 S("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n-2\r\nok\r\n0\r\n\r\n"),
		 PLAIN, 200, S(""), LP_H1_ERROR},
		{"size over 64 bits",
		 S("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000000\r\nx"),
		 PLAIN, 200, S(""), LP_H1_ERROR},
		{"missing CRLF after chunk data",
		 S("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloX\r\n0\r\n\r\n"),
		 PLAIN, 200, S("hello"), LP_H1_ERROR},
		{"chunk longer than its size",
		 S("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nokay\r\n0\r\n\r\n"),
		 PLAIN, 200, S("ok"), LP_H1_ERROR},
		{"CR without LF after chunk data",
		 S("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\rX\n0\r\n\r\n"),
		 PLAIN, 200, S("ok"), LP_H1_ERROR},
		{"CR without LF after the size",
		 S("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\rok\r\n0\r\n\r\n"),
		 PLAIN, 200, S(""), LP_H1_ERROR},
		{"NUL in a chunk extension",
		 S("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2;a\0\r\nok\r\n0\r\n\r\n"),
		 PLAIN, 200, S(""), LP_H1_ERROR},
		{"CR without LF ending the trailers",
		 S("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\rX"),
		 PLAIN, 200, S("ok"), LP_H1_ERROR},
	};

	(void)state;
	CHECK_TABLE(cases);
}

/* --- the caps -------------------------------------------------------------- */

/* interim + "HTTP/1.1 200 OK\r\nContent-Length: <body_len>\r\n" + "X:aaa...\r\n"
 * padding lines + "\r\n", exactly head_len bytes, then the body; lf: bare LF
 * line ends.  Returns the whole length. */
static size_t build_head(char *buf, size_t head_len, const char *interim, bool lf, const char *body,
			 size_t body_len)
{
	const char *eol = lf ? "\n" : "\r\n";
	size_t n, eol_len = strlen(eol), left, line;

	n = (size_t)sprintf(buf, "%sHTTP/1.1 200 OK%sContent-Length: %zu%s", interim, eol, body_len,
			    eol);
	left = head_len - n - eol_len; /* for the padding lines */
	while (left > 0) {
		/* lines of at most 1000 bytes; never leave less than a line's worth */
		line = left <= 1000 ? left : left - 1000 < 16 ? left - 16 : 1000;
		assert_true(line >= 2 + eol_len); /* "X:" and the line end */
		memcpy(buf + n, "X:", 2);
		memset(buf + n + 2, 'a', line - 2 - eol_len);
		memcpy(buf + n + line - eol_len, eol, eol_len);
		n += line;
		left -= line;
	}
	memcpy(buf + n, eol, eol_len);
	n += eol_len;
	assert_int_equal(n, head_len);
	memcpy(buf + n, body, body_len);
	return n + body_len;
}

static bool near_an_end(const struct h1_case *c, size_t split)
{
	return split < 1100 || c->len - split < 1100;
}

/* The big cases replay all at once, byte by byte, and split at every
 * boundary in the first and last 1100 bytes (more than a padding line) and
 * at a prime stride between: every boundary of 64 KiB would be 2^32 parser
 * steps. */
static void check_big_case(const struct h1_case *c)
{
	static struct h1_outcome ref, o;
	size_t split;

	replay(c, ALL_AT_ONCE, 0, &ref);
	check_as_table(c, "all at once", 0, &ref);
	replay(c, BYTEWISE, 0, &o);
	check_same(c, "byte by byte", 0, &ref, &o);
	for (split = 0; split <= c->len; split += near_an_end(c, split) ? 1 : 61) {
		replay(c, SPLIT, split, &o);
		check_same(c, "split at", split, &ref, &o);
	}
}

static void test_head_of_exactly_64k_is_accepted(void **state)
{
	static char buf[LP_H1_HEAD_MAX + 64];
	struct h1_case c = {"64 KiB head", buf, 0, PLAIN, 200, S("ok"), LP_H1_DONE};

	(void)state;
	c.len = build_head(buf, LP_H1_HEAD_MAX, "", false, "ok", 2);
	check_big_case(&c);
	c.name = "64 KiB head, LF only";
	c.len = build_head(buf, LP_H1_HEAD_MAX, "", true, "ok", 2);
	check_big_case(&c);
}

static void test_head_over_64k_is_too_large(void **state)
{
	static char buf[LP_H1_HEAD_MAX + 64];
	struct h1_case c = {"64 KiB + 1 head", buf, 0, PLAIN, 0, S(""), LP_H1_TOO_LARGE};
	static struct h1_outcome o;

	(void)state;
	c.len = build_head(buf, LP_H1_HEAD_MAX + 1, "", false, "ok", 2);
	check_big_case(&c);
	replay(&c, ALL_AT_ONCE, 0, &o);
	assert_int_equal(o.used, LP_H1_HEAD_MAX + 1); /* refused at the byte over the cap */
	c.name = "64 KiB + 1 head, LF only";
	c.len = build_head(buf, LP_H1_HEAD_MAX + 1, "", true, "ok", 2);
	check_big_case(&c);
}

static void test_one_long_header_line_is_capped(void **state)
{
	static char buf[2 * LP_H1_HEAD_MAX];
	struct h1_case c = {"one endless header value", buf, 0, PLAIN, 0, S(""), LP_H1_TOO_LARGE};
	static struct h1_outcome o;
	size_t n;

	(void)state;
	n = (size_t)sprintf(buf, "HTTP/1.1 200 OK\r\nX: ");
	memset(buf + n, 'a', sizeof buf - n);
	c.len = sizeof buf;
	check_big_case(&c);
	replay(&c, ALL_AT_ONCE, 0, &o);
	assert_int_equal(o.used, LP_H1_HEAD_MAX + 1);

	c.name = "one endless reason phrase";
	n = (size_t)sprintf(buf, "HTTP/1.1 200 ");
	memset(buf + n, 'a', sizeof buf - n);
	check_big_case(&c);
}

static void test_interim_heads_count_toward_the_64k_cap(void **state)
{
	static const char interim[] = "HTTP/1.1 100 Continue\r\n\r\n";
	static char buf[LP_H1_HEAD_MAX + 64];
	struct h1_case ok = {"100 + final, 64 KiB in all", buf, 0, PLAIN, 200, S("ok"), LP_H1_DONE};
	struct h1_case over = {
		"100 + final, 64 KiB + 1 in all", buf, 0, PLAIN, 0, S(""), LP_H1_TOO_LARGE};

	(void)state;
	ok.len = build_head(buf, LP_H1_HEAD_MAX, interim, false, "ok", 2);
	check_big_case(&ok);
	over.len = build_head(buf, LP_H1_HEAD_MAX + 1, interim, false, "ok", 2);
	check_big_case(&over);
}

static void test_body_bytes_do_not_count_toward_the_head_cap(void **state)
{
	static char buf[LP_H1_HEAD_MAX + BODY_CAP];
	static char body[BODY_CAP];
	struct h1_case c = {
		"64 KiB head and a 4 KiB body", buf, 0, PLAIN, 200, body, sizeof body, LP_H1_DONE};

	(void)state;
	memset(body, 'b', sizeof body);
	c.len = build_head(buf, LP_H1_HEAD_MAX, "", false, body, sizeof body);
	check_big_case(&c);
}

/* A chunk-size line of `line_len` bytes, its CRLF included: "5;x=aaa...\r\n". */
static size_t build_chunk_line(char *buf, size_t line_len)
{
	size_t n = (size_t)sprintf(buf, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");

	memcpy(buf + n, "5;x=", 4);
	memset(buf + n + 4, 'a', line_len - 6);
	memcpy(buf + n + line_len - 2, "\r\n", 2);
	n += line_len;
	memcpy(buf + n, "hello\r\n0\r\n\r\n", 12);
	return n + 12;
}

static void test_chunk_size_line_is_capped_at_1024_bytes(void **state)
{
	static char buf[4096];
	struct h1_case ok = {
		"1024-byte chunk-size line", buf, 0, PLAIN, 200, S("hello"), LP_H1_DONE};
	struct h1_case over = {"1025-byte chunk-size line", buf, 0, PLAIN, 200, S(""), LP_H1_ERROR};

	(void)state;
	ok.len = build_chunk_line(buf, LP_H1_LINE_MAX);
	check_case(&ok);
	over.len = build_chunk_line(buf, LP_H1_LINE_MAX + 1);
	check_case(&over);
}

static void test_chunk_size_line_cap_is_per_line(void **state)
{
	static char buf[4096];
	struct h1_case c = {
		"two 1024-byte chunk-size lines", buf, 0, PLAIN, 200, S("hellohello"), LP_H1_DONE};
	const size_t chunk = LP_H1_LINE_MAX + 7;	      /* "5;x=aaa...\r\n" "hello\r\n" */
	size_t n = build_chunk_line(buf, LP_H1_LINE_MAX) - 5; /* without "0\r\n\r\n" */

	(void)state;
	memcpy(buf + n, buf + n - chunk, chunk);
	n += chunk;
	memcpy(buf + n, "0\r\n\r\n", 5);
	c.len = n + 5;
	check_case(&c);
}

/* --- exact 64-bit bounds ----------------------------------------------------- */

/* Content-Length takes any value that fits 64 bits, and the error names
 * the one that does not; chunk sizes take 16 significant hex digits. */
static void test_sizes_are_bounded_at_exactly_64_bits(void **state)
{
	static const struct {
		struct h1_case c;
		const char *error; /* the reason at LP_H1_ERROR */
	} cases[] = {
		{{"Content-Length UINT64_MAX",
		  S("HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551615\r\n\r\nab"), PLAIN,
		  200, S("ab"), LP_H1_MORE},
		 NULL},
		{{"Content-Length UINT64_MAX with leading zeros",
		  S("HTTP/1.1 200 OK\r\nContent-Length: 00018446744073709551615\r\n\r\n"), PLAIN,
		  200, S(""), LP_H1_MORE},
		 NULL},
		{{"Content-Length UINT64_MAX + 1",
		  S("HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551616\r\n\r\n"), PLAIN, 0,
		  S(""), LP_H1_ERROR},
		 "Content-Length too large"},
		{{"Content-Length with a 21st digit",
		  S("HTTP/1.1 200 OK\r\nContent-Length: 184467440737095516150\r\n\r\n"), PLAIN, 0,
		  S(""), LP_H1_ERROR},
		 "Content-Length too large"},
		{{"chunk size of 16 hex digits",
		  S("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFF\r\nab"),
		  PLAIN, 200, S("ab"), LP_H1_MORE},
		 NULL},
		{{"chunk size of 17 hex digits",
		  S("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1FFFFFFFFFFFFFFFF\r\nab"),
		  PLAIN, 200, S(""), LP_H1_ERROR},
		 "chunk size too large"},
		{{"leading zeros are not significant digits",
		  S("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		    "000000000000000000000002\r\nok\r\n0000000000000000000\r\n\r\n"),
		  PLAIN, 200, S("ok"), LP_H1_DONE},
		 NULL},
	};
	struct h1_outcome *o = calloc(1, sizeof *o);
	size_t i;

	(void)state;
	assert_non_null(o);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		check_case(&cases[i].c);
		replay(&cases[i].c, ALL_AT_ONCE, 0, o);
		if (cases[i].error)
			assert_string_equal(o->error, cases[i].error);
	}
	free(o);
}

/* The chunked decoder on its own: each malformed line gives its named
 * status, and the sentence the parser reports for it. */
static void test_chunk_decoder_names_each_error(void **state)
{
	static const struct {
		const char *in;
		size_t len;
		enum lp_h1_chunk_status want;
		const char *sentence;
	} cases[] = {
		{S("x"), LP_H1_CHUNK_ERR_SIZE, "bad chunk size"},
		{S("\r"), LP_H1_CHUNK_ERR_SIZE, "bad chunk size"},
		{S("10000000000000000"), LP_H1_CHUNK_ERR_OVERFLOW, "chunk size too large"},
		{S("1;a\0"), LP_H1_CHUNK_ERR_EXT, "bad chunk extension"},
		{S("1\rx"), LP_H1_CHUNK_ERR_CR, "CR without LF"},
		{S("0\r\n"), LP_H1_CHUNK_LAST, NULL},
		{S("0;ext=1\n"), LP_H1_CHUNK_LAST, NULL},
	};
	struct lp_h1_chunked d;
	enum lp_h1_chunk_status st = LP_H1_CHUNK_MORE;
	size_t i, k;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		lp_h1_chunked_init(&d);
		for (k = 0; k < cases[i].len; k++)
			if ((st = lp_h1_chunked_byte(&d, (unsigned char)cases[i].in[k])) !=
			    LP_H1_CHUNK_MORE)
				break;
		if (st != cases[i].want || k != cases[i].len - 1)
			fail_msg("case %zu: status %d at byte %zu", i, st, k);
		if (cases[i].sentence)
			assert_string_equal(lp_h1_chunked_strerror(st), cases[i].sentence);
	}
}

/* After the size line the decoder hands out exactly the chunk's bytes,
 * then wants the CRLF, and is ready for the next size line. */
static void test_chunk_decoder_hands_out_exactly_the_chunk(void **state)
{
	struct lp_h1_chunked d;
	const char *line = "5\r\n";

	(void)state;
	lp_h1_chunked_init(&d);
	assert_false(lp_h1_chunked_in_data(&d));
	for (; *line; line++)
		assert_int_equal(lp_h1_chunked_byte(&d, (unsigned char)*line), LP_H1_CHUNK_MORE);
	assert_true(lp_h1_chunked_in_data(&d));
	assert_int_equal(lp_h1_chunked_data(&d, 3), 3);
	assert_int_equal(lp_h1_chunked_data(&d, 100), 2);
	assert_false(lp_h1_chunked_in_data(&d));
	assert_int_equal(lp_h1_chunked_byte(&d, 'x'), LP_H1_CHUNK_ERR_CRLF);
	lp_h1_chunked_init(&d);
	assert_int_equal(lp_h1_chunked_byte(&d, '1'), LP_H1_CHUNK_MORE);
	assert_int_equal(lp_h1_chunked_byte(&d, '\n'), LP_H1_CHUNK_MORE);
	assert_int_equal(lp_h1_chunked_data(&d, 1), 1);
	assert_int_equal(lp_h1_chunked_byte(&d, '\r'), LP_H1_CHUNK_MORE);
	assert_int_equal(lp_h1_chunked_byte(&d, '\n'), LP_H1_CHUNK_MORE);
	assert_int_equal(lp_h1_chunked_byte(&d, '0'), LP_H1_CHUNK_MORE);
	assert_int_equal(lp_h1_chunked_byte(&d, '\n'), LP_H1_CHUNK_LAST);
}

/* --- end of input ---------------------------------------------------------- */

static void test_eof_ends_only_a_close_delimited_body(void **state)
{
	static const struct h1_case cases[] = {
		{"nothing at all", S(""), PEER_CLOSES, 0, S(""), LP_H1_ERROR},
		{"cut status line", S("HTTP/1.1 20"), PEER_CLOSES, 0, S(""), LP_H1_ERROR},
		{"cut headers", S("HTTP/1.1 200 OK\r\nContent-"), PEER_CLOSES, 0, S(""),
		 LP_H1_ERROR},
		{"cut before the empty line", S("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"),
		 PEER_CLOSES, 0, S(""), LP_H1_ERROR},
		{"cut after an interim response", S("HTTP/1.1 100 Continue\r\n\r\n"), PEER_CLOSES,
		 0, S(""), LP_H1_ERROR},
		{"cut Content-Length body", S("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"),
		 PEER_CLOSES, 200, S("abc"), LP_H1_ERROR},
		{"Content-Length body not begun",
		 S("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n"), PEER_CLOSES, 200, S(""),
		 LP_H1_ERROR},
		{"cut chunk", S("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel"),
		 PEER_CLOSES, 200, S("hel"), LP_H1_ERROR},
		{"cut before the last chunk",
		 S("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n"), PEER_CLOSES,
		 200, S("ok"), LP_H1_ERROR},
		{"cut in the trailers",
		 S("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\nX: 1\r\n"),
		 PEER_CLOSES, 200, S("ok"), LP_H1_ERROR},
		{"close-delimited", S("HTTP/1.0 200 OK\r\n\r\nbody"), PEER_CLOSES, 200, S("body"),
		 LP_H1_DONE},
		{"no body to wait for", S("HTTP/1.1 304 Not Modified\r\n\r\n"), PEER_CLOSES, 304,
		 S(""), LP_H1_DONE},
	};

	(void)state;
	CHECK_TABLE(cases);
}

static void test_cut_input_without_eof_waits_for_more(void **state)
{
	static const struct h1_case cases[] = {
		{"nothing yet", S(""), PLAIN, 0, S(""), LP_H1_MORE},
		{"cut headers", S("HTTP/1.1 200 OK\r\nContent-"), PLAIN, 0, S(""), LP_H1_MORE},
		{"cut before the last CRLF", S("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r"), PLAIN,
		 0, S(""), LP_H1_MORE},
		{"cut body", S("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"), PLAIN, 200,
		 S("abc"), LP_H1_MORE},
		{"cut chunked body",
		 S("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n"), PLAIN,
		 200, S("ok"), LP_H1_MORE},
	};

	(void)state;
	CHECK_TABLE(cases);
}

/* --- direct calls ---------------------------------------------------------- */

static void test_done_stays_done(void **state)
{
	static const unsigned char resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
	struct lp_http1 p;
	size_t used, n = sizeof resp - 1;

	(void)state;
	lp_http1_init(&p, false);
	assert_false(lp_http1_head_done(&p));
	assert_int_equal(lp_http1_feed(&p, resp, n, &used), LP_H1_HEAD);
	assert_int_equal(used, n - 2);
	assert_true(lp_http1_head_done(&p));
	assert_int_equal(p.status, 200);
	assert_int_equal(p.minor, 1);
	assert_int_equal(lp_http1_feed(&p, resp + used, 2, &used), LP_H1_DATA);
	assert_int_equal(used, 2);
	assert_int_equal(p.data_len, 2);
	assert_memory_equal(p.data, "ok", 2);
	assert_int_equal(lp_http1_feed(&p, resp, 0, &used), LP_H1_DONE);
	assert_int_equal(used, 0);
	/* more bytes after the end are not the body's */
	assert_int_equal(lp_http1_feed(&p, resp, n, &used), LP_H1_DONE);
	assert_int_equal(used, 0);
	assert_int_equal(lp_http1_eof(&p), LP_H1_DONE);
	assert_true(lp_http1_head_done(&p));
}

static void test_init_forgets_the_previous_response(void **state)
{
	static const unsigned char bad[] = "HTTP/1.1 200 OK\r\nX : y\r\n";
	static const unsigned char good[] = "HTTP/1.0 204 No Content\r\n\r\n";
	struct lp_http1 p;
	size_t used;

	(void)state;
	lp_http1_init(&p, true);
	assert_int_equal(lp_http1_feed(&p, bad, sizeof bad - 1, &used), LP_H1_ERROR);
	assert_non_null(p.error);
	lp_http1_init(&p, false);
	assert_false(p.no_body);
	assert_null(p.error);
	assert_int_equal(lp_http1_feed(&p, good, sizeof good - 1, &used), LP_H1_HEAD);
	assert_int_equal(used, sizeof good - 1);
	assert_int_equal(p.status, 204);
	assert_int_equal(p.minor, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_content_length_body_is_delivered_then_done),
		cmocka_unit_test(test_responses_without_a_body_are_done_after_the_head),
		cmocka_unit_test(test_chunked_body_is_decoded),
		cmocka_unit_test(test_bare_lf_line_ends_are_accepted),
		cmocka_unit_test(test_close_delimited_body_ends_at_eof),
		cmocka_unit_test(test_interim_responses_are_skipped),
		cmocka_unit_test(test_status_line_forms),
		cmocka_unit_test(test_header_line_forms),
		cmocka_unit_test(test_malformed_status_lines_are_errors),
		cmocka_unit_test(test_malformed_header_lines_are_errors),
		cmocka_unit_test(test_invalid_content_length_is_an_error),
		cmocka_unit_test(test_folded_framing_headers_are_errors),
		cmocka_unit_test(test_bad_chunk_framing_is_an_error),
		cmocka_unit_test(test_head_of_exactly_64k_is_accepted),
		cmocka_unit_test(test_head_over_64k_is_too_large),
		cmocka_unit_test(test_one_long_header_line_is_capped),
		cmocka_unit_test(test_interim_heads_count_toward_the_64k_cap),
		cmocka_unit_test(test_body_bytes_do_not_count_toward_the_head_cap),
		cmocka_unit_test(test_chunk_size_line_is_capped_at_1024_bytes),
		cmocka_unit_test(test_chunk_size_line_cap_is_per_line),
		cmocka_unit_test(test_sizes_are_bounded_at_exactly_64_bits),
		cmocka_unit_test(test_chunk_decoder_names_each_error),
		cmocka_unit_test(test_chunk_decoder_hands_out_exactly_the_chunk),
		cmocka_unit_test(test_eof_ends_only_a_close_delimited_body),
		cmocka_unit_test(test_cut_input_without_eof_waits_for_more),
		cmocka_unit_test(test_done_stays_done),
		cmocka_unit_test(test_init_forgets_the_previous_response),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
