/*
 * result.h -- the one outcome type that every probe hands to report.
 *
 * Every module that can fail fills a struct lp_result: a kind (what class of
 * failure, which decides the message template and the exit code in one table
 * in report.c), "where" (the address probed, as the user would write it) and
 * "detail" (the variable part of the message).  The probe writes "where",
 * once, when it chooses or changes its target; modules fill kind and detail
 * only.  A result is LP_UNDECIDED until a verdict.  Modules never print and
 * never exit; only main.c does, through report.h.  Pure: result.c.
 */
#ifndef LP_RESULT_H
#define LP_RESULT_H

#include <stddef.h>

enum lp_kind {
	LP_UNDECIDED = 0, /* no verdict yet: reported as an internal error */
	LP_OK,
	LP_USAGE,	    /* bad flag, value, environment variable or file */
	LP_TARGET,	    /* refused by the loopback-only policy */
	LP_REFUSED,	    /* connect: connection refused */
	LP_CONNECT,	    /* connect: any other error */
	LP_CONNECT_TIMEOUT, /* deadline passed while connecting or handshaking */
	LP_TLS,		    /* TLS handshake failed */
	LP_TIMEOUT,	    /* deadline passed after the connection was up */
	LP_RESET,	    /* connection reset by the peer */
	LP_CLOSED,	    /* peer closed before the answer was complete */
	LP_MALFORMED,	    /* not a well-formed HTTP/1.x response */
	LP_TOO_LARGE,	    /* response headers over the cap */
	LP_FLOOD,	    /* the peer sent more than any answer needs */
	LP_HTTP_STATUS,	    /* well-formed answer, status not accepted */
	LP_BODY_MISMATCH,   /* -expect-body not found */
	LP_H2,		    /* HTTP/2 connection failure (preface, GOAWAY, ...) */
	LP_RPC,		    /* gRPC call failed: grpc-status, RST_STREAM, ... */
	LP_GRPC_UNHEALTHY,  /* well-formed answer, not SERVING */
	LP_INTERNAL,	    /* a system call that should not fail did */
	LP_KIND_COUNT
};

#define LP_WHERE_MAX  120
#define LP_DETAIL_MAX 320

struct lp_result {
	enum lp_kind kind;
	char where[LP_WHERE_MAX];
	char detail[LP_DETAIL_MAX];
};

/* Sets kind and a printf-formatted detail; returns -1 so callers can write
 * `return lp_fail(r, LP_USAGE, "...")`. */
int lp_fail(struct lp_result *r, enum lp_kind kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Copies up to `len` bytes of server-sent text into dst (capacity cap) as
 * printable ASCII: other bytes become '.', at most 128 of them are kept and a
 * cut is marked with "...".  Returns dst. */
char *lp_quote(char *dst, size_t cap, const void *src, size_t len);

#endif
