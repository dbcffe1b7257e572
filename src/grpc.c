/*
 * grpc.c -- grpc.health.v1.Health/Check calls, one per service, as streams
 * of one nghttp2 client session over struct lp_conn (gRPC over HTTP/2:
 * PROTOCOL-HTTP2.md).  nghttp2 does framing, flow control and HPACK; this
 * file builds the requests, collects the responses and judges each.
 */
#include "grpc.h"

#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>

#include "log.h"

/* ---- request ------------------------------------------------------------- */

#define LP_NV_AUTHORITY 3 /* its index in the header list prepare builds */

static void lp_nv(struct lp_grpc_probe *g, const char *name, const char *value)
{
	nghttp2_nv *nv = &g->nva[g->nnv++];

	nv->name = (uint8_t *)(uintptr_t)name, nv->namelen = strlen(name);
	nv->value = (uint8_t *)(uintptr_t)value, nv->valuelen = strlen(value);
	nv->flags = NGHTTP2_NV_FLAG_NO_COPY_NAME | NGHTTP2_NV_FLAG_NO_COPY_VALUE;
}

/* -rpc-header "Name: value": keys go lower-case (HTTP/2 requires it and
 * grpc-go lowers them too); "-bin" values are sent base64. */
static int lp_rpc_headers(struct lp_grpc_probe *g, const struct lp_config *c, struct lp_result *r)
{
	const char *h, *colon, *v;
	size_t i, k, nlen;

	for (k = 0; k < (size_t)c->n_rpc_headers; k++) {
		h = c->rpc_headers[k];
		colon = strchr(h, ':');
		nlen = (size_t)(colon - h);
		if (nlen >= sizeof g->names[k])
			return lp_fail(r, LP_USAGE, "-rpc-header: name too long");
		for (i = 0; i < nlen; i++)
			g->names[k][i] = (h[i] >= 'A' && h[i] <= 'Z') ? (char)(h[i] | 0x20) : h[i];
		g->names[k][nlen] = '\0';
		for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
			;
		if (nlen > 4 && memcmp(g->names[k] + nlen - 4, "-bin", 4) == 0) {
			if ((strlen(v) + 2) / 3 * 4 >= sizeof g->bin[k])
				return lp_fail(r, LP_USAGE, "-rpc-header: -bin value too long");
			lp_base64((const unsigned char *)v, strlen(v), g->bin[k], sizeof g->bin[k]);
			v = g->bin[k];
		}
		lp_nv(g, g->names[k], v);
	}
	return 0;
}

static int lp_request_body(struct lp_grpc_stream *st, const struct lp_config *c,
			   struct lp_result *r)
{
	unsigned char pb[LP_SERVICE_MAX + 16];
	size_t n = lp_pb_health_request(pb, sizeof pb, st->service, strlen(st->service));

	if (n == LP_PB_NO_ROOM)
		return lp_fail(r, LP_USAGE, "-service too long");
	if (!c->gzip) {
		lp_grpc_prefix(st->req, false, (uint32_t)n);
		memcpy(st->req + LP_GRPC_PREFIX, pb, n);
		st->req_len = LP_GRPC_PREFIX + n;
		return 0;
	}
	n = lp_gzip_stored(pb, n, st->req + LP_GRPC_PREFIX, sizeof st->req - LP_GRPC_PREFIX);
	if (n == 0)
		return lp_fail(r, LP_INTERNAL, "gzip request");
	lp_grpc_prefix(st->req, true, (uint32_t)n);
	st->req_len = LP_GRPC_PREFIX + n;
	return 0;
}

static ssize_t lp_read_body(nghttp2_session *s, int32_t id, uint8_t *buf, size_t len,
			    uint32_t *flags, nghttp2_data_source *src, void *ud)
{
	struct lp_grpc_stream *st = src->ptr;
	size_t n = st->req_len - st->req_off;

	(void)s, (void)id, (void)ud;
	if (n > len)
		n = len;
	memcpy(buf, st->req + st->req_off, n);
	st->req_off += n;
	if (st->req_off == st->req_len)
		*flags |= NGHTTP2_DATA_FLAG_EOF;
	return (ssize_t)n;
}

