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
#include "mode.h"

#define LP_GRPC_MSG_MAX	 4096 /* response message, on the wire and inflated */
#define LP_GRPC_NV_MAX	 (12 + LP_MAX_HEADERS)
#define LP_AUTHORITY_MAX 256	       /* -host is refused past 255 bytes (config.c) */
#define LP_GRPC_STREAMS	 LP_MAX_GROUPS /* services checked over one connection */

/* One Check call: one service, one HTTP/2 stream, one verdict. */
struct lp_grpc_stream {
	const char *service;
	int32_t id;
	bool closed, got_headers, head_done, ctype_ok, gzip_resp, msg_over;
	uint32_t rst_code;
	int http_status;
	int64_t grpc_status; /* -1: none received */
	size_t grpc_message_len, msg_len, req_len, req_off;
	struct lp_result res; /* LP_UNDECIDED until this call's verdict */
	char grpc_message[160];
	unsigned char msg[LP_GRPC_MSG_MAX];
	unsigned char req[LP_GRPC_REQ_MAX];
};

/* The connection: one nghttp2 session carrying one stream per service
 * (a -service list shares it: grpc-health-probe #92). */
struct lp_grpc_probe {
	struct lp_exchange *x; /* the probe's, from begin on */
	nghttp2_session *s;
	bool settings_seen, up, polled, goaway;
	uint32_t goaway_code;
	size_t n, nnv;
	const uint8_t *pend; /* nghttp2's chunk not yet gathered */
	size_t pend_len;
	const unsigned char *out; /* output waiting for the socket */
	size_t out_len;
	nghttp2_nv nva[LP_GRPC_NV_MAX]; /* the same headers for every stream */
	char authority[LP_AUTHORITY_MAX], ua[300], timeout[16];
	char names[LP_MAX_HEADERS][128]; /* -rpc-header names, lower-cased */
	char bin[LP_MAX_HEADERS][1400];	 /* base64 of -bin metadata values */
	unsigned char obuf[16384];
	unsigned char plain[LP_GRPC_MSG_MAX]; /* a message, inflated (-gzip) */
	struct lp_grpc_stream st[LP_GRPC_STREAMS];
};

#endif
