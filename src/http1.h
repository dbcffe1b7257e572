/*
 * http1.h -- the HTTP/1.1 exchange of an http probe: build the request,
 * send it, parse the answer, judge it (SPEC "Verdict: http").
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
#include "net.h"
#include "target.h"

#define LP_REQUEST_MAX 8192
#define LP_BODY_MAX    (64 * 1024)

struct lp_http1_probe {
	const struct lp_config *cfg;
	char req[LP_REQUEST_MAX];
	size_t req_len, req_sent;
	struct lp_http1 parser;
	struct lp_match match;
	size_t body_seen;
	unsigned char sample[128]; /* first bytes of the answer, for messages */
	size_t sample_len;
	char target_name[LP_WHERE_MAX];
	bool tls_without_client_cert;
};

/* Builds the request for target t.  Returns 0, or -1 (request too long). */
int lp_http1_begin(struct lp_http1_probe *h, const struct lp_config *c, const struct lp_target *t,
		   struct lp_result *r);

/* Drives the exchange as far as the stream allows.  Returns 1 when the
 * verdict is in r (LP_OK or a failure), 0 to wait for conn->events. */
int lp_http1_step(struct lp_http1_probe *h, struct lp_conn *conn, struct lp_result *r);

/* What the exchange is waiting for, for a timeout message. */
const char *lp_http1_waiting_for(const struct lp_http1_probe *h);

/* Assembles the request bytes into buf.  Returns the length, or 0 if it
 * does not fit.  Pure, for tests. */
size_t lp_http1_request(char *buf, size_t cap, const struct lp_config *c, const char *host);

#endif
