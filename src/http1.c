/*
 * http1.c -- one HTTP/1.1 request, one response, one verdict.
 */
#include "http1.h"

#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "log.h"

/* True if one of the -http-header lines sets Accept: it replaces ours. */
static bool lp_user_accept(const struct lp_config *c)
{
	int i;

	for (i = 0; i < c->n_http_headers; i++)
		if (strncasecmp(c->http_headers[i], "accept:", 7) == 0)
			return true;
	return false;
}

const char *lp_http1_slash(const struct lp_config *c)
{
	return c->endpoint[0] == '/' ? "" : "/";
}

/* Appends the strings of list (NULL-terminated) to buf at *n; false when
 * they do not fit with a NUL after them.  Plain copies: a request is
 * built in every probe, and printf's machinery costs several times more. */
static bool lp_put(char *buf, size_t cap, size_t *n, const char *const *list)
{
	size_t len;

	for (; *list; list++) {
		len = strlen(*list);
		if (len >= cap - *n)
			return false;
		memcpy(buf + *n, *list, len);
		*n += len;
	}
	buf[*n] = '\0';
	return true;
}

size_t lp_http1_request(char *buf, size_t cap, const struct lp_config *c, const char *host)
{
	/* Accept: as the kubelet sends it; Connection: close so the server
	 * ends the stream after the answer (RFC 9112 §9.6). */
	const char *head[] = {c->method == LP_HEAD ? "HEAD " : "GET ",
			      lp_http1_slash(c),
			      c->endpoint,
			      " HTTP/1.1\r\nHost: ",
			      host,
			      "\r\nUser-Agent: ",
			      c->user_agent,
			      "\r\n",
			      lp_user_accept(c) ? "" : "Accept: */*\r\n",
			      "Connection: close\r\n",
			      NULL};
	const char *line[3] = {NULL, "\r\n", NULL}, *end[] = {"\r\n", NULL};
	size_t n = 0;
	int i;

	if (cap == 0 || !lp_put(buf, cap, &n, head))
		return 0;
	for (i = 0; i < c->n_http_headers; i++) {
		line[0] = c->http_headers[i];
		if (!lp_put(buf, cap, &n, line))
			return 0;
	}
	return lp_put(buf, cap, &n, end) ? n : 0;
}

/* The Host header: -host, else the address probed (after the ::1 retry,
 * the address that answered). */
static const char *lp_http1_host(const struct lp_exchange *x)
{
	if (x->cfg->host)
		return x->cfg->host;
	return x->target->addr.sa.sa_family == AF_UNIX ? "localhost" : x->target->name;
}

static int lp_http1_build(struct lp_http1_probe *h, const struct lp_exchange *x,
			  struct lp_result *r)
{
	/* the target's name, for begin to see whether the ::1 retry changed it */
	memcpy(h->built_for, x->target->name, sizeof h->built_for);
	h->req_len = lp_http1_request(h->req, sizeof h->req, x->cfg, lp_http1_host(x));
	if (h->req_len == 0)
		return lp_fail(r, LP_USAGE, "request longer than %d bytes", LP_REQUEST_MAX);
	return 0;
}

/* Built before any socket, so that an over-long request is a usage error
 * then; begin builds it again for the address that answered ("[::1]:N" is
 * never longer than "127.0.0.1:N"). */
static int lp_http1_prepare(void *m, const struct lp_exchange *x, struct lp_result *r)
{
	return lp_http1_build(m, x, r);
}

static int lp_http1_begin(void *m, struct lp_exchange *x)
{
	struct lp_http1_probe *h = m;

	/* the default Host names the address that answered */
	if (!x->cfg->host && strcmp(h->built_for, x->target->name) != 0 &&
	    lp_http1_build(h, x, &x->res) < 0)
		return -1;
	h->req_sent = 0;
	lp_http1_init(&h->parser, x->cfg->method == LP_HEAD);
	if (x->cfg->expect_body)
		lp_match_init(&h->match, x->cfg->expect_body);
	h->body_seen = 0;
	return 0;
}

static void lp_http1_expire(void *m, struct lp_exchange *x, const char *d)
{
	const struct lp_http1_probe *h = m;
	const char *what = h->req_sent < h->req_len	     ? "sending the request to"
			   : !lp_http1_head_done(&h->parser) ? "waiting for response headers from"
							     : "reading the response body from";

	lp_fail(&x->res, LP_TIMEOUT, "%s %s %s", d, what, x->target->name);
}

static int lp_http1_status_verdict(struct lp_http1_probe *h, struct lp_exchange *x)
{
	const struct lp_config *c = x->cfg;

	if (!lp_codes_match(c->codes, c->n_codes, h->parser.status)) {
		/* nginx completes a TLS 1.2 handshake without the client certificate
		 * it requires, then answers 400 */
		lp_fail(&x->res, LP_HTTP_STATUS, "%d from %s%s%s%s", h->parser.status,
			x->target->name, lp_http1_slash(c), c->endpoint,
			h->parser.status == 400 && x->tls && !c->tls_client_cert
				? " (does the server require a client certificate? "
				  "-tls-client-cert)"
				: "");
		return 1;
	}
	if (!c->expect_body) {
		x->res.kind = LP_OK;
		return 1;
	}
	return 0;
}

