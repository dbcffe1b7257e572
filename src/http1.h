/*
 * http1.h -- the http mode: build the request, send it, parse the answer,
 * judge it (SPEC "Verdict: http").
 *
 * Redirects are never followed: a 3xx is judged like any other status.
 * The body is read only when -expect-body needs it, and only its first
 * LP_BODY_MAX bytes.
 */
#ifndef LP_HTTP1_H
#define LP_HTTP1_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "http1_parse.h"
#include "match.h"
#include "mode.h"

#define LP_REQUEST_MAX 8192
#define LP_BODY_MAX    (64 * 1024)

/* Small, always-used fields first, then the request (it is short: only its
 * first bytes are touched), then -expect-body's matcher: a probe faults in
 * one page of this struct, not three (bench/: minor page faults). */
struct lp_http1_probe {
	size_t req_len, req_sent;
	size_t body_seen;
	struct lp_http1 parser;
	char req[LP_REQUEST_MAX];
	struct lp_match match;
};

/* Assembles the request bytes into buf.  Returns the length, or 0 if it
 * does not fit.  Pure, for tests. */
size_t lp_http1_request(char *buf, size_t cap, const struct lp_config *c, const char *host);

/* "" or "/": what goes before -endpoint in the request and in messages
 * (SPEC: "/" is prepended when missing). */
const char *lp_http1_slash(const struct lp_config *c);

#endif