/* ---- response callbacks ------------------------------------------------- */

static bool lp_eq(const uint8_t *a, size_t alen, const char *b)
{
	return alen == strlen(b) && memcmp(a, b, alen) == 0;
}

/* The call on stream id, or NULL (stream 0, a stream we did not open). */
static struct lp_grpc_stream *lp_stream(struct lp_grpc_probe *g, int32_t id)
{
	size_t i;

	for (i = 0; i < g->n; i++)
		if (g->st[i].id == id && id > 0)
			return &g->st[i];
	return NULL;
}

static int lp_on_header(nghttp2_session *s, const nghttp2_frame *f, const uint8_t *name,
			size_t namelen, const uint8_t *value, size_t valuelen, uint8_t flags,
			void *ud)
{
	struct lp_grpc_stream *st = lp_stream(ud, f->hd.stream_id);
	size_t i;

	(void)s, (void)flags;
	if (!st)
		return 0;
	st->got_headers = true;
	if (lp_eq(name, namelen, ":status")) {
		for (st->http_status = 0, i = 0; i < valuelen && i < 3; i++)
			st->http_status = st->http_status * 10 + (value[i] - '0');
	} else if (lp_eq(name, namelen, "content-type")) {
		/* "application/grpc" exactly, or followed by '+' or ';' */
		st->ctype_ok = valuelen >= 16 && memcmp(value, "application/grpc", 16) == 0 &&
			       (valuelen == 16 || value[16] == '+' || value[16] == ';');
	} else if (lp_eq(name, namelen, "grpc-status")) {
		st->grpc_status = 0;
		for (i = 0; i < valuelen && i < 6; i++) {
			if (value[i] < '0' || value[i] > '9') {
				st->grpc_status = 2; /* unparsable: UNKNOWN, as grpc-go */
				break;
			}
			st->grpc_status = st->grpc_status * 10 + (value[i] - '0');
		}
	} else if (lp_eq(name, namelen, "grpc-message")) {
		st->grpc_message_len = lp_grpc_percent_decode(value, valuelen, st->grpc_message,
							      sizeof st->grpc_message);
	} else if (lp_eq(name, namelen, "grpc-encoding")) {
		st->gzip_resp = lp_eq(value, valuelen, "gzip");
	}
	return 0;
}

static bool lp_head_bad(const struct lp_grpc_stream *st)
{
	return st->head_done && (st->http_status != 200 || !st->ctype_ok);
}

/* Over the message cap: this call is judged now, and its stream cancelled
 * (the others on the connection go on). */
static int lp_msg_over(nghttp2_session *s, struct lp_grpc_stream *st)
{
	st->msg_over = true;
	(void)nghttp2_submit_rst_stream(s, NGHTTP2_FLAG_NONE, st->id, NGHTTP2_CANCEL);
	return 0;
}

static int lp_on_data(nghttp2_session *s, uint8_t flags, int32_t id, const uint8_t *data,
		      size_t len, void *ud)
{
	struct lp_grpc_stream *st = lp_stream(ud, id);

	(void)flags;
	if (!st || lp_head_bad(st) || st->msg_over)
		return 0; /* not a gRPC answer: the verdict reads only its headers */
	if (len > sizeof st->msg - st->msg_len)
		return lp_msg_over(s, st);
	memcpy(st->msg + st->msg_len, data, len);
	st->msg_len += len;
	/* a declared length past the cap fails now, not at the deadline */
	if (st->msg_len >= LP_GRPC_PREFIX &&
	    ((uint32_t)st->msg[1] << 24 | (uint32_t)st->msg[2] << 16 | (uint32_t)st->msg[3] << 8 |
	     st->msg[4]) > LP_GRPC_MSG_MAX - LP_GRPC_PREFIX)
		return lp_msg_over(s, st);
	return 0;
}