static int lp_http1_body_verdict(struct lp_http1_probe *h, struct lp_exchange *x, bool found)
{
	const struct lp_config *c = x->cfg;
	char q[140];

	if (found) {
		x->res.kind = LP_OK;
		return 1;
	}
	lp_fail(&x->res, LP_BODY_MISMATCH, "%d from %s%s%s does not contain \"%s\"",
		h->parser.status, x->target->name, lp_http1_slash(c), c->endpoint,
		lp_quote(q, sizeof q, c->expect_body, strlen(c->expect_body)));
	return 1;
}

static int lp_http1_malformed(struct lp_http1_probe *h, struct lp_exchange *x)
{
	char q[140];

	if (!lp_http1_head_done(&h->parser) && h->parser.head_bytes <= x->conn.first_len)
		lp_fail(&x->res, LP_MALFORMED, "%s: \"%s\"", h->parser.error,
			lp_quote(q, sizeof q, x->conn.first, x->conn.first_len));
	else
		lp_fail(&x->res, LP_MALFORMED, "%s", h->parser.error);
	return 1;
}

/* Runs the parser over one received buffer.  Returns 1 with a verdict. */
static int lp_http1_consume(struct lp_http1_probe *h, struct lp_exchange *x,
			    const unsigned char *buf, size_t n)
{
	size_t off = 0, used;
	enum lp_h1_event ev;

	do {
		ev = lp_http1_feed(&h->parser, buf + off, n - off, &used);
		off += used;
		switch (ev) {
		case LP_H1_HEAD:
			if (x->cfg->verbose)
				lp_log("received HTTP/1.%d %d (%zu bytes of status line and "
				       "headers)",
				       h->parser.minor, h->parser.status, h->parser.head_bytes);
			if (lp_http1_status_verdict(h, x))
				return 1;
			break;
		case LP_H1_DATA: {
			/* SPEC: only the first 64 KiB of the body are searched */
			size_t take = h->parser.data_len;
			if (take > LP_BODY_MAX - h->body_seen)
				take = LP_BODY_MAX - h->body_seen;
			if (lp_match_feed(&h->match, h->parser.data, take))
				return lp_http1_body_verdict(h, x, true);
			h->body_seen += take;
			if (h->body_seen >= LP_BODY_MAX)
				return lp_http1_body_verdict(h, x, false);
			break;
		}
		case LP_H1_DONE:
			return lp_http1_body_verdict(h, x, false);
		case LP_H1_ERROR:
			return lp_http1_malformed(h, x);
		case LP_H1_TOO_LARGE:
			return lp_fail(&x->res, LP_TOO_LARGE, "%s", ""), 1;
		case LP_H1_MORE:
			break;
		}
	} while (ev != LP_H1_MORE);
	return 0;
}

static int lp_http1_closed(struct lp_http1_probe *h, struct lp_exchange *x)
{
	if (lp_http1_eof(&h->parser) == LP_H1_DONE)
		return lp_http1_body_verdict(h, x, false);
	lp_fail(&x->res, LP_CLOSED, "%s",
		!lp_http1_head_done(&h->parser) ? "the response headers were complete"
						: "the response body was complete");
	return 1;
}

static int lp_http1_send(struct lp_http1_probe *h, struct lp_exchange *x)
{
	ssize_t n;

	while (h->req_sent < h->req_len) {
		n = lp_conn_send(&x->conn, h->req + h->req_sent, h->req_len - h->req_sent, &x->res);
		if (n < 0)
			return (int)n;
		h->req_sent += (size_t)n;
	}
	if (x->cfg->verbose)
		lp_log("sent %.*s to %s (%zu bytes)", (int)strcspn(h->req, "\r"), h->req,
		       x->target->name, h->req_len);
	return 0;
}

static int lp_http1_step(void *m, struct lp_exchange *x)
{
	struct lp_http1_probe *h = m;
	unsigned char buf[8192];
	ssize_t n;

	if (h->req_sent < h->req_len) {
		n = lp_http1_send(h, x);
		if (n == LP_IO_AGAIN)
			return 0;
		if (n < 0)
			return 1;
		/* plaintext: no answer can be there yet, so wait before reading
		 * (TLS goes on: its engine may still hold records to flush) */
		if (!x->tls) {
			x->conn.events = POLLIN;
			return 0;
		}
	}
	for (;;) {
		n = lp_conn_recv(&x->conn, buf, sizeof buf, &x->res);
		if (n == LP_IO_AGAIN)
			return 0;
		if (n < 0)
			return 1;
		if (n == 0)
			return lp_http1_closed(h, x);
		if (lp_http1_consume(h, x, buf, (size_t)n))
			return 1;
	}
}

const struct lp_mode_ops lp_http1_mode = {
	.name = "http",
	.alpn = NULL,
	.nodelay = false, /* one request, one write */
	.prepare = lp_http1_prepare,
	.begin = lp_http1_begin,
	.step = lp_http1_step,
	.expire = lp_http1_expire,
	.release = NULL,
};
