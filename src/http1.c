/*
 * http1.c -- one HTTP/1.1 request, one response, one verdict.
 */
#include "http1.h"

#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "report.h"

/* True if one of the -http-header lines sets Accept: it replaces ours. */
static bool lp_user_accept(const struct lp_config *c)
{
	int i;

	for (i = 0; i < c->n_http_headers; i++)
		if (strncasecmp(c->http_headers[i], "accept:", 7) == 0)
			return true;
	return false;
}

size_t lp_http1_request(char *buf, size_t cap, const struct lp_config *c, const char *host)
{
	size_t n = 0;
	int i, k;

	/* Accept: as the kubelet sends it; Connection: close so the server
	 * ends the stream after the answer (RFC 9112 §9.6). */
	k = snprintf(buf, cap,
		     "%s %s%s HTTP/1.1\r\nHost: %s\r\nUser-Agent: %s\r\n%s"
		     "Connection: close\r\n",
		     c->method == LP_HEAD ? "HEAD" : "GET", c->endpoint[0] == '/' ? "" : "/",
		     c->endpoint, host, c->user_agent, lp_user_accept(c) ? "" : "Accept: */*\r\n");
	if (k < 0 || (size_t)k >= cap)
		return 0;
	n = (size_t)k;
	for (i = 0; i < c->n_http_headers; i++) {
		k = snprintf(buf + n, cap - n, "%s\r\n", c->http_headers[i]);
		if (k < 0 || (size_t)k >= cap - n)
			return 0;
		n += (size_t)k;
	}
	if (cap - n < 3)
		return 0;
	memcpy(buf + n, "\r\n", 3);
	return n + 2;
}

int lp_http1_begin(struct lp_http1_probe *h, const struct lp_config *c, const struct lp_target *t,
		   struct lp_result *r)
{
	const char *host = c->host;

	h->cfg = c;
	if (!host)
		host = t->addr.sa.sa_family == AF_UNIX ? "localhost" : t->name;
	h->req_len = lp_http1_request(h->req, sizeof h->req, c, host);
	if (h->req_len == 0)
		return lp_fail(r, LP_USAGE, "request longer than %d bytes", LP_REQUEST_MAX);
	h->req_sent = 0;
	lp_http1_init(&h->parser, c->method == LP_HEAD);
	if (c->expect_body)
		lp_match_init(&h->match, c->expect_body);
	h->body_seen = 0;
	h->sample_len = 0;
	memcpy(h->target_name, t->name, sizeof h->target_name);
	h->tls_without_client_cert = c->tls && !c->tls_client_cert;
	return 0;
}

const char *lp_http1_waiting_for(const struct lp_http1_probe *h)
{
	if (h->req_sent < h->req_len)
		return "sending the request to";
	if (!lp_http1_head_done(&h->parser))
		return "waiting for response headers from";
	return "reading the response body from";
}

static int lp_http1_status_verdict(struct lp_http1_probe *h, struct lp_result *r)
{
	const struct lp_config *c = h->cfg;
	const char *ep = c->endpoint;

	if (!lp_codes_match(c->codes, c->n_codes, h->parser.status)) {
		/* nginx completes a TLS 1.2 handshake without the client certificate
		 * it requires, then answers 400 */
		lp_fail(r, LP_HTTP_STATUS, "%d from %s%s%s%s", h->parser.status, h->target_name,
			ep[0] == '/' ? "" : "/", ep,
			h->parser.status == 400 && h->tls_without_client_cert
				? " (does the server require a client certificate? "
				  "-tls-client-cert)"
				: "");
		return 1;
	}
	if (!c->expect_body) {
		r->kind = LP_OK;
		return 1;
	}
	return 0;
}

static int lp_http1_body_verdict(struct lp_http1_probe *h, struct lp_result *r, bool found)
{
	const struct lp_config *c = h->cfg;
	char q[140];

	if (found) {
		r->kind = LP_OK;
		return 1;
	}
	lp_fail(r, LP_BODY_MISMATCH, "%d from %s%s%s does not contain \"%s\"", h->parser.status,
		h->target_name, c->endpoint[0] == '/' ? "" : "/", c->endpoint,
		lp_quote(q, sizeof q, c->expect_body, strlen(c->expect_body)));
	return 1;
}