static int lp_on_frame(nghttp2_session *s, const nghttp2_frame *f, void *ud)
{
	struct lp_grpc_probe *g = ud;
	struct lp_grpc_stream *st = lp_stream(g, f->hd.stream_id);

	(void)s;
	if (f->hd.type == NGHTTP2_SETTINGS && !(f->hd.flags & NGHTTP2_FLAG_ACK))
		g->settings_seen = true;
	if (st && f->hd.type == NGHTTP2_HEADERS && f->headers.cat == NGHTTP2_HCAT_RESPONSE)
		st->head_done = true;
	if (f->hd.type == NGHTTP2_GOAWAY) {
		g->goaway = true;
		g->goaway_code = f->goaway.error_code;
	}
	return 0;
}

static int lp_on_close(nghttp2_session *s, int32_t id, uint32_t code, void *ud)
{
	struct lp_grpc_stream *st = lp_stream(ud, id);

	(void)s;
	if (st) {
		st->closed = true;
		st->rst_code = code;
	}
	return 0;
}

/* ---- session ------------------------------------------------------------ */

static int lp_session(struct lp_grpc_probe *g, struct lp_result *r)
{
	/* no push; a small header list: a health answer has a handful of
	 * headers (RFC 9113 §6.5.2) */
	static const nghttp2_settings_entry iv[] = {
		{NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
		{NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, 16384},
	};
	nghttp2_session_callbacks *cb;
	nghttp2_option *opt;
	int rv;

	if (nghttp2_session_callbacks_new(&cb) != 0 || nghttp2_option_new(&opt) != 0)
		return lp_fail(r, LP_INTERNAL, "nghttp2: out of memory");
	nghttp2_session_callbacks_set_on_header_callback(cb, lp_on_header);
	nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, lp_on_data);
	nghttp2_session_callbacks_set_on_frame_recv_callback(cb, lp_on_frame);
	nghttp2_session_callbacks_set_on_stream_close_callback(cb, lp_on_close);
	nghttp2_option_set_max_outbound_ack(opt, 16);
	nghttp2_option_set_max_settings(opt, 16);
	rv = nghttp2_session_client_new2(&g->s, cb, g, opt); /* heap: alloc.c */
	nghttp2_session_callbacks_del(cb);
	nghttp2_option_del(opt);
	if (rv == 0)
		rv = nghttp2_submit_settings(g->s, NGHTTP2_FLAG_NONE, iv, sizeof iv / sizeof iv[0]);
	if (rv != 0)
		return lp_fail(r, LP_INTERNAL, "nghttp2: %s", nghttp2_strerror(rv));
	return 0;
}

/* :authority: -host, else -tls-server-name, else the address probed */
static const char *lp_authority(const struct lp_exchange *x)
{
	const struct lp_config *c = x->cfg;

	if (c->host)
		return c->host;
	if (c->tls_server_name)
		return c->tls_server_name;
	return x->target->addr.sa.sa_family == AF_UNIX ? "localhost" : x->target->name;
}

/* A call for c->service: the first by prepare, more by add (a -service
 * list: same flags but the service). */
static int lp_stream_add(struct lp_grpc_probe *g, const struct lp_config *c, struct lp_result *r)
{
	struct lp_grpc_stream *st;

	if (g->n == LP_GRPC_STREAMS)
		return lp_fail(r, LP_USAGE, "more than %d services on one connection",
			       LP_GRPC_STREAMS);
	st = &g->st[g->n];
	memset(st, 0, offsetof(struct lp_grpc_stream, grpc_message));
	st->service = c->service;
	st->grpc_status = -1;
	if (lp_request_body(st, c, r) < 0)
		return -1;
	g->n++;
	return 0;
}

