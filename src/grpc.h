/*
 * grpc.h -- the grpc.health.v1.Health/Check call of a grpc probe, over
 * HTTP/2 framed by nghttp2 (prior knowledge on TCP and unix sockets, ALPN
 * "h2" over TLS).  SPEC "Verdict: grpc": healthy iff grpc-status 0 and a
 * HealthCheckResponse whose status is SERVING.
 *
 * nghttp2 allocates from the fixed heap of alloc.c, so a hostile peer
 * meets an allocation failure, not an unbounded heap.
 */
#ifndef LP_GRPC_H
#define LP_GRPC_H

#include <nghttp2/nghttp2.h>
#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "grpc_proto.h"
#include "net.h"
#include "result.h"
#include "target.h"

#define LP_GRPC_UP	2    /* lp_grpc_step: the HTTP/2 connection is up */
#define LP_GRPC_MSG_MAX 4096 /* response message, on the wire and inflated */
#define LP_GRPC_NV_MAX	(12 + LP_MAX_HEADERS)

struct lp_grpc_probe {
	const struct lp_config *cfg;
	nghttp2_session *s;
	int32_t stream_id;
	bool up, up_reported, polled, closed, goaway, got_headers, head_done;
	bool ctype_ok, gzip_resp, msg_over;
	uint32_t rst_code, goaway_code;
	int http_status;
	int64_t grpc_status; /* -1: none received */
	size_t grpc_message_len, msg_len, req_len, req_off, nnv, sample_len;
	const uint8_t *pend; /* nghttp2's chunk not yet gathered */
	size_t pend_len;
	const unsigned char *out; /* output waiting for the socket */
	size_t out_len;
	/* buffers: lp_grpc_begin clears everything above this line */
	char grpc_message[160];
	unsigned char msg[LP_GRPC_MSG_MAX];
	unsigned char req[LP_GRPC_REQ_MAX];
	unsigned char obuf[16384];
	nghttp2_nv nva[LP_GRPC_NV_MAX];
	char authority[LP_WHERE_MAX + 8], ua[300], timeout[16];
	char names[LP_MAX_HEADERS][128]; /* -rpc-header names, lower-cased */
	char bin[LP_MAX_HEADERS][1400];  /* base64 of -bin metadata values */
	char where[LP_WHERE_MAX];
	unsigned char sample[16]; /* first bytes received, for messages */
};

/* Builds the request from the configuration (before any socket: a bad
 * -rpc-header is a usage error).  tls: the call goes over TLS. */
int lp_grpc_prepare(struct lp_grpc_probe *g, const struct lp_config *c, bool tls,
		    struct lp_result *r);

/* Starts the HTTP/2 session and submits the call to t over conn (after
 * connect and TLS: checks ALPN "h2"). */
int lp_grpc_begin(struct lp_grpc_probe *g, const struct lp_target *t, struct lp_conn *conn,
		  struct lp_result *r);

/* Drives the call: 1 verdict in r, 0 wait for conn->events, LP_GRPC_UP once
 * when the server's SETTINGS arrived (the caller starts the RPC deadline
 * and calls again). */
int lp_grpc_step(struct lp_grpc_probe *g, struct lp_conn *conn, struct lp_result *r);

bool lp_grpc_is_up(const struct lp_grpc_probe *g);

/* The deadline passed: a message for what was awaited (d: the timeout). */
void lp_grpc_timeout(struct lp_grpc_probe *g, const char *d, struct lp_result *r);

#endif