static int lp_http1_malformed(struct lp_http1_probe *h, struct lp_result *r)
{
	char q[140];

	if (!lp_http1_head_done(&h->parser) && h->parser.head_bytes <= sizeof h->sample)
		lp_fail(r, LP_MALFORMED, "%s: \"%s\"", h->parser.error,
			lp_quote(q, sizeof q, h->sample, h->sample_len));
	else
		lp_fail(r, LP_MALFORMED, "%s", h->parser.error);
	return 1;
}

/* Runs the parser over one received buffer.  Returns 1 with a verdict. */
static int lp_http1_consume(struct lp_http1_probe *h, const unsigned char *buf, size_t n,
			    struct lp_result *r)
{
	size_t off = 0, used;
	enum lp_h1_event ev;

	do {
		ev = lp_http1_feed(&h->parser, buf + off, n - off, &used);
		off += used;
		switch (ev) {
		case LP_H1_HEAD:
			if (h->cfg->verbose)
				lp_log("received HTTP/1.%d %d (%zu bytes of status line and headers)",
				       h->parser.minor, h->parser.status, h->parser.head_bytes);
			if (lp_http1_status_verdict(h, r))
				return 1;
			break;
		case LP_H1_DATA: {
			/* SPEC: only the first 64 KiB of the body are searched */
			size_t take = h->parser.data_len;
			if (take > LP_BODY_MAX - h->body_seen)
				take = LP_BODY_MAX - h->body_seen;
			if (lp_match_feed(&h->match, h->parser.data, take))
				return lp_http1_body_verdict(h, r, true);
			h->body_seen += take;
			if (h->body_seen >= LP_BODY_MAX)
				return lp_http1_body_verdict(h, r, false);
			break;
		}
		case LP_H1_DONE:
			return lp_http1_body_verdict(h, r, false);
		case LP_H1_ERROR:
			return lp_http1_malformed(h, r);
		case LP_H1_TOO_LARGE:
			return lp_fail(r, LP_TOO_LARGE, "%s", ""), 1;
		case LP_H1_MORE:
			break;
		}
	} while (ev != LP_H1_MORE);
	return 0;
}

static int lp_http1_closed(struct lp_http1_probe *h, struct lp_result *r)
{
	if (lp_http1_eof(&h->parser) == LP_H1_DONE)
		return lp_http1_body_verdict(h, r, false);
	lp_fail(r, LP_CLOSED, "%s",
		!lp_http1_head_done(&h->parser) ? "the response headers were complete"
						: "the response body was complete");
	return 1;
}

int lp_http1_step(struct lp_http1_probe *h, struct lp_conn *conn, struct lp_result *r)
{
	unsigned char buf[8192];
	ssize_t n;

	memcpy(r->where, h->target_name, sizeof r->where);
	while (h->req_sent < h->req_len) {
		n = lp_conn_send(conn, h->req + h->req_sent, h->req_len - h->req_sent, r);
		if (n == LP_IO_AGAIN)
			return 0;
		if (n < 0)
			return 1;
		h->req_sent += (size_t)n;
		if (h->req_sent == h->req_len && h->cfg->verbose)
			lp_log("sent %.*s to %s (%zu bytes)", (int)strcspn(h->req, "\r"), h->req,
			       h->target_name, h->req_len);
		/* plaintext: no answer can be there yet, so poll before recv (TLS
		 * goes on: its engine may still hold records to flush) */
		if (h->req_sent == h->req_len && !conn->tls) {
			conn->events = POLLIN;
			return 0;
		}
	}
	for (;;) {
		n = lp_conn_recv(conn, buf, sizeof buf, r);
		if (n == LP_IO_AGAIN)
			return 0;
		if (n < 0)
			return 1;
		if (n == 0)
			return lp_http1_closed(h, r);
		if (h->sample_len < sizeof h->sample) {
			size_t k = sizeof h->sample - h->sample_len;
			if (k > (size_t)n)
				k = (size_t)n;
			memcpy(h->sample + h->sample_len, buf, k);
			h->sample_len += k;
		}
		if (lp_http1_consume(h, buf, (size_t)n, r))
			return 1;
	}
}