static int lp_grpc_prepare(void *m, const struct lp_exchange *x, struct lp_result *r)
{
	struct lp_grpc_probe *g = m;
	const struct lp_config *c = x->cfg;

	memset(g, 0, offsetof(struct lp_grpc_probe, nva));
	/* user-agent: -user-agent, then ours (grpc-go: "<ua> grpc-go/1.x") */
	if (strcmp(c->user_agent, "lprobe") == 0)
		snprintf(g->ua, sizeof g->ua, "lprobe/" LP_VERSION);
	else
		snprintf(g->ua, sizeof g->ua, "%.200s lprobe/" LP_VERSION, c->user_agent);
	lp_grpc_timeout_value(c->rpc_timeout_ms, g->timeout, sizeof g->timeout);
	lp_nv(g, ":method", "POST");
	lp_nv(g, ":scheme", x->tls ? "https" : "http");
	lp_nv(g, ":path", "/grpc.health.v1.Health/Check");
	lp_nv(g, ":authority", g->authority); /* LP_NV_AUTHORITY: set by begin */
	lp_nv(g, "content-type", "application/grpc");
	lp_nv(g, "te", "trailers");
	lp_nv(g, "user-agent", g->ua);
	lp_nv(g, "grpc-timeout", g->timeout);
	if (c->gzip) {
		lp_nv(g, "grpc-encoding", "gzip");
		lp_nv(g, "grpc-accept-encoding", "gzip");
	}
	return lp_rpc_headers(g, c, r) < 0 || lp_stream_add(g, c, r) < 0 ? -1 : 0;
}

static int lp_grpc_add(void *m, const struct lp_config *c, struct lp_result *r)
{
	return lp_stream_add(m, c, r);
}

static void lp_log_call(const struct lp_grpc_probe *g, const struct lp_grpc_stream *st)
{
	const struct lp_config *c = g->x->cfg;
	char q[140];

	lp_log("sending POST /grpc.health.v1.Health/Check to %s (service \"%s\", "
	       "grpc-timeout %s%s)",
	       g->authority, lp_quote(q, sizeof q, st->service, strlen(st->service)), g->timeout,
	       c->gzip ? ", gzip" : "");
}

static int lp_grpc_begin(void *m, struct lp_exchange *x)
{
	struct lp_grpc_probe *g = m;
	nghttp2_data_provider body;
	size_t i;

	g->x = x;
	if (x->tls && (!x->alpn || strcmp(x->alpn, "h2") != 0))
		return lp_fail(&x->res, LP_H2,
			       "the server did not select ALPN \"h2\" in the TLS "
			       "handshake: not a gRPC server?");
	snprintf(g->authority, sizeof g->authority, "%s", lp_authority(x));
	g->nva[LP_NV_AUTHORITY].valuelen = strlen(g->authority);
	if (lp_session(g, &x->res) < 0)
		return -1;
	body.read_callback = lp_read_body;
	for (i = 0; i < g->n; i++) {
		body.source.ptr = &g->st[i];
		g->st[i].id = nghttp2_submit_request(g->s, NULL, g->nva, g->nnv, &body, g);
		if (x->cfg->verbose)
			lp_log_call(g, &g->st[i]);
		if (g->st[i].id < 0)
			return lp_fail(&x->res, LP_INTERNAL, "nghttp2: %s",
				       nghttp2_strerror(g->st[i].id));
	}
	return 0;
}

static void lp_grpc_release(void *m)
{
	struct lp_grpc_probe *g = m;

	nghttp2_session_del(g->s); /* NULL-safe */
	g->s = NULL;
}

/* ---- verdict ------------------------------------------------------------ */

static const char *lp_service(const struct lp_grpc_stream *st, char *buf, size_t cap)
{
	char q[140];

	snprintf(buf, cap, "service \"%s\"",
		 lp_quote(q, sizeof q, st->service, strlen(st->service)));
	return buf;
}

/* A non-zero grpc-status, each common one in words. */
static int lp_status_verdict(const struct lp_grpc_probe *g, struct lp_grpc_stream *st)
{
	const char *name = lp_grpc_code_name((uint64_t)st->grpc_status);
	char svc[160], q[140], msg[200] = "";
	struct lp_result *r = &st->res;

	if (st->grpc_message_len)
		snprintf(msg, sizeof msg, ": %s",
			 lp_quote(q, sizeof q, st->grpc_message, st->grpc_message_len));
	switch (st->grpc_status) {
	case 5:
		return lp_fail(r, LP_RPC, "%s not found: the server does not know it (NOT_FOUND)%s",
			       lp_service(st, svc, sizeof svc), msg);
	case 12:
		return lp_fail(r, LP_RPC, "%s has no health service (UNIMPLEMENTED)%s",
			       g->x->target->name, msg);
	case 4:
		return lp_fail(r, LP_RPC,
			       "the server gave up on the health check (DEADLINE_EXCEEDED)%s", msg);
	}
	return lp_fail(r, LP_RPC, "health check failed with %s (grpc-status %lld)%s",
		       name ? name : "an unknown code", (long long)st->grpc_status, msg);
}

static int lp_inflate(const unsigned char **msg, size_t *mlen, unsigned char *out, size_t cap,
		      struct lp_result *r)
{
	z_stream z;
	int rc;

	memset(&z, 0, sizeof z); /* zalloc: malloc, i.e. alloc.c's arena */
	if (inflateInit2(&z, 16 + 15) != Z_OK)
		return lp_fail(r, LP_INTERNAL, "inflateInit2");
	z.next_in = (unsigned char *)(uintptr_t)*msg, z.avail_in = (uInt)*mlen;
	z.next_out = out, z.avail_out = (uInt)cap;
	rc = inflate(&z, Z_FINISH);
	*msg = out, *mlen = z.total_out;
	inflateEnd(&z);
	if (rc == Z_STREAM_END)
		return 0;
	if (rc == Z_BUF_ERROR && z.avail_out == 0)
		return lp_fail(r, LP_RPC, "gzip response message inflates past %d bytes",
			       LP_GRPC_MSG_MAX);
	return lp_fail(r, LP_RPC, "malformed gzip response message");
}

static int lp_message_verdict(struct lp_grpc_probe *g, struct lp_grpc_stream *st)
{
	const unsigned char *msg;
	size_t mlen;
	bool z;
	uint64_t status;
	char svc[160];
	struct lp_result *r = &st->res;
	int rc = lp_grpc_message(st->msg, st->msg_len, &z, &msg, &mlen);

	if (st->msg_len == 0)
		return lp_fail(r, LP_RPC, "grpc-status 0 but no response message");
	if (rc == LP_GRPC_MSG_TRUNCATED)
		return lp_fail(r, LP_RPC, "truncated response message (%zu bytes)", st->msg_len);
	if (rc == LP_GRPC_MSG_TRAILING)
		return lp_fail(r, LP_RPC, "more than one response message");
	if (z && !st->gzip_resp)
		return lp_fail(r, LP_RPC,
			       "compressed response message without grpc-encoding: gzip");
	if (z && lp_inflate(&msg, &mlen, g->plain, sizeof g->plain, r) < 0)
		return -1;
	if (lp_pb_health_status(msg, mlen, &status) < 0)
		return lp_fail(r, LP_RPC, "malformed HealthCheckResponse");
	if (status == 1) {
		r->kind = LP_OK;
		return 0;
	}
	if (lp_grpc_serving_name(status))
		return lp_fail(r, LP_GRPC_UNHEALTHY, "%s is %s", lp_service(st, svc, sizeof svc),
			       lp_grpc_serving_name(status));
	return lp_fail(r, LP_GRPC_UNHEALTHY, "%s has unknown status %llu",
		       lp_service(st, svc, sizeof svc), (unsigned long long)status);
}

/* Some message bytes came, fewer than their prefix announced. */
static bool lp_msg_truncated(const struct lp_grpc_stream *st)
{
	const unsigned char *msg;
	size_t mlen;
	bool z;

	return st->msg_len > 0 &&
	       lp_grpc_message(st->msg, st->msg_len, &z, &msg, &mlen) == LP_GRPC_MSG_TRUNCATED;
}

static int lp_goaway(const struct lp_grpc_probe *g, struct lp_result *r)
{
	return lp_fail(r, LP_RPC, "the server sent GOAWAY (%s) before answering",
		       nghttp2_http2_strerror(g->goaway_code));
}

static int lp_headers_verdict(const struct lp_grpc_probe *g, struct lp_grpc_stream *st)
{
	struct lp_result *r = &st->res;

	/* nghttp2 closes a stream that a GOAWAY left unprocessed with
	 * REFUSED_STREAM: say GOAWAY, which is what the server sent */
	if (g->goaway && st->grpc_status < 0)
		return lp_goaway(g, r);
	if (st->msg_over)
		return lp_fail(r, LP_RPC, "response message exceeds the %d-byte limit",
			       LP_GRPC_MSG_MAX - LP_GRPC_PREFIX);
	if (st->rst_code != NGHTTP2_NO_ERROR && st->grpc_status < 0)
		return lp_fail(r, LP_RPC, "the server reset the stream (RST_STREAM %s)",
			       nghttp2_http2_strerror(st->rst_code));
	if (!st->got_headers)
		return lp_fail(r, LP_RPC, "the stream ended without response headers");
	if (st->http_status != 200)
		return lp_fail(r, LP_RPC, "HTTP status %d from %s: not a gRPC endpoint?",
			       st->http_status, g->x->target->name);
	if (!st->ctype_ok)
		return lp_fail(r, LP_RPC, "response content-type is not application/grpc");
	return 0;
}

/* This call's verdict, into st->res. */
static void lp_stream_verdict(struct lp_grpc_probe *g, struct lp_grpc_stream *st)
{
	struct lp_result *r = &st->res;

	if (g->x->cfg->verbose)
		lp_log("received :status %d, content-type %s, grpc-status %lld, %zu message "
		       "bytes%s",
		       st->http_status, st->ctype_ok ? "application/grpc" : "(not gRPC)",
		       (long long)st->grpc_status, st->msg_len, st->gzip_resp ? " (gzip)" : "");
	if (lp_headers_verdict(g, st) < 0)
		return;
	if (st->grpc_status < 0 && lp_msg_truncated(st))
		lp_fail(r, LP_RPC, "truncated response message (%zu bytes) and no trailers",
			st->msg_len);
	else if (st->grpc_status < 0)
		lp_fail(r, LP_RPC, "the response ended without trailers (no grpc-status)");
	else if (st->grpc_status != 0)
		lp_status_verdict(g, st);
	else
		lp_message_verdict(g, st);
}

/* Judges every call that has ended; true when all have.  The exchange's
 * result is then the first failing call's, or healthy. */
static bool lp_all_judged(struct lp_grpc_probe *g)
{
	struct lp_result *first = NULL;
	size_t i, open = 0;

	for (i = 0; i < g->n; i++) {
		struct lp_grpc_stream *st = &g->st[i];
		if (st->res.kind == LP_UNDECIDED && (st->closed || lp_head_bad(st) || st->msg_over))
			lp_stream_verdict(g, st);
		if (st->res.kind == LP_UNDECIDED)
			open++;
		else if (st->res.kind != LP_OK && !first)
			first = &st->res;
	}
	if (open)
		return false;
	g->x->res.kind = first ? first->kind : LP_OK;
	if (first)
		memcpy(g->x->res.detail, first->detail, sizeof g->x->res.detail);
	return true;
}

static bool lp_any_headers(const struct lp_grpc_probe *g)
{
	size_t i;

	for (i = 0; i < g->n; i++)
		if (g->st[i].res.kind == LP_UNDECIDED && g->st[i].got_headers)
			return true;
	return false;
}

/* The connection ended (EOF, GOAWAY, nghttp2 error) before the calls did:
 * the exchange's result, for every call not judged yet. */
static int lp_conn_lost(struct lp_grpc_probe *g, const char *how, struct lp_result *r)
{
	const struct lp_conn *c = &g->x->conn;
	char q[140];

	if (lp_conn_peer_spoke_http(c))
		return lp_fail(
			r, LP_H2,
			"the server answered in HTTP/1.x (\"%s\"): not an HTTP/2 "
			"(gRPC) server",
			lp_quote(q, sizeof q, c->first, c->first_len < 16 ? c->first_len : 16));
	if (!g->settings_seen)
		return lp_fail(r, LP_H2,
			       "%s before the HTTP/2 preface: not an HTTP/2 (gRPC) server?", how);
	if (g->goaway)
		return lp_goaway(g, r);
	if (lp_any_headers(g))
		return lp_fail(r, LP_RPC,
			       "%s after the response headers: the response was cut off "
			       "(no trailers)",
			       how);
	return lp_fail(r, LP_RPC, "%s before the response", how);
}

/* ---- I/O ------------------------------------------------------------------ */

/* Gathers what nghttp2 has queued (preface, SETTINGS, HEADERS, DATA are
 * separate chunks) into one buffer, so one send(2) carries the flight. */
static int lp_gather(struct lp_grpc_probe *g, struct lp_result *r)
{
	ssize_t n;
	size_t k;

	g->out = g->obuf;
	while (g->out_len < sizeof g->obuf) {
		if (g->pend_len == 0) {
			n = nghttp2_session_mem_send(g->s, &g->pend);
			if (n < 0)
				return lp_fail(r, LP_H2, "nghttp2: %s", nghttp2_strerror((int)n));
			if (n == 0)
				break;
			g->pend_len = (size_t)n;
		}
		k = sizeof g->obuf - g->out_len < g->pend_len ? sizeof g->obuf - g->out_len
							      : g->pend_len;
		memcpy(g->obuf + g->out_len, g->pend, k);
		g->pend += k, g->pend_len -= k, g->out_len += k;
	}
	return 0;
}

/* Sends what nghttp2 has queued.  Returns 0, or -1 with r set; adds to
 * *ev the events to wait for when the socket is full. */
static int lp_flush(struct lp_grpc_probe *g, struct lp_conn *conn, short *ev, struct lp_result *r)
{
	ssize_t n;

	for (;;) {
		if (g->out_len == 0) {
			if (lp_gather(g, r) < 0)
				return -1;
			if (g->out_len == 0)
				return 0;
		}
		n = lp_conn_send(conn, g->out, g->out_len, r);
		if (n == LP_IO_AGAIN) {
			*ev |= conn->events;
			return 0;
		}
		if (n < 0)
			return r->kind == LP_RESET ? lp_conn_lost(g, "connection reset", r) : -1;
		g->out += n, g->out_len -= (size_t)n;
	}
}

/* Reads once.  Returns 1 progress, 0 would block, -1 end (r set). */
static int lp_read(struct lp_grpc_probe *g, struct lp_conn *conn, short *ev, struct lp_result *r)
{
	unsigned char buf[16384];
	ssize_t n = lp_conn_recv(conn, buf, sizeof buf, r), rv;

	if (n == LP_IO_AGAIN) {
		*ev |= conn->events;
		return 0;
	}
	if (n < 0)
		return r->kind == LP_RESET ? lp_conn_lost(g, "connection reset", r) : -1;
	if (n == 0)
		return lp_conn_lost(g, "connection closed", r);
	rv = nghttp2_session_mem_recv(g->s, buf, (size_t)n);
	if (rv < 0) {
		if (!g->settings_seen || lp_conn_peer_spoke_http(conn))
			return lp_conn_lost(g, "bad data", r);
		return lp_fail(r, LP_RPC, "HTTP/2 protocol error: %s", nghttp2_strerror((int)rv));
	}
	return 1;
}

/* The server's SETTINGS arrived: the connection is up, and the RPC gets
 * its own deadline (SPEC -rpc-timeout), as grpc_health_probe's does. */
static void lp_connection_up(struct lp_grpc_probe *g, struct lp_exchange *x)
{
	lp_exchange_log_step(x, "HTTP/2 connection up with");
	lp_exchange_set_deadline(x, x->cfg->rpc_timeout_ms);
	g->up = true;
}

static int lp_grpc_step(void *m, struct lp_exchange *x)
{
	struct lp_grpc_probe *g = m;
	struct lp_conn *conn = &x->conn;
	struct lp_result *r = &x->res;
	short ev;
	int rc;

	for (;;) {
		ev = 0;
		if (lp_flush(g, conn, &ev, r) < 0)
			return 1;
		if (lp_all_judged(g))
			return 1;
		/* plaintext: the peer cannot have answered yet, so wait before the
		 * first read (TLS reads on: its engine may hold records to flush) */
		if (!g->polled && !x->tls) {
			g->polled = true;
			conn->events = (short)(ev | POLLIN);
			return 0;
		}
		rc = lp_read(g, conn, &ev, r);
		if (rc < 0)
			return 1;
		if (g->settings_seen && !g->up)
			lp_connection_up(g, x);
		if (lp_all_judged(g))
			return 1;
		if (!nghttp2_session_want_read(g->s) && !nghttp2_session_want_write(g->s))
			return lp_conn_lost(g, "the HTTP/2 session ended", r), 1;
		if (rc == 0) {
			conn->events = (short)(ev | POLLIN);
			return 0;
		}
	}
}

/* A request body the server's flow-control window kept from going out. */
static bool lp_window_shut(const struct lp_grpc_probe *g)
{
	size_t i;

	for (i = 0; i < g->n; i++)
		if (g->st[i].res.kind == LP_UNDECIDED && g->st[i].req_off < g->st[i].req_len &&
		    g->s && nghttp2_session_get_stream_remote_window_size(g->s, g->st[i].id) <= 0)
			return true;
	return false;
}

static void lp_grpc_expire(void *m, struct lp_exchange *x, const char *d)
{
	struct lp_grpc_probe *g = m;

	if (!g->up) {
		lp_fail(&x->res, LP_CONNECT_TIMEOUT, "%s waiting for the HTTP/2 preface from %s", d,
			x->target->name);
		return;
	}
	if (lp_window_shut(g)) {
		lp_fail(&x->res, LP_TIMEOUT,
			"%s: the server's flow-control window stayed closed, "
			"the request could not be sent (DEADLINE_EXCEEDED)",
			d);
		return;
	}
	lp_fail(&x->res, LP_TIMEOUT,
		"%s waiting for the health check response from %s (DEADLINE_EXCEEDED)", d,
		x->target->name);
}

/* Call i's verdict, or NULL while it has none (the exchange's result, a
 * connection failure or a timeout, then stands for it). */
static const struct lp_result *lp_grpc_result(const void *m, size_t i)
{
	const struct lp_grpc_probe *g = m;

	return i < g->n && g->st[i].res.kind != LP_UNDECIDED ? &g->st[i].res : NULL;
}

/* A -service list probes one port several times: the line says which. */
static void lp_grpc_label(const void *m, size_t i, char *buf, size_t cap)
{
	const struct lp_grpc_probe *g = m;
	char q[140];

	if (i < g->n && *g->st[i].service)
		snprintf(buf, cap, " service \"%s\"",
			 lp_quote(q, sizeof q, g->st[i].service, strlen(g->st[i].service)));
}

const struct lp_mode_ops lp_grpc_mode = {
	.name = "grpc",
	.alpn = "h2",
	.nodelay = true,
	.prepare = lp_grpc_prepare,
	.add = lp_grpc_add,
	.begin = lp_grpc_begin,
	.step = lp_grpc_step,
	.expire = lp_grpc_expire,
	.release = lp_grpc_release,
	.result = lp_grpc_result,
	.label = lp_grpc_label,
};
